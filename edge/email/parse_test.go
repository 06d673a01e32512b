package email

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
)

func mustParse(t *testing.T, raw string) *Mail {
	t.Helper()
	m, err := NewParser(Limits{}).Parse([]byte(raw))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return m
}

func TestParseCharsets(t *testing.T) {
	for file, want := range map[string]struct{ subject, text, from string }{
		"gbk.eml":     {"订单问题", "您好，我的订单还没有到。", "王伟"},
		"big5.eml":    {"退貨", "請問退貨流程？", ""},
		"sjis.eml":    {"注文", "注文が届きません。", ""},
		"latin1.eml":  {"Bestellung für Köln", "Grüße aus Köln, die Bestellung fehlt.", "Jürgen Müller"},
		"gb18030.eml": {"test", "𠀀 字 — 订单", ""},
	} {
		raw, err := os.ReadFile("testdata/" + file)
		if err != nil {
			t.Fatal(err)
		}
		m, err := NewParser(Limits{}).Parse(raw)
		if err != nil {
			t.Errorf("%s: %v", file, err)
			continue
		}
		if m.Subject != want.subject || m.Text != want.text || m.From.Name != want.from {
			t.Errorf("%s: subject %q text %q from %q; want %q %q %q", file, m.Subject, m.Text, m.From.Name, want.subject, want.text, want.from)
		}
	}
}

func TestParseHeadersAndThread(t *testing.T) {
	m := mustParse(t, "From: \"Ann Lee\" <ann@example.com>\r\nTo: support@demo.test, \"Bo\" <bo@example.com>\r\nCc: cc@example.com\r\n"+
		"Reply-To: ann.private@example.com\r\nSubject: Re:  Where is\r\n my order?\r\nMessage-ID: <abc-2@example.com>\r\n"+
		"In-Reply-To: <abc-1@example.com>\r\nReferences: <abc-0@example.com>\r\n <abc-1@example.com> garbage\r\n\r\nThanks!\r\n")
	if m.MessageID != "abc-2@example.com" || m.InReplyTo != "abc-1@example.com" || strings.Join(m.References, " ") != "abc-0@example.com abc-1@example.com" {
		t.Errorf("ids: %q %q %q", m.MessageID, m.InReplyTo, m.References)
	}
	if m.Subject != "Re: Where is my order?" || m.From.Addr != "ann@example.com" || m.From.Name != "Ann Lee" {
		t.Errorf("subject %q from %+v", m.Subject, m.From)
	}
	if len(m.To) != 2 || m.To[1].Name != "Bo" || len(m.Cc) != 1 || len(m.ReplyTo) != 1 {
		t.Errorf("to %+v cc %+v reply-to %+v", m.To, m.Cc, m.ReplyTo)
	}
	if m.Auto {
		t.Errorf("a person's mail is marked automatic (%s)", m.AutoWhy)
	}
	// no Message-ID: one made from the bytes, the same each time
	a := mustParse(t, "From: a@example.com\r\nSubject: x\r\n\r\nhi\r\n")
	b := mustParse(t, "From: a@example.com\r\nSubject: x\r\n\r\nhi\r\n")
	if a.MessageID == "" || a.MessageID != b.MessageID {
		t.Errorf("made Message-IDs %q and %q", a.MessageID, b.MessageID)
	}
}

func TestParseAutomatic(t *testing.T) {
	for _, h := range []string{"Auto-Submitted: auto-replied", "Precedence: bulk", "Precedence: list", "Precedence: junk",
		"List-Id: <news.example.com>", "X-Autoreply: yes"} {
		m := mustParse(t, "From: a@example.com\r\n"+h+"\r\nSubject: Out of office\r\n\r\nI am away.\r\n")
		if !m.Auto {
			t.Errorf("%s: not marked automatic", h)
		}
	}
	if m := mustParse(t, "From: MAILER-DAEMON@mx.example.com\r\nSubject: Undeliverable\r\n\r\nx\r\n"); !m.Auto {
		t.Error("a mailer daemon's mail is not marked automatic")
	}
	if m := mustParse(t, "From: a@example.com\r\nAuto-Submitted: no\r\nSubject: x\r\n\r\nx\r\n"); m.Auto {
		t.Error("Auto-Submitted: no is marked automatic")
	}
}

func TestParseHTMLIsSanitisedText(t *testing.T) {
	html := `<html><head><style>body{color:red}</style><script>alert('x')</script></head><body>
<p>Hello <b>team</b>,</p><p>see <a href="javascript:alert(1)">this</a> and <a href="https://shop.example/o/42">my order</a>.</p>
<form action="https://evil.example"><input name="pw" value="secret-in-form"></form>
<img src="https://tracker.example/pixel.gif?u=ann" width="1" height="1"><iframe src="https://evil.example"></iframe>
<p onclick="steal()">Thanks</p></body></html>`
	m := mustParse(t, "From: a@example.com\r\nSubject: html\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"+html)
	for _, bad := range []string{"alert", "javascript:", "color:red", "tracker.example", "evil.example", "steal", "<"} {
		if strings.Contains(m.Text, bad) {
			t.Errorf("the text keeps %q: %q", bad, m.Text)
		}
	}
	for _, good := range []string{"Hello", "team", "my order", "https://shop.example/o/42", "Thanks"} {
		if !strings.Contains(m.Text, good) {
			t.Errorf("the text lost %q: %q", good, m.Text)
		}
	}
}

