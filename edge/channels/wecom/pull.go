package wecom

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/edgedesk/edgedesk/edge/channels"
)

// Message origins in sync_msg's msg_list.
const (
	originCustomer = 3 // 微信客户发送的消息
	originSystem   = 4 // 系统推送的事件消息
	originServicer = 5 // 接待人员在企业微信客户端发送的消息
)

// syncRequest is sync_msg's request (读取消息,
// developer.work.weixin.qq.com/document/path/94670).
type syncRequest struct {
	Cursor   string `json:"cursor,omitempty"`
	Token    string `json:"token,omitempty"`
	Limit    int    `json:"limit"`
	OpenKfID string `json:"open_kfid,omitempty"`
}

type syncAnswer struct {
	status
	NextCursor string    `json:"next_cursor"`
	HasMore    int       `json:"has_more"`
	MsgList    []message `json:"msg_list"`
}

type media struct {
	MediaID string `json:"media_id"`
}

// message is one of msg_list's.
type message struct {
	MsgID          string `json:"msgid"`
	OpenKfID       string `json:"open_kfid"`
	ExternalUserID string `json:"external_userid"`
	SendTime       int64  `json:"send_time"`
	Origin         int    `json:"origin"`
	MsgType        string `json:"msgtype"`
	Text           *struct {
		Content string `json:"content"`
	} `json:"text"`
	Image    *media `json:"image"`
	Voice    *media `json:"voice"`
	Video    *media `json:"video"`
	File     *media `json:"file"`
	Location *struct {
		Latitude  float64 `json:"latitude"`
		Longitude float64 `json:"longitude"`
		Name      string  `json:"name"`
		Address   string  `json:"address"`
	} `json:"location"`
	Link *struct {
		Title string `json:"title"`
		Desc  string `json:"desc"`
		URL   string `json:"url"`
	} `json:"link"`
	Event *struct {
		EventType      string `json:"event_type"`
		OpenKfID       string `json:"open_kfid"`
		ExternalUserID string `json:"external_userid"`
		FailMsgID      string `json:"fail_msgid"`
		FailType       int    `json:"fail_type"`
	} `json:"event"`
}

// Pull reads the messages after cursor with the callback's token
// (POST /cgi-bin/kf/sync_msg). A token WeCom no longer takes (they last
// 10 minutes) is dropped and the read made without it.
func (a *Adapter) Pull(ctx context.Context, token, cursor string) ([]channels.Inbound, string, bool, error) {
	const path = "/cgi-bin/kf/sync_msg"
	req := syncRequest{Cursor: cursor, Token: token, Limit: 1000, OpenKfID: a.kfID}
	var out syncAnswer
	if err := a.call(ctx, path, nil, jsonBody(req), &out); err != nil {
		return nil, cursor, false, err
	}
	if out.ErrCode == codeBadMsgToken && req.Token != "" {
		a.log.InfoContext(ctx, "wecom: the callback's token has expired, reading without it")
		req.Token = ""
		if err := a.call(ctx, path, nil, jsonBody(req), &out); err != nil {
			return nil, cursor, false, err
		}
	}
	if err := failed(path, &out); err != nil {
		return nil, cursor, false, err
	}
	next := out.NextCursor
	if len(next) > maxID {
		return nil, cursor, false, fmt.Errorf("wecom: sync_msg answered a next_cursor of %d bytes, over %d", len(next), maxID)
	}
	if next == "" {
		next = cursor
	}
	var batch []channels.Inbound
	for i := range out.MsgList {
		in, ok, why := a.inbound(&out.MsgList[i])
		if why != "" {
			a.log.WarnContext(ctx, "wecom: a pulled message is left out", "why", why)
		}
		if ok {
			batch = append(batch, in)
		}
	}
	a.profiles(ctx, batch)
	return batch, next, out.HasMore == 1, nil
}

// inbound maps one pulled message; ok is false for what is not the
// edge's (a servicer's message, another account's, an event it does not
// record), why says why a message of a customer is left out.
func (a *Adapter) inbound(m *message) (in channels.Inbound, ok bool, why string) {
	kf, user := m.OpenKfID, m.ExternalUserID
	if m.Event != nil && m.MsgType == "event" {
		if m.Event.OpenKfID != "" {
			kf = m.Event.OpenKfID
		}
		if m.Event.ExternalUserID != "" {
			user = m.Event.ExternalUserID
		}
	}
	if a.kfID != "" && kf != a.kfID {
		return in, false, ""
	}
	if len(m.MsgID) > maxID || len(kf) > maxID || len(user) > maxID {
		return in, false, "an id over 256 bytes"
	}
	in = channels.Inbound{ID: m.MsgID, From: user, Chat: kf, At: time.Unix(m.SendTime, 0)}
	switch {
	case m.Origin == originCustomer:
		if m.MsgID == "" || user == "" {
			return in, false, "a customer's message without msgid or external_userid"
		}
		return a.customer(m, in)
	case m.Origin == originSystem && m.MsgType == "event" && m.Event != nil:
		if user == "" {
			return in, false, ""
		}
		if in.ID == "" {
			in.ID = "event-" + m.Event.EventType + "-" + user + "-" + strconv.FormatInt(m.SendTime, 10)
		}
		switch m.Event.EventType {
		case "enter_session":
			in.Event = "enter_session"
			return in, true, ""
		case "msg_send_fail":
			if m.Event.FailMsgID == "" || len(m.Event.FailMsgID) > maxID {
				return in, false, "a msg_send_fail without a usable fail_msgid"
			}
			in.Status = &channels.Status{MessageID: m.Event.FailMsgID, State: channels.StateFailed, Detail: failReason(m.Event.FailType)}
			return in, true, ""
		}
	}
	// Origin 5 is a servicer writing in the WeCom app (not the edge's
	// customer); other events (servicer_status_change,
	// session_status_change, recalls) are WeCom's bookkeeping.
	return in, false, ""
}

