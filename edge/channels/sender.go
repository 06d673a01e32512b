package channels

import (
	"context"
	"errors"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/edgedesk/edgedesk/edge/auth"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
)

// poll is how often the sender looks at the outbox when nothing woke it.
const poll = 250 * time.Millisecond

// sendTimeout bounds one attempt at a reply (files of tens of MiB
// included).
const sendTimeout = 5 * time.Minute

// Wake tells the sender that a reply may be waiting.
func (s *Service) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run sends the replies this node accepted, in order per conversation,
// until ctx ends: each attempt's outcome is a channel.delivery event
// (sent with the platform's ids, deferred to the next try, or failed).
func (s *Service) Run(ctx context.Context) error {
	t := time.NewTicker(poll)
	defer t.Stop()
	defer s.wg.Wait()
	defer s.cancel() // the pulls stop too
	for {
		if err := s.round(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("the channels' outbox could not be read", "err", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		case <-s.wake:
		}
	}
}

// round starts a send of each conversation's first due reply that is
// not being sent already.
func (s *Service) round(ctx context.Context) error {
	out, err := s.o.Store.SocialOutbox(0)
	if err != nil {
		return err
	}
	now := s.o.Now().UnixMilli()
	// a conversation's replies go in order: its earliest waits for no
	// later one, even when it is deferred and they are not
	first := map[string]uint64{}
	for _, r := range out {
		k := r.Tenant + "/" + r.Conv
		if seq, ok := first[k]; !ok || r.Seq < seq {
			first[k] = r.Seq
		}
	}
	for _, r := range out {
		k := r.Tenant + "/" + r.Conv
		if r.Origin != "" && r.Origin != s.o.NodeID || first[k] != r.Seq || r.Next > now {
			continue
		}
		s.mu.Lock()
		busy := s.busy[k]
		s.busy[k] = true
		s.mu.Unlock()
		if busy {
			continue
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.send(ctx, r)
			s.mu.Lock()
			delete(s.busy, k)
			s.mu.Unlock()
			s.Wake()
		}()
	}
	return nil
}

// send makes one attempt at reply r and records its outcome.
func (s *Service) send(ctx context.Context, r state.OutboxRec) {
	d := &event.Delivery{Conv: r.Conv, Ref: r.Seq, Attempts: r.Attempts + 1}
	kind := "unknown"
	err := func() error {
		p, err := s.o.Store.Platform(r.Tenant, r.Conv)
		if err != nil {
			return &SendError{Permanent: true, Reason: "the conversation's customer has no platform address on record"}
		}
		ch := s.channel(p.Channel)
		if ch == nil || ch.Tenant != r.Tenant {
			return errors.New("the channel " + p.Channel + " is not configured on this edge")
		}
		kind = ch.Kind.Name
		if r.Close {
			d.Status = event.DeliverySent
			if c, ok := ch.Adapter.(Closer); ok {
				actx, cancel := context.WithTimeout(ctx, sendTimeout)
				defer cancel()
				return c.Close(actx, p.From, p.Chat)
			}
			return nil
		}
		it, err := s.o.Store.TimelineItem(r.Tenant, r.Conv, r.Seq)
		if err != nil {
			return &SendError{Permanent: true, Reason: "the reply is not in the conversation"}
		}
		m := Outbound{To: p.From, Chat: p.Chat, Text: it.Text, Key: auth.DerivedID("r", r.Tenant, r.Conv, strconv.FormatUint(r.Seq, 10))}
		if tp := it.Template; tp != nil {
			m.Template = &Template{Name: tp.Name, Language: tp.Language, Params: tp.Params}
		}
		for _, id := range it.Attachments {
			a, err := s.o.Store.Attachment(r.Tenant, id)
			if err != nil {
				return &SendError{Permanent: true, Reason: "an attachment of the reply is gone: " + id}
			}
			path := s.o.Attachments.File(r.Tenant, id)
			m.Files = append(m.Files, File{Name: a.Name, Type: a.Type, Size: a.Size,
				Open: func() (io.ReadCloser, error) { return os.Open(path) }})
		}
		actx, cancel := context.WithTimeout(ctx, sendTimeout)
		defer cancel()
		sent, err := ch.Adapter.Send(actx, m)
		if err != nil && len(sent.MessageIDs) > 0 {
			// part of it went: trying again would send that part twice
			d.MessageID = cut(strings.Join(sent.MessageIDs, " "), 4<<10)
			return &SendError{Permanent: true, Reason: "sent in part (" + strconv.Itoa(len(sent.MessageIDs)) + " of its messages), then: " + err.Error()}
		}
		if err != nil {
			return err
		}
		d.Status, d.MessageID = event.DeliverySent, cut(strings.Join(sent.MessageIDs, " "), 4<<10)
		return nil
	}()
	if ctx.Err() != nil {
		return // stopping: the reply is tried again after the restart
	}
	if err != nil {
		var se *SendError
		switch {
		case errors.As(err, &se) && se.Permanent:
			d.Status, d.Detail = event.DeliveryFailed, cut(se.Reason, 1000)
		case r.Attempts >= len(s.o.Retry):
			d.Status, d.Detail = event.DeliveryFailed, cut("gave up after "+strconv.Itoa(d.Attempts)+" attempts: "+err.Error(), 1000)
		default:
			wait := s.o.Retry[r.Attempts]
			if se != nil {
				wait = max(wait, min(se.RetryAfter, 24*time.Hour))
			}
			d.Status, d.Detail = event.DeliveryDeferred, cut(err.Error(), 1000)
			d.Next = s.o.Now().Add(wait).UnixMilli()
		}
	}
	s.sent.WithLabelValues(kind, d.Status).Inc()
	e := &event.Event{ID: auth.DerivedID("e", "chsend", r.Tenant, r.Conv, strconv.FormatUint(r.Seq, 10), strconv.Itoa(d.Attempts)),
		Kind: event.KindChannelDelivery, Tenant: r.Tenant, Actor: event.Actor{Kind: event.ActorSystem, ID: "channels"}, Delivery: d}
	if _, err := s.o.Append(ctx, e); err != nil {
		// the outcome is lost: a sent reply may go twice (the platform's
		// idempotency key, where it takes one, keeps it once)
		s.log.Warn("a reply's outcome could not be recorded", "tenant", r.Tenant, "conv", r.Conv, "seq", r.Seq, "err", err)
	}
}

// pull reads a pulling channel's messages from its cursor, one pull at a
// time per channel: a notice during a pull makes it pull again after.
func (s *Service) pull(ch *Channel, token string) {
	p, ok := ch.Adapter.(Puller)
	if !ok || s.ctx.Err() != nil {
		return // stopping: the cursor waits for the next notice
	}
	s.mu.Lock()
	_, running := s.pulling[ch.ID]
	s.pulling[ch.ID] = token
	s.mu.Unlock()
	if running {
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			s.mu.Lock()
			tok, ok := s.pulling[ch.ID]
			s.pulling[ch.ID] = ""
			if !ok || tok == "" {
				delete(s.pulling, ch.ID)
				s.mu.Unlock()
				return
			}
			s.mu.Unlock()
			ctx, cancel := context.WithTimeout(s.ctx, 2*time.Minute)
			if err := s.pullAll(ctx, ch, p, tok); err != nil {
				s.log.Warn("a channel's messages could not be pulled: the next notice pulls again", "channel", ch.ID, "err", err)
			}
			cancel()
		}
	}()
}

func (s *Service) pullAll(ctx context.Context, ch *Channel, p Puller, token string) error {
	for range 100 { // pages of up to 1000: a backlog beyond waits for the next notice
		cursor, err := s.o.Store.ChannelCursor(ch.Tenant, ch.ID)
		if err != nil {
			return err
		}
		batch, next, more, err := p.Pull(ctx, token, cursor)
		if err != nil {
			return err
		}
		for _, in := range batch {
			if in.Sync != "" {
				continue
			}
			if _, err := s.take(ctx, ch, in); err != nil {
				return err
			}
		}
		if next != cursor {
			if len(next) > event.MaxPlatformID {
				return errors.New("the platform's cursor is too long")
			}
			e := &event.Event{ID: auth.DerivedID("e", "chcursor", ch.Tenant, ch.ID, cursor, next), Kind: event.KindChannelCursor,
				Tenant: ch.Tenant, Actor: event.Actor{Kind: event.ActorSystem, ID: ch.Kind.Name},
				Cursor: &event.ChannelCursor{Channel: ch.ID, Cursor: next}}
			if _, err := s.o.Append(ctx, e); err != nil {
				return err
			}
		}
		if !more {
			return nil
		}
	}
	return nil
}
