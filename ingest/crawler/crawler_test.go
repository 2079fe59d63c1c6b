package crawler

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/ingest/checkpoint"
)

// pager serves texts in pages of size per Fetch; the cursor is the index of the next text.
type pager struct {
	platform string
	texts    []string
	size     int

	mu       sync.Mutex
	failures int // Fetch fails this many times first
	calls    int
}

func (p *pager) Fetch(ctx context.Context, cur ingest.Cursor) ([]ingest.Post, ingest.Cursor, error) {
	p.mu.Lock()
	p.calls++
	if p.failures > 0 {
		p.failures--
		p.mu.Unlock()
		return nil, cur, errors.New("http 503 from upstream")
	}
	p.mu.Unlock()
	i := 0
	if cur != "" {
		i, _ = strconv.Atoi(string(cur))
	}
	var out []ingest.Post
	for ; i < len(p.texts) && len(out) < p.size; i++ {
		out = append(out, ingest.Post{ID: ingest.MakeID(p.platform, strconv.Itoa(i)), Platform: p.platform, Source: p.platform,
			Text: p.texts[i], Fetched: time.Unix(1.7e9, 0).UTC()})
	}
	return out, ingest.Cursor(strconv.Itoa(i)), nil
}

func source(name string, c ingest.Connector) ingest.Source {
	return ingest.Source{Spec: ingest.Spec{Name: name, Type: "test", Interval: time.Hour}, Connector: c}
}

var vocab = strings.Fields(`الحكومة البرلمان الشعب بغداد البصرة الموصل الانتخابات الفساد المظاهرات الشباب
الجيش الشرطة المحافظة الوزير الكهرباء الماء الرواتب النفط الدولار السوق العشيرة الجامعة الطلاب المستشفى
الطريق الجسر المدينة القرية الشارع اليوم امس باجر هسه شكو ماكو اكو زين هواية كلش چان يمعود والله`)

