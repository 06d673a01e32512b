package edge_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge"
	"github.com/edgedesk/edgedesk/edge/api"
	"github.com/edgedesk/edgedesk/edge/auth"
	"github.com/edgedesk/edgedesk/edge/client"
	"github.com/edgedesk/edgedesk/edge/protocol"
)

// decodeAs reads an answer's JSON into a T, failing on a status other
// than want.
func decodeAs[T any](t *testing.T, want int) func(code int, out string) T {
	return func(code int, out string) T {
		t.Helper()
		var v T
		if code != want {
			t.Fatalf("status %d, want %d: %s", code, want, out)
		}
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		return v
	}
}

// waitItem waits for an event frame on c whose item f accepts.
func waitItem(t *testing.T, c *client.Client, what string, f func(*protocol.Item) bool) *protocol.Item {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case fr := <-c.Events():
			if fr.Type == protocol.OutEvent && fr.Item != nil && f(fr.Item) {
				return fr.Item
			}
		case <-deadline:
			t.Fatalf("no %s reached the socket", what)
			return nil
		}
	}
}

// TestAPIAndSocketShareTheConversation: a back end records a contact and
// opens a conversation through the REST API; an agent's console gets the
// customer's first message and the API's reply live over the WebSocket;
// the agent's answer on the socket is listed by the API; the widget's
// signed-in user with the same external id is the same contact; a private
// note never reaches the customer.
func TestAPIAndSocketShareTheConversation(t *testing.T) {
	e := edgeWithKeys(t)
	alice := e.Edge.Agent(edge.DemoAgents[0].Email, "")
	write := mkKey(t, e, `["write"]`)

	ct := decodeAs[api.Contact](t, 201)(call1(t, e, "POST", "/api/v1/contacts", write,
		`{"inbox_id":"`+edge.DemoInbox+`","external_id":"cust-42","name":"Chen Wei","email":"chen@example.com","attributes":{"plan":"pro"}}`))
	if ct.ExternalID != "cust-42" || ct.Attributes["plan"] != "pro" || strings.Contains(ct.ID, "cust-42") {
		t.Fatalf("contact %+v", ct)
	}
	again := decodeAs[api.Contact](t, 200)(call1(t, e, "POST", "/api/v1/contacts", write,
		`{"inbox_id":"`+edge.DemoInbox+`","external_id":"cust-42"}`))
	if again.ID != ct.ID || again.Name != "Chen Wei" {
		t.Fatalf("the same external id again: %+v", again)
	}
	found := decodeAs[api.List[api.Contact]](t, 200)(call1(t, e, "GET", "/api/v1/contacts?email=CHEN@example.com", write, ""))
	if len(found.Data) != 1 || found.Data[0].ID != ct.ID {
		t.Fatalf("search by e-mail: %+v", found)
	}

	cv := decodeAs[api.Conversation](t, 201)(call1(t, e, "POST", "/api/v1/conversations", write,
		`{"contact_id":"`+ct.ID+`","message":{"text":"My order is late"}}`))
	if cv.ContactID != ct.ID || cv.InboxID != edge.DemoInbox || cv.Channel != "api" || cv.Status != "new" || cv.MessageCount != 1 {
		t.Fatalf("conversation %+v", cv)
	}
	first := waitItem(t, alice, "the customer's first message", func(it *protocol.Item) bool { return it.Conv == cv.ID && it.Kind == "message" })
	if first.Text != "My order is late" || first.ActorKind != "customer" || first.ActorID != ct.ID || first.Channel != "api" {
		t.Fatalf("first message on the socket %+v", first)
	}

	// the back end answers as an agent; the console sees it live
	msg := decodeAs[api.Message](t, 201)(call1(t, e, "POST", "/api/v1/conversations/"+cv.ID+"/messages", write,
		`{"text":"It ships today","sender":{"type":"agent","id":"`+edge.DemoAgents[1].ID+`"}}`))
	if msg.Sender.Type != "agent" || msg.Sender.ID != edge.DemoAgents[1].ID || msg.Channel != "api" || msg.Private {
		t.Fatalf("posted %+v", msg)
	}
	waitItem(t, alice, "the API's answer", func(it *protocol.Item) bool { return it.Text == "It ships today" && fmt.Sprint(it.Seq) == msg.ID })

	// the agent answers on the socket; the API lists it
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := alice.Message(ctx, cv.ID, "sock-1", "Tracking: 1Z999"); err != nil {
		t.Fatal(err)
	}
	list := decodeAs[api.List[api.Message]](t, 200)(call1(t, e, "GET", "/api/v1/conversations/"+cv.ID+"/messages", e.read, ""))
	var texts []string
	for _, m := range list.Data {
		texts = append(texts, m.Sender.Type+":"+m.Text)
	}
	if got := strings.Join(texts, "|"); got != "customer:My order is late|agent:It ships today|agent:Tracking: 1Z999" {
		t.Fatalf("listed %s", got)
	}

	// the widget's signed-in user with the same id is this contact, and
	// sees the conversation, but not a private note
	note := decodeAs[api.Message](t, 201)(call1(t, e, "POST", "/api/v1/conversations/"+cv.ID+"/messages", write,
		`{"text":"VIP: refund if asked","private":true}`))
	if !note.Private || note.Sender.Type != "system" {
		t.Fatalf("note %+v", note)
	}
	user := e.Edge.Customer(&client.Hello{Inbox: edge.DemoInbox, User: &protocol.UserIdentity{ID: "cust-42",
		Hash: auth.IdentityHash(edge.DemoIdentitySecret, "cust-42")}})
	if user.Welcome.Session.ID != ct.ID {
		t.Fatalf("the widget's user is contact %s, the API's %s", user.Welcome.Session.ID, ct.ID)
	}
	h, err := user.History(ctx, cv.ID, 0, 50)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range h.Items {
		if it.Private || strings.Contains(it.Text, "VIP") {
			t.Fatalf("the customer sees the note: %+v", it)
		}
	}
	// the customer writes in the widget: the API lists it, as the web's
	if _, err := user.Message(ctx, cv.ID, "w-1", "Thanks!"); err != nil {
		t.Fatal(err)
	}
	list = decodeAs[api.List[api.Message]](t, 200)(call1(t, e, "GET", "/api/v1/conversations/"+cv.ID+"/messages?limit=1", e.read, ""))
	if len(list.Data) != 1 || list.Data[0].Text != "Thanks!" || list.Data[0].Channel != "web" || list.NextCursor == "" {
		t.Fatalf("the last message: %+v", list)
	}
	// paging back reaches the first message, each once
	seen := map[string]bool{}
	cursor := ""
	for range 10 {
		page := decodeAs[api.List[api.Message]](t, 200)(call1(t, e, "GET", "/api/v1/conversations/"+cv.ID+"/messages?limit=2"+cursor, e.read, ""))
		for _, m := range page.Data {
			if seen[m.ID] {
				t.Fatalf("message %s twice", m.ID)
			}
			seen[m.ID] = true
		}
		if page.NextCursor == "" {
			break
		}
		cursor = "&cursor=" + page.NextCursor
	}
	if len(seen) != 5 {
		t.Fatalf("paged through %d messages, want 5", len(seen))
	}

	// status, priority, assignee
	cvNow := decodeAs[api.Conversation](t, 200)(call1(t, e, "POST", "/api/v1/conversations/"+cv.ID+"/assignee", write,
		`{"agent_id":"`+edge.DemoAgents[2].ID+`"}`))
	if cvNow.AssigneeID != edge.DemoAgents[2].ID {
		t.Fatalf("assigned %+v", cvNow)
	}
	cvNow = decodeAs[api.Conversation](t, 200)(call1(t, e, "POST", "/api/v1/conversations/"+cv.ID+"/priority", write, `{"priority":"urgent"}`))
	if cvNow.Priority != "urgent" {
		t.Fatalf("priority %+v", cvNow)
	}
	until := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	cvNow = decodeAs[api.Conversation](t, 200)(call1(t, e, "POST", "/api/v1/conversations/"+cv.ID+"/status", write,
		`{"status":"snoozed","snooze_until":"`+until+`"}`))
	if cvNow.Status != "on_hold" || cvNow.SnoozeUntil != until {
		t.Fatalf("snoozed %+v", cvNow)
	}
	byAssignee := decodeAs[api.List[api.Conversation]](t, 200)(call1(t, e, "GET", "/api/v1/conversations?status=on_hold&assignee_id="+edge.DemoAgents[2].ID, e.read, ""))
	if len(byAssignee.Data) != 1 || byAssignee.Data[0].ID != cv.ID {
		t.Fatalf("filtered %+v", byAssignee)
	}
	agents := decodeAs[api.List[api.Agent]](t, 200)(call1(t, e, "GET", "/api/v1/agents", e.read, ""))
	presence := map[string]string{}
	for _, a := range agents.Data {
		presence[a.ID] = a.Presence
	}
	if presence[edge.DemoAgents[0].ID] != "online" || presence[edge.DemoAgents[1].ID] != "offline" {
		t.Fatalf("presence %v", presence)
	}
}

