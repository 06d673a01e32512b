package conversation

import (
	"slices"
	"strings"

	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
)

// MaxHistory is the most items of one history page.
const MaxHistory = 200

// History is a page of a conversation's timeline: up to limit items
// (default 50) before sequence before (0: the newest), oldest first, and
// whether older ones remain. Customers never see private notes.
func (s *Service) History(a Actor, conv string, before uint64, limit int) (*state.ConversationRec, []state.Item, bool, error) {
	c, err := s.Conversation(a, conv)
	if err != nil {
		return nil, nil, false, err
	}
	if limit <= 0 {
		limit = 50
	}
	if limit > MaxHistory {
		return nil, nil, false, invalid("limit is at most %d", MaxHistory)
	}
	items, more, err := s.store.Timeline(a.Tenant, c.ID, before, limit, a.staff())
	if err != nil {
		return nil, nil, false, err
	}
	if items == nil {
		items = []state.Item{}
	}
	return c, items, more, nil
}

// Message returns the item at sequence seq of conversation c (from
// Conversation): what a post made, read back. Customers never see private
// notes.
func (s *Service) Message(a Actor, c *state.ConversationRec, seq uint64) (*state.Item, error) {
	if c.Tenant != a.Tenant || !a.staff() && c.Contact != a.ID {
		return nil, forbidden("not your conversation")
	}
	it, err := s.store.TimelineItem(a.Tenant, c.ID, seq)
	if err != nil || it.Private && !a.staff() {
		return nil, readErr(err, "no such message")
	}
	return it, nil
}

// Filter selects conversations.
type Filter struct {
	Statuses []string // all when empty
	Inbox    string
	Assignee string // an agent id; Unassigned for none
	Contact  string
	Priority string
	// Tag selects the conversations with this tag.
	Tag string
	// Team selects the conversations given to this team; Unassigned
	// those given to none.
	Team string
	// Before pages on: conversations last active before this sequence.
	Before uint64
}

// Unassigned as a Filter's Assignee selects conversations no one has.
const Unassigned = "-"

// MaxList is the most conversations of one list page.
const MaxList = 500

// List lists conversations f selects, most recently active first, up to
// limit (default and most MaxList), and whether more remain: every
// conversation of the tenant for agents and the system, their own for a
// customer (who gets the latest 50).
func (s *Service) List(a Actor, f Filter, limit int) ([]state.ConversationRec, bool, error) {
	if a.IsCustomer() {
		convs, err := s.store.ContactConversations(a.Tenant, a.ID, 50)
		return convs, false, err
	}
	if !a.staff() {
		return nil, false, forbidden("not your conversations")
	}
	statuses := make([]string, len(f.Statuses))
	for i, st := range f.Statuses {
		if statuses[i] = event.CanonicalStatus(st); statuses[i] == "" {
			return nil, false, invalid("status must be one of %s", strings.Join(event.Statuses, ", "))
		}
	}
	f.Statuses = statuses
	switch {
	case f.Inbox != "" && !event.ValidID(f.Inbox):
		return nil, false, invalid("inbox must be an inbox id")
	case f.Assignee != "" && f.Assignee != Unassigned && !event.ValidID(f.Assignee):
		return nil, false, invalid("assignee must be an agent id, or %q for none", Unassigned)
	case f.Contact != "" && !event.ValidID(f.Contact):
		return nil, false, invalid("contact must be a contact id")
	case f.Priority != "" && !event.ValidPriority(f.Priority):
		return nil, false, invalid("priority must be low, normal, high or urgent")
	case f.Tag != "" && !event.ValidTag(NormalTag(f.Tag)):
		return nil, false, invalid("tag %q: %s", f.Tag, tagRule)
	}
	f.Tag = NormalTag(f.Tag)
	if limit <= 0 || limit > MaxList {
		limit = MaxList
	}
	if f.Contact != "" {
		// a contact's conversations come from their index
		convs, err := s.store.ContactConversations(a.Tenant, f.Contact, 0)
		if err != nil {
			return nil, false, err
		}
		return page(convs, f, limit)
	}
	if f.Inbox == "" && f.Assignee == "" && f.Priority == "" && f.Tag == "" {
		convs, more, err := s.store.Conversations(a.Tenant, f.Statuses, f.Before, limit)
		if convs == nil {
			convs = []state.ConversationRec{}
		}
		return convs, more, err
	}
	convs, _, err := s.store.Conversations(a.Tenant, f.Statuses, f.Before, 0)
	if err != nil {
		return nil, false, err
	}
	return page(convs, f, limit)
}

// page keeps the first limit conversations f selects, in their order,
// and says whether more remain.
func page(convs []state.ConversationRec, f Filter, limit int) ([]state.ConversationRec, bool, error) {
	out := []state.ConversationRec{}
	for _, c := range convs {
		if !f.selects(&c) {
			continue
		}
		if len(out) == limit {
			return out, true, nil
		}
		out = append(out, c)
	}
	return out, false, nil
}

// selects reports whether f selects conversation c.
func (f *Filter) selects(c *state.ConversationRec) bool {
	switch {
	case f.Before != 0 && c.LastSeq >= f.Before, f.Inbox != "" && c.Inbox != f.Inbox,
		f.Priority != "" && event.StoredPriority(f.Priority) != c.Priority,
		len(f.Statuses) > 0 && !slices.Contains(f.Statuses, c.Status),
		f.Tag != "" && !slices.Contains(c.Tags, f.Tag),
		f.Team == Unassigned && c.Team != "", f.Team != "" && f.Team != Unassigned && c.Team != f.Team:
		return false
	case f.Assignee == Unassigned:
		return c.Assignee == ""
	}
	return f.Assignee == "" || c.Assignee == f.Assignee
}
