package analytics

import (
	"bytes"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/edgedesk/edgedesk/internal/event"
)

// The event log's kinds become the table's rows (what no metric reads
// adds none), and a slice of the table is an Arrow record batch of the
// versioned schema that survives an IPC stream: dictionaries, nulls and
// all.
func TestTableAsArrow(t *testing.T) {
	s := (&script{t0: t0, conv: "a"}).opened(0, "alice").says(time.Second, customer).says(2*time.Second, alice).
		note(3*time.Second, alice).status(4*time.Second, event.StatusSnoozed, time.Hour).
		assign(5*time.Second, "").status(6*time.Second, event.StatusResolved, 0)
	s.at(7*time.Second, event.KindReadMarked, alice, func(e *event.Event) { e.Read = &event.ReadMark{Conv: "a", Seq: 3} })
	s.at(8*time.Second, event.KindPriorityChanged, alice, func(e *event.Event) {
		e.Priority = &event.PriorityChange{Conv: "a", Priority: "urgent"}
	})
	_, tab := measure(t, nil, s)
	if tab.Len() != 8 { // the read mark adds nothing
		t.Fatalf("%d rows, want 8", tab.Len())
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rec, err := tab.Record(mem, 0, tab.Len())
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(Schema), ipc.WithAllocator(mem))
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := ipc.NewReader(&buf, ipc.WithAllocator(mem))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Release()
	if !r.Next() {
		t.Fatalf("no record: %v", r.Err())
	}
	got := r.RecordBatch()
	if v, _ := got.Schema().Metadata().GetValue("edgedesk.schema"); v != "events/"+SchemaVersion {
		t.Errorf("schema metadata %q", v)
	}
	kinds := got.Column(6).(*array.Int8)
	var names []string
	for i := range kinds.Len() {
		names = append(names, Kind(kinds.Value(i)).String())
	}
	if want := "opened customer_message agent_message note snoozed assigned resolved priority"; join(names) != want {
		t.Errorf("kinds %q, want %q", join(names), want)
	}
	conv := got.Column(5).(*array.Dictionary)
	if conv.Dictionary().(*array.String).Value(conv.GetValueIndex(0)) != "a" {
		t.Error("the conversation column does not say a")
	}
	agent := got.Column(7).(*array.Dictionary)
	if !agent.IsNull(1) || !agent.IsNull(5) || agent.Dictionary().(*array.String).Value(agent.GetValueIndex(2)) != "alice" {
		t.Error("the agent column: the customer's row has none, the unassignment none, the answer alice")
	}
	until := got.Column(10).(*array.Timestamp)
	if until.IsNull(4) || until.Value(4) != arrow.Timestamp(t0.Add(time.Hour).UnixMilli()) || !until.IsNull(0) {
		t.Error("the until column: the snooze's end on its row, null elsewhere")
	}
	if p := got.Column(8).(*array.Int8); PriorityName(p.Value(7)) != "urgent" {
		t.Errorf("the priority change's row says %s", PriorityName(p.Value(7)))
	}
	if _, err := tab.Record(mem, 5, 100); err == nil {
		t.Error("rows past the end were given")
	}
}

func join(s []string) string {
	var b bytes.Buffer
	for i, x := range s {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(x)
	}
	return b.String()
}

// Measurers that share a table's conversations between them find the
// same waits as one alone, and map their slots back to the right
// conversations.
func TestPartsShareConversations(t *testing.T) {
	tab := synthetic(50_000)
	one := NewMeasurer(nil)
	one.Table(tab)
	var parts []Fact
	var waiting int
	for part := range int32(3) {
		m := NewMeasurer(nil)
		m.Part, m.Parts = part, 3
		m.Table(tab)
		parts = append(parts, m.Facts()...)
		for _, w := range m.Waiting(t0.UnixMilli() + 365*24*3_600_000) {
			if slot, ok := m.slot(w.Conv); !ok || m.conv(slot) != w.Conv {
				t.Fatalf("part %d reports conversation %d, not its own", part, w.Conv)
			}
			waiting++
		}
	}
	if len(parts) != len(one.Facts()) {
		t.Fatalf("parts found %d waits, one measurer %d", len(parts), len(one.Facts()))
	}
	if w := len(one.Waiting(t0.UnixMilli() + 365*24*3_600_000)); w != waiting {
		t.Fatalf("parts find %d customers waiting, one measurer %d", waiting, w)
	}
}

// A stats answer says, beside the breaches, their share of the waits.
func TestStatsRecordBreachRate(t *testing.T) {
	tab := NewTable()
	tab.Dicts().Regions.Code("eu")
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rec, err := tab.StatsRecord(mem, []Stat{{Key: GroupKey{Group: 0, Start: t0.UnixMilli()}, Count: 4, Breached: 1, P50: time.Second}}, ByRegion)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	if f := rec.Schema().Field(6); f.Name != "breach_rate" {
		t.Fatalf("column 6 is %s", f.Name)
	}
	if v := rec.Column(6).(*array.Float64).Value(0); v != 0.25 {
		t.Fatalf("breach rate %v, want 0.25 (1 of 4)", v)
	}
}
