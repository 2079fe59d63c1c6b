package models

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"
)

// benchModel loads the committed default model, or a random one of the
// same shape when it is absent.
func benchModel(b *testing.B, threads int) *Model {
	lib := testORT(b)
	dir, err := DefaultDir()
	if err != nil {
		b.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, ModelFile)); err != nil {
		dir, _, _ = randomModel(b, 1, []string{"hate", "offensive"})
	}
	m, err := Load(dir, Options{ORTLib: lib, Threads: threads})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { m.Close() })
	return m
}

var benchTexts = []string{
	"والله الروافض ما ينفع وياهم غير السيف، اقتلوهم وين ما تلگوهم",
	"الحكومة فاشلة وكل المسؤولين حرامية، نريد وطن #تشرين",
	"RT @USER: يا رب يا واحد يا أحد احفظ العراق وأهله من كل شر https://t.co/x",
	"شربنا جاي بالمقهى ويا الربع وبعدين رحنا للسوق",
	"دكة عشائرية على بيت ابو علي البارحة بالليل والشرطة ما سوت شي",
}

// BenchmarkScoreOnePost measures the latency of scoring a single post, the
// call the pipeline makes per post, and reports p50 and p99.
func BenchmarkScoreOnePost(b *testing.B) {
	m := benchModel(b, 1)
	ctx := context.Background()
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if _, err := m.Score(ctx, benchTexts[i%len(benchTexts):i%len(benchTexts)+1]); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[min(len(lat)-1, len(lat)*99/100)].Microseconds()), "p99-µs")
}

// BenchmarkScoreBatch measures throughput on batches of 1024 posts.
func BenchmarkScoreBatch(b *testing.B) {
	m := benchModel(b, 0)
	texts := make([]string, 1024)
	for i := range texts {
		texts[i] = benchTexts[i%len(benchTexts)]
	}
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := m.Score(ctx, texts); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(texts))/b.Elapsed().Seconds(), "posts/s")
}

// BenchmarkScoreDatasetPosts scores the posts that BenchmarkSignals in
// models/signals reads (200 from each shared dataset's train split), in
// batches of 1,024 as the pipeline scores them. cpu-ns/post is the figure
// to hold the signals stage's cpu-ns/post against (at most 15%).
func BenchmarkScoreDatasetPosts(b *testing.B) {
	texts := datasetTexts(b, 200)
	m := benchModel(b, 0)
	ctx := context.Background()
	b.ResetTimer()
	start := cpuTime()
	for range b.N {
		for i := 0; i < len(texts); i += 1024 {
			if _, err := m.Score(ctx, texts[i:min(i+1024, len(texts))]); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64((cpuTime()-start).Nanoseconds())/float64(b.N*len(texts)), "cpu-ns/post")
	b.ReportMetric(float64(b.N*len(texts))/b.Elapsed().Seconds(), "posts/s")
}

// datasetTexts reads up to n texts from each train split under the shared
// datasets (RASD_DATASETS, default ../../shared/datasets), and skips the
// benchmark when there are too few.
func datasetTexts(b *testing.B, n int) []string {
	root := os.Getenv("RASD_DATASETS")
	if root == "" {
		root = filepath.Join("..", "..", "shared", "datasets")
	}
	files, _ := filepath.Glob(filepath.Join(root, "*", "train.jsonl"))
	var texts []string
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for k := 0; k < n && sc.Scan(); {
			var it struct {
				Text string `json:"text"`
			}
			if json.Unmarshal(sc.Bytes(), &it) == nil && it.Text != "" {
				texts = append(texts, it.Text)
				k++
			}
		}
		fh.Close()
	}
	if len(texts) < 500 {
		b.Skipf("only %d dataset posts under %s", len(texts), root)
	}
	return texts
}

// cpuTime returns the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
