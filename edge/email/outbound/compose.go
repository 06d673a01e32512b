package outbound

import (
	"bytes"
	"errors"
	"fmt"
	"html"
	"net/mail"
	"os"
	"strings"
	"time"

	"github.com/jhillyerd/enmime/v2"

	"github.com/edgedesk/edgedesk/edge/config"
	"github.com/edgedesk/edgedesk/edge/email/thread"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
)

// maxReferences is how many of a conversation's Message-IDs a reply's
// References names: the latest.
const maxReferences = 20

// historyItems bounds the earlier items read for a reply's threading.
const historyItems = 500

// message is a composed mail: its envelope and its bytes (signed when
// DKIM is configured).
type message struct {
	from    string   // envelope sender: the inbox's address
	rcpts   []string // To and Cc
	raw     []byte
	created time.Time // when the agent wrote the reply
}

// compose makes the mail of the reply r names. An error that composing
// again will not mend is permanent.
func (s *Sender) compose(r state.OutboxRec) (*message, error) {
	st := s.o.Store
	it, err := st.TimelineItem(r.Tenant, r.Conv, r.Seq)
	if errors.Is(err, state.ErrNotFound) {
		return nil, permanentf("the reply (seq %d) is not in conversation %s", r.Seq, r.Conv)
	}
	if err != nil {
		return nil, fmt.Errorf("read the reply: %w", err)
	}
	m := &message{created: time.UnixMilli(it.TS)}
	conv, err := st.Conversation(r.Tenant, r.Conv)
	if err != nil {
		return m, fmt.Errorf("read conversation %s: %w", r.Conv, err)
	}
	in := s.inbox(r.Tenant, conv.Inbox)
	if in == nil && conv.Channel != "email" {
		// a widget conversation's reply to the customer's address: from
		// the tenant's first e-mail inbox, under the widget inbox's name
		in = s.tenantInbox(r.Tenant)
	}
	if in == nil {
		// configuration, which an operator can mend: deferred, not failed
		return m, fmt.Errorf("no e-mail address is configured for inbox %s of tenant %s: add it to email.inboxes", conv.Inbox, r.Tenant)
	}
	inboxName := in.Name
	if in.Inbox != conv.Inbox || inboxName == "" {
		if rec, err := st.Inbox(r.Tenant, conv.Inbox); err == nil && rec.Name != "" {
			inboxName = rec.Name
		} else {
			inboxName, _, _ = strings.Cut(in.Address, "@")
		}
	}
	fromName := inboxName
	agentName := it.ActorName
	if agentName == "" && it.ActorID != "" {
		if a, err := st.Agent(r.Tenant, it.ActorID); err == nil {
			agentName = a.Name
		}
	}
	if agentName != "" {
		fromName = agentName + " from " + inboxName
	}

	var to, cc []mail.Address
	if it.Email != nil && len(it.Email.To) > 0 {
		to = addrs(it.Email.To)
	} else {
		c, err := st.Contact(r.Tenant, conv.Contact)
		if err != nil && !errors.Is(err, state.ErrNotFound) {
			return m, fmt.Errorf("read the contact: %w", err)
		}
		if c.Email == "" {
			return m, permanentf("no recipient: the contact has no e-mail address; add one to the contact, or name the recipients (To) of the reply")
		}
		to = []mail.Address{{Name: c.Name, Address: c.Email}}
	}
	if it.Email != nil {
		cc = addrs(it.Email.Cc)
	}
	for _, a := range append(append([]mail.Address{}, to...), cc...) {
		if err := (event.Address{Name: a.Name, Addr: a.Address}).Check(); err != nil {
			return m, permanentf("recipient: %w", err)
		}
		m.rcpts = append(m.rcpts, a.Address)
	}

	refs, inReplyTo, err := s.threadIDs(r)
	if err != nil {
		return m, err
	}
	subject := conv.Subject
	if it.Email != nil && it.Email.Subject != "" && (subject == "" || len(refs) == 0) {
		subject = it.Email.Subject
	}
	switch {
	case len(refs) > 0 && subject != "":
		subject = "Re: " + thread.Subject(subject)
	case subject == "" && conv.Channel != "email":
		subject = "Your conversation with " + inboxName // a reply to a widget conversation
	case subject == "":
		subject = inboxName // an outreach with no subject
	}

	b := enmime.Builder().
		From(fromName, in.Address).
		ToAddrs(to).
		ReplyTo("", s.o.Tokens.ReplyTo(r.Tenant, r.Conv, in.Address)).
		Subject(subject).
		Date(s.now()).
		Header("Message-ID", "<"+thread.MessageID(r.Conv, r.Seq, s.o.Hostname)+">").
		Text(textBody(it.Text, in.Signature)).
		HTML(htmlBody(it.Text, in.Signature))
	if len(cc) > 0 {
		b = b.CCAddrs(cc)
	}
	if inReplyTo != "" {
		b = b.Header("In-Reply-To", "<"+inReplyTo+">")
	}
	if len(refs) > 0 {
		b = b.Header("References", "<"+strings.Join(refs, "> <")+">")
	}
	if it.ActorKind == event.ActorSystem {
		// a rule's reply: a machine's, which other machines must not
		// answer (RFC 3834)
		b = b.Header("Auto-Submitted", "auto-replied")
	}
	for _, id := range it.Attachments {
		a, err := st.Attachment(r.Tenant, id)
		if errors.Is(err, state.ErrNotFound) {
			return m, permanentf("attachment %s is not known: send the reply again without it", id)
		}
		if err != nil {
			return m, fmt.Errorf("read attachment %s: %w", id, err)
		}
		data, err := os.ReadFile(s.o.Attachments.File(r.Tenant, id))
		if errors.Is(err, os.ErrNotExist) {
			return m, permanentf("attachment %q is no longer stored (it expired or was removed): send the reply again without it", nameOf(a))
		}
		if err != nil {
			return m, fmt.Errorf("read attachment %s: %w", id, err)
		}
		typ := a.Type
		if typ == "" {
			typ = "application/octet-stream"
		}
		b = b.AddAttachment(data, typ, nameOf(a))
	}
	root, err := b.Build()
	if err != nil {
		return m, permanentf("compose the mail: %w", err)
	}
	longLinesAsBase64(root)
	var buf bytes.Buffer
	if err := root.Encode(&buf); err != nil {
		return m, permanentf("compose the mail: %w", err)
	}
	m.from = in.Address
	m.raw = buf.Bytes()
	if s.key != nil {
		if m.raw, err = sign(m.raw, s.o.DKIM, s.key); err != nil {
			return m, fmt.Errorf("sign the mail with DKIM: %w", err)
		}
	}
	return m, nil
}

