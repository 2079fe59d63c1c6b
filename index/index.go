// Package index is Rasd's full-text search over scored posts: a bleve index
// whose text analyser is the project's normaliser, so that a query for داعش
// finds د.ا.ع.ش and Arabizi spellings, with filters, facets, sorting and
// highlights on the original text.
package index

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"
	bindex "github.com/blevesearch/bleve_index_api"

	"github.com/rasd-iq/rasd/nlp"
)

// Doc is what the index holds for one post: the fields it searches, filters,
// facets and sorts on. Nothing is stored in the index beyond them; hits are
// shown from the store, which is the source of truth.
type Doc struct {
	// ID is the post's stable id.
	ID string `json:"id"`
	// Text is the original text; it is analysed with the normaliser.
	Text string `json:"text"`
	// Normalized, when set, is Text as nlp.Normalize folds it: the index
	// tokenises it directly instead of normalising Text again. Tokens, when
	// set with it, are its tokens (nlp.Tokenize), used as they are.
	Normalized string      `json:"-"`
	Tokens     []nlp.Token `json:"-"`
	// Platform, Source and Governorate are exact-match facets.
	Platform    string `json:"platform"`
	Source      string `json:"source"`
	Governorate string `json:"governorate,omitempty"`
	// Created is when the post was made (or fetched, when unknown).
	Created time.Time `json:"created"`
	// Labels are the flagged labels; Context the protective context labels.
	Labels  []string `json:"labels,omitempty"`
	Context []string `json:"context,omitempty"`
	// MaxScore is the highest violation score, for sorting and range filters.
	MaxScore float64 `json:"max_score"`
}

// Index is an open bleve index. It is safe for concurrent use.
type Index struct {
	bi bleve.Index
	// unpersisted counts on-disk batches searchable but not yet on disk;
	// Close waits for them.
	unpersisted sync.WaitGroup
	onDisk      bool
}

// Index fields beyond the post's own: the day (for date filters) and the
// fixed-width keys the sorts read. Dates and scores are indexed as one
// keyword term each rather than as bleve's numeric and date fields, which
// index sixteen prefix terms per value and cost more than the text itself.
const (
	fieldDay     = "day"
	fieldCreated = "created"
	fieldScore   = "max_score"
)

// dayLayout, createdLayout and scoreScale fix the keys' width, so that their
// byte order is the order of the dates and scores they encode. Times sort to
// the second, the resolution platforms give; posts of the same second sort
// by id.
const (
	dayLayout     = "2006-01-02"
	createdLayout = "2006-01-02T15:04:05"
	scoreScale    = 1000
)

// FormatVersion names the index's document layout. An index written with
// another layout is rebuilt from the store when opened.
const FormatVersion = "3"

// formatKey is the bleve internal key that records FormatVersion.
var formatKey = []byte("rasd_format")

// dayKey is the UTC day of t, as indexed.
func dayKey(t time.Time) string { return t.UTC().Format(dayLayout) }

// scoreKey is s truncated to 1/scoreScale, with a fixed width ("0.930").
func scoreKey(s float64) string {
	n := int(math.Floor(math.Max(0, math.Min(1, s)) * scoreScale))
	return fmt.Sprintf("%d.%03d", n/scoreScale, n%scoreScale)
}

// Mapping returns the index mapping, built in code and validated. Documents
// are built directly by Put; the mapping names the same fields for queries,
// facets and sorts.
func Mapping() (mapping.IndexMapping, error) {
	text := bleve.NewTextFieldMapping()
	text.Analyzer = AnalyzerName
	text.Store = false
	text.IncludeTermVectors = false
	text.IncludeInAll = false
	text.DocValues = false

	kw := bleve.NewKeywordFieldMapping()
	kw.Analyzer = keyword.Name
	kw.Store = false
	kw.IncludeInAll = false

	doc := bleve.NewDocumentStaticMapping()
	doc.AddFieldMappingsAt("text", text)
	for _, f := range []string{"platform", "source", "governorate", "labels", "context", fieldDay, fieldCreated, fieldScore} {
		doc.AddFieldMappingsAt(f, kw)
	}

	// No composite _all field: every query names its field.
	doc.AddSubDocumentMapping("_all", bleve.NewDocumentDisabledMapping())

	im := bleve.NewIndexMapping()
	im.DefaultMapping = doc
	im.DefaultAnalyzer = AnalyzerName
	im.StoreDynamic = false
	im.IndexDynamic = false
	if err := im.Validate(); err != nil {
		return nil, fmt.Errorf("validating index mapping: %w", err)
	}
	return im, nil
}