func call1(t *testing.T, e *keyedEdge, method, path, token, body string, header ...string) (int, string) {
	t.Helper()
	code, _, out := call(t, e.Edge, method, path, token, body, header...)
	return code, out
}

func mkKey(t *testing.T, e *keyedEdge, scopes string) string {
	t.Helper()
	k := decodeAs[api.KeyView](t, 201)(call1(t, e, "POST", "/api/v1/api-keys", e.admin, `{"name":"k","scopes":`+scopes+`}`))
	return k.Token
}

// TestAPIIdempotencyKeys: the same key and request give the first answer
// again and change nothing more; the same key with another request is a
// 409; a message made with a key is made once even when the node has
// forgotten the answer (a restart).
func TestAPIIdempotencyKeys(t *testing.T) {
	e := edgeWithKeys(t)
	ct := decodeAs[api.Contact](t, 201)(call1(t, e, "POST", "/api/v1/contacts", e.admin, `{"inbox_id":"`+edge.DemoInbox+`","name":"Ana"}`))
	body := `{"contact_id":"` + ct.ID + `","message":{"text":"hi"}}`
	code, _, first := call(t, e.Edge, "POST", "/api/v1/conversations", e.admin, body, "Idempotency-Key", "open-1")
	code2, _, second := call(t, e.Edge, "POST", "/api/v1/conversations", e.admin, body, "Idempotency-Key", "open-1")
	if code != 201 || code2 != 201 || first != second {
		t.Fatalf("first %d %s\nrepeat %d %s", code, first, code2, second)
	}
	if code, _, out := call(t, e.Edge, "POST", "/api/v1/conversations", e.admin, `{"contact_id":"`+ct.ID+`"}`, "Idempotency-Key", "open-1"); code != 409 ||
		!strings.Contains(out, "idempotency-mismatch") {
		t.Fatalf("the key with another body: %d %s", code, out)
	}
	cv := decodeAs[api.Conversation](t, 201)(code, first)
	post := func() (int, string) {
		return call1(t, e, "POST", "/api/v1/conversations/"+cv.ID+"/messages", e.admin, `{"text":"once"}`, "Idempotency-Key", "msg-1")
	}
	m1 := decodeAs[api.Message](t, 201)(post())
	e.Edge.Restart() // the remembered answers are gone; the derived ids hold
	m2 := decodeAs[api.Message](t, 200)(post())
	if m1.ID != m2.ID {
		t.Fatalf("the message was made twice: %s and %s", m1.ID, m2.ID)
	}
	list := decodeAs[api.List[api.Message]](t, 200)(call1(t, e, "GET", "/api/v1/conversations/"+cv.ID+"/messages", e.admin, ""))
	if len(list.Data) != 2 {
		t.Fatalf("messages %+v", list.Data)
	}
	// the conversation too: opened once, its first message once
	code, out := call1(t, e, "POST", "/api/v1/conversations", e.admin, body, "Idempotency-Key", "open-1")
	if again := decodeAs[api.Conversation](t, 200)(code, out); again.ID != cv.ID || again.MessageCount != 2 {
		t.Fatalf("opened again after a restart: %+v", again)
	}
}

