// Package reviewtest is the conformance test every review.Store passes:
// accounts, sessions, queue order, filters and paging, leases, the decision
// rules, 20 reviewers claiming and deciding at once, and referrals and
// appeals with their outcomes.
package reviewtest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/rasd-iq/rasd/review"
)

// Run runs the conformance test; open returns a new, empty store.
func Run(t *testing.T, open func(t *testing.T) review.Store) {
	t.Run("Users", func(t *testing.T) { testUsers(t, open(t)) })
	t.Run("Sessions", func(t *testing.T) { testSessions(t, open(t)) })
	t.Run("UpdateUser", func(t *testing.T) { testUpdateUser(t, open(t)) })
	t.Run("SessionList", func(t *testing.T) { testSessionList(t, open(t)) })
	t.Run("Queue", func(t *testing.T) { testQueue(t, open(t)) })
	t.Run("Sort", func(t *testing.T) { testSort(t, open(t)) })
	t.Run("Leases", func(t *testing.T) { testLeases(t, open(t)) })
	t.Run("Decisions", func(t *testing.T) { testDecisions(t, open(t)) })
	t.Run("Undo", func(t *testing.T) { testUndo(t, open(t)) })
	t.Run("Concurrent", func(t *testing.T) { testConcurrent(t, open(t)) })
	t.Run("Referrals", func(t *testing.T) { testReferrals(t, open(t)) })
	t.Run("Appeals", func(t *testing.T) { testAppeals(t, open(t)) })
	t.Run("ClosedCases", func(t *testing.T) { testClosedCases(t, open(t)) })
}

var t0 = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// Items returns n queue items with varied priority, urgency, score, labels,
// platform, governorate and age; item i has id "x:%06d".
func Items(n int) []review.Item {
	labels := []string{"hate", "incitement", "threat", "terrorism"}
	plats := []string{"telegram", "x", "web"}
	govs := []string{"baghdad", "basra", "nineveh", ""}
	out := make([]review.Item, n)
	for i := range out {
		out[i] = review.Item{
			ID: fmt.Sprintf("x:%06d", i), Priority: i % 3, Urgent: i%17 == 0, Score: float64(i%100) / 100,
			Labels: []string{labels[i%4]}, Platform: plats[i%3], Governorate: govs[i%4],
			Author: fmt.Sprintf("%s:author%d", plats[i%3], i%7), Added: t0.Add(-time.Duration(i) * time.Minute),
		}
	}
	return out
}

