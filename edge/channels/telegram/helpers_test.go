package telegram

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge/channels"
	"github.com/edgedesk/edgedesk/edge/channels/telegram/telegramtest"
)

// newAdapter makes the adapter of the fake's bot.
func newAdapter(t testing.TB, p *telegramtest.Platform) channels.Adapter {
	t.Helper()
	a, err := New(channels.Options{Credentials: p.Credentials(), APIBase: p.APIBase(), ID: "tg-test"})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// hook is the edge's webhook endpoint, as the Service serves it, around
// one adapter: it records what Receive returned.
type hook struct {
	URL string
	mu  sync.Mutex
	ins []channels.Inbound
	ref []*channels.Refusal
}

func newHook(t testing.TB, a channels.Adapter) *hook {
	h := &hook{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, Kind().Limits.MaxBody))
		resp, ins, err := a.Receive(r.Context(), &channels.Request{
			Method: r.Method, Query: r.URL.Query(), Header: r.Header, Body: body, Now: time.Now(),
		})
		h.mu.Lock()
		defer h.mu.Unlock()
		var ref *channels.Refusal
		if errors.As(err, &ref) {
			h.ref = append(h.ref, ref)
			w.WriteHeader(ref.Status)
			return
		} else if err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		h.ins = append(h.ins, ins...)
		if resp.Status != 0 {
			w.WriteHeader(resp.Status)
		}
		w.Write(resp.Body)
	}))
	t.Cleanup(srv.Close)
	h.URL = srv.URL
	return h
}

func (h *hook) inbound() []channels.Inbound {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]channels.Inbound(nil), h.ins...)
}

func (h *hook) refusals() []*channels.Refusal {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]*channels.Refusal(nil), h.ref...)
}

// request is a webhook POST of body with the secret token secret.
func request(secret, body string) *channels.Request {
	hd := http.Header{"Content-Type": {"application/json"}}
	if secret != "" {
		hd.Set(SecretHeader, secret)
	}
	return &channels.Request{Method: http.MethodPost, Header: hd, Body: []byte(body), Now: time.Now()}
}
