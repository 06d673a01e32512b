package edge

import (
	"context"
	"errors"

	"github.com/edgedesk/edgedesk/edge/auth"
	"github.com/edgedesk/edgedesk/edge/config"
	"github.com/edgedesk/edgedesk/edge/protocol"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
)

// Demo data seeded by --dev (edge/protocol has it, for the clients that
// sign in with it). These credentials are public: never use --dev for a
// real deployment.
const (
	DemoTenant         = protocol.DemoTenant
	DemoInbox          = protocol.DemoInbox
	DemoPrechatInbox   = protocol.DemoPrechatInbox
	DemoEmailInbox     = protocol.DemoEmailInbox
	DemoEmailAddress   = protocol.DemoEmailAddress
	DemoIdentitySecret = protocol.DemoIdentitySecret
	DemoPassword       = protocol.DemoPassword
)

// DemoAgent is a seeded agent.
type DemoAgent = protocol.DemoAgent

// DemoAgents are the agents --dev seeds.
var DemoAgents = protocol.DemoAgents

// DevCredentials are what --dev prints.
type DevCredentials struct {
	Tenant, Inbox, IdentitySecret, Password string
	Agents                                  []DemoAgent
}

// DemoResidency is what the demo tenant keeps in its region: message
// text, customers' names, e-mail addresses, ids and attributes' values,
// attachment names. An edge linked to a hub seals them before its log
// leaves.
var DemoResidency = []string{"message.text", "contact.name", "contact.email", "contact.external_id", "attachment.name", "contact.attributes"}

// DemoGreeting is what the demo inbox's widget greets visitors with.
const DemoGreeting = "Hi there! Ask us anything about your order — we're happy to help."

// DemoCanned are the canned responses seeded by --dev.
var DemoCanned = []event.Canned{
	{ID: "hello", Shortcut: "hello", Text: "Hello! How can I help you today?"},
	{ID: "shipping", Shortcut: "shipping", Text: "Orders ship within 2 business days."},
}

// DemoEmail gives a --dev edge with no e-mail inboxes the demo's:
// DemoEmailAddress for DemoEmailInbox, so that mail sent to its SMTP
// server (--smtp) opens conversations.
func DemoEmail(c *config.Config) {
	if len(c.Email.Inboxes) == 0 {
		c.Email.Inboxes = []config.EmailInbox{{Address: DemoEmailAddress, Tenant: DemoTenant, Inbox: DemoEmailInbox,
			Signature: "Demo Shop support · https://demo.test"}}
	}
}

// DemoSLA is the demo tenant's service level policy: targets by priority
// (low, normal, high, urgent) around the clock, a warning at 80 %, and a
// breach raises the conversation to high (docs/tickets.md).
var DemoSLA = &event.SLA{
	FirstResponse: [4]int64{4 * 3600, 3600, 15 * 60, 5 * 60},
	NextResponse:  [4]int64{8 * 3600, 2 * 3600, 30 * 60, 10 * 60},
	Resolution:    [4]int64{3 * 86400, 8 * 3600, 4 * 3600, 3600},
	Escalate:      event.PriorityHigh,
}

func (n *Node) seedDev(ctx context.Context) (*DevCredentials, error) {
	creds := &DevCredentials{Tenant: DemoTenant, Inbox: DemoInbox, IdentitySecret: DemoIdentitySecret,
		Password: DemoPassword, Agents: DemoAgents}
	sys := event.Actor{Kind: event.ActorSystem, ID: "dev-seed"}
	var evs []*event.Event
	if _, err := n.store.Tenant(DemoTenant); errors.Is(err, state.ErrNotFound) {
		evs = append(evs, &event.Event{ID: "seed-tenant-demo", Kind: event.KindTenantUpserted, Tenant: DemoTenant, Actor: sys,
			TenantInfo: &event.Tenant{ID: DemoTenant, Name: "Demo Shop", Residency: DemoResidency, SLA: DemoSLA}})
	}
	if _, err := n.store.Inbox(DemoTenant, DemoInbox); errors.Is(err, state.ErrNotFound) {
		evs = append(evs, &event.Event{ID: "seed-inbox-demo-web", Kind: event.KindInboxUpserted, Tenant: DemoTenant, Actor: sys,
			Inbox: &event.Inbox{ID: DemoInbox, Name: "Demo Shop", Channel: "web", IdentitySecret: DemoIdentitySecret,
				Greeting: DemoGreeting, ReplyTime: "minutes"}})
	}
	if _, err := n.store.Inbox(DemoTenant, DemoPrechatInbox); errors.Is(err, state.ErrNotFound) {
		evs = append(evs, &event.Event{ID: "seed-inbox-demo-prechat", Kind: event.KindInboxUpserted, Tenant: DemoTenant, Actor: sys,
			Inbox: &event.Inbox{ID: DemoPrechatInbox, Name: "Demo Shop (pre-chat form)", Channel: "web",
				IdentitySecret: DemoIdentitySecret, Prechat: []string{"name", "email"}}})
	}
	if _, err := n.store.Inbox(DemoTenant, DemoEmailInbox); errors.Is(err, state.ErrNotFound) {
		evs = append(evs, &event.Event{ID: "seed-inbox-demo-email", Kind: event.KindInboxUpserted, Tenant: DemoTenant, Actor: sys,
			Inbox: &event.Inbox{ID: DemoEmailInbox, Name: "Demo Shop support", Channel: "email"}})
	}
	var hash string
	for _, a := range DemoAgents {
		if _, err := n.store.Agent(DemoTenant, a.ID); !errors.Is(err, state.ErrNotFound) {
			continue
		}
		if hash == "" {
			// one hash for the shared demo password
			h, err := auth.HashPassword(DemoPassword, n.cfg.Auth.BcryptCost)
			if err != nil {
				return nil, err
			}
			hash = h
		}
		h := hash
		evs = append(evs, &event.Event{ID: "seed-" + a.ID, Kind: event.KindAgentUpserted, Tenant: DemoTenant, Actor: sys,
			Agent: &event.Agent{ID: a.ID, Email: a.Email, Name: a.Name, PasswordHash: h, Role: a.Role,
				Languages: []string{"en", "zh"}, MaxChats: 0}})
	}
	if list, err := n.store.CannedResponses(DemoTenant); err == nil && len(list) == 0 {
		for _, c := range DemoCanned {
			evs = append(evs, &event.Event{ID: "seed-canned-" + c.ID, Kind: event.KindCannedUpserted, Tenant: DemoTenant, Actor: sys,
				Canned: &event.Canned{ID: c.ID, Shortcut: c.Shortcut, Text: c.Text}})
		}
	}
	for _, e := range evs {
		if _, err := n.journal.Append(ctx, e); err != nil {
			return nil, err
		}
	}
	return creds, nil
}
