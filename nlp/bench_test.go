package nlp_test

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rasd-iq/rasd/nlp"
)

// datasetsDir finds ../shared/datasets next to the module root, or
// $RASD_DATASETS.
func datasetsDir(tb testing.TB) string {
	tb.Helper()
	if d := os.Getenv("RASD_DATASETS"); d != "" {
		return d
	}
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatalf("getwd: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", "datasets")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// datasetTexts returns the text fields of every JSONL file in the datasets,
// or skips the test when they are absent.
func datasetTexts(tb testing.TB) []string {
	tb.Helper()
	dir := datasetsDir(tb)
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*.jsonl"))
	if len(files) == 0 {
		tb.Skipf("no datasets under %q (set RASD_DATASETS)", dir)
	}
	var texts []string
	for _, p := range files {
		f, err := os.Open(p)
		if err != nil {
			tb.Fatalf("opening %s: %v", p, err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		for sc.Scan() {
			var rec struct {
				Text string `json:"text"`
			}
			if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
				tb.Fatalf("%s: %v", p, err)
			}
			texts = append(texts, rec.Text)
		}
		f.Close()
		if err := sc.Err(); err != nil {
			tb.Fatalf("reading %s: %v", p, err)
		}
	}
	return texts
}

// cpuTime returns the CPU time used by the process so far. On a shared
// machine, bytes per CPU second measures the code, not the neighbours.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU adds the metric "cpu-MB/s": bytes processed per second of
// process CPU time since start.
func reportCPU(b *testing.B, start time.Duration, size int64) {
	if d := cpuTime() - start; d > 0 {
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
	texts := datasetTexts(b)
	b.SetBytes(totalLen(texts))
	b.ReportAllocs()
	b.ResetTimer()
	start := cpuTime()
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
	all := strings.Join(datasetTexts(b), "\n")
	b.SetBytes(int64(len(all)))
	b.ReportAllocs()
	b.ResetTimer()
	start := cpuTime()
	for range b.N {
		_ = nlp.Normalize(all)
	}
	reportCPU(b, start, int64(len(all)))
}

// BenchmarkBaselineToLower runs strings.ToLower over the same posts: a
// reference for how fast this machine is when comparing MB/s figures.
func BenchmarkBaselineToLower(b *testing.B) {
	texts := datasetTexts(b)
	b.SetBytes(totalLen(texts))
	b.ReportAllocs()
	b.ResetTimer()
	start := cpuTime()
	for range b.N {
		for _, t := range texts {
			_ = strings.ToLower(t)
		}
	}
	reportCPU(b, start, totalLen(texts))
}

// BenchmarkNormalizeWithOffsets is the reviewers' path: offsets and diagnostics.
func BenchmarkNormalizeWithOffsets(b *testing.B) {
	texts := datasetTexts(b)
	n := nlp.New(nlp.DefaultOptions())
	b.SetBytes(totalLen(texts))
	b.ReportAllocs()
	b.ResetTimer()
	start := cpuTime()
	for range b.N {
		for _, t := range texts {
			_ = n.NormalizeWithOffsets(t)
		}
	}
	reportCPU(b, start, totalLen(texts))
}

// BenchmarkTokenize tokenises the normalised dataset posts.
func BenchmarkTokenize(b *testing.B) {
	texts := datasetTexts(b)
	norm := make([]string, len(texts))
	var size int64
	for i, t := range texts {
		norm[i] = nlp.Normalize(t)
		size += int64(len(norm[i]))
	}
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	start := cpuTime()
	for range b.N {
		for _, t := range norm {
			_ = nlp.Tokenize(t)
		}
	}
	reportCPU(b, start, size)
}
