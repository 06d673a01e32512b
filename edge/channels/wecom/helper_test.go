package wecom

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge/channels"
	"github.com/edgedesk/edgedesk/edge/channels/wecom/wecomtest"
)

// edge is a webhook endpoint in front of an adapter, as the Service
// is: the body bounded by MaxBody, Receive, the refusal's status.
type edge struct {
	a   *Adapter
	srv *httptest.Server

	mu       sync.Mutex
	inbound  []channels.Inbound
	refusals []*channels.Refusal
}

func newEdge(t *testing.T, a *Adapter) *edge {
	e := &edge{a: a}
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, Kind().Limits.MaxBody))
		if err != nil {
			w.WriteHeader(http.StatusRequestEntityTooLarge)
			return
		}
		resp, in, err := a.Receive(r.Context(), &channels.Request{Method: r.Method, Query: r.URL.Query(), Header: r.Header, Body: body, Now: time.Now()})
		e.mu.Lock()
		defer e.mu.Unlock()
		var ref *channels.Refusal
		if errors.As(err, &ref) {
			e.refusals = append(e.refusals, ref)
			w.WriteHeader(ref.Status)
			return
		}
		if err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		e.inbound = append(e.inbound, in...)
		if resp.ContentType != "" {
			w.Header().Set("Content-Type", resp.ContentType)
		}
		if resp.Status != 0 {
			w.WriteHeader(resp.Status)
		}
		w.Write(resp.Body)
	}))
	t.Cleanup(e.srv.Close)
	return e
}

// last is the last Inbound the edge got.
func (e *edge) last(t *testing.T) channels.Inbound {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.inbound) == 0 {
		t.Fatal("the edge got no Inbound")
	}
	return e.inbound[len(e.inbound)-1]
}

// fixture is a fake WeCom, an adapter on it and its edge.
type fixture struct {
	p    *wecomtest.Platform
	a    *Adapter
	e    *edge
	hook string
}

func newFixture(t *testing.T, change ...func(*channels.Options)) *fixture {
	t.Helper()
	p := wecomtest.New(t)
	o := channels.Options{Credentials: p.Credentials(), APIBase: p.APIBase(), ID: "ch1"}
	for _, c := range change {
		c(&o)
	}
	a, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	e := newEdge(t, a)
	return &fixture{p: p, a: a, e: e, hook: e.srv.URL + "/hook/wecom"}
}

// say makes user write text and pulls it in, as the Service does.
func (f *fixture) say(t *testing.T, user, text string) []channels.Inbound {
	t.Helper()
	st, _, err := f.p.Say(context.Background(), f.hook, user, text)
	if err != nil || st != http.StatusOK {
		t.Fatalf("Say: %d %v", st, err)
	}
	return f.pull(t)
}

// pull reads from the start with the last callback's token.
func (f *fixture) pull(t *testing.T) []channels.Inbound {
	t.Helper()
	sync := f.e.last(t).Sync
	var all []channels.Inbound
	cursor := ""
	for range 100 {
		batch, next, more, err := f.a.Pull(context.Background(), sync, cursor)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, batch...)
		cursor = next
		if !more {
			return all
		}
	}
	t.Fatal("Pull never ended")
	return nil
}

// request is the channels.Request of a URL and body the fake made.
func request(t *testing.T, method, target string, body []byte, now time.Time) *channels.Request {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	return &channels.Request{Method: method, Query: u.Query(), Header: http.Header{}, Body: body, Now: now}
}

// refusal checks that err is a Refusal of status and code.
func refusal(t *testing.T, name string, err error, status int, code string) {
	t.Helper()
	var r *channels.Refusal
	if !errors.As(err, &r) {
		t.Errorf("%s: got %v, want a %d %s refusal", name, err, status, code)
		return
	}
	if r.Status != status || r.Code != code {
		t.Errorf("%s: got %d %s (%s), want %d %s", name, r.Status, r.Code, r.Reason, status, code)
	}
}

// permanentErr checks that err is a permanent SendError saying want.
func permanentErr(t *testing.T, name string, err error, want string) {
	t.Helper()
	var se *channels.SendError
	if !errors.As(err, &se) || !se.Permanent || !strings.Contains(se.Reason, want) {
		t.Errorf("%s: got %#v, want a permanent SendError saying %q", name, err, want)
	}
}