// customer fills in a customer's message by its type.
func (a *Adapter) customer(m *message, in channels.Inbound) (channels.Inbound, bool, string) {
	switch m.MsgType {
	case "text":
		if m.Text == nil {
			return in, false, "a text message without text"
		}
		if len(m.Text.Content) > maxText || !utf8.ValidString(m.Text.Content) {
			return in, false, "a text over 64 KiB or not UTF-8"
		}
		in.Text = m.Text.Content
	case "image", "voice", "video", "file":
		md := map[string]*media{"image": m.Image, "voice": m.Voice, "video": m.Video, "file": m.File}[m.MsgType]
		if md == nil || md.MediaID == "" || len(md.MediaID) > maxID {
			return in, false, "a media message without a usable media_id"
		}
		in.Media = []channels.Media{{Kind: m.MsgType, Ref: md.MediaID}}
	case "location":
		if m.Location == nil {
			return in, false, "a location message without location"
		}
		l := m.Location
		label := strings.TrimSpace(l.Name + " " + l.Address)
		if len(label) > maxText {
			return in, false, "a location's label over 64 KiB"
		}
		in.Location = strings.TrimSpace(strconv.FormatFloat(l.Latitude, 'f', -1, 64) + "," + strconv.FormatFloat(l.Longitude, 'f', -1, 64) + " " + label)
	case "link":
		if m.Link == nil {
			return in, false, "a link message without link"
		}
		t := strings.TrimSpace(strings.Join([]string{m.Link.Title, m.Link.Desc, m.Link.URL}, "\n"))
		if len(t) > maxText {
			return in, false, "a link over 64 KiB"
		}
		in.Text = t
	default:
		in.Text = "[unsupported " + bound(m.MsgType, 32) + " message]"
	}
	return in, true, ""
}

// failReason says what msg_send_fail's fail_type means.
func failReason(t int) string {
	switch t {
	case 1:
		return "the customer service account was deleted"
	case 2:
		return "the app was closed"
	case 4:
		return "the session expired: WeCom allows replies only within 48 hours of the customer's last message"
	case 5:
		return "the session was closed"
	case 6:
		return "over WeCom's 5 replies per customer message"
	case 7, 8, 9:
		return "the customer service account is not verified or not bound as WeCom requires"
	case 10:
		return "the customer refused the message"
	}
	return "WeCom could not deliver the message (fail_type " + strconv.Itoa(t) + ")"
}

// profiles fills in the customers' nicknames and avatars, once per
// batch (POST /cgi-bin/kf/customer/batchget, 100 ids a call); a failure
// leaves them empty.
func (a *Adapter) profiles(ctx context.Context, batch []channels.Inbound) {
	const path = "/cgi-bin/kf/customer/batchget"
	var ids []string
	seen := map[string]bool{}
	for _, in := range batch {
		if in.Status == nil && in.From != "" && !seen[in.From] {
			seen[in.From] = true
			ids = append(ids, in.From)
		}
	}
	got := map[string]channels.Profile{}
	for len(ids) > 0 {
		n := min(len(ids), 100)
		var out struct {
			status
			CustomerList []struct {
				ExternalUserID string `json:"external_userid"`
				Nickname       string `json:"nickname"`
				Avatar         string `json:"avatar"`
			} `json:"customer_list"`
		}
		req := map[string]any{"external_userid_list": ids[:n]}
		ids = ids[n:]
		if err := a.call(ctx, path, nil, jsonBody(req), &out); err != nil || out.ErrCode != codeOK {
			a.log.DebugContext(ctx, "wecom: no customer profiles", "errcode", out.ErrCode, "err", err)
			continue
		}
		for _, c := range out.CustomerList {
			p := channels.Profile{}
			if len(c.Nickname) <= maxName && utf8.ValidString(c.Nickname) {
				p.Name = c.Nickname
			}
			avatar := c.Avatar
			if rest, ok := strings.CutPrefix(avatar, "http://"); ok {
				avatar = "https://" + rest // WeChat's avatar hosts serve https too
			}
			if len(avatar) <= maxURL && strings.HasPrefix(avatar, "https://") {
				p.Avatar = avatar
			}
			got[c.ExternalUserID] = p
		}
	}
	for i := range batch {
		if p, ok := got[batch[i].From]; ok && batch[i].Status == nil {
			batch[i].Profile = p
		}
	}
}
