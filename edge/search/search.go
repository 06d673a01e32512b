// Package search is the edge's full-text search over conversations: the
// messages and private notes of every conversation, and e-mail subjects,
// in a bleve index on the node's disk. The index is derived from the
// log, like the state: an Indexer reads the region's log from where it
// left off (the last sequence it indexed is kept in the index), so a
// node that was down catches up and a lost index is built again
// (docs/search.md). Text is analysed for Chinese, Japanese and Korean
// (bigrams) as well as for space-separated scripts; queries are plain
// words (no query syntax, so no wildcard or regular expression storms),
// bounded in length, and always of one tenant.
package search

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/cjk"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/edgedesk/edgedesk/internal/event"
)

// Bounds of a query.
const (
	MaxQueryRunes = 200
	MaxHits       = 50
	snippetRunes  = 160
)

// Index is the node's search index.
type Index struct {
	idx    bleve.Index
	log    *slog.Logger
	last   atomic.Uint64 // the last sequence indexed
	closed atomic.Bool
	codec  *event.Codec
}

// the document: one per message or note
type doc struct {
	Tenant  string  `json:"tenant"`
	Conv    string  `json:"conv"`
	Text    string  `json:"text"`
	Subject string  `json:"subject"`
	Private bool    `json:"private"`
	Actor   string  `json:"actor"`
	TS      float64 `json:"ts"` // unix ms
}

var (
	lastKey    = []byte("edgedesk.last_seq")
	mappingKey = []byte("edgedesk.mapping")
)

// mappingVersion names newMapping: an index made with another is made
// again from the log.
const mappingVersion = "2"

func newMapping() mapping.IndexMapping {
	kw := func() *mapping.FieldMapping {
		f := bleve.NewKeywordFieldMapping()
		f.Analyzer = keyword.Name
		f.IncludeInAll = false
		return f
	}
	text := bleve.NewTextFieldMapping()
	text.Analyzer = cjk.AnalyzerName
	text.Store, text.IncludeTermVectors = true, true
	subject := bleve.NewTextFieldMapping()
	subject.Analyzer = cjk.AnalyzerName
	subject.Store, subject.IncludeTermVectors = true, true
	m := bleve.NewDocumentStaticMapping()
	m.AddFieldMappingsAt("tenant", kw())
	m.AddFieldMappingsAt("conv", func() *mapping.FieldMapping { f := kw(); f.Store = true; return f }())
	m.AddFieldMappingsAt("actor", func() *mapping.FieldMapping { f := kw(); f.Store = true; return f }())
	m.AddFieldMappingsAt("text", text)
	m.AddFieldMappingsAt("subject", subject)
	private := bleve.NewBooleanFieldMapping()
	private.Store = true
	m.AddFieldMappingsAt("private", private)
	ts := bleve.NewNumericFieldMapping()
	ts.Store, ts.Index = true, false
	m.AddFieldMappingsAt("ts", ts)
	im := bleve.NewIndexMapping()
	im.DefaultMapping = m
	im.DefaultAnalyzer = cjk.AnalyzerName
	return im
}

// Open opens the index in dir, making it when there is none; an index
// that cannot be opened is removed and made again (it is rebuilt from
// the log).
func Open(dir string, log *slog.Logger) (*Index, error) {
	idx, err := bleve.Open(dir)
	switch {
	case errors.Is(err, bleve.ErrorIndexPathDoesNotExist):
		idx, err = bleve.New(dir, newMapping())
	case err != nil:
		log.Warn("the search index cannot be opened; it is built again from the log", "dir", dir, "err", err)
		if rerr := os.RemoveAll(dir); rerr != nil {
			return nil, fmt.Errorf("remove the broken search index %s: %w", dir, rerr)
		}
		idx, err = bleve.New(dir, newMapping())
	}
	if err != nil {
		return nil, fmt.Errorf("open the search index in %s: %w", dir, err)
	}
	if v, err := idx.GetInternal(mappingKey); err != nil || string(v) != mappingVersion {
		last, _ := idx.GetInternal(lastKey)
		if v != nil || err != nil || last != nil { // made by another version (a new one holds neither)
			log.Warn("the search index was made by another version; it is built again from the log", "dir", dir)
			if err := idx.Close(); err != nil {
				return nil, err
			}
			if err := os.RemoveAll(dir); err != nil {
				return nil, fmt.Errorf("remove the old search index %s: %w", dir, err)
			}
			if idx, err = bleve.New(dir, newMapping()); err != nil {
				return nil, fmt.Errorf("open the search index in %s: %w", dir, err)
			}
		}
		if err := idx.SetInternal(mappingKey, []byte(mappingVersion)); err != nil {
			return nil, fmt.Errorf("mark the search index in %s: %w", dir, err)
		}
	}
	x := &Index{idx: idx, log: log, codec: event.NewCodec()}
	if b, err := idx.GetInternal(lastKey); err == nil && len(b) > 0 {
		n, _ := strconv.ParseUint(string(b), 10, 64)
		x.last.Store(n)
	}
	return x, nil
}

// Close closes the index (once: again is a no-op).
func (x *Index) Close() error {
	if !x.closed.CompareAndSwap(false, true) {
		return nil
	}
	return x.idx.Close()
}

// Last is the last sequence of the log indexed.
func (x *Index) Last() uint64 { return x.last.Load() }

// Reader reads the log from a sequence on, in order, until ctx ends
// (edge/bus's Read).
type Reader func(ctx context.Context, from uint64, fn func(seq uint64, data []byte)) error

