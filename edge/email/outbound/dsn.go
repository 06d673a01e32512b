package outbound

import (
	"bufio"
	"bytes"
	"io"
	"mime"
	"net/mail"
	"net/textproto"
	"strings"

	"github.com/jhillyerd/enmime/v2"
)

// maxReason bounds the reason ParseDSN returns.
const maxReason = 500

// ParseDSN reads a bounce: a delivery status notification (RFC 3464, a
// multipart/report with report-type=delivery-status) that says a mail
// failed (Action: failed). It returns the failed mail's Message-ID
// (without angle brackets) from the report's Original-Message-ID or the
// returned message (message/rfc822 or text/rfc822-headers), and the
// reason (its Diagnostic-Code, else its Status). ok is false for any
// other mail, for a report of a delay or a success, and for a bounce that
// does not say which mail failed.
func ParseDSN(raw []byte) (messageID, reason string, ok bool) {
	root, err := enmime.ReadParts(bytes.NewReader(raw))
	if err != nil || root == nil || !strings.EqualFold(root.ContentType, "multipart/report") {
		return "", "", false
	}
	if _, params, err := mime.ParseMediaType(root.Header.Get("Content-Type")); err != nil ||
		!strings.EqualFold(params["report-type"], "delivery-status") {
		return "", "", false
	}
	var status, returned *enmime.Part
	_ = root.DepthMatchAll(func(p *enmime.Part) bool {
		switch strings.ToLower(p.ContentType) {
		case "message/delivery-status", "message/global-delivery-status":
			if status == nil {
				status = p
			}
		case "message/rfc822", "text/rfc822-headers", "message/global", "message/global-headers":
			if returned == nil {
				returned = p
			}
		}
		return false
	})
	if status == nil {
		return "", "", false
	}
	failed := false
	for _, f := range statusFields(status.Content) {
		if id := f.Get("Original-Message-ID"); id != "" && messageID == "" {
			messageID = id
		}
		if !strings.EqualFold(strings.TrimSpace(f.Get("Action")), "failed") {
			continue
		}
		if !failed {
			failed = true
			reason = diagnostic(f)
		}
	}
	if !failed {
		return "", "", false
	}
	if messageID == "" && returned != nil {
		messageID = returnedID(returned.Content)
	}
	messageID = strings.TrimSpace(strings.Trim(strings.TrimSpace(messageID), "<>"))
	if messageID == "" || len(messageID) > 998 || strings.ContainsAny(messageID, " \t\r\n<>") {
		return "", "", false
	}
	return messageID, reason, true
}

// statusFields reads a delivery-status body: groups of header fields
// separated by blank lines, the per-message group first.
func statusFields(b []byte) []textproto.MIMEHeader {
	// a last group without its blank line, and a body without any
	b = append(append(bytes.TrimSpace(bytes.Clone(b)), '\n'), '\n')
	r := textproto.NewReader(bufio.NewReader(bytes.NewReader(b)))
	var out []textproto.MIMEHeader
	for len(out) < 100 {
		h, err := r.ReadMIMEHeader()
		if len(h) > 0 {
			out = append(out, h)
		}
		if err != nil {
			break
		}
		if len(h) == 0 {
			// skip stray blank lines between groups
			if _, err := r.R.Peek(1); err == io.EOF {
				break
			}
		}
	}
	return out
}

// diagnostic is a failed recipient's reason: its Diagnostic-Code without
// the type ("smtp; 550 …"), else its Status, on one line.
func diagnostic(f textproto.MIMEHeader) string {
	r := f.Get("Diagnostic-Code")
	if _, after, ok := strings.Cut(r, ";"); ok {
		r = after
	}
	r = strings.Join(strings.Fields(r), " ")
	if st := strings.TrimSpace(f.Get("Status")); r == "" {
		r = st
	} else if st != "" && !strings.Contains(r, st) {
		r = st + " " + r
	}
	if rcpt := f.Get("Final-Recipient"); rcpt != "" {
		if _, a, ok := strings.Cut(rcpt, ";"); ok {
			rcpt = a
		}
		if rcpt = strings.TrimSpace(rcpt); rcpt != "" && r != "" {
			r = rcpt + ": " + r
		}
	}
	if len(r) > maxReason {
		r = strings.ToValidUTF8(r[:maxReason], "")
	}
	return r
}

// returnedID is the Message-ID of a returned message or its headers.
func returnedID(b []byte) string {
	if !bytes.Contains(b, []byte("\n\n")) && !bytes.Contains(b, []byte("\r\n\r\n")) {
		b = append(bytes.Clone(b), "\r\n\r\n"...) // headers only
	}
	m, err := mail.ReadMessage(bytes.NewReader(b))
	if err != nil {
		return ""
	}
	return m.Header.Get("Message-ID")
}
