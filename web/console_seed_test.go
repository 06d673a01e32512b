package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/edgedesk/edgedesk/edge"
	"github.com/edgedesk/edgedesk/edge/client"
	"github.com/edgedesk/edgedesk/edge/edgetest"
	"github.com/edgedesk/edgedesk/internal/event"
)

// seeder appends events straight to an edge's journal, as its own
// gateway would, many in flight at once: the browser tests of the console
// get hundreds of conversations and messages in a second or two.
type seeder struct {
	t  testing.TB
	e  *edgetest.Edge
	wg sync.WaitGroup
	mu sync.Mutex
	n  int
	at int64 // the time of the next event (unix ms); each one is later

	pending []uint64 // sequences of customer messages to read
}

func newSeeder(t testing.TB, e *edgetest.Edge, from time.Time) *seeder {
	return &seeder{t: t, e: e, at: from.UnixMilli()}
}

// add appends e (tenant demo) at the seeder's clock, moved on by step,
// and calls done with its sequence once applied.
func (s *seeder) add(step time.Duration, e *event.Event, done func(seq uint64)) {
	s.at += step.Milliseconds()
	e.Tenant, e.TS = edge.DemoTenant, s.at
	s.n++
	s.wg.Add(1)
	s.e.Journal().AppendAsync(e, func(seq uint64, _ bool, err error) {
		defer s.wg.Done()
		if err != nil {
			s.t.Errorf("seed %s: %v", e.Kind, err)
			return
		}
		if done != nil {
			done(seq)
		}
	})
}

// wait waits until every event added is applied.
func (s *seeder) wait() {
	s.wg.Wait()
	if s.t.Failed() {
		s.t.FailNow()
	}
}

var customerActor = func(id string) event.Actor { return event.Actor{Kind: event.ActorCustomer, ID: id} }

func (s *seeder) contact(id, name, email, external string) {
	s.add(time.Millisecond, &event.Event{Kind: event.KindContactUpserted, Actor: customerActor(id),
		Contact: &event.Contact{ID: id, Inbox: edge.DemoInbox, Name: name, Email: email, ExternalID: external}}, nil)
}

// open opens conversation conv of contact, assigned to assignee ("" for
// nobody) as a routing plugin would.
func (s *seeder) open(step time.Duration, conv, contact, assignee, priority string) {
	o := &event.ConvOpened{Conv: conv, Inbox: edge.DemoInbox, Contact: contact, Assignee: assignee, ClientID: "web",
		Language: "en", Priority: priority}
	if assignee != "" {
		o.RoutedBy, o.RouteNote = "routing@1.0.0", "English; the agent with the fewest open chats"
	}
	s.add(step, &event.Event{Kind: event.KindConversationOpened, Actor: customerActor(contact), Conversation: o}, nil)
}

// message adds a message by actor (a customer's or an agent's) with text
// and files, and, for a customer's, an NLP reading of it as the plugin
// would add one; done gets the message's seq.
func (s *seeder) message(step time.Duration, conv string, actor event.Actor, cid, text string, files ...string) {
	s.add(step, &event.Event{Kind: event.KindMessageCreated, Actor: actor,
		Message: &event.Message{Conv: conv, ClientID: cid, Text: text, Attachments: files}}, nil)
}

func (s *seeder) analyse(conv string, seq uint64, intent, sentiment string) {
	s.add(time.Millisecond, &event.Event{Kind: event.KindMessageAnalyzed, Actor: event.Actor{Kind: event.ActorSystem, ID: "nlp"},
		Analysis: &event.Analysis{Conv: conv, Message: seq, Language: "en", LanguageConfidence: 97, Intent: intent, IntentConfidence: 81,
			Sentiment: sentiment, Plugin: "nlp@1.0.0"}}, nil)
}

func (s *seeder) status(step time.Duration, conv, status string, until int64, by string) {
	s.add(step, &event.Event{Kind: event.KindStatusChanged, Actor: event.Actor{Kind: event.ActorAgent, ID: by},
		Status: &event.StatusChange{Conv: conv, Status: status, SnoozeUntil: until}}, nil)
}

func (s *seeder) rate(step time.Duration, conv, contact string, score int) {
	s.add(step, &event.Event{Kind: event.KindConversationRated, Actor: customerActor(contact),
		Rating: &event.Rating{Conv: conv, Score: score}}, nil)
}