// batchSize and flushEvery bound what the indexer holds before it writes.
const (
	batchSize  = 500
	flushEvery = 200 * time.Millisecond
)

type entry struct {
	seq  uint64
	data []byte
}

// Run indexes the log from the last sequence indexed on, until ctx ends.
func (x *Index) Run(ctx context.Context, read Reader) error {
	ch := make(chan entry, 4096)
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 1)
	go func() {
		errc <- read(rctx, x.Last()+1, func(seq uint64, data []byte) {
			select {
			case ch <- entry{seq, data}:
			case <-rctx.Done():
			}
		})
	}()
	b := x.idx.NewBatch()
	var upTo uint64
	t := time.NewTimer(flushEvery)
	defer t.Stop()
	flush := func() {
		if upTo == 0 {
			return
		}
		b.SetInternal(lastKey, []byte(strconv.FormatUint(upTo, 10)))
		if err := x.idx.Batch(b); err != nil {
			x.log.Warn("search index write failed; it is retried from the log on restart", "err", err)
		} else {
			x.last.Store(upTo)
		}
		b.Reset()
		upTo = 0
	}
	for {
		select {
		case <-ctx.Done():
			flush()
			return ctx.Err()
		case err := <-errc:
			flush()
			if err != nil {
				return err
			}
			return ctx.Err()
		case e := <-ch:
			x.add(b, e)
			upTo = e.seq
			if b.Size() >= batchSize {
				flush()
			}
		case <-t.C:
			flush()
			t.Reset(flushEvery)
		}
	}
}

// add indexes one log entry: messages and notes; every other kind only
// moves the sequence on.
func (x *Index) add(b *bleve.Batch, en entry) {
	if en.data == nil {
		return
	}
	e, err := x.codec.Decode(en.data)
	if err != nil || e.Kind != event.KindMessageCreated {
		return
	}
	m := e.Message
	d := doc{Tenant: e.Tenant, Conv: m.Conv, Text: m.Text, Private: m.Private, Actor: e.Actor.Kind, TS: float64(e.TS)}
	if m.Email != nil {
		d.Subject = m.Email.Subject
	}
	if strings.TrimSpace(d.Text) == "" && d.Subject == "" {
		return
	}
	if err := b.Index(strconv.FormatUint(en.seq, 10), d); err != nil {
		x.log.Warn("cannot index a message", "seq", en.seq, "err", err)
	}
}

// Hit is a message that matches a query.
type Hit struct {
	Conv    string
	Seq     uint64
	TS      int64 // unix ms
	Actor   string
	Private bool
	// Snippet is the text around the first match (or the subject's), and
	// Marks the matches in it: [start, end) in Unicode code points.
	Snippet string
	Marks   [][2]int
	Score   float64
}

// ErrQuery is wrapped by a query that is refused.
var ErrQuery = errors.New("bad query")

// Search finds tenant's messages that match q (words; every word must
// match, in the text or the subject), best first, at most limit; notes
// only when private is true (agents).
func (x *Index) Search(ctx context.Context, tenant, q string, limit int, private bool) ([]Hit, int, error) {
	q = strings.TrimSpace(q)
	switch {
	case q == "":
		return nil, 0, fmt.Errorf("%w: give words to search for", ErrQuery)
	case !utf8.ValidString(q):
		return nil, 0, fmt.Errorf("%w: the query is not UTF-8", ErrQuery)
	case utf8.RuneCountInString(q) > MaxQueryRunes:
		return nil, 0, fmt.Errorf("%w: at most %d characters", ErrQuery, MaxQueryRunes)
	}
	if limit <= 0 || limit > MaxHits {
		limit = MaxHits
	}
	ten := bleve.NewTermQuery(tenant)
	ten.SetField("tenant")
	text := bleve.NewMatchQuery(q)
	text.SetField("text")
	text.SetOperator(query.MatchQueryOperatorAnd)
	subject := bleve.NewMatchQuery(q)
	subject.SetField("subject")
	subject.SetOperator(query.MatchQueryOperatorAnd)
	subject.SetBoost(2)
	must := []query.Query{ten, bleve.NewDisjunctionQuery(text, subject)}
	if !private {
		p := bleve.NewBoolFieldQuery(false)
		p.SetField("private")
		must = append(must, p)
	}
	req := bleve.NewSearchRequestOptions(bleve.NewConjunctionQuery(must...), limit, 0, false)
	req.Fields = []string{"conv", "text", "subject", "private", "actor", "ts"}
	req.IncludeLocations = true
	res, err := x.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, 0, err
	}
	hits := make([]Hit, 0, len(res.Hits))
	for _, h := range res.Hits {
		seq, _ := strconv.ParseUint(h.ID, 10, 64)
		hit := Hit{Seq: seq, Score: h.Score}
		hit.Conv, _ = h.Fields["conv"].(string)
		hit.Actor, _ = h.Fields["actor"].(string)
		hit.Private, _ = h.Fields["private"].(bool)
		if ts, ok := h.Fields["ts"].(float64); ok {
			hit.TS = int64(ts)
		}
		field := "text"
		if len(h.Locations["text"]) == 0 && len(h.Locations["subject"]) > 0 {
			field = "subject"
		}
		src, _ := h.Fields[field].(string)
		hit.Snippet, hit.Marks = snippet(src, h.Locations[field])
		hits = append(hits, hit)
	}
	return hits, int(res.Total), nil
}
