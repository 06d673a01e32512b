package gateway

import (
	"github.com/edgedesk/edgedesk/edge/protocol"
	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/state"
	"github.com/edgedesk/edgedesk/internal/ticket"
)

// The views: what clients see of the edge's records, in the protocol's
// types. Every frame and HTTP answer that carries a record builds it here,
// and only here: a record's new field reaches clients when a view takes it.
//
// Views copy strings and share slices and maps with their records, which
// are not changed once read from the store; they are built once per frame
// (an event's once for all the connections it goes to).

// yes and no are what customers' views point Assigned at; nothing writes
// through them.
var yes, no = true, false

// customerItem is a timeline item as its customer sees it: a status in
// the statuses the widget knows (ticket.ForCustomer). v is the agents'
// view, shared when there is nothing to change.
func customerItem(v *protocol.Item) *protocol.Item {
	if v.Status == "" || v.Kind != "status" && v.Kind != "opened" && v.Kind != "message" {
		return v // a call item's status is the call's
	}
	c := *v
	c.Status = ticket.ForCustomer(v.Status)
	c.CustomStatus = "" // the tenant's own names are for agents
	return &c
}

// itemView is a timeline item.
func itemView(it *state.Item) *protocol.Item {
	v := &protocol.Item{Seq: it.Seq, Kind: it.Kind, Conv: it.Conv, TS: it.TS, ActorKind: it.ActorKind, ActorID: it.ActorID,
		ClientID: it.ClientID, Text: it.Text, Attachments: it.Attachments, Private: it.Private, Status: it.Status,
		Assignee: it.Assignee, ReadSeq: it.ReadSeq, SnoozeUntil: it.SnoozeUntil, Ref: it.Ref, Priority: it.Priority,
		Channel: it.Channel, ActorName: it.ActorName}
	if a := it.Analysis; a != nil {
		v.Analysis = &protocol.Analysis{Language: a.Language, LanguageConfidence: a.LanguageConfidence, Intent: a.Intent,
			IntentConfidence: a.IntentConfidence, Sentiment: a.Sentiment, SentimentScore: a.SentimentScore, Plugin: a.Plugin}
		if len(a.PII) > 0 {
			v.Analysis.PII = make([]protocol.PIISpan, len(a.PII))
			for i, p := range a.PII {
				v.Analysis.PII[i] = protocol.PIISpan(p)
			}
		}
	}
	if it.Call != nil {
		c := protocol.Call(*it.Call)
		v.Call = &c
	}
	if it.Rating != nil {
		v.Rating = &protocol.Rating{Score: it.Rating.Score}
	}
	if m := it.Email; m != nil {
		v.Email = &protocol.Email{MessageID: m.MessageID, InReplyTo: m.InReplyTo, References: m.References, Subject: m.Subject,
			To: addressesView(m.To), Cc: addressesView(m.Cc), Quoted: m.Quoted, SPF: m.SPF, DKIM: m.DKIM, DMARC: m.DMARC, Auto: m.Auto}
		if m.From != nil {
			v.Email.From = &protocol.Address{Name: m.From.Name, Address: m.From.Addr}
		}
	}
	v.Team, v.Unassigned, v.CustomStatus = it.Team, it.Unassigned, it.CustomStatus
	if t := it.Template; t != nil {
		v.Template = &protocol.Template{Name: t.Name, Language: t.Language, Params: t.Params}
	}
	if l := it.Link; l != nil {
		v.Link = &protocol.Link{Other: l.Other, Kind: l.Kind, Ref: l.Ref, Removed: l.Remove}
	}
	if m := it.Merge; m != nil {
		v.Merge = &protocol.Merge{Conv: m.Conv, Into: m.Into}
	}
	if fc := it.Fields; fc != nil {
		v.Fields = &protocol.FieldsChange{Set: fieldsView(fc.Set), Clear: fc.Clear}
	}
	if tc := it.Tags; tc != nil {
		v.Tags = &protocol.TagsChange{Add: tc.Add, Remove: tc.Remove}
	}
	if st := it.SLA; st != nil {
		v.SLA = &protocol.SLAStage{Measure: st.Measure, Stage: st.Stage, Since: st.Since, Due: st.Due}
	}
	if d := it.Delivery; d != nil {
		v.Delivery = &protocol.Delivery{Status: d.Status, MessageID: d.MessageID, Detail: d.Detail, Attempts: d.Attempts, Next: d.Next}
	}
	return v
}

func addressesView(as []event.Address) []protocol.Address {
	if len(as) == 0 {
		return nil
	}
	out := make([]protocol.Address, len(as))
	for i, a := range as {
		out[i] = protocol.Address{Name: a.Name, Address: a.Addr}
	}
	return out
}

// itemsView is a page of a timeline; nil when empty.
func itemsView(items []state.Item) []protocol.Item {
	if len(items) == 0 {
		return nil
	}
	out := make([]protocol.Item, len(items))
	for i := range items {
		out[i] = *itemView(&items[i])
	}
	return out
}

// conversationView is what agents see of a conversation: all of it.
func conversationView(c *state.ConversationRec) *protocol.Conversation {
	v := agentConversation(c)
	return &v
}

