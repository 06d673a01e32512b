package api

import (
	"context"
	"net/http"
	"strconv"

	"github.com/edgedesk/edgedesk/edge/conversation"
	"github.com/edgedesk/edgedesk/internal/event"
)

// Team is a group of agents conversations are given to.
type Team struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	AgentIDs []string `json:"agent_ids"`
}

type teamRequest struct {
	Name     string   `json:"name"`
	AgentIDs []string `json:"agent_ids"`
}

// GET /api/v1/teams
func (a *API) listTeams(w http.ResponseWriter, r *http.Request, p principal) {
	if _, ok := query(w, r); !ok {
		return
	}
	list, err := a.conv.Teams(p.actor())
	if err != nil {
		a.fail(w, err)
		return
	}
	out := List[Team]{Data: make([]Team, 0, len(list))}
	for _, t := range list {
		out.Data = append(out.Data, Team{ID: t.ID, Name: t.Name, AgentIDs: nonNil(t.Agents)})
	}
	writeJSON(w, http.StatusOK, out)
}

// POST /api/v1/teams (admin)
func (a *API) createTeam(w http.ResponseWriter, r *http.Request, p principal) {
	a.putTeam(w, r, p, "")
}

// PUT /api/v1/teams/{id} (admin): its name and members, replaced.
func (a *API) updateTeam(w http.ResponseWriter, r *http.Request, p principal) {
	a.putTeam(w, r, p, r.PathValue("id"))
}

func (a *API) putTeam(w http.ResponseWriter, r *http.Request, p principal, id string) {
	var req teamRequest
	if !decode(w, r, &req) {
		return
	}
	ctx, cancel := command(r)
	defer cancel()
	id, err := a.conv.SetTeamSettings(ctx, p.actor(), conversation.TeamSettings{ID: id, Name: req.Name, Agents: req.AgentIDs})
	if err != nil {
		a.fail(w, err)
		return
	}
	t := a.team(w, p, id)
	if t == nil {
		return
	}
	status := http.StatusOK
	if r.Method == http.MethodPost {
		w.Header().Set("Location", "/api/v1/teams/"+id)
		status = http.StatusCreated
	}
	writeJSON(w, status, t)
}

// team is the team of id as stored now (nil after answering a failure).
func (a *API) team(w http.ResponseWriter, p principal, id string) *Team {
	list, err := a.conv.Teams(p.actor())
	if err != nil {
		a.fail(w, err)
		return nil
	}
	for _, t := range list {
		if t.ID == id {
			return &Team{ID: t.ID, Name: t.Name, AgentIDs: nonNil(t.Agents)}
		}
	}
	problem(w, http.StatusNotFound, "not-found", "no such team of this tenant")
	return nil
}

