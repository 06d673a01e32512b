package whatsapp

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge/channels"
	"github.com/edgedesk/edgedesk/edge/channels/whatsapp/whatsapptest"
)

// newAdapter is the adapter of p's channel.
func newAdapter(t testing.TB, p *whatsapptest.Platform) *Adapter {
	t.Helper()
	a, err := New(channels.Options{Credentials: p.Credentials(), APIBase: p.APIBase(), ID: "wa-test"})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// hook is the edge's webhook endpoint in front of an adapter, as the
// Service serves it: the body bounded, Receive, the refusal's status.
type hook struct {
	URL string

	mu       sync.Mutex
	inbound  []channels.Inbound
	refusals []*channels.Refusal
}

func newHook(t testing.TB, a *Adapter) *hook {
	h := &hook{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limits.MaxBody))
		if err != nil {
			http.Error(w, "too large", http.StatusRequestEntityTooLarge)
			return
		}
		res, in, err := a.Receive(r.Context(), &channels.Request{
			Method: r.Method, Query: r.URL.Query(), Header: r.Header, Body: body, Now: time.Now(),
		})
		h.mu.Lock()
		defer h.mu.Unlock()
		if err != nil {
			var ref *channels.Refusal
			if !errors.As(err, &ref) {
				t.Errorf("Receive returned %v, not a *channels.Refusal", err)
				w.WriteHeader(http.StatusInternalServerError)
				return
			}
			h.refusals = append(h.refusals, ref)
			w.WriteHeader(ref.Status)
			return
		}
		h.inbound = append(h.inbound, in...)
		if res.ContentType != "" {
			w.Header().Set("Content-Type", res.ContentType)
		}
		if res.Status != 0 {
			w.WriteHeader(res.Status)
		}
		_, _ = w.Write(res.Body)
	}))
	t.Cleanup(srv.Close)
	h.URL = srv.URL + "/hooks/whatsapp"
	return h
}

// take returns what the hook received since the last take.
func (h *hook) take() []channels.Inbound {
	h.mu.Lock()
	defer h.mu.Unlock()
	in := h.inbound
	h.inbound = nil
	return in
}

func (h *hook) lastRefusal() *channels.Refusal {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.refusals) == 0 {
		return nil
	}
	return h.refusals[len(h.refusals)-1]
}

// asRefusal is err's *channels.Refusal, or fails t.
func asRefusal(t testing.TB, err error) *channels.Refusal {
	t.Helper()
	var r *channels.Refusal
	if !errors.As(err, &r) {
		t.Fatalf("got %v, want a *channels.Refusal", err)
	}
	return r
}

// asSendError is err's *channels.SendError, or fails t.
func asSendError(t testing.TB, err error) *channels.SendError {
	t.Helper()
	var e *channels.SendError
	if !errors.As(err, &e) {
		t.Fatalf("got %v, want a *channels.SendError", err)
	}
	return e
}
