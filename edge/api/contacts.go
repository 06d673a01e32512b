package api

import (
	"net/http"

	"github.com/edgedesk/edgedesk/edge/conversation"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
)

// GET /api/v1/contacts?email=&external_id=&inbox_id=: the tenant's
// contacts, by id; the filters match exactly (e-mail without regard to
// case).
func (a *API) listContacts(w http.ResponseWriter, r *http.Request, p principal) {
	q, ok := query(w, r, "email", "external_id", "inbox_id", "limit", "cursor")
	if !ok {
		return
	}
	n, ok := limit(w, q, 25, 100)
	if !ok {
		return
	}
	after, ok := decodeCursor(w, q)
	if !ok {
		return
	}
	if after != "" && !event.ValidID(after) {
		problem(w, http.StatusBadRequest, "invalid-request", "cursor: pass the next_cursor of the previous page as it was")
		return
	}
	list, more, err := a.conv.FindContacts(p.actor(), state.ContactFilter{Email: q.Get("email"), ExternalID: q.Get("external_id"),
		Inbox: q.Get("inbox_id"), After: after}, n)
	if err != nil {
		a.fail(w, err)
		return
	}
	out := List[Contact]{Data: make([]Contact, 0, len(list))}
	for i := range list {
		out.Data = append(out.Data, contactView(&list[i]))
	}
	if more && len(list) > 0 {
		out.NextCursor = encodeCursor(list[len(list)-1].ID)
	}
	writeJSON(w, http.StatusOK, out)
}

// createContactRequest is POST /api/v1/contacts's body.
type createContactRequest struct {
	InboxID string `json:"inbox_id"`
	ContactInput
}

// POST /api/v1/contacts: with external_id, the contact of that id of the
// tenant's (the one the widget's setUser gives the same user: 200 when it
// exists, with what the request says recorded); without, a new contact.
func (a *API) createContact(w http.ResponseWriter, r *http.Request, p principal) {
	var req createContactRequest
	if !decode(w, r, &req) {
		return
	}
	ctx, cancel := command(r)
	defer cancel()
	act := p.actor()
	status := http.StatusCreated
	var c *state.ContactRec
	var made bool
	var err error
	if req.ExternalID != "" {
		var in *state.InboxRec
		if in, err = a.conv.Inbox(act, req.InboxID); err != nil {
			a.fail(w, err)
			return
		}
		c, made, err = a.conv.Identify(ctx, act, in, conversation.User{ExternalID: req.ExternalID, Profile: req.profile()})
	} else {
		c, made, err = a.conv.NewContact(ctx, act, req.InboxID, derivedClientID(r, p, "contact"), req.profile())
	}
	if err == nil && !made {
		status = http.StatusOK
	}
	if err != nil {
		a.fail(w, err)
		return
	}
	w.Header().Set("Location", "/api/v1/contacts/"+c.ID)
	writeJSON(w, status, contactView(c))
}

// GET /api/v1/contacts/{id}
func (a *API) getContact(w http.ResponseWriter, r *http.Request, p principal) {
	if _, ok := query(w, r); !ok {
		return
	}
	c, err := a.conv.Contact(p.actor(), r.PathValue("id"))
	if err != nil {
		a.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, contactView(c))
}

// updateContactRequest is PATCH /api/v1/contacts/{id}'s body: the fields
// given change ("" and absent keep a field; attributes replace the
// contact's, {} clears them).
type updateContactRequest struct {
	Name       string            `json:"name,omitempty"`
	Email      string            `json:"email,omitempty"`
	Language   string            `json:"language,omitempty"`
	Attributes map[string]string `json:"attributes,omitempty"`
}

// PATCH /api/v1/contacts/{id}
func (a *API) updateContact(w http.ResponseWriter, r *http.Request, p principal) {
	var req updateContactRequest
	if !decode(w, r, &req) {
		return
	}
	if req.Name == "" && req.Email == "" && req.Language == "" && req.Attributes == nil {
		problem(w, http.StatusUnprocessableEntity, "invalid-request", "give name, email, language or attributes")
		return
	}
	ctx, cancel := command(r)
	defer cancel()
	c, err := a.conv.UpdateContact(ctx, p.actor(), r.PathValue("id"), conversation.Profile{Name: req.Name, Email: req.Email,
		Language: req.Language, Attributes: req.Attributes})
	if err != nil {
		a.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, contactView(c))
}

