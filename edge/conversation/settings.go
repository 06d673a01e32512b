package conversation

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
)

// RequireAdmin refuses an actor that may not change the tenant's settings,
// saying what only admins do.
func (s *Service) RequireAdmin(a Actor, what string) error {
	switch a.Kind {
	case event.ActorAgent:
		if ag, err := s.store.Agent(a.Tenant, a.ID); err != nil || ag.Role != "admin" {
			return forbidden("only admins " + what)
		}
		return nil
	case event.ActorSystem:
		if !a.Admin {
			return forbidden("only admins " + what)
		}
		return nil
	}
	return forbidden("only admin agents " + what)
}

// staffOnly refuses customers, saying what only agents do.
func staffOnly(a Actor, what string) error {
	if !a.staff() {
		return forbidden("only agents " + what)
	}
	return nil
}

// Canned is a canned response to set: a new one when ID is "", else the
// one with ID changed, or deleted.
type Canned struct {
	ID, Shortcut, Text string
	Delete             bool
}

// MaxCannedText bounds a canned response's text.
const MaxCannedText = 4096

// SetCanned adds, changes or deletes a canned response (admins) and
// returns its id.
func (s *Service) SetCanned(ctx context.Context, a Actor, c Canned) (string, error) {
	if err := s.RequireAdmin(a, "change canned responses"); err != nil {
		return "", err
	}
	e := &event.Canned{ID: c.ID, Shortcut: c.Shortcut, Text: c.Text, Deleted: c.Delete}
	switch {
	case e.Deleted && !event.ValidID(e.ID):
		return "", invalid("canned must be the id of the canned response to delete")
	case e.Deleted:
		e.Shortcut, e.Text = "", ""
	case e.ID != "" && !event.ValidID(e.ID):
		return "", invalid("canned must be a canned response id, or empty for a new one")
	case !event.ValidID(e.Shortcut) || len(e.Shortcut) > 32:
		return "", invalid("shortcut must be 1-32 letters, digits, '-' or '_'")
	case strings.TrimSpace(e.Text) == "" || len(e.Text) > MaxCannedText || !utf8.ValidString(e.Text):
		return "", invalid("text must be 1-%d bytes of UTF-8", MaxCannedText)
	}
	if e.ID == "" {
		e.ID = event.NewID()
	}
	_, err := s.append(ctx, &event.Event{Kind: event.KindCannedUpserted, Tenant: a.Tenant, Actor: a.event(), Canned: e})
	return e.ID, err
}

// CannedResponses lists the tenant's canned responses (agents and the
// system).
func (s *Service) CannedResponses(a Actor) ([]state.CannedRec, error) {
	if err := staffOnly(a, "use canned responses"); err != nil {
		return nil, err
	}
	return s.store.CannedResponses(a.Tenant)
}

// InboxSettings change an inbox: its pre-chat fields, and when not nil the
// skills its conversations need ([] clears them), and when not "" the
// priority of its new conversations. Its branding in the chat widget
// changes field by field: a nil Color, Greeting or ReplyTime keeps what
// the inbox has, a pointer to "" unsets it.
type InboxSettings struct {
	Prechat  []string
	Skills   []string
	Priority string
	// Color is "#rrggbb" (any case); Greeting one line of at most
	// event.MaxGreeting characters (trimmed); ReplyTime one of
	// event.ReplyTimes.
	Color, Greeting, ReplyTime *string
}

