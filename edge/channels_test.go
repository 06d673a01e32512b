package edge_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge"
	"github.com/edgedesk/edgedesk/edge/channels/channeltest"
	"github.com/edgedesk/edgedesk/edge/channels/telegram/telegramtest"
	"github.com/edgedesk/edgedesk/edge/channels/wechat/wechattest"
	"github.com/edgedesk/edgedesk/edge/channels/wecom/wecomtest"
	"github.com/edgedesk/edgedesk/edge/channels/whatsapp/whatsapptest"
	"github.com/edgedesk/edgedesk/edge/channels/x/xtest"
	"github.com/edgedesk/edgedesk/edge/config"
	"github.com/edgedesk/edgedesk/edge/conversation"
	"github.com/edgedesk/edgedesk/edge/edgetest"
	"github.com/edgedesk/edgedesk/edge/protocol"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
)

// platforms are the local fakes of every platform an edge speaks.
func platforms(t *testing.T) []channeltest.Platform {
	return []channeltest.Platform{wechattest.New(t), wecomtest.New(t), xtest.New(t), telegramtest.New(t), whatsapptest.New(t)}
}

// TestChannelsCarryConversations drives each platform's fake through a
// real edge: a customer's message (verified, recorded once across the
// platform's retries and a restart), an image (fetched from the platform
// into an attachment), a forged request (refused, counted, nothing
// recorded), a body too large, and an agent's reply (sent through the
// platform's API, its delivery recorded).
func TestChannelsCarryConversations(t *testing.T) {
	for _, p := range platforms(t) {
		t.Run(p.Kind(), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cfg := edgetest.Config(t)
			id := p.Kind() + "-support"
			cfg.Channels = []config.Channel{{ID: id, Kind: p.Kind(), Tenant: edge.DemoTenant, Inbox: edge.DemoInbox,
				Credentials: p.Credentials(), APIBase: p.APIBase()}}
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			e := edgetest.Start(t, cfg)
			hook := e.URL + "/channels/" + p.Kind() + "/" + id
			st := e.Store()

			status, _, err := p.Say(ctx, hook, "cust-1", "Hello from "+p.Kind()+" 你好")
			if err != nil || status != http.StatusOK {
				t.Fatalf("the customer's message: status %d, %v", status, err)
			}
			conv := waitChannelConv(t, st, p.Kind())
			waitText(t, st, conv.ID, "Hello from "+p.Kind()+" 你好")
			if conv.Channel != p.Kind() {
				t.Fatalf("conversation channel %q, want %q", conv.Channel, p.Kind())
			}
			if pl, err := st.Platform(edge.DemoTenant, conv.ID); err != nil || pl.Channel != id || pl.From == "" {
				t.Fatalf("the conversation's platform address: %+v %v", pl, err)
			}
			// the platform's retry, then the same after a restart: once
			if code, err := p.Resend(ctx, hook); err != nil || code != http.StatusOK {
				t.Fatalf("a retry: %d %v", code, err)
			}
			e.Restart()
			hook = e.URL + "/channels/" + p.Kind() + "/" + id
			st = e.Store()
			if code, err := p.Resend(ctx, hook); err != nil || code != http.StatusOK {
				t.Fatalf("a retry after a restart: %d %v", code, err)
			}
			// forged: refused with a client error, nothing recorded
			if code, err := p.Forged(ctx, hook, "cust-1", "forged text"); err != nil || code < 400 || code >= 500 {
				t.Fatalf("a forged request got %d (%v), want a 4xx", code, err)
			}
			big, _ := http.NewRequestWithContext(ctx, "POST", hook, bytes.NewReader(make([]byte, 8<<20)))
			if resp, err := http.DefaultClient.Do(big); err != nil || resp.StatusCode != http.StatusRequestEntityTooLarge {
				t.Fatalf("an 8 MiB body: %v %v", resp, err)
			} else {
				resp.Body.Close()
			}
			pic := pngOf(t)
			if status, _, err := p.SayImage(ctx, hook, "cust-1", pic); err != nil || status != http.StatusOK {
				t.Fatalf("the customer's image: %d %v", status, err)
			}
			att := waitAttachment(t, st, conv.ID)
			if a, err := st.Attachment(edge.DemoTenant, att); err != nil || a.SHA256 != sha(pic) || a.Size != int64(len(pic)) {
				t.Fatalf("the image stored as %+v (%v), want %d bytes %s", a, err, len(pic), sha(pic))
			}
			texts := customerTexts(t, st, conv.ID)
			if n := count(texts, "Hello from "+p.Kind()+" 你好"); n != 1 {
				t.Fatalf("the message is recorded %d times: %q", n, texts)
			}
			if slices.ContainsFunc(texts, func(s string) bool { return strings.Contains(s, "forged") }) {
				t.Fatalf("the forged message was recorded: %q", texts)
			}
			checkRefusedMetric(t, e, p.Kind())

			// the agent's reply goes out through the platform's API
			cs := e.Node.Conversations()
			agent := conversation.Agent(edge.DemoTenant, "agent-alice", conversation.Web)
			c, _ := st.Conversation(edge.DemoTenant, conv.ID)
			reply := "Thanks, we are on it (" + p.Kind() + ")"
			if _, err := cs.Post(ctx, agent, c, conversation.Post{ClientID: "reply-1", Text: reply}); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(20 * time.Second)
			for !slices.Contains(p.Received("cust-1"), reply) {
				if time.Now().After(deadline) {
					t.Fatalf("the platform got %q, not the reply; timeline %v", p.Received("cust-1"), deliveries(t, st, conv.ID))
				}
				time.Sleep(50 * time.Millisecond)
			}
			waitDelivery(t, st, conv.ID, event.DeliverySent)
			if st, ok := p.(channeltest.Statuses); ok {
				ds := deliveries(t, e.Store(), conv.ID)
				var sent string
				for _, d := range ds {
					if d.Status == event.DeliverySent {
						sent = strings.Fields(d.MessageID)[0]
					}
				}
				if code, err := st.Status(ctx, hook, "cust-1", sent, "read"); err != nil || code != http.StatusOK {
					t.Fatalf("a read status: %d %v", code, err)
				}
				waitDelivery(t, e.Store(), conv.ID, event.DeliveryRead)
			}
		})
	}
}