// TestAPIBadInput: every refusal is a problem+json with its status, and
// writes nothing.
func TestAPIBadInput(t *testing.T) {
	e := edgeWithKeys(t)
	ct := decodeAs[api.Contact](t, 201)(call1(t, e, "POST", "/api/v1/contacts", e.admin, `{"inbox_id":"`+edge.DemoInbox+`","name":"Ana"}`))
	cv := decodeAs[api.Conversation](t, 201)(call1(t, e, "POST", "/api/v1/conversations", e.admin, `{"contact_id":"`+ct.ID+`"}`))
	msgs := "/api/v1/conversations/" + cv.ID + "/messages"
	writeKey := mkKey(t, e, `["write"]`)
	applied := e.Edge.Node.Store().Applied()
	for _, c := range []struct {
		name, method, path, token, body string
		status                          int
		kind                            string
	}{
		{"malformed JSON", "POST", msgs, e.admin, `{"text":`, 400, "invalid-request"},
		{"an unknown field", "POST", msgs, e.admin, `{"text":"x","html":"<b>"}`, 400, "invalid-request"},
		{"a wrong type", "POST", msgs, e.admin, `{"text":5}`, 400, "invalid-request"},
		{"two values", "POST", msgs, e.admin, `{"text":"x"}{"text":"y"}`, 400, "invalid-request"},
		{"a stray brace", "POST", msgs, e.admin, `{"text":"x"}}`, 400, "invalid-request"},
		{"oversize", "POST", msgs, e.admin, `{"text":"` + strings.Repeat("x", 70<<10) + `"}`, 413, "too-large"},
		{"text over the limit", "POST", msgs, e.admin, `{"text":"` + strings.Repeat("x", 17<<10) + `"}`, 422, "invalid-request"},
		{"empty text", "POST", msgs, e.admin, `{"text":"  "}`, 422, "invalid-request"},
		{"a bad sender", "POST", msgs, e.admin, `{"text":"x","sender":{"type":"robot"}}`, 422, "invalid-request"},
		{"an unknown agent as sender", "POST", msgs, e.admin, `{"text":"x","sender":{"type":"agent","id":"nobody"}}`, 404, "not-found"},
		{"an unknown conversation", "POST", "/api/v1/conversations/nope/messages", e.admin, `{"text":"x"}`, 404, "not-found"},
		{"another tenant's conversation", "POST", msgs, e.other, `{"text":"x"}`, 404, "not-found"},
		{"another tenant's contact", "GET", "/api/v1/contacts/" + ct.ID, e.other, ``, 404, "not-found"},
		{"a read key writes", "POST", msgs, e.read, `{"text":"x"}`, 403, "forbidden"},
		{"a revoked key", "POST", msgs, e.revoked, `{"text":"x"}`, 401, "unauthorized"},
		{"a bad status", "POST", "/api/v1/conversations/" + cv.ID + "/status", e.admin, `{"status":"done"}`, 422, "invalid-request"},
		{"a transition the table does not allow", "POST", "/api/v1/conversations/" + cv.ID + "/status", e.admin, `{"status":"closed"}`, 422, "invalid-request"},
		{"a tag with a space", "POST", "/api/v1/conversations/" + cv.ID + "/tags", e.admin, `{"add":["vip customer"]}`, 422, "invalid-request"},
		{"a tag both added and removed", "POST", "/api/v1/conversations/" + cv.ID + "/tags", e.admin, `{"add":["vip"],"remove":["VIP"]}`, 422, "invalid-request"},
		{"tags of another tenant's conversation", "POST", "/api/v1/conversations/" + cv.ID + "/tags", e.other, `{"add":["vip"]}`, 404, "not-found"},
		{"a bad tag filter", "GET", "/api/v1/conversations?tag=a%20b", e.admin, ``, 422, "invalid-request"},
		{"a bad snooze time", "POST", "/api/v1/conversations/" + cv.ID + "/status", e.admin, `{"status":"snoozed","snooze_until":"tomorrow"}`, 422, "invalid-request"},
		{"an empty agent id", "POST", "/api/v1/conversations/" + cv.ID + "/assignee", e.admin, `{"agent_id":""}`, 422, "invalid-request"},
		{"an unknown query parameter", "GET", "/api/v1/conversations?state=open", e.admin, ``, 400, "invalid-request"},
		{"a bad limit", "GET", "/api/v1/conversations?limit=1000", e.admin, ``, 400, "invalid-request"},
		{"a forged cursor", "GET", "/api/v1/conversations?cursor=abc", e.admin, ``, 400, "invalid-request"},
		{"a bad status filter", "GET", "/api/v1/conversations?status=done", e.admin, ``, 422, "invalid-request"},
		{"contact_id and contact", "POST", "/api/v1/conversations", e.admin, `{"contact_id":"` + ct.ID + `","contact":{"name":"x"}}`, 422, "invalid-request"},
		{"an unknown attachment in the first message", "POST", "/api/v1/conversations", e.admin,
			`{"contact_id":"` + ct.ID + `","client_id":"new-1","message":{"text":"x","attachments":["a1"]}}`, 404, "not-found"},
		{"a new contact with attachments", "POST", "/api/v1/conversations", e.admin,
			`{"contact":{"name":"New"},"inbox_id":"` + edge.DemoInbox + `","message":{"text":"x","attachments":["a1"]}}`, 422, "invalid-request"},
		{"a new contact with an empty message", "POST", "/api/v1/conversations", e.admin,
			`{"contact":{"name":"New"},"inbox_id":"` + edge.DemoInbox + `","message":{"text":""}}`, 422, "invalid-request"},
		{"a contacts cursor that is no id", "GET", "/api/v1/contacts?cursor=" + base64.RawURLEncoding.EncodeToString([]byte("1:../x")), e.admin, ``, 400, "invalid-request"},
		{"a bad e-mail", "PATCH", "/api/v1/contacts/" + ct.ID, e.admin, `{"email":"nope"}`, 422, "invalid-request"},
		{"a write key sets canned", "POST", "/api/v1/canned-responses", writeKey, `{"shortcut":"a","text":"b"}`, 403, "forbidden"},
		{"a long Idempotency-Key", "POST", msgs, e.admin, `{"text":"x"}`, 400, "invalid-request"},
	} {
		var header []string
		if c.name == "a long Idempotency-Key" {
			header = []string{"Idempotency-Key", strings.Repeat("k", 256)}
		}
		code, ctype, out := call(t, e.Edge, c.method, c.path, c.token, c.body, header...)
		if code != c.status || ctype != "application/problem+json" || !strings.Contains(out, "/problems/"+c.kind) {
			t.Errorf("%s: %d %s %s; want %d %s", c.name, code, ctype, out, c.status, c.kind)
		}
	}
	if got := e.Edge.Node.Store().Applied(); got != applied {
		t.Fatalf("refused requests appended %d events", got-applied)
	}
	// a wrong media type
	req, _ := http.NewRequest("POST", e.Edge.URL+msgs, strings.NewReader(`text=x`))
	req.Header.Set("Authorization", "Bearer "+e.admin)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 415 {
		t.Fatalf("a form body: %d", resp.StatusCode)
	}
}