func TestParseAttachments(t *testing.T) {
	raw := "From: a@example.com\r\nSubject: files\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n" +
		"--b1\r\nContent-Type: multipart/related; boundary=\"b2\"\r\n\r\n" +
		"--b2\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>See the photo <img src=\"cid:img1\"></p>\r\n" +
		"--b2\r\nContent-Type: image/png\r\nContent-ID: <img1>\r\nContent-Disposition: inline; filename=\"photo.png\"\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n" +
		"--b2--\r\n" +
		"--b1\r\nContent-Type: text/html; name=\"page.html\"\r\nContent-Disposition: attachment; filename=\"../../page.html\"\r\n\r\n<script>x</script>\r\n" +
		"--b1\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"invoice.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n" +
		"--b1--\r\n"
	m := mustParse(t, raw)
	got := map[string]string{}
	for _, a := range m.Attachments {
		got[a.Name] = a.Type
	}
	want := map[string]string{"photo.png": "image/png", "page.html": "application/octet-stream", "invoice.pdf": "application/pdf"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("attachments %v, want %v", got, want)
	}
	if !strings.Contains(m.Text, "See the photo") {
		t.Errorf("text %q", m.Text)
	}
}

func TestParseRefusals(t *testing.T) {
	p := NewParser(Limits{MaxBytes: 64 << 10, MaxHeaderBytes: 8 << 10})
	deep := &strings.Builder{}
	deep.WriteString("From: a@example.com\r\nSubject: deep\r\nContent-Type: multipart/mixed; boundary=\"d0\"\r\n\r\n")
	for i := range 120 {
		fmt.Fprintf(deep, "--d%d\r\nContent-Type: multipart/mixed; boundary=\"d%d\"\r\n\r\n", i, i+1)
	}
	for name, c := range map[string]struct {
		raw  string
		want string
	}{
		"no from":     {"Subject: x\r\n\r\nhello\r\n", "no From address"},
		"bad from":    {"From: not an address\r\nSubject: x\r\n\r\nhello\r\n", "no From address"},
		"NUL":         {"From: a@example.com\r\nSubject: x\r\n\r\nhel\x00lo\r\n", "NUL"},
		"too large":   {"From: a@example.com\r\n\r\n" + strings.Repeat("x", 70<<10), "larger than"},
		"huge header": {"From: a@example.com\r\nX-Big: " + strings.Repeat("y", 10<<10) + "\r\n\r\nx\r\n", "header section larger"},
		"deep":        {deep.String(), "nested more than 100"},
	} {
		_, err := p.Parse([]byte(c.raw))
		var pe *ParseError
		if !errors.As(err, &pe) || !strings.Contains(pe.Reason, c.want) {
			t.Errorf("%s: error %v, want a ParseError saying %q", name, err, c.want)
		}
	}
	// 100 deep is a mail, if an odd one
	ok := &strings.Builder{}
	ok.WriteString("From: a@example.com\r\nSubject: deep\r\nContent-Type: multipart/mixed; boundary=\"d0\"\r\n\r\n")
	for i := range 99 {
		fmt.Fprintf(ok, "--d%d\r\nContent-Type: multipart/mixed; boundary=\"d%d\"\r\n\r\n", i, i+1)
	}
	ok.WriteString("--d99\r\nContent-Type: text/plain\r\n\r\nat the bottom\r\n--d99--\r\n")
	m, err := NewParser(Limits{}).Parse([]byte(ok.String()))
	if err != nil || !strings.Contains(m.Text, "at the bottom") {
		t.Errorf("a mail nested 100 deep: %v, text %q", err, textOf(m))
	}
	// a malformed boundary is read as far as it goes
	m, err = NewParser(Limits{}).Parse([]byte("From: a@example.com\r\nSubject: x\r\nContent-Type: multipart/mixed; boundary=\"zz\"\r\n\r\n--zz\r\nContent-Type: text/plain\r\n\r\nhalf a mail"))
	if err != nil || !strings.Contains(m.Text, "half a mail") {
		t.Errorf("an unterminated multipart: %v, text %q", err, textOf(m))
	}
}

func textOf(m *Mail) string {
	if m == nil {
		return ""
	}
	return m.Text
}

