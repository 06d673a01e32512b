package wxcrypt

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"errors"
	"testing"
)

// The sample of WeCom's callback documentation (加解密方案说明) and its
// WXBizMsgCrypt sample programs: verifying the callback URL.
const (
	sampleToken   = "QDG6eK"
	sampleKey     = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
	sampleCorpID  = "wx5823bf96d3bd56c7"
	sampleSig     = "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"
	sampleTS      = "1409659589"
	sampleNonce   = "263014780"
	sampleEchoStr = "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="
)

func TestPublishedSample(t *testing.T) {
	c, err := New(sampleToken, sampleKey, sampleCorpID)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Verify(sampleSig, sampleTS, sampleNonce, sampleEchoStr) {
		t.Fatalf("the sample's msg_signature does not verify: got %s", c.Sign(sampleTS, sampleNonce, sampleEchoStr))
	}
	if c.Verify(sampleSig, sampleTS, "263014781", sampleEchoStr) {
		t.Fatal("a changed nonce verified")
	}
	msg, err := c.Decrypt(sampleEchoStr)
	if err != nil {
		t.Fatal(err)
	}
	if len(msg) == 0 || !bytes.ContainsFunc(msg, func(r rune) bool { return r >= '0' && r <= '9' }) {
		t.Fatalf("echostr decrypted to %q", msg)
	}
	other, _ := New(sampleToken, sampleKey, "wx0000000000000000")
	if _, err := other.Decrypt(sampleEchoStr); !errors.Is(err, ErrAppID) {
		t.Fatalf("another corpid's key opened the sample: %v", err)
	}
}

func TestRoundTripAndRefusals(t *testing.T) {
	c, _ := New("tok", sampleKey, "wxappid")
	for _, msg := range [][]byte{nil, []byte("a"), bytes.Repeat([]byte("x"), 31), bytes.Repeat([]byte("你好"), 300)} {
		ct, err := c.Encrypt(msg)
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.Decrypt(ct)
		if err != nil || !bytes.Equal(got, msg) {
			t.Fatalf("round trip of %d bytes: %q %v", len(msg), got, err)
		}
	}
	ct, _ := c.Encrypt([]byte("<xml/>"))
	raw, _ := base64.StdEncoding.DecodeString(ct)
	for name, tc := range map[string]struct {
		ct   string
		want error
	}{
		"not base64":      {"%%%", ErrBase64},
		"truncated":       {ct[:len(ct)-1], ErrBase64},
		"not whole block": {base64.StdEncoding.EncodeToString(raw[:len(raw)-3]), ErrLength},
		"empty":           {"", ErrLength},
		"bad padding":     {reseal(t, raw, func(p []byte) { p[len(p)-1] = 0 }), ErrPadding},
		"padding over 32": {reseal(t, raw, func(p []byte) { p[len(p)-1] = 33 }), ErrPadding},
		"length too long": {reseal(t, raw, func(p []byte) { p[16] = 0xff }), ErrFormat},
		"other appid":     {reseal(t, raw, func(p []byte) { p[20+6] ^= 1 }), ErrAppID},
	} {
		if _, err := c.Decrypt(tc.ct); !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", name, err, tc.want)
		}
	}
	if _, err := New("t", "short", "id"); err == nil {
		t.Fatal("a short EncodingAESKey was taken")
	}
}

// reseal decrypts raw with the sample key, changes the plaintext and
// encrypts it again.
func reseal(t *testing.T, raw []byte, change func([]byte)) string {
	t.Helper()
	key, _ := base64.StdEncoding.DecodeString(sampleKey + "=")
	b, _ := aes.NewCipher(key)
	p := make([]byte, len(raw))
	cipher.NewCBCDecrypter(b, key[:16]).CryptBlocks(p, raw)
	change(p)
	out := make([]byte, len(p))
	cipher.NewCBCEncrypter(b, key[:16]).CryptBlocks(out, p)
	return base64.StdEncoding.EncodeToString(out)
}

func FuzzDecrypt(f *testing.F) {
	c, _ := New(sampleToken, sampleKey, sampleCorpID)
	f.Add(sampleEchoStr)
	f.Add("")
	f.Add("AAAA")
	f.Fuzz(func(t *testing.T, ct string) {
		msg, err := c.Decrypt(ct)
		if err != nil {
			return
		}
		again, err := c.Encrypt(msg)
		if err != nil {
			t.Fatal(err)
		}
		if back, err := c.Decrypt(again); err != nil || !bytes.Equal(back, msg) {
			t.Fatalf("a decrypted message does not survive a round trip: %v", err)
		}
	})
}
