package analytics

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/edgedesk/edgedesk/internal/event"
)

// rolled is synthetic(n) appended to a table opened in dir, rolled in
// three segments and the rest left in the tail.
func rolled(t *testing.T, dir string, n int) (*Table, *Table) {
	t.Helper()
	src := synthetic(n)
	return src, rolledCopy(t, dir, src, n/4, n/2, 3*n/4)
}

// rolledCopy is src's rows in a table opened in dir, with the same codes,
// rolled after each row of cuts.
func rolledCopy(t testing.TB, dir string, src *Table, cuts ...int) *Table {
	tab := NewTable()
	if _, err := tab.Open(dir, 0); err != nil {
		t.Fatal(err)
	}
	c, d := src.tail(), src.dicts()
	td := tab.Dicts()
	for _, p := range [][2]*Dict{{d.Tenants, td.Tenants}, {d.Regions, td.Regions}, {d.Inboxes, td.Inboxes},
		{d.Channels, td.Channels}, {d.Convs, td.Convs}, {d.Agents, td.Agents}} {
		for i := range p[0].Len() { // the same codes: answers compare as they are
			p[1].Code(p[0].Value(int32(i)))
		}
	}
	code := func(from, to *Dict, c int32) int32 {
		if c < 0 {
			return -1
		}
		return to.Code(from.Value(c))
	}
	for i := range c.ts {
		tab.AppendRow(Row{TS: c.ts[i], Tenant: code(d.Tenants, td.Tenants, c.tenant[i]), Region: code(d.Regions, td.Regions, c.region[i]),
			Inbox: code(d.Inboxes, td.Inboxes, c.inbox[i]), Channel: code(d.Channels, td.Channels, c.channel[i]),
			Conv: code(d.Convs, td.Convs, c.conv[i]), Kind: Kind(c.kind[i]), Agent: code(d.Agents, td.Agents, c.agent[i]),
			Priority: c.priority[i], Value: c.value[i], Until: c.until[i]})
		if slices.Contains(cuts, i) {
			if err := tab.Roll(t0.Add(time.Duration(i) * time.Second).UnixMilli()); err != nil {
				t.Fatal(err)
			}
		}
	}
	return tab
}

