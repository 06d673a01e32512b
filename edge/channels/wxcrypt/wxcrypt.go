// Package wxcrypt is the message crypto WeChat Official Accounts (safe
// and compatible mode) and WeCom share, known by their sample library's
// name WXBizMsgCrypt: the SHA-1 signature over the token, timestamp,
// nonce and ciphertext, and AES-256-CBC under the EncodingAESKey with
// PKCS#7 padding to 32 bytes, over random(16) ‖ length(4, big-endian) ‖
// message ‖ receiver id (the appid or corpid), which is checked.
package wxcrypt

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// block is the padding's block: WXBizMsgCrypt pads to 32 bytes, not to
// AES's 16.
const block = 32

// MaxCiphertext bounds a ciphertext's base64 text: a message is at most a
// few kilobytes, and a body is bounded before this.
const MaxCiphertext = 1 << 20

// Errors a ciphertext can get.
var (
	ErrBase64  = errors.New("the ciphertext is not base64")
	ErrLength  = errors.New("the ciphertext's length is not a whole number of AES blocks")
	ErrPadding = errors.New("the plaintext's PKCS#7 padding is wrong")
	ErrFormat  = errors.New("the plaintext's length field is past its end")
	ErrAppID   = errors.New("the ciphertext is for another app (its receiver id differs)")
)

// Crypt signs, encrypts and decrypts one app's messages.
type Crypt struct {
	token    string
	key      []byte
	receiver string
	random   io.Reader
}

// New makes the Crypt of token, the 43-character encodingAESKey and the
// receiver id (an Official Account's appid, WeCom's corpid).
func New(token, encodingAESKey, receiver string) (*Crypt, error) {
	if token == "" || receiver == "" {
		return nil, errors.New("wxcrypt: the token and the receiver id (appid or corpid) are required")
	}
	if len(encodingAESKey) != 43 {
		return nil, fmt.Errorf("wxcrypt: the EncodingAESKey has %d characters, it has 43", len(encodingAESKey))
	}
	key, err := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	if err != nil || len(key) != 32 {
		return nil, errors.New("wxcrypt: the EncodingAESKey is not 43 characters of base64 (A-Z, a-z, 0-9)")
	}
	return &Crypt{token: token, key: key, receiver: receiver, random: rand.Reader}, nil
}

// Signature is SHA-1 over the sorted, concatenated token and parts: a
// plain signature (timestamp, nonce), or a msg_signature (timestamp,
// nonce, ciphertext), in lower-case hex.
func Signature(token string, parts ...string) string {
	s := append([]string{token}, parts...)
	slices.Sort(s)
	sum := sha1.Sum([]byte(strings.Join(s, "")))
	return hex.EncodeToString(sum[:])
}

// Sign is c's Signature of parts.
func (c *Crypt) Sign(parts ...string) string { return Signature(c.token, parts...) }

// Verify reports whether sig is c's Signature of parts, in constant time.
func (c *Crypt) Verify(sig string, parts ...string) bool {
	want := c.Sign(parts...)
	return subtle.ConstantTimeCompare([]byte(strings.ToLower(sig)), []byte(want)) == 1
}

// Decrypt opens a base64 ciphertext and returns its message, after
// checking its padding, its length field and its receiver id.
func (c *Crypt) Decrypt(ciphertext string) ([]byte, error) {
	if len(ciphertext) > MaxCiphertext {
		return nil, fmt.Errorf("the ciphertext has %d bytes, at most %d", len(ciphertext), MaxCiphertext)
	}
	raw, err := base64.StdEncoding.DecodeString(ciphertext)
	if err != nil {
		return nil, ErrBase64
	}
	if len(raw) == 0 || len(raw)%aes.BlockSize != 0 {
		return nil, ErrLength
	}
	b, _ := aes.NewCipher(c.key) // the key is 32 bytes
	plain := make([]byte, len(raw))
	cipher.NewCBCDecrypter(b, c.key[:aes.BlockSize]).CryptBlocks(plain, raw)
	n := int(plain[len(plain)-1])
	if n < 1 || n > block || n > len(plain) || !bytes.Equal(plain[len(plain)-n:], bytes.Repeat([]byte{byte(n)}, n)) {
		return nil, ErrPadding
	}
	plain = plain[:len(plain)-n]
	if len(plain) < 20 {
		return nil, ErrFormat
	}
	size := binary.BigEndian.Uint32(plain[16:20])
	if uint64(size) > uint64(len(plain)-20) {
		return nil, ErrFormat
	}
	msg, receiver := plain[20:20+size], plain[20+size:]
	if subtle.ConstantTimeCompare(receiver, []byte(c.receiver)) != 1 {
		return nil, ErrAppID
	}
	return msg, nil
}

// Encrypt seals msg for the platform, as base64.
func (c *Crypt) Encrypt(msg []byte) (string, error) {
	plain := make([]byte, 20, 20+len(msg)+len(c.receiver)+block)
	if _, err := io.ReadFull(c.random, plain[:16]); err != nil {
		return "", err
	}
	binary.BigEndian.PutUint32(plain[16:20], uint32(len(msg)))
	plain = append(append(plain, msg...), c.receiver...)
	n := block - len(plain)%block
	plain = append(plain, bytes.Repeat([]byte{byte(n)}, n)...)
	b, _ := aes.NewCipher(c.key)
	out := make([]byte, len(plain))
	cipher.NewCBCEncrypter(b, c.key[:aes.BlockSize]).CryptBlocks(out, plain)
	return base64.StdEncoding.EncodeToString(out), nil
}
