package conversation

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
	"github.com/edgedesk/edgedesk/internal/ticket"
)

// Values of a view's filters and sorts.
const (
	Me   = "me"   // View.Assignee: the agent looking
	Mine = "mine" // View.Team: the teams of the agent looking
	None = "none" // View.Assignee, View.Team: none

	SLABreached = "breached" // View.SLA: a running clock is past its target
	SLAWarning  = "warning"  // a running clock is past its warning, not its target
	SLARunning  = "running"  // a clock runs

	SortActivity = "last_activity" // latest activity first (the default)
	SortDue      = "due"           // the SLA due soonest first, the overdue first of all; none last
	SortPriority = "priority"      // urgent first, then latest activity
	SortCreated  = "created"       // oldest first
)

// Sorts are the orders of a view.
var Sorts = []string{SortActivity, SortDue, SortPriority, SortCreated}

// BuiltinViews are every agent's views, before the tenant's: their own
// open work, the queue, their teams' queue and the overdue.
var BuiltinViews = []event.View{
	{ID: "mine", Name: "My open tickets", Assignee: Me, Statuses: []string{event.StatusNew, event.StatusOpen, event.StatusPending, event.StatusOnHold}, Sort: SortDue},
	{ID: "unassigned", Name: "Unassigned", Assignee: None, Statuses: []string{event.StatusNew, event.StatusOpen}, Sort: SortPriority},
	{ID: "my-teams", Name: "My teams' queue", Team: Mine, Assignee: None, Statuses: []string{event.StatusNew, event.StatusOpen}, Sort: SortPriority},
	{ID: "overdue", Name: "Overdue", SLA: SLABreached, Statuses: []string{event.StatusNew, event.StatusOpen}, Sort: SortDue},
}

// MaxViewScan bounds the conversations a view looks at: the most recently
// active of the tenant's.
const MaxViewScan = 20_000

// SetViews replaces the tenant's saved views (admins). Each is checked:
// a name, known statuses, priorities, channels and SLA states, agents,
// teams, inboxes and custom fields that exist, values those fields take,
// and a known sort; a bad one refuses the set, naming it.
func (s *Service) SetViews(ctx context.Context, a Actor, views []event.View) ([]event.View, error) {
	if err := s.RequireAdmin(a, "change saved views"); err != nil {
		return nil, err
	}
	if len(views) > event.MaxViews {
		return nil, invalid("%d views: a tenant has at most %d", len(views), event.MaxViews)
	}
	views = slices.Clone(views)
	ids := map[string]bool{}
	for _, b := range BuiltinViews {
		ids[b.ID] = true
	}
	for i := range views {
		v := &views[i]
		if v.ID == "" {
			v.ID = "v" + strings.ToLower(event.NewID()[:12])
		}
		v.Name = strings.TrimSpace(v.Name)
		for j, t := range v.Tags {
			v.Tags[j] = NormalTag(t)
		}
		if err := s.checkView(a.Tenant, v); err != nil {
			return nil, invalid("view %d (%q): %v", i+1, v.Name, err)
		}
		if ids[v.ID] {
			return nil, invalid("view %d (%q): id %q is taken", i+1, v.Name, v.ID)
		}
		ids[v.ID] = true
	}
	if views == nil {
		views = []event.View{}
	}
	_, err := s.append(ctx, &event.Event{Kind: event.KindViewsSet, Tenant: a.Tenant, Actor: a.event(), Views: &event.ViewSet{Views: views}})
	return views, err
}

