package edge

import (
	"context"
	"errors"

	"github.com/edgedesk/edgedesk/edge/auth"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
)

// Demo data seeded by --dev. These credentials are public: never use --dev
// for a real deployment.
const (
	DemoTenant         = "demo"
	DemoInbox          = "demo-web"
	DemoIdentitySecret = "demo-identity-secret"
	DemoPassword       = "edgedesk-demo"
)

// DemoAgent is a seeded agent.
type DemoAgent struct {
	ID, Email, Name string
}

// DemoAgents are the agents --dev seeds.
var DemoAgents = []DemoAgent{
	{ID: "agent-alice", Email: "alice@demo.test", Name: "Alice"},
	{ID: "agent-bob", Email: "bob@demo.test", Name: "Bob"},
	{ID: "agent-carol", Email: "carol@demo.test", Name: "Carol"},
}

// DevCredentials are what --dev prints.
type DevCredentials struct {
	Tenant, Inbox, IdentitySecret, Password string
	Agents                                  []DemoAgent
}

func (n *Node) seedDev(ctx context.Context) (*DevCredentials, error) {
	creds := &DevCredentials{Tenant: DemoTenant, Inbox: DemoInbox, IdentitySecret: DemoIdentitySecret,
		Password: DemoPassword, Agents: DemoAgents}
	sys := event.Actor{Kind: event.ActorSystem, ID: "dev-seed"}
	var evs []*event.Event
	if _, err := n.store.Tenant(DemoTenant); errors.Is(err, state.ErrNotFound) {
		evs = append(evs, &event.Event{ID: "seed-tenant-demo", Kind: event.KindTenantUpserted, Tenant: DemoTenant, Actor: sys,
			TenantInfo: &event.Tenant{ID: DemoTenant, Name: "Demo Shop"}})
	}
	if _, err := n.store.Inbox(DemoTenant, DemoInbox); errors.Is(err, state.ErrNotFound) {
		evs = append(evs, &event.Event{ID: "seed-inbox-demo-web", Kind: event.KindInboxUpserted, Tenant: DemoTenant, Actor: sys,
			Inbox: &event.Inbox{ID: DemoInbox, Name: "Website", Channel: "web", IdentitySecret: DemoIdentitySecret}})
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
			Agent: &event.Agent{ID: a.ID, Email: a.Email, Name: a.Name, PasswordHash: h, Role: "agent",
				Languages: []string{"en", "zh"}, MaxChats: 0}})
	}
	for _, e := range evs {
		if _, err := n.journal.Append(ctx, e); err != nil {
			return nil, err
		}
	}
	return creds, nil
}
