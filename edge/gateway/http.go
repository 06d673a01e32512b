package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/edgedesk/edgedesk/edge/attachments"
	"github.com/edgedesk/edgedesk/edge/auth"
	"github.com/edgedesk/edgedesk/edge/protocol"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
)

// Register adds the gateway's routes to mux.
func (g *Gateway) Register(mux *http.ServeMux) {
	mux.Handle("GET /ws", g)
	mux.HandleFunc("POST /api/v1/login", g.login)
	mux.Handle("POST /api/v1/attachments", crossOrigin(http.HandlerFunc(g.upload)))
	mux.Handle("GET /api/v1/attachments/{id}", crossOrigin(http.HandlerFunc(g.download)))
	mux.Handle("OPTIONS /api/v1/attachments", crossOrigin(nil))
	mux.Handle("OPTIONS /api/v1/attachments/{id}", crossOrigin(nil))
	mux.Handle("GET /api/v1/ice-servers", crossOrigin(http.HandlerFunc(g.iceServers)))
	mux.Handle("OPTIONS /api/v1/ice-servers", crossOrigin(nil))
	mux.HandleFunc("GET /api/v1/calls/{call}/recording", g.recording)
	mux.HandleFunc("GET /api/v1/calls/{call}/recording/{file}", g.recordingFile)
}

// crossOrigin lets the widget, which runs on the website's origin, upload
// and fetch attachments at the edge's. It is safe to allow every origin:
// these requests carry a bearer token, never cookies, so a page gets only
// what its own token allows. A nil h answers the preflight.
func crossOrigin(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Access-Control-Allow-Origin", "*")
		hd.Set("Access-Control-Expose-Headers", "Content-Disposition")
		if h == nil {
			hd.Set("Access-Control-Allow-Methods", "GET, POST")
			hd.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
			hd.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// APIError is the JSON body of every HTTP error.
type APIError = protocol.APIError

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func httpError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, APIError{Code: code, Message: msg})
}

func (g *Gateway) login(w http.ResponseWriter, r *http.Request) {
	var req protocol.Login
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		httpError(w, http.StatusBadRequest, CodeBadFrame, "body must be {\"email\":…,\"password\":…}")
		return
	}
	account, address := accountKey(req.Email), addressKey(g.clientAddress(r))
	if !g.loginAllowed(w, account, address) {
		return
	}
	a, err := g.store.AgentByEmail(req.Email)
	if err != nil {
		// compare against a fixed hash anyway so timing does not reveal
		// which addresses exist
		_ = auth.CheckPassword(g.dummyHash(), req.Password)
		g.loginFailed(account, address)
		httpError(w, http.StatusUnauthorized, CodeUnauthorized, auth.ErrBadPassword.Error())
		return
	}
	if err := auth.CheckPassword(a.PasswordHash, req.Password); err != nil {
		g.loginFailed(account, address)
		httpError(w, http.StatusUnauthorized, CodeUnauthorized, err.Error())
		return
	}
	g.loginSucceeded(account)
	tok, err := g.keys.Issue(auth.RoleAgent, a.Tenant, "", a.ID, g.lim.AgentTokenTTL)
	if err != nil {
		httpError(w, http.StatusInternalServerError, CodeUnavailable, "could not issue a token")
		return
	}
	writeJSON(w, http.StatusOK, &protocol.LoginReply{Agent: agentView(a), ExpiresIn: int(g.lim.AgentTokenTTL.Seconds()), Token: tok})
}

// dummyHash is a bcrypt hash of a random string, made on first use with the
// cost of new hashes, so that a login with an unknown address costs as much
// as one with a known address.
func (g *Gateway) dummyHash() string {
	g.dummyOnce.Do(func() { g.dummy, _ = auth.HashPassword(event.NewID(), g.lim.Login.BcryptCost) })
	return g.dummy
}

// bearer authenticates an HTTP request with an agent or customer token.
func (g *Gateway) bearer(w http.ResponseWriter, r *http.Request) (*auth.Claims, bool) {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || tok == "" {
		httpError(w, http.StatusUnauthorized, CodeUnauthorized, "send Authorization: Bearer <token>")
		return nil, false
	}
	c, err := g.keys.Verify(tok, auth.RoleAgent, auth.RoleCustomer)
	if err != nil {
		httpError(w, http.StatusUnauthorized, CodeUnauthorized, err.Error())
		return nil, false
	}
	return c, true
}

// AllowedTypes are the attachment types accepted, checked against the
// bytes, not only the declared Content-Type.
var AllowedTypes = map[string]bool{
	"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true,
	"application/pdf": true, "text/plain": true,
}

