package edge_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/edgedesk/edgedesk/edge"
	"github.com/edgedesk/edgedesk/edge/api"
	"github.com/edgedesk/edgedesk/edge/edgetest"
	"github.com/edgedesk/edgedesk/edge/protocol"
)

// receiver is an integrator's endpoint: it verifies each delivery's
// signature with the Standard Webhooks project's own library (not the
// edge's code), answers fail while it is set, and keeps what it took.
type receiver struct {
	t       *testing.T
	mu      sync.Mutex
	secrets []string
	fail    int // the status it answers; 0: 204
	got     []delivery
	bad     []string
	tries   map[string]int // webhook-id → attempts seen
}

type delivery struct {
	ID      string
	Sigs    int
	Payload struct {
		Type   string `json:"type"`
		Tenant string `json:"tenant"`
		Seq    uint64 `json:"seq"`
		Data   struct {
			Conversation *struct {
				ID     string `json:"id"`
				Status string `json:"status"`
			} `json:"conversation"`
			Message *struct {
				Text string `json:"text"`
			} `json:"message"`
			Rule *struct {
				ID string `json:"id"`
			} `json:"rule"`
		} `json:"data"`
	}
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	id := r.Header.Get("webhook-id")
	rc.tries[id]++
	for _, s := range rc.secrets {
		wh, err := standardwebhooks.NewWebhook(s)
		if err != nil {
			rc.t.Errorf("the secret the edge gave is not a Standard Webhooks secret: %v", err)
			return
		}
		if err := wh.Verify(body, r.Header); err != nil {
			rc.bad = append(rc.bad, id+": "+err.Error())
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
	}
	if rc.fail != 0 {
		w.WriteHeader(rc.fail)
		_, _ = w.Write([]byte("busy\nnow"))
		return
	}
	var d delivery
	d.ID, d.Sigs = id, len(strings.Fields(r.Header.Get("webhook-signature")))
	if err := json.Unmarshal(body, &d.Payload); err != nil {
		rc.bad = append(rc.bad, id+": "+err.Error())
	}
	rc.got = append(rc.got, d)
	w.WriteHeader(http.StatusNoContent)
}

func (rc *receiver) set(f func(*receiver)) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	f(rc)
}