func TestSplitQuote(t *testing.T) {
	for name, c := range map[string]struct{ in, body, quoted string }{
		"gmail": {"Thanks, that works.\n\nOn Tue, 3 Dec 2026 at 10:02, Demo Shop <support@demo.test> wrote:\n> Try restarting it.\n> Alice\n",
			"Thanks, that works.", "On Tue, 3 Dec 2026 at 10:02, Demo Shop <support@demo.test> wrote:\n> Try restarting it.\n> Alice"},
		"wrapped on": {"Yes please.\n\nOn Tue, 3 Dec 2026 at 10:02, Demo Shop\n<support@demo.test> wrote:\n> Shall we refund?\n",
			"Yes please.", "On Tue, 3 Dec 2026 at 10:02, Demo Shop\n<support@demo.test> wrote:\n> Shall we refund?"},
		"signature": {"See you.\n-- \nAnn Lee\nACME Corp\n", "See you.", "-- \nAnn Lee\nACME Corp"},
		"outlook": {"Fine by me.\n\nFrom: Demo Shop <support@demo.test>\nSent: Tuesday, 3 December 2026 10:02\nTo: Ann\nSubject: RE: order\n\nEarlier text\n",
			"Fine by me.", "From: Demo Shop <support@demo.test>\nSent: Tuesday, 3 December 2026 10:02\nTo: Ann\nSubject: RE: order\n\nEarlier text"},
		"chinese":             {"好的，谢谢。\n\n在 2026年12月3日 10:02，Demo Shop 写道：\n> 请提供订单号。\n", "好的，谢谢。", "在 2026年12月3日 10:02，Demo Shop 写道：\n> 请提供订单号。"},
		"german":              {"Danke!\n\nAm 03.12.2026 um 10:02 schrieb Demo Shop <support@demo.test>:\n> Hallo\n", "Danke!", "Am 03.12.2026 um 10:02 schrieb Demo Shop <support@demo.test>:\n> Hallo"},
		"inline answers stay": {"> Which colour?\nBlue.\n> Which size?\nM.\n", "> Which colour?\nBlue.\n> Which size?\nM.", ""},
		"all quote stays":     {"On Mon, Ann wrote:\n> hello\n", "On Mon, Ann wrote:\n> hello", ""},
		"plain":               {"Just a question about shipping.", "Just a question about shipping.", ""},
	} {
		body, quoted := splitQuote(c.in)
		if body != c.body || quoted != c.quoted {
			t.Errorf("%s:\nbody   %q\nquoted %q\nwant   %q\n       %q", name, body, quoted, c.body, c.quoted)
		}
	}
}

// FuzzParse feeds the parser hostile mails: it refuses or reads each,
// never panics, and what it reads fits the log's bounds.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"gbk.eml", "big5.eml", "sjis.eml", "latin1.eml", "gb18030.eml"} {
		if b, err := os.ReadFile("testdata/" + name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("From: a@example.com\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n--x\r\n--x--"))
	f.Add([]byte("From: =?UTF-8?B?////?= <a@b>\r\nSubject: =?unknown-charset?Q?=FF?=\r\n\r\n"))
	f.Add([]byte("From: a@example.com\r\nContent-Type: text/html; charset=bogus\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n<p>=ZZ</p>"))
	f.Add([]byte("From: a@example.com\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=r\r\n\r\n--r\r\nContent-Type: message/delivery-status\r\n\r\nAction: failed\r\n--r--\r\n"))
	p := NewParser(Limits{MaxBytes: 1 << 20})
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := p.Parse(raw)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Reason == "" {
				t.Fatalf("an error that does not say why: %v", err)
			}
			return
		}
		if m.From.Check() != nil || len(m.Subject) > 998 || len(m.MessageID) > 998 || len(m.References) > 100 {
			t.Fatalf("out of bounds: %+v", m.From)
		}
		if bytes.ContainsRune([]byte(m.Subject), '\n') {
			t.Fatalf("a subject of several lines: %q", m.Subject)
		}
	})
}

// TestParseMendsOpenMultiparts: multiparts left open (to the end, or
// closed only by an outer boundary) are closed before the MIME parser
// reads them; its cost grew exponentially with each one left open (30
// levels ran for hours).
func TestParseMendsOpenMultiparts(t *testing.T) {
	for _, ending := range []string{"", "--d0--\r\n"} {
		b := &strings.Builder{}
		b.WriteString("From: a@example.com\r\nSubject: open\r\nContent-Type: multipart/mixed; boundary=\"d0\"\r\n\r\n")
		for i := range 59 {
			fmt.Fprintf(b, "--d%d\r\nContent-Type: multipart/mixed; boundary=\"d%d\"\r\n\r\n", i, i+1)
		}
		b.WriteString("--d59\r\nContent-Type: text/plain\r\n\r\nat the bottom\r\n" + ending)
		m, err := NewParser(Limits{}).Parse([]byte(b.String()))
		if err != nil || !strings.Contains(m.Text, "at the bottom") {
			t.Errorf("ending %q: %v, text %q", ending, err, textOf(m))
		}
	}
}

// TestParseWrongCharset: a part whose bytes do not decode in the charset
// it declares is read with the charset they are in (detected), not as
// replacement characters.
func TestParseWrongCharset(t *testing.T) {
	raw := "From: a@example.com\r\nSubject: x\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
		"Gr\xfc\xdfe aus K\xf6ln und M\xfcnchen, die Bestellung f\xfcr Stra\xdfe 12 ist nicht angekommen. Bitte pr\xfcfen Sie das.\r\n"
	m := mustParse(t, raw)
	if !strings.Contains(m.Text, "Grüße aus Köln") || strings.ContainsRune(m.Text, '\uFFFD') {
		t.Errorf("text %q", m.Text)
	}
}
