package gateway

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/edgedesk/edgedesk/edge/attachments"
	"github.com/edgedesk/edgedesk/edge/auth"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
)

// UploadLimits bound what uploads a node stores (the attachments.* keys):
// the bytes a session, and a tenant, may upload per window, and the bytes
// that uploads no message references yet may hold. Those still
// unreferenced UnreferencedTTL after they were stored are deleted.
type UploadLimits struct {
	Window                   time.Duration // default 1h
	SessionBytes             int64         // per window; default 256 MiB
	TenantBytes              int64         // per window; default 16 GiB
	SessionUnreferencedBytes int64         // default 64 MiB
	TenantUnreferencedBytes  int64         // default 2 GiB
	UnreferencedTTL          time.Duration // default 24h
}

func (l *UploadLimits) defaults(maxUpload int64) {
	if l.Window <= 0 {
		l.Window = time.Hour
	}
	if l.UnreferencedTTL <= 0 {
		l.UnreferencedTTL = 24 * time.Hour
	}
	for _, v := range []struct {
		p *int64
		d int64
	}{{&l.SessionBytes, 256 << 20}, {&l.TenantBytes, 16 << 30}, {&l.SessionUnreferencedBytes, 64 << 20}, {&l.TenantUnreferencedBytes, 2 << 30}} {
		if *v.p <= 0 {
			*v.p = max(v.d, maxUpload)
		}
	}
}

// blockBytes is the least an upload counts for: however small, a file
// takes a block of the disk (and an entry here).
const blockBytes = 4096

func charge(size int64) int64 { return max(size, blockBytes) }

// quota is what one session or one tenant has used.
type quota struct {
	tokens float64   // bytes it may upload now (a token bucket)
	at     time.Time // when tokens was last refilled
	held   int64     // bytes of its unreferenced uploads and of those under way
	// order is its unreferenced uploads ("<tenant>/<id>"), oldest first;
	// some may have been referenced since, and are skipped
	order []string
}

func (q *quota) refill(capacity int64, window time.Duration, now time.Time) {
	if q.at.IsZero() {
		q.tokens = float64(capacity)
	} else if d := now.Sub(q.at); d > 0 {
		q.tokens = math.Min(float64(capacity), q.tokens+float64(capacity)*d.Seconds()/window.Seconds())
	}
	q.at = now
}

// heldUpload is an upload no message has referenced yet.
type heldUpload struct {
	tenant, id, session string
	bytes               int64 // as charged
	at                  time.Time
}

// uploadQuotas are a node's upload accounts.
type uploadQuotas struct {
	lim UploadLimits

	mu       sync.Mutex
	sessions map[string]*quota      // "<tenant>/<actor kind>:<actor id>"
	tenants  map[string]*quota      // by tenant
	held     map[string]*heldUpload // by "<tenant>/<attachment id>"
}

func newUploadQuotas(lim UploadLimits) *uploadQuotas {
	return &uploadQuotas{lim: lim, sessions: map[string]*quota{}, tenants: map[string]*quota{}, held: map[string]*heldUpload{}}
}

func (u *uploadQuotas) accounts(tenant, session string) (sq, tq *quota) {
	sk := tenant + "/" + session
	if sq = u.sessions[sk]; sq == nil {
		sq = &quota{}
		u.sessions[sk] = sq
	}
	if tq = u.tenants[tenant]; tq == nil {
		tq = &quota{}
		u.tenants[tenant] = tq
	}
	return sq, tq
}

// errQuota is an upload over a quota: Retry says when to try again.
type errQuota struct {
	Retry time.Duration
	msg   string
}

func (e *errQuota) Error() string { return e.msg }