// uploadFile stores a file through the edge's HTTP API with an agent's token
// and returns its attachment id.
func uploadFile(t testing.TB, e *edgetest.Edge, name, ctype string, body []byte) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	tok, err := client.Login(ctx, e.URL, "alice@demo.test", edge.DemoPassword)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, e.URL+"/api/v1/attachments?name="+name, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", ctype)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var a struct{ ID string }
	if err := json.NewDecoder(res.Body).Decode(&a); err != nil || res.StatusCode != http.StatusCreated {
		t.Fatalf("upload %s: %d %v", name, res.StatusCode, err)
	}
	return a.ID
}

// longConversation seeds conversation conv of a named customer with n
// messages, customer and agent in turn, 7 minutes apart, each customer
// message read by the NLP plugin soon after, as on a real edge: the
// readings are in the history pages between the messages (in chunks of
// 40 messages, so that the seeding keeps many events in flight).
func (s *seeder) longConversation(conv, contact, name string, n int) {
	s.contact(contact, name, "", "")
	s.open(time.Minute, conv, contact, "agent-bob", "")
	for i := 1; i <= n; i++ {
		actor, cid, text := customerActor(contact), fmt.Sprintf("m%d", i), fmt.Sprintf("Message %d of %d", i, n)
		if i%2 == 0 {
			actor = event.Actor{Kind: event.ActorAgent, ID: "agent-bob"}
		}
		s.add(7*time.Minute, &event.Event{Kind: event.KindMessageCreated, Actor: actor,
			Message: &event.Message{Conv: conv, ClientID: cid, Text: text}}, func(seq uint64) {
			if actor.Kind != event.ActorCustomer {
				return
			}
			s.mu.Lock()
			defer s.mu.Unlock()
			s.pending = append(s.pending, seq)
		})
		if i%40 == 0 || i == n {
			s.wait()
			s.mu.Lock()
			seqs := s.pending
			s.pending = nil
			s.mu.Unlock()
			for _, seq := range seqs {
				s.analyse(conv, seq, "order_status", "neutral")
			}
			s.wait()
		}
	}
}

// openMail opens e-mail conversation conv of contact, as the edge's mail
// channel does when a new mail arrives.
func (s *seeder) openMail(step time.Duration, conv, contact, assignee string) {
	s.add(step, &event.Event{Kind: event.KindConversationOpened, Actor: customerActor(contact),
		Conversation: &event.ConvOpened{Conv: conv, Inbox: edge.DemoInbox, Contact: contact, Assignee: assignee, ClientID: "mail",
			Channel: "email"}}, nil)
}

// mail adds a customer's e-mail to conv: a message of the e-mail channel
// with its headers (m), its quoted part and verdicts as the edge's mail
// channel records them.
func (s *seeder) mail(step time.Duration, conv, contact, cid, text string, m *event.Email) {
	s.add(step, &event.Event{Kind: event.KindMessageCreated, Actor: customerActor(contact),
		Message: &event.Message{Conv: conv, ClientID: cid, Text: text, Channel: "email", Email: m}}, nil)
}

// reply adds agent's reply to conv and returns its seq, once applied: a
// delivery refers to it.
func (s *seeder) reply(step time.Duration, conv, agent, cid, text string) uint64 {
	var seq uint64
	s.add(step, &event.Event{Kind: event.KindMessageCreated, Actor: event.Actor{Kind: event.ActorAgent, ID: agent},
		Message: &event.Message{Conv: conv, ClientID: cid, Text: text}}, func(n uint64) { seq = n })
	s.wait()
	return seq
}

// delivery records what became of the mail of the message at ref, as the
// edge's mail sender does.
func (s *seeder) delivery(step time.Duration, d event.Delivery) {
	s.add(step, &event.Event{Kind: event.KindEmailDelivery, Actor: event.Actor{Kind: event.ActorSystem, ID: "email"}, Delivery: &d}, nil)
}

// The e-mail conversation of seedMail.
const (
	mailSubject = "Teapot arrived in the wrong colour (order #2071)"
	mailDetail  = "552 5.2.2 <wei@example.cn>: mailbox full"
)