func (g *Gateway) upload(w http.ResponseWriter, r *http.Request) {
	c, ok := g.bearer(w, r)
	if !ok {
		return
	}
	declared, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || !AllowedTypes[declared] {
		g.m.Uploads.WithLabelValues("refused").Inc()
		httpError(w, http.StatusUnsupportedMediaType, CodeInvalid, "allowed types: image/png, image/jpeg, image/gif, image/webp, application/pdf, text/plain")
		return
	}
	if r.ContentLength > g.lim.MaxUploadBytes {
		g.m.Uploads.WithLabelValues("refused").Inc()
		httpError(w, http.StatusRequestEntityTooLarge, CodeInvalid, fmt.Sprintf("attachments are at most %d bytes", g.lim.MaxUploadBytes))
		return
	}
	done, ok := g.reserveUpload(w, c, r.ContentLength)
	if !ok {
		return
	}
	storedID, storedSize := "", int64(0)
	defer func() { done(storedID, storedSize) }()
	name := r.URL.Query().Get("name")
	if len(name) > 200 {
		name = name[:200]
	}
	id := event.NewID()
	body := http.MaxBytesReader(w, r.Body, g.lim.MaxUploadBytes)
	head := make([]byte, 512)
	n, _ := io.ReadFull(body, head)
	head = head[:n]
	if n == 0 {
		httpError(w, http.StatusBadRequest, CodeInvalid, "empty attachment")
		return
	}
	sniffed, _, _ := mime.ParseMediaType(http.DetectContentType(head))
	if !sameFamily(declared, sniffed) {
		g.m.Uploads.WithLabelValues("refused").Inc()
		httpError(w, http.StatusUnsupportedMediaType, CodeInvalid, fmt.Sprintf("content is %s, not the declared %s", sniffed, declared))
		return
	}
	size, sum, err := g.att.Write(c.Tenant, id, io.MultiReader(bytes.NewReader(head), body))
	var mbe *http.MaxBytesError
	var ce *attachments.CopyError
	switch {
	case errors.As(err, &mbe):
		g.m.Uploads.WithLabelValues("refused").Inc()
		httpError(w, http.StatusRequestEntityTooLarge, CodeInvalid, fmt.Sprintf("attachments are at most %d bytes", g.lim.MaxUploadBytes))
		return
	case errors.As(err, &ce):
		httpError(w, http.StatusBadRequest, CodeInvalid, "upload interrupted")
		return
	case err != nil:
		httpError(w, http.StatusInternalServerError, CodeUnavailable, "could not store the attachment")
		return
	}
	actor := event.Actor{Kind: event.ActorCustomer, ID: c.Subject}
	if c.Role == auth.RoleAgent {
		actor.Kind = event.ActorAgent
	}
	a := &event.Attachment{ID: id, Name: name, Type: declared, Size: size, SHA256: sum}
	if _, err := g.journal.Append(r.Context(), &event.Event{Kind: event.KindAttachmentStored, Tenant: c.Tenant, Actor: actor, Attachment: a}); err != nil {
		httpError(w, http.StatusServiceUnavailable, CodeUnavailable, "could not record the attachment: retry")
		return
	}
	storedID, storedSize = id, size
	g.m.Uploads.WithLabelValues("stored").Inc()
	writeJSON(w, http.StatusCreated, attachmentView(a))
}

func sameFamily(declared, sniffed string) bool {
	if declared == sniffed {
		return true
	}
	// DetectContentType reports text as text/plain and cannot tell every
	// image format apart; the declared type must still match the family.
	return declared == "text/plain" && strings.HasPrefix(sniffed, "text/plain")
}

func (g *Gateway) download(w http.ResponseWriter, r *http.Request) {
	c, ok := g.bearer(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	if !event.ValidID(id) {
		httpError(w, http.StatusNotFound, CodeNotFound, "no such attachment")
		return
	}
	rec, err := g.store.Attachment(c.Tenant, id)
	if errors.Is(err, state.ErrNotFound) {
		httpError(w, http.StatusNotFound, CodeNotFound, "no such attachment")
		return
	}
	if err != nil {
		httpError(w, http.StatusInternalServerError, CodeUnavailable, "could not read the attachment")
		return
	}
	if c.Role == auth.RoleCustomer && !g.customerMaySee(c, rec) {
		httpError(w, http.StatusForbidden, CodeForbidden, "only the conversation's participants may download this")
		return
	}
	f, err := os.Open(g.att.File(c.Tenant, id))
	if err != nil {
		httpError(w, http.StatusNotFound, CodeNotFound, "attachment bytes are missing on this edge")
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", rec.Type)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "sandbox; default-src 'none'")
	w.Header().Set("Cache-Control", "private, max-age=3600")
	disp := "attachment"
	if strings.HasPrefix(rec.Type, "image/") {
		disp = "inline"
	}
	w.Header().Set("Content-Disposition", mime.FormatMediaType(disp, map[string]string{"filename": rec.Name}))
	http.ServeContent(w, r, "", time.Time{}, f)
}

func (g *Gateway) customerMaySee(c *auth.Claims, rec *state.AttachmentRec) bool {
	if rec.Uploader == event.ActorCustomer+":"+c.Subject {
		return true
	}
	convs, err := g.store.AttachmentConversations(c.Tenant, rec.ID)
	if err != nil {
		return false
	}
	for _, v := range convs {
		if conv, err := g.store.Conversation(c.Tenant, v); err == nil && conv.Contact == c.Subject {
			return true
		}
	}
	return false
}
