package web

import (
	"context"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/rasd-iq/rasd/index"
	"github.com/rasd-iq/rasd/index/redisstore/redistest"
	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/review"
	"github.com/rasd-iq/rasd/review/redisstore"
	"github.com/rasd-iq/rasd/review/reviewtest"
)

// benchQueue times the queue page and /api/queue at 100,000 queued items.
func benchQueue(b *testing.B, e *env) {
	c := e.login(b, "ana")
	for _, bc := range []struct{ name, path string }{
		{"page", "/queue"},
		{"api", "/api/queue"},
		{"api-filtered", "/api/queue?label=threat&platform=telegram&min_score=0.5"},
		{"api-page-20", "/api/queue?offset=1000"},
		{"page-sorted-score", "/queue?sort=score&dir=asc"},
		{"page-sorted-label", "/queue?sort=label&dir=desc"},
		{"api-sorted-filtered", "/api/queue?sort=time&label=threat&platform=telegram&min_score=0.5"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if w := e.do(c, "GET", bc.path, nil, nil); w.Code != http.StatusOK {
					b.Fatalf("%s: %d", bc.path, w.Code)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/op")
		})
	}
}

const benchItems = 100_000

func BenchmarkQueueBolt(b *testing.B) {
	e := newEnv(b, reviewtest.Items(benchItems))
	if p, _ := e.st.List(context.Background(), review.Filter{Limit: 1}); p.Open != benchItems {
		b.Fatalf("queue holds %d items, want %d", p.Open, benchItems)
	}
	benchQueue(b, e)
}

func BenchmarkQueueRedis(b *testing.B) {
	addr := redistest.Start(b)
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	b.Cleanup(func() { rdb.Close() })
	e := newEnvWith(b, reviewtest.Items(benchItems), redisstore.New(rdb, "bench:"))
	if p, _ := e.st.List(context.Background(), review.Filter{Limit: 1}); p.Open != benchItems {
		b.Fatalf("queue holds %d items, want %d", p.Open, benchItems)
	}
	benchQueue(b, e)
}

// benchWords make the benchmark's posts: each post has six of them, so
// that a word is in about one post in eight and a query matches thousands.
var benchWords = []string{"الحشد", "الانتخابات", "بغداد", "البصرة", "الموصل", "المظاهرات", "الكهرباء", "الماء",
	"العشيرة", "الطائفة", "الحكومة", "البرلمان", "الفساد", "الرواتب", "الجامعة", "المستشفى",
	"الطريق", "الجسر", "السوق", "النفط", "المحافظ", "الوزير", "الشباب", "العمل",
	"التعيين", "الحدود", "الأمن", "السيطرة", "الزيارة", "المرجعية", "الدستور", "القضاء",
	"الإعلام", "القناة", "التلفزيون", "الفيسبوك", "تلكرام", "التيك", "المدرسة", "الطلاب",
	"الإيجار", "البيع", "الشراء", "الذهب", "الدولار", "الدينار", "الأسعار", "الغلاء"}

// BenchmarkSearch times the search page and /api/search at 100,000 indexed
// posts: a word, a word with facet filters (label and platform), the facet
// filters alone, and two words sorted by score.
func BenchmarkSearch(b *testing.B) {
	// The review queue plays no part in a search: the posts are records
	// of the backend and documents of the index.
	e := newEnv(b, reviewtest.Items(10))
	// On disk, as rasd run keeps it (scorch); the in-memory index of the
	// other tests is another engine.
	ix, err := index.Open(filepath.Join(b.TempDir(), "index"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ix.Close() })
	e.srv.cfg.Index = ix
	items := reviewtest.Items(benchItems)
	docs := make([]index.Doc, 0, benchItems)
	e.be.mu.Lock()
	proto := e.be.recs["x:000000"]
	for i, it := range items {
		r := proto
		plat, author, _ := strings.Cut(it.Author, ":")
		w := make([]string, 6)
		for j := range w {
			w[j] = benchWords[(i*7+j*13+i/len(benchWords))%len(benchWords)]
		}
		r.Post = ingest.Post{ID: it.ID, Platform: plat, Source: "src-" + plat, Author: ingest.Author{ID: author, Handle: "@" + author},
			Permalink: "https://example.org/" + it.ID, Text: strings.Join(w, " ") + " " + it.ID}
		r.Scores, r.Flags, r.Governorate, r.Processed = map[string]float64{it.Labels[0]: it.Score}, it.Labels, it.Governorate, it.Added
		e.be.recs[it.ID] = r
		docs = append(docs, index.Doc{ID: it.ID, Text: r.Post.Text, Platform: plat, Source: r.Post.Source,
			Governorate: r.Governorate, Created: r.Processed, Labels: r.Flags, MaxScore: it.Score})
	}
	e.be.mu.Unlock()
	for len(docs) > 0 {
		n := min(len(docs), 5000)
		if err := e.srv.cfg.Index.Put(docs[:n]...); err != nil {
			b.Fatal(err)
		}
		docs = docs[n:]
	}
	if n, _ := e.srv.cfg.Index.Count(); n != benchItems {
		b.Fatalf("index holds %d posts, want %d", n, benchItems)
	}
	c := e.login(b, "ana")
	q := url.QueryEscape(benchWords[5])
	// A word is in about one post in eight; two words that go together
	// (13 apart in the list) in fewer.
	for _, m := range []struct {
		q      string
		lo, hi uint64
	}{{q, 10_000, 15_000}, {q + "+" + url.QueryEscape(benchWords[18]), 1_000, 15_000}} {
		if r := decode[SearchResult](b, e.do(c, "GET", "/api/search?q="+m.q, nil, nil)); r.Total < m.lo || r.Total > m.hi {
			b.Fatalf("%s matches %d posts, want %d to %d", m.q, r.Total, m.lo, m.hi)
		}
	}
	for _, bc := range []struct{ name, path string }{
		{"page-query", "/search?q=" + q},
		{"page-query-facets", "/search?q=" + q + "&label=threat&platform=telegram"},
		{"page-facets", "/search?label=hate&governorate=baghdad"},
		{"page-two-words-by-score", "/search?q=" + q + "+" + url.QueryEscape(benchWords[18]) + "&sort=score"},
		{"api-query", "/api/search?q=" + q},
		{"api-query-facets", "/api/search?q=" + q + "&label=threat&platform=telegram"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if w := e.do(c, "GET", bc.path, nil, nil); w.Code != http.StatusOK {
					b.Fatalf("%s: %d %s", bc.path, w.Code, w.Body)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
		})
	}
}
