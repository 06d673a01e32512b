package analytics

import (
	"fmt"
	"maps"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/edgedesk/edgedesk/internal/event"
	"github.com/edgedesk/edgedesk/internal/sla"
)

// SchemaVersion is the version of the event table's schema (docs/metrics.md).
// A change that readers could misread (a column's meaning, a kind's code)
// is a new version; new columns at the end are not.
const SchemaVersion = "1"

// Kind is what an analytics row records: the service facts the metrics
// are made of, digested from the event log's kinds (docs/metrics.md).
type Kind int8

// Kinds. The numbers are the schema's: they never change within a version.
const (
	KindOpened        Kind = 1  // a conversation starts
	KindCustomerMsg   Kind = 2  // the customer wrote
	KindAgentMsg      Kind = 3  // an agent answered (a private note is not an answer)
	KindBotMsg        Kind = 4  // a bot answered
	KindNote          Kind = 5  // an agent's private note
	KindStatusOpen    Kind = 6  // back to open: a reopen when it was resolved
	KindStatusPending Kind = 7  // waiting on the customer
	KindSnoozed       Kind = 8  // on hold (or snoozed until a time)
	KindResolved      Kind = 9  // solved
	KindAssigned      Kind = 10 // given to an agent (another one: a transfer), or unassigned
	KindPriority      Kind = 11 // its priority changed
	KindSentiment     Kind = 12 // the NLP plugin read a customer message: Value is the score
	KindCSAT          Kind = 13 // the customer rated the conversation: Value is 1 to 5
)

var kindNames = map[Kind]string{
	KindOpened: "opened", KindCustomerMsg: "customer_message", KindAgentMsg: "agent_message", KindBotMsg: "bot_message",
	KindNote: "note", KindStatusOpen: "status_open", KindStatusPending: "status_pending", KindSnoozed: "snoozed",
	KindResolved: "resolved", KindAssigned: "assigned", KindPriority: "priority", KindSentiment: "sentiment", KindCSAT: "csat",
}

func (k Kind) String() string {
	if n, ok := kindNames[k]; ok {
		return n
	}
	return fmt.Sprintf("kind(%d)", int8(k))
}

// ActorBot is the actor kind of a bot's messages: they are not an agent's
// answer, and the first response clock starts when the bot hands over.
const ActorBot = "bot"

// Priorities, as the Priority column codes them.
var priorities = map[string]int8{"low": 0, "": 1, "normal": 1, "high": 2, "urgent": 3}

// PriorityName is the name of a Priority code.
func PriorityName(p int8) string {
	return [...]string{"low", "normal", "high", "urgent"}[min(max(p, 0), 3)]
}

// Schema is the Arrow schema of the event table, version SchemaVersion.
// The string columns are dictionary encoded, one dictionary per table.
var Schema = arrow.NewSchema([]arrow.Field{
	{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}},
	{Name: "tenant", Type: dictString},
	{Name: "region", Type: dictString},
	{Name: "inbox", Type: dictString},
	{Name: "channel", Type: dictString},
	{Name: "conv", Type: dictString},
	{Name: "kind", Type: arrow.PrimitiveTypes.Int8},
	{Name: "agent", Type: dictString, Nullable: true},
	{Name: "priority", Type: arrow.PrimitiveTypes.Int8},
	{Name: "value", Type: arrow.PrimitiveTypes.Int32},
	{Name: "until", Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}, Nullable: true},
}, func() *arrow.Metadata {
	m := arrow.NewMetadata([]string{"edgedesk.schema"}, []string{"events/" + SchemaVersion})
	return &m
}())

var dictString = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}

// Row is one row of the event table. Strings are table dictionary codes.
type Row struct {
	TS       int64 // unix ms
	Tenant   int32
	Region   int32
	Inbox    int32
	Channel  int32
	Conv     int32
	Kind     Kind
	Agent    int32 // -1: none
	Priority int8
	Value    int32
	Until    int64 // snoozed: until when (unix ms); 0: none
}

// Dict is a table-wide string dictionary.
type Dict struct {
	codes  map[string]int32
	values []string
}

func newDict() *Dict { return &Dict{codes: map[string]int32{}} }

// Code is s's code, added when new.
func (d *Dict) Code(s string) int32 {
	if c, ok := d.codes[s]; ok {
		return c
	}
	c := int32(len(d.values))
	d.codes[s] = c
	d.values = append(d.values, s)
	return c
}

// Lookup is s's code, or -1.
func (d *Dict) Lookup(s string) int32 {
	if c, ok := d.codes[s]; ok {
		return c
	}
	return -1
}

// Value is the string of a code.
func (d *Dict) Value(c int32) string { return d.values[c] }

// Len is the number of strings.
func (d *Dict) Len() int { return len(d.values) }