// A rolled table answers as the same rows unrolled, whether its segments
// are in memory or only in their files; each segment is a Parquet file
// any reader reads, in the events/1 schema with its metadata.
func TestRollToParquet(t *testing.T) {
	dir := t.TempDir()
	const n = 40_000
	src, tab := rolled(t, dir, n)
	if tab.Len() != src.Len() || tab.TailLen() == 0 || tab.TailLen() > n/4+2 {
		t.Fatalf("%d rows (%d in the tail), want %d", tab.Len(), tab.TailLen(), src.Len())
	}
	files, _ := filepath.Glob(filepath.Join(dir, "events-*.parquet"))
	if len(files) != 3 || !strings.Contains(filepath.Base(files[0]), "events-000000-") {
		t.Fatalf("segment files %v, want three, numbered from 0", files)
	}
	// any Parquet reader: the rows, their strings, the schema version
	f, err := file.OpenParquetFile(files[1], false)
	if err != nil {
		t.Fatal(err)
	}
	if v := f.MetaData().KeyValueMetadata().FindValue(metaSchema); v == nil || *v != "events/1" {
		t.Errorf("the file's %s: %v", metaSchema, v)
	}
	fr, err := pqarrow.NewFileReader(f, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	first := n/4 + 1 // the second segment's first row
	c, d := src.tail(), src.dicts()
	convs := tbl.Column(5).Data().Chunk(0)
	var got string
	switch a := convs.(type) {
	case *array.Dictionary:
		got = a.Dictionary().(*array.String).Value(a.GetValueIndex(0))
	case *array.String:
		got = a.Value(0)
	}
	if int(tbl.NumRows()) != n/4 || got != d.Convs.Value(c.conv[first]) {
		t.Fatalf("the second file: %d rows, its first conversation %q; want %d and %q", tbl.NumRows(), got, n/4,
			d.Convs.Value(c.conv[first]))
	}
	f.Close()

	queries := []Query{{Measure: FirstResponse}, {Tenant: "demo", Measure: Resolution, GroupBy: ByAgent, Interval: 24 * Hour},
		{Tenant: "demo", Measure: NextResponse, Region: "eu"}}
	answers := func(tab *Table) []any {
		var out []any
		for _, q := range queries {
			out = append(out, noErr(tab.Aggregate(q)))
		}
		from := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC).UnixMilli()
		out = append(out, noErr(tab.Volume("demo", "eu", from, from+7*24*Hour)))
		r := noErr(tab.Record(memory.DefaultAllocator, 100, tab.Len()-100))
		defer r.Release()
		var b bytes.Buffer
		b.WriteString(r.Column(5).String()[:200])
		return append(out, r.NumRows(), b.String())
	}
	want := answers(src)
	if got := answers(tab); !reflect.DeepEqual(got, want) {
		for i := range got {
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Errorf("answer %d: %v\nwant %v", i, trim(got[i]), trim(want[i]))
			}
		}
		t.Fatal("the rolled table answers otherwise than the same rows unrolled")
	}
	if n := tab.Evict(time.Now().UnixMilli()); n != 3 {
		t.Fatalf("%d segments evicted, want 3", n)
	}
	if got := answers(tab); !reflect.DeepEqual(got, want) {
		t.Fatal("with its segments read from their files, the table answers otherwise")
	}
	live := NewLive(tab, nil)
	if err := live.CatchUp(); err != nil {
		t.Fatal(err)
	}
	if got, want := noErr(live.Query(Query{Tenant: "demo"})), noErr(NewLive(src, nil).Query(Query{Tenant: "demo"})); len(got) == 0 || !reflect.DeepEqual(got, want) {
		t.Fatal("the live figures of a table read from its files differ")
	}
	// a file gone: the figures of the rest, and an error that names it
	kept, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(files[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := tab.Aggregate(Query{}); err == nil || !strings.Contains(err.Error(), files[0]) {
		t.Fatalf("a segment file removed: %v, want an error naming it", err)
	}
	// a reader of a time the file did not hold does not read it
	from := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC).UnixMilli()
	if _, err := tab.Volume("demo", "", from+5*24*Hour, from+7*24*Hour); err != nil {
		t.Errorf("the volume of the last two days reads the first quarter's file: %v", err)
	}
	if _, err := tab.Satisfaction(Query{Tenant: "demo", From: from + 5*24*Hour}); err != nil {
		t.Errorf("the satisfaction of the last two days reads the first quarter's file: %v", err)
	}
	// live figures that start now miss its waits: they say so, and go on
	// saying so to every query
	fresh := NewLive(tab, nil)
	if err := fresh.CatchUp(); err == nil {
		t.Error("live figures missing a segment: no error")
	}
	if _, err := fresh.Query(Query{Tenant: "demo"}); err == nil || !strings.Contains(err.Error(), files[0]) {
		t.Errorf("a query of live figures missing a segment: %v, want an error naming it", err)
	}
	// the file back: at its next try the live figures measure everything
	// again, and are whole
	if err := os.WriteFile(files[0], kept, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := fresh.CatchUp(); err == nil {
		t.Error("measured again before its time")
	}
	fresh.retryAt = time.Now()
	if err := fresh.CatchUp(); err != nil {
		t.Fatalf("measuring again with the file back: %v", err)
	}
	if got, want := noErr(fresh.Query(Query{Tenant: "demo"})), noErr(NewLive(src, nil).Query(Query{Tenant: "demo"})); !reflect.DeepEqual(got, want) {
		t.Error("measured again with the file back, the live figures differ")
	}
}

// A hub that starts again opens its table's segments: the rows, each
// edge's position in its log, the tenants' SLA settings and the inboxes'
// channels, so that the events after them are added as if it had never
// stopped.
func TestReopenFromSegments(t *testing.T) {
	dir := t.TempDir()
	sla := &event.SLA{FirstResponse: [4]int64{60, 60, 60, 60}}
	evs := []*event.Event{
		{Kind: event.KindTenantUpserted, Tenant: "demo", TS: t0.UnixMilli(), TenantInfo: &event.Tenant{ID: "demo", SLA: sla}},
		{Kind: event.KindInboxUpserted, Tenant: "demo", Inbox: &event.Inbox{ID: "mail", Channel: "email"}},
	}
	s := (&script{t0: t0, conv: "a"}).opened(0, "alice").says(time.Second, customer).says(2*time.Minute, alice)
	for _, e := range s.events {
		e.Conversation = withInbox(e.Conversation, "mail")
	}
	evs = append(evs, s.events...)
	a := NewTable()
	if _, err := a.Open(dir, 0); err != nil {
		t.Fatal(err)
	}
	for i, e := range evs {
		a.AppendFrom("eu-1", uint64(i+1), "eu", e)
	}
	if a.AppendFrom("eu-1", 2, "eu", evs[1]) {
		t.Error("an event the table holds was added again")
	}
	if err := a.Roll(time.Now().UnixMilli()); err != nil {
		t.Fatal(err)
	}

	b := NewTable()
	o, err := b.Open(dir, time.Now().Add(time.Hour).UnixMilli()) // evicted at once: read from the file
	if err != nil || o.Segments != 1 || o.Rows != a.Len() {
		t.Fatalf("opened %+v, %v; want the one segment of %d rows", o, err, a.Len())
	}
	if b.Position("eu-1") != uint64(len(evs)) {
		t.Fatalf("position %d, want %d", b.Position("eu-1"), len(evs))
	}
	pa, _ := a.Policies()
	pb, _ := b.Policies()
	if !reflect.DeepEqual(pa, pb) || len(pb) != 1 {
		t.Fatalf("policies %v after opening, %v before", pb, pa)
	}
	// a second conversation in the same inbox, after the start: its channel
	s2 := (&script{t0: t0.Add(time.Hour), conv: "b"}).opened(0, "alice").says(time.Second, customer).says(2*time.Minute, alice)
	for i, e := range s2.events {
		e.Conversation = withInbox(e.Conversation, "mail")
		b.AppendFrom("eu-1", uint64(len(evs)+i+1), "eu", e)
	}
	got := noErr(b.Aggregate(Query{Tenant: "demo", Measure: FirstResponse, Channel: "email"}))
	breached := 0
	for _, s := range got {
		breached += s.Breached
	}
	if len(got) != 2 || breached != 2 {
		t.Fatalf("first responses by email after the start: %+v; want both conversations', both over the 60 s SLA", got)
	}
	if _, err := b.Open(dir, 0); err == nil {
		t.Error("a table opened twice")
	}
}

func withInbox(c *event.ConvOpened, inbox string) *event.ConvOpened {
	if c != nil {
		c.Inbox = inbox
	}
	return c
}

// A damaged segment is refused with what is wrong, set aside with the
// ones after it, and the table holds the segments before it and their
// positions: the logs give the rest again.
func TestDamagedSegment(t *testing.T) {
	dir := t.TempDir()
	_, tab := rolled(t, dir, 20_000)
	files, _ := filepath.Glob(filepath.Join(dir, "events-*.parquet"))
	b, err := os.ReadFile(files[1])
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0x10 // one bit
	if err := os.WriteFile(files[1], b, 0o600); err != nil {
		t.Fatal(err)
	}
	re := NewTable()
	o, err := re.Open(dir, 0)
	if err == nil || !strings.Contains(err.Error(), files[1]) || !strings.Contains(err.Error(), "damaged") || len(o.Damaged) != 2 || o.Segments != 1 {
		t.Fatalf("opened %+v, %v; want the first segment, the second and third set aside, an error naming the second", o, err)
	}
	if _, err := os.Stat(files[2] + ".damaged"); err != nil {
		t.Error("the segment after the damaged one was not set aside")
	}
	if re.Len() != tab.segs[0].n || o.Rows != re.Len() {
		t.Errorf("%d rows (%d said), want the first segment's %d", re.Len(), o.Rows, tab.segs[0].n)
	}
	// the next segment comes after the ones set aside, not in their place
	re.Append("eu", &event.Event{Kind: event.KindConversationOpened, Tenant: "demo", TS: t0.UnixMilli(), Actor: customer,
		Conversation: &event.ConvOpened{Conv: "new", Inbox: "web"}})
	if err := re.Roll(t0.UnixMilli()); err != nil {
		t.Fatal(err)
	}
	if again, _ := filepath.Glob(filepath.Join(dir, "events-000003-*.parquet")); len(again) != 1 {
		t.Errorf("after segments 0 to 2 (1 and 2 set aside), the next is %v, want number 3", again)
	}
	if _, err := NewTable().Open(dir, 0); err != nil {
		t.Errorf("opening segments 0 and 3: %v", err)
	}
}

// A segment named before names carried their checksum is read all the
// same; one whose name says another checksum is refused.
func TestSegmentNames(t *testing.T) {
	dir := t.TempDir()
	_, tab := rolled(t, dir, 2_000)
	files, _ := filepath.Glob(filepath.Join(dir, "events-*.parquet"))
	base := strings.TrimSuffix(files[0], ".parquet")
	legacy := base[:strings.LastIndexByte(base, '-')] + ".parquet"
	if err := os.Rename(files[0], legacy); err != nil {
		t.Fatal(err)
	}
	if _, _, err := tab.readSegmentFile(legacy); err != nil {
		t.Fatalf("a segment named without its checksum: %v", err)
	}
	wrong := strings.TrimSuffix(legacy, ".parquet") + "-00000000.parquet"
	if err := os.Rename(legacy, wrong); err != nil {
		t.Fatal(err)
	}
	if _, _, err := tab.readSegmentFile(wrong); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("a segment whose name says another checksum: %v", err)
	}
}

