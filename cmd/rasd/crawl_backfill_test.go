package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/ingest/telegram"
	"github.com/rasd-iq/rasd/ingest/telegram/telegramtest"
)

// TestCrawlTelegramBackfillSurvivesKill walks a long channel history with
// `rasd crawl` from a local preview server in t.me's shape, killing the
// crawler three times in the middle while new messages keep arriving:
// every message ends up written once, none twice.
func TestCrawlTelegramBackfillSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts crawler processes")
	}
	h := telegramtest.NewHistory("iraq_archive", 3000)
	defer h.Close()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "sources.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`sources:
  - name: archive
    type: telegram
    allow_internal: true
    limits: {max_pages: 2, rate_per_sec: 1000}
    settings:
      channel: iraq_archive
      base_url: %s
      backfill: true
      retry: {base_delay: 1ms, max_delay: 5ms}
`, h.URL)), 0o644)
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
	kills, newest := 0, int64(3000)
	for range 3 {
		at := lineCount(out) + 300
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
		}
		newest += 25 // more than a page arrives while the crawler is down
		h.Add(newest)
	}
	cmd := start()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("final run: %v\n%s", err, cmd.Stderr)
	}

	// Every message is written once, as a new post or (if dedup takes it
	// for a copy) as a sighting, never twice and none missing.
	got := map[string]int{}
	for _, f := range []struct{ path, key string }{{out, "id"}, {sight, "post_id"}} {
		data, err := os.ReadFile(f.path)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		for i, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
			if line == "" {
				continue
			}
			var m map[string]any
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				t.Fatalf("%s line %d: %v", f.path, i+1, err)
			}
			id, _ := m[f.key].(string)
			if got[id]++; got[id] > 1 {
				t.Fatalf("%s written twice (after %d kills)", id, kills)
			}
		}
	}
	want := h.IDs()
	for _, id := range want {
		if got[ingest.MakeID(telegram.Name, fmt.Sprintf("iraq_archive/%d", id))] != 1 {
			t.Fatalf("message %d missing (after %d kills; %d of %d written)", id, kills, len(got), len(want))
		}
	}
	if len(got) != len(want) || kills < 3 {
		t.Fatalf("%d written, want %d; %d kills", len(got), len(want), kills)
	}
}