// reserve takes n bytes from a session's and its tenant's quotas for an
// upload under way, or says which quota it exceeds.
func (u *uploadQuotas) reserve(tenant, session string, n int64, now time.Time) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	sq, tq := u.accounts(tenant, session)
	sq.refill(u.lim.SessionBytes, u.lim.Window, now)
	tq.refill(u.lim.TenantBytes, u.lim.Window, now)
	c := charge(n)
	switch {
	case sq.held+c > u.lim.SessionUnreferencedBytes:
		return &errQuota{u.untilOldestExpires(sq, now), fmt.Sprintf("your uploads that no message references yet hold %d of the %d bytes allowed: send them in a message, or wait until they expire (%s after upload)",
			sq.held, u.lim.SessionUnreferencedBytes, u.lim.UnreferencedTTL)}
	case tq.held+c > u.lim.TenantUnreferencedBytes:
		return &errQuota{u.untilOldestExpires(tq, now), fmt.Sprintf("uploads of this tenant that no message references yet hold %d of the %d bytes allowed: retry later",
			tq.held, u.lim.TenantUnreferencedBytes)}
	case sq.tokens < float64(c):
		return &errQuota{wait(float64(c)-sq.tokens, u.lim.SessionBytes, u.lim.Window), fmt.Sprintf("a session may upload %d bytes per %s: retry later",
			u.lim.SessionBytes, u.lim.Window)}
	case tq.tokens < float64(c):
		return &errQuota{wait(float64(c)-tq.tokens, u.lim.TenantBytes, u.lim.Window), fmt.Sprintf("this tenant may upload %d bytes per %s: retry later",
			u.lim.TenantBytes, u.lim.Window)}
	}
	sq.tokens -= float64(c)
	tq.tokens -= float64(c)
	sq.held += c
	tq.held += c
	return nil
}

// wait is how long a bucket of capacity bytes per window takes to refill
// missing bytes.
func wait(missing float64, capacity int64, window time.Duration) time.Duration {
	return time.Duration(missing / float64(capacity) * float64(window))
}

// untilOldestExpires is how long until the oldest unreferenced upload of
// q expires; 1s when only uploads under way hold its bytes.
func (u *uploadQuotas) untilOldestExpires(q *quota, now time.Time) time.Duration {
	for len(q.order) > 0 {
		if h := u.held[q.order[0]]; h != nil {
			return h.at.Add(u.lim.UnreferencedTTL).Sub(now)
		}
		q.order = q.order[1:]
	}
	return time.Second
}

// stored turns a reservation of n bytes into a stored upload of size
// bytes, and gives back what it did not use.
func (u *uploadQuotas) stored(tenant, session string, n int64, id string, size int64, now time.Time) {
	u.mu.Lock()
	defer u.mu.Unlock()
	sq, tq := u.accounts(tenant, session)
	c := charge(size)
	u.giveBack(sq, tq, charge(n)-c)
	key := tenant + "/" + id
	if old := u.held[key]; old != nil {
		// the start-up count found the file before its record: it is
		// counted here instead
		u.unhold(old)
	}
	u.held[key] = &heldUpload{tenant: tenant, id: id, session: session, bytes: c, at: now}
	sq.order = append(sq.order, key)
	tq.order = append(tq.order, key)
}

// cancel gives a reservation of n bytes back.
func (u *uploadQuotas) cancel(tenant, session string, n int64) {
	u.mu.Lock()
	defer u.mu.Unlock()
	sq, tq := u.accounts(tenant, session)
	u.giveBack(sq, tq, charge(n))
}

func (u *uploadQuotas) giveBack(sq, tq *quota, c int64) {
	sq.tokens = math.Min(float64(u.lim.SessionBytes), sq.tokens+float64(c))
	tq.tokens = math.Min(float64(u.lim.TenantBytes), tq.tokens+float64(c))
	sq.held -= c
	tq.held -= c
}

// release forgets held uploads: a message referenced them, or they
// expired.
func (u *uploadQuotas) release(tenant string, ids ...string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	for _, id := range ids {
		if h := u.held[tenant+"/"+id]; h != nil {
			u.unhold(h)
		}
	}
}

