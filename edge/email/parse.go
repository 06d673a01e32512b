package email

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"net/mail"
	"path"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/inbucket/html2text"
	"github.com/jhillyerd/enmime/v2"
	"github.com/microcosm-cc/bluemonday"

	"github.com/edgedesk/edgedesk/internal/event"
)

// Limits bound what one mail may hold.
type Limits struct {
	// MaxBytes is the largest mail (default 25 MiB).
	MaxBytes int64
	// MaxHeaderBytes is the largest header section (default 256 KiB).
	MaxHeaderBytes int
	// MaxParts is the most MIME parts (default 500); MaxDepth the deepest
	// nesting of multiparts (default 100).
	MaxParts, MaxDepth int
}

func (l *Limits) defaults() {
	if l.MaxBytes <= 0 {
		l.MaxBytes = 25 << 20
	}
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = 256 << 10
	}
	if l.MaxParts <= 0 {
		l.MaxParts = 500
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = 100
	}
}

// Mail is a received mail as the edge keeps it.
type Mail struct {
	MessageID  string // without angle brackets; made from the bytes when the mail has none
	InReplyTo  string
	References []string
	Subject    string
	From       event.Address
	ReplyTo    []event.Address
	To, Cc     []event.Address
	// Text is what the sender wrote (from text/plain, else from the
	// sanitised HTML); Quoted the earlier conversation and signature cut
	// from it.
	Text, Quoted string
	Attachments  []Attachment
	// Auto says a machine sent it, and AutoWhy which header said so.
	Auto    bool
	AutoWhy string
	// Report marks a delivery status notification (a bounce).
	Report bool
}

// Attachment is a file of a mail: an attachment or an inline image.
type Attachment struct {
	Name, Type string
	Data       []byte
}

// ParseError is a mail the edge will not take, and why: it is the
// sender's to fix (an SMTP 5xx).
type ParseError struct{ Reason string }

func (e *ParseError) Error() string { return "mail refused: " + e.Reason }

// Permanent says that sending the same bytes again cannot help.
func (e *ParseError) Permanent() bool { return true }

func refuse(format string, a ...any) error { return &ParseError{Reason: fmt.Sprintf(format, a...)} }

// policy is the HTML sanitiser's: what a mail's HTML may keep before it
// becomes text (no scripts, styles, forms, event handlers, or links but
// http, https and mailto).
func policy() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowURLSchemes("http", "https", "mailto")
	return p
}

// Parser reads mails. It is safe for concurrent use.
type Parser struct {
	lim Limits
	// mime trusts a part's declared charset; careful detects it, for
	// the mails whose text does not decode in the one they declare
	mime, careful *enmime.Parser
	policy        *bluemonday.Policy
}

// NewParser makes a parser with limits lim (zero fields take defaults).
func NewParser(lim Limits) *Parser {
	lim.defaults()
	opts := []enmime.Option{enmime.SkipMalformedParts(true), enmime.DisableTextConversion(true), enmime.MaxStoredPartErrors(20)}
	return &Parser{lim: lim, policy: policy(),
		mime:    enmime.NewParser(append(opts, enmime.DisableCharacterDetection(true))...),
		careful: enmime.NewParser(opts...)}
}