// wait waits for a delivery that ok accepts and returns the deliveries
// so far.
func (rc *receiver) wait(what string, ok func([]delivery) bool) []delivery {
	rc.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		rc.mu.Lock()
		got, bad := append([]delivery(nil), rc.got...), append([]string(nil), rc.bad...)
		rc.mu.Unlock()
		if len(bad) > 0 {
			rc.t.Fatalf("deliveries that do not verify: %q", bad)
		}
		if ok(got) {
			return got
		}
		if time.Now().After(deadline) {
			rc.t.Fatalf("%s: not within 20s; got %+v", what, got)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func ofType(got []delivery, typ string) []delivery {
	var out []delivery
	for _, d := range got {
		if d.Payload.Type == typ {
			out = append(out, d)
		}
	}
	return out
}

// TestWebhooksAreSignedDeliveredAndReplayed: an admin adds an endpoint
// over the REST API and gets its secret once; what happens in the desk
// reaches it signed (verified by the Standard Webhooks library), a
// conversation's deliveries in log order; a rule's webhook action sends
// the conversation; a failing endpoint's deliveries are tried again on
// the schedule, then kept dead, and survive a restart; a replay sends
// them; a rotated secret signs beside the new one. Bad settings are
// refused saying why, and the secret is nowhere in the log.
func TestWebhooksAreSignedDeliveredAndReplayed(t *testing.T) {
	cfg := edgetest.Config(t)
	cfg.Webhooks.Retry = []time.Duration{time.Second, time.Second}
	e := edgetest.Start(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	tok := e.AdminToken()
	rc := &receiver{t: t, tries: map[string]int{}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	const base = "/api/v1/webhooks"
	q := "?tenant=" + edge.DemoTenant

	for _, c := range []struct{ body, want string }{
		{`{"url":"http://example.com/hook","types":["message.created"]}`, "http is only for a receiver on this machine"},
		{`{"url":"https://user:pw@example.com/","types":["message.created"]}`, "a URL with a user or password"},
		{`{"url":"` + srv.URL + `","types":["message.deleted"]}`, `type \"message.deleted\": one of conversation.created`},
		{`{"url":"` + srv.URL + `","types":[]}`, "types: give at least one"},
		{`{"url":"` + srv.URL + `"}`, "give the endpoint's url and the types"},
	} {
		if code, body := adminDo(t, e, "POST", base+q, tok, c.body); code != http.StatusUnprocessableEntity || !strings.Contains(body, c.want) {
			t.Fatalf("POST %s: %d %s; want 422 with %q", c.body, code, body, c.want)
		}
	}
	code, body := adminDo(t, e, "POST", base+q, tok, `{"url":"`+srv.URL+`/hook?token=abc","description":"CRM","types":["conversation.created","message.created","conversation.status_changed"]}`)
	var wh api.Webhook
	if code != http.StatusCreated || json.Unmarshal([]byte(body), &wh) != nil || !strings.HasPrefix(wh.Secret, "whsec_") || len(wh.Secrets) != 1 {
		t.Fatalf("create: %d %s", code, body)
	}
	secret := wh.Secret
	rc.set(func(r *receiver) { r.secrets = []string{secret} })
	if code, body := adminDo(t, e, "GET", base+"/"+wh.ID+q, tok, ""); code != 200 || strings.Contains(body, secret) || strings.Contains(body, `"secret"`) {
		t.Fatalf("GET shows the secret again: %d %s", code, body)
	}

	// a conversation's deliveries, in order
	cust := e.Visitor()
	open, err := cust.Start(ctx, "hook-1")
	if err != nil {
		t.Fatal(err)
	}
	conv := open.Conversation.ID
	for i, text := range []string{"one", "two", "three"} {
		if _, err := cust.Message(ctx, conv, "m"+string(rune('1'+i)), text); err != nil {
			t.Fatal(err)
		}
	}
	got := rc.wait("three messages", func(g []delivery) bool { return len(ofType(g, "message.created")) == 3 })
	if c := ofType(got, "conversation.created"); len(c) != 1 || c[0].Payload.Data.Conversation.ID != conv || got[0].Payload.Type != "conversation.created" {
		t.Fatalf("conversation.created first: %+v", got)
	}
	var texts []string
	for _, d := range ofType(got, "message.created") {
		texts = append(texts, d.Payload.Data.Message.Text)
	}
	if strings.Join(texts, ",") != "one,two,three" {
		t.Fatalf("messages out of order: %v", texts)
	}

	// a rule's webhook action, to the endpoint it names
	alice := e.Agent(edge.DemoAgents[0].Email, "")
	if _, err := alice.Request(ctx, &protocol.InFrame{Type: "rules_set", Rules: []protocol.Rule{{ID: "crm", Name: "To the CRM", When: []string{"message_in"},
		Conditions: []protocol.Condition{{Field: "text", Op: "contains", Value: "invoice"}},
		Actions:    []protocol.Action{{Type: "webhook", Value: "nope"}}}}}); err == nil || !strings.Contains(err.Error(), `no such webhook endpoint "nope"`) {
		t.Fatalf("a rule naming an unknown endpoint: %v", err)
	}
	if _, err := alice.Request(ctx, &protocol.InFrame{Type: "rules_set", Rules: []protocol.Rule{{ID: "crm", Name: "To the CRM", When: []string{"message_in"},
		Conditions: []protocol.Condition{{Field: "text", Op: "contains", Value: "invoice"}},
		Actions:    []protocol.Action{{Type: "webhook", Value: wh.ID}}}}}); err != nil {
		t.Fatalf("rules_set: %v", err)
	}
	if _, err := cust.Message(ctx, conv, "m4", "where is my invoice?"); err != nil {
		t.Fatal(err)
	}
	got = rc.wait("the rule's webhook", func(g []delivery) bool { return len(ofType(g, "rule.webhook")) == 1 })
	if r := ofType(got, "rule.webhook")[0]; r.Payload.Data.Rule == nil || r.Payload.Data.Rule.ID != "crm" || r.Payload.Data.Conversation.ID != conv {
		t.Fatalf("rule.webhook: %+v", r.Payload)
	}

	// a failing endpoint: tried three times (the first and two retries), then dead
	rc.set(func(r *receiver) { r.fail = http.StatusServiceUnavailable })
	if _, err := cust.Message(ctx, conv, "m5", "five"); err != nil {
		t.Fatal(err)
	}
	var dead api.List[api.WebhookDelivery]
	deadline := time.Now().Add(20 * time.Second)
	for {
		code, body := adminDo(t, e, "GET", base+"/"+wh.ID+"/deliveries"+q+"&state=dead", tok, "")
		if code != 200 || json.Unmarshal([]byte(body), &dead) != nil {
			t.Fatalf("deliveries: %d %s", code, body)
		}
		if len(dead.Data) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no dead delivery: %s", body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	d := dead.Data[0]
	if d.Type != "message.created" || d.Attempts != 3 || d.StatusCode != 503 || d.Error != "HTTP 503: busy now" || d.ConversationID != conv {
		t.Fatalf("the dead delivery: %+v", d)
	}
	rc.mu.Lock()
	tries := rc.tries[d.EventID]
	rc.mu.Unlock()
	if tries != 3 {
		t.Fatalf("the endpoint saw %d attempts; want 3", tries)
	}

	// dead deliveries survive a restart; a replay sends them
	e.Restart()
	tok = e.AdminToken()
	rc.set(func(r *receiver) { r.fail = 0 })
	if code, body := adminDo(t, e, "POST", base+"/"+wh.ID+"/replay"+q, tok, `{"ids":["`+d.ID+`"]}`); code != http.StatusAccepted {
		t.Fatalf("replay: %d %s", code, body)
	}
	got = rc.wait("the replayed delivery", func(g []delivery) bool {
		for _, x := range g {
			if x.ID == d.EventID {
				return true
			}
		}
		return false
	})
	if code, body := adminDo(t, e, "POST", base+"/"+wh.ID+"/replay"+q, tok, ""); code != http.StatusUnprocessableEntity || !strings.Contains(body, "no dead deliveries") {
		t.Fatalf("a replay with nothing dead: %d %s", code, body)
	}

	// rotation: the old secret signs beside the new one for the overlap
	code, body = adminDo(t, e, "POST", base+"/"+wh.ID+"/rotate"+q, tok, `{"overlap_s":3600}`)
	var rot api.Webhook
	if code != 200 || json.Unmarshal([]byte(body), &rot) != nil || rot.Secret == secret || len(rot.Secrets) != 2 || rot.Secrets[0].ExpiresAt == "" {
		t.Fatalf("rotate: %d %s", code, body)
	}
	rc.set(func(r *receiver) { r.secrets = []string{secret, rot.Secret} })
	before := len(got)
	cust = e.Visitor() // the restart closed the first one's connection
	if _, err := cust.Start(ctx, "hook-2"); err != nil {
		t.Fatal(err)
	}
	got = rc.wait("a delivery after the rotation", func(g []delivery) bool { return len(g) > before })
	if s := got[len(got)-1].Sigs; s != 2 {
		t.Fatalf("%d signatures after a rotation; want the old and the new", s)
	}

	// the secrets are sealed in the log, never in clear
	raw := wholeLog(t, e)
	for _, s := range []string{secret, rot.Secret, strings.TrimPrefix(secret, "whsec_")} {
		if bytes.Contains(raw, []byte(s)) {
			t.Fatal("a webhook secret is in the log in clear")
		}
	}
	if code, _ := adminDo(t, e, "DELETE", base+"/"+wh.ID+q, tok, ""); code != http.StatusNoContent {
		t.Fatalf("delete: %d", code)
	}
	if code, _ := adminDo(t, e, "GET", base+"/"+wh.ID+q, tok, ""); code != http.StatusNotFound {
		t.Fatalf("GET after delete: %d", code)
	}
}

// wholeLog is every entry of the node's event log, one after another.
func wholeLog(t *testing.T, e *edgetest.Edge) []byte {
	t.Helper()
	var raw bytes.Buffer
	readLog(t, e, func(_ uint64, data []byte) { raw.Write(data) })
	return raw.Bytes()
}