// seedMail gives the demo tenant two e-mail conversations: an automatic
// reply, and Wei Zhang's thread of three mails (the second's DMARC
// failed, the third is a reply in Chinese quoting Alice's first answer,
// with Li Na in copy) and Alice's two replies, the first sent, the second
// deferred and then not delivered. It returns the thread's id.
func seedMail(s *seeder) (auto, conv string) {
	auto, conv = "c-mail-auto", "c-mail-teapot"
	inbox := &event.Address{Name: "Demo Shop", Addr: "support@demo-shop.test"}
	wei := &event.Address{Name: "Wei Zhang", Addr: "wei@example.cn"}
	s.contact("v-grace", "Grace Hopper", "grace@example.com", "")
	// both assigned as they open: routing, which hands the waiting ones to
	// the agent who signs in, leaves them where they are in the list
	s.openMail(3*time.Minute, auto, "v-grace", "agent-alice")
	s.mail(time.Second, auto, "v-grace", "e1", "I am out of the office until Monday 8 December, with limited access to e-mail.",
		&event.Email{MessageID: "ooo.5521@example.com", Subject: "Automatic reply: Your order #2088 has shipped",
			From: &event.Address{Name: "Grace Hopper", Addr: "grace@example.com"}, To: []event.Address{*inbox},
			SPF: "pass", DKIM: "pass", DMARC: "pass", Auto: true})

	s.contact("v-wei", "Wei Zhang", "wei@example.cn", "")
	s.openMail(4*time.Minute, conv, "v-wei", "agent-alice")
	s.mail(time.Second, conv, "v-wei", "e1",
		"Hello,\n\nI ordered the celadon teapot (order #2071), but the one that arrived is dark blue. Could you exchange it?\n\nBest regards,\nWei",
		&event.Email{MessageID: "CAH7x1Qm.2071@mail.example.cn", Subject: mailSubject, From: wei, To: []event.Address{*inbox},
			SPF: "pass", DKIM: "pass", DMARC: "pass"})
	first := s.reply(6*time.Minute, conv, "agent-alice", "r1",
		"Hi Wei,\n\nSorry about that! I have sent a return label to this address. Once the blue one is on its way back, we ship the celadon teapot.\n\nAlice")
	s.delivery(time.Second, event.Delivery{Conv: conv, Ref: first, Status: event.DeliverySent, MessageID: "edk.r1.2071@demo-shop.test", Attempts: 1})
	s.mail(7*time.Minute, conv, "v-wei", "e2",
		"Please refund the order to my new bank account instead: GB29 NWBK 6016 1331 9268 19. It is urgent.",
		&event.Email{MessageID: "9f3c.refund@bulk-mailer.example", InReplyTo: "edk.r1.2071@demo-shop.test", Subject: "Re: " + mailSubject,
			From: wei, To: []event.Address{*inbox}, SPF: "softfail", DKIM: "none", DMARC: "fail"})
	second := s.reply(4*time.Minute, conv, "agent-alice", "r2",
		"Hi Wei,\n\nFor your security we only refund to the card you paid with. Did you send the message about a new bank account?\n\nAlice")
	s.delivery(time.Second, event.Delivery{Conv: conv, Ref: second, Status: event.DeliveryDeferred, Detail: "452 4.2.2 mailbox full, try again later",
		Attempts: 1, Next: time.UnixMilli(s.at).Add(5 * time.Minute).UnixMilli()})
	s.delivery(3*time.Minute, event.Delivery{Conv: conv, Ref: second, Status: event.DeliveryFailed, Detail: mailDetail, Attempts: 3})
	// a reply in Chinese from Gmail, quoting Alice's first answer, and a signature
	quoted := "在 2026年12月4日周五 18:10，Demo Shop <support@demo-shop.test> 写道：\n> Hi Wei,\n>\n> Sorry about that! I have sent a return label to this address.\n> Once the blue one is on its way back, we ship the celadon teapot.\n>\n> Alice\n\n-- \n张伟 · 上海"
	s.mail(9*time.Minute, conv, "v-wei", "e3",
		"你好，Alice：\n\n关于退款到新银行账户的那封邮件不是我发的，请不要理会。\n退货标签已经收到，谢谢！我的同事李娜也在抄送中，她会帮我寄回茶壶。\n\n张伟",
		&event.Email{MessageID: "CAH7x1Qm.2072@mail.example.cn", InReplyTo: "edk.r1.2071@demo-shop.test",
			References: []string{"CAH7x1Qm.2071@mail.example.cn", "edk.r1.2071@demo-shop.test"}, Subject: "Re: " + mailSubject, From: wei,
			To: []event.Address{{Addr: "support+r1t0k3n@demo-shop.test"}}, Cc: []event.Address{{Name: "Li Na", Addr: "li.na@example.cn"}},
			Quoted: quoted, SPF: "pass", DKIM: "pass", DMARC: "pass"})
	s.wait()
	return auto, conv
}

