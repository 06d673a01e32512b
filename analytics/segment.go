package analytics

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/klauspost/compress/zstd"
)

// The Parquet form of a segment: written as any Parquet reader reads it,
// read back defensively (roll.go says when and why).

// encodeSegment writes c as Parquet: zstd, dictionary encoded, state in
// the metadata.
func encodeSegment(w io.Writer, c columns, d Dicts, state []byte) error {
	props := segmentProps()
	// no stored Arrow schema (ARROW:schema): Parquet's own types say it
	// all, and a reader need not trust a second, nested format
	fw, err := pqarrow.NewFileWriter(Schema, nopCloser{w}, props, pqarrow.NewArrowWriterProperties())
	if err != nil {
		return err
	}
	n := len(c.ts)
	for from := 0; from < n || from == 0; from += rowGroup {
		rec, err := segmentRecord(c, from, min(n, from+rowGroup), d)
		if err != nil {
			return err
		}
		err = fw.Write(rec)
		rec.Release()
		if err != nil {
			return err
		}
		if n == 0 {
			break
		}
	}
	if err := fw.AppendKeyValueMetadata(metaSchema, "events/"+SchemaVersion); err != nil {
		return err
	}
	if err := fw.AppendKeyValueMetadata(metaSegment, string(state)); err != nil {
		return err
	}
	return fw.Close()
}

// segmentRecord is rows [from, to) of c as a record batch of Schema whose
// dictionaries hold the strings these rows use: codes are mapped through
// a slice, no string is hashed.
func segmentRecord(c columns, from, to int, d Dicts) (arrow.RecordBatch, error) {
	mem := memory.DefaultAllocator
	n := to - from
	cols := make([]arrow.Array, 0, Schema.NumFields())
	defer func() {
		for _, a := range cols {
			a.Release()
		}
	}()
	ts := array.NewTimestampBuilder(mem, Schema.Field(0).Type.(*arrow.TimestampType))
	defer ts.Release()
	ts.Reserve(n)
	for _, v := range c.ts[from:to] {
		ts.UnsafeAppend(arrow.Timestamp(v))
	}
	cols = append(cols, ts.NewArray())
	for _, col := range []struct {
		codes []int32
		dict  *Dict
	}{{c.tenant, d.Tenants}, {c.region, d.Regions}, {c.inbox, d.Inboxes}, {c.channel, d.Channels}, {c.conv, d.Convs}} {
		a, err := dictArray(col.codes[from:to], col.dict)
		if err != nil {
			return nil, err
		}
		cols = append(cols, a)
	}
	kind := array.NewInt8Builder(mem)
	defer kind.Release()
	kind.AppendValues(c.kind[from:to], nil)
	cols = append(cols, kind.NewArray())
	agent, err := dictArray(c.agent[from:to], d.Agents)
	if err != nil {
		return nil, err
	}
	cols = append(cols, agent)
	priority, value := array.NewInt8Builder(mem), array.NewInt32Builder(mem)
	defer priority.Release()
	defer value.Release()
	priority.AppendValues(c.priority[from:to], nil)
	value.AppendValues(c.value[from:to], nil)
	cols = append(cols, priority.NewArray(), value.NewArray())
	until := array.NewTimestampBuilder(mem, Schema.Field(10).Type.(*arrow.TimestampType))
	defer until.Release()
	until.Reserve(n)
	for _, v := range c.until[from:to] {
		if v == 0 {
			until.UnsafeAppendBoolToBitmap(false)
		} else {
			until.UnsafeAppend(arrow.Timestamp(v))
		}
	}
	cols = append(cols, until.NewArray())
	return array.NewRecordBatch(Schema, cols, int64(n)), nil
}

// dictArray is codes of d as a dictionary array of the strings they use
// (a code below zero: null).
func dictArray(codes []int32, d *Dict) (arrow.Array, error) {
	mem := memory.DefaultAllocator
	local := make([]int32, d.Len()) // code + 1 → local index + 1
	idx := array.NewInt32Builder(mem)
	defer idx.Release()
	idx.Reserve(len(codes))
	values := array.NewStringBuilder(mem)
	defer values.Release()
	for _, c := range codes {
		if c < 0 {
			idx.UnsafeAppendBoolToBitmap(false)
			continue
		}
		if int(c) >= len(local) {
			return nil, fmt.Errorf("analytics: code %d of a dictionary of %d", c, len(local))
		}
		if local[c] == 0 {
			values.Append(d.Value(c))
			local[c] = int32(values.Len())
		}
		idx.UnsafeAppend(local[c] - 1)
	}
	ia, va := idx.NewArray(), values.NewArray()
	defer ia.Release()
	defer va.Release()
	return array.NewDictionaryArray(dictString, ia, va), nil
}