// unhold forgets a held upload and what it held.
func (u *uploadQuotas) unhold(h *heldUpload) {
	delete(u.held, h.tenant+"/"+h.id)
	if sq := u.sessions[h.tenant+"/"+h.session]; sq != nil {
		sq.held -= h.bytes
	}
	if tq := u.tenants[h.tenant]; tq != nil {
		tq.held -= h.bytes
	}
}

// adopt counts an upload found on disk as held (at start-up), unless it
// is already.
func (u *uploadQuotas) adopt(tenant, id, session string, size int64, at time.Time) {
	u.mu.Lock()
	defer u.mu.Unlock()
	key := tenant + "/" + id
	if u.held[key] != nil {
		return
	}
	sq, tq := u.accounts(tenant, session)
	c := charge(size)
	u.held[key] = &heldUpload{tenant: tenant, id: id, session: session, bytes: c, at: at}
	sq.held += c
	tq.held += c
	sq.order = append(sq.order, key)
	tq.order = append(tq.order, key)
}

// expired lists the held uploads stored before cutoff.
func (u *uploadQuotas) expired(cutoff time.Time) []heldUpload {
	u.mu.Lock()
	defer u.mu.Unlock()
	var out []heldUpload
	for _, h := range u.held {
		if h.at.Before(cutoff) {
			out = append(out, *h)
		}
	}
	return out
}

// prune forgets the accounts that hold nothing and have their whole
// quota back, and drops referenced uploads from the others' order.
func (u *uploadQuotas) prune(now time.Time) {
	u.mu.Lock()
	defer u.mu.Unlock()
	for _, a := range []struct {
		m        map[string]*quota
		capacity int64
	}{{u.sessions, u.lim.SessionBytes}, {u.tenants, u.lim.TenantBytes}} {
		for k, q := range a.m {
			q.refill(a.capacity, u.lim.Window, now)
			if q.held <= 0 && q.tokens >= float64(a.capacity) {
				delete(a.m, k)
				continue
			}
			live := q.order[:0]
			for _, key := range q.order {
				if u.held[key] != nil {
					live = append(live, key)
				}
			}
			clear(q.order[len(live):])
			q.order = live
		}
	}
}

// heldBytes is what unreferenced uploads, and those under way, hold.
func (u *uploadQuotas) heldBytes() int64 {
	u.mu.Lock()
	defer u.mu.Unlock()
	var n int64
	for _, q := range u.tenants {
		n += q.held
	}
	return n
}

// reserveUpload takes the bytes of an upload of declared length from the
// quotas of the token's holder and tenant, or answers 429 with
// Retry-After. The caller calls done with the stored attachment's id and
// size, or with "" when it stored nothing.
func (g *Gateway) reserveUpload(w http.ResponseWriter, c *auth.Claims, declared int64) (done func(id string, size int64), ok bool) {
	n := declared
	if n < 0 || n > g.lim.MaxUploadBytes {
		n = g.lim.MaxUploadBytes
	}
	kind := event.ActorCustomer
	if c.Role == auth.RoleAgent {
		kind = event.ActorAgent
	}
	session := kind + ":" + c.Subject
	if err := g.uploads.reserve(c.Tenant, session, n, time.Now()); err != nil {
		var q *errQuota
		errors.As(err, &q)
		g.m.Uploads.WithLabelValues("over_quota").Inc()
		w.Header().Set("Retry-After", strconv.FormatInt(int64(math.Ceil(max(q.Retry, time.Second).Seconds())), 10))
		httpError(w, http.StatusTooManyRequests, CodeQuotaExceeded, q.msg)
		return nil, false
	}
	return func(id string, size int64) {
		if id == "" {
			g.uploads.cancel(c.Tenant, session, n)
			return
		}
		g.uploads.stored(c.Tenant, session, n, id, size, time.Now())
	}, true
}