// Open opens the index in dir, creating it when absent. An empty dir gives an
// in-memory index (for tests and throwaway runs). An index written with
// another FormatVersion is removed and created afresh: the store is the source
// of truth, and the pipeline re-indexes it.
func Open(dir string) (*Index, error) {
	im, err := Mapping()
	if err != nil {
		return nil, err
	}
	bi, onDisk, err := openBleve(dir, im)
	if err != nil {
		return nil, err
	}
	return &Index{bi: bi, onDisk: onDisk}, nil
}

// openBleve opens or creates the bleve index in dir (in memory when dir is
// empty), replacing one in an older format.
func openBleve(dir string, im mapping.IndexMapping) (bi bleve.Index, onDisk bool, err error) {
	if dir == "" {
		bi, err := bleve.NewMemOnly(im)
		if err != nil {
			return nil, false, fmt.Errorf("creating in-memory index: %w", err)
		}
		return bi, false, bi.SetInternal(formatKey, []byte(FormatVersion))
	}
	if _, err := os.Stat(filepath.Join(dir, "index_meta.json")); err == nil {
		bi, err := bleve.OpenUsing(dir, runtimeConfig())
		if err != nil {
			return nil, false, fmt.Errorf("opening index %s: %w", dir, err)
		}
		v, err := bi.GetInternal(formatKey)
		if err == nil && string(v) == FormatVersion {
			return bi, true, nil
		}
		bi.Close()
		if err := os.RemoveAll(dir); err != nil {
			return nil, false, fmt.Errorf("removing index %s in an older format: %w", dir, err)
		}
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return nil, false, fmt.Errorf("creating index folder: %w", err)
	}
	bi, err = bleve.NewUsing(dir, im, scorch.Name, scorch.Name, runtimeConfig())
	if err != nil {
		return nil, false, fmt.Errorf("creating index %s: %w", dir, err)
	}
	if err := bi.SetInternal(formatKey, []byte(FormatVersion)); err != nil {
		bi.Close()
		return nil, false, fmt.Errorf("recording index format: %w", err)
	}
	return bi, true, nil
}

// runtimeConfig lets a batch return once it is searchable, without waiting
// for it to reach the disk: the store is the source of truth, and the
// pipeline re-indexes from it whatever a crash kept from the disk.
func runtimeConfig() map[string]interface{} {
	return map[string]interface{}{"unsafe_batch": true}
}

// closeWait bounds how long Close waits for batches to reach the disk.
const closeWait = time.Minute

// Close waits until every batch is on disk, then closes the index.
func (x *Index) Close() error {
	done := make(chan struct{})
	go func() { x.unpersisted.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(closeWait):
		// The store holds everything; the next start re-indexes what is missing.
	}
	return x.bi.Close()
}

// batch runs b, tracking its persistence on disk.
func (x *Index) batch(b *bleve.Batch) error {
	if x.onDisk {
		var once sync.Once
		x.unpersisted.Add(1)
		done := func() { once.Do(x.unpersisted.Done) }
		b.SetPersistedCallback(func(error) { done() })
		if err := x.bi.Batch(b); err != nil {
			done()
			return err
		}
		return nil
	}
	return x.bi.Batch(b)
}

// Put indexes docs in one batch. Indexing a doc whose ID is already present
// replaces it, so redelivery never indexes a post twice.
func (x *Index) Put(docs ...Doc) error {
	if len(docs) == 0 {
		return nil
	}
	b := x.bi.NewBatch()
	keywords := keywordFields{}
	for i := range docs {
		if docs[i].ID == "" {
			return errors.New("indexing: doc without id")
		}
		if err := b.IndexAdvanced(bleveDocument(&docs[i], keywords)); err != nil {
			return fmt.Errorf("indexing %s: %w", docs[i].ID, err)
		}
	}
	if err := x.batch(b); err != nil {
		return fmt.Errorf("writing index batch: %w", err)
	}
	return nil
}

