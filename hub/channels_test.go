package hub_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge"
	"github.com/edgedesk/edgedesk/edge/channels/telegram/telegramtest"
	"github.com/edgedesk/edgedesk/edge/conversation"
	"github.com/edgedesk/edgedesk/edge/edgetest"
	"github.com/edgedesk/edgedesk/hub/hubtest"
)

// channelsOf is GET /api/v1/channels of an edge's admin API.
func channelsOf(t *testing.T, e *edgetest.Edge) []edge.ChannelInfo {
	t.Helper()
	resp, b := e.Get("/api/v1/channels", e.AdminToken())
	if resp.StatusCode != 200 {
		t.Fatalf("GET /api/v1/channels: %d %s", resp.StatusCode, b)
	}
	var out []edge.ChannelInfo
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// A channel configured at the hub reaches its region's edges, its
// credentials sealed to the region's key: the region's edge serves it
// (a customer's message in, the agent's reply out with the credentials
// the hub was given), another region's edge does not, and no file of
// the hub or of either edge holds a credential in clear. New credentials
// replace the old live; a deleted channel's webhook is gone. What the
// hub cannot seal or must not take is refused with what to do.
func TestChannelConfiguredAtTheHub(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	h := hubtest.Start(t)
	p := telegramtest.New(t)
	creds := p.Credentials()

	// no edge of the region has said its key yet
	body := func(region string, c map[string]string) string {
		b, _ := json.Marshal(map[string]any{"kind": "telegram", "inbox": edge.DemoInbox, "region": region, "api_base": p.APIBase(), "credentials": c})
		return string(b)
	}
	if got := put(t, h, "/api/v1/tenants/demo/channels/tg-eu", body("eu", creds), 409); !strings.Contains(got, `"no_region_key"`) || !strings.Contains(got, "no edge of region") {
		t.Fatalf("before any edge of eu: %s", got)
	}

	eu := edgetest.Start(t, linkedEdge(t, h, "eu-1", "eu"))
	us := edgetest.Start(t, linkedEdge(t, h, "us-1", "us"))
	stale := map[string]string{}
	for k, v := range creds {
		stale[k] = v
	}
	stale["secret_token"] = "an-old-secret-token"
	eventually(t, "the hub learns region eu's key", func() error {
		resp, err := h.Do(http.MethodPut, "/api/v1/tenants/demo/channels/tg-eu", body("eu", stale))
		if err != nil {
			return err
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return fmt.Errorf("%d %s", resp.StatusCode, b)
		}
		return nil
	})
	hook := eu.URL + "/channels/telegram/tg-eu"
	eventually(t, "eu-1 serves the channel", func() error {
		for _, c := range channelsOf(t, eu) {
			if c.ID == "tg-eu" && c.State == "serving" && c.Source == "hub" && c.Tenant == edge.DemoTenant &&
				slices.Equal(c.Credentials, []string{"bot_token", "secret_token"}) {
				return nil
			}
		}
		return fmt.Errorf("%+v", channelsOf(t, eu))
	})
	// the stale secret token: the platform's request is refused
	if status, _, err := p.Say(ctx, hook, "cust-1", "with the old secret"); err != nil || status < 400 || status >= 500 {
		t.Fatalf("a request under the replaced secret token: %d %v", status, err)
	}
	// new credentials, live
	var set struct {
		ConfigSeq uint64 `json:"config_seq"`
	}
	if err := json.Unmarshal([]byte(put(t, h, "/api/v1/tenants/demo/channels/tg-eu", body("eu", creds), 200)), &set); err != nil {
		t.Fatal(err)
	}
	// the hub lists the tenant's channels, their credentials' names only
	for tenant, want := range map[string]string{
		"demo":  fmt.Sprintf(`{"channels":[{"id":"tg-eu","kind":"telegram","inbox":"%s","region":"eu","api_base":"%s","credentials":["bot_token","secret_token"],"config_seq":%d,`, edge.DemoInbox, p.APIBase(), set.ConfigSeq),
		"other": `{"channels":[]}`,
	} {
		resp, err := h.Get("/api/v1/tenants/" + tenant + "/channels")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.HasPrefix(string(b), want) || strings.Contains(string(b), creds["bot_token"]) {
			t.Fatalf("GET the channels of %s: %d %s, want it to start %s", tenant, resp.StatusCode, b, want)
		}
	}
	eventually(t, "eu-1 takes the new credentials", func() error {
		status, _, err := p.Say(ctx, hook, "cust-1", "Hello over Telegram")
		if err != nil || status != 200 {
			return fmt.Errorf("%d %v", status, err)
		}
		return nil
	})
	st := eu.Store()
	var conv string
	eventually(t, "the message is a conversation", func() error {
		convs, _, err := st.Conversations(edge.DemoTenant, nil, 0, 100)
		if err != nil {
			return err
		}
		for _, c := range convs {
			if c.Channel == "telegram" {
				conv = c.ID
				return nil
			}
		}
		return fmt.Errorf("no telegram conversation among %d", len(convs))
	})
	c, _ := st.Conversation(edge.DemoTenant, conv)
	agent := conversation.Agent(edge.DemoTenant, "agent-alice", conversation.Web)
	if _, err := eu.Node.Conversations().Post(ctx, agent, c, conversation.Post{ClientID: "r1", Text: "Hi from the desk"}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the reply reaches Telegram with the hub's bot token", func() error {
		if !slices.Contains(p.Received("cust-1"), "Hi from the desk") {
			return fmt.Errorf("received %q", p.Received("cust-1"))
		}
		return nil
	})

	// another region's edge has the configuration but not the channel
	eventually(t, "us-1 knows the channel is another region's", func() error {
		for _, c := range channelsOf(t, us) {
			if c.ID == "tg-eu" && c.State == "other_region" && c.Region == "eu" {
				return nil
			}
		}
		return fmt.Errorf("%+v", channelsOf(t, us))
	})
	if resp, b := us.Get("/channels/telegram/tg-eu", ""); resp.StatusCode != 404 {
		t.Fatalf("us-1 serves eu's channel: %d %s", resp.StatusCode, b)
	}

	// refused
	for _, r := range []struct {
		path, body string
		status     int
		want       string
	}{
		{"/api/v1/tenants/other/channels/tg-eu", body("eu", creds), 409, "channel_taken"},
		{"/api/v1/tenants/demo/channels/Bad%20Id", body("eu", creds), 400, "channel id"},
		{"/api/v1/tenants/demo/channels/tg2", strings.Replace(body("eu", creds), `"telegram"`, `"icq"`, 1), 400, `kind \"icq\"`},
		{"/api/v1/tenants/demo/channels/tg2", body("eu", map[string]string{"bot_token": "x"}), 400, "need secret_token"},
		{"/api/v1/tenants/demo/channels/tg2", body("eu", map[string]string{"bot_token": "x", "secret_token": "y", "password": "z"}), 400, `\"password\" is not a Telegram credential`},
		{"/api/v1/tenants/demo/channels/tg2", body("apac", creds), 409, "no edge of region"},
		{"/api/v1/tenants/demo/channels/tg2", strings.Replace(body("eu", creds), p.APIBase(), "http://api.example.com", 1), 400, "api_base"},
	} {
		resp, err := h.Do(http.MethodPut, r.path, r.body)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != r.status || !strings.Contains(string(b), r.want) {
			t.Errorf("PUT %s: %d %s, want %d saying %q", r.path, resp.StatusCode, b, r.status, r.want)
		}
	}
	if resp, err := h.Do(http.MethodDelete, "/api/v1/tenants/other/channels/tg-eu", ""); err != nil || resp.StatusCode != 404 {
		t.Fatalf("another tenant deletes the channel: %v %v", resp, err)
	}

	// no credential in clear in any file of the hub or the edges
	for _, dir := range []string{h.Config.DataDir, eu.Config.DataDir, us.Config.DataDir} {
		if found := scan(t, dir, creds["bot_token"], creds["secret_token"], "an-old-secret-token"); len(found) > 0 {
			t.Errorf("files under %s hold credentials in clear: %v", dir, found)
		}
	}

	// deleted: the webhook is gone
	if resp, err := h.Do(http.MethodDelete, "/api/v1/tenants/demo/channels/tg-eu", ""); err != nil || resp.StatusCode != 200 {
		t.Fatalf("DELETE: %v %v", resp, err)
	}
	eventually(t, "eu-1 drops the deleted channel", func() error {
		status, _, err := p.Say(ctx, hook, "cust-1", "after the delete")
		if err != nil || status != 404 {
			return fmt.Errorf("%d %v", status, err)
		}
		return nil
	})

	// the region's key outlives a restart of the hub with its edges away
	eu.Stop()
	us.Stop()
	h.Restart()
	put(t, h, "/api/v1/tenants/demo/channels/tg-eu", body("eu", creds), 200)
}
