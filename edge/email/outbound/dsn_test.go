package outbound_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/edgedesk/edgedesk/edge/email/outbound"
	"github.com/edgedesk/edgedesk/edge/email/thread"
)

func readDSN(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseDSN(t *testing.T) {
	for _, c := range []struct {
		file, id, reason string // reason: a part of it
		ok               bool
	}{
		{"postfix.eml", "v1.aaaaaaaaaaaas@edge-a.acme.example", "carla@customer.example: 550 5.1.1 <carla@customer.example>: Recipient address rejected: User unknown", true},
		{"exim.eml", "v2.aaaaaaaaaaaao@edge-b.acme.example", "nobody@customer.example: 5.0.0 550 No such user", true},
		{"gmail.eml", "v3.aaaaaaaaaaaay@edge-a.acme.example", "gone@gmail.com: 550-5.1.1 The email account that you tried to reach does not exist.", true},
		{"delayed.eml", "", "", false}, // not a failure: still tried
	} {
		t.Run(c.file, func(t *testing.T) {
			id, reason, ok := outbound.ParseDSN(readDSN(t, c.file))
			if ok != c.ok || id != c.id || !strings.Contains(reason, c.reason) {
				t.Fatalf("ParseDSN = %q, %q, %v; want %q, a reason with %q, %v", id, reason, ok, c.id, c.reason, c.ok)
			}
			if ok {
				if _, seq, found := thread.ParseMessageID(id); !found || seq == 0 {
					t.Fatalf("%q: not one of the edge's Message-IDs", id)
				}
			}
		})
	}
	if _, _, ok := outbound.ParseDSN([]byte("From: a@b\r\nSubject: hi\r\n\r\nhello\r\n")); ok {
		t.Fatal("a plain mail read as a bounce")
	}
	orig := "Content-Type: multipart/report; report-type=delivery-status; boundary=X\r\n\r\n--X\r\nContent-Type: text/plain\r\n\r\nfailed\r\n--X\r\n" +
		"Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; x\r\nOriginal-Message-ID: <orig@x.example>\r\n\r\nFinal-Recipient: rfc822; a@b\r\nAction: failed\r\nStatus: 5.2.2\r\n--X--\r\n"
	if id, reason, ok := outbound.ParseDSN([]byte(orig)); !ok || id != "orig@x.example" || reason != "a@b: 5.2.2" {
		t.Fatalf("Original-Message-ID: %q, %q, %v", id, reason, ok)
	}
}

func FuzzParseDSN(f *testing.F) {
	for _, n := range []string{"postfix.eml", "exim.eml", "gmail.eml", "delayed.eml"} {
		f.Add(readDSN(f, n))
	}
	f.Add([]byte("Content-Type: multipart/report; report-type=delivery-status; boundary=X\r\n\r\n--X\r\nContent-Type: message/delivery-status\r\n\r\nAction: failed\r\n--X\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <a@b>\r\n--X--\r\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		id, reason, ok := outbound.ParseDSN(raw)
		if !ok {
			if id != "" || reason != "" {
				t.Fatalf("not ok, but %q, %q", id, reason)
			}
			return
		}
		if id == "" || len(id) > 998 || strings.ContainsAny(id, "<> \r\n\t") {
			t.Fatalf("Message-ID %q", id)
		}
		if len(reason) > 500 || !utf8.ValidString(reason) || strings.ContainsAny(reason, "\r\n") {
			t.Fatalf("reason %q: want one valid line of at most 500 bytes", reason)
		}
	})
}
