package analytics

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/edgedesk/edgedesk/internal/event"
)

// Rolling. The table's open tail is cut into a segment now and then
// (Roll: the hub does it every hour of its clock), and each segment is
// written to a Parquet file of its own, events-<seq>-<time>-<crc32c>.parquet, in
// the events/1 schema with its dictionaries, so that any Parquet reader
// (DuckDB, pandas, Spark) reads the history. A segment's file also says
// where in each edge's log the table was at its end, and the tenants'
// SLA settings and inboxes' channels then: a hub that starts again reads
// its segments (Open) and only the events after them from the logs.
// Segments older than the hub keeps in memory are evicted (Evict) and
// read again from their files by the queries that need them.

// segment is a run of rolled rows.
type segment struct {
	seq         int      // its number: files sort by it
	base, n     int      // its first row in the table, and how many
	first, last int64    // its oldest and newest ts
	rolled      int64    // when it was cut (unix ms)
	state       []byte   // the table's rollState at its end, as JSON, until written
	path        string   // its file; "" until written
	cols        *columns // nil once evicted: read again from path
}

// rollState is the metadata of a segment's file (key edgedesk.segment):
// which rows it holds and what the table knew at their end that its rows
// do not say.
type rollState struct {
	Seq    int   `json:"seq"`
	Base   int   `json:"base"`
	Rows   int   `json:"rows"`
	First  int64 `json:"first_ms"`
	Last   int64 `json:"last_ms"`
	Rolled int64 `json:"rolled_ms"`
	// Positions is the last event of each edge's log in the table.
	Positions map[string]uint64 `json:"positions"`
	// SLAs are the tenants' settings, with the time of each.
	SLAs map[string]slaSetting `json:"slas,omitempty"`
	// Inboxes are each tenant's inboxes' channels.
	Inboxes map[string]map[string]string `json:"inboxes,omitempty"`
}

type slaSetting struct {
	TS  int64      `json:"ts"`
	SLA *event.SLA `json:"sla"`
}

// Metadata keys of a segment's file.
const (
	metaSchema  = "edgedesk.schema"
	metaSegment = "edgedesk.segment"
)

// MaxTail is the most rows the open tail should hold: the hub rolls it
// sooner when it has this many.
const MaxTail = 4 << 20

// rowGroup is the rows of a Parquet row group (and of a batch read back).
const rowGroup = 1 << 18

// Opened is what Open found.
type Opened struct {
	Segments, Rows int
	// Damaged are the files that could not be read, and the ones after
	// them, renamed to *.damaged: their events are read from the logs again.
	Damaged []string
}

// Open makes dir the table's directory of segments and reads the segments
// there, in order: their rows, and the positions, settings and channels
// at the end of the last. Segments rolled before evictBefore (unix ms)
// are left on disk. Call it on a new table, before any row is added.
func (t *Table) Open(dir string, evictBefore int64) (Opened, error) {
	var o Opened
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return o, fmt.Errorf("analytics directory: %w", err)
	}
	t.mu.Lock()
	if t.base+len(t.rows.ts) > 0 || t.dir != "" {
		t.mu.Unlock()
		return o, errors.New("analytics: open the table's directory before adding rows, once")
	}
	t.dir = dir
	t.mu.Unlock()
	names, err := segmentFiles(dir)
	if err != nil {
		return o, err
	}
	if len(names) > 0 { // new segments come after every file here, damaged or not
		t.mu.Lock()
		t.nextSeq = names[len(names)-1].seq + 1
		t.mu.Unlock()
	}
	for i, name := range names {
		path := filepath.Join(dir, name.file)
		err := t.openSegment(path, name.seq, evictBefore)
		if err != nil {
			for _, n := range names[i:] {
				p := filepath.Join(dir, n.file)
				if os.Rename(p, p+".damaged") == nil {
					o.Damaged = append(o.Damaged, p)
				}
			}
			return o, fmt.Errorf("analytics segment %s: %w; it and the ones after it are set aside as *.damaged, and their events read from the logs again", path, err)
		}
		o.Segments++
		o.Rows = t.Len()
	}
	return o, nil
}

type segmentName struct {
	seq  int
	file string
}

// segmentFiles are dir's segment files by their number.
func segmentFiles(dir string) ([]segmentName, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("analytics directory: %w", err)
	}
	var out []segmentName
	for _, e := range entries {
		n := e.Name()
		if strings.HasPrefix(n, "events-") && strings.Contains(n, ".tmp") {
			os.Remove(filepath.Join(dir, n)) // a write a crash cut short
			continue
		}
		if !strings.HasPrefix(n, "events-") || !strings.HasSuffix(n, ".parquet") {
			continue
		}
		seq, _, _ := strings.Cut(strings.TrimPrefix(n, "events-"), "-")
		s, err := strconv.Atoi(seq)
		if err != nil {
			continue
		}
		out = append(out, segmentName{s, n})
	}
	slices.SortFunc(out, func(a, b segmentName) int { return cmp.Compare(a.seq, b.seq) })
	return out, nil
}