// referenced releases the uploads a newly applied message references.
func (g *Gateway) referenced(changes []state.Change) {
	for i := range changes {
		ch := &changes[i]
		if m := ch.Event.Message; m != nil && len(m.Attachments) > 0 && !ch.Duplicate {
			g.uploads.release(ch.Event.Tenant, m.Attachments...)
		}
	}
}

// sweepInterval is how often unreferenced uploads are looked at: a
// quarter of their time to live, at most a minute.
func (l *UploadLimits) sweepInterval() time.Duration {
	return min(max(l.UnreferencedTTL/4, 50*time.Millisecond), time.Minute)
}

// sweepUploads deletes the uploads no message referenced in time, until
// Drain. Its first round also counts the unreferenced uploads an earlier
// run of the node left on disk.
func (g *Gateway) sweepUploads() {
	defer g.sweeping.Done()
	t := time.NewTicker(g.lim.Uploads.sweepInterval())
	defer t.Stop()
	first := true
	for {
		select {
		case <-g.stop:
			return
		case <-t.C:
		}
		if first {
			g.adoptUploads()
			first = false
		}
		g.expireUploads()
	}
}

// adoptUploads counts the unreferenced uploads on disk as held, with
// their files' times, and removes uploads a crash left half written.
func (g *Gateway) adoptUploads() {
	tenants, err := os.ReadDir(g.att.Path)
	if err != nil {
		return // none yet
	}
	for _, td := range tenants {
		tenant := td.Name()
		if !td.IsDir() || !event.ValidID(tenant) {
			continue
		}
		files, err := os.ReadDir(filepath.Join(g.att.Path, tenant))
		if err != nil {
			g.log.Warn("read attachments", "tenant", tenant, "err", err)
			continue
		}
		for _, f := range files {
			info, err := f.Info()
			if err != nil || !info.Mode().IsRegular() {
				continue
			}
			name := f.Name()
			if strings.HasPrefix(name, attachments.TempPrefix) {
				if time.Since(info.ModTime()) > g.lim.Uploads.UnreferencedTTL {
					_ = os.Remove(g.att.File(tenant, name))
				}
				continue
			}
			if !event.ValidID(name) {
				continue
			}
			session := ""
			if rec, err := g.store.Attachment(tenant, name); err == nil {
				if convs, err := g.store.AttachmentConversations(tenant, name); err != nil || len(convs) > 0 {
					continue
				}
				session = rec.Uploader
			}
			g.uploads.adopt(tenant, name, session, info.Size(), info.ModTime())
		}
	}
}

// expireUploads records attachment.expired for each held upload older
// than the time to live and deletes its bytes once the state has dropped
// it. The log decides a race with a message that references the upload
// at the last moment: one applied before the expiry keeps it.
func (g *Gateway) expireUploads() {
	now := time.Now()
	for _, h := range g.uploads.expired(now.Add(-g.lim.Uploads.UnreferencedTTL)) {
		select {
		case <-g.stop:
			return
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err := g.journal.Append(ctx, &event.Event{ID: auth.DerivedID("e", "attachment-expired", h.tenant, h.id),
			Kind: event.KindAttachmentExpired, Tenant: h.tenant, Actor: event.Actor{Kind: event.ActorSystem, ID: "attachment-sweep"},
			Attachment: &event.Attachment{ID: h.id}})
		cancel()
		if err != nil {
			g.log.Warn("expire an unreferenced upload", "tenant", h.tenant, "attachment", h.id, "err", err)
			continue // the next round tries again
		}
		if _, err := g.store.Attachment(h.tenant, h.id); errors.Is(err, state.ErrNotFound) {
			if err := os.Remove(g.att.File(h.tenant, h.id)); err != nil && !errors.Is(err, os.ErrNotExist) {
				g.log.Warn("delete an expired upload", "tenant", h.tenant, "attachment", h.id, "err", err)
				continue
			}
			g.m.AttachmentsExpired.Inc()
		}
		g.uploads.release(h.tenant, h.id)
	}
	g.uploads.prune(now)
}
