package channels

import (
	"context"
	"strconv"
	"time"

	"github.com/edgedesk/edgedesk/edge/auth"
	"github.com/edgedesk/edgedesk/internal/event"
)

// PassiveWait is how long a webhook's answer waits for a reply that can
// ride in it (a Passive platform's): long enough for an automation
// rule's acknowledgement, well inside WeChat's 5 s.
const PassiveWait = 1500 * time.Millisecond

// passive waits up to PassiveWait for a text reply in conv that this node
// accepted and that is not being sent yet, and answers the webhook with
// it: the platform's passive reply, recorded sent like any other. A
// reply that comes later (or carries files) goes by the platform's API.
func (s *Service) passive(ctx context.Context, ch *Channel, p Passive, req *Request, in Inbound, conv string) (Response, bool) {
	if !s.autoReplies(ch.Tenant) {
		return Response{}, false // no rule answers by itself: nothing to wait for
	}
	deadline := time.Now().Add(PassiveWait)
	k := ch.Tenant + "/" + conv
	for time.Now().Before(deadline) && ctx.Err() == nil {
		out, err := s.o.Store.SocialOutbox(0)
		if err != nil {
			return Response{}, false
		}
		for _, r := range out {
			if r.Tenant != ch.Tenant || r.Conv != conv || r.Origin != "" && r.Origin != s.o.NodeID || r.Attempts > 0 || r.Close {
				continue
			}
			it, err := s.o.Store.TimelineItem(r.Tenant, r.Conv, r.Seq)
			if err != nil || len(it.Attachments) > 0 || it.Text == "" {
				return Response{}, false
			}
			s.mu.Lock()
			busy := s.busy[k]
			s.busy[k] = true
			s.mu.Unlock()
			if busy {
				return Response{}, false // the sender has it
			}
			defer func() {
				s.mu.Lock()
				delete(s.busy, k)
				s.mu.Unlock()
			}()
			resp, err := p.Passive(req, in, it.Text)
			if err != nil {
				s.log.Warn("a passive reply could not be made: it goes by the platform's API", "channel", ch.ID, "err", err)
				return Response{}, false
			}
			e := &event.Event{ID: auth.DerivedID("e", "chsend", r.Tenant, r.Conv, strconv.FormatUint(r.Seq, 10), "1"),
				Kind: event.KindChannelDelivery, Tenant: r.Tenant, Actor: event.Actor{Kind: event.ActorSystem, ID: "channels"},
				Delivery: &event.Delivery{Conv: r.Conv, Ref: r.Seq, Status: event.DeliverySent, Attempts: 1, Detail: "passive reply"}}
			if _, err := s.o.Append(ctx, e); err != nil {
				return Response{}, false // not recorded: the sender sends it
			}
			s.sent.WithLabelValues(ch.Kind.Name, event.DeliverySent).Inc()
			return resp, true
		}
		select {
		case <-ctx.Done():
		case <-time.After(25 * time.Millisecond):
		}
	}
	return Response{}, false
}

// autoReplies reports whether a rule of tenant t may reply (or ask the
// automation plugin, which may) on its own.
func (s *Service) autoReplies(t string) bool {
	rules, err := s.o.Store.Rules(t)
	if err != nil {
		return false
	}
	for _, r := range rules {
		for _, a := range r.Actions {
			if !r.Disabled && (a.Type == "reply" || a.Type == "plugin") {
				return true
			}
		}
	}
	return false
}