// segmentProps are the Parquet properties segments are written with.
func segmentProps() *parquet.WriterProperties {
	return parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Zstd), parquet.WithDictionaryDefault(true),
		parquet.WithMaxRowGroupLength(rowGroup), parquet.WithCreatedBy("edgedesk"))
}

// nopCloser keeps the Parquet writer from closing the file: the caller
// syncs it first.
type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// readSegmentFile reads a segment file's rows, in this table's codes,
// after checking its bytes against the checksum in its name: a file
// damaged on disk is refused before the Parquet reader sees it. (The
// first segments, rolled before names had checksums, are read without.)
func (t *Table) readSegmentFile(path string) (columns, *rollState, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return columns{}, nil, err
	}
	if fi.Size() > maxSegmentBytes {
		return columns{}, nil, fmt.Errorf("%d bytes, more than a segment's %d", fi.Size(), maxSegmentBytes)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return columns{}, nil, err
	}
	if want, ok := checksumOf(path); ok {
		if got := crc32.Checksum(b, castagnoli); got != want {
			return columns{}, nil, fmt.Errorf("its bytes' checksum is %08x, its name says %08x: damaged", got, want)
		}
	}
	return t.decodeSegment(bytes.NewReader(b))
}

// checksumOf is the CRC-32C a segment file's name ends with, if it does.
func checksumOf(path string) (uint32, bool) {
	base := strings.TrimSuffix(filepath.Base(path), ".parquet")
	last := base[strings.LastIndexByte(base, '-')+1:]
	if len(last) != 8 {
		return 0, false // events-<seq>-<time>: before checksums
	}
	v, err := strconv.ParseUint(last, 16, 32)
	return uint32(v), err == nil
}

// boundedZstd decodes zstd pages no larger than the page said: arrow-go's
// own decoder allocates what a frame declares, up to 64 GiB, before the
// page's bounds apply. Encoding is arrow-go's.
type boundedZstd struct {
	compress.Codec
	compress.StreamingCodec
}

var zstdDecoders = sync.Pool{New: func() any {
	d, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(maxPage), zstd.WithDecodeAllCapLimit(true))
	if err != nil {
		panic(err) // static options
	}
	return d
}}

// DecodeWithError decodes into dst's capacity, and no further.
func (boundedZstd) DecodeWithError(dst, src []byte) ([]byte, error) {
	d := zstdDecoders.Get().(*zstd.Decoder)
	defer zstdDecoders.Put(d)
	return d.DecodeAll(src, dst[:0])
}

// Decode is DecodeWithError, panicking as Codec's Decode does.
func (z boundedZstd) Decode(dst, src []byte) []byte {
	out, err := z.DecodeWithError(dst, src)
	if err != nil {
		panic(err)
	}
	return out
}

func init() {
	// a process-wide registry, like database/sql's drivers: set once
	// before any segment is read
	if c, err := compress.GetCodec(compress.Codecs.Zstd); err == nil {
		sc, _ := c.(compress.StreamingCodec)
		compress.RegisterCodec(compress.Codecs.Zstd, boundedZstd{c, sc})
	}
}

// castagnoli is CRC-32C's table.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// maxSegmentBytes bounds a segment file: MaxTail rows are about 30 MB.
const maxSegmentBytes = 256 << 20

// maxPage bounds a Parquet page, compressed or not: a row group's column
// is at most rowGroup × maxRowBytes, and pages are smaller.
const maxPage = 64 << 20

// maxAlloc bounds any one allocation while reading a segment: a row
// group's column is at most rowGroup × maxRowBytes.
const maxAlloc = rowGroup * maxRowBytes

// boundedAlloc is an allocator that refuses (by a panic that decodeSegment
// recovers) what no segment needs: the Parquet reader sizes buffers from
// what a file says.
type boundedAlloc struct{ memory.Allocator }

