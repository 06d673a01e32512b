package hub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/quic-go/quic-go"
	"golang.org/x/crypto/bcrypt"

	"github.com/edgedesk/edgedesk/edge/channels"
	"github.com/edgedesk/edgedesk/edge/channels/kinds"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/sealbox"
	"github.com/edgedesk/edgedesk/internal/syncproto"
)

// The control stream: configuration the hub owns (tenants, inboxes,
// agents, canned responses, plugins' configurations) is a log of events on the hub, pushed to every
// edge on its sync stream. An edge appends each to its own log, where its
// projector applies it like any event, then acknowledges the sequence; it
// names the last one it applied in its next hello.

// Configure appends a configuration event and wakes every edge's push.
func (h *Hub) Configure(e *event.Event) (uint64, error) {
	e.V, e.Origin, e.TS = event.Version, "hub", time.Now().UnixMilli()
	if e.ID == "" {
		e.ID = event.NewID()
	}
	if e.Actor.Kind == "" {
		e.Actor = event.Actor{Kind: event.ActorSystem, ID: "hub"}
	}
	data, err := h.codec.Encode(e)
	if err != nil {
		return 0, err
	}
	h.cfgMu.Lock()
	seq, err := h.elog.AppendConfig(data)
	wake := h.cfgWake
	h.cfgWake = make(chan struct{})
	h.cfgMu.Unlock()
	if err != nil {
		return 0, err
	}
	close(wake)
	return seq, nil
}

// configWake is closed at the next configuration change.
func (h *Hub) configWake() <-chan struct{} {
	h.cfgMu.Lock()
	defer h.cfgMu.Unlock()
	return h.cfgWake
}

// pushConfig sends the configuration log after from to an edge, then each
// change as it comes, until ctx ends or a write fails.
func (h *Hub) pushConfig(ctx context.Context, e *edgeState, conn *quic.Conn, w *syncproto.Writer, from uint64) {
	next := from + 1
	for {
		wake := h.configWake()
		evs, err := h.elog.ReadConfig(next, 256)
		if err != nil {
			h.log.Error("cannot read the configuration log", "err", err)
			return
		}
		if len(evs) > 0 {
			head, _ := h.elog.ConfigHead()
			b := &syncproto.Batch{First: next, Head: max(head, next+uint64(len(evs))-1), Events: evs}
			if err := w.Write(&syncproto.Frame{Type: syncproto.TypeConfig, Batch: b}); err != nil {
				return
			}
			next += uint64(len(evs))
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-conn.Context().Done():
			return
		case <-wake:
		}
	}
}