// DELETE /api/v1/teams/{id} (admin)
func (a *API) deleteTeam(w http.ResponseWriter, r *http.Request, p principal) {
	if _, ok := query(w, r); !ok {
		return
	}
	ctx, cancel := command(r)
	defer cancel()
	if _, err := a.conv.SetTeamSettings(ctx, p.actor(), conversation.TeamSettings{ID: r.PathValue("id"), Delete: true}); err != nil {
		a.fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type teamChangeRequest struct {
	TeamID *string `json:"team_id"`
}

// POST /api/v1/conversations/{id}/team
func (a *API) setTeam(w http.ResponseWriter, r *http.Request, p principal) {
	var req teamChangeRequest
	if !decode(w, r, &req) {
		return
	}
	team := ""
	if req.TeamID != nil {
		if team = *req.TeamID; team == "" {
			problem(w, http.StatusUnprocessableEntity, "invalid-request", `team_id: a team's id, or null for none`)
			return
		}
	}
	a.change(w, r, p, func(ctx context.Context, id string) error {
		_, err := a.conv.SetTeam(ctx, p.actor(), id, team)
		return err
	})
}

// Fields is the body of PUT /api/v1/fields, and its answer (GET too):
// the tenant's custom fields, the type first.
type Fields struct {
	Fields []event.FieldDef `json:"fields"`
}

// GET /api/v1/fields
func (a *API) listFields(w http.ResponseWriter, r *http.Request, p principal) {
	if _, ok := query(w, r); !ok {
		return
	}
	list, err := a.conv.FieldDefs(p.actor())
	if err != nil {
		a.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, Fields{Fields: list})
}

// PUT /api/v1/fields (admin): replaced whole, or refused whole.
func (a *API) setFieldDefs(w http.ResponseWriter, r *http.Request, p principal) {
	var req Fields
	if !decodeUpTo(w, r, &req, maxRulesBody) {
		return
	}
	ctx, cancel := command(r)
	defer cancel()
	list, err := a.conv.SetFieldDefs(ctx, p.actor(), req.Fields)
	if err != nil {
		a.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, Fields{Fields: list})
}

type fieldsRequest struct {
	Set   map[string]string `json:"set"`
	Clear []string          `json:"clear"`
}

// POST /api/v1/conversations/{id}/fields
func (a *API) setFields(w http.ResponseWriter, r *http.Request, p principal) {
	var req fieldsRequest
	if !decode(w, r, &req) {
		return
	}
	a.change(w, r, p, func(ctx context.Context, id string) error {
		_, err := a.conv.SetFields(ctx, p.actor(), id, req.Set, req.Clear)
		return err
	})
}

// Link is a link of a conversation to another: related, or split (Ref:
// the message split off).
type Link struct {
	ConversationID string `json:"conversation_id"`
	Kind           string `json:"kind"`
	// MessageID is a split link's: the message split off (its id, as
	// messages have).
	MessageID string `json:"message_id,omitempty"`
}

type linkRequest struct {
	ConversationID string `json:"conversation_id"`
	Remove         bool   `json:"remove"`
}

// POST /api/v1/conversations/{id}/links
func (a *API) link(w http.ResponseWriter, r *http.Request, p principal) {
	var req linkRequest
	if !decode(w, r, &req) {
		return
	}
	a.change(w, r, p, func(ctx context.Context, id string) error {
		_, err := a.conv.Link(ctx, p.actor(), id, req.ConversationID, req.Remove)
		return err
	})
}

type mergeRequest struct {
	IntoID string `json:"into_id"`
}

// POST /api/v1/conversations/{id}/merge: it answers the merged
// conversation (closed, pointing to into_id).
func (a *API) merge(w http.ResponseWriter, r *http.Request, p principal) {
	var req mergeRequest
	if !decode(w, r, &req) {
		return
	}
	a.change(w, r, p, func(ctx context.Context, id string) error {
		_, err := a.conv.Merge(ctx, p.actor(), id, req.IntoID)
		return err
	})
}

type splitRequest struct {
	MessageID string `json:"message_id"`
}

// POST /api/v1/conversations/{id}/split: 201 with the new conversation.
func (a *API) split(w http.ResponseWriter, r *http.Request, p principal) {
	var req splitRequest
	if !decode(w, r, &req) {
		return
	}
	seq, err := strconv.ParseUint(req.MessageID, 10, 64)
	if err != nil || seq == 0 {
		problem(w, http.StatusUnprocessableEntity, "invalid-request", "message_id: a message's id, as GET …/messages lists it")
		return
	}
	ctx, cancel := command(r)
	defer cancel()
	c, err := a.conv.Split(ctx, p.actor(), r.PathValue("id"), seq)
	if err != nil {
		a.fail(w, err)
		return
	}
	w.Header().Set("Location", "/api/v1/conversations/"+c.ID)
	writeJSON(w, http.StatusCreated, conversationView(c))
}

// SearchHit is a message a search found.
type SearchHit struct {
	ConversationID string `json:"conversation_id"`
	MessageID      string `json:"message_id"`
	CreatedAt      string `json:"created_at"`
	SenderType     string `json:"sender_type"`
	Private        bool   `json:"private"`
	// Snippet is the text around the first match; Marks the matches in
	// it, [start, end) in Unicode code points.
	Snippet      string       `json:"snippet"`
	Marks        [][2]int     `json:"marks"`
	Conversation Conversation `json:"conversation"`
}

// SearchResult is the answer of GET /api/v1/search.
type SearchResult struct {
	Data  []SearchHit `json:"data"`
	Total int         `json:"total"`
}

// GET /api/v1/search?q=…&limit=…
func (a *API) search(w http.ResponseWriter, r *http.Request, p principal) {
	q, ok := query(w, r, "q", "limit")
	if !ok {
		return
	}
	n, ok := limit(w, q, 20, 50)
	if !ok {
		return
	}
	ctx, cancel := command(r)
	defer cancel()
	found, total, err := a.conv.Search(ctx, p.actor(), q.Get("q"), n)
	if err != nil {
		a.fail(w, err)
		return
	}
	out := SearchResult{Data: make([]SearchHit, 0, len(found)), Total: total}
	for _, f := range found {
		marks := f.Marks
		if marks == nil {
			marks = [][2]int{}
		}
		out.Data = append(out.Data, SearchHit{ConversationID: f.Conv.ID, MessageID: strconv.FormatUint(f.Seq, 10), CreatedAt: rfc3339(f.TS),
			SenderType: f.Actor, Private: f.Private, Snippet: f.Snippet, Marks: marks, Conversation: conversationView(f.Conv)})
	}
	writeJSON(w, http.StatusOK, out)
}

// View is a saved view with how many conversations it has.
type View struct {
	event.View
	Builtin bool `json:"builtin,omitempty"`
	Count   int  `json:"count"`
}

// Views is the answer of GET /api/v1/views.
type Views struct {
	Views []View `json:"views"`
}

// viewsBody is the body of PUT /api/v1/views.
type viewsBody struct {
	Views []event.View `json:"views"`
}

// GET /api/v1/views: the built-in views, then the tenant's, with counts.
func (a *API) listViews(w http.ResponseWriter, r *http.Request, p principal) {
	if _, ok := query(w, r); !ok {
		return
	}
	a.writeViews(w, p)
}

func (a *API) writeViews(w http.ResponseWriter, p principal) {
	list, err := a.conv.Views(p.actor())
	if err != nil {
		a.fail(w, err)
		return
	}
	counts, err := a.conv.ViewCounts(p.actor())
	if err != nil {
		a.fail(w, err)
		return
	}
	out := Views{Views: make([]View, len(list))}
	for i, v := range list {
		out.Views[i] = View{View: v, Builtin: i < len(conversation.BuiltinViews), Count: counts[v.ID]}
	}
	writeJSON(w, http.StatusOK, out)
}

// PUT /api/v1/views (admin): the tenant's views, replaced whole.
func (a *API) setViews(w http.ResponseWriter, r *http.Request, p principal) {
	var req viewsBody
	if !decodeUpTo(w, r, &req, maxRulesBody) {
		return
	}
	ctx, cancel := command(r)
	defer cancel()
	if _, err := a.conv.SetViews(ctx, p.actor(), req.Views); err != nil {
		a.fail(w, err)
		return
	}
	a.writeViews(w, p)
}

// GET /api/v1/views/{id}/conversations
func (a *API) viewConversations(w http.ResponseWriter, r *http.Request, p principal) {
	q, ok := query(w, r, "limit")
	if !ok {
		return
	}
	n, ok := limit(w, q, 25, 100)
	if !ok {
		return
	}
	convs, total, err := a.conv.ViewConversations(p.actor(), r.PathValue("id"), n)
	if err != nil {
		a.fail(w, err)
		return
	}
	out := struct {
		Data  []Conversation `json:"data"`
		Total int            `json:"total"`
	}{Data: make([]Conversation, len(convs)), Total: total}
	for i := range convs {
		out.Data[i] = conversationView(&convs[i])
	}
	writeJSON(w, http.StatusOK, out)
}

// Statuses is the body of PUT /api/v1/statuses, and its answer.
type Statuses struct {
	Statuses []event.CustomStatus `json:"statuses"`
}

// GET /api/v1/statuses
func (a *API) listStatuses(w http.ResponseWriter, r *http.Request, p principal) {
	if _, ok := query(w, r); !ok {
		return
	}
	list, err := a.conv.CustomStatuses(p.actor())
	if err != nil {
		a.fail(w, err)
		return
	}
	if list == nil {
		list = []event.CustomStatus{}
	}
	writeJSON(w, http.StatusOK, Statuses{Statuses: list})
}

// PUT /api/v1/statuses (admin)
func (a *API) setStatuses(w http.ResponseWriter, r *http.Request, p principal) {
	var req Statuses
	if !decode(w, r, &req) {
		return
	}
	ctx, cancel := command(r)
	defer cancel()
	list, err := a.conv.SetCustomStatuses(ctx, p.actor(), req.Statuses)
	if err != nil {
		a.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, Statuses{Statuses: list})
}

// GET /api/v1/sla: the tenant's service level policy (404 when none).
func (a *API) getSLA(w http.ResponseWriter, r *http.Request, p principal) {
	if _, ok := query(w, r); !ok {
		return
	}
	pol, err := a.conv.SLAPolicy(p.actor())
	if err != nil {
		a.fail(w, err)
		return
	}
	if pol == nil {
		problem(w, http.StatusNotFound, "not-found", "the tenant has no service level policy")
		return
	}
	writeJSON(w, http.StatusOK, pol)
}

// PUT /api/v1/sla (admin)
func (a *API) setSLA(w http.ResponseWriter, r *http.Request, p principal) {
	var req event.SLA
	if !decode(w, r, &req) {
		return
	}
	ctx, cancel := command(r)
	defer cancel()
	pol, err := a.conv.SetSLAPolicy(ctx, p.actor(), &req)
	if err != nil {
		a.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, pol)
}

// DELETE /api/v1/sla (admin)
func (a *API) deleteSLA(w http.ResponseWriter, r *http.Request, p principal) {
	if _, ok := query(w, r); !ok {
		return
	}
	ctx, cancel := command(r)
	defer cancel()
	if _, err := a.conv.SetSLAPolicy(ctx, p.actor(), nil); err != nil {
		a.fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
