package recheck

import (
	"context"
	"testing"
	"time"

	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/policy"
)

// TestLoopRechecksOnSchedule runs the loop as the engine does: a pass at
// once records the removal, later passes skip the removed referral and
// re-check the live one only once its last check is due.
func TestLoopRechecksOnSchedule(t *testing.T) {
	srv := platformServer(t)
	f, ids := newFixture(t, []ingest.Post{
		{ID: "telegram:iraq_now_news/1237", Platform: "telegram", NativeID: "iraq_now_news/1237"},
		{ID: "web:up", Platform: "web", NativeID: "up", Permalink: srv.URL + "/forum/up"},
	})
	p := &Platforms{Telegram: &Telegram{Base: srv.URL, Client: localClient()}, Web: &webChecker{}}
	const every = 40 * time.Millisecond
	checks := func(item string) int {
		r, err := f.st.Referral(context.Background(), ids[item])
		if err != nil {
			t.Fatal(err)
		}
		return len(r.Checks)
	}
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); !ok(); time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting: %s", what)
			}
		}
	}
	stop := (&Loop{Service: f.svc, Prober: p, Every: every}).Start(context.Background())
	waitFor("first pass", func() bool { return checks("telegram:iraq_now_news/1237") == 1 && checks("web:up") == 1 })
	r, _ := f.st.Referral(context.Background(), ids["telegram:iraq_now_news/1237"])
	if r.Outcome() != policy.OutcomeRemoved {
		t.Fatalf("outcome after the first pass: %s, want removed", r.Outcome())
	}
	// The referrals' clock stands still: passes on the ticker find nothing due.
	time.Sleep(4 * every)
	if n := checks("web:up"); n != 1 {
		t.Fatalf("live referral checked %d times while not due", n)
	}
	f.advance(every)
	waitFor("second check of the live referral", func() bool { return checks("web:up") == 2 })
	stop()
	if n := checks("telegram:iraq_now_news/1237"); n != 1 {
		t.Errorf("removed referral checked %d times, want once", n)
	}
	n := checks("web:up")
	f.advance(time.Hour)
	time.Sleep(3 * every)
	if m := checks("web:up"); m != n {
		t.Errorf("checks went on after stop: %d, then %d", n, m)
	}
}
