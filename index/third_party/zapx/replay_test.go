package zap

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"

	index "github.com/blevesearch/bleve_index_api"
)

// termsOnlyField is a field whose terms carry frequencies but no locations,
// as a field without term vectors gives.
func termsOnlyField(name string, opts index.FieldIndexingOptions, terms ...string) *stubField {
	freqs := make(index.TokenFrequencies)
	for _, t := range terms {
		if tf, ok := freqs[t]; ok {
			tf.SetFrequency(tf.Frequency() + 1)
			continue
		}
		tf := &index.TokenFreq{Term: []byte(t)}
		tf.SetFrequency(1)
		freqs[t] = tf
	}
	return &stubField{name: name, encodedType: 't', options: opts, analyzedLen: len(terms), analyzedFreqs: freqs}
}

// replayDocs builds n documents with a text field of repeated and rare
// terms and keyword fields with doc values, some absent from some documents.
func replayDocs(n int, seed int64) []index.Document {
	r := rand.New(rand.NewSource(seed))
	docs := make([]index.Document, 0, n)
	for d := 0; d < n; d++ {
		id := fmt.Sprintf("doc%05d", d)
		words := make([]string, 1+r.Intn(30))
		for i := range words {
			if r.Intn(3) == 0 {
				words[i] = fmt.Sprintf("rare%d", r.Intn(100000))
			} else {
				words[i] = fmt.Sprintf("w%d", r.Intn(50))
			}
		}
		fields := []*stubField{
			termsOnlyField("_id", index.IndexField|index.StoreField, id),
			termsOnlyField("text", index.IndexField, words...),
			termsOnlyField("platform", index.IndexField|index.DocValues, fmt.Sprintf("p%d", r.Intn(3))),
		}
		if r.Intn(4) > 0 {
			fields = append(fields, termsOnlyField("labels", index.IndexField|index.DocValues, "hate", fmt.Sprintf("l%d", r.Intn(5))))
		}
		docs = append(docs, &stubDocument{id: id, fields: fields})
	}
	return docs
}

// dump lists what a segment holds: per field its terms, each term's
// postings (document, frequency, norm), then each document's doc values.
// Segment bytes cannot be compared: sections are written in map order.
func dump(t *testing.T, sb *SegmentBase) string {
	t.Helper()
	var b strings.Builder
	for _, field := range sb.Fields() {
		dict, err := sb.Dictionary(field)
		if err != nil {
			t.Fatal(err)
		}
		itr := dict.AutomatonIterator(nil, nil, nil)
		for {
			entry, err := itr.Next()
			if err != nil {
				t.Fatal(err)
			}
			if entry == nil {
				break
			}
			fmt.Fprintf(&b, "%s:%s:%d", field, entry.Term, entry.Count)
			pl, err := dict.(*Dictionary).PostingsList([]byte(entry.Term), nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			pi := pl.Iterator(true, true, false, nil)
			for {
				p, err := pi.Next()
				if err != nil {
					t.Fatal(err)
				}
				if p == nil {
					break
				}
				fmt.Fprintf(&b, " %d/%d/%g", p.Number(), p.Frequency(), p.Norm())
			}
			b.WriteByte('\n')
		}
	}
	fields, err := sb.VisitableDocValueFields()
	if err != nil {
		t.Fatal(err)
	}
	for d := uint64(0); d < sb.Count(); d++ {
		fmt.Fprintf(&b, "dv %d:", d)
		_, err := sb.VisitDocValues(d, fields, func(field string, term []byte) {
			fmt.Fprintf(&b, " %s=%s", field, term)
		}, nil)
		if err != nil {
			t.Fatal(err)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// TestReplayTermsSameSegment checks that building postings lists from the
// terms realloc recorded gives the segment of the upstream way, for
// segments small and large enough to hold bitmap containers.
func TestReplayTermsSameSegment(t *testing.T) {
	defer func() { replayTerms = true }()
	for _, n := range []int{1, 7, 5000} {
		segment := func(replay bool) string {
			replayTerms = replay
			seg, _, err := zapPlugin.newWithChunkMode(replayDocs(n, int64(n)), DefaultChunkMode, nil)
			if err != nil {
				t.Fatalf("%d docs, replay %v: %v", n, replay, err)
			}
			return dump(t, seg.(*SegmentBase))
		}
		upstream, replayed := segment(false), segment(true)
		if strings.Count(upstream, "\n") < n {
			t.Fatalf("%d docs: the dump is too short to compare:\n%s", n, upstream)
		}
		if upstream != replayed {
			t.Fatalf("%d docs: the replayed segment differs from the upstream one", n)
		}
		// The same documents again: the pooled state of the last build must not leak.
		if again := segment(true); upstream != again {
			t.Fatalf("%d docs: a second replayed build differs", n)
		}
	}
}

// TestReplayTermsFallsBack checks that documents the replay cannot take
// (a field name twice, term locations) are built the upstream way.
func TestReplayTermsFallsBack(t *testing.T) {
	defer func() { replayTerms = true }()
	// Building merges a repeated field's terms into its first instance, so
	// each build gets documents of its own.
	twice := func() []index.Document {
		return []index.Document{&stubDocument{id: "a", fields: []*stubField{
			termsOnlyField("_id", index.IndexField|index.StoreField, "a"),
			termsOnlyField("tag", index.IndexField|index.DocValues, "cold"),
			termsOnlyField("tag", index.IndexField|index.DocValues, "cold", "dark"),
		}}}
	}
	for name, docs := range map[string]func() []index.Document{
		"field twice": twice,
		"locations":   buildTestAnalysisResultsMulti,
	} {
		segment := func(replay bool) string {
			replayTerms = replay
			seg, _, err := zapPlugin.newWithChunkMode(docs(), DefaultChunkMode, nil)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			return dump(t, seg.(*SegmentBase))
		}
		if segment(false) != segment(true) {
			t.Fatalf("%s: the segment differs when replay is on", name)
		}
	}
}
