package wechat

import (
	"crypto/rand"
	"encoding/xml"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/edgedesk/edgedesk/edge/channels"
)

// cdata is a text element written as CDATA, as WeChat's samples write
// them (encoding/xml splits a "]]>" in it).
type cdata struct {
	V string `xml:",cdata"`
}

// passiveText is a passive text reply (被动回复用户消息: 回复文本消息).
type passiveText struct {
	XMLName      xml.Name `xml:"xml"`
	ToUserName   cdata
	FromUserName cdata
	CreateTime   int64
	MsgType      cdata
	Content      cdata
}

// passiveEncrypted is the envelope of an encrypted passive reply.
type passiveEncrypted struct {
	XMLName      xml.Name `xml:"xml"`
	Encrypt      cdata
	MsgSignature cdata
	TimeStamp    string
	Nonce        cdata
}

// Passive answers r, a message request of WeChat's, with a text reply to
// its customer (in's From), encrypted with a fresh nonce when r was
// encrypted. WeChat shows it only if it is answered within its 5 s.
func (a *Adapter) Passive(r *channels.Request, in channels.Inbound, text string) (channels.Response, error) {
	m, encrypted, err := a.open(r)
	if err != nil {
		return channels.Response{}, err
	}
	if in.From != m.FromUserName {
		return channels.Response{}, errors.New("wechat: a passive reply goes only to the customer who sent the request's message")
	}
	if text == "" {
		return channels.Response{}, errors.New("wechat: a passive reply needs a text")
	}
	if n := utf8.RuneCountInString(text); n > Kind().Limits.MaxText {
		return channels.Response{}, fmt.Errorf("wechat: the reply has %d characters, WeChat takes at most %d: shorten it", n, Kind().Limits.MaxText)
	}
	from := m.ToUserName
	if from == "" {
		from = a.account
	}
	now := a.now()
	body, err := xml.Marshal(passiveText{
		ToUserName:   cdata{m.FromUserName},
		FromUserName: cdata{from},
		CreateTime:   now.Unix(),
		MsgType:      cdata{"text"},
		Content:      cdata{xmlSafe(text)},
	})
	if err != nil {
		return channels.Response{}, fmt.Errorf("wechat: passive reply: %w", err)
	}
	if encrypted {
		ct, err := a.crypt.Encrypt(body)
		if err != nil {
			return channels.Response{}, fmt.Errorf("wechat: encrypting the passive reply: %w", err)
		}
		ts := strconv.FormatInt(now.Unix(), 10)
		nonce, err := newNonce()
		if err != nil {
			return channels.Response{}, err
		}
		body, err = xml.Marshal(passiveEncrypted{
			Encrypt:      cdata{ct},
			MsgSignature: cdata{a.crypt.Sign(ts, nonce, ct)},
			TimeStamp:    ts,
			Nonce:        cdata{nonce},
		})
		if err != nil {
			return channels.Response{}, fmt.Errorf("wechat: passive reply: %w", err)
		}
	}
	return channels.Response{ContentType: "application/xml; charset=utf-8", Body: body}, nil
}

// newNonce is a random number of 10 digits, as WeChat's nonces are.
func newNonce() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(9_000_000_000))
	if err != nil {
		return "", fmt.Errorf("wechat: nonce: %w", err)
	}
	return strconv.FormatInt(n.Int64()+1_000_000_000, 10), nil
}

// xmlSafe replaces what XML 1.0 cannot carry (control characters,
// invalid UTF-8) with U+FFFD.
func xmlSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return r
		case r < 0x20, r == utf8.RuneError, r >= 0xFFFE && r <= 0xFFFF, r >= 0xD800 && r <= 0xDFFF:
			return '\uFFFD'
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}
