// Package automation runs the tenant's automation rules' actions at the
// edge. The projector decides which rules fire, at each change's place in
// the log (internal/state), and writes each firing down; the Runner of
// every node of a region makes the firings' actions, one event each, and
// says when a time rule's time has come. Its events' ids are derived from
// the firing, the step and the time, and the projector applies each only
// as its firing's next step, so the log keeps every action once however
// many nodes run, restart or die half-way (docs/automation.md).
package automation

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/edgedesk/edgedesk/edge/conversation"
	"github.com/edgedesk/edgedesk/internal/automation"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
	"github.com/edgedesk/edgedesk/wasm/abi"
)

// Options configure a Runner.
type Options struct {
	Store         *state.Store
	Conversations *conversation.Service
	// Interval is how often it looks for firings and time rules' times
	// without being woken (default 1s); the projector wakes it at once
	// when it writes a firing down.
	Interval time.Duration
	// Now is the time (nil: time.Now).
	Now func() time.Time
	Log *slog.Logger
	// Plugins answer rules' `plugin` actions (nil: none is installed,
	// and such a step is skipped saying so).
	Plugins Automator
}

// Automator is the edge's automation plugin (edge/plugins.Manager).
type Automator interface {
	Automate(ctx context.Context, req *abi.AutomateRequest) (*abi.Automation, string, error)
}

// ErrNoPlugin is a plugin step's skip when no automation plugin is
// installed.
var ErrNoPlugin = errors.New("no automation plugin is installed on this edge")

// Runner makes the actions of firings.
type Runner struct{ o Options }

// batch bounds the firings and times of one look.
const batch = 500

// New is a runner; Run starts it.
func New(o Options) *Runner {
	if o.Interval <= 0 {
		o.Interval = time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Runner{o: o}
}

// Run makes what is to be made until ctx ends.
func (r *Runner) Run(ctx context.Context) error {
	t := time.NewTicker(r.o.Interval)
	defer t.Stop()
	wake := r.o.Store.AutomationWake()
	for {
		for {
			n, err := r.Step(ctx)
			if err != nil && ctx.Err() == nil {
				r.o.Log.Warn("automation could not make a rule's action; it tries again", "err", err)
				break
			}
			if n == 0 || ctx.Err() != nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		case <-wake:
		}
	}
}

// Step makes the next action of every firing written down, and fires
// the time rules whose time has come; it returns how many events it
// appended, and the first error (the others are still tried).
func (r *Runner) Step(ctx context.Context) (int, error) {
	var first error
	n := 0
	firings, err := r.o.Store.Firings(batch)
	if err != nil {
		return 0, err
	}
	for i := range firings {
		run := r.o.Conversations.RunFiring
		if f := &firings[i]; f.Stop == "" && f.Done < len(f.Actions) && f.Actions[f.Done].Type == automation.Plugin {
			run = r.plugin
		}
		if _, err := run(ctx, &firings[i]); err != nil {
			first = cmpErr(first, err)
			continue
		}
		n++
	}
	due, err := r.o.Store.DueAutomation(r.o.Now().UnixMilli(), batch)
	if err != nil {
		return n, cmpErr(first, err)
	}
	for _, d := range due {
		if _, err := r.o.Conversations.FireDue(ctx, d); err != nil {
			first = cmpErr(first, err)
			continue
		}
		n++
	}
	return n, first
}

// plugin asks the automation plugin what firing f's next step, a
// `plugin` action, does, and hands its answer to the conversation
// service, which checks it and writes it down.
func (r *Runner) plugin(ctx context.Context, f *state.AutoRec) (conversation.Result, error) {
	if r.o.Plugins == nil {
		return r.o.Conversations.PluginStep(ctx, f, conversation.PluginAnswer{}, ErrNoPlugin)
	}
	c, err := r.o.Store.Conversation(f.Tenant, f.Conv)
	if err != nil {
		return conversation.Result{}, err
	}
	ans, by, err := r.o.Plugins.Automate(ctx, r.request(f, c))
	if err != nil {
		if ctx.Err() != nil {
			return conversation.Result{}, ctx.Err()
		}
		if by == "" { // none is installed
			return r.o.Conversations.PluginStep(ctx, f, conversation.PluginAnswer{}, ErrNoPlugin)
		}
		r.o.Log.Warn("the automation plugin failed a rule's step; the step is skipped", "plugin", by, "rule", f.Rule, "conversation", f.Conv, "err", err)
		return r.o.Conversations.PluginStep(ctx, f, conversation.PluginAnswer{By: by}, fmt.Errorf("%s failed: %w", by, err))
	}
	out := conversation.PluginAnswer{By: by, Note: ans.Note, Actions: make([]event.Action, len(ans.Actions))}
	for i, a := range ans.Actions {
		out.Actions[i] = event.Action{Type: a.Type, Value: a.Value, Tags: a.Tags, Text: a.Text, AfterS: a.AfterS, Field: a.Field}
	}
	return r.o.Conversations.PluginStep(ctx, f, out, nil)
}

// request is what the plugin is told of firing f's conversation c.
func (r *Runner) request(f *state.AutoRec, c *state.ConversationRec) *abi.AutomateRequest {
	q := &abi.AutomateRequest{Tenant: f.Tenant, Conversation: f.Conv, Task: f.Actions[f.Done].Value, Rule: f.Rule, Trigger: f.When, Text: f.Text,
		Status: c.Status, Priority: c.Priority, Channel: c.Channel, Inbox: c.Inbox, Assignee: c.Assignee, Team: c.Team, Tags: c.Tags,
		Subject: c.Subject}
	if len(c.Fields) > 0 {
		q.Fields = make(map[string]string, len(c.Fields))
		for _, v := range c.Fields {
			q.Fields[v.Key] = v.Value
		}
	}
	if q.Priority == "" {
		q.Priority = event.PriorityNormal
	}
	if q.Channel == "" {
		q.Channel = "web"
	}
	if c.Language != "" || c.Intent != "" || c.Sentiment != "" {
		q.Reading = &abi.Reading{Language: c.Language, Intent: c.Intent, Sentiment: c.Sentiment}
	}
	if k, err := r.o.Store.Contact(f.Tenant, c.Contact); err == nil {
		q.Contact = &abi.Contact{Identified: k.ExternalID != "", Language: k.Language, Attributes: k.Attributes}
	}
	return q
}

func cmpErr(first, err error) error {
	if first != nil || errors.Is(err, context.Canceled) {
		return first
	}
	return err
}