func (a boundedAlloc) Allocate(size int) []byte {
	if size < 0 || size > maxAlloc {
		panic(fmt.Sprintf("a buffer of %d bytes (at most %d)", size, maxAlloc))
	}
	return a.Allocator.Allocate(size)
}

func (a boundedAlloc) Reallocate(size int, b []byte) []byte {
	if size < 0 || size > maxAlloc {
		panic(fmt.Sprintf("a buffer of %d bytes (at most %d)", size, maxAlloc))
	}
	return a.Allocator.Reallocate(size, b)
}

// decodeSegment reads a segment from Parquet, checking what it says: the
// schema version, the columns' types, no nulls where the schema has none,
// known kinds. Strings become this table's codes.
func (t *Table) decodeSegment(r parquet.ReaderAtSeeker) (c columns, st *rollState, err error) {
	defer func() {
		if p := recover(); p != nil { // the Parquet reader trusts some of what it reads
			err = fmt.Errorf("not a readable Parquet file: %v", p)
		}
	}()
	size, err := r.Seek(0, io.SeekEnd)
	if err != nil {
		return c, nil, err
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return c, nil, err
	}
	mem := boundedAlloc{memory.DefaultAllocator}
	props := parquet.NewReaderProperties(mem)
	// column chunks read through a buffer, not whole into a slice their
	// metadata sizes; pages bounded
	props.BufferedStreamEnabled, props.BufferSize = true, 1<<20
	props.MaxCompressedPageSize, props.MaxUncompressedPageSize = maxPage, maxPage
	pf, err := file.NewParquetReader(r, file.WithReadProps(props))
	if err != nil {
		return c, nil, fmt.Errorf("not a Parquet file: %w", err)
	}
	defer pf.Close()
	kv := pf.MetaData().KeyValueMetadata()
	if v := kv.FindValue(metaSchema); v == nil || *v != "events/"+SchemaVersion {
		return c, nil, fmt.Errorf("not an events/%s segment (its %s is %v)", SchemaVersion, metaSchema, deref(v))
	}
	st = &rollState{}
	if v := kv.FindValue(metaSegment); v == nil {
		return c, nil, fmt.Errorf("no %s metadata", metaSegment)
	} else if err := json.Unmarshal([]byte(*v), st); err != nil {
		return c, nil, fmt.Errorf("its %s metadata: %w", metaSegment, err)
	}
	if st.Rows < 0 || int64(st.Rows) != pf.NumRows() {
		return c, nil, fmt.Errorf("it says %d rows and holds %d", st.Rows, pf.NumRows())
	}
	if kv.FindValue("ARROW:schema") != nil {
		// a nested flatbuffer whose sizes the reader trusts: a damaged
		// one could make it allocate without bound
		return c, nil, errors.New("it carries an Arrow schema (ARROW:schema): not a segment of this hub")
	}
	if err := checkSizes(pf, st.Rows, size); err != nil {
		return c, nil, err
	}
	if err := checkPages(pf); err != nil {
		return c, nil, err
	}
	aprops := pqarrow.ArrowReadProperties{BatchSize: rowGroup}
	for i, f := range Schema.Fields() {
		if _, ok := f.Type.(*arrow.DictionaryType); ok {
			aprops.SetReadDict(i, true)
		}
	}
	fr, err := pqarrow.NewFileReader(pf, aprops, mem)
	if err != nil {
		return c, nil, err
	}
	if s, err := fr.Schema(); err != nil {
		return c, nil, err
	} else if !sameColumns(s, Schema) {
		return c, nil, fmt.Errorf("its columns are %s, not those of events/%s", s, SchemaVersion)
	}
	n := min(st.Rows, MaxTail) // room for the rows a segment usually has; a file's word is not trusted further
	c = columns{ts: make([]int64, 0, n), tenant: make([]int32, 0, n), region: make([]int32, 0, n), inbox: make([]int32, 0, n),
		channel: make([]int32, 0, n), conv: make([]int32, 0, n), agent: make([]int32, 0, n), kind: make([]int8, 0, n),
		priority: make([]int8, 0, n), value: make([]int32, 0, n), until: make([]int64, 0, n)}
	rr, err := fr.GetRecordReader(context.Background(), nil, nil)
	if err != nil {
		return c, nil, err
	}
	defer rr.Release()
	for rr.Next() {
		if err := t.appendBatch(&c, rr.RecordBatch()); err != nil {
			return c, nil, err
		}
	}
	if err := rr.Err(); err != nil && !errors.Is(err, io.EOF) {
		return c, nil, err
	}
	if len(c.ts) != st.Rows {
		return c, nil, fmt.Errorf("it says %d rows and %d were read", st.Rows, len(c.ts))
	}
	return c, st, nil
}

