package conversation

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/edgedesk/edgedesk/edge/auth"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
)

// Profile is what is known of a customer. Attributes, when not nil,
// replace the contact's ({} clears them); "" values are left out.
type Profile struct {
	Name, Email, Language string
	Attributes            map[string]string
}

// User is a customer the tenant identifies: a website's signed-in user
// (its identity checked by the caller) or a contact of the tenant's back
// end through the API. ExternalID is the tenant's own id of them.
type User struct {
	ExternalID string
	Profile
}

// maxUserField bounds a user's id, name and e-mail address.
const maxUserField = 256

// Identify finds or makes the contact of user u of inbox in, recording
// what u says of themselves when it differs from what the contact has.
// Its id is keyed under the region's secret (auth.ContactIDs), so the
// same user gets the same contact from the widget and from the API; a
// contact of an earlier derivation is moved to it first. created says
// the user had no contact before.
func (s *Service) Identify(ctx context.Context, a Actor, in *state.InboxRec, u User) (_ *state.ContactRec, created bool, _ error) {
	switch {
	case u.ExternalID == "" || len(u.ExternalID) > maxUserField || !utf8.ValidString(u.ExternalID):
		return nil, false, invalid("the user needs an id: 1-%d bytes of UTF-8", maxUserField)
	case len(u.Name) > maxUserField, len(u.Email) > maxUserField:
		return nil, false, invalid("a user's name and e-mail address are at most %d bytes", maxUserField)
	}
	if s.ids == nil {
		return nil, false, errors.New("conversation: no contact id keys configured")
	}
	id := s.ids.ID(in.Tenant, in.ID, u.ExternalID)
	if err := s.adoptEarlier(ctx, in.Tenant, in.ID, u.ExternalID, id); err != nil {
		return nil, false, fmt.Errorf("move a contact to its keyed id: %w", err)
	}
	c := &event.Contact{ID: id, Inbox: in.ID, ExternalID: u.ExternalID}
	if err := s.profile(c, &u.Profile); err != nil {
		return nil, false, err
	}
	if a.Kind == "" {
		a = Customer(in.Tenant, in.ID, id, a.Channel)
	}
	return s.upsertContact(ctx, a, c)
}

// adoptEarlier moves a user's contact to its keyed id when the user has
// one under an id of an earlier derivation (the unkeyed id of edges before
// keyed ids, or the id under a region secret that was rotated out): one
// contact.rekeyed event per earlier contact, so that the user keeps their
// conversations. It looks every time, not only when id has no contact
// yet: during a rolling upgrade a node not yet upgraded may still give the
// user a conversation under the unkeyed id. The event's id is derived
// from both ids, so two nodes meeting the same user at once record one
// move.
func (s *Service) adoptEarlier(ctx context.Context, tenant, inbox, userID, id string) error {
	for _, old := range s.ids.Earlier(tenant, inbox, userID) {
		switch _, err := s.store.Contact(tenant, old); {
		case errors.Is(err, state.ErrNotFound):
			continue
		case err != nil:
			return err
		}
		e := &event.Event{ID: auth.DerivedID("e", "contact-rekey", tenant, old, id), Kind: event.KindContactRekeyed, Tenant: tenant,
			Actor: event.Actor{Kind: event.ActorSystem, ID: "contact-ids"}, Rekey: &event.ContactRekey{From: old, To: id}}
		if _, err := s.append(ctx, e); err != nil {
			return err
		}
	}
	return nil
}

// Visitor records an anonymous visitor's contact (id, of inbox) when it
// has none yet.
func (s *Service) Visitor(ctx context.Context, tenant, inbox, id string) (*state.ContactRec, error) {
	if c, err := s.store.Contact(tenant, id); err == nil {
		return c, nil
	}
	c, _, err := s.upsertContact(ctx, Customer(tenant, inbox, id, Web), &event.Contact{ID: id, Inbox: inbox})
	return c, err
}

// profile checks p and copies it into c.
func (s *Service) profile(c *event.Contact, p *Profile) error {
	name, email := strings.TrimSpace(p.Name), strings.TrimSpace(p.Email)
	switch {
	case !utf8.ValidString(name) || len(name) > maxUserField:
		return invalid("name must be at most %d bytes of UTF-8", maxUserField)
	case email != "" && !PlainAddress(email):
		return invalid("email must be an e-mail address like name@example.com")
	}
	c.Name, c.Email, c.Language = name, email, Language(p.Language)
	if p.Attributes != nil {
		attrs, err := Attributes(p.Attributes)
		if err != nil {
			return invalid("attributes: %v", err)
		}
		c.Attributes = attrs
	}
	return nil
}

// upsertContact appends contact c when it says something the stored
// contact does not, and returns the contact as stored, and whether there
// was none before.
func (s *Service) upsertContact(ctx context.Context, a Actor, c *event.Contact) (_ *state.ContactRec, created bool, _ error) {
	have, err := s.store.Contact(a.Tenant, c.ID)
	if err != nil && !errors.Is(err, state.ErrNotFound) {
		return nil, false, err
	}
	created = err != nil
	if created || (c.Name != "" && c.Name != have.Name) || (c.Email != "" && c.Email != have.Email) ||
		(c.Language != "" && c.Language != have.Language) || (c.Attributes != nil && !sameAttributes(c.Attributes, have.Attributes)) {
		if _, err := s.append(ctx, &event.Event{Kind: event.KindContactUpserted, Tenant: a.Tenant, Actor: a.event(), Contact: c}); err != nil {
			return nil, false, err
		}
		rec, err := s.store.Contact(a.Tenant, c.ID)
		return rec, created, err
	}
	return have, false, nil
}