// configAPI serves the operators' configuration endpoints.
func (h *Hub) configAPI(mux *http.ServeMux, guard func(http.HandlerFunc) http.Handler) {
	mux.Handle("PUT /api/v1/tenants/{tenant}", guard(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Name          string     `json:"name"`
			Residency     []string   `json:"residency"`
			ResidencyMode string     `json:"residency_mode"`
			RecordCalls   bool       `json:"record_calls"`
			SLA           *event.SLA `json:"sla"`
		}
		if !decodeBody(w, r, &body) {
			return
		}
		if body.SLA != nil {
			if err := body.SLA.Check(); err != nil {
				writeJSON(w, http.StatusBadRequest, apiError{"invalid", err.Error()})
				return
			}
			if body.SLA.TimeZone != "" {
				if _, err := time.LoadLocation(body.SLA.TimeZone); err != nil {
					writeJSON(w, http.StatusBadRequest, apiError{"invalid", "sla: time zone " + body.SLA.TimeZone + " is unknown: give an IANA name such as Europe/Berlin"})
					return
				}
			}
		}
		t := r.PathValue("tenant")
		h.configured(w, &event.Event{Kind: event.KindTenantUpserted, Tenant: t,
			TenantInfo: &event.Tenant{ID: t, Name: body.Name, Residency: body.Residency, ResidencyMode: body.ResidencyMode,
				RecordCalls: body.RecordCalls, SLA: body.SLA}})
	}))
	mux.Handle("PUT /api/v1/tenants/{tenant}/inboxes/{inbox}", guard(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Name           string   `json:"name"`
			Channel        string   `json:"channel"`
			IdentitySecret string   `json:"identity_secret"`
			Prechat        []string `json:"prechat"`
			Skills         []string `json:"skills"`
			Priority       string   `json:"priority"`
			Color          string   `json:"color"`
			Greeting       string   `json:"greeting"`
			ReplyTime      string   `json:"reply_time"`
		}
		if !decodeBody(w, r, &body) {
			return
		}
		body.Color, body.Greeting = event.NormalizeColor(body.Color), strings.TrimSpace(body.Greeting)
		if !event.ValidColor(body.Color) {
			writeJSON(w, http.StatusBadRequest, apiError{"invalid", "color: a colour #rrggbb, or empty for the widget's own"})
			return
		}
		if err := event.ValidGreeting(body.Greeting); err != nil {
			writeJSON(w, http.StatusBadRequest, apiError{"invalid", err.Error()})
			return
		}
		if !event.ValidReplyTime(body.ReplyTime) {
			writeJSON(w, http.StatusBadRequest, apiError{"invalid", "reply_time: " + strings.Join(event.ReplyTimes, ", ") + ", or empty"})
			return
		}
		body.Skills = event.NormalizeTags(body.Skills)
		if err := event.ValidSkills(body.Skills); err != nil {
			writeJSON(w, http.StatusBadRequest, apiError{"invalid", "skills: " + err.Error()})
			return
		}
		if body.Priority != "" && !event.ValidPriority(body.Priority) {
			writeJSON(w, http.StatusBadRequest, apiError{"invalid", "priority must be " + strings.Join(event.Priorities, ", ")})
			return
		}
		h.configured(w, &event.Event{Kind: event.KindInboxUpserted, Tenant: r.PathValue("tenant"),
			Inbox: &event.Inbox{ID: r.PathValue("inbox"), Name: body.Name, Channel: body.Channel, IdentitySecret: body.IdentitySecret, Prechat: body.Prechat,
				Skills: body.Skills, Priority: event.StoredPriority(body.Priority), Color: body.Color, Greeting: body.Greeting,
				ReplyTime: body.ReplyTime}})
	}))
	mux.Handle("PUT /api/v1/tenants/{tenant}/agents/{agent}", guard(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Email     string   `json:"email"`
			Name      string   `json:"name"`
			Password  string   `json:"password"`
			Role      string   `json:"role"`
			Skills    []string `json:"skills"`
			Languages []string `json:"languages"`
			MaxChats  int      `json:"max_chats"`
		}
		if !decodeBody(w, r, &body) {
			return
		}
		if len(body.Password) < 8 || len(body.Password) > 72 {
			writeJSON(w, http.StatusBadRequest, apiError{"invalid", "password: 8 to 72 bytes"})
			return
		}
		if body.Role != "" && body.Role != "admin" && body.Role != "agent" {
			writeJSON(w, http.StatusBadRequest, apiError{"invalid", "role: admin or agent"})
			return
		}
		body.Skills, body.Languages = event.NormalizeTags(body.Skills), event.NormalizeTags(body.Languages)
		if err := event.ValidSkills(body.Skills); err != nil {
			writeJSON(w, http.StatusBadRequest, apiError{"invalid", "skills: " + err.Error()})
			return
		}
		if err := event.ValidLanguages(body.Languages); err != nil {
			writeJSON(w, http.StatusBadRequest, apiError{"invalid", "languages: " + err.Error()})
			return
		}
		hash, err := bcrypt.GenerateFromPassword([]byte(body.Password), bcrypt.DefaultCost)
		if err != nil {
			writeJSON(w, http.StatusInternalServerError, apiError{"unavailable", "could not hash the password"})
			return
		}
		h.configured(w, &event.Event{Kind: event.KindAgentUpserted, Tenant: r.PathValue("tenant"),
			Agent: &event.Agent{ID: r.PathValue("agent"), Email: strings.ToLower(body.Email), Name: body.Name, PasswordHash: string(hash),
				Role: body.Role, Skills: body.Skills, Languages: body.Languages, MaxChats: body.MaxChats}})
	}))
	mux.Handle("PUT /api/v1/tenants/{tenant}/plugins/{plugin}/config", guard(func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("plugin")
		if !event.ValidPluginName(name) {
			writeJSON(w, http.StatusBadRequest, apiError{"invalid", fmt.Sprintf("plugin %q: a plugin's name is 1-63 lower-case letters, digits or '-'", name)})
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, event.MaxPluginConfig+1))
		if err != nil {
			writeJSON(w, http.StatusBadRequest, apiError{"invalid", "body: " + err.Error()})
			return
		}
		cfg, err := event.ParsePluginConfig(body)
		switch {
		case errors.Is(err, event.ErrPluginConfigTooLarge):
			writeJSON(w, http.StatusRequestEntityTooLarge, apiError{"invalid", event.ErrPluginConfigTooLarge.Error()})
			return
		case err != nil:
			writeJSON(w, http.StatusBadRequest, apiError{"invalid", err.Error() + " (send null to clear it)"})
			return
		}
		h.configured(w, &event.Event{Kind: event.KindPluginConfigured, Tenant: r.PathValue("tenant"),
			PluginConfig: &event.PluginConfig{Plugin: name, Config: cfg}})
	}))
}

