package main

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strconv"
	"testing"
	"time"

	"github.com/rasd-iq/rasd/index"
	"github.com/rasd-iq/rasd/index/redisstore"
	"github.com/rasd-iq/rasd/index/redisstore/redistest"
	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/models"
)

// requireDefaultModel returns the committed default model's folder (or
// $RASD_TEST_MODEL), failing without it under `make test` and skipping otherwise.
func requireDefaultModel(t *testing.T) string {
	t.Helper()
	dir, err := models.DefaultDir()
	if m := os.Getenv("RASD_TEST_MODEL"); m != "" {
		dir, err = m, nil
	}
	if err == nil {
		_, err = os.Stat(filepath.Join(dir, models.CardFile))
	}
	if err != nil {
		if os.Getenv("RASD_TEST_REQUIRE_SERVERS") != "" {
			t.Fatalf("default model missing: %v", err)
		}
		t.Skipf("default model missing: %v", err)
	}
	return dir
}

var processedLine = regexp.MustCompile(`processed: (\d+) posts stored, (\d+) in the review queue`)

// runSample runs the bundled sample through `rasd run --once --exit` and
// returns the stored and queued counts it reports.
func runSample(t *testing.T, extra ...string) (stored, queued int) {
	t.Helper()
	args := append([]string{"run", "--config", "../../examples/rasd.yaml", "--model", requireDefaultModel(t), "--once", "--exit"}, extra...)
	code, out, errs := runCmd(t, "", args...)
	if code != 0 {
		t.Fatalf("rasd run exited %d: %s", code, errs)
	}
	m := processedLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no summary in output %q", out)
	}
	stored, _ = strconv.Atoi(m[1])
	queued, _ = strconv.Atoi(m[2])
	return stored, queued
}

// checkSearch checks that the sample's flagged posts are searchable,
// obfuscated spellings included.
func checkSearch(t *testing.T, indexDir string, flagged int) {
	t.Helper()
	ix, err := index.Open(indexDir)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	ctx := context.Background()
	all, err := ix.Search(ctx, index.Query{Size: 1})
	if err != nil {
		t.Fatal(err)
	}
	if int(all.Total) < flagged || all.Total == 0 {
		t.Fatalf("index holds %d posts", all.Total)
	}
	isis, err := ix.Search(ctx, index.Query{Text: "داعش", Size: 200})
	if err != nil {
		t.Fatal(err)
	}
	if isis.Total == 0 {
		t.Fatal("search for داعش finds nothing in the sample")
	}
	var withLabels uint64
	for _, n := range all.Facets["labels"] {
		withLabels += uint64(n)
	}
	if withLabels == 0 {
		t.Fatalf("no flagged post in the index facets: %v", all.Facets)
	}
}

func TestRunSampleEmbedded(t *testing.T) {
	requireDefaultModel(t)
	data := t.TempDir()
	stored, queued := runSample(t, "--data", data)
	// 336 sample posts; the planted campaigns' copies are sightings, not records.
	if stored < 270 || stored >= 336 || queued == 0 || queued > stored/2 {
		t.Fatalf("sample run stored %d posts and queued %d", stored, queued)
	}
	st, err := store.Open(filepath.Join(data, "rasd.db"))
	if err != nil {
		t.Fatal(err)
	}
	records, q, work, err := st.Counts(context.Background())
	var sightings int
	knownUrgent := false
	st.ForEach(context.Background(), func(r *store.Record) error {
		sightings += r.Sightings
		// sample:0336 names a man on examples/known-defenders.tsv, which
		// examples/rasd.yaml gives the signals stage.
		if r.Post.NativeID == "0336" && r.Judgement != nil {
			knownUrgent = r.Queued && r.Judgement.Decision.Urgent
		}
		return nil
	})
	st.Close()
	if err != nil || records != stored || q != queued || work != 0 || records+sightings != 336 {
		t.Fatalf("store: records %d queued %d work %d sightings %d (%v)", records, q, work, sightings, err)
	}
	if !knownUrgent {
		t.Error("sample:0336, a threat naming a known defender, is not urgent")
	}
	checkSearch(t, filepath.Join(data, "index"), queued)

	// Running again over the same sample adds nothing: cursors and ids hold.
	if again, _ := runSample(t, "--data", data); again != stored {
		t.Fatalf("second run: %d stored, want %d", again, stored)
	}
}