// SetInbox changes an inbox (admins). Visitors who connect afterwards get
// the new pre-chat form and branding. A setting out of bounds refuses the
// whole change: nothing is stored.
func (s *Service) SetInbox(ctx context.Context, a Actor, inbox string, set InboxSettings) error {
	if err := s.RequireAdmin(a, "change inboxes"); err != nil {
		return err
	}
	if !event.ValidID(inbox) {
		return invalid("inbox must be an inbox id")
	}
	if err := event.ValidPrechat(set.Prechat); err != nil {
		return invalid("prechat: %v", err)
	}
	skills := event.NormalizeTags(set.Skills)
	if skills != nil {
		if err := event.ValidSkills(skills); err != nil {
			return invalid("skills: %v", err)
		}
	}
	if set.Priority != "" && !event.ValidPriority(set.Priority) {
		return invalid("priority must be %s", strings.Join(event.Priorities, ", "))
	}
	var color, greeting, replyTime string
	if set.Color != nil {
		if color = event.NormalizeColor(*set.Color); !event.ValidColor(color) {
			return invalid("color must be a colour #rrggbb, or \"\" for the default")
		}
	}
	if set.Greeting != nil {
		greeting = strings.TrimSpace(*set.Greeting)
		if err := event.ValidGreeting(greeting); err != nil {
			return invalid("%v", err)
		}
	}
	if set.ReplyTime != nil {
		if replyTime = *set.ReplyTime; !event.ValidReplyTime(replyTime) {
			return invalid("reply_time must be %s, or \"\" for none", strings.Join(event.ReplyTimes, ", "))
		}
	}
	in, err := s.store.Inbox(a.Tenant, inbox)
	if err != nil {
		return readErr(err, "no such inbox")
	}
	priority := in.Priority
	if skills == nil {
		skills = in.Skills
	}
	if set.Priority != "" {
		priority = event.StoredPriority(set.Priority)
	}
	if set.Color == nil {
		color = in.Color
	}
	if set.Greeting == nil {
		greeting = in.Greeting
	}
	if set.ReplyTime == nil {
		replyTime = in.ReplyTime
	}
	_, err = s.append(ctx, &event.Event{Kind: event.KindInboxUpserted, Tenant: a.Tenant, Actor: a.event(), Inbox: &event.Inbox{
		ID: in.ID, Name: in.Name, Channel: in.Channel, IdentitySecret: in.IdentitySecret, Prechat: set.Prechat,
		Skills: skills, Priority: priority, Color: color, Greeting: greeting, ReplyTime: replyTime}})
	return err
}

// Inboxes lists the tenant's inboxes (agents and the system).
func (s *Service) Inboxes(a Actor) ([]state.InboxRec, error) {
	if err := staffOnly(a, "list inboxes"); err != nil {
		return nil, err
	}
	return s.store.Inboxes(a.Tenant)
}

// Inbox returns one of the tenant's inboxes (agents and the system).
func (s *Service) Inbox(a Actor, id string) (*state.InboxRec, error) {
	if err := staffOnly(a, "list inboxes"); err != nil {
		return nil, err
	}
	if !event.ValidID(id) {
		return nil, invalid("inbox must be an inbox id")
	}
	in, err := s.store.Inbox(a.Tenant, id)
	if err != nil {
		return nil, readErr(err, "no such inbox")
	}
	return in, nil
}

// AgentSettings change an agent's skills and languages, each when not nil
// ([] clears them).
type AgentSettings struct {
	Skills, Languages []string
}

// SetAgent changes an agent's skills and languages (admins), trimmed and
// lower-cased. Routing uses them from its next decision, and the queue is
// offered to routing again.
func (s *Service) SetAgent(ctx context.Context, a Actor, agent string, set AgentSettings) error {
	if err := s.RequireAdmin(a, "change agents"); err != nil {
		return err
	}
	if !event.ValidID(agent) {
		return invalid("agent must be an agent id")
	}
	skills, langs := event.NormalizeTags(set.Skills), event.NormalizeTags(set.Languages)
	if skills == nil && langs == nil {
		return invalid("give skills, languages or both ([] clears them)")
	}
	if err := event.ValidSkills(skills); err != nil {
		return invalid("skills: %v", err)
	}
	if err := event.ValidLanguages(langs); err != nil {
		return invalid("languages: %v", err)
	}
	ag, err := s.store.Agent(a.Tenant, agent)
	if err != nil {
		return readErr(err, "no such agent")
	}
	if skills == nil {
		skills = ag.Skills
	}
	if langs == nil {
		langs = ag.Languages
	}
	// the password hash stays the agent's: the projector keeps it when the
	// event has none
	_, err = s.append(ctx, &event.Event{Kind: event.KindAgentUpserted, Tenant: a.Tenant, Actor: a.event(), Agent: &event.Agent{
		ID: ag.ID, Email: ag.Email, Name: ag.Name, Role: ag.Role, Skills: skills, Languages: langs, MaxChats: ag.MaxChats}})
	if err == nil && s.router != nil {
		s.router.Freed(a.Tenant)
	}
	return err
}

// Agents lists the tenant's agents (agents and the system).
func (s *Service) Agents(a Actor) ([]state.AgentRec, error) {
	if err := staffOnly(a, "list agents"); err != nil {
		return nil, err
	}
	return s.store.Agents(a.Tenant)
}

// AgentByID returns one of the tenant's agents (agents and the system).
func (s *Service) AgentByID(a Actor, id string) (*state.AgentRec, error) {
	if err := staffOnly(a, "list agents"); err != nil {
		return nil, err
	}
	if !event.ValidID(id) {
		return nil, invalid("agent must be an agent id")
	}
	ag, err := s.store.Agent(a.Tenant, id)
	if err != nil {
		return nil, readErr(err, "no such agent")
	}
	return ag, nil
}