// Parse reads a mail (RFC 5322 with MIME). It refuses, with a ParseError
// that says why, a mail over the limits or one without a sender; what it
// can read of a damaged mail it keeps, as mail clients do.
func (p *Parser) Parse(raw []byte) (*Mail, error) {
	if int64(len(raw)) > p.lim.MaxBytes {
		return nil, refuse("larger than %d bytes", p.lim.MaxBytes)
	}
	if bytes.IndexByte(raw, 0) >= 0 {
		return nil, refuse("NUL bytes in the mail (RFC 5322 allows none)")
	}
	end := headerEnd(raw)
	if end < 0 && len(raw) > p.lim.MaxHeaderBytes || end > p.lim.MaxHeaderBytes {
		return nil, refuse("header section larger than %d bytes", p.lim.MaxHeaderBytes)
	}
	mended, err := p.checkStructure(raw)
	if err != nil {
		return nil, err
	}
	env, err := p.mime.ReadEnvelope(bytes.NewReader(mended))
	if err == nil && (strings.ContainsRune(env.Text, utf8.RuneError) || strings.ContainsRune(env.HTML, utf8.RuneError)) &&
		!bytes.Contains(raw, []byte("\uFFFD")) {
		// a charset declared wrong (Latin-1 bytes sent as us-ascii, GBK
		// as UTF-8): detection reads it as mail clients do. Detecting
		// every part's charset would double the parser's cost.
		env, err = p.careful.ReadEnvelope(bytes.NewReader(mended))
	}
	if err != nil {
		return nil, refuse("unreadable: %v", firstLine(err.Error()))
	}
	m := &Mail{
		MessageID: messageID(env.GetHeader("Message-Id")),
		InReplyTo: messageID(env.GetHeader("In-Reply-To")),
		Subject:   clean(env.GetHeader("Subject"), event.MaxSubject),
	}
	if m.MessageID == "" {
		h := sha256.Sum256(raw)
		m.MessageID = "sha256-" + hex.EncodeToString(h[:16]) + "@message-id.invalid"
	}
	for _, r := range refPattern.FindAllStringSubmatch(env.GetHeader("References"), -1) {
		if id := messageID(r[1]); id != "" {
			m.References = append(m.References, id)
		}
	}
	// the newest are what threads: keep those
	m.References = m.References[max(0, len(m.References)-event.MaxReferences):]
	from := addresses(env, "From")
	if len(from) == 0 {
		from = addresses(env, "Sender")
	}
	if len(from) == 0 {
		return nil, refuse("no From address that parses (RFC 5322 §3.6.2)")
	}
	m.From = from[0]
	m.ReplyTo = addresses(env, "Reply-To")
	m.To, m.Cc = addresses(env, "To"), addresses(env, "Cc")
	if n := len(m.To) + len(m.Cc); n > event.MaxRecipients {
		// keep the first ones; a mail to a list of hundreds is not a
		// conversation's recipients
		m.To = m.To[:min(len(m.To), event.MaxRecipients)]
		m.Cc = m.Cc[:min(len(m.Cc), event.MaxRecipients-len(m.To))]
	}
	m.Auto, m.AutoWhy = automatic(env, m.From)
	ct, params, _ := mime.ParseMediaType(env.GetHeader("Content-Type"))
	m.Report = ct == "multipart/report" && strings.EqualFold(params["report-type"], "delivery-status")

	text := env.Text
	if strings.TrimSpace(text) == "" && env.HTML != "" {
		// what the HTML says, never the HTML: sanitised, then made text
		safe := p.policy.Sanitize(env.HTML)
		if t, err := html2text.FromString(safe, html2text.Options{OmitLinks: false}); err == nil {
			text = t
		}
	}
	text = strings.ToValidUTF8(strings.ReplaceAll(text, "\r\n", "\n"), "\uFFFD")
	text = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' || !unicode.IsControl(r) {
			return r
		}
		return -1
	}, text)
	m.Text, m.Quoted = splitQuote(text)
	for _, part := range append(append([]*enmime.Part{}, env.Attachments...), env.Inlines...) {
		m.Attachments = append(m.Attachments, Attachment{Name: fileName(part), Type: safeType(part.ContentType), Data: part.Content})
	}
	for _, part := range env.OtherParts {
		if strings.HasPrefix(part.ContentType, "image/") || part.FileName != "" {
			m.Attachments = append(m.Attachments, Attachment{Name: fileName(part), Type: safeType(part.ContentType), Data: part.Content})
		}
	}
	return m, nil
}

// headerEnd is where the header section ends (the blank line), or -1.
func headerEnd(raw []byte) int {
	i, j := bytes.Index(raw, []byte("\r\n\r\n")), bytes.Index(raw, []byte("\n\n"))
	switch {
	case i < 0:
		return j
	case j < 0:
		return i
	}
	return min(i, j)
}