// bleveDocument builds d's bleve document without the mapping's reflection or
// bleve's analysis chain: the text's normalised tokens, keywords for facets
// and filters, the day, and the sort keys. Keyword fields come from, and go
// to, keywords.
func bleveDocument(d *Doc, keywords keywordFields) *document.Document {
	doc := document.NewDocument(d.ID)
	norm, toks := d.Normalized, d.Tokens
	if norm == "" {
		norm, toks = nlp.Normalize(d.Text), nil
	}
	if toks == nil {
		toks = nlp.Tokenize(norm)
	}
	doc.AddField(textField("text", norm, toks, bindex.IndexField))
	facet := bindex.IndexField | bindex.DocValues
	add := func(name string, opts bindex.FieldIndexingOptions, shared bool, values ...string) {
		if f := keywords.field(name, opts, shared, values...); f != nil {
			doc.AddField(f)
		}
	}
	add("platform", facet, true, d.Platform)
	add("source", facet, true, d.Source)
	add("governorate", facet, true, d.Governorate)
	add("labels", facet, true, d.Labels...)
	add("context", facet, true, d.Context...)
	add(fieldDay, bindex.IndexField, true, dayKey(d.Created))
	add(fieldCreated, facet, false, d.Created.UTC().Format(createdLayout))
	add(fieldScore, facet, true, scoreKey(d.MaxScore))
	return doc
}

// Delete removes docs by id (retention purges).
func (x *Index) Delete(ids ...string) error {
	b := x.bi.NewBatch()
	for _, id := range ids {
		b.Delete(id)
	}
	if err := x.batch(b); err != nil {
		return fmt.Errorf("deleting from index: %w", err)
	}
	return nil
}

// Count returns the number of indexed docs.
func (x *Index) Count() (uint64, error) { return x.bi.DocCount() }

// Query is a search with its filters.
type Query struct {
	// Text is the free-text query, normalised like the posts; empty matches all.
	Text string
	// Labels keeps posts flagged with any of these labels.
	Labels []string
	// Platform, Source and Governorate keep exact matches when set.
	Platform, Source, Governorate string
	// MinScore and MaxScore bound MaxScore when set (MaxScore 0 means no
	// bound), both included, to three decimals.
	MinScore, MaxScore float64
	// From and To bound Created by UTC day when non-zero, both days included.
	From, To time.Time
	// Sort is "score" (max_score, highest first), "time" (newest first) or "" (relevance).
	Sort string
	// Size and Offset page the hits; Size defaults to 20 and is capped at 200.
	Size, Offset int
}

// Hit is one search result: the post's id and its relevance to the query.
type Hit struct {
	ID string `json:"id"`
	// Relevance is bleve's score for the query.
	Relevance float64 `json:"relevance"`
}

// Range is a byte range [Start,End) of a post's original text.
type Range struct {
	Start int `json:"start"`
	End   int `json:"end"`
}

// Result is a page of hits with the total and facet counts.
type Result struct {
	Total  uint64                    `json:"total"`
	Hits   []Hit                     `json:"hits"`
	Facets map[string]map[string]int `json:"facets"`
}

// facetFields are the fields whose value counts come with every search.
var facetFields = []string{"labels", "platform", "source", "governorate"}

// ErrBadQuery reports a query whose filters contradict each other or are out of range.
var ErrBadQuery = errors.New("bad query")

// Search runs q and returns hits with highlights and facets.
func (x *Index) Search(ctx context.Context, q Query) (*Result, error) {
	bq, err := buildQuery(q)
	if err != nil {
		return nil, err
	}
	size := q.Size
	if size <= 0 {
		size = 20
	}
	size = min(size, 200)
	if q.Offset < 0 {
		return nil, fmt.Errorf("%w: negative offset", ErrBadQuery)
	}
	req := bleve.NewSearchRequestOptions(bq, size, q.Offset, false)
	switch q.Sort {
	case "", "relevance":
	case "score":
		req.SortBy([]string{"-max_score", "-created", "_id"})
	case "time":
		req.SortBy([]string{"-created", "_id"})
	default:
		return nil, fmt.Errorf("%w: sort must be score, time or relevance, not %q", ErrBadQuery, q.Sort)
	}
	for _, f := range facetFields {
		req.AddFacet(f, bleve.NewFacetRequest(f, 20))
	}
	res, err := x.bi.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("searching: %w", err)
	}
	out := &Result{Total: res.Total, Hits: make([]Hit, 0, len(res.Hits)), Facets: map[string]map[string]int{}}
	for name, fr := range res.Facets {
		m := map[string]int{}
		if fr.Terms != nil {
			for _, t := range fr.Terms.Terms() {
				m[t.Term] = t.Count
			}
		}
		out.Facets[name] = m
	}
	for _, h := range res.Hits {
		out.Hits = append(out.Hits, Hit{ID: h.ID, Relevance: h.Score})
	}
	return out, nil
}