// Table is the hub's event table: rows in the order they arrived, the
// string dictionaries, and what ingesting needs to know of each
// conversation (its inbox, priority) and inbox (its channel). Columns are
// kept as Go slices and handed out as Arrow arrays without copying.
//
// The rows are a sequence of segments: the rolled ones, each written to a
// Parquet file of its own (Roll; kept in memory until Evict), and the open
// tail the edges' events go to (roll.go).
type Table struct {
	mu                                                 sync.RWMutex
	rows                                               columns           // the open tail
	base                                               int               // the rows rolled before the tail
	segs                                               []*segment        // the rolled rows, in order
	positions                                          map[string]uint64 // edge → the last event of its log in the table
	dir                                                string            // where segments are written; "": nowhere
	nextSeq                                            int               // the next segment's number
	rollMu                                             sync.Mutex        // one Roll at a time
	tenants, regions, inboxes, channels, convs, agents *Dict
	convInbox                                          []int32 // by conv code
	convPriority                                       []int8
	convAgent                                          []int32         // by conv code: its assignee now (-1: none)
	inboxChannel                                       map[int64]int32 // tenant<<32|inbox → channel code
	policies                                           map[int32]*Policy
	slas                                               map[int32]*event.SLA // what the policies were made of
	slaTS                                              map[int32]int64      // the time of the tenant setting they came with
	policyVersion                                      int                  // counts the policies' changes
}

// columns is the table's data, column by column.
type columns struct {
	ts                                          []int64
	tenant, region, inbox, channel, conv, agent []int32
	kind, priority                              []int8
	value                                       []int32
	until                                       []int64
}

// NewTable makes an empty table.
func NewTable() *Table {
	return &Table{tenants: newDict(), regions: newDict(), inboxes: newDict(), channels: newDict(), convs: newDict(),
		agents: newDict(), inboxChannel: map[int64]int32{}, policies: map[int32]*Policy{},
		slas: map[int32]*event.SLA{}, slaTS: map[int32]int64{}, positions: map[string]uint64{}}
}

// Len is the number of rows.
func (t *Table) Len() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.base + len(t.rows.ts)
}

// Append adds what an event of region's edge says to the table (most
// kinds add nothing: agents, contacts, read marks…). It reports whether
// a row was added.
func (t *Table) Append(region string, e *event.Event) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.append(region, e)
}

// AppendFrom is Append for the event at seq of edge's log: the table
// remembers where it is in each log (Position), so that a rolled segment
// says which events it holds, and an event it has already is skipped.
func (t *Table) AppendFrom(edge string, seq uint64, region string, e *event.Event) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if seq <= t.positions[edge] {
		return false
	}
	t.positions[edge] = seq
	return t.append(region, e)
}

// Position is the last event of edge's log the table holds (0: none).
func (t *Table) Position(edge string) uint64 {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.positions[edge]
}

