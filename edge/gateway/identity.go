package gateway

import (
	"context"
	"errors"

	"github.com/edgedesk/edgedesk/edge/auth"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
)

// adoptEarlierContact moves a website user's contact to its keyed id id
// when the user has one under an id of an earlier derivation (the unkeyed
// id of edges before keyed ids, or the id under a region secret that was
// rotated out): one contact.rekeyed event per earlier contact, appended
// before the hello goes on, so that the user keeps their conversations. It
// looks every time, not only when id has no contact yet: during a rolling
// upgrade a node not yet upgraded may still give the user a conversation
// under the unkeyed id. The event's id is derived from both ids, so two
// nodes meeting the same user at once record one move.
func (g *Gateway) adoptEarlierContact(ctx context.Context, tenant, inbox, userID, id string) error {
	for _, old := range g.ids.Earlier(tenant, inbox, userID) {
		switch _, err := g.store.Contact(tenant, old); {
		case errors.Is(err, state.ErrNotFound):
			continue
		case err != nil:
			return err
		}
		e := &event.Event{ID: auth.DerivedID("e", "contact-rekey", tenant, old, id), Kind: event.KindContactRekeyed, Tenant: tenant,
			Actor: event.Actor{Kind: event.ActorSystem, ID: "contact-ids"}, Rekey: &event.ContactRekey{From: old, To: id}}
		if _, err := g.journal.Append(ctx, e); err != nil {
			return err
		}
		g.log.Info("moved a contact to its keyed id", "tenant", tenant, "from", old, "to", id)
	}
	return nil
}
