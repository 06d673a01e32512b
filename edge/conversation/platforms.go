package conversation

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
)

// checkPlatform refuses a reply that the messaging platform of
// conversation c would refuse: past its window since the customer's last
// message, a text too long, a file too large. Notes and the customer's
// own messages are not replies.
func (s *Service) checkPlatform(a Actor, c *state.ConversationRec, p *Post) error {
	lim, ok := s.lim.Platforms[Channel(c.Channel)]
	switch {
	case p.Template != nil && !ok:
		return invalid("templates are for conversations on WhatsApp; this one is on %s", platformName(c.Channel))
	case p.Template != nil && !lim.Templates:
		return invalid("%s has no templates: reply with text", lim.Label)
	}
	if p.Template != nil {
		if err := templateParams(lim.Label, p.Template.Params); err != nil {
			return err
		}
	}
	if !ok || p.Private || a.IsCustomer() {
		return nil
	}
	if lim.Window > 0 && c.CustomerAt > 0 && p.Template == nil {
		if since := s.now().Sub(time.UnixMilli(c.CustomerAt)); since > lim.Window {
			return invalid("%s allows a reply only within %s of the customer's last message, and it was %s ago: "+
				"wait for the customer to write again%s", lim.Label, hours(lim.Window), hours(since.Truncate(time.Hour)), templateHint(c.Channel))
		}
	}
	if n := utf8.RuneCountInString(p.Text); lim.MaxText > 0 && n > lim.MaxText {
		return invalid("%s takes at most %d characters in a message; this reply has %d: shorten it or send it in parts", lim.Label, lim.MaxText, n)
	}
	if n := len(p.Text); lim.MaxTextBytes > 0 && n > lim.MaxTextBytes {
		return invalid("%s takes at most %d bytes of text in a message (a Chinese character is 3); this reply has %d: shorten it or send it in parts",
			lim.Label, lim.MaxTextBytes, n)
	}
	if lim.MaxFile > 0 {
		for _, id := range p.Attachments {
			if rec, err := s.store.Attachment(a.Tenant, id); err == nil && rec.Size > lim.MaxFile {
				return invalid("%s takes files of at most %s; %q has %s", lim.Label, size(lim.MaxFile), rec.Name, size(rec.Size))
			}
		}
	}
	return nil
}

// templateParams refuses the parameters the platform would: over 1,024
// bytes, or with what WhatsApp refuses in one (error 132018: a line
// break, a tab, more than four spaces in a row).
func templateParams(label string, params []string) error {
	for i, v := range params {
		switch {
		case len(v) > event.MaxTemplateParam:
			return invalid("template parameter %d has %d bytes; %s takes at most %d", i+1, len(v), label, event.MaxTemplateParam)
		case strings.ContainsAny(v, "\n\r\t"):
			return invalid("template parameter %d has a line break or a tab, which %s refuses in a parameter: put it on one line", i+1, label)
		case strings.Contains(v, "     "):
			return invalid("template parameter %d has more than four spaces in a row, which %s refuses in a parameter", i+1, label)
		}
	}
	return nil
}

func templateHint(channel string) string {
	if channel == "whatsapp" {
		return ", or send an approved template"
	}
	return ""
}

func hours(d time.Duration) string {
	if h := d.Hours(); h >= 1 {
		return fmt.Sprintf("%.0f hours", h)
	}
	return "less than an hour"
}

func size(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d KiB", (n+1023)/1024)
}

func platformName(channel string) string {
	if channel == "" {
		return "the web"
	}
	return channel
}

// TemplateText is what a template reply says in the conversation when
// its sender gave no text: which template, and its parameters.
func TemplateText(t *event.Template) string {
	s := "Template " + t.Name + " (" + t.Language + ")"
	if len(t.Params) > 0 {
		s += ": " + strings.Join(t.Params, " · ")
	}
	return s
}