func (s *Service) checkView(tenant string, v *event.View) error {
	switch {
	case !event.ValidID(v.ID):
		return errorf("id must be 1-64 letters, digits, '-' or '_'")
	case v.Name == "" || utf8.RuneCountInString(v.Name) > 100:
		return errorf("name must be 1-100 characters")
	case v.Sort != "" && !slices.Contains(Sorts, v.Sort):
		return errorf("sort %q: one of %s", v.Sort, strings.Join(Sorts, ", "))
	case v.SLA != "" && v.SLA != SLABreached && v.SLA != SLAWarning && v.SLA != SLARunning:
		return errorf("sla %q: breached, warning or running", v.SLA)
	case v.Channel != "" && !slices.Contains(append([]string{"web", "api", "email"}, event.SocialChannels...), v.Channel):
		return errorf("channel %q: web, api, email, wechat, wecom, x, telegram or whatsapp", v.Channel)
	}
	for _, st := range v.Statuses {
		if !slices.Contains(event.Statuses, st) {
			return errorf("status %q: one of %s", st, strings.Join(event.Statuses, ", "))
		}
	}
	for _, p := range v.Priorities {
		if !event.ValidPriority(p) {
			return errorf("priority %q: low, normal, high or urgent", p)
		}
	}
	for _, t := range v.Tags {
		if !event.ValidTag(t) {
			return errorf("tag %q: %s", t, tagRule)
		}
	}
	if v.Assignee != "" && v.Assignee != Me && v.Assignee != None {
		if _, err := s.store.Agent(tenant, v.Assignee); err != nil {
			return errorf("assignee %q: me, none or an agent's id", v.Assignee)
		}
	}
	if v.Team != "" && v.Team != Mine && v.Team != None {
		if _, err := s.store.Team(tenant, v.Team); err != nil {
			return errorf("team %q: mine, none or a team's id", v.Team)
		}
	}
	if v.Inbox != "" {
		if _, err := s.store.Inbox(tenant, v.Inbox); err != nil {
			return errorf("inbox %q: no such inbox", v.Inbox)
		}
	}
	for j, f := range v.Fields {
		d := s.fieldDef(tenant, f.Key)
		if d == nil {
			return errorf("no custom field %q", f.Key)
		}
		val, err := ticket.Value(d, f.Value)
		if err != nil {
			return err
		}
		v.Fields[j].Value = val
	}
	return nil
}

func errorf(format string, a ...any) error { return fmt.Errorf(format, a...) }

// Views are the views an agent sees: the built-in ones, then the
// tenant's (agents and the system).
func (s *Service) Views(a Actor) ([]event.View, error) {
	if err := staffOnly(a, "use views"); err != nil {
		return nil, err
	}
	own, err := s.store.Views(a.Tenant)
	if err != nil {
		return nil, err
	}
	return slices.Concat(BuiltinViews, own), nil
}

// view is the view of id the actor sees.
func (s *Service) view(a Actor, id string) (*event.View, error) {
	views, err := s.Views(a)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(views, func(v event.View) bool { return v.ID == id })
	if i < 0 {
		return nil, notFound("no such view")
	}
	return &views[i], nil
}

// viewer is what a view's "me" and "mine" are for an actor, and the
// time its SLA filters and sorts read.
type viewer struct {
	agent string
	teams map[string]bool
	now   int64
}

func (s *Service) viewer(a Actor) (*viewer, error) {
	v := &viewer{agent: a.ID, teams: map[string]bool{}, now: s.now().UnixMilli()}
	if a.Kind != event.ActorAgent {
		v.agent = ""
		return v, nil
	}
	teams, err := s.store.Teams(a.Tenant)
	if err != nil {
		return nil, err
	}
	for _, t := range teams {
		if t.Has(a.ID) {
			v.teams[t.ID] = true
		}
	}
	return v, nil
}

// selects reports whether view v shows conversation c to w.
func (w *viewer) selects(v *event.View, c *state.ConversationRec) bool {
	if len(v.Statuses) > 0 && !slices.Contains(v.Statuses, c.Status) ||
		len(v.Priorities) > 0 && !slices.Contains(v.Priorities, priorityName(c.Priority)) ||
		v.Inbox != "" && c.Inbox != v.Inbox || v.Channel != "" && channelName(c.Channel) != v.Channel {
		return false
	}
	switch v.Assignee {
	case "":
	case Me:
		if w.agent == "" || c.Assignee != w.agent {
			return false
		}
	case None:
		if c.Assignee != "" {
			return false
		}
	default:
		if c.Assignee != v.Assignee {
			return false
		}
	}
	switch v.Team {
	case "":
	case Mine:
		if !w.teams[c.Team] {
			return false
		}
	case None:
		if c.Team != "" {
			return false
		}
	default:
		if c.Team != v.Team {
			return false
		}
	}
	for _, t := range v.Tags {
		if !slices.Contains(c.Tags, t) {
			return false
		}
	}
	for _, f := range v.Fields {
		if !slices.Contains(c.Fields, f) {
			return false
		}
	}
	if v.SLA != "" {
		stage, _ := w.sla(c)
		switch v.SLA {
		case SLABreached:
			return stage == SLABreached
		case SLAWarning:
			return stage == SLAWarning
		case SLARunning:
			return stage != ""
		}
	}
	return true
}