// checkStructure counts a mail's MIME parts and how deep multiparts
// nest before the parser builds its tree: a mail of a million parts, or
// parts nested thousands deep, is refused, not parsed. A boundary counts
// once a delimiter line uses it, so text that merely mentions one does
// not. Multiparts the sender left open (an outer boundary that comes
// while inner ones are open, or the end of the mail) are closed, as mail
// clients read them: it returns the mail so mended, or raw as it was. The
// parser's cost grows exponentially with multiparts left open.
func (p *Parser) checkStructure(raw []byte) ([]byte, error) {
	declared := map[string]bool{}
	var open []string // the multiparts entered, outermost first
	var fixed *bytes.Buffer
	closeTo := func(off, i int) { // close open[i+1:], innermost first, before raw[off:]
		if fixed == nil {
			fixed = bytes.NewBuffer(make([]byte, 0, len(raw)+1024))
			fixed.Write(raw[:off])
		}
		for _, b := range slices.Backward(open[i+1:]) {
			fixed.WriteString("--" + b + "--\r\n")
		}
		open = open[:i+1]
	}
	parts, off := 0, 0
	for line := range bytes.Lines(raw) {
		start := off
		off += len(line)
		l := bytes.TrimRight(line, "\r\n")
		if bytes.HasPrefix(l, []byte("--")) && len(declared) > 0 {
			b := string(l[2:])
			closing := false
			if !declared[b] {
				if t, ok := strings.CutSuffix(b, "--"); ok && declared[t] {
					b, closing = t, true
				}
			}
			if declared[b] {
				i := slices.Index(open, b)
				switch {
				case i >= 0 && i < len(open)-1:
					closeTo(start, i)
				}
				switch {
				case closing && i >= 0:
					open = open[:i]
				case i >= 0:
					parts++
				case !closing:
					open = append(open, b)
					parts++
				}
			}
		} else if b := boundaryOf(l); b != "" && len(declared) < 4*p.lim.MaxParts {
			declared[b] = true
		}
		if fixed != nil {
			fixed.Write(line)
		}
		if parts > p.lim.MaxParts {
			return nil, refuse("more than %d MIME parts", p.lim.MaxParts)
		}
		if len(open) > p.lim.MaxDepth {
			return nil, refuse("multiparts nested more than %d deep", p.lim.MaxDepth)
		}
	}
	if len(open) > 0 {
		if fixed == nil {
			fixed = bytes.NewBuffer(make([]byte, 0, len(raw)+1024))
			fixed.Write(raw)
		}
		if !bytes.HasSuffix(fixed.Bytes(), []byte("\n")) {
			fixed.WriteString("\r\n")
		}
		closeTo(fixed.Len(), -1)
	}
	if fixed != nil {
		return fixed.Bytes(), nil
	}
	return raw, nil
}

// boundaryOf is the boundary parameter a header line declares, or "".
func boundaryOf(l []byte) string {
	const key = "boundary="
	i := -1
	for j := 0; j+len(key) <= len(l); j++ {
		// the first byte before the whole key: this runs on every line of every mail
		if l[j]|0x20 == 'b' && bytes.EqualFold(l[j:j+len(key)], []byte(key)) { // ASCII only: the offsets stay the line's
			i = j
			break
		}
	}
	if i < 0 {
		return ""
	}
	v := string(l[i+len("boundary="):])
	if strings.HasPrefix(v, `"`) {
		v = v[1:]
		if j := strings.IndexByte(v, '"'); j >= 0 {
			return v[:j]
		}
		return v
	}
	if j := strings.IndexAny(v, "; \t"); j >= 0 {
		v = v[:j]
	}
	return v
}

// refPattern is one <id> of a References or In-Reply-To header.
var refPattern = regexp.MustCompile(`<([^<>\s]{1,998})>`)