// SetProfile records the name and e-mail address an anonymous visitor
// gives (a pre-chat or away form). A website's signed-in user has them from
// the website and cannot change them here.
func (s *Service) SetProfile(ctx context.Context, a Actor, name, email string) (Result, error) {
	if !a.IsCustomer() {
		return Result{}, forbidden("agents have no customer profile")
	}
	c, err := s.store.Contact(a.Tenant, a.ID)
	if err != nil {
		return Result{}, readErr(err, "no such contact")
	}
	if c.ExternalID != "" {
		return Result{}, forbidden("your website gives your name and e-mail address")
	}
	name, email = strings.TrimSpace(name), strings.TrimSpace(email)
	switch {
	case name == "" && email == "":
		return Result{}, invalid("give a name, an e-mail address or both")
	case !utf8.ValidString(name) || utf8.RuneCountInString(name) > 100:
		return Result{}, invalid("name must be at most 100 characters of UTF-8")
	case email != "" && !PlainAddress(email):
		return Result{}, invalid("email must be an e-mail address like name@example.com")
	}
	return s.append(ctx, &event.Event{Kind: event.KindContactUpserted, Tenant: a.Tenant, Actor: a.event(),
		Contact: &event.Contact{ID: a.ID, Inbox: c.Inbox, Name: name, Email: email}})
}

// UpdateContact changes what is known of a contact (agents and the
// system): the fields p gives ("" keeps a field; Attributes replace).
func (s *Service) UpdateContact(ctx context.Context, a Actor, id string, p Profile) (*state.ContactRec, error) {
	have, err := s.Contact(a, id)
	if err != nil {
		return nil, err
	}
	c := &event.Contact{ID: have.ID, Inbox: have.Inbox, ExternalID: have.ExternalID}
	if err := s.profile(c, &p); err != nil {
		return nil, err
	}
	rec, _, err := s.upsertContact(ctx, a, c)
	return rec, err
}

// Contact returns a contact (agents and the system; a customer only
// themselves).
func (s *Service) Contact(a Actor, id string) (*state.ContactRec, error) {
	if !event.ValidID(id) {
		return nil, invalid("contact must be a contact id")
	}
	if !a.staff() && id != a.ID {
		return nil, forbidden("only agents look up customers")
	}
	c, err := s.store.Contact(a.Tenant, id)
	if err != nil {
		return nil, readErr(err, "no such contact")
	}
	return c, nil
}

// FindContacts lists the tenant's contacts f selects (agents and the
// system).
func (s *Service) FindContacts(a Actor, f state.ContactFilter, limit int) ([]state.ContactRec, bool, error) {
	if !a.staff() {
		return nil, false, forbidden("only agents look up customers")
	}
	if f.After != "" && !event.ValidID(f.After) {
		return nil, false, invalid("after must be a contact id")
	}
	if f.Inbox != "" && !event.ValidID(f.Inbox) {
		return nil, false, invalid("inbox must be an inbox id")
	}
	if limit <= 0 || limit > 200 {
		return nil, false, invalid("limit: 1 to 200")
	}
	return s.store.Contacts(a.Tenant, f, limit)
}

// PlainAddress reports whether s is one bare e-mail address of at most
// 254 bytes.
func PlainAddress(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && len(s) <= 254
}

// Attributes checks the attributes given for a user and makes them an
// event's: sorted by key, without empty values. nil stays nil: the contact
// keeps the ones it has.
func Attributes(in map[string]string) (*event.Attributes, error) {
	if in == nil {
		return nil, nil
	}
	out := &event.Attributes{}
	for k, v := range in {
		if v == "" {
			continue
		}
		if !event.ValidAttributeKey(k) {
			return nil, fmt.Errorf("key %q: 1-%d letters, digits, '_', '-' or '.'", truncate(k, 40), event.MaxAttributeKey)
		}
		if err := event.CheckAttributeValue(v); err != nil {
			return nil, fmt.Errorf("%s: %v", k, err)
		}
		out.Pairs = append(out.Pairs, event.Attribute{Key: k, Value: v})
	}
	if len(out.Pairs) > event.MaxAttributes {
		return nil, fmt.Errorf("%d, at most %d", len(out.Pairs), event.MaxAttributes)
	}
	slices.SortFunc(out.Pairs, func(a, b event.Attribute) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}

// sameAttributes reports whether a contact has exactly the attributes a.
func sameAttributes(a *event.Attributes, have map[string]string) bool {
	if len(a.Pairs) != len(have) {
		return false
	}
	for _, p := range a.Pairs {
		if v, ok := have[p.Key]; !ok || v != p.Value {
			return false
		}
	}
	return true
}

// truncate cuts s to at most n bytes, on a character's boundary, ending
// in "…" when it was cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := max(n-len("…"), 0)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// NewContact records a contact of inbox that no website or back end
// identifies by an id of theirs (agents and the system): a customer met on
// another channel. seed makes its id (the same seed, the same contact);
// "" makes a new one.
func (s *Service) NewContact(ctx context.Context, a Actor, inbox, seed string, p Profile) (*state.ContactRec, bool, error) {
	if !a.staff() {
		return nil, false, forbidden("only agents record customers")
	}
	if _, err := s.Inbox(a, inbox); err != nil {
		return nil, false, err
	}
	id := "p" + event.NewID()
	if seed != "" {
		id = auth.DerivedID("p", a.Tenant, inbox, seed)
		if c, err := s.store.Contact(a.Tenant, id); err == nil {
			return c, false, nil
		}
	}
	c := &event.Contact{ID: id, Inbox: inbox}
	if err := s.profile(c, &p); err != nil {
		return nil, false, err
	}
	return s.upsertContact(ctx, a, c)
}
