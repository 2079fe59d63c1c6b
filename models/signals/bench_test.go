package signals

import (
	"testing"

	"github.com/rasd-iq/rasd/eval/evaltest"
	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/nlp"
)

// benchPosts reads about 2,000 posts from the shared datasets, 200 from
// each train split, and skips the benchmark when they are absent. models'
// BenchmarkScoreDatasetPosts scores the same posts.
func benchPosts(b *testing.B) []ingest.Post {
	texts := evaltest.DatasetTexts(b, "train.jsonl", 200, 500)
	posts := make([]ingest.Post, len(texts))
	for i, t := range texts {
		posts[i] = ingest.Post{Text: t}
	}
	return posts
}

// BenchmarkSignals measures the signals stage per post as the pipeline
// calls it: with the text already normalised. ns/post is the figure to
// compare with the model scorer's per-post cost (models' benchmarks).
func BenchmarkSignals(b *testing.B) {
	posts := benchPosts(b)
	norms := make([]string, len(posts))
	for i := range posts {
		norms[i] = nlp.Normalize(posts[i].Text)
	}
	d := detector(b)
	fired := 0
	for i := range posts {
		if len(d.Signals(&posts[i], norms[i])) > 0 {
			fired++
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := evaltest.CPUTime()
	for range b.N {
		for i := range posts {
			d.Signals(&posts[i], norms[i])
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(posts)), "ns/post")
	b.ReportMetric(float64((evaltest.CPUTime()-start).Nanoseconds())/float64(b.N*len(posts)), "cpu-ns/post")
	b.ReportMetric(100*float64(fired)/float64(len(posts)), "%posts-with-signals")
}

// BenchmarkSignalsScan measures the matching alone, without mapping the
// evidence back to the original text.
func BenchmarkSignalsScan(b *testing.B) {
	posts := benchPosts(b)
	norms := make([]string, len(posts))
	for i := range posts {
		norms[i] = nlp.Normalize(posts[i].Text)
	}
	d := detector(b)
	b.ReportAllocs()
	b.ResetTimer()
	start := evaltest.CPUTime()
	for range b.N {
		for i := range norms {
			sc := getScan()
			d.scan(sc, norms[i])
			putScan(sc)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(posts)), "ns/post")
	b.ReportMetric(float64((evaltest.CPUTime()-start).Nanoseconds())/float64(b.N*len(posts)), "cpu-ns/post")
}