// openSegment reads a segment file into the table.
func (t *Table) openSegment(path string, seq int, evictBefore int64) error {
	c, st, err := t.readSegmentFile(path)
	if err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if st.Seq != seq || st.Base != t.base || st.Rows != len(c.ts) {
		return fmt.Errorf("it says it is segment %d of rows %d to %d, where segment %d of rows from %d belongs", st.Seq, st.Base,
			st.Base+st.Rows, seq, t.base)
	}
	for i, conv := range c.conv { // what ingesting needs of each conversation
		t.convCode(conv)
		t.convInbox[conv], t.convPriority[conv] = c.inbox[i], c.priority[i]
		if k := Kind(c.kind[i]); k == KindOpened || k == KindAssigned {
			t.convAgent[conv] = c.agent[i]
		}
	}
	t.positions = st.Positions
	if t.positions == nil {
		t.positions = map[string]uint64{}
	}
	for tenant, s := range st.SLAs {
		tc := t.tenants.Code(tenant)
		t.slaTS[tc] = s.TS
		if !reflect.DeepEqual(t.slas[tc], s.SLA) {
			t.slas[tc], t.policies[tc] = s.SLA, PolicyOf(s.SLA)
			t.policyVersion++
		}
	}
	for tenant, inboxes := range st.Inboxes {
		tc := t.tenants.Code(tenant)
		for inbox, channel := range inboxes {
			t.inboxChannel[int64(tc)<<32|int64(t.inboxes.Code(inbox))] = t.channels.Code(channel)
		}
	}
	seg := &segment{seq: seq, base: t.base, n: len(c.ts), first: st.First, last: st.Last, rolled: st.Rolled, path: path, cols: &c}
	if st.Rolled < evictBefore {
		seg.cols = nil
	}
	t.segs = append(t.segs, seg)
	t.base += seg.n
	return nil
}

// Roll cuts the open tail into a segment, at now (unix ms), and writes the
// segments not yet written to their files, in order. A segment whose
// file cannot be written stays in memory, and the next Roll tries again.
func (t *Table) Roll(now int64) error {
	t.rollMu.Lock()
	defer t.rollMu.Unlock()
	t.mu.Lock()
	if t.dir == "" {
		t.mu.Unlock()
		return errors.New("analytics: the table has no directory to roll to (Open it in one)")
	}
	if n := len(t.rows.ts); n > 0 {
		c := t.rows.clone()
		seg := &segment{seq: t.nextSeq, base: t.base, n: n, rolled: now, cols: &c,
			first: slices.Min(c.ts), last: slices.Max(c.ts)}
		seg.state = t.stateOf(seg)
		t.segs = append(t.segs, seg)
		t.nextSeq++
		t.base += n
		t.rows = columns{}
	}
	var pending []*segment
	for _, s := range t.segs {
		if s.path == "" {
			pending = append(pending, s)
		}
	}
	dir := t.dir
	t.mu.Unlock()
	d := t.dicts()
	for _, s := range pending {
		path, err := writeSegment(dir, s, d)
		if err != nil {
			return fmt.Errorf("analytics: writing segment %d (%d rows): %w; it stays in memory and is written at the next roll", s.seq, s.n, err)
		}
		t.mu.Lock()
		s.path, s.state = path, nil // the state is in the file now
		t.mu.Unlock()
	}
	return nil
}

// Evict drops from memory the written segments rolled before before (unix
// ms); queries read them from their files. It reports how many it dropped.
func (t *Table) Evict(before int64) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, s := range t.segs {
		if s.cols != nil && s.path != "" && s.rolled < before {
			s.cols = nil
			n++
		}
	}
	return n
}

// Unwritten is the number of rolled segments whose files are not written
// yet: the next Roll tries again.
func (t *Table) Unwritten() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	n := 0
	for _, s := range t.segs {
		if s.path == "" {
			n++
		}
	}
	return n
}

// TailLen is the rows of the open tail, not rolled yet.
func (t *Table) TailLen() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.rows.ts)
}