func nameOf(a *state.AttachmentRec) string {
	if a.Name != "" {
		return a.Name
	}
	return a.ID
}

// tenantInbox is the first e-mail inbox of a tenant, or nil.
func (s *Sender) tenantInbox(tenant string) *config.EmailInbox {
	for i := range s.o.Inboxes {
		if in := &s.o.Inboxes[i]; in.Tenant == tenant {
			return in
		}
	}
	return nil
}

func (s *Sender) inbox(tenant, inbox string) *config.EmailInbox {
	for i := range s.o.Inboxes {
		if in := &s.o.Inboxes[i]; in.Tenant == tenant && in.Inbox == inbox {
			return in
		}
	}
	return nil
}

func addrs(as []event.Address) []mail.Address {
	out := make([]mail.Address, len(as))
	for i, a := range as {
		out[i] = mail.Address{Name: a.Name, Address: a.Addr}
	}
	return out
}

// threadIDs returns the Message-IDs of the conversation before reply r:
// the mails it received and the ones it sent, the last maxReferences in
// order, and the one the reply answers (the latest received; the latest
// sent when none was).
func (s *Sender) threadIDs(r state.OutboxRec) (refs []string, inReplyTo string, err error) {
	items, _, err := s.o.Store.Timeline(r.Tenant, r.Conv, r.Seq, historyItems, true)
	if err != nil {
		return nil, "", fmt.Errorf("read the conversation's mail: %w", err)
	}
	seen := map[string]bool{}
	add := func(id string) {
		if id != "" && !seen[id] {
			seen[id] = true
			refs = append(refs, id)
		}
	}
	for _, it := range items {
		switch {
		case it.Kind == "message" && it.Email != nil && it.Email.MessageID != "":
			add(it.Email.MessageID)
			if it.ActorKind == event.ActorCustomer {
				inReplyTo = it.Email.MessageID
			}
		case it.Kind == "delivery" && it.Delivery != nil && it.Delivery.Status == event.DeliverySent:
			add(it.Delivery.MessageID)
		}
	}
	if len(refs) > maxReferences {
		refs = refs[len(refs)-maxReferences:]
	}
	if inReplyTo == "" && len(refs) > 0 {
		inReplyTo = refs[len(refs)-1]
	}
	return refs, inReplyTo, nil
}

// textBody is the text/plain part: the reply, and the inbox's signature
// after the usual "-- " line.
func textBody(text, signature string) []byte {
	var b strings.Builder
	b.WriteString(crlf(text))
	if signature != "" {
		b.WriteString("\r\n\r\n-- \r\n")
		b.WriteString(crlf(signature))
	}
	b.WriteString("\r\n")
	return []byte(b.String())
}

// htmlBody is the text/html part: the reply's text escaped, its line
// breaks kept, and the signature.
func htmlBody(text, signature string) []byte {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\r\n<html><body>\r\n<div>")
	b.WriteString(htmlLines(text))
	b.WriteString("</div>\r\n")
	if signature != "" {
		b.WriteString(`<div style="color:#666">-- <br>` + "\r\n" + htmlLines(signature) + "</div>\r\n")
	}
	b.WriteString("</body></html>\r\n")
	return []byte(b.String())
}

func htmlLines(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	for i, l := range lines {
		lines[i] = html.EscapeString(l)
	}
	return strings.Join(lines, "<br>\r\n")
}

func crlf(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")
}

// maxLine is the longest line a mail's 7bit text may have (RFC 5322: 998
// bytes, without CRLF); a text part with a longer line goes out in
// base64, which enmime wraps.
const maxLine = 998

// longLinesAsBase64 makes the text parts with a line too long for 7bit
// go out in base64 (enmime sends pure ASCII text as it is).
func longLinesAsBase64(root *enmime.Part) {
	_ = root.DepthMatchAll(func(p *enmime.Part) bool {
		if p.FirstChild == nil && strings.HasPrefix(p.ContentType, "text/") && p.ContentReader == nil {
			for line := range bytes.SplitSeq(p.Content, []byte("\n")) {
				if len(line) > maxLine {
					p.ContentReader = bytes.NewReader(p.Content)
					p.Content = nil
					break
				}
			}
		}
		return false
	})
}
