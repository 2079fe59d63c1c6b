package pipeline

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rasd-iq/rasd/index"
	"github.com/rasd-iq/rasd/index/redisstore"
	"github.com/rasd-iq/rasd/index/redisstore/redistest"
	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/review"
	"github.com/rasd-iq/rasd/review/boltstore"
	reviewredis "github.com/rasd-iq/rasd/review/redisstore"
)

// The crash test runs the pipeline in a child process (this test binary,
// re-executed), kills it with SIGKILL mid-run, runs it again to the end, and
// checks that store, index and review queue hold every post exactly once.

const crashPosts = 100000

func TestMain(m *testing.M) {
	if dir := os.Getenv("RASD_CRASH_CHILD"); dir != "" {
		if err := crashChild(dir, os.Getenv("RASD_CRASH_REDIS")); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// crashChild runs the whole pipeline over crashPosts posts, printing the
// number of scored posts after each batch.
func crashChild(dir, redisURL string) error {
	ctx := context.Background()
	var st store.Backend
	var err error
	if redisURL != "" {
		var rst *redisstore.Store
		rst, err = redisstore.Open(ctx, redisURL, redisstore.Options{Consumer: fmt.Sprint("child-", os.Getpid()), Lease: 500 * time.Millisecond})
		if err == nil {
			rst.EnqueueWith(reviewredis.New(rst.Client(), rst.Prefix()))
			st = rst
		}
	} else {
		var bst *store.Store
		if bst, err = store.Open(filepath.Join(dir, "rasd.db")); err == nil {
			var rs *boltstore.Store
			if rs, err = boltstore.New(bst.DB()); err != nil {
				bst.Close()
				return err
			}
			bst.EnqueueWith(rs)
			st = bst
		}
	}
	if err != nil {
		return err
	}
	defer st.Close()
	ix, err := index.Open(filepath.Join(dir, "index"))
	if err != nil {
		return err
	}
	defer ix.Close()
	sc := &progressScorer{}
	p, err := New(Config{Store: st, Index: ix, Scorer: sc, Router: flagRouter{}, Batch: 500, MaxPending: 5000,
		Sources: []Source{{Name: "s", Connector: &sliceConnector{n: crashPosts, size: 1000}, Once: true}}})
	if err != nil {
		return err
	}
	return p.Run(ctx)
}

// progressScorer is keywordScorer that reports progress on stdout.
type progressScorer struct {
	keywordScorer
	n atomic.Int64
}

func (p *progressScorer) Score(ctx context.Context, texts []string) ([]Scored, error) {
	fmt.Printf("scored %d\n", p.n.Add(int64(len(texts))))
	return p.keywordScorer.Score(ctx, texts)
}

func runChild(t *testing.T, dir, redisURL string, killAfter int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "RASD_CRASH_CHILD="+dir, "RASD_CRASH_REDIS="+redisURL)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	killed := false
	for sc.Scan() {
		n, _ := strconv.Atoi(strings.TrimPrefix(sc.Text(), "scored "))
		if killAfter > 0 && n >= killAfter && !killed {
			cmd.Process.Kill() // SIGKILL: no cleanup, no flush
			killed = true
		}
	}
	err = cmd.Wait()
	if killAfter > 0 {
		if !killed {
			t.Fatalf("child finished before it could be killed (%v)", err)
		}
		return
	}
	if err != nil {
		t.Fatalf("child run failed: %v", err)
	}
}

func checkCrashCounts(t *testing.T, st store.Backend, rs review.Store, dir string) {
	t.Helper()
	ctx := context.Background()
	if p, err := rs.List(ctx, review.Filter{Limit: 1}); err != nil || p.Open != crashPosts/10 {
		t.Fatalf("after crash and restart the review queue holds %d items (%v), want %d", p.Open, err, crashPosts/10)
	}
	records, queued, work, err := st.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ix, err := index.Open(filepath.Join(dir, "index"))
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	indexed, _ := ix.Count()
	if records != crashPosts || queued != crashPosts/10 || work != 0 || indexed != crashPosts {
		t.Fatalf("after crash and restart: records %d, queued %d, work %d, indexed %d; want %d, %d, 0, %d",
			records, queued, work, indexed, crashPosts, crashPosts/10, crashPosts)
	}
}

func TestSIGKILLLosesNothingEmbedded(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test runs 100,000 posts")
	}
	dir := t.TempDir()
	runChild(t, dir, "", 30000)
	runChild(t, dir, "", 0)
	st, rs := openQueued(t, dir)
	checkCrashCounts(t, st, rs, dir)
}

func TestSIGKILLLosesNothingRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test runs 100,000 posts")
	}
	url := "redis://" + redistest.Start(t) + "/0"
	dir := t.TempDir()
	runChild(t, dir, url, 30000)
	runChild(t, dir, url, 0)
	st, err := redisstore.Open(context.Background(), url, redisstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	checkCrashCounts(t, st, reviewredis.New(st.Client(), st.Prefix()), dir)
}