// The social conversations of seedSocial.
const (
	socialDetail = "the customer no longer follows the account: WeChat delivers nothing to them until they follow it again (errcode 43004)"
	// whatsappChannel is the WhatsApp channel the seeded customers wrote
	// by: the one the console's test configures (a local fake of the
	// platform), so that a template sent from the console goes out.
	whatsappChannel = "whatsapp-demo"
	// joaoWhatsApp is João's number on WhatsApp: where the fake receives
	// what the edge sends him.
	joaoWhatsApp = "5521998765432"
	// seededOrigin is the node the seeded replies say accepted them: not
	// the edge under test, whose channels send only the replies it
	// accepted, so the seeded replies' deliveries stay as seeded.
	seededOrigin = "seed-node"
)

// socialContact records a messaging platform's customer as the edge's
// channels do: named by the platform, with the platform's label, their
// handle and their page there as attributes (keys in order, none empty).
func (s *seeder) socialContact(id, name string, attrs map[string]string) {
	var pairs []event.Attribute
	for _, k := range []string{"avatar", "channel", "handle", "profile_url"} {
		if v := attrs[k]; v != "" {
			pairs = append(pairs, event.Attribute{Key: k, Value: v})
		}
	}
	s.add(time.Millisecond, &event.Event{Kind: event.KindContactUpserted, Actor: event.Actor{Kind: event.ActorSystem, ID: "channels"},
		Contact: &event.Contact{ID: id, Inbox: edge.DemoInbox, Name: name, Attributes: &event.Attributes{Pairs: pairs}}}, nil)
}

// openSocial opens conversation conv of contact on a messaging platform
// (channel), assigned to assignee as it opens.
func (s *seeder) openSocial(conv, contact, assignee, channel string) {
	s.add(time.Second, &event.Event{Kind: event.KindConversationOpened, Actor: customerActor(contact),
		Conversation: &event.ConvOpened{Conv: conv, Inbox: edge.DemoInbox, Contact: contact, Assignee: assignee, ClientID: channel + "-" + conv,
			Channel: channel, RoutedBy: "builtin"}}, nil)
}

// chat adds a customer's message that came by a messaging platform at the
// seeder's clock, set to at.
func (s *seeder) chat(at time.Time, conv, contact, channel, from, cid, text string) {
	s.at = at.UnixMilli() - 1
	s.add(time.Millisecond, &event.Event{Kind: event.KindMessageCreated, Actor: customerActor(contact),
		Message: &event.Message{Conv: conv, ClientID: cid, Text: text, Channel: channel,
			Platform: &event.Platform{Channel: channel + "-demo", From: from, ID: channel + "." + cid}}}, nil)
}

// socialReply adds agent's reply at at and what became of it on the
// platform: one delivery item per status, a few seconds apart. The reply
// is another node's (seededOrigin): the edge's channels never send it.
func (s *seeder) socialReply(at time.Time, conv, agent, cid, text string, statuses []event.Delivery) {
	s.at = at.UnixMilli() - 1
	var seq uint64
	s.add(time.Millisecond, &event.Event{Kind: event.KindMessageCreated, Origin: seededOrigin, Actor: event.Actor{Kind: event.ActorAgent, ID: agent},
		Message: &event.Message{Conv: conv, ClientID: cid, Text: text}}, func(n uint64) { seq = n })
	s.wait()
	for i, d := range statuses {
		d.Conv, d.Ref = conv, seq
		if d.Status == event.DeliverySent || d.Status == event.DeliveryFailed {
			d.Attempts = 1
		}
		s.add(time.Duration(4+i*40)*time.Second, &event.Event{Kind: event.KindChannelDelivery, Actor: event.Actor{Kind: event.ActorSystem, ID: "channels"},
			Delivery: &d}, nil)
	}
}

// note adds agent's private note at at.
func (s *seeder) note(at time.Time, conv, agent, cid, text string) {
	s.at = at.UnixMilli() - 1
	s.add(time.Millisecond, &event.Event{Kind: event.KindMessageCreated, Actor: event.Actor{Kind: event.ActorAgent, ID: agent},
		Message: &event.Message{Conv: conv, ClientID: cid, Text: text, Private: true}}, nil)
}

