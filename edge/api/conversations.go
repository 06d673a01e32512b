package api

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/edgedesk/edgedesk/edge/conversation"
	"github.com/edgedesk/edgedesk/edge/protocol"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
)

// commandTimeout bounds a command's wait for the log.
const commandTimeout = 10 * time.Second

func command(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), commandTimeout)
}

// query reads a request's query parameters: only the ones named, each at
// most once; otherwise it answers the problem.
func query(w http.ResponseWriter, r *http.Request, names ...string) (url.Values, bool) {
	q := r.URL.Query()
	for k, v := range q {
		if k == "tenant" { // the operator's
			continue
		}
		known := false
		for _, n := range names {
			known = known || n == k
		}
		if !known {
			takes := "no query parameters"
			if len(names) > 0 {
				takes = strings.Join(names, ", ")
			}
			problem(w, http.StatusBadRequest, "invalid-request", fmt.Sprintf("unknown query parameter %q: this route takes %s", truncate(k, 40), takes))
			return nil, false
		}
		if len(v) > 1 {
			problem(w, http.StatusBadRequest, "invalid-request", fmt.Sprintf("query parameter %q given %d times", k, len(v)))
			return nil, false
		}
	}
	return q, true
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// limit reads ?limit= (1 to most, def when absent).
func limit(w http.ResponseWriter, q url.Values, def, most int) (int, bool) {
	s := q.Get("limit")
	if s == "" {
		return def, true
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > most {
		problem(w, http.StatusBadRequest, "invalid-request", fmt.Sprintf("limit: a number from 1 to %d", most))
		return 0, false
	}
	return n, true
}

// Cursors are opaque to clients: a version letter and a position.
func encodeCursor(pos string) string { return base64.RawURLEncoding.EncodeToString([]byte("1:" + pos)) }

func decodeCursor(w http.ResponseWriter, q url.Values) (string, bool) {
	c := q.Get("cursor")
	if c == "" {
		return "", true
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	pos, ok := strings.CutPrefix(string(b), "1:")
	if err != nil || !ok || pos == "" {
		problem(w, http.StatusBadRequest, "invalid-request", "cursor: pass the next_cursor of the previous page as it was")
		return "", false
	}
	return pos, true
}

func seqCursor(w http.ResponseWriter, q url.Values) (uint64, bool) {
	pos, ok := decodeCursor(w, q)
	if !ok || pos == "" {
		return 0, ok
	}
	n, err := strconv.ParseUint(pos, 10, 64)
	if err != nil || n == 0 {
		problem(w, http.StatusBadRequest, "invalid-request", "cursor: pass the next_cursor of the previous page as it was")
		return 0, false
	}
	return n, true
}

// GET /api/v1/conversations
func (a *API) listConversations(w http.ResponseWriter, r *http.Request, p principal) {
	q, ok := query(w, r, "status", "inbox_id", "assignee_id", "contact_id", "priority", "tag", "team_id", "limit", "cursor")
	if !ok {
		return
	}
	n, ok := limit(w, q, 25, 100)
	if !ok {
		return
	}
	before, ok := seqCursor(w, q)
	if !ok {
		return
	}
	f := conversation.Filter{Inbox: q.Get("inbox_id"), Assignee: q.Get("assignee_id"), Contact: q.Get("contact_id"),
		Priority: q.Get("priority"), Tag: q.Get("tag"), Team: q.Get("team_id"), Before: before}
	if f.Assignee == "none" {
		f.Assignee = conversation.Unassigned
	}
	if f.Team == "none" {
		f.Team = conversation.Unassigned
	}
	if s := q.Get("status"); s != "" {
		f.Statuses = strings.Split(s, ",")
	}
	convs, more, err := a.conv.List(p.actor(), f, n)
	if err != nil {
		a.fail(w, err)
		return
	}
	out := List[Conversation]{Data: make([]Conversation, 0, len(convs))}
	for i := range convs {
		out.Data = append(out.Data, conversationView(&convs[i]))
	}
	if more && len(convs) > 0 {
		out.NextCursor = encodeCursor(strconv.FormatUint(convs[len(convs)-1].LastSeq, 10))
	}
	writeJSON(w, http.StatusOK, out)
}

// GET /api/v1/conversations/{id}
func (a *API) getConversation(w http.ResponseWriter, r *http.Request, p principal) {
	if _, ok := query(w, r); !ok {
		return
	}
	c, err := a.conv.Conversation(p.actor(), r.PathValue("id"))
	if err != nil {
		a.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, conversationView(c))
}

// ContactInput identifies or describes a customer in a request.
type ContactInput struct {
	ExternalID string            `json:"external_id,omitempty"`
	Name       string            `json:"name,omitempty"`
	Email      string            `json:"email,omitempty"`
	Language   string            `json:"language,omitempty"`
	Attributes map[string]string `json:"attributes,omitempty"`
}

func (c *ContactInput) profile() conversation.Profile {
	return conversation.Profile{Name: c.Name, Email: c.Email, Language: c.Language, Attributes: c.Attributes}
}

// MessageInput is a message in a request.
type MessageInput struct {
	Text        string   `json:"text"`
	Attachments []string `json:"attachments,omitempty"`
}

// createConversationRequest is POST /api/v1/conversations's body: the
// customer (an existing contact, or one to find or record), the inbox,
// and the customer's first message.
type createConversationRequest struct {
	ContactID string        `json:"contact_id,omitempty"`
	Contact   *ContactInput `json:"contact,omitempty"`
	InboxID   string        `json:"inbox_id,omitempty"`
	Language  string        `json:"language,omitempty"`
	ClientID  string        `json:"client_id,omitempty"`
	Message   *MessageInput `json:"message,omitempty"`
}

// POST /api/v1/conversations
func (a *API) createConversation(w http.ResponseWriter, r *http.Request, p principal) {
	var req createConversationRequest
	if !decode(w, r, &req) {
		return
	}
	act := p.actor()
	if (req.ContactID == "") == (req.Contact == nil) {
		problem(w, http.StatusUnprocessableEntity, "invalid-request", "give contact_id (an existing contact) or contact (to find or record one), not both")
		return
	}
	clientID := req.ClientID
	if clientID == "" {
		clientID = derivedClientID(r, p, "conversation")
	}
	if clientID == "" {
		clientID = event.NewID()
	}
	if req.Message != nil {
		// the message is checked before anything is written; its
		// attachments must be the customer's own uploads
		if err := a.conv.CheckPost(conversation.Customer(p.tenant, req.InboxID, req.ContactID, conversation.API),
			&conversation.Post{ClientID: "first", Text: req.Message.Text, Attachments: req.Message.Attachments}); err != nil {
			a.fail(w, err)
			return
		}
		if len(req.Message.Attachments) > 0 && req.ContactID == "" {
			problem(w, http.StatusUnprocessableEntity, "invalid-request", "message.attachments: a new contact has no uploads; open the conversation with contact_id")
			return
		}
		if err := a.conv.CheckAttachments(conversation.Customer(p.tenant, req.InboxID, req.ContactID, conversation.API), req.Message.Attachments); err != nil {
			a.fail(w, err)
			return
		}
	}
	ctx, cancel := command(r)
	defer cancel()
	contact := req.ContactID
	if req.Contact != nil {
		if req.InboxID == "" {
			problem(w, http.StatusUnprocessableEntity, "invalid-request", "inbox_id: the inbox of the new contact")
			return
		}
		ct, err := a.findOrRecord(ctx, act, req.InboxID, clientID, req.Contact)
		if err != nil {
			a.fail(w, err)
			return
		}
		contact = ct.ID
	}
	o, err := a.conv.Open(ctx, act, conversation.Open{ClientID: clientID, Lang: req.Language, Contact: contact, Inbox: req.InboxID})
	if err != nil {
		a.fail(w, err)
		return
	}
	if req.Message != nil {
		customer := conversation.Customer(p.tenant, o.Conv.Inbox, o.Conv.Contact, conversation.API)
		if _, err := a.conv.Post(ctx, customer, o.Conv, conversation.Post{ClientID: "first-" + clientID[:min(len(clientID), 40)],
			Text: req.Message.Text, Attachments: req.Message.Attachments}); err != nil {
			a.fail(w, err)
			return
		}
		if c, err := a.conv.Conversation(act, o.Conv.ID); err == nil {
			o.Conv = c
		}
	}
	w.Header().Set("Location", "/api/v1/conversations/"+o.Conv.ID)
	status := http.StatusCreated
	if o.Duplicate {
		status = http.StatusOK
	}
	writeJSON(w, status, conversationView(o.Conv))
}

// findOrRecord finds the contact a request describes by its external id,
// or records it: a contact without one is made anew (the same
// Idempotency-Key, the same contact).
func (a *API) findOrRecord(ctx context.Context, act conversation.Actor, inbox, seed string, in *ContactInput) (*state.ContactRec, error) {
	if in.ExternalID != "" {
		rec, err := a.conv.Inbox(act, inbox)
		if err != nil {
			return nil, err
		}
		c, _, err := a.conv.Identify(ctx, act, rec, conversation.User{ExternalID: in.ExternalID, Profile: in.profile()})
		return c, err
	}
	c, _, err := a.conv.NewContact(ctx, act, inbox, seed, in.profile())
	return c, err
}

type statusRequest struct {
	Status      string `json:"status"`
	SnoozeUntil string `json:"snooze_until,omitempty"`
}

// POST /api/v1/conversations/{id}/status
func (a *API) setStatus(w http.ResponseWriter, r *http.Request, p principal) {
	var req statusRequest
	if !decode(w, r, &req) {
		return
	}
	var until int64
	if req.SnoozeUntil != "" {
		var err error
		if until, err = parseTime(req.SnoozeUntil); err != nil {
			problem(w, http.StatusUnprocessableEntity, "invalid-request", "snooze_until: "+err.Error())
			return
		}
	}
	a.change(w, r, p, func(ctx context.Context, id string) error {
		_, err := a.conv.SetStatus(ctx, p.actor(), id, req.Status, until)
		return err
	})
}

type priorityRequest struct {
	Priority string `json:"priority"`
}

type tagsRequest struct {
	Add    []string `json:"add"`
	Remove []string `json:"remove"`
}

// POST /api/v1/conversations/{id}/tags
func (a *API) setTags(w http.ResponseWriter, r *http.Request, p principal) {
	var req tagsRequest
	if !decode(w, r, &req) {
		return
	}
	a.change(w, r, p, func(ctx context.Context, id string) error {
		_, err := a.conv.SetTags(ctx, p.actor(), id, req.Add, req.Remove)
		return err
	})
}

// POST /api/v1/conversations/{id}/priority
func (a *API) setPriority(w http.ResponseWriter, r *http.Request, p principal) {
	var req priorityRequest
	if !decode(w, r, &req) {
		return
	}
	a.change(w, r, p, func(ctx context.Context, id string) error {
		_, err := a.conv.SetPriority(ctx, p.actor(), id, req.Priority)
		return err
	})
}

type assigneeRequest struct {
	AgentID *string `json:"agent_id"`
}

// POST /api/v1/conversations/{id}/assignee
func (a *API) setAssignee(w http.ResponseWriter, r *http.Request, p principal) {
	var req assigneeRequest
	if !decode(w, r, &req) {
		return
	}
	agent := ""
	if req.AgentID != nil {
		if agent = *req.AgentID; agent == "" {
			problem(w, http.StatusUnprocessableEntity, "invalid-request", `agent_id: an agent's id, or null to unassign`)
			return
		}
	}
	a.change(w, r, p, func(ctx context.Context, id string) error {
		_, err := a.conv.Assign(ctx, p.actor(), id, agent)
		return err
	})
}

// change runs a command on the path's conversation and answers the
// conversation as it is after it.
func (a *API) change(w http.ResponseWriter, r *http.Request, p principal, do func(ctx context.Context, id string) error) {
	ctx, cancel := command(r)
	defer cancel()
	id := r.PathValue("id")
	if err := do(ctx, id); err != nil {
		a.fail(w, err)
		return
	}
	c, err := a.conv.Conversation(p.actor(), id)
	if err != nil {
		a.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, conversationView(c))
}

// GET /api/v1/conversations/{id}/messages: a page of messages (and, for
// staff, private notes), oldest first; next_cursor pages to older ones.
func (a *API) listMessages(w http.ResponseWriter, r *http.Request, p principal) {
	q, ok := query(w, r, "limit", "cursor")
	if !ok {
		return
	}
	n, ok := limit(w, q, 50, 100)
	if !ok {
		return
	}
	before, ok := seqCursor(w, q)
	if !ok {
		return
	}
	id := r.PathValue("id")
	var msgs []state.Item
	more := true
	// the timeline holds other items (status changes, analyses): read
	// pages of it until the page of messages is full
	for more && len(msgs) < n {
		_, items, m, err := a.conv.History(p.actor(), id, before, conversation.MaxHistory)
		if err != nil {
			a.fail(w, err)
			return
		}
		more = m
		if len(items) == 0 {
			break
		}
		before = items[0].Seq
		var page []state.Item
		for _, it := range items {
			if it.Kind == "message" {
				page = append(page, it)
			}
		}
		if extra := len(msgs) + len(page) - n; extra > 0 {
			page, more = page[extra:], true
			before = page[0].Seq
		}
		msgs = append(page, msgs...)
	}
	out := List[Message]{Data: make([]Message, 0, len(msgs))}
	for i := range msgs {
		out.Data = append(out.Data, messageView(&msgs[i]))
	}
	if more && len(msgs) > 0 {
		out.NextCursor = encodeCursor(strconv.FormatUint(msgs[0].Seq, 10))
	}
	writeJSON(w, http.StatusOK, out)
}

// postMessageRequest is POST /api/v1/conversations/{id}/messages's body.
type postMessageRequest struct {
	Text        string   `json:"text"`
	Attachments []string `json:"attachments,omitempty"`
	Private     bool     `json:"private,omitempty"`
	ClientID    string   `json:"client_id,omitempty"`
	Sender      *Sender  `json:"sender,omitempty"`
	// Template sends a WhatsApp conversation's reply as a pre-approved
	// template (text may then be empty).
	Template *protocol.Template `json:"template,omitempty"`
}

// POST /api/v1/conversations/{id}/messages
func (a *API) postMessage(w http.ResponseWriter, r *http.Request, p principal) {
	var req postMessageRequest
	if !decode(w, r, &req) {
		return
	}
	act := p.actor()
	c, err := a.conv.Conversation(act, r.PathValue("id"))
	if err != nil {
		a.fail(w, err)
		return
	}
	if req.Sender != nil {
		switch {
		case req.Sender.Type == event.ActorCustomer && (req.Sender.ID == "" || req.Sender.ID == c.Contact):
			act = conversation.Customer(p.tenant, c.Inbox, c.Contact, conversation.API)
		case req.Sender.Type == event.ActorAgent && p.agent == "" && req.Sender.ID != "":
			if _, err := a.conv.AgentByID(act, req.Sender.ID); err != nil {
				a.fail(w, err)
				return
			}
			act = conversation.Agent(p.tenant, req.Sender.ID, conversation.API)
		case req.Sender.Type == act.Kind && (req.Sender.ID == "" || req.Sender.ID == act.ID):
		case p.agent != "":
			problem(w, http.StatusForbidden, "forbidden", "an agent's session posts as the agent, or as the customer ({\"type\":\"customer\"})")
			return
		default:
			problem(w, http.StatusUnprocessableEntity, "invalid-request", `sender: {"type":"customer"}, {"type":"agent","id":"…"} or {"type":"system"}`)
			return
		}
	}
	clientID := req.ClientID
	if clientID == "" {
		clientID = derivedClientID(r, p, "message")
	}
	if clientID == "" {
		clientID = event.NewID()
	}
	ctx, cancel := command(r)
	defer cancel()
	post := conversation.Post{ClientID: clientID, Text: req.Text, Attachments: req.Attachments, Private: req.Private}
	if t := req.Template; t != nil {
		post.Template = &event.Template{Name: t.Name, Language: t.Language, Params: t.Params}
	}
	res, err := a.conv.Post(ctx, act, c, post)
	if err != nil {
		a.fail(w, err)
		return
	}
	it, err := a.conv.Message(p.actor(), c, res.Seq)
	if err != nil {
		a.log.Warn("a posted message cannot be read back", "conv", c.ID, "seq", res.Seq, "err", err)
		problem(w, http.StatusServiceUnavailable, "unavailable", "the message is stored but cannot be read back: list the messages")
		return
	}
	w.Header().Set("Location", "/api/v1/conversations/"+c.ID+"/messages")
	status := http.StatusCreated
	if res.Duplicate {
		status = http.StatusOK
	}
	writeJSON(w, status, messageView(it))
}