// checkSizes refuses a file whose column chunks say they hold more than
// rows of the schema could: the reader allocates what they say.
func checkSizes(pf *file.Reader, rows int, size int64) error {
	limit := int64(rows)*maxRowBytes + 1<<20
	md := pf.MetaData()
	if md.NumSchemaElements() != Schema.NumFields()+1 {
		return fmt.Errorf("%d columns, where events/%s has %d", md.NumSchemaElements()-1, SchemaVersion, Schema.NumFields())
	}
	for g := range pf.NumRowGroups() {
		rg := md.RowGroup(g)
		if rg.NumRows() < 0 || rg.NumRows() > int64(rows) || rg.NumColumns() != Schema.NumFields() {
			return fmt.Errorf("row group %d: %d rows and %d columns in a segment of %d rows", g, rg.NumRows(), rg.NumColumns(), rows)
		}
		for i := range rg.NumColumns() {
			cc, err := rg.ColumnChunk(i)
			if err != nil {
				return fmt.Errorf("row group %d, column %d: %w", g, i, err)
			}
			if u := cc.TotalUncompressedSize(); u < 0 || u > limit || cc.NumValues() < 0 || cc.NumValues() > int64(rows) {
				return fmt.Errorf("row group %d, column %d: %d bytes and %d values in a segment of %d rows", g, i, u, cc.NumValues(), rows)
			}
			start := cc.DataPageOffset()
			if cc.HasDictionaryPage() {
				start = min(start, cc.DictionaryPageOffset())
			}
			if n := cc.TotalCompressedSize(); n < 0 || start < 0 || start > size || n > size-start {
				return fmt.Errorf("row group %d, column %d: %d bytes at %d in a file of %d", g, i, n, start, size)
			}
		}
	}
	return nil
}

// checkPages refuses a dictionary page that says it holds more values
// than its row group has rows: the reader sizes the dictionary from what
// the page says. (A chunk's dictionary is its first page; the data pages'
// counts the reader checks itself.)
func checkPages(pf *file.Reader) error {
	for g := range pf.NumRowGroups() {
		rg := pf.RowGroup(g)
		for i := range rg.NumColumns() {
			pr, err := rg.GetColumnPageReader(i)
			if err != nil {
				return fmt.Errorf("row group %d, column %d: %w", g, i, err)
			}
			if pr.Next() && pr.Page().Type() == file.PageTypeDictionaryPage {
				if n := int64(pr.Page().NumValues()); n < 0 || n > rg.NumRows() {
					pr.Close()
					return fmt.Errorf("row group %d, column %d: a dictionary of %d values in %d rows", g, i, n, rg.NumRows())
				}
			}
			err = pr.Err()
			pr.Close()
			if err != nil {
				return fmt.Errorf("row group %d, column %d: %w", g, i, err)
			}
		}
	}
	return nil
}

// maxRowBytes bounds the bytes of one row's value in a column: the
// longest strings are ids.
const maxRowBytes = 1 << 10

func deref(v *string) string {
	if v == nil {
		return "missing"
	}
	return strconv.Quote(*v)
}

// sameColumns reports whether s has Schema's columns, by name and type
// (dictionary columns may come back as plain strings).
func sameColumns(s, want *arrow.Schema) bool {
	if s.NumFields() != want.NumFields() {
		return false
	}
	for i, f := range want.Fields() {
		g := s.Field(i)
		if g.Name != f.Name {
			return false
		}
		if dt, ok := f.Type.(*arrow.DictionaryType); ok {
			if gd, ok := g.Type.(*arrow.DictionaryType); ok {
				if !arrow.TypeEqual(gd.ValueType, dt.ValueType) {
					return false
				}
			} else if !arrow.TypeEqual(g.Type, dt.ValueType) {
				return false
			}
			continue
		}
		if !arrow.TypeEqual(g.Type, f.Type) {
			return false
		}
	}
	return true
}