// sla is the state of c's most urgent running clock (breached, warning,
// running, or "" when none runs) and its due (unix ms; 0 when none).
func (w *viewer) sla(c *state.ConversationRec) (string, int64) {
	stage, due := "", int64(0)
	for _, k := range c.SLA {
		if k.Run == 0 || k.Due == 0 {
			continue
		}
		st := SLARunning
		switch {
		case k.Stage == event.SLABreached || k.Due <= w.now:
			st = SLABreached
		case k.Stage == event.SLAWarning || k.Warn != 0 && k.Warn <= w.now:
			st = SLAWarning
		}
		if due == 0 || k.Due < due {
			due = k.Due
		}
		if rank(st) > rank(stage) {
			stage = st
		}
	}
	return stage, due
}

func rank(stage string) int {
	return map[string]int{SLARunning: 1, SLAWarning: 2, SLABreached: 3}[stage]
}

func priorityName(stored string) string {
	if stored == "" {
		return event.PriorityNormal
	}
	return stored
}

func channelName(stored string) string {
	if stored == "" {
		return "web"
	}
	return stored
}

// sortView orders convs as v says.
func (w *viewer) sortView(v *event.View, convs []state.ConversationRec) {
	byActivity := func(a, b *state.ConversationRec) int { return cmp.Compare(b.LastSeq, a.LastSeq) }
	switch v.Sort {
	case SortDue:
		slices.SortStableFunc(convs, func(a, b state.ConversationRec) int {
			_, da := w.sla(&a)
			_, db := w.sla(&b)
			switch {
			case da == 0 && db == 0:
				return byActivity(&a, &b)
			case da == 0:
				return 1
			case db == 0:
				return -1
			}
			return cmp.Or(cmp.Compare(da, db), byActivity(&a, &b))
		})
	case SortPriority:
		slices.SortStableFunc(convs, func(a, b state.ConversationRec) int {
			return cmp.Or(cmp.Compare(event.PriorityRank(b.Priority), event.PriorityRank(a.Priority)), byActivity(&a, &b))
		})
	case SortCreated:
		slices.SortStableFunc(convs, func(a, b state.ConversationRec) int { return cmp.Compare(a.OpenedSeq, b.OpenedSeq) })
	default:
		slices.SortStableFunc(convs, func(a, b state.ConversationRec) int { return byActivity(&a, &b) })
	}
}

// ViewConversations are the conversations of view id for a, in its order,
// at most limit (≤ MaxList), and how many it has in all.
func (s *Service) ViewConversations(a Actor, id string, limit int) ([]state.ConversationRec, int, error) {
	v, err := s.view(a, id)
	if err != nil {
		return nil, 0, err
	}
	w, err := s.viewer(a)
	if err != nil {
		return nil, 0, err
	}
	all, _, err := s.store.Conversations(a.Tenant, v.Statuses, 0, MaxViewScan)
	if err != nil {
		return nil, 0, err
	}
	out := all[:0]
	for i := range all {
		if w.selects(v, &all[i]) {
			out = append(out, all[i])
		}
	}
	w.sortView(v, out)
	if limit <= 0 || limit > MaxList {
		limit = MaxList
	}
	total := len(out)
	if len(out) > limit {
		out = out[:limit]
	}
	return out, total, nil
}

// ViewCounts are how many conversations each view a sees has.
func (s *Service) ViewCounts(a Actor) (map[string]int, error) {
	views, err := s.Views(a)
	if err != nil {
		return nil, err
	}
	w, err := s.viewer(a)
	if err != nil {
		return nil, err
	}
	all, _, err := s.store.Conversations(a.Tenant, []string{event.StatusNew, event.StatusOpen, event.StatusPending, event.StatusOnHold,
		event.StatusSolved, event.StatusClosed}, 0, MaxViewScan)
	if err != nil {
		return nil, err
	}
	counts := make(map[string]int, len(views))
	for i := range views {
		counts[views[i].ID] = 0
		for j := range all {
			if w.selects(&views[i], &all[j]) {
				counts[views[i].ID]++
			}
		}
	}
	return counts, nil
}
