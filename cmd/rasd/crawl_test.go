package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/ingest/crawler"
	"github.com/rasd-iq/rasd/ingest/dedup"
)

// TestCrawlHelperProcess is not a test: the kill test runs the test binary
// again with RASD_CRAWL_HELPER=1 to get a crawler process it can SIGKILL.
func TestCrawlHelperProcess(t *testing.T) {
	if os.Getenv("RASD_CRAWL_HELPER") != "1" {
		t.Skip("helper process for TestCrawlSurvivesKill")
	}
	args := strings.Split(os.Getenv("RASD_CRAWL_ARGS"), "\x1f")
	os.Exit(run(&Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}, args))
}

var crawlWords = strings.Fields(`الحكومة البرلمان الشعب بغداد البصرة الموصل الانتخابات الفساد المظاهرات الشباب
الجيش الشرطة المحافظة الوزير الكهرباء الماء الرواتب النفط الدولار السوق العشيرة الجامعة الطلاب المستشفى
الطريق الجسر المدينة القرية الشارع اليوم امس باجر هسه شكو ماكو اكو زين هواية كلش چان يمعود والله
خوش اريد نريد نروح رحنا جينا المسؤولين المواطن الحقوق القانون المحكمة القاضي الصحفي القناة الخبر`)

// writePosts writes n posts as JSON Lines, one in ten a copy of an earlier
// text, and returns their ids and texts in order.
func writePosts(t *testing.T, path string, n int) (ids, texts []string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	r := rand.New(rand.NewPCG(42, uint64(n)))
	for i := range n {
		var text string
		if i%10 == 9 {
			text = texts[r.IntN(len(texts))]
		} else {
			ws := make([]string, 18)
			for j := range ws {
				ws[j] = crawlWords[r.IntN(len(crawlWords))]
			}
			text = strings.Join(ws, " ")
		}
		line, _ := json.Marshal(ingest.Post{ID: fmt.Sprint("m", i), Text: text, Created: time.Unix(1.7e9+int64(i), 0).UTC()})
		w.Write(line)
		w.WriteByte('\n')
		ids, texts = append(ids, "file:m"+fmt.Sprint(i)), append(texts, text)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return ids, texts
}

func lineCount(path string) int {
	b, _ := os.ReadFile(path)
	return strings.Count(string(b), "\n")
}

func TestCrawlSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts crawler processes")
	}
	const n = 20_000
	dir := t.TempDir()
	ids, texts := writePosts(t, filepath.Join(dir, "posts-in.jsonl"), n)
	cfg := filepath.Join(dir, "sources.yaml")
	os.WriteFile(cfg, []byte("sources:\n  - name: partner\n    type: file\n    limits: {max_posts: 250}\n    settings:\n      path: posts-in.jsonl\n"), 0o644)
	out, sight := filepath.Join(dir, "out.jsonl"), filepath.Join(dir, "sightings.jsonl")
	args := []string{"crawl", "--sources", cfg, "--once", "--progress", "log", "--out", out, "--sightings", sight, "--data", filepath.Join(dir, "data")}

	start := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrawlHelperProcess$")
		cmd.Env = append(os.Environ(), "RASD_CRAWL_HELPER=1", "RASD_CRAWL_ARGS="+strings.Join(args, "\x1f"))
		cmd.Stderr = &strings.Builder{}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	// Kill the crawler three times, each after it wrote another thousand
	// posts, then let it finish. Kill points are relative to what the
	// previous run left, so a fast machine cannot finish the import between
	// two looks at the output.
	kills := 0
	for range 3 {
		at := lineCount(out) + n/20
		cmd := start()
		deadline := time.Now().Add(60 * time.Second)
		for lineCount(out) < at && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			kills++
			t.Logf("killed with %d lines out", lineCount(out))
		} else {
			// Say why a run ended before it could be killed.
			t.Logf("run ended by itself (%v) with %d lines out, waiting for %d:\n%s", cmd.ProcessState, lineCount(out), at, cmd.Stderr)
		}
	}
	cmd := start()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("final run: %v\n%s", err, cmd.Stderr)
	}
	if !strings.Contains(cmd.Stderr.(*strings.Builder).String(), "source caught up") {
		t.Fatalf("final run log lacks progress:\n%s", cmd.Stderr)
	}

	// Expected: what one uninterrupted pass through the dedup index keeps.
	idx := dedup.NewIndex(dedup.Options{})
	wantNew, wantCopies := map[string]bool{}, map[string]bool{}
	for i := range ids {
		switch res, _ := idx.Observe(ids[i], texts[i]); res.Kind {
		case dedup.New:
			wantNew[ids[i]] = true
		case dedup.SameText, dedup.NearDuplicate:
			wantCopies[ids[i]] = true
		}
	}
	check := func(path, key string, want map[string]bool) {
		t.Helper()
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if len(data) > 0 && data[len(data)-1] != '\n' {
			t.Fatalf("%s ends in a torn line", path)
		}
		got := map[string]int{}
		for i, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
			var m map[string]any
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				t.Fatalf("%s line %d: %v", path, i+1, err)
			}
			id, _ := m[key].(string)
			got[id]++
			if got[id] > 1 {
				t.Fatalf("%s: %s written twice (after %d kills)", path, id, kills)
			}
			if !want[id] {
				t.Fatalf("%s: unexpected %s", path, id)
			}
		}
		if len(got) != len(want) {
			t.Fatalf("%s: %d distinct ids, want %d (after %d kills)", path, len(got), len(want), kills)
		}
	}
	check(out, "id", wantNew)
	check(sight, "post_id", wantCopies)
	if kills < 3 || len(wantCopies) < n/20 {
		t.Fatalf("test did not exercise what it should: %d kills, %d copies", kills, len(wantCopies))
	}
}