func agentConversation(c *state.ConversationRec) protocol.Conversation {
	return protocol.Conversation{ID: c.ID, Tenant: c.Tenant, Inbox: c.Inbox, Contact: c.Contact, Status: c.Status,
		SnoozeUntil: c.SnoozeUntil, Assignee: c.Assignee, OpenedAt: c.OpenedAt, OpenedSeq: c.OpenedSeq,
		LastSeq: c.LastSeq, LastAt: c.LastAt, Messages: &c.Messages, LastText: c.LastText, LastAttachment: c.LastAttachment,
		ContactName: c.ContactName, Language: c.Language, Intent: c.Intent, Sentiment: c.Sentiment, RoutedBy: c.RoutedBy, RouteNote: c.RouteNote,
		RouteFallback: c.RouteFallback, Priority: c.Priority, Channel: c.Channel, CustomerAt: c.CustomerAt, Subject: c.Subject, SLA: slaView(c.SLA), Tags: c.Tags, Team: c.Team, Fields: fieldsView(c.Fields),
		Links: linksView(c.Links), MergedInto: c.MergedInto, MergedFrom: c.MergedFrom, CustomStatus: c.CustomStatus}
}

// slaView is a conversation's service level clocks.
func slaView(clocks []state.SLAClock) []protocol.SLAClock {
	if len(clocks) == 0 {
		return nil
	}
	var out []protocol.SLAClock
	for _, k := range clocks {
		if k.Target <= 0 {
			continue // no target at this priority: nothing to show
		}
		v := protocol.SLAClock{Measure: k.Measure, Since: k.Since, Target: k.Target, Due: k.Due, WarnAt: k.Warn, Stage: k.Stage}
		if k.Run == 0 {
			v.Paused, v.Left, v.Due, v.WarnAt = true, max(0, k.Target-k.Spent), 0, 0
		}
		out = append(out, v)
	}
	return out
}

// customerView is what a customer sees of their conversation: its id,
// status, when it opened, how far it goes, and whether an agent has it.
func customerView(c *state.ConversationRec) *protocol.Conversation {
	v := customerConversation(c)
	return &v
}

func customerConversation(c *state.ConversationRec) protocol.Conversation {
	assigned := &no
	if c.Assignee != "" {
		assigned = &yes
	}
	return protocol.Conversation{ID: c.ID, Status: ticket.ForCustomer(c.Status), OpenedAt: c.OpenedAt, LastSeq: c.LastSeq, Assigned: assigned}
}

// conversationsView is a list of conversations as agents (agent) or
// customers see them; never nil, so that an empty list is sent as [].
func conversationsView(cs []state.ConversationRec, agent bool) []protocol.Conversation {
	out := make([]protocol.Conversation, len(cs))
	for i := range cs {
		if agent {
			out[i] = agentConversation(&cs[i])
		} else {
			out[i] = customerConversation(&cs[i])
		}
	}
	return out
}

// contactView is a customer, as agents see them.
func contactView(c *state.ContactRec) *protocol.Contact {
	return &protocol.Contact{ID: c.ID, Tenant: c.Tenant, Inbox: c.Inbox, ExternalID: c.ExternalID, Name: c.Name,
		Email: c.Email, CreatedAt: c.CreatedAt, Language: c.Language, Attributes: c.Attributes}
}

// cannedView is the canned responses.
func cannedView(list []state.CannedRec) []protocol.Canned {
	out := make([]protocol.Canned, len(list))
	for i, c := range list {
		out[i] = protocol.Canned{ID: c.ID, Shortcut: c.Shortcut, Text: c.Text}
	}
	return out
}

// inboxesView is the inboxes, without their identity secrets.
func inboxesView(list []state.InboxRec) []protocol.Inbox {
	out := make([]protocol.Inbox, len(list))
	for i, in := range list {
		out[i] = protocol.Inbox{ID: in.ID, Tenant: in.Tenant, Name: in.Name, Channel: in.Channel, Prechat: in.Prechat,
			Skills: in.Skills, Priority: in.Priority, Color: in.Color, Greeting: in.Greeting, ReplyTime: in.ReplyTime}
	}
	return out
}

// brandView is what a customer's widget shows of their inbox: its name
// and branding, nothing else of it.
func brandView(in *state.InboxRec) *protocol.Brand {
	return &protocol.Brand{ID: in.ID, Name: in.Name, Color: in.Color, Greeting: in.Greeting, ReplyTime: in.ReplyTime}
}

// agentView is an agent, without their password hash.
func agentView(a *state.AgentRec) protocol.Agent {
	return protocol.Agent{ID: a.ID, Tenant: a.Tenant, Email: a.Email, Name: a.Name, Role: a.Role, Skills: a.Skills,
		Languages: a.Languages, MaxChats: a.MaxChats}
}

// teamView is the agents.
func teamView(list []state.AgentRec) []protocol.Agent {
	out := make([]protocol.Agent, len(list))
	for i := range list {
		out[i] = agentView(&list[i])
	}
	return out
}

// attachmentView is an upload as stored (the answer to the upload).
func attachmentView(a *event.Attachment) *protocol.Attachment {
	return &protocol.Attachment{ID: a.ID, Name: a.Name, Type: a.Type, Size: a.Size, SHA256: a.SHA256}
}

// linksView is a conversation's links (nil when none).
func linksView(links []state.ConvLink) []protocol.ConvLink {
	if len(links) == 0 {
		return nil
	}
	out := make([]protocol.ConvLink, len(links))
	for i, l := range links {
		out[i] = protocol.ConvLink(l)
	}
	return out
}
