package hub_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge/client"
	"github.com/edgedesk/edgedesk/edge/edgetest"
	"github.com/edgedesk/edgedesk/hub/hubtest"
)

func put(t *testing.T, h *hubtest.Hub, path, body string, want int) string {
	t.Helper()
	resp, err := h.Do(http.MethodPut, path, body)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != want {
		t.Fatalf("PUT %s: %d %s, want %d", path, resp.StatusCode, b, want)
	}
	return string(b)
}

// eventually retries check for up to 20 s.
func eventually(t *testing.T, what string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Configuration set on the hub reaches every edge live: a new inbox with a
// pre-chat form serves visitors, a new agent signs in, and the tenant's
// calls are recorded, in both regions; an edge that was down gets what changed meanwhile.
func TestConfigurationReachesEveryEdge(t *testing.T) {
	h := hubtest.Start(t)
	eu := edgetest.Start(t, linkedEdge(t, h, "eu-1", "eu"))
	us := edgetest.Start(t, linkedEdge(t, h, "us-1", "us"))
	put(t, h, "/api/v1/tenants/demo/inboxes/shop2", `{"name":"Second shop","channel":"web","identity_secret":"s2","prechat":["email"],
		"color":"#0B7A5C","greeting":"Hello from the second shop","reply_time":"hours"}`, 200)
	put(t, h, "/api/v1/tenants/demo/agents/agent-dave", `{"email":"Dave@demo.test","name":"Dave","password":"dave-password","role":"agent","max_chats":3}`, 200)
	put(t, h, "/api/v1/tenants/demo", `{"name":"Demo Shop","record_calls":true}`, 200)
	for _, e := range []*edgetest.Edge{eu, us} {
		eventually(t, e.Config.Node.ID+" records the tenant's calls", func() error {
			if tn, err := e.Node.Store().Tenant("demo"); err != nil || !tn.RecordCalls {
				return fmt.Errorf("tenant %+v, %v", tn, err)
			}
			return nil
		})
		eventually(t, e.Config.Node.ID+" has the new inbox", func() error {
			in, err := e.Node.Store().Inbox("demo", "shop2")
			if err != nil || fmt.Sprint(in.Prechat) != "[email]" {
				return fmt.Errorf("inbox %+v, %v", in, err)
			}
			return nil
		})
		w := e.Customer(&client.Hello{Inbox: "shop2"}).Welcome
		if fmt.Sprint(w.Prechat) != "[email]" {
			t.Fatalf("a visitor of shop2 on %s is asked %v", e.Config.Node.ID, w.Prechat)
		}
		if b := w.Inbox; b == nil || b.Name != "Second shop" || b.Color != "#0b7a5c" || b.Greeting != "Hello from the second shop" || b.ReplyTime != "hours" {
			t.Fatalf("a visitor of shop2 on %s sees the inbox as %+v", e.Config.Node.ID, b)
		}
		eventually(t, "dave signs in on "+e.Config.Node.ID, func() error {
			_, err := client.Login(ctxT(t), e.URL, "dave@demo.test", "dave-password")
			return err
		})
	}
	eventually(t, "both edges acknowledge the configuration", func() error {
		for _, s := range h.EdgeStatuses() {
			if s.ConfigSeqAcked != 3 {
				return fmt.Errorf("%+v", h.EdgeStatuses())
			}
		}
		return nil
	})

	eu.Stop()
	put(t, h, "/api/v1/tenants/demo/inboxes/shop2", `{"name":"Second shop","channel":"web","identity_secret":"s2","prechat":["name","email"]}`, 200)
	eu2 := edgetest.Start(t, eu.Config)
	eventually(t, "the restarted edge gets what changed while it was down", func() error {
		in, err := eu2.Node.Store().Inbox("demo", "shop2")
		if err != nil || fmt.Sprint(in.Prechat) != "[name email]" {
			return fmt.Errorf("inbox %+v, %v", in, err)
		}
		return nil
	})

	// refused: unknown fields, invalid values, no token
	for _, c := range []struct{ path, body, want string }{
		{"/api/v1/tenants/demo/inboxes/x", `{"nme":"typo"}`, "unknown field"},
		{"/api/v1/tenants/demo/inboxes/x", `{"prechat":["phone"]}`, "without a valid body"},
		{"/api/v1/tenants/demo/inboxes/x", `{"color":"red"}`, "color: a colour #rrggbb"},
		{"/api/v1/tenants/demo/inboxes/x", `{"greeting":"a\nb"}`, "control character"},
		{"/api/v1/tenants/demo/inboxes/x", `{"reply_time":"week"}`, "reply_time: minutes, hours, day"},
		{"/api/v1/tenants/demo/agents/y", `{"email":"y@demo.test","password":"short"}`, "password: 8 to 72 bytes"},
		{"/api/v1/tenants/demo/agents/y", `{"email":"y@demo.test","password":"long enough","languages":["zh-CN"]}`, `language \"zh-cn\": give its ISO 639 code`},
		{"/api/v1/tenants/demo/agents/y", `{"email":"y@demo.test","password":"long enough","skills":["Billing"," billing"]}`, `skill \"billing\" given twice`},
		{"/api/v1/tenants/demo", `{"residency":["message.txt"]}`, "without a valid body"},
		{"/api/v1/tenants/demo", `{"sla":{"first_response_s":[0,-5,0,0]}}`, "a target of -5 s"},
		{"/api/v1/tenants/demo", `{"sla":{"time_zone":"Mars/Olympus_Mons"}}`, "time zone Mars/Olympus_Mons is unknown"},
	} {
		if got := put(t, h, c.path, c.body, 400); !strings.Contains(got, c.want) {
			t.Errorf("PUT %s %s: %s, want it to say %q", c.path, c.body, got, c.want)
		}
	}
	req, _ := http.NewRequest(http.MethodPut, "http://"+h.HTTPAddr()+"/api/v1/tenants/demo", strings.NewReader(`{}`))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 401 {
		t.Fatalf("PUT without a token: %v %v", resp, err)
	}
}
