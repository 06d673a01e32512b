package conversation

import (
	"context"
	"strconv"

	"github.com/edgedesk/edgedesk/edge/auth"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
)

// Link links conversation conv to other, of the same tenant, as related
// (agents and the system), or removes the link.
func (s *Service) Link(ctx context.Context, a Actor, conv, other string, remove bool) (Result, error) {
	if !a.staff() {
		return Result{}, forbidden("only agents link conversations")
	}
	c, err := s.Conversation(a, conv)
	if err != nil {
		return Result{}, err
	}
	if !event.ValidID(other) || other == conv {
		return Result{}, invalid("other must be another conversation's id")
	}
	o, err := s.store.Conversation(a.Tenant, other)
	if err != nil {
		return Result{}, readErr(err, "no such conversation to link")
	}
	linked := false
	for _, l := range c.Links {
		linked = linked || l.Conv == o.ID
	}
	switch {
	case linked == !remove:
		return Result{Seq: c.LastSeq, Duplicate: true}, nil
	case !remove && (len(c.Links) >= event.MaxLinks || len(o.Links) >= event.MaxLinks):
		return Result{}, invalid("a conversation has at most %d links", event.MaxLinks)
	}
	return s.append(ctx, &event.Event{Kind: event.KindLinked, Tenant: a.Tenant, Actor: a.event(),
		Link: &event.Link{Conv: c.ID, Other: o.ID, Kind: event.LinkRelated, Remove: remove}})
}

// Merge merges conversation conv into into (agents and the system): two
// conversations of one customer. conv is closed and points to into; its
// timeline is kept, and into lists it. Neither may be merged already,
// and into may not be closed.
func (s *Service) Merge(ctx context.Context, a Actor, conv, into string) (Result, error) {
	if !a.staff() {
		return Result{}, forbidden("only agents merge conversations")
	}
	src, err := s.Conversation(a, conv)
	if err != nil {
		return Result{}, err
	}
	if !event.ValidID(into) || into == conv {
		return Result{}, invalid("into must be another conversation's id")
	}
	dst, err := s.store.Conversation(a.Tenant, into)
	if err != nil {
		return Result{}, readErr(err, "no such conversation to merge into")
	}
	switch {
	case src.MergedInto != "":
		return Result{}, invalid("this conversation was merged into %s already", src.MergedInto)
	case dst.MergedInto != "":
		return Result{}, invalid("%s was merged into %s: merge into that one", dst.ID, dst.MergedInto)
	case src.Contact != dst.Contact:
		return Result{}, invalid("only two conversations of one customer are merged: these are of %s and %s", src.Contact, dst.Contact)
	case src.Status == event.StatusClosed:
		return Result{}, invalid("a closed conversation is final: it is not merged")
	case dst.Status == event.StatusClosed:
		return Result{}, invalid("a closed conversation takes nothing more: merge into an open one")
	}
	r, err := s.append(ctx, &event.Event{Kind: event.KindMerged, Tenant: a.Tenant, Actor: a.event(), Merge: &event.Merge{Conv: src.ID, Into: dst.ID}})
	if err == nil && src.Assignee != "" && s.router != nil {
		s.router.Freed(a.Tenant)
	}
	return r, err
}

// Split makes a new conversation of the customer's message seq of
// conversation conv (agents and the system): of the same customer and
// inbox, opened with a copy of the message by the customer, and linked to
// conv as split from it. Splitting the same message again gives the same conversation.
func (s *Service) Split(ctx context.Context, a Actor, conv string, seq uint64) (*state.ConversationRec, error) {
	if !a.staff() {
		return nil, forbidden("only agents split conversations")
	}
	c, err := s.Conversation(a, conv)
	if err != nil {
		return nil, err
	}
	it, err := s.store.TimelineItem(a.Tenant, conv, seq)
	if err != nil {
		return nil, readErr(err, "no such message in the conversation")
	}
	if it.Kind != "message" || it.Private || it.ActorKind != event.ActorCustomer {
		return nil, invalid("only a customer's message is split off into a new conversation")
	}
	ref := strconv.FormatUint(seq, 10)
	opener := Actor{Tenant: a.Tenant, Kind: event.ActorSystem, ID: a.ID, Channel: Channel(c.Channel)}
	if a.Kind == event.ActorAgent {
		opener.Kind = event.ActorAgent
	}
	opened, err := s.Open(ctx, opener, Open{ClientID: auth.DerivedID("s", conv, ref), Contact: c.Contact, Inbox: c.Inbox})
	if err != nil {
		return nil, err
	}
	author := Customer(a.Tenant, c.Inbox, c.Contact, Channel(c.Channel))
	if _, err := s.Post(ctx, author, opened.Conv, Post{ClientID: "split-" + ref, Text: it.Text, Attachments: it.Attachments}); err != nil {
		return nil, err
	}
	if _, err := s.append(ctx, &event.Event{ID: auth.DerivedID("e", "split", a.Tenant, conv, ref), Kind: event.KindLinked, Tenant: a.Tenant,
		Actor: a.event(), Link: &event.Link{Conv: opened.Conv.ID, Other: c.ID, Kind: event.LinkSplit, Ref: seq}}); err != nil {
		return nil, err
	}
	return s.store.Conversation(a.Tenant, opened.Conv.ID)
}