func (t *Table) append(region string, e *event.Event) bool {
	tenant := t.tenants.Code(e.Tenant)
	r := Row{TS: e.TS, Tenant: tenant, Region: t.regions.Code(region), Agent: -1}
	conv := ""
	switch e.Kind {
	case event.KindTenantUpserted:
		// every edge's log echoes the hub's configuration, some late: the
		// newest setting wins, and the same one again changes nothing
		if e.TenantInfo == nil || e.TS < t.slaTS[tenant] {
			return false
		}
		t.slaTS[tenant] = e.TS
		if !reflect.DeepEqual(t.slas[tenant], e.TenantInfo.SLA) {
			t.slas[tenant] = e.TenantInfo.SLA
			t.policies[tenant] = PolicyOf(e.TenantInfo.SLA)
			t.policyVersion++
		}
		return false
	case event.KindInboxUpserted:
		if e.Inbox != nil {
			t.inboxChannel[int64(tenant)<<32|int64(t.inboxes.Code(e.Inbox.ID))] = t.channels.Code(e.Inbox.Channel)
		}
		return false
	case event.KindConversationOpened:
		if e.Conversation == nil {
			return false
		}
		conv = e.Conversation.Conv
		r.Kind = KindOpened
		c := t.conv(conv)
		t.convInbox[c] = t.inboxes.Code(e.Conversation.Inbox)
		if p, ok := priorities[e.Conversation.Priority]; ok {
			t.convPriority[c] = p
		}
		if e.Conversation.Assignee != "" {
			r.Agent = t.agents.Code(e.Conversation.Assignee)
		}
	case event.KindMessageCreated:
		if e.Message == nil {
			return false
		}
		conv = e.Message.Conv
		switch {
		case e.Actor.Kind == event.ActorCustomer:
			r.Kind = KindCustomerMsg
		case e.Actor.Kind == ActorBot:
			r.Kind = KindBotMsg
		case e.Actor.Kind == event.ActorAgent && e.Message.Private:
			r.Kind, r.Agent = KindNote, t.agents.Code(e.Actor.ID)
		case e.Actor.Kind == event.ActorAgent:
			r.Kind, r.Agent = KindAgentMsg, t.agents.Code(e.Actor.ID)
		default:
			return false
		}
	case event.KindStatusChanged:
		if e.Status == nil {
			return false
		}
		conv = e.Status.Conv
		// the six statuses (internal/ticket), and their legacy names in
		// logs written before them
		switch event.CanonicalStatus(e.Status.Status) {
		case event.StatusOpen:
			r.Kind = KindStatusOpen
		case event.StatusPending:
			r.Kind = KindStatusPending
		case event.StatusOnHold: // waiting on a third party, or snoozed until a time: the clocks stop
			r.Kind, r.Until = KindSnoozed, e.Status.SnoozeUntil
		case event.StatusSolved:
			r.Kind = KindResolved
		default: // closed follows solved: its resolution is measured
			return false
		}
	case event.KindConversationAssign:
		if e.Assign == nil {
			return false
		}
		conv, r.Kind = e.Assign.Conv, KindAssigned
		if e.Assign.Agent != "" {
			r.Agent = t.agents.Code(e.Assign.Agent)
		}
	case event.KindPriorityChanged:
		if e.Priority == nil {
			return false
		}
		conv, r.Kind = e.Priority.Conv, KindPriority
		if p, ok := priorities[e.Priority.Priority]; ok {
			t.convPriority[t.conv(conv)] = p
		}
	case event.KindConversationRated:
		if e.Rating == nil {
			return false
		}
		conv, r.Kind, r.Value = e.Rating.Conv, KindCSAT, int32(e.Rating.Score)
	case event.KindMessageAnalyzed:
		if e.Analysis == nil || e.Analysis.Sentiment == "" {
			return false
		}
		conv, r.Kind, r.Value = e.Analysis.Conv, KindSentiment, int32(e.Analysis.SentimentScore)
	default:
		return false
	}
	r.Conv = t.conv(conv)
	switch r.Kind {
	case KindOpened, KindAssigned:
		t.convAgent[r.Conv] = r.Agent
	case KindCSAT, KindSentiment: // counted for the agent the conversation is with
		r.Agent = t.convAgent[r.Conv]
	}
	r.Inbox = t.convInbox[r.Conv]
	ch, ok := t.inboxChannel[int64(tenant)<<32|int64(r.Inbox)]
	if !ok {
		ch = t.channels.Code("") // an inbox never seen: no channel, not the first one's
	}
	r.Channel = ch
	r.Priority = t.convPriority[r.Conv]
	t.add(r)
	return true
}

// Policies are the tenants' SLA policies by tenant code, and a version
// that changes when one does.
func (t *Table) Policies() (map[int32]*Policy, int) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return maps.Clone(t.policies), t.policyVersion
}

// PolicyOf is the policy a tenant's SLA sets (nil for none). A time zone
// this machine does not know counts business hours in UTC.
func PolicyOf(s *event.SLA) *Policy {
	if s == nil {
		return nil
	}
	p := &Policy{}
	for i := range 4 {
		p.FirstResponse[i] = time.Duration(s.FirstResponse[i]) * time.Second
		p.NextResponse[i] = time.Duration(s.NextResponse[i]) * time.Second
		p.Resolution[i] = time.Duration(s.Resolution[i]) * time.Second
	}
	p.BusinessHours = sla.ScheduleOf(s)
	return p
}

// conv is a conversation's code; a conversation first seen without its
// opening (it began before the table did) has no inbox.
func (t *Table) conv(id string) int32 {
	c := t.convs.Code(id)
	t.convCode(c)
	return c
}

// AppendRow adds a row whose codes the caller took from this table's
// dictionaries (Dicts); generators and tests use it.
func (t *Table) AppendRow(r Row) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.add(r)
}

func (t *Table) add(r Row) {
	c := &t.rows
	c.ts = append(c.ts, r.TS)
	c.tenant = append(c.tenant, r.Tenant)
	c.region = append(c.region, r.Region)
	c.inbox = append(c.inbox, r.Inbox)
	c.channel = append(c.channel, r.Channel)
	c.conv = append(c.conv, r.Conv)
	c.kind = append(c.kind, int8(r.Kind))
	c.agent = append(c.agent, r.Agent)
	c.priority = append(c.priority, r.Priority)
	c.value = append(c.value, r.Value)
	c.until = append(c.until, r.Until)
}

// Dicts are the table's dictionaries, for callers that append rows.
type Dicts struct{ Tenants, Regions, Inboxes, Channels, Convs, Agents *Dict }