func testUsers(t *testing.T, s review.Store) {
	ctx := context.Background()
	if _, err := s.User(ctx, "nobody"); !errors.Is(err, review.ErrNotFound) {
		t.Fatalf("User(nobody) = %v, want ErrNotFound", err)
	}
	for _, name := range []string{"zainab", "ali"} {
		if err := s.PutUser(ctx, review.User{Name: name, Role: review.RoleAnalyst, Hash: []byte("h-" + name), Created: t0}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PutUser(ctx, review.User{Name: "ali", Role: review.RoleSenior, Hash: []byte("h2"), Disabled: true}); err != nil {
		t.Fatal(err)
	}
	u, err := s.User(ctx, "ali")
	if err != nil || u.Role != review.RoleSenior || string(u.Hash) != "h2" || !u.Disabled {
		t.Fatalf("User(ali) = %+v, %v; want the replaced account", u, err)
	}
	us, err := s.Users(ctx)
	if err != nil || len(us) != 2 {
		t.Fatalf("Users = %d accounts, %v; want 2", len(us), err)
	}
}

func testSessions(t *testing.T, s review.Store) {
	ctx := context.Background()
	for i, user := range []string{"a", "a", "b"} {
		se := review.Session{IDHash: fmt.Sprint("h", i), User: user, CSRF: "c", Created: t0, Expires: t0.Add(time.Hour), Seen: t0}
		if err := s.PutSession(ctx, se); err != nil {
			t.Fatal(err)
		}
	}
	se, err := s.Session(ctx, "h2")
	if err != nil || se.User != "b" || !se.Expires.Equal(t0.Add(time.Hour)) {
		t.Fatalf("Session(h2) = %+v, %v", se, err)
	}
	if err := s.DeleteSession(ctx, "h2"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, "h2"); !errors.Is(err, review.ErrNotFound) {
		t.Fatalf("deleted session: %v, want ErrNotFound", err)
	}
	if err := s.DeleteSession(ctx, "h2"); err != nil {
		t.Fatalf("deleting an absent session: %v", err)
	}
	if err := s.DeleteSessions(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"h0", "h1"} {
		if _, err := s.Session(ctx, h); !errors.Is(err, review.ErrNotFound) {
			t.Fatalf("session %s of a survived DeleteSessions: %v", h, err)
		}
	}
}

func testUpdateUser(t *testing.T, s review.Store) {
	ctx := context.Background()
	if _, err := s.UpdateUser(ctx, "nobody", func(*review.User) error { return nil }); !errors.Is(err, review.ErrNotFound) {
		t.Fatalf("UpdateUser(nobody) = %v, want ErrNotFound", err)
	}
	if err := s.PutUser(ctx, review.User{Name: "sen", Role: review.RoleSenior, Hash: []byte("h"), Created: t0}); err != nil {
		t.Fatal(err)
	}
	tf := review.TwoFactor{Secret: []byte("0123456789abcdefghij"), Last: 7, Salt: []byte("salt"), Recovery: []string{"r1", "r2"}, Enrolled: t0}
	u, err := s.UpdateUser(ctx, "sen", func(u *review.User) error { u.TwoFactor = tf; return nil })
	if err != nil || !u.HasTOTP() {
		t.Fatalf("UpdateUser = %+v, %v", u, err)
	}
	u, err = s.User(ctx, "sen")
	if err != nil || string(u.TwoFactor.Secret) != string(tf.Secret) || u.TwoFactor.Last != 7 || !slices.Equal(u.TwoFactor.Recovery, tf.Recovery) ||
		string(u.TwoFactor.Salt) != "salt" || !u.TwoFactor.Enrolled.Equal(t0) || string(u.Hash) != "h" {
		t.Fatalf("stored account lost its two-factor state: %#v, %v", u.TwoFactor.Recovery, err)
	}
	// fn's error leaves the account as it was.
	boom := errors.New("boom")
	if _, err := s.UpdateUser(ctx, "sen", func(u *review.User) error { u.TwoFactor = review.TwoFactor{}; return boom }); !errors.Is(err, boom) {
		t.Fatalf("UpdateUser with a failing fn: %v", err)
	}
	if u, _ := s.User(ctx, "sen"); !u.HasTOTP() {
		t.Fatal("a failed update changed the account")
	}
	// Concurrent updates each consume one step: none is lost.
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, err := s.UpdateUser(ctx, "sen", func(u *review.User) error { u.TwoFactor.Last++; return nil }); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if u, _ := s.User(ctx, "sen"); u.TwoFactor.Last != 27 {
		t.Fatalf("after 20 concurrent increments Last = %d, want 27", u.TwoFactor.Last)
	}
}

func testSessionList(t *testing.T, s review.Store) {
	ctx := context.Background()
	if ss, err := s.Sessions(ctx, "a"); err != nil || len(ss) != 0 {
		t.Fatalf("Sessions of an account without any = %v, %v", ss, err)
	}
	for i, user := range []string{"a", "b", "a", "a"} {
		se := review.Session{IDHash: fmt.Sprint("h", i), User: user, CSRF: "c", Created: t0.Add(time.Duration(-i) * time.Minute),
			Expires: time.Now().Add(time.Hour), Seen: t0, Addr: "192.0.2.1", Agent: "Firefox"}
		if err := s.PutSession(ctx, se); err != nil {
			t.Fatal(err)
		}
	}
	ss, err := s.Sessions(ctx, "a")
	if err != nil || len(ss) != 3 || ss[0].IDHash != "h3" || ss[1].IDHash != "h2" || ss[2].IDHash != "h0" || ss[0].Addr != "192.0.2.1" || ss[0].Agent != "Firefox" {
		t.Fatalf("Sessions(a) = %+v, %v; want h3, h2, h0 with address and agent", ss, err)
	}
	if err := s.DeleteSession(ctx, "h2"); err != nil {
		t.Fatal(err)
	}
	if ss, err := s.Sessions(ctx, "a"); err != nil || len(ss) != 2 {
		t.Fatalf("Sessions(a) after ending one = %+v, %v; want 2", ss, err)
	}
	if err := s.DeleteSessions(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if ss, err := s.Sessions(ctx, "a"); err != nil || len(ss) != 0 {
		t.Fatalf("Sessions(a) after DeleteSessions = %+v, %v", ss, err)
	}
	if ss, err := s.Sessions(ctx, "b"); err != nil || len(ss) != 1 || ss[0].IDHash != "h1" {
		t.Fatalf("Sessions(b) = %+v, %v", ss, err)
	}
}

// inOrder checks that items are in review order.
func inOrder(t *testing.T, items []review.Item) {
	t.Helper()
	for i := 1; i < len(items); i++ {
		if review.IndexKey(&items[i-1]) >= review.IndexKey(&items[i]) {
			t.Fatalf("items %d and %d out of order: %s before %s", i-1, i, items[i-1].ID, items[i].ID)
		}
	}
}

func testQueue(t *testing.T, s review.Store) {
	ctx := context.Background()
	items := Items(300)
	if err := s.Add(ctx, items[:200]); err != nil {
		t.Fatal(err)
	}
	missing, err := s.Missing(ctx, []string{"x:000001", "x:000250", "nope"})
	if err != nil || !slices.Equal(missing, []string{"x:000250", "nope"}) {
		t.Fatalf("Missing = %v, %v", missing, err)
	}
	changed := items[0]
	changed.Priority = 99
	if err := s.Add(ctx, append([]review.Item{changed}, items[200:]...)); err != nil {
		t.Fatal(err)
	}
	if it, err := s.Item(ctx, items[0].ID); err != nil || it.Priority != items[0].Priority || it.Status != review.StatusOpen {
		t.Fatalf("re-added item = %+v, %v; want the first version, open", it, err)
	}
	// The whole queue, page by page, in review order with nothing lost.
	var all []review.Item
	for off := 0; ; off += 70 {
		p, err := s.List(ctx, review.Filter{Offset: off, Limit: 70})
		if err != nil {
			t.Fatal(err)
		}
		if p.Open != 300 {
			t.Fatalf("Open = %d, want 300", p.Open)
		}
		all = append(all, p.Items...)
		if !p.More {
			break
		}
	}
	if len(all) != 300 {
		t.Fatalf("paged %d items, want 300", len(all))
	}
	inOrder(t, all)
	if !all[0].Urgent || all[len(all)-1].Urgent {
		t.Fatalf("urgent items must come first")
	}
	now := t0.Add(time.Minute)
	cases := []struct {
		name string
		f    review.Filter
	}{
		{"label", review.Filter{Label: "threat"}},
		{"score", review.Filter{MinScore: 0.9}},
		{"platform", review.Filter{Platform: "telegram"}},
		{"governorate", review.Filter{Governorate: "basra"}},
		{"age", review.Filter{MaxAge: 30 * time.Minute, Now: now}},
		{"combined", review.Filter{Label: "hate", Platform: "x", MinScore: 0.5}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var want []review.Item
			for i := range all {
				if c.f.Match(&all[i]) {
					want = append(want, all[i])
				}
			}
			if len(want) == 0 || len(want) == len(all) {
				t.Fatalf("filter selects %d of %d: a useless case", len(want), len(all))
			}
			c.f.Limit = 500
			p, err := s.List(ctx, c.f)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Items) != len(want) || p.More {
				t.Fatalf("got %d items (more %v), want %d", len(p.Items), p.More, len(want))
			}
			for i := range want {
				if p.Items[i].ID != want[i].ID {
					t.Fatalf("item %d = %s, want %s", i, p.Items[i].ID, want[i].ID)
				}
			}
		})
	}
	by, err := s.ByAuthor(ctx, "telegram:author3", 5)
	if err != nil || len(by) != 5 {
		t.Fatalf("ByAuthor = %d items, %v; want 5", len(by), err)
	}
	for i, it := range by {
		if it.Author != "telegram:author3" || (i > 0 && it.Added.After(by[i-1].Added)) {
			t.Fatalf("ByAuthor item %d = %s by %s: wrong author or not newest first", i, it.ID, it.Author)
		}
	}
}

func testLeases(t *testing.T, s review.Store) {
	ctx := context.Background()
	if err := s.Add(ctx, Items(3)); err != nil {
		t.Fatal(err)
	}
	a, b := review.Reviewer{Name: "a"}, review.Reviewer{Name: "b"}
	id := "x:000001"
	it, err := s.Claim(ctx, id, a, t0, time.Minute)
	if err != nil || it.Lease == nil || it.Lease.Holder != "a" {
		t.Fatalf("Claim = %+v, %v", it.Lease, err)
	}
	if _, err := s.Claim(ctx, id, b, t0.Add(30*time.Second), time.Minute); !errors.Is(err, review.ErrHeld) {
		t.Fatalf("second claim before expiry: %v, want ErrHeld", err)
	}
	renewed, err := s.Claim(ctx, id, a, t0.Add(30*time.Second), time.Minute)
	if err != nil || renewed.Lease.Token != it.Lease.Token || !renewed.Lease.Expires.Equal(t0.Add(90*time.Second)) {
		t.Fatalf("renewal = %+v, %v; want same token, later expiry", renewed.Lease, err)
	}
	// After expiry the item returns: b takes it over and a's decision fails.
	taken, err := s.Claim(ctx, id, b, t0.Add(2*time.Minute), time.Minute)
	if err != nil || taken.Lease.Holder != "b" {
		t.Fatalf("claim after expiry = %+v, %v", taken.Lease, err)
	}
	d := review.Decision{Item: id, Reviewer: "a", Action: review.ActionDismiss, Verdict: review.VerdictFalsePositive, Lease: it.Lease.Token}
	if _, _, err := s.Decide(ctx, d, a, review.Rules{}, t0.Add(2*time.Minute)); !errors.Is(err, review.ErrLeaseLost) {
		t.Fatalf("decision on a lost lease: %v, want ErrLeaseLost", err)
	}
	if err := s.Release(ctx, id, "a", it.Lease.Token); !errors.Is(err, review.ErrLeaseLost) {
		t.Fatalf("release of a lost lease: %v, want ErrLeaseLost", err)
	}
	if err := s.Release(ctx, id, "b", taken.Lease.Token); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Claim(ctx, id, a, t0.Add(2*time.Minute), time.Minute); err != nil {
		t.Fatalf("claim after release: %v", err)
	}
	// ClaimNext skips held items and follows review order (x:000000 is urgent).
	first, err := s.ClaimNext(ctx, b, review.Filter{}, t0.Add(2*time.Minute), time.Minute)
	if err != nil || first.ID != "x:000000" {
		t.Fatalf("ClaimNext = %s, %v; want x:000000", first.ID, err)
	}
	next, err := s.ClaimNext(ctx, b, review.Filter{}, t0.Add(2*time.Minute), time.Minute)
	if err != nil || next.ID != "x:000000" {
		t.Fatalf("ClaimNext again = %s, %v; want the held x:000000 renewed", next.ID, err)
	}
	if _, err := s.ClaimNext(ctx, review.Reviewer{Name: "c"}, review.Filter{Label: "nothing"}, t0, time.Minute); !errors.Is(err, review.ErrEmpty) {
		t.Fatalf("ClaimNext with nothing matching: %v, want ErrEmpty", err)
	}
	if _, err := s.Claim(ctx, "x:999999", a, t0, time.Minute); !errors.Is(err, review.ErrNotFound) {
		t.Fatalf("claim of an unknown item: %v, want ErrNotFound", err)
	}
}

// decide claims id as who and decides it.
func decide(ctx context.Context, s review.Store, id string, who review.Reviewer, a review.Action, v review.Verdict, labels []string, rules review.Rules, now time.Time) (review.Item, review.Decision, error) {
	it, err := s.Claim(ctx, id, who, now, time.Minute)
	if err != nil {
		return it, review.Decision{}, err
	}
	d := review.Decision{Item: id, Reviewer: who.Name, Action: a, Verdict: v, Labels: labels, Lease: it.Lease.Token, Reason: "test"}
	return s.Decide(ctx, d, who, rules, now)
}

func testDecisions(t *testing.T, s review.Store) {
	ctx := context.Background()
	if err := s.Add(ctx, Items(8)); err != nil {
		t.Fatal(err)
	}
	a, b, sen := review.Reviewer{Name: "a"}, review.Reviewer{Name: "b"}, review.Reviewer{Name: "s", Senior: true}
	one, two, referTwice := review.Rules{}, review.Rules{SecondReview: true}, review.Rules{SecondReviewRefer: true}
	tp, fp := review.VerdictTruePositive, review.VerdictFalsePositive
	type step struct {
		who     review.Reviewer
		action  review.Action
		verdict review.Verdict
		labels  []string
		stage   review.Stage
		status  review.Status
		err     error
	}
	cases := []struct {
		name  string
		id    string
		rules review.Rules
		steps []step
	}{
		{"single review closes", "x:000000", one, []step{
			{a, review.ActionDismiss, fp, nil, review.StageFinal, review.StatusClosed, nil},
			{b, review.ActionDismiss, fp, nil, "", "", review.ErrDecided},
		}},
		{"second review agrees", "x:000001", two, []step{
			{a, review.ActionMonitor, tp, nil, review.StageFirst, review.StatusOpen, nil},
			{a, review.ActionMonitor, tp, nil, "", "", review.ErrReviewedBefore},
			{b, review.ActionMonitor, tp, nil, review.StageAgreed, review.StatusClosed, nil},
		}},
		{"disagreement goes to a senior", "x:000002", two, []step{
			{a, review.ActionRefer, tp, nil, review.StageFirst, review.StatusOpen, nil},
			{b, review.ActionDismiss, review.VerdictWrongLabel, []string{"offensive"}, review.StageDisputed, review.StatusSenior, nil},
			{review.Reviewer{Name: "c"}, review.ActionDismiss, fp, nil, "", "", review.ErrNeedsSenior},
			{sen, review.ActionRefer, tp, nil, review.StageSenior, review.StatusClosed, nil},
		}},
		{"escalation goes to a senior", "x:000003", one, []step{
			{a, review.ActionEscalate, tp, nil, review.StageEscalated, review.StatusSenior, nil},
			{sen, review.ActionEscalate, tp, nil, "", "", review.ErrInvalid},
			{sen, review.ActionMonitor, tp, nil, review.StageSenior, review.StatusClosed, nil},
		}},
		{"a referral needs a second reviewer", "x:000005", referTwice, []step{
			{a, review.ActionRefer, tp, nil, review.StageFirst, review.StatusOpen, nil},
			{b, review.ActionDismiss, fp, nil, review.StageDisputed, review.StatusSenior, nil},
			{sen, review.ActionDismiss, fp, nil, review.StageSenior, review.StatusClosed, nil},
		}},
		{"other decisions close at once under the referral rule", "x:000006", referTwice, []step{
			{a, review.ActionMonitor, tp, nil, review.StageFinal, review.StatusClosed, nil},
		}},
		{"invalid decisions change nothing", "x:000004", one, []step{
			{a, "delete", tp, nil, "", "", review.ErrInvalid},
			{a, review.ActionDismiss, "maybe", nil, "", "", review.ErrInvalid},
			{a, review.ActionDismiss, review.VerdictWrongLabel, nil, "", "", review.ErrInvalid},
			{a, review.ActionRefer, fp, nil, "", "", review.ErrInvalid},
			{a, review.ActionDismiss, fp, nil, review.StageFinal, review.StatusClosed, nil},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var recorded int
			for i, st := range c.steps {
				it, d, err := decide(ctx, s, c.id, st.who, st.action, st.verdict, st.labels, c.rules, t0.Add(time.Duration(i)*time.Second))
				if st.err != nil {
					if !errors.Is(err, st.err) {
						t.Fatalf("step %d: err %v, want %v", i, err, st.err)
					}
					continue
				}
				if err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				recorded++
				if d.Stage != st.stage || it.Status != st.status || d.ID == "" || it.Lease != nil {
					t.Fatalf("step %d: stage %s status %s lease %v, want %s %s and no lease", i, d.Stage, it.Status, it.Lease, st.stage, st.status)
				}
			}
			ds, err := s.Decisions(ctx, c.id)
			if err != nil || len(ds) != recorded {
				t.Fatalf("Decisions = %d, %v; want %d", len(ds), err, recorded)
			}
			it, _ := s.Item(ctx, c.id)
			if it.Status != review.StatusClosed {
				t.Fatalf("final status %s, want closed", it.Status)
			}
			if it.Outcome != ds[len(ds)-1].Action {
				t.Fatalf("outcome %s, want the last decision's %s", it.Outcome, ds[len(ds)-1].Action)
			}
		})
	}
	p, err := s.List(ctx, review.Filter{})
	if err != nil || len(p.Items) != 1 || p.Items[0].ID != "x:000007" || p.Open != 1 {
		t.Fatalf("after decisions the queue holds %d items (open %d), %v; want only x:000007", len(p.Items), p.Open, err)
	}
	var n int
	if err := s.EachDecision(ctx, func(review.Decision) error { n++; return nil }); err != nil || n != 13 {
		t.Fatalf("EachDecision saw %d, %v; want 13", n, err)
	}
}

// testConcurrent has 20 reviewers claim and decide 200 items at once, with
// leases so short that some expire mid-way: every item ends decided exactly
// once and none is lost.
func testConcurrent(t *testing.T, s review.Store) {
	ctx := context.Background()
	const n, reviewers = 200, 20
	if err := s.Add(ctx, Items(n)); err != nil {
		t.Fatal(err)
	}
	var (
		mu      sync.Mutex
		decided = map[string]int{}
		lost    int
		wg      sync.WaitGroup
	)
	start := time.Now()
	for r := range reviewers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			who := review.Reviewer{Name: fmt.Sprint("r", r)}
			for i := 0; ; i++ {
				now := time.Now()
				it, err := s.ClaimNext(ctx, who, review.Filter{}, now, 50*time.Millisecond)
				if errors.Is(err, review.ErrEmpty) {
					return
				}
				if err != nil {
					t.Errorf("%s: ClaimNext: %v", who.Name, err)
					return
				}
				if r%5 == 0 && i%4 == 0 {
					time.Sleep(60 * time.Millisecond) // let this lease expire: the item must return
				}
				d := review.Decision{Item: it.ID, Reviewer: who.Name, Action: review.ActionDismiss, Verdict: review.VerdictFalsePositive, Lease: it.Lease.Token}
				_, _, err = s.Decide(ctx, d, who, review.Rules{}, time.Now())
				switch {
				case err == nil:
					mu.Lock()
					decided[it.ID]++
					mu.Unlock()
				case errors.Is(err, review.ErrLeaseLost), errors.Is(err, review.ErrDecided):
					mu.Lock()
					lost++
					mu.Unlock()
				default:
					t.Errorf("%s: Decide %s: %v", who.Name, it.ID, err)
					return
				}
				if time.Since(start) > time.Minute {
					t.Errorf("%s: still claiming after a minute", who.Name)
					return
				}
			}
		}()
	}
	wg.Wait()
	if len(decided) != n {
		t.Fatalf("%d items decided, want %d", len(decided), n)
	}
	for id, c := range decided {
		if c != 1 {
			t.Fatalf("%s decided %d times", id, c)
		}
	}
	if lost == 0 {
		t.Errorf("no lease expired: the test did not exercise expiry")
	}
	var recorded int
	if err := s.EachDecision(ctx, func(review.Decision) error { recorded++; return nil }); err != nil || recorded != n {
		t.Fatalf("%d decisions recorded, %v; want %d", recorded, err, n)
	}
	p, err := s.List(ctx, review.Filter{})
	if err != nil || p.Open != 0 || len(p.Items) != 0 {
		t.Fatalf("queue after all decided: open %d, %d items, %v", p.Open, len(p.Items), err)
	}
}