func TestRunSampleRedis(t *testing.T) {
	requireDefaultModel(t)
	url := "redis://" + redistest.Start(t) + "/0"
	data := t.TempDir()
	stored, queued := runSample(t, "--data", data, "--redis", url)
	if stored < 250 || queued == 0 {
		t.Fatalf("sample run stored %d posts and queued %d", stored, queued)
	}
	st, err := redisstore.Open(context.Background(), url, redisstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if records, q, work, err := st.Counts(context.Background()); err != nil || records != stored || q != queued || work != 0 {
		t.Fatalf("redis store: records %d queued %d work %d (%v)", records, q, work, err)
	}
	checkSearch(t, filepath.Join(data, "index"), queued)
}

func TestRunRejectsMisuse(t *testing.T) {
	tests := []struct {
		args []string
		want int
	}{
		{[]string{"run", "--role", "worker"}, 2},
		{[]string{"run", "--role", "boss", "--redis", "redis://127.0.0.1:1/0"}, 2},
		{[]string{"run", "--exit"}, 2},
		{[]string{"run", "--config", "does-not-exist.yaml"}, 1},
	}
	for _, tt := range tests {
		if code, _, errs := runCmd(t, "", tt.args...); code != tt.want {
			t.Errorf("%v: exit %d (%s), want %d", tt.args, code, errs, tt.want)
		}
	}
	bad := filepath.Join(t.TempDir(), "rasd.yaml")
	os.WriteFile(bad, []byte("listen: 127.0.0.1:0\nbogus: 1\n"), 0o644)
	if code, _, errs := runCmd(t, "", "run", "--config", bad); code != 1 || !regexp.MustCompile(`bogus`).MatchString(errs) {
		t.Errorf("unknown key: exit %d, %q", code, errs)
	}
	os.WriteFile(bad, []byte("listen: 127.0.0.1:0\ncase_retention: 10m\n"), 0o644)
	if code, _, errs := runCmd(t, "", "run", "--config", bad); code != 1 || !regexp.MustCompile(`case_retention must be at least 1h`).MatchString(errs) {
		t.Errorf("case_retention 10m: exit %d, %q", code, errs)
	}
	for _, rate := range []string{"-0.1", "1.5", ".nan"} {
		os.WriteFile(bad, []byte("listen: 127.0.0.1:0\nreview:\n  sample_rate: "+rate+"\n"), 0o644)
		if code, _, errs := runCmd(t, "", "run", "--config", bad); code != 1 || !regexp.MustCompile(`sample_rate must be between 0 \(no sample\) and 1`).MatchString(errs) {
			t.Errorf("sample_rate %s: exit %d, %q", rate, code, errs)
		}
	}
	if c, err := loadRunConfig(""); err != nil || c.Review.SampleRate != 0.005 {
		t.Errorf("default sample rate %v, %v; want 0.005", c.Review.SampleRate, err)
	}
}

func TestTuneGCLeavesAnOperatorsGOGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	tuneGC(func(string) string { return "" })
	if got := debug.SetGCPercent(100); got != runGCPercent {
		t.Errorf("without GOGC: GC percent %d, want %d", got, runGCPercent)
	}
	if got := debug.SetMemoryLimit(math.MaxInt64); got != runMemoryLimit {
		t.Errorf("without GOMEMLIMIT: memory limit %d, want %d", got, runMemoryLimit)
	}
	tuneGC(func(k string) string {
		return map[string]string{"GOGC": "100", "GOMEMLIMIT": "2GiB"}[k]
	})
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("with GOGC=100: GC percent %d, want 100", got)
	}
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Errorf("with GOMEMLIMIT set: memory limit changed to %d", got)
	}
}

// TestRunOnceExitWithoutSources: --once --exit with no sources drains the
// work queue and exits instead of running for ever.
func TestRunOnceExitWithoutSources(t *testing.T) {
	model := requireDefaultModel(t)
	cfg := filepath.Join(t.TempDir(), "rasd.yaml")
	os.WriteFile(cfg, []byte("data: "+filepath.Join(filepath.Dir(cfg), "data")+"\nlisten: 127.0.0.1:0\n"), 0o644)
	done := make(chan int, 1)
	go func() {
		code, _, _ := runCmd(t, "", "run", "--config", cfg, "--model", model, "--once", "--exit")
		done <- code
	}()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d", code)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("rasd run --once --exit with no sources did not exit within 60s")
	}
}

// TestRunRefusesAVolatileRedis: a Redis that keeps nothing on disk would
// lose the queues on a restart; rasd run says so and stops, unless told to
// accept it.
func TestRunRefusesAVolatileRedis(t *testing.T) {
	model := requireDefaultModel(t)
	url := "redis://" + redistest.StartVolatile(t) + "/0"
	cfg := filepath.Join(t.TempDir(), "rasd.yaml")
	os.WriteFile(cfg, []byte("data: "+filepath.Join(filepath.Dir(cfg), "data")+"\nlisten: 127.0.0.1:0\n"), 0o644)
	code, _, errs := runCmd(t, "", "run", "--config", cfg, "--model", model, "--redis", url, "--once", "--exit")
	if code != 1 || !regexp.MustCompile(`keeps nothing on disk`).MatchString(errs) {
		t.Fatalf("volatile Redis: exit %d, %q", code, errs)
	}
	if code, _, errs := runCmd(t, "", "run", "--config", cfg, "--model", model, "--redis", url, "--redis-volatile", "--once", "--exit"); code != 0 {
		t.Fatalf("volatile Redis accepted with --redis-volatile: exit %d, %q", code, errs)
	}
}