// channelAPI configures tenants' messaging channels (docs/channels.md):
//
//	GET    /api/v1/tenants/{tenant}/channels            the tenant's channels (credentials' names only)
//	PUT    /api/v1/tenants/{tenant}/channels/{channel}  set it: kind, inbox, region, api_base, credentials
//	DELETE /api/v1/tenants/{tenant}/channels/{channel}  remove it
//
// The credentials are sealed to the region's public key (its edges give it
// in their hellos) before anything is stored: the hub keeps and pushes
// only what that region's edges can open, and never logs them.
func (h *Hub) channelAPI(mux *http.ServeMux, guard func(http.HandlerFunc) http.Handler) {
	mux.Handle("PUT /api/v1/tenants/{tenant}/channels/{channel}", guard(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Kind        string            `json:"kind"`
			Inbox       string            `json:"inbox"`
			Region      string            `json:"region"`
			APIBase     string            `json:"api_base"`
			Credentials map[string]string `json:"credentials"`
		}
		if !decodeBody(w, r, &body) {
			return
		}
		t, id := r.PathValue("tenant"), r.PathValue("channel")
		h.chanMu.Lock()
		defer h.chanMu.Unlock()
		if !h.channelFree(w, t, id) {
			return
		}
		k, ok := kinds.Named(body.Kind)
		if !ok {
			writeJSON(w, http.StatusBadRequest, apiError{"invalid", fmt.Sprintf("kind %q: one of %s", body.Kind, strings.Join(event.SocialChannels, ", "))})
			return
		}
		if !ValidName(body.Region) {
			writeJSON(w, http.StatusBadRequest, apiError{"invalid", "region: the region whose edges serve the channel (its customers' region)"})
			return
		}
		if body.APIBase != "" {
			if err := event.CheckAPIBase(body.APIBase); err != nil {
				writeJSON(w, http.StatusBadRequest, apiError{"invalid", "api_base: " + err.Error()})
				return
			}
		}
		creds := channels.Credentials(body.Credentials)
		if err := creds.Check(k); err != nil {
			writeJSON(w, http.StatusBadRequest, apiError{"invalid", "credentials: " + err.Error()})
			return
		}
		for key, v := range creds {
			if len(v) > event.MaxCredential || !utf8.ValidString(v) {
				writeJSON(w, http.StatusBadRequest, apiError{"invalid", fmt.Sprintf("credentials: %s: at most %d bytes of UTF-8", key, event.MaxCredential)})
				return
			}
		}
		pub, err := h.reg.RegionSealKey(body.Region)
		if err != nil {
			writeJSON(w, http.StatusConflict, apiError{"no_region_key", err.Error()})
			return
		}
		plain, _ := json.Marshal(body.Credentials)
		sealed, err := sealbox.Seal(pub, event.ChannelContext(t, id), plain)
		clear(plain)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, apiError{"invalid", "credentials: " + err.Error()})
			return
		}
		h.configured(w, &event.Event{Kind: event.KindChannelConfigured, Tenant: t,
			ChannelConf: &event.ChannelConfig{ID: id, Kind: k.Name, Inbox: body.Inbox, Region: body.Region, APIBase: body.APIBase,
				Credentials: sealed, Keys: slices.Sorted(maps.Keys(creds))}})
	}))
	mux.Handle("DELETE /api/v1/tenants/{tenant}/channels/{channel}", guard(func(w http.ResponseWriter, r *http.Request) {
		t, id := r.PathValue("tenant"), r.PathValue("channel")
		h.chanMu.Lock()
		defer h.chanMu.Unlock()
		cur, err := h.channelConfigs()
		if err != nil {
			writeJSON(w, http.StatusServiceUnavailable, apiError{"unavailable", "the hub could not read its configuration: retry"})
			return
		}
		c, ok := cur[id]
		if !ok || c.tenant != t {
			writeJSON(w, http.StatusNotFound, apiError{"not_found", fmt.Sprintf("tenant %s has no channel %q", t, id)})
			return
		}
		h.configured(w, &event.Event{Kind: event.KindChannelConfigured, Tenant: t,
			ChannelConf: &event.ChannelConfig{ID: id, Kind: c.Kind, Deleted: true}})
	}))
	mux.Handle("GET /api/v1/tenants/{tenant}/channels", guard(func(w http.ResponseWriter, r *http.Request) {
		cur, err := h.channelConfigs()
		if err != nil {
			writeJSON(w, http.StatusServiceUnavailable, apiError{"unavailable", "the hub could not read its configuration: retry"})
			return
		}
		out := []ChannelView{}
		for _, c := range cur {
			if c.tenant == r.PathValue("tenant") {
				out = append(out, c)
			}
		}
		slices.SortFunc(out, func(a, b ChannelView) int { return strings.Compare(a.ID, b.ID) })
		writeJSON(w, http.StatusOK, map[string]any{"channels": out})
	}))
}

