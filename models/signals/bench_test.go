package signals

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/nlp"
)

// benchPosts reads about 2,000 posts from the shared datasets
// (RASD_DATASETS, default ../../../shared/datasets), 200 from each train
// split, and skips the benchmark when they are absent. models'
// BenchmarkScoreDatasetPosts scores the same posts.
func benchPosts(b *testing.B) []ingest.Post {
	root := os.Getenv("RASD_DATASETS")
	if root == "" {
		root = filepath.Join("..", "..", "..", "shared", "datasets")
	}
	files, _ := filepath.Glob(filepath.Join(root, "*", "train.jsonl"))
	var posts []ingest.Post
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for n := 0; n < 200 && sc.Scan(); {
			var it struct {
				Text string `json:"text"`
			}
			if json.Unmarshal(sc.Bytes(), &it) == nil && it.Text != "" {
				posts = append(posts, ingest.Post{Text: it.Text})
				n++
			}
		}
		fh.Close()
	}
	if len(posts) < 500 {
		b.Skipf("only %d dataset posts under %s", len(posts), root)
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
	start := cpuTime()
	for range b.N {
		for i := range posts {
			d.Signals(&posts[i], norms[i])
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(posts)), "ns/post")
	b.ReportMetric(float64((cpuTime()-start).Nanoseconds())/float64(b.N*len(posts)), "cpu-ns/post")
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
	start := cpuTime()
	for range b.N {
		for i := range norms {
			sc := getScan()
			d.scan(sc, norms[i])
			putScan(sc)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(posts)), "ns/post")
	b.ReportMetric(float64((cpuTime()-start).Nanoseconds())/float64(b.N*len(posts)), "cpu-ns/post")
}

// cpuTime returns the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