func TestCrawlCommand(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "in.csv"), []byte("id,text\n1,الكهرباء مقطوعة من الصبح بالبصرة\n2,\"غير مغلق\n3,نطالب بحقوقنا\n"), 0o644)
	good := filepath.Join(dir, "sources.yaml")
	os.WriteFile(good, []byte("sources:\n  - name: csv\n    type: file\n    settings: {path: in.csv, columns: {id: id, text: text}}\n"), 0o644)
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("sources:\n  - name: csv\n    type: nosuch\n"), 0o644)
	data := filepath.Join(dir, "data")
	tests := []struct {
		name    string
		args    []string
		code    int
		stdout  []string
		stderr  string
		outFile string
	}{
		{"missing --sources", []string{"crawl"}, 2, nil, "--sources is required", ""},
		{"bad progress", []string{"crawl", "--sources", good, "--progress", "fancy"}, 2, nil, "bad --progress", ""},
		{"bad config names file and line", []string{"crawl", "--sources", bad}, 1, nil, "bad.yaml:3: source \"csv\": unknown type \"nosuch\"", ""},
		{"missing config", []string{"crawl", "--sources", filepath.Join(dir, "none.yaml")}, 1, nil, "reading sources", ""},
		{"once to stdout", []string{"crawl", "--sources", good, "--once", "--data", data}, 0, []string{"file:1", "file:3"}, "malformed item skipped", ""},
		{"second run fetches nothing", []string{"crawl", "--sources", good, "--once", "--data", data}, 0, nil, "fetched 0, new 0", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := runCmd(t, "", tt.args...)
			if code != tt.code || !strings.Contains(errs, tt.stderr) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", code, errs, tt.code, tt.stderr)
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if len(tt.stdout) == 0 && strings.TrimSpace(out) != "" {
				t.Fatalf("unexpected output %q", out)
			}
			for i, id := range tt.stdout {
				var p ingest.Post
				if i >= len(lines) || json.Unmarshal([]byte(lines[i]), &p) != nil || p.ID != id {
					t.Fatalf("output %q, want ids %q", out, tt.stdout)
				}
			}
			if code != 0 && strings.Count(strings.TrimSpace(errs), "\n") > 0 {
				t.Fatalf("failure message is more than one line: %q", errs)
			}
		})
	}
}

func TestCrawlStopsCleanlyOnSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a crawler process")
	}
	dir := t.TempDir()
	writePosts(t, filepath.Join(dir, "in.jsonl"), 500)
	cfg := filepath.Join(dir, "sources.yaml")
	os.WriteFile(cfg, []byte("sources:\n  - name: partner\n    type: file\n    interval: 1h\n    settings: {path: in.jsonl}\n"), 0o644)
	out := filepath.Join(dir, "out.jsonl")
	logPath := filepath.Join(dir, "stderr.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	args := []string{"crawl", "--sources", cfg, "--out", out, "--data", filepath.Join(dir, "data")}
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrawlHelperProcess$")
	cmd.Env = append(os.Environ(), "RASD_CRAWL_HELPER=1", "RASD_CRAWL_ARGS="+strings.Join(args, "\x1f"))
	cmd.Stderr = logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		b, _ := os.ReadFile(logPath)
		if strings.Contains(string(b), "source caught up") {
			if !strings.Contains(string(b), "next_run=") {
				t.Fatalf("progress line lacks the next run: %s", b)
			}
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("crawler never caught up: %s", b)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			b, _ := os.ReadFile(logPath)
			t.Fatalf("exit after SIGTERM: %v\n%s", err, b)
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("crawler did not stop on SIGTERM")
	}
	b, _ := os.ReadFile(logPath)
	if !strings.Contains(string(b), "crawl: 1 sources: fetched 500") {
		t.Fatalf("no summary after SIGTERM: %s", b)
	}
	if n := lineCount(out); n < 400 || n > 500 {
		t.Fatalf("%d posts out of 500 (one in ten is a copy)", n)
	}
}

func TestProgressTable(t *testing.T) {
	var b strings.Builder
	p := &ttyProgress{w: &b}
	p.Write([]byte("level=WARN msg=\"fetch failed; retrying\" source=news\n"))
	stats := []crawler.Stats{
		{Source: "news", Type: "rss", State: crawler.Retrying, Fetched: 10, New: 7, Duplicates: 3, Errors: 1, NextRun: time.Now().Add(30 * time.Second)},
		{Source: "partner", Type: "file", State: crawler.Done, Fetched: 500, New: 450, Duplicates: 50, Skipped: 2},
		{Source: "community", Type: "discord", State: crawler.Waiting, Fetched: 40, New: 40, Degraded: "bot lacks the intent"},
	}
	p.draw(stats)
	first := b.String()
	for _, want := range []string{"SOURCE", "NEXT RUN", "news", "retrying", "partner", "450", "fetch failed", "waiting, degraded"} {
		if !strings.Contains(first, want) {
			t.Fatalf("table lacks %q:\n%s", want, first)
		}
	}
	if strings.Contains(first, "\x1b[") {
		t.Fatal("first draw moves the cursor")
	}
	p.draw(stats)
	if again := strings.TrimPrefix(b.String(), first); !strings.HasPrefix(again, fmt.Sprintf("\x1b[%dA\x1b[J", strings.Count(first, "\n"))) {
		t.Fatalf("redraw does not go back over the table: %q", again[:min(20, len(again))])
	}
}