// keyRange matches keys of field between lo and hi, both included; an empty
// bound is open.
func keyRange(field, lo, hi string) query.Query {
	incl := true
	q := bleve.NewTermRangeInclusiveQuery(lo, hi, &incl, &incl)
	q.SetField(field)
	return q
}

func buildQuery(q Query) (query.Query, error) {
	var must []query.Query
	if t := strings.TrimSpace(q.Text); t != "" {
		mq := bleve.NewMatchQuery(t)
		mq.SetField("text")
		mq.Analyzer = AnalyzerName
		mq.SetOperator(query.MatchQueryOperatorAnd)
		must = append(must, mq)
	}
	if len(q.Labels) > 0 {
		var any []query.Query
		for _, l := range q.Labels {
			tq := bleve.NewTermQuery(l)
			tq.SetField("labels")
			any = append(any, tq)
		}
		must = append(must, bleve.NewDisjunctionQuery(any...))
	}
	for field, v := range map[string]string{"platform": q.Platform, "source": q.Source, "governorate": q.Governorate} {
		if v != "" {
			tq := bleve.NewTermQuery(v)
			tq.SetField(field)
			must = append(must, tq)
		}
	}
	if q.MinScore < 0 || q.MaxScore < 0 || q.MinScore > 1 || q.MaxScore > 1 || (q.MaxScore > 0 && q.MinScore > q.MaxScore) {
		return nil, fmt.Errorf("%w: score range [%g, %g] outside 0..1 or reversed", ErrBadQuery, q.MinScore, q.MaxScore)
	}
	if q.MinScore > 0 || q.MaxScore > 0 {
		lo, hi := "", ""
		if q.MinScore > 0 {
			lo = scoreKey(q.MinScore)
		}
		if q.MaxScore > 0 {
			hi = scoreKey(q.MaxScore)
		}
		must = append(must, keyRange(fieldScore, lo, hi))
	}
	if !q.From.IsZero() || !q.To.IsZero() {
		if !q.From.IsZero() && !q.To.IsZero() && q.To.Before(q.From) {
			return nil, fmt.Errorf("%w: date range ends before it starts", ErrBadQuery)
		}
		lo, hi := "", ""
		if !q.From.IsZero() {
			lo = dayKey(q.From)
		}
		if !q.To.IsZero() {
			hi = dayKey(q.To)
		}
		must = append(must, keyRange(fieldDay, lo, hi))
	}
	if len(must) == 0 {
		return bleve.NewMatchAllQuery(), nil
	}
	return bleve.NewConjunctionQuery(must...), nil
}

// Highlights returns the byte ranges of text (as posted) whose normalised
// words match a word of query, normalised the same way, so that a search for
// داعش marks د.ا.ع.ش in the original.
func Highlights(text, query string) []Range {
	want := map[string]bool{}
	for _, tk := range nlp.Tokenize(nlp.Normalize(query)) {
		want[tk.Text] = true
	}
	if len(want) == 0 {
		return nil
	}
	res := normalizer.NormalizeWithOffsets(text)
	var rs []Range
	for _, tk := range nlp.Tokenize(res.Text) {
		if !want[tk.Text] {
			continue
		}
		start, end := res.OriginalRange(tk.Start, tk.End)
		if end <= start {
			continue
		}
		if n := len(rs); n > 0 && start <= rs[n-1].End {
			rs[n-1].End = max(rs[n-1].End, end)
			continue
		}
		rs = append(rs, Range{Start: start, End: end})
	}
	return rs
}

var normalizer = nlp.New(nlp.DefaultOptions())

// IDs returns the set of indexed doc ids (used to reconcile with the store).
func (x *Index) IDs() (map[string]struct{}, error) {
	n, err := x.bi.DocCount()
	if err != nil {
		return nil, err
	}
	out := make(map[string]struct{}, n)
	const page = 10000
	for from := 0; ; from += page {
		req := bleve.NewSearchRequestOptions(bleve.NewMatchAllQuery(), page, from, false)
		req.SortBy([]string{"_id"})
		res, err := x.bi.Search(req)
		if err != nil {
			return nil, fmt.Errorf("listing index ids: %w", err)
		}
		for _, h := range res.Hits {
			out[h.ID] = struct{}{}
		}
		if len(res.Hits) < page {
			return out, nil
		}
	}
}