// Dicts returns the table's dictionaries. Use them under no other lock
// than the table's own calls (AppendRow, Record) hold.
func (t *Table) Dicts() Dicts {
	return Dicts{t.tenants, t.regions, t.inboxes, t.channels, t.convs, t.agents}
}

// tail is a consistent snapshot of the open tail's columns for reading
// (the whole table when nothing is rolled): slices are only ever appended
// to, so a prefix stays valid.
func (t *Table) tail() columns {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.rows.prefix(len(t.rows.ts))
}

// prefix is the first n rows of c.
func (c columns) prefix(n int) columns {
	return columns{ts: c.ts[:n], tenant: c.tenant[:n], region: c.region[:n], inbox: c.inbox[:n], channel: c.channel[:n],
		conv: c.conv[:n], agent: c.agent[:n], kind: c.kind[:n], priority: c.priority[:n], value: c.value[:n], until: c.until[:n]}
}

// dicts are the table's dictionaries as they are now, for reading without
// the table's lock. Take them after the scan whose codes they name: a
// segment read again from its file may add strings.
func (t *Table) dicts() Dicts {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return Dicts{frozen(t.tenants), frozen(t.regions), frozen(t.inboxes), frozen(t.channels), frozen(t.convs), frozen(t.agents)}
}

// frozen is a dictionary's values as they are now, for reading without
// the table's lock: values are only appended, and the code map is left
// out (Lookup finds nothing in it).
func frozen(d *Dict) *Dict {
	return &Dict{values: d.values[:len(d.values):len(d.values)]}
}

// Record is rows [from, to) as an Arrow record batch of Schema.
func (t *Table) Record(mem memory.Allocator, from, to int) (arrow.RecordBatch, error) {
	if n := t.Len(); from < 0 || to > n || from > to {
		return nil, fmt.Errorf("analytics: rows %d to %d of %d", from, to, n)
	}
	b := array.NewRecordBuilder(mem, Schema)
	defer b.Release()
	b.Reserve(to - from)
	var chunks []struct {
		c      columns
		lo, hi int
	}
	if _, err := t.scan(from, func(c columns, lo, hi int) {
		chunks = append(chunks, struct {
			c      columns
			lo, hi int
		}{c, lo, hi})
	}); err != nil {
		return nil, err
	}
	d, at := t.dicts(), from
	for _, ch := range chunks {
		hi := min(ch.hi, ch.lo+to-at)
		if hi <= ch.lo {
			break
		}
		if err := appendRecord(b, ch.c, ch.lo, hi, d); err != nil {
			return nil, err
		}
		at += hi - ch.lo
	}
	return b.NewRecordBatch(), nil
}

// appendRecord adds rows [from, to) of c to b, a builder of Schema.
func appendRecord(b *array.RecordBuilder, c columns, from, to int, d Dicts) error {
	ts := b.Field(0).(*array.TimestampBuilder)
	for _, v := range c.ts[from:to] {
		ts.Append(arrow.Timestamp(v))
	}
	for i, col := range []struct {
		codes []int32
		dict  *Dict
	}{{c.tenant, d.Tenants}, {c.region, d.Regions}, {c.inbox, d.Inboxes}, {c.channel, d.Channels}, {c.conv, d.Convs}} {
		if err := appendDict(b.Field(1+i).(*array.BinaryDictionaryBuilder), col.codes[from:to], col.dict); err != nil {
			return err
		}
	}
	b.Field(6).(*array.Int8Builder).AppendValues(c.kind[from:to], nil)
	if err := appendDict(b.Field(7).(*array.BinaryDictionaryBuilder), c.agent[from:to], d.Agents); err != nil {
		return err
	}
	b.Field(8).(*array.Int8Builder).AppendValues(c.priority[from:to], nil)
	b.Field(9).(*array.Int32Builder).AppendValues(c.value[from:to], nil)
	until := b.Field(10).(*array.TimestampBuilder)
	for _, v := range c.until[from:to] {
		if v == 0 {
			until.AppendNull()
		} else {
			until.Append(arrow.Timestamp(v))
		}
	}
	return nil
}

func appendDict(b *array.BinaryDictionaryBuilder, codes []int32, d *Dict) error {
	for _, c := range codes {
		if c < 0 {
			b.AppendNull()
			continue
		}
		if err := b.AppendString(d.Value(c)); err != nil {
			return err
		}
	}
	return nil
}

// String describes the table, for logs.
func (t *Table) String() string {
	t.mu.RLock()
	defer t.mu.RUnlock()
	var sb strings.Builder
	fmt.Fprintf(&sb, "analytics table: %d rows (%d rolled in %d segments), %d conversations", t.base+len(t.rows.ts), t.base,
		len(t.segs), t.convs.Len())
	return sb.String()
}