// texts returns n distinct texts of random words (not near duplicates of each other).
func texts(prefix string, n int) []string {
	r := rand.New(rand.NewPCG(uint64(len(prefix)), uint64(n)))
	out := make([]string, n)
	for i := range out {
		w := make([]string, 14)
		for j := range w {
			w[j] = vocab[r.IntN(len(vocab))]
		}
		out[i] = prefix + " " + strings.Join(w, " ")
	}
	return out
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func readLines(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("bad line %q: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	return out
}

func countIDs(t *testing.T, path, key string) map[string]int {
	ids := map[string]int{}
	for _, m := range readLines(t, path) {
		ids[m[key].(string)]++
	}
	return ids
}

func newRunner(t *testing.T, dir string, state checkpoint.Committer, srcs ...ingest.Source) (*Runner, func()) {
	t.Helper()
	out, err := OpenOutput(filepath.Join(dir, "posts.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	sight, err := OpenOutput(filepath.Join(dir, "sightings.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := New(Options{Sources: srcs, State: state, Out: out, Sightings: sight, Once: true, Retries: 2,
		BackoffBase: time.Millisecond, BackoffMax: 5 * time.Millisecond, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	return r, func() { out.Close(); sight.Close() }
}

func TestFailingSourceDoesNotStopOthers(t *testing.T) {
	dir := t.TempDir()
	good := &pager{platform: "good", texts: texts("good", 25), size: 10}
	flaky := &pager{platform: "flaky", texts: texts("flaky", 5), size: 10, failures: 2}
	dead := &pager{platform: "dead", texts: texts("dead", 5), size: 10, failures: 1 << 30}
	r, done := newRunner(t, dir, checkpoint.NewMemory(), source("good", good), source("flaky", flaky), source("dead", dead))
	err := r.Run(context.Background())
	done()
	if !errors.Is(err, ErrSourcesFailed) || !strings.Contains(err.Error(), "dead") || strings.Contains(err.Error(), "flaky") {
		t.Fatalf("run: %v; want only dead to fail", err)
	}
	ids := countIDs(t, filepath.Join(dir, "posts.jsonl"), "id")
	if len(ids) != 30 {
		t.Fatalf("%d posts out, want 25 good + 5 flaky", len(ids))
	}
	stats := map[string]Stats{}
	for _, s := range r.Stats() {
		stats[s.Source] = s
	}
	if s := stats["flaky"]; s.Errors != 2 || s.New != 5 || s.State != Done || s.LastError != "" {
		t.Fatalf("flaky stats %+v", s)
	}
	if s := stats["dead"]; s.Errors != 3 || s.State != Failed || !strings.Contains(s.LastError, "503") {
		t.Fatalf("dead stats %+v (want 1 try + 2 retries)", s)
	}
	if s := stats["good"]; s.Fetched != 25 || s.New != 25 || s.Errors != 0 {
		t.Fatalf("good stats %+v", s)
	}
}

func TestCopiesBecomeSightings(t *testing.T) {
	dir := t.TempDir()
	shared := texts("حملة", 4)
	a := &pager{platform: "telegram", texts: shared, size: 3}
	b := &pager{platform: "x", texts: append(append([]string{}, shared...), "منشور مختلف تماما عن الرياضة وكرة القدم والدوري العراقي اليوم"), size: 3}
	state := checkpoint.NewMemory()
	r, done := newRunner(t, dir, state, source("a", a))
	if err := r.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	done()
	r, done = newRunner(t, dir, state, source("a", a), source("b", b))
	if err := r.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	done()
	posts := countIDs(t, filepath.Join(dir, "posts.jsonl"), "id")
	if len(posts) != 5 {
		t.Fatalf("posts %v, want the 4 shared texts once and 1 other", posts)
	}
	sight := readLines(t, filepath.Join(dir, "sightings.jsonl"))
	if len(sight) != 4 {
		t.Fatalf("%d sightings, want 4", len(sight))
	}
	for _, s := range sight {
		if !strings.HasPrefix(s["canonical"].(string), "telegram:") || !strings.HasPrefix(s["post_id"].(string), "x:") || s["kind"] != "same_text" || s["source"] != "x" {
			t.Fatalf("sighting %v", s)
		}
	}
}

// flakyState fails every commit after the first ok ones, as a crash would.
type flakyState struct {
	*checkpoint.Memory
	ok int
}

func (f *flakyState) Commit(b checkpoint.Batch) error {
	if b.Source != "" {
		if f.ok == 0 {
			return errors.New("disk gone")
		}
		f.ok--
	}
	return f.Memory.Commit(b)
}

func TestRecoverAfterCrashBetweenWriteAndCommit(t *testing.T) {
	dir := t.TempDir()
	mem := checkpoint.NewMemory()
	all := texts("منشور", 50)
	src := &pager{platform: "p", texts: all, size: 10}
	// The third batch is written but its checkpoint fails: the run stops.
	r, done := newRunner(t, dir, &flakyState{Memory: mem, ok: 2}, source("p", src))
	err := r.Run(context.Background())
	done()
	if err == nil || !strings.Contains(err.Error(), "disk gone") {
		t.Fatalf("run with failing checkpoints: %v", err)
	}
	if got := len(readLines(t, filepath.Join(dir, "posts.jsonl"))); got != 30 {
		t.Fatalf("%d posts written before the failure, want 30", got)
	}
	// A torn line, as left by a kill in the middle of a write.
	f, _ := os.OpenFile(filepath.Join(dir, "posts.jsonl"), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"id":"p:30","text":"نص مقطو`)
	f.Close()
	if cur, _ := mem.Get("p"); cur != "20" {
		t.Fatalf("committed cursor %q, want 20", cur)
	}
	r, done = newRunner(t, dir, mem, source("p", src))
	if err := r.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	done()
	ids := countIDs(t, filepath.Join(dir, "posts.jsonl"), "id")
	if len(ids) != 50 {
		t.Fatalf("%d distinct posts, want 50", len(ids))
	}
	for id, n := range ids {
		if n != 1 {
			t.Fatalf("%s written %d times", id, n)
		}
	}
	if s := r.Stats()[0]; s.New != 20 || s.Duplicates != 10 {
		t.Fatalf("after restart: %+v; want the 10 recovered posts seen as duplicates and 20 new", s)
	}
}

func TestRestartFetchesNothingTwice(t *testing.T) {
	dir := t.TempDir()
	db, err := checkpoint.Open(filepath.Join(dir, "crawl.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	src := &pager{platform: "p", texts: texts("x", 12), size: 5}
	for run := range 2 {
		r, done := newRunner(t, dir, db, source("p", src))
		if err := r.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		done()
		want := 12
		if run == 1 {
			want = 0
		}
		if s := r.Stats()[0]; s.New != want || (run == 1 && s.Fetched != 0) {
			t.Fatalf("run %d: %+v", run, s)
		}
	}
	if n := len(readLines(t, filepath.Join(dir, "posts.jsonl"))); n != 12 {
		t.Fatalf("%d lines", n)
	}
}

func TestIntervalAndStop(t *testing.T) {
	dir := t.TempDir()
	src := &pager{platform: "p", texts: texts("x", 3), size: 5}
	out, _ := OpenOutput(filepath.Join(dir, "posts.jsonl"))
	defer out.Close()
	s := source("p", src)
	s.Interval = 10 * time.Millisecond
	r, err := New(Options{Sources: []ingest.Source{s}, State: checkpoint.NewMemory(), Out: out, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := r.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if time.Since(start) > 2*time.Second {
		t.Fatal("run did not stop with its context")
	}
	src.mu.Lock()
	calls := src.calls
	src.mu.Unlock()
	if calls < 4 {
		t.Fatalf("source fetched %d times in 150ms with a 10ms interval", calls)
	}
	if st := r.Stats()[0]; st.New != 3 || st.State != Done {
		t.Fatalf("stats %+v", st)
	}
}

func TestBackoff(t *testing.T) {
	r := &Runner{opts: Options{BackoffBase: time.Second, BackoffMax: time.Minute}}
	tests := []struct {
		n        int
		interval time.Duration
		lo, hi   time.Duration
	}{
		{1, time.Hour, 500 * time.Millisecond, time.Second},
		{3, time.Hour, 2 * time.Second, 4 * time.Second},
		{20, time.Hour, 30 * time.Second, time.Minute},
		{20, 10 * time.Second, 5 * time.Second, 10 * time.Second},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("attempt %d interval %s", tt.n, tt.interval), func(t *testing.T) {
			seen := map[time.Duration]bool{}
			for range 50 {
				d := r.backoff(tt.n, tt.interval)
				if d < tt.lo || d > tt.hi {
					t.Fatalf("backoff %s outside [%s, %s]", d, tt.lo, tt.hi)
				}
				seen[d] = true
			}
			if len(seen) < 2 {
				t.Fatal("no jitter")
			}
		})
	}
}

func TestOutputCheckpointMismatch(t *testing.T) {
	// An output shorter than its checkpoint (replaced by hand) is read whole.
	dir := t.TempDir()
	mem := checkpoint.NewMemory()
	p := filepath.Join(dir, "posts.jsonl")
	os.WriteFile(p, []byte(`{"id":"p:0","text":"موجود مسبقا"}`+"\n"), 0o644)
	out, _ := OpenOutput(p)
	mem.Commit(checkpoint.Batch{Marks: map[string]int64{markName(out): 1 << 20}})
	r, err := New(Options{Sources: nil, State: mem, Out: out, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	out.Close()
	if _, ok := r.Index().Contains("p:0"); !ok {
		t.Fatal("post already in the output not recorded as seen")
	}
}

// hollowPager is a pager whose connector reports itself degraded for its
// first fetches (forever when mendAfter is 0).
type hollowPager struct {
	*pager
	mendAfter int
}

func (h *hollowPager) Health() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.mendAfter > 0 && h.calls >= h.mendAfter {
		return nil
	}
	return errors.New("bot lacks the message content intent")
}

func TestDegradedSourceKeepsPostsAndIsReportedOnce(t *testing.T) {
	dir := t.TempDir()
	hollow := &hollowPager{pager: &pager{platform: "hollow", texts: texts("hollow", 25), size: 10}}
	mended := &hollowPager{pager: &pager{platform: "mended", texts: texts("mend", 25), size: 10}, mendAfter: 3}
	out, err := OpenOutput(filepath.Join(dir, "posts.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	var logs strings.Builder
	var logMu sync.Mutex
	log := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		logMu.Lock()
		defer logMu.Unlock()
		return logs.Write(p)
	}), nil))
	r, err := New(Options{Sources: []ingest.Source{source("hollow", hollow), source("mended", mended)}, State: checkpoint.NewMemory(),
		Out: out, Once: true, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if ids := countIDs(t, filepath.Join(dir, "posts.jsonl"), "id"); len(ids) != 50 {
		t.Fatalf("%d posts written, want all 50: a degraded source's posts are kept", len(ids))
	}
	stats := map[string]Stats{}
	for _, s := range r.Stats() {
		stats[s.Source] = s
	}
	if s := stats["hollow"]; s.Degraded != "bot lacks the message content intent" || s.Errors != 0 || s.State != Done {
		t.Errorf("hollow stats %+v", s)
	}
	if s := stats["mended"]; s.Degraded != "" {
		t.Errorf("mended stats %+v", s)
	}
	text := logs.String()
	if n := strings.Count(text, `level=ERROR msg="source degraded`); n != 2 {
		t.Errorf("%d error lines, want one per source:\n%s", n, text)
	}
	if !strings.Contains(text, `msg="source no longer degraded" source=mended`) {
		t.Errorf("recovery not logged:\n%s", text)
	}
}

type writerFunc func(p []byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
