package conversation

import (
	"context"
	"slices"
	"strings"

	"github.com/edgedesk/edgedesk/internal/event"
)

const tagRule = "a tag is 1 to 40 letters, digits, '-', '_' or '.', without spaces"

// NormalTag is a tag as it is kept: trimmed, in lower case.
func NormalTag(t string) string { return strings.ToLower(strings.TrimSpace(t)) }

// SetTags adds tags to conversation conv and removes others (agents and
// the system): each tag as NormalTag keeps it, at most event.MaxTags on a
// conversation. A tag both added and removed, a bad tag, or more than the
// conversation may hold is refused, and nothing is changed; a change
// that changes nothing is no event (Duplicate).
func (s *Service) SetTags(ctx context.Context, a Actor, conv string, add, remove []string) (Result, error) {
	if !a.staff() {
		return Result{}, forbidden("only agents tag conversations")
	}
	if len(add)+len(remove) == 0 {
		return Result{}, invalid("name tags to add or to remove")
	}
	if len(add) > event.MaxTagsChange || len(remove) > event.MaxTagsChange {
		return Result{}, invalid("at most %d tags added and %d removed at once", event.MaxTagsChange, event.MaxTagsChange)
	}
	norm := func(list []string) ([]string, error) {
		var out []string
		for _, t := range list {
			n := NormalTag(t)
			if !event.ValidTag(n) {
				return nil, invalid("tag %q: %s", t, tagRule)
			}
			if !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
		return out, nil
	}
	add, err := norm(add)
	if err != nil {
		return Result{}, err
	}
	remove, err = norm(remove)
	if err != nil {
		return Result{}, err
	}
	for _, t := range add {
		if slices.Contains(remove, t) {
			return Result{}, invalid("tag %q is both added and removed", t)
		}
	}
	c, err := s.Conversation(a, conv)
	if err != nil {
		return Result{}, err
	}
	n, changes := len(c.Tags), false
	for _, t := range add {
		if !slices.Contains(c.Tags, t) {
			n, changes = n+1, true
		}
	}
	for _, t := range remove {
		if slices.Contains(c.Tags, t) {
			n, changes = n-1, true
		}
	}
	if n > event.MaxTags {
		return Result{}, invalid("a conversation holds at most %d tags; it would have %d: remove some first", event.MaxTags, n)
	}
	if !changes {
		return Result{Seq: c.LastSeq, Duplicate: true}, nil
	}
	return s.append(ctx, &event.Event{Kind: event.KindTagsChanged, Tenant: a.Tenant, Actor: a.event(),
		Tags: &event.TagsChange{Conv: c.ID, Add: add, Remove: remove}})
}
