package evaltest

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// DatasetsDir returns $RASD_DATASETS, or ../shared/datasets beside the
// module root found above the working directory ("" when there is none).
func DatasetsDir(tb testing.TB) string {
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

// DatasetTexts returns the text fields of the shared datasets' JSONL files
// that match pattern under each corpus folder ("*.jsonl", "train.jsonl"),
// at most perFile from each file (0: all), and skips tb when fewer than min
// are found, so that benchmarks on real posts skip where the data is absent.
func DatasetTexts(tb testing.TB, pattern string, perFile, min int) []string {
	tb.Helper()
	dir := DatasetsDir(tb)
	files, _ := filepath.Glob(filepath.Join(dir, "*", pattern))
	var texts []string
	for _, p := range files {
		f, err := os.Open(p)
		if err != nil {
			tb.Fatalf("opening %s: %v", p, err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		for n := 0; (perFile == 0 || n < perFile) && sc.Scan(); {
			var rec struct {
				Text string `json:"text"`
			}
			if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
				tb.Fatalf("%s: %v", p, err)
			}
			if rec.Text != "" {
				texts = append(texts, rec.Text)
				n++
			}
		}
		f.Close()
		if err := sc.Err(); err != nil {
			tb.Fatalf("reading %s: %v", p, err)
		}
	}
	if len(texts) < max(min, 1) {
		tb.Skipf("%d dataset texts under %q (set RASD_DATASETS)", len(texts), dir)
	}
	return texts
}

// CPUTime returns the CPU time the process has used so far. On a shared
// machine, work per CPU second measures the code, not the neighbours.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