// testUndo: the author of an item's last decision takes it back within the
// window, and the item stands as before, leased to them, its decision gone;
// anyone else, a later undo, or an older decision is refused.
func testUndo(t *testing.T, s review.Store) {
	ctx := context.Background()
	if err := s.Add(ctx, Items(4)); err != nil {
		t.Fatal(err)
	}
	a, b := review.Reviewer{Name: "a"}, review.Reviewer{Name: "b"}
	one, two := review.Rules{}, review.Rules{SecondReview: true}
	// A closing dismissal, with its reason code, undone at once.
	it, err := s.Claim(ctx, "x:000000", a, t0, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	d := review.Decision{Item: "x:000000", Reviewer: "a", Action: review.ActionDismiss, Verdict: review.VerdictFalsePositive,
		ReasonCode: review.ReasonProtected, Lease: it.Lease.Token}
	_, d, err = s.Decide(ctx, d, a, one, t0)
	if err != nil {
		t.Fatal(err)
	}
	if ds, _ := s.Decisions(ctx, "x:000000"); len(ds) != 1 || ds[0].ReasonCode != review.ReasonProtected {
		t.Fatalf("stored decisions %+v: want one with reason code protected_speech", ds)
	}
	if _, _, err := s.Undo(ctx, "x:000000", d.ID, b, one, t0.Add(time.Second)); !errors.Is(err, review.ErrUndo) {
		t.Fatalf("undo by another reviewer: %v, want ErrUndo", err)
	}
	if _, _, err := s.Undo(ctx, "x:000000", d.ID, a, one, t0.Add(review.DefaultUndoWindow+time.Second)); !errors.Is(err, review.ErrUndo) {
		t.Fatalf("undo after the window: %v, want ErrUndo", err)
	}
	it, got, err := s.Undo(ctx, "x:000000", d.ID, a, one, t0.Add(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != d.ID || it.Status != review.StatusOpen || it.Outcome != "" || len(it.Reviewers) != 0 || !it.Lease.Active(t0.Add(5*time.Second)) || it.Lease.Holder != "a" {
		t.Fatalf("after undo: %+v (undid %s), want open, leased to a, no reviewers", it, got.ID)
	}
	if ds, _ := s.Decisions(ctx, "x:000000"); len(ds) != 0 {
		t.Fatalf("after undo the item has decisions %+v", ds)
	}
	if p, _ := s.List(ctx, review.Filter{}); p.Open != 4 {
		t.Fatalf("after undo the queue holds %d open items, want 4", p.Open)
	}
	if _, _, err := s.Undo(ctx, "x:000000", d.ID, a, one, t0.Add(6*time.Second)); !errors.Is(err, review.ErrUndo) {
		t.Fatalf("second undo: %v, want ErrUndo", err)
	}
	// The lease it gives back decides again.
	d2 := review.Decision{Item: "x:000000", Reviewer: "a", Action: review.ActionMonitor, Verdict: review.VerdictTruePositive, Lease: it.Lease.Token}
	if _, _, err := s.Decide(ctx, d2, a, one, t0.Add(7*time.Second)); err != nil {
		t.Fatalf("deciding after undo: %v", err)
	}

	// Under second review: undoing the agreeing decision restores the first as pending.
	_, first, err := decide(ctx, s, "x:000001", a, review.ActionMonitor, review.VerdictTruePositive, nil, two, t0)
	if err != nil {
		t.Fatal(err)
	}
	_, second, err := decide(ctx, s, "x:000001", b, review.ActionMonitor, review.VerdictTruePositive, nil, two, t0.Add(time.Second))
	if err != nil || second.Stage != review.StageAgreed {
		t.Fatalf("second decision %+v, %v", second, err)
	}
	if _, _, err := s.Undo(ctx, "x:000001", first.ID, a, two, t0.Add(2*time.Second)); !errors.Is(err, review.ErrUndo) {
		t.Fatalf("undoing a decision that is not the last: %v, want ErrUndo", err)
	}
	it, _, err = s.Undo(ctx, "x:000001", second.ID, b, two, t0.Add(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if it.Status != review.StatusOpen || it.Pending == nil || it.Pending.ID != first.ID || !slices.Equal(it.Reviewers, []string{"a"}) {
		t.Fatalf("after undoing the second review: %+v, want open with a's decision pending", it)
	}
	// An escalation undone leaves the item open again.
	_, esc, err := decide(ctx, s, "x:000002", a, review.ActionEscalate, review.VerdictTruePositive, nil, one, t0)
	if err != nil {
		t.Fatal(err)
	}
	if it, _, err = s.Undo(ctx, "x:000002", esc.ID, a, one, t0.Add(time.Second)); err != nil || it.Status != review.StatusOpen {
		t.Fatalf("undoing an escalation: %+v, %v", it, err)
	}
}

// OldIndexKey is the index key of versions before review.IndexOrder
// (urgent|priority|score|time|id), for the stores' upgrade tests.
func OldIndexKey(it *review.Item) string {
	u := 1
	if it.Urgent {
		u = 0
	}
	p := max(0, min(int64(it.Priority)+1<<31, 1<<32-1))
	s := int64((1 - max(0, min(it.Score, 1))) * 1e6)
	return fmt.Sprintf("%d|%010d|%07d|%019d|%s", u, p, s, max(0, it.Added.UnixNano()), it.ID)
}

// CheckReordered checks that s, opened over an index an earlier version
// built, lists the items of Items(n) in review order, all of them.
func CheckReordered(t *testing.T, s review.Store, n int) {
	t.Helper()
	p, err := s.List(context.Background(), review.Filter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	if p.Open != n || len(p.Items) != min(n, 500) {
		t.Fatalf("after the upgrade the queue lists %d of %d open items, want %d", len(p.Items), p.Open, n)
	}
	inOrder(t, p.Items)
}

func testSort(t *testing.T, s review.Store) {
	ctx := context.Background()
	items := Items(300)
	if err := s.Add(ctx, items); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		f    review.Filter
		less func(a, b *review.Item) bool // a must not come after b
	}{
		{"score-desc", review.Filter{Sort: review.SortScore, Desc: true}, func(a, b *review.Item) bool { return a.Score >= b.Score }},
		{"score-asc", review.Filter{Sort: review.SortScore}, func(a, b *review.Item) bool { return a.Score <= b.Score }},
		{"time-asc", review.Filter{Sort: review.SortTime}, func(a, b *review.Item) bool { return !a.Added.After(b.Added) }},
		{"time-desc", review.Filter{Sort: review.SortTime, Desc: true}, func(a, b *review.Item) bool { return !a.Added.Before(b.Added) }},
		{"label-asc", review.Filter{Sort: review.SortLabel}, func(a, b *review.Item) bool { return a.Labels[0] <= b.Labels[0] }},
		{"label-desc-telegram", review.Filter{Sort: review.SortLabel, Desc: true, Platform: "telegram", MinScore: 0.5},
			func(a, b *review.Item) bool { return a.Labels[0] >= b.Labels[0] }},
		{"priority-asc", review.Filter{Sort: review.SortPriority}, func(a, b *review.Item) bool {
			return a.Urgent && !b.Urgent || a.Urgent == b.Urgent && a.Priority <= b.Priority
		}},
		{"priority-desc", review.Filter{Sort: review.SortPriority, Desc: true}, func(a, b *review.Item) bool {
			return !a.Urgent && b.Urgent || a.Urgent == b.Urgent && a.Priority >= b.Priority
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			all := listAll(t, s, c.f)
			want := 0
			for i := range items {
				if c.f.Match(&items[i]) {
					want++
				}
			}
			if len(all) != want {
				t.Fatalf("listed %d items over the pages, want %d", len(all), want)
			}
			seen := map[string]bool{}
			for i := range all {
				if seen[all[i].ID] {
					t.Fatalf("item %s listed twice", all[i].ID)
				}
				seen[all[i].ID] = true
				if i > 0 && !c.less(&all[i-1], &all[i]) {
					t.Fatalf("item %d (%+v) listed after %+v", i, all[i], all[i-1])
				}
			}
			// The other direction lists exactly the reverse, ties included.
			rf := c.f
			rf.Desc = !rf.Desc
			back := listAll(t, s, rf)
			slices.Reverse(back)
			for i := range back {
				if back[i].ID != all[i].ID {
					t.Fatalf("reversed, item %d is %s, want %s", i, back[i].ID, all[i].ID)
				}
			}
		})
	}
}

// listAll lists every item f passes, a page of 40 at a time.
func listAll(t *testing.T, s review.Store, f review.Filter) []review.Item {
	t.Helper()
	var all []review.Item
	for off := 0; ; {
		f.Offset, f.Limit, f.Now = off, 40, t0
		p, err := s.List(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, p.Items...)
		off += len(p.Items)
		if !p.More {
			return all
		}
	}
}