// A segment that cannot be written stays in memory and is written at the
// next roll, in order.
func TestRollRetries(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "analytics")
	tab := NewTable()
	if _, err := tab.Open(dir, 0); err != nil {
		t.Fatal(err)
	}
	s := (&script{t0: t0, conv: "a"}).opened(0, "alice").says(time.Second, customer).says(2*time.Minute, alice)
	for _, e := range s.events {
		tab.Append("eu", e)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir, nil, 0o600); err != nil { // a file where the directory was
		t.Fatal(err)
	}
	if err := tab.Roll(t0.UnixMilli()); err == nil || !strings.Contains(err.Error(), "written at the next roll") {
		t.Fatalf("rolling into a file: %v", err)
	}
	if tab.Evict(time.Now().UnixMilli()) != 0 {
		t.Fatal("an unwritten segment was evicted")
	}
	os.Remove(dir)
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := tab.Roll(t0.Add(time.Hour).UnixMilli()); err != nil {
		t.Fatal(err)
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "events-000000-*.parquet")); len(files) != 1 {
		t.Fatalf("files %v after the retry", files)
	}
}

// Whatever the bytes, reading a segment is an error or rows that keep to
// the schema: never a crash.
func FuzzSegment(f *testing.F) {
	dir := f.TempDir()
	tab := NewTable()
	if _, err := tab.Open(dir, 0); err != nil {
		f.Fatal(err)
	}
	s := (&script{t0: t0, conv: "a"}).opened(0, "alice").says(time.Second, customer).says(2*time.Minute, alice).
		status(3*time.Minute, event.StatusSnoozed, time.Hour)
	for _, e := range s.events {
		tab.Append("eu", e)
	}
	if err := tab.Roll(t0.UnixMilli()); err != nil {
		f.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.parquet"))
	good, err := os.ReadFile(files[0])
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)-8])
	f.Add([]byte("PAR1PAR1"))
	f.Fuzz(func(t *testing.T, b []byte) {
		re := NewTable()
		c, st, err := re.decodeSegment(bytes.NewReader(b))
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an error that says nothing")
			}
			return
		}
		if st.Rows != len(c.ts) || len(c.conv) != len(c.ts) || len(c.until) != len(c.ts) {
			t.Fatalf("%d rows said, columns of %d, %d, %d", st.Rows, len(c.ts), len(c.conv), len(c.until))
		}
		for i, k := range c.kind {
			if _, ok := kindNames[Kind(k)]; !ok || c.priority[i] < 0 || c.priority[i] > 3 || c.conv[i] < 0 {
				t.Fatalf("row %d: kind %d, priority %d, conversation %d", i, k, c.priority[i], c.conv[i])
			}
		}
	})
}