// appendBatch adds a record batch of Schema's columns to c.
func (t *Table) appendBatch(c *columns, rec arrow.RecordBatch) error {
	n := int(rec.NumRows())
	ts, ok := rec.Column(0).(*array.Timestamp)
	if !ok || ts.NullN() > 0 {
		return errors.New("the ts column has nulls")
	}
	for _, v := range ts.Values() {
		c.ts = append(c.ts, int64(v))
	}
	for i, dst := range []struct {
		codes    *[]int32
		dict     *Dict
		nullable bool
	}{{&c.tenant, t.tenants, false}, {&c.region, t.regions, false}, {&c.inbox, t.inboxes, false},
		{&c.channel, t.channels, false}, {&c.conv, t.convs, false}} {
		if err := t.appendCodes(dst.codes, rec.Column(1+i), dst.dict, dst.nullable); err != nil {
			return fmt.Errorf("the %s column: %w", Schema.Field(1+i).Name, err)
		}
	}
	kind, ok := rec.Column(6).(*array.Int8)
	if !ok || kind.NullN() > 0 {
		return errors.New("the kind column has nulls")
	}
	for _, k := range kind.Int8Values() {
		if _, known := kindNames[Kind(k)]; !known {
			return fmt.Errorf("kind %d is not one of events/%s", k, SchemaVersion)
		}
	}
	c.kind = append(c.kind, kind.Int8Values()...)
	if err := t.appendCodes(&c.agent, rec.Column(7), t.agents, true); err != nil {
		return fmt.Errorf("the agent column: %w", err)
	}
	priority, ok := rec.Column(8).(*array.Int8)
	value, ok2 := rec.Column(9).(*array.Int32)
	until, ok3 := rec.Column(10).(*array.Timestamp)
	if !ok || !ok2 || !ok3 || priority.NullN() > 0 || value.NullN() > 0 {
		return errors.New("the priority or value column has nulls")
	}
	for _, p := range priority.Int8Values() {
		if p < 0 || p > 3 {
			return fmt.Errorf("priority %d is not 0 to 3", p)
		}
	}
	c.priority = append(c.priority, priority.Int8Values()...)
	c.value = append(c.value, value.Int32Values()...)
	for i := range n {
		if until.IsNull(i) {
			c.until = append(c.until, 0)
		} else {
			c.until = append(c.until, int64(until.Value(i)))
		}
	}
	return nil
}

// appendCodes adds the codes in d of a string column, dictionary encoded
// or not, to dst; a null is -1 where nullable.
func (t *Table) appendCodes(dst *[]int32, col arrow.Array, d *Dict, nullable bool) error {
	if col.NullN() > 0 && !nullable {
		return errors.New("nulls in a column that has none")
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	switch a := col.(type) {
	case *array.Dictionary:
		values, ok := a.Dictionary().(*array.String)
		if !ok {
			return fmt.Errorf("a dictionary of %s, not strings", a.Dictionary().DataType())
		}
		codes := make([]int32, values.Len())
		for i := range codes {
			codes[i] = d.Code(values.Value(i))
		}
		if idx, ok := a.Indices().(*array.Int32); ok && a.NullN() == 0 {
			for _, j := range idx.Int32Values() {
				if j < 0 || int(j) >= len(codes) {
					return fmt.Errorf("index %d of a dictionary of %d", j, len(codes))
				}
				*dst = append(*dst, codes[j])
			}
			return nil
		}
		for i := range a.Len() {
			if a.IsNull(i) {
				*dst = append(*dst, -1)
				continue
			}
			j := a.GetValueIndex(i)
			if j < 0 || j >= len(codes) {
				return fmt.Errorf("index %d of a dictionary of %d", j, len(codes))
			}
			*dst = append(*dst, codes[j])
		}
	case *array.String:
		for i := range a.Len() {
			if a.IsNull(i) {
				*dst = append(*dst, -1)
			} else {
				*dst = append(*dst, d.Code(a.Value(i)))
			}
		}
	default:
		return fmt.Errorf("%s, not strings", col.DataType())
	}
	return nil
}
