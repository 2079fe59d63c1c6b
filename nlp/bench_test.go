package nlp_test

import (
	"strings"
	"testing"
	"time"

	"github.com/rasd-iq/rasd/eval/evaltest"
	"github.com/rasd-iq/rasd/nlp"
)

// reportCPU adds the metric "cpu-MB/s": bytes processed per second of
// process CPU time since start.
func reportCPU(b *testing.B, start time.Duration, size int64) {
	if d := evaltest.CPUTime() - start; d > 0 {
		b.ReportMetric(float64(size)*float64(b.N)/d.Seconds()/1e6, "cpu-MB/s")
	}
}

func totalLen(texts []string) int64 {
	var n int64
	for _, t := range texts {
		n += int64(len(t))
	}
	return n
}

// BenchmarkNormalize normalises every dataset post, one call per post.
func BenchmarkNormalize(b *testing.B) {
	texts := evaltest.DatasetTexts(b, "*.jsonl", 0, 1)
	b.SetBytes(totalLen(texts))
	b.ReportAllocs()
	b.ResetTimer()
	start := evaltest.CPUTime()
	for range b.N {
		for _, t := range texts {
			_ = nlp.Normalize(t)
		}
	}
	reportCPU(b, start, totalLen(texts))
}

// BenchmarkNormalizeConcat normalises the concatenation of all dataset texts
// in one call.
func BenchmarkNormalizeConcat(b *testing.B) {
	all := strings.Join(evaltest.DatasetTexts(b, "*.jsonl", 0, 1), "\n")
	b.SetBytes(int64(len(all)))
	b.ReportAllocs()
	b.ResetTimer()
	start := evaltest.CPUTime()
	for range b.N {
		_ = nlp.Normalize(all)
	}
	reportCPU(b, start, int64(len(all)))
}

// BenchmarkBaselineToLower runs strings.ToLower over the same posts: a
// reference for how fast this machine is when comparing MB/s figures.
func BenchmarkBaselineToLower(b *testing.B) {
	texts := evaltest.DatasetTexts(b, "*.jsonl", 0, 1)
	b.SetBytes(totalLen(texts))
	b.ReportAllocs()
	b.ResetTimer()
	start := evaltest.CPUTime()
	for range b.N {
		for _, t := range texts {
			_ = strings.ToLower(t)
		}
	}
	reportCPU(b, start, totalLen(texts))
}

// BenchmarkNormalizeWithOffsets is the reviewers' path: offsets and diagnostics.
func BenchmarkNormalizeWithOffsets(b *testing.B) {
	texts := evaltest.DatasetTexts(b, "*.jsonl", 0, 1)
	n := nlp.New(nlp.DefaultOptions())
	b.SetBytes(totalLen(texts))
	b.ReportAllocs()
	b.ResetTimer()
	start := evaltest.CPUTime()
	for range b.N {
		for _, t := range texts {
			_ = n.NormalizeWithOffsets(t)
		}
	}
	reportCPU(b, start, totalLen(texts))
}

// BenchmarkTokenize tokenises the normalised dataset posts.
func BenchmarkTokenize(b *testing.B) {
	texts := evaltest.DatasetTexts(b, "*.jsonl", 0, 1)
	norm := make([]string, len(texts))
	var size int64
	for i, t := range texts {
		norm[i] = nlp.Normalize(t)
		size += int64(len(norm[i]))
	}
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	start := evaltest.CPUTime()
	for range b.N {
		for _, t := range norm {
			_ = nlp.Tokenize(t)
		}
	}
	reportCPU(b, start, size)
}

// BenchmarkReadArabizi compares the two readings of a post written in
// Arabizi: the letter rules (ReadArabizi) and the word list's search
// (ReadArabiziWords).
func BenchmarkReadArabizi(b *testing.B) {
	post := "wallah ra7 nedba7hom kolhom ya kuffar, el shi3a kilab lazim nitla3hom mn el 3ira8 #5alas"
	for _, r := range []struct {
		name string
		read func(string) *nlp.Result
	}{{"rules", nlp.ReadArabizi}, {"words", nlp.ReadArabiziWords}} {
		b.Run(r.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if r.read(post) == nil {
					b.Fatal("not read as Arabizi")
				}
			}
		})
	}
}