func waitChannelConv(t *testing.T, st *state.Store, channel string) *state.ConversationRec {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		convs, _, err := st.Conversations(edge.DemoTenant, nil, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		for i := range convs {
			if convs[i].Channel == channel {
				return &convs[i]
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s conversation", channel)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func timeline(t *testing.T, st *state.Store, conv string) []state.Item {
	t.Helper()
	items, _, err := st.Timeline(edge.DemoTenant, conv, 0, 1000, true)
	if err != nil {
		t.Fatal(err)
	}
	return items
}

func customerTexts(t *testing.T, st *state.Store, conv string) []string {
	var out []string
	for _, it := range timeline(t, st, conv) {
		if it.Kind == "message" && it.ActorKind == event.ActorCustomer {
			out = append(out, it.Text)
		}
	}
	return out
}

func waitText(t *testing.T, st *state.Store, conv, text string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !slices.Contains(customerTexts(t, st, conv), text) {
		if time.Now().After(deadline) {
			t.Fatalf("no customer message %q: %q", text, customerTexts(t, st, conv))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func waitAttachment(t *testing.T, st *state.Store, conv string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		for _, it := range timeline(t, st, conv) {
			if it.Kind == "message" && len(it.Attachments) > 0 {
				return it.Attachments[0]
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no message with an attachment: %q", customerTexts(t, st, conv))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func deliveries(t *testing.T, st *state.Store, conv string) []event.Delivery {
	var out []event.Delivery
	for _, it := range timeline(t, st, conv) {
		if it.Delivery != nil {
			out = append(out, *it.Delivery)
		}
	}
	return out
}

func waitDelivery(t *testing.T, st *state.Store, conv, status string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !slices.ContainsFunc(deliveries(t, st, conv), func(d event.Delivery) bool { return d.Status == status }) {
		if time.Now().After(deadline) {
			t.Fatalf("no %s delivery: %+v", status, deliveries(t, st, conv))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func checkRefusedMetric(t *testing.T, e *edgetest.Edge, kind string) {
	t.Helper()
	resp, err := http.Get(e.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	want := fmt.Sprintf(`edgedesk_channel_refused_total{code="too_large",kind=%q} 1`, kind)
	if !strings.Contains(string(b), want) || !strings.Contains(string(b), fmt.Sprintf(`edgedesk_channel_requests_total{kind=%q,result="refused"} 2`, kind)) {
		t.Fatalf("metrics lack %s and two refusals:\n%s", want, grepLines(string(b), "edgedesk_channel"))
	}
}

func grepLines(s, sub string) string {
	var out []string
	for l := range strings.Lines(s) {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "")
}

func count(s []string, v string) int {
	n := 0
	for _, x := range s {
		if x == v {
			n++
		}
	}
	return n
}

func pngOf(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	img.Set(3, 3, color.RGBA{200, 30, 30, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// TestWeChatPassiveReply: a rule's acknowledgement of a WeChat message
// rides in the webhook's answer (encrypted in safe mode), recorded sent
// once; the agent's later reply goes by the customer-service API.
func TestWeChatPassiveReply(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p := wechattest.New(t)
	cfg := edgetest.Config(t)
	cfg.Channels = []config.Channel{{ID: "wx", Kind: "wechat", Tenant: edge.DemoTenant, Inbox: edge.DemoInbox,
		Credentials: p.Credentials(), APIBase: p.APIBase()}}
	e := edgetest.Start(t, cfg)
	alice := e.Agent("alice@demo.test", "all")
	if _, err := alice.Request(ctx, &protocol.InFrame{Type: "rules_set", Rules: []protocol.Rule{{ID: "ack", Name: "Acknowledge WeChat", When: []string{"message_in"},
		Conditions: []protocol.Condition{{Field: "channel", Op: "is", Value: "wechat"}, {Field: "tags", Op: "not_contains", Values: []string{"acked"}}},
		Actions:    []protocol.Action{{Type: "add_tags", Tags: []string{"acked"}}, {Type: "reply", Text: "收到，我们会尽快回复您。"}}}}}); err != nil {
		t.Fatal(err)
	}
	hook := e.URL + "/channels/wechat/wx"
	if status, _, err := p.Say(ctx, hook, "o-user-1", "我的订单在哪里？"); err != nil || status != http.StatusOK {
		t.Fatalf("say: %d %v", status, err)
	}
	// the fake took the reply from the webhook's answer, before any API call
	if got := p.Received("o-user-1"); !slices.Equal(got, []string{"收到，我们会尽快回复您。"}) {
		t.Fatalf("the customer got %q in the answer, want the rule's reply", got)
	}
	conv := waitChannelConv(t, e.Store(), "wechat")
	waitDelivery(t, e.Store(), conv.ID, event.DeliverySent)
	if ds := deliveries(t, e.Store(), conv.ID); len(ds) != 1 || ds[0].Detail != "passive reply" {
		t.Fatalf("deliveries %+v, want one passive", ds)
	}
	c, _ := e.Store().Conversation(edge.DemoTenant, conv.ID)
	if _, err := e.Node.Conversations().Post(ctx, conversation.Agent(edge.DemoTenant, "agent-alice", conversation.Web), c,
		conversation.Post{ClientID: "later", Text: "您的订单明天到。"}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !slices.Equal(p.Received("o-user-1"), []string{"收到，我们会尽快回复您。", "您的订单明天到。"}) {
		if time.Now().After(deadline) {
			t.Fatalf("the customer got %q", p.Received("o-user-1"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestChannelReplyOutcomes: a reply the platform cannot take now
// (Telegram's 429) is deferred and sent on the next try, in order with
// the reply after it; one it refuses for good (the customer blocked the
// bot) fails with a reason the agent can act on, and is not tried again.
func TestChannelReplyOutcomes(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p := telegramtest.New(t)
	cfg := edgetest.Config(t)
	cfg.Channels = []config.Channel{{ID: "tg", Kind: "telegram", Tenant: edge.DemoTenant, Inbox: edge.DemoInbox,
		Credentials: p.Credentials(), APIBase: p.APIBase()}}
	e := edgetest.Start(t, cfg)
	hook := e.URL + "/channels/telegram/tg"
	if status, _, err := p.Say(ctx, hook, "ann", "Hi"); err != nil || status != http.StatusOK {
		t.Fatalf("say: %d %v", status, err)
	}
	conv := waitChannelConv(t, e.Store(), "telegram")
	cs := e.Node.Conversations()
	alice := conversation.Agent(edge.DemoTenant, "agent-alice", conversation.Web)
	p.Limit(1)
	for i, text := range []string{"first", "second"} {
		c, _ := e.Store().Conversation(edge.DemoTenant, conv.ID)
		if _, err := cs.Post(ctx, alice, c, conversation.Post{ClientID: "r" + strconv.Itoa(i), Text: text}); err != nil {
			t.Fatal(err)
		}
	}
	waitDelivery(t, e.Store(), conv.ID, event.DeliveryDeferred)
	deadline := time.Now().Add(20 * time.Second) // the first retry is 5 s later
	for !slices.Equal(p.Received("ann"), []string{"first", "second"}) {
		if time.Now().After(deadline) {
			t.Fatalf("the customer got %q, want first then second", p.Received("ann"))
		}
		time.Sleep(50 * time.Millisecond)
	}
	// the customer has the second reply before its outcome is in the log
	ds := deliveries(t, e.Store(), conv.ID)
	for len(ds) < 3 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		ds = deliveries(t, e.Store(), conv.ID)
	}
	if len(ds) != 3 || ds[0].Status != event.DeliveryDeferred || ds[0].Attempts != 1 || !strings.Contains(ds[0].Detail, "sending rate") {
		t.Fatalf("deliveries %+v, want deferred (the 429) then two sent", ds)
	}

	p.Block("ann")
	c, _ := e.Store().Conversation(edge.DemoTenant, conv.ID)
	if _, err := cs.Post(ctx, alice, c, conversation.Post{ClientID: "r-blocked", Text: "are you there?"}); err != nil {
		t.Fatal(err)
	}
	waitDelivery(t, e.Store(), conv.ID, event.DeliveryFailed)
	calls := p.Calls("sendMessage")
	time.Sleep(time.Second)
	if p.Calls("sendMessage") != calls {
		t.Fatal("a reply that failed for good was sent again")
	}
	for _, d := range deliveries(t, e.Store(), conv.ID) {
		if d.Status == event.DeliveryFailed && !strings.Contains(strings.ToLower(d.Detail), "blocked") {
			t.Fatalf("the failure says %q, not that the customer blocked the bot", d.Detail)
		}
	}
	if out, _ := e.Store().SocialOutbox(0); len(out) != 0 {
		t.Fatalf("the outbox still holds %+v", out)
	}
}

// TestWeComSessionEnds: WeCom keeps a session with each customer; a reply
// moves it to the API's reception, and solving the conversation ends it
// (state 4), once, with no item in the timeline.
func TestWeComSessionEnds(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p := wecomtest.New(t)
	cfg := edgetest.Config(t)
	cfg.Channels = []config.Channel{{ID: "kf", Kind: "wecom", Tenant: edge.DemoTenant, Inbox: edge.DemoInbox,
		Credentials: p.Credentials(), APIBase: p.APIBase()}}
	e := edgetest.Start(t, cfg)
	if status, _, err := p.Say(ctx, e.URL+"/channels/wecom/kf", "wm-ann", "退货怎么办？"); err != nil || status != http.StatusOK {
		t.Fatalf("say: %d %v", status, err)
	}
	conv := waitChannelConv(t, e.Store(), "wecom")
	waitText(t, e.Store(), conv.ID, "退货怎么办？")
	cs := e.Node.Conversations()
	alice := conversation.Agent(edge.DemoTenant, "agent-alice", conversation.Web)
	c, _ := e.Store().Conversation(edge.DemoTenant, conv.ID)
	if _, err := cs.Post(ctx, alice, c, conversation.Post{ClientID: "r1", Text: "请在订单页面申请退货。"}); err != nil {
		t.Fatal(err)
	}
	waitDelivery(t, e.Store(), conv.ID, event.DeliverySent)
	if st := p.State("wm-ann"); st != wecomtest.StateAssistant {
		t.Fatalf("after the reply the session is in state %d, want %d", st, wecomtest.StateAssistant)
	}
	if _, err := cs.SetStatus(ctx, alice, conv.ID, event.StatusSolved, 0); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for p.State("wm-ann") != wecomtest.StateEnded {
		if time.Now().After(deadline) {
			t.Fatalf("the session is in state %d after the solve, want %d", p.State("wm-ann"), wecomtest.StateEnded)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if out, _ := e.Store().SocialOutbox(0); len(out) != 0 {
		t.Fatalf("the outbox still holds %+v", out)
	}
	if ds := deliveries(t, e.Store(), conv.ID); len(ds) != 1 {
		t.Fatalf("deliveries %+v, want the reply's only", ds)
	}
}

// TestWhatsAppTemplateOutsideTheWindow: past WhatsApp's 24 hours a free
// text the platform refuses fails with what to do; a template, sent
// through the REST API, goes.
func TestWhatsAppTemplateOutsideTheWindow(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p := whatsapptest.New(t)
	cfg := edgetest.Config(t)
	cfg.Channels = []config.Channel{{ID: "wa", Kind: "whatsapp", Tenant: edge.DemoTenant, Inbox: edge.DemoInbox,
		Credentials: p.Credentials(), APIBase: p.APIBase()}}
	e := edgetest.Start(t, cfg)
	if status, _, err := p.Say(ctx, e.URL+"/channels/whatsapp/wa", "ana", "Oi, meu pedido?"); err != nil || status != http.StatusOK {
		t.Fatalf("say: %d %v", status, err)
	}
	conv := waitChannelConv(t, e.Store(), "whatsapp")
	p.Expire("ana") // the platform's 24 hours passed (the edge's clock has not)
	post := func(body string) (int, string) {
		return adminDo(t, e, "POST", "/api/v1/conversations/"+conv.ID+"/messages?tenant="+edge.DemoTenant, e.AdminToken(), body)
	}
	if code, body := post(`{"text":"Still there?","sender":{"type":"agent","id":"agent-alice"}}`); code != http.StatusCreated {
		t.Fatalf("free text: %d %s", code, body)
	}
	waitDelivery(t, e.Store(), conv.ID, event.DeliveryFailed)
	var failed event.Delivery
	for _, d := range deliveries(t, e.Store(), conv.ID) {
		if d.Status == event.DeliveryFailed {
			failed = d
		}
	}
	if !strings.Contains(failed.Detail, "template") {
		t.Fatalf("the failure says %q, not to send a template", failed.Detail)
	}
	code, body := post(`{"template":{"name":"order_update","language":"pt_BR","params":["#1042","amanhã"]},"sender":{"type":"agent","id":"agent-alice"}}`)
	if code != http.StatusCreated || !strings.Contains(body, `"template":{"name":"order_update","language":"pt_BR","params":["#1042","amanhã"]}`) ||
		!strings.Contains(body, `"text":"Template order_update (pt_BR): #1042 · amanhã"`) {
		t.Fatalf("template: %d %s", code, body)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !slices.Contains(p.Received("ana"), "template:order_update") {
		if time.Now().After(deadline) {
			t.Fatalf("the customer got %q", p.Received("ana"))
		}
		time.Sleep(20 * time.Millisecond)
	}
	// refused before the log: a template where the platform has none, a
	// bad name, a template as a note
	for _, bad := range []string{
		`{"template":{"name":"Order Update","language":"pt_BR"},"sender":{"type":"agent","id":"agent-alice"}}`,
		`{"template":{"name":"order_update","language":"portuguese"},"sender":{"type":"agent","id":"agent-alice"}}`,
		`{"template":{"name":"order_update","language":"pt_BR"},"private":true,"sender":{"type":"agent","id":"agent-alice"}}`,
	} {
		if code, body := post(bad); code != http.StatusUnprocessableEntity || !strings.Contains(body, "template") {
			t.Errorf("%s: %d %s", bad, code, body)
		}
	}
}