// messageID is the first <id> of a header value, without its brackets,
// or "" when there is none that fits.
func messageID(v string) string {
	v = strings.TrimSpace(v)
	if i := strings.IndexByte(v, '<'); i >= 0 {
		if j := strings.IndexByte(v[i:], '>'); j > 0 {
			v = v[i+1 : i+j]
		}
	}
	v = strings.TrimSpace(v)
	if v == "" || len(v) > event.MaxMessageID || strings.ContainsFunc(v, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '<' || r == '>' }) {
		return ""
	}
	return v
}

// addresses are a header's addresses that parse and fit event.Address.
func addresses(env *enmime.Envelope, key string) []event.Address {
	list, err := env.AddressList(key)
	if err != nil && len(list) == 0 {
		// one bad address spoils the list for net/mail: take them one by one
		for _, part := range strings.Split(env.GetHeader(key), ",") {
			if a, err := mail.ParseAddress(strings.TrimSpace(part)); err == nil {
				list = append(list, a)
			}
		}
	}
	var out []event.Address
	for _, a := range list {
		ea := event.Address{Name: clean(a.Name, 200), Addr: strings.TrimSpace(a.Address)}
		if ea.Check() == nil && len(out) < event.MaxRecipients {
			out = append(out, ea)
		}
	}
	return out
}

// automatic says whether a machine sent the mail, and which header says
// so: such mail gets no automatic answer (RFC 3834).
func automatic(env *enmime.Envelope, from event.Address) (bool, string) {
	if v := strings.ToLower(strings.TrimSpace(env.GetHeader("Auto-Submitted"))); v != "" && v != "no" {
		return true, "Auto-Submitted: " + v
	}
	switch p := strings.ToLower(strings.TrimSpace(env.GetHeader("Precedence"))); p {
	case "bulk", "list", "junk":
		return true, "Precedence: " + p
	}
	if env.GetHeader("List-Id") != "" || env.GetHeader("List-Unsubscribe") != "" {
		return true, "List-Id"
	}
	if env.GetHeader("X-Autoreply") != "" || env.GetHeader("X-Autorespond") != "" {
		return true, "X-Autoreply"
	}
	if s := strings.ToLower(env.GetHeader("X-Auto-Response-Suppress")); strings.Contains(s, "all") || strings.Contains(s, "oof") {
		return true, "X-Auto-Response-Suppress"
	}
	local, _, _ := strings.Cut(strings.ToLower(from.Addr), "@")
	switch local {
	case "mailer-daemon", "postmaster", "noreply", "no-reply", "donotreply", "do-not-reply":
		return true, "From: " + local
	}
	return false, ""
}

// clean is a header value on one line, valid UTF-8, without control or
// bidirectional formatting characters, at most n bytes.
func clean(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return ' '
		case unicode.IsControl(r), r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
			return -1
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	return truncate(s, n)
}

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// fileName is a part's file name without a path, or one made from its
// type.
func fileName(p *enmime.Part) string {
	name := clean(p.FileName, 200)
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	if name == "." || name == "/" || name == "" {
		ext := ".bin"
		if exts, _ := mime.ExtensionsByType(p.ContentType); len(exts) > 0 {
			ext = exts[0]
		}
		name = "attachment" + ext
	}
	return name
}

// safeTypes are the types a mail's file keeps; others are stored as
// application/octet-stream (downloaded, never shown: no HTML, SVG or
// script from a stranger runs in an agent's browser).
var safeTypes = map[string]bool{
	"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true,
	"application/pdf": true, "text/plain": true, "text/csv": true, "text/calendar": true,
	"application/zip": true, "application/msword": true, "application/vnd.ms-excel": true,
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document":   true,
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":         true,
	"application/vnd.openxmlformats-officedocument.presentationml.presentation": true,
	"message/rfc822": true, "message/delivery-status": true, "text/rfc822-headers": true,
}

func safeType(t string) string {
	t = strings.ToLower(strings.TrimSpace(t))
	if safeTypes[t] {
		return t
	}
	return "application/octet-stream"
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return truncate(s, 200)
}

var errNoRecipient = errors.New("no recipient is an inbox of this edge")