// stateOf is the rollState at seg's end, as JSON (t.mu held).
func (t *Table) stateOf(seg *segment) []byte {
	st := rollState{Seq: seg.seq, Base: seg.base, Rows: seg.n, First: seg.first, Last: seg.last, Rolled: seg.rolled,
		Positions: t.positions, SLAs: map[string]slaSetting{}, Inboxes: map[string]map[string]string{}}
	for tc, sla := range t.slas {
		st.SLAs[t.tenants.Value(tc)] = slaSetting{t.slaTS[tc], sla}
	}
	for k, ch := range t.inboxChannel {
		tenant := t.tenants.Value(int32(k >> 32))
		if st.Inboxes[tenant] == nil {
			st.Inboxes[tenant] = map[string]string{}
		}
		st.Inboxes[tenant][t.inboxes.Value(int32(k))] = t.channels.Value(ch)
	}
	b, _ := json.Marshal(st) // maps of strings and numbers: cannot fail
	return b
}

// clone is a copy of c in slices of their own, no longer than the rows.
func (c columns) clone() columns {
	return columns{ts: slices.Clone(c.ts), tenant: slices.Clone(c.tenant), region: slices.Clone(c.region),
		inbox: slices.Clone(c.inbox), channel: slices.Clone(c.channel), conv: slices.Clone(c.conv),
		agent: slices.Clone(c.agent), kind: slices.Clone(c.kind), priority: slices.Clone(c.priority),
		value: slices.Clone(c.value), until: slices.Clone(c.until)}
}

// writeSegment writes s's rows to its file in dir, atomically: a file
// of that name is whole, and the name ends with the CRC-32C of its bytes.
func writeSegment(dir string, s *segment, d Dicts) (string, error) {
	name := fmt.Sprintf("events-%06d-%s", s.seq, time.UnixMilli(s.rolled).UTC().Format("20060102T1504Z"))
	tmp, err := os.CreateTemp(dir, name+".*.tmp")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name()) // after the rename: nothing
	sum := crc32.New(castagnoli)
	if err := encodeSegment(io.MultiWriter(tmp, sum), *s.cols, d, s.state); err != nil {
		tmp.Close()
		return "", err
	}
	path := filepath.Join(dir, fmt.Sprintf("%s-%08x.parquet", name, sum.Sum32()))
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", err
	}
	if f, err := os.Open(dir); err == nil { // the rename itself survives a crash
		_ = f.Sync()
		f.Close()
	}
	return path, nil
}

// scan calls fn with the table's rows from row from on, chunk by chunk in
// order: each rolled segment (read again from its file when evicted) and
// the open tail, with the range [lo, hi) of the chunk's rows to read. It
// returns the rows the table had, and why segments that could not be
// read were left out.
func (t *Table) scan(from int, fn func(c columns, lo, hi int)) (int, error) {
	return t.scanBetween(from, math.MinInt64, math.MaxInt64, fn)
}

// scanTimes is scan from the first row, of the rolled segments that hold
// rows of [from, to) (unix ms) only: for a reader that looks at nothing
// but the rows of that time.
func (t *Table) scanTimes(from, to int64, fn func(c columns, lo, hi int)) error {
	_, err := t.scanBetween(0, from, to, fn)
	return err
}

func (t *Table) scanBetween(from int, after, before int64, fn func(c columns, lo, hi int)) (int, error) {
	type chunk struct {
		seq, base, n int
		path         string
		cols         *columns
	}
	t.mu.RLock()
	var chunks []chunk
	for _, s := range t.segs {
		if s.base+s.n > from && s.last >= after && s.first < before {
			chunks = append(chunks, chunk{s.seq, s.base, s.n, s.path, s.cols})
		}
	}
	tail, base := t.rows.prefix(len(t.rows.ts)), t.base
	t.mu.RUnlock()
	var errs []error
	for _, ch := range chunks {
		c := ch.cols
		if c == nil {
			cols, st, err := t.readSegmentFile(ch.path)
			if err == nil && (st.Seq != ch.seq || st.Base != ch.base || len(cols.ts) != ch.n) {
				err = fmt.Errorf("segment %d of rows %d to %d, where the table had segment %d of rows %d to %d", st.Seq, st.Base,
					st.Base+len(cols.ts), ch.seq, ch.base, ch.base+ch.n)
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("analytics segment %s: %w", ch.path, err))
				continue
			}
			c = &cols
		}
		fn(*c, max(0, from-ch.base), ch.n)
	}
	if lo := max(0, from-base); lo < len(tail.ts) {
		fn(tail, lo, len(tail.ts))
	}
	return base + len(tail.ts), errors.Join(errs...)
}

// convCode is a conversation code's place in the ingest state, made when
// new (t.mu held).
func (t *Table) convCode(c int32) {
	for int(c) >= len(t.convInbox) {
		t.convInbox = append(t.convInbox, t.inboxes.Code(""))
		t.convPriority = append(t.convPriority, 1)
		t.convAgent = append(t.convAgent, -1)
	}
}