// TestAPIWithTheConsoleSession: an agent's console token acts as the
// agent (admins with scope admin), so the console manages API keys and
// posts as the agent.
func TestAPIWithTheConsoleSession(t *testing.T) {
	e := edgeWithKeys(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	admin, err := client.Login(ctx, e.Edge.URL, edge.DemoAgents[0].Email, edge.DemoPassword)
	if err != nil {
		t.Fatal(err)
	}
	agent, err := client.Login(ctx, e.Edge.URL, edge.DemoAgents[1].Email, edge.DemoPassword)
	if err != nil {
		t.Fatal(err)
	}
	if code, out := call1(t, e, "GET", "/api/v1/api-keys", admin, ""); code != 200 {
		t.Fatalf("an admin's session lists keys: %d %s", code, out)
	}
	if code, out := call1(t, e, "GET", "/api/v1/api-keys", agent, ""); code != 403 {
		t.Fatalf("an agent's session lists keys: %d %s", code, out)
	}
	if code, out := call1(t, e, "GET", "/api/v1/api-keys", agent[:len(agent)-2]+"xx", ""); code != 401 {
		t.Fatalf("a forged session: %d %s", code, out)
	}
	ct := decodeAs[api.Contact](t, 201)(call1(t, e, "POST", "/api/v1/contacts", agent, `{"inbox_id":"`+edge.DemoInbox+`","name":"Ana"}`))
	cv := decodeAs[api.Conversation](t, 201)(call1(t, e, "POST", "/api/v1/conversations", agent, `{"contact_id":"`+ct.ID+`"}`))
	m := decodeAs[api.Message](t, 201)(call1(t, e, "POST", "/api/v1/conversations/"+cv.ID+"/messages", agent, `{"text":"hello"}`))
	if m.Sender.Type != "agent" || m.Sender.ID != edge.DemoAgents[1].ID {
		t.Fatalf("posted as %+v", m.Sender)
	}
	if code, out := call1(t, e, "POST", "/api/v1/conversations/"+cv.ID+"/messages", agent,
		`{"text":"x","sender":{"type":"agent","id":"`+edge.DemoAgents[0].ID+`"}}`); code != 403 {
		t.Fatalf("an agent posts as another: %d %s", code, out)
	}
}