func trim(v any) string {
	s := fmt.Sprint(v)
	return s[:min(len(s), 300)]
}

// BenchmarkSegment writes a segment of 1,000,000 rows to Parquet and reads
// it back into the table's columns, against arrow-go's own Parquet writer
// and reader on the same rows in the same run: the engine underneath.
//
//	go test -run '^$' -bench Segment -benchtime 5x ./analytics
func BenchmarkSegment(b *testing.B) {
	src := synthetic(1_000_000)
	c, d := src.tail(), src.dicts()
	state, _ := json.Marshal(rollState{Rows: len(c.ts)})
	var file bytes.Buffer
	if err := encodeSegment(&file, c, d, state); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d rows: %.1f MB of Parquet", len(c.ts), float64(file.Len())/1e6)
	rows := func(b *testing.B) {
		b.ReportMetric(float64(len(c.ts))*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mrows/s")
	}
	b.Run("write/edgedesk", func(b *testing.B) {
		for b.Loop() {
			var buf bytes.Buffer
			if err := encodeSegment(&buf, c, d, state); err != nil {
				b.Fatal(err)
			}
		}
		rows(b)
	})
	b.Run("write/pqarrow", func(b *testing.B) {
		rec := noErr(src.Record(memory.DefaultAllocator, 0, src.Len()))
		defer rec.Release()
		tbl := array.NewTableFromRecords(Schema, []arrow.RecordBatch{rec})
		defer tbl.Release()
		for b.Loop() {
			var buf bytes.Buffer
			if err := pqarrow.WriteTable(tbl, &buf, rowGroup, segmentProps(), pqarrow.NewArrowWriterProperties()); err != nil {
				b.Fatal(err)
			}
		}
		rows(b)
	})
	b.Run("read/edgedesk", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := NewTable().decodeSegment(bytes.NewReader(file.Bytes())); err != nil {
				b.Fatal(err)
			}
		}
		rows(b)
	})
	b.Run("read/pqarrow", func(b *testing.B) {
		props := pqarrow.ArrowReadProperties{BatchSize: rowGroup}
		for i := range Schema.NumFields() {
			if _, ok := Schema.Field(i).Type.(*arrow.DictionaryType); ok {
				props.SetReadDict(i, true)
			}
		}
		for b.Loop() {
			tbl, err := pqarrow.ReadTable(context.Background(), bytes.NewReader(file.Bytes()), nil, props, memory.DefaultAllocator)
			if err != nil {
				b.Fatal(err)
			}
			tbl.Release()
		}
		rows(b)
	})
}