// seedSocial gives the demo tenant three conversations from messaging
// platforms, as the edge's channels record them: Ana Souza's on WhatsApp,
// whose 24-hour reply window has some 3 h 15 min left (she last wrote
// 20 h 45 min before now), Alice's replies delivered and read; and 微信用户
// Li's on WeChat, who last wrote 50 hours before now (the 48-hour window
// closed 2 hours ago), Alice's last reply not delivered. Each ends with a
// note of Alice's a few minutes ago, so that both are near the top of the
// list. And João Pereira's on WhatsApp, who last wrote 27 hours before
// now: its window closed 3 hours ago, and only a template reaches him. It
// returns their ids.
func seedSocial(s *seeder, now time.Time) (whatsapp, wechat, closed string) {
	whatsapp, wechat, closed = "c-whatsapp-ana", "c-wechat-li", "c-whatsapp-joao"
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	sent := func(st string) event.Delivery { return event.Delivery{Status: st} }

	s.at = ago(52*time.Hour + time.Minute).UnixMilli()
	s.socialContact("v-wechat-li", "微信用户 Li", map[string]string{"channel": "WeChat"})
	s.openSocial(wechat, "v-wechat-li", "agent-alice", "wechat")
	s.chat(ago(52*time.Hour), wechat, "v-wechat-li", "wechat", "oZ3x_5vLq8Kc2TWb", "w1", "你好，我在公众号上看到了青瓷茶壶，请问现在有货吗？")
	s.socialReply(ago(51*time.Hour+40*time.Minute), wechat, "agent-alice", "r1", "您好！青瓷茶壶有现货，今天下单，明天就能发货。",
		[]event.Delivery{sent(event.DeliverySent)})
	s.chat(ago(50*time.Hour), wechat, "v-wechat-li", "wechat", "oZ3x_5vLq8Kc2TWb", "w2", "好的。可以寄到北京吗？运费多少？")
	s.socialReply(ago(49*time.Hour+52*time.Minute), wechat, "agent-alice", "r2", "可以的，寄到北京免运费，一般三天左右送达。",
		[]event.Delivery{{Status: event.DeliveryFailed, Detail: socialDetail}})
	s.note(ago(6*time.Minute), wechat, "agent-alice", "n1", "Li unfollowed our account, so WeChat did not deliver the shipping answer. Waiting for Li to write again.")

	s.at = ago(22*time.Hour + 12*time.Minute).UnixMilli()
	s.socialContact("v-whatsapp-ana", "Ana Souza", map[string]string{"channel": "WhatsApp", "handle": "+55 11 98765-4321"})
	s.openSocial(whatsapp, "v-whatsapp-ana", "agent-alice", "whatsapp")
	s.chat(ago(22*time.Hour+10*time.Minute), whatsapp, "v-whatsapp-ana", "whatsapp", "5511987654321", "w1",
		"Oi! I ordered the celadon tea set on Monday (order #2093). Do you know when it ships?")
	s.socialReply(ago(22*time.Hour+4*time.Minute), whatsapp, "agent-alice", "r1",
		"Hi Ana! Your tea set is packed and leaves our warehouse tomorrow morning. I'll send you the tracking link as soon as it has one.",
		[]event.Delivery{sent(event.DeliverySent), sent(event.DeliveryDelivered), sent(event.DeliveryRead)})
	s.chat(ago(20*time.Hour+45*time.Minute), whatsapp, "v-whatsapp-ana", "whatsapp", "5511987654321", "w2",
		"Perfect, obrigada! Could you gift-wrap it? It's a birthday present for my mother.")
	s.socialReply(ago(20*time.Hour+41*time.Minute), whatsapp, "agent-alice", "r2",
		"Of course! Gift wrapping is on us, with a card that says “Feliz aniversário”.",
		[]event.Delivery{sent(event.DeliverySent), sent(event.DeliveryDelivered)})
	s.note(ago(4*time.Minute), whatsapp, "agent-alice", "n1", "Gift wrap and card added to order #2093 in the shop's admin.")

	s.at = ago(27*time.Hour + 5*time.Minute).UnixMilli()
	s.socialContact("v-whatsapp-joao", "João Pereira", map[string]string{"channel": "WhatsApp", "handle": "+55 21 99876-5432"})
	s.openSocial(closed, "v-whatsapp-joao", "agent-alice", "whatsapp")
	s.chat(ago(27*time.Hour), closed, "v-whatsapp-joao", "whatsapp", joaoWhatsApp, "w1",
		"Olá! My order #1042 still hasn't arrived. Could you check where it is?")
	s.socialReply(ago(26*time.Hour+52*time.Minute), closed, "agent-alice", "r1",
		"Hi João! Order #1042 left our warehouse yesterday. I'll write as soon as the carrier gives a delivery date.",
		[]event.Delivery{sent(event.DeliverySent), sent(event.DeliveryDelivered), sent(event.DeliveryRead)})
	s.wait()
	return whatsapp, wechat, closed
}