// ChannelView is a channel as the hub's GET shows it: its configuration
// without its credentials' values (their names only), and the
// configuration change that set it.
type ChannelView struct {
	ID          string   `json:"id"`
	Kind        string   `json:"kind"`
	Inbox       string   `json:"inbox"`
	Region      string   `json:"region"`
	APIBase     string   `json:"api_base,omitempty"`
	Credentials []string `json:"credentials"`
	ConfigSeq   uint64   `json:"config_seq"`
	UpdatedAt   int64    `json:"updated_at"`

	tenant string
}

// channelConfigs are the channels the configuration log holds now, by id.
func (h *Hub) channelConfigs() (map[string]ChannelView, error) {
	out := map[string]ChannelView{}
	for next := uint64(1); ; {
		evs, err := h.elog.ReadConfig(next, 256)
		if err != nil {
			return nil, err
		}
		if len(evs) == 0 {
			return out, nil
		}
		for i, b := range evs {
			e, err := h.codec.Decode(b)
			if err != nil || e.Kind != event.KindChannelConfigured {
				continue
			}
			c := e.ChannelConf
			if c.Deleted {
				delete(out, c.ID)
			} else {
				out[c.ID] = ChannelView{ID: c.ID, Kind: c.Kind, Inbox: c.Inbox, Region: c.Region, APIBase: c.APIBase, Credentials: c.Keys,
					ConfigSeq: next + uint64(i), UpdatedAt: e.TS, tenant: e.Tenant}
			}
		}
		next += uint64(len(evs))
	}
}

// channelFree reports whether tenant t may use the channel id id (its
// webhook's URL names it alone): a free one or its own. Otherwise it has
// answered.
func (h *Hub) channelFree(w http.ResponseWriter, t, id string) bool {
	if !event.ValidChannelID(id) {
		writeJSON(w, http.StatusBadRequest, apiError{"invalid", fmt.Sprintf("channel id %q: 1-64 lower-case letters, digits, '-' or '_' (it is in the webhook's URL)", id)})
		return false
	}
	cur, err := h.channelConfigs()
	if err != nil {
		writeJSON(w, http.StatusServiceUnavailable, apiError{"unavailable", "the hub could not read its configuration: retry"})
		return false
	}
	if c, ok := cur[id]; ok && c.tenant != t {
		writeJSON(w, http.StatusConflict, apiError{"channel_taken", fmt.Sprintf("another tenant has a channel %q: channel ids are unique across tenants (they are in the webhook's URL)", id)})
		return false
	}
	return true
}

// configured appends e and answers with its configuration sequence.
func (h *Hub) configured(w http.ResponseWriter, e *event.Event) {
	seq, err := h.Configure(e)
	switch {
	case errors.Is(err, event.ErrMalformed):
		writeJSON(w, http.StatusBadRequest, apiError{"invalid", err.Error()})
	case err != nil:
		h.log.Error("cannot store a configuration change", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, apiError{"unavailable", "the hub could not store the change: retry"})
	default:
		writeJSON(w, http.StatusOK, map[string]any{"config_seq": seq, "id": e.ID})
	}
}

func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{"invalid", fmt.Sprintf("body: %v", err)})
		return false
	}
	return true
}
