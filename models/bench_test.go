package models

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/rasd-iq/rasd/eval/evaltest"
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
	texts := evaltest.DatasetTexts(b, "train.jsonl", 200, 500)
	m := benchModel(b, 0)
	ctx := context.Background()
	b.ResetTimer()
	start := evaltest.CPUTime()
	for range b.N {
		for i := 0; i < len(texts); i += 1024 {
			if _, err := m.Score(ctx, texts[i:min(i+1024, len(texts))]); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64((evaltest.CPUTime()-start).Nanoseconds())/float64(b.N*len(texts)), "cpu-ns/post")
	b.ReportMetric(float64(b.N*len(texts))/b.Elapsed().Seconds(), "posts/s")
}