// GET /api/v1/inboxes
func (a *API) listInboxes(w http.ResponseWriter, r *http.Request, p principal) {
	if _, ok := query(w, r); !ok {
		return
	}
	list, err := a.conv.Inboxes(p.actor())
	if err != nil {
		a.fail(w, err)
		return
	}
	out := List[Inbox]{Data: make([]Inbox, 0, len(list))}
	for i := range list {
		out.Data = append(out.Data, inboxView(&list[i]))
	}
	writeJSON(w, http.StatusOK, out)
}

// GET /api/v1/inboxes/{id}
func (a *API) getInbox(w http.ResponseWriter, r *http.Request, p principal) {
	if _, ok := query(w, r); !ok {
		return
	}
	in, err := a.conv.Inbox(p.actor(), r.PathValue("id"))
	if err != nil {
		a.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, inboxView(in))
}

// GET /api/v1/agents: the tenant's agents with their presence in the
// region now.
func (a *API) listAgents(w http.ResponseWriter, r *http.Request, p principal) {
	if _, ok := query(w, r); !ok {
		return
	}
	list, err := a.conv.Agents(p.actor())
	if err != nil {
		a.fail(w, err)
		return
	}
	presence := a.presence(p.tenant)
	out := List[Agent]{Data: make([]Agent, 0, len(list))}
	for i := range list {
		out.Data = append(out.Data, agentView(&list[i], presence))
	}
	writeJSON(w, http.StatusOK, out)
}

// GET /api/v1/agents/{id}
func (a *API) getAgent(w http.ResponseWriter, r *http.Request, p principal) {
	if _, ok := query(w, r); !ok {
		return
	}
	ag, err := a.conv.AgentByID(p.actor(), r.PathValue("id"))
	if err != nil {
		a.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, agentView(ag, a.presence(p.tenant)))
}

// GET /api/v1/canned-responses
func (a *API) listCanned(w http.ResponseWriter, r *http.Request, p principal) {
	if _, ok := query(w, r); !ok {
		return
	}
	list, err := a.conv.CannedResponses(p.actor())
	if err != nil {
		a.fail(w, err)
		return
	}
	out := List[Canned]{Data: make([]Canned, 0, len(list))}
	for _, c := range list {
		out.Data = append(out.Data, Canned{ID: c.ID, Shortcut: c.Shortcut, Text: c.Text})
	}
	writeJSON(w, http.StatusOK, out)
}

type cannedRequest struct {
	Shortcut string `json:"shortcut"`
	Text     string `json:"text"`
}

// POST /api/v1/canned-responses (admin)
func (a *API) createCanned(w http.ResponseWriter, r *http.Request, p principal) {
	var req cannedRequest
	if !decode(w, r, &req) {
		return
	}
	ctx, cancel := command(r)
	defer cancel()
	id, err := a.conv.SetCanned(ctx, p.actor(), conversation.Canned{Shortcut: req.Shortcut, Text: req.Text})
	if err != nil {
		a.fail(w, err)
		return
	}
	w.Header().Set("Location", "/api/v1/canned-responses/"+id)
	writeJSON(w, http.StatusCreated, Canned{ID: id, Shortcut: req.Shortcut, Text: req.Text})
}

// DELETE /api/v1/canned-responses/{id} (admin)
func (a *API) deleteCanned(w http.ResponseWriter, r *http.Request, p principal) {
	id := r.PathValue("id")
	list, err := a.conv.CannedResponses(p.actor())
	if err != nil {
		a.fail(w, err)
		return
	}
	found := false
	for _, c := range list {
		found = found || c.ID == id
	}
	if !found || !event.ValidID(id) {
		problem(w, http.StatusNotFound, "not-found", "no such canned response of this tenant")
		return
	}
	ctx, cancel := command(r)
	defer cancel()
	if _, err := a.conv.SetCanned(ctx, p.actor(), conversation.Canned{ID: id, Delete: true}); err != nil {
		a.fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
