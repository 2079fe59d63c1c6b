package audit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func appendN(t *testing.T, l *Log, n int, prefix string) []Entry {
	t.Helper()
	var out []Entry
	for i := range n {
		e, err := l.Append(Event{
			ID: fmt.Sprintf("%s-%d", prefix, i), Type: TypeDecision, Actor: "R-07",
			Subject: fmt.Sprintf("telegram:%d", i),
			Details: map[string]any{"verdict": "dismissed", "note": "<b>عبارة</b> & more", "n": 12345678901234567},
		})
		if err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
		out = append(out, e)
	}
	return out
}

func TestAppendVerifyReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "audit.jsonl")
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	first := appendN(t, l, 3, "a")
	if first[0].Prev != GenesisHash || first[1].Prev != first[0].Hash || first[2].Seq != 2 {
		t.Fatalf("chain not linked: %+v", first)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Append(Event{Type: TypeLogin, Actor: "x"}); err == nil {
		t.Fatal("append after close succeeded")
	}

	l2, err := Open(path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	if h, n := l2.Head(); h != first[2].Hash || n != 3 {
		t.Fatalf("reopened head = %s,%d; want %s,3", h, n, first[2].Hash)
	}
	more := appendN(t, l2, 2, "b")
	l2.Close()
	if more[0].Prev != first[2].Hash || more[0].Seq != 3 {
		t.Fatalf("reopen did not continue the chain: %+v", more[0])
	}
	n, head, err := VerifyFile(path)
	if err != nil || n != 5 || head != more[1].Hash {
		t.Fatalf("VerifyFile = %d, %s, %v; want 5, %s, nil", n, head, err, more[1].Hash)
	}
	data, _ := os.ReadFile(path)
	entries, err := ReadAll(bytes.NewReader(data))
	if err != nil || len(entries) != 5 {
		t.Fatalf("ReadAll = %d entries, %v", len(entries), err)
	}
	var details map[string]any
	if err := json.Unmarshal(entries[0].Details, &details); err != nil || details["note"] != "<b>عبارة</b> & more" {
		t.Fatalf("details not kept: %s (%v)", entries[0].Details, err)
	}
	if !bytes.Contains(data, []byte("12345678901234567")) {
		t.Fatal("large number not kept exactly")
	}
}

func TestAppendRejectsBadEvents(t *testing.T) {
	l, err := Open(filepath.Join(t.TempDir(), "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for _, tc := range []struct {
		name string
		ev   Event
		want string
	}{
		{"no type", Event{Actor: "a"}, "event type is empty"},
		{"no actor", Event{Type: TypeLogin}, "actor is empty"},
		{"details not an object", Event{Type: TypeLogin, Actor: "a", Details: []int{1}}, "must be a JSON object"},
		{"details not encodable", Event{Type: TypeLogin, Actor: "a", Details: map[string]any{"f": func() {}}}, "encoding details"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := l.Append(tc.ev); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
	if _, n := l.Head(); n != 0 {
		t.Fatalf("bad events were stored: %d entries", n)
	}
}

// rewrite changes line i of the log with f; it stands for an attacker or a
// faulty tool, since the application never rewrites the log.
func rewrite(t *testing.T, path string, f func(lines []string) []string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(data), "\n")
	lines = lines[:len(lines)-1] // empty after the final newline
	if err := os.WriteFile(path, []byte(strings.Join(f(lines), "")), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyFindsFirstBrokenEntry(t *testing.T) {
	for _, tc := range []struct {
		name      string
		tamper    func(lines []string) []string
		wantIndex int
		wantID    string
		reason    string
	}{
		{"content altered", func(l []string) []string {
			l[2] = strings.Replace(l[2], "dismissed", "referred", 1)
			return l
		}, 2, "e-2", "entry altered"},
		{"content altered and hash recomputed", func(l []string) []string {
			var e Entry
			json.Unmarshal([]byte(l[1]), &e)
			e.Actor = "R-99"
			e.Hash, _ = hashOf(e)
			b, _ := json.Marshal(e)
			l[1] = string(b) + "\n"
			return l
		}, 2, "e-2", "previous-hash link"},
		{"entry removed", func(l []string) []string { return append(l[:1], l[2:]...) }, 1, "e-2", "sequence number"},
		{"entries swapped", func(l []string) []string { l[1], l[2] = l[2], l[1]; return l }, 1, "e-2", "sequence number"},
		{"garbage line", func(l []string) []string { l[3] = "not json\n"; return l }, 3, "", "not valid JSON"},
		{"unknown field added", func(l []string) []string {
			l[0] = strings.Replace(l[0], `{"seq"`, `{"extra":1,"seq"`, 1)
			return l
		}, 0, "e-0", "not valid JSON"},
		{"partial last line", func(l []string) []string {
			l[3] = strings.TrimSuffix(l[3], "\n")
			return l
		}, 3, "e-3", "incomplete"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "audit.jsonl")
			l, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			appendN(t, l, 4, "e")
			l.Close()
			rewrite(t, path, tc.tamper)

			n, _, err := VerifyFile(path)
			var be *BrokenError
			if !errors.As(err, &be) || !errors.Is(err, ErrBroken) {
				t.Fatalf("VerifyFile err = %v, want *BrokenError", err)
			}
			if be.Index != tc.wantIndex || be.ID != tc.wantID || n != tc.wantIndex || !strings.Contains(be.Reason, tc.reason) {
				t.Fatalf("broken at %d (id %q, %q) after %d good; want %d (id %q, %q)", be.Index, be.ID, be.Reason, n, tc.wantIndex, tc.wantID, tc.reason)
			}
			if _, err := Open(path); !errors.Is(err, ErrBroken) {
				t.Fatalf("Open of a broken log = %v, want ErrBroken", err)
			}
		})
	}
}

func TestConcurrentAppends(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	// Two Logs on one file stand for two processes; flock serialises them.
	a, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	const workers, each = 8, 25
	var wg sync.WaitGroup
	for w := range workers {
		l := a
		if w%2 == 1 {
			l = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if _, err := l.Append(Event{Type: TypeExport, Actor: fmt.Sprintf("w%d", w), Subject: fmt.Sprint(i), Time: time.Unix(0, 0)}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	a.Close()
	b.Close()
	n, _, err := VerifyFile(path)
	if err != nil || n != workers*each {
		t.Fatalf("after concurrent appends: %d entries verified, err %v; want %d", n, err, workers*each)
	}
}

func TestVerifyEmpty(t *testing.T) {
	n, err := Verify(strings.NewReader(""))
	if n != 0 || err != nil {
		t.Fatalf("Verify(empty) = %d, %v", n, err)
	}
}

func ExampleVerify() {
	dir, _ := os.MkdirTemp("", "audit")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "audit.jsonl")
	l, _ := Open(path)
	l.Append(Event{ID: "login-1", Type: TypeLogin, Actor: "R-07"})
	l.Append(Event{ID: "dec-1", Type: TypeDecision, Actor: "R-07", Subject: "telegram:42", Details: map[string]string{"verdict": "dismissed"}})
	l.Close()

	data, _ := os.ReadFile(path)
	n, err := Verify(bytes.NewReader(data))
	fmt.Println(n, err)

	data = bytes.Replace(data, []byte("dismissed"), []byte("referred"), 1)
	n, err = Verify(bytes.NewReader(data))
	fmt.Println(n, err)
	// Output:
	// 2 <nil>
	// 1 audit chain broken at entry 1 (id dec-1): hash does not match the entry's content (entry altered)
}

func BenchmarkAppend(b *testing.B) {
	l, err := Open(filepath.Join(b.TempDir(), "audit.jsonl"))
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	ev := Event{Type: TypeRouting, Actor: "policy", Subject: "telegram:1", Details: map[string]any{"rule_id": "hate-speech", "labels": []string{"hate"}}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := l.Append(ev); err != nil {
			b.Fatal(err)
		}
	}
}

func TestAppendBatch(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	appendN(t, l, 1, "one")
	es, err := l.AppendBatch([]Event{{Type: TypeRouting, Actor: "policy", Subject: "a"}, {Type: TypeRouting, Actor: "policy", Subject: "b"}})
	if err != nil || len(es) != 2 || es[0].Seq != 1 || es[1].Prev != es[0].Hash {
		t.Fatalf("batch = %+v, %v", es, err)
	}
	if _, err := l.AppendBatch([]Event{{Type: TypeRouting, Actor: "policy"}, {Type: TypeRouting}}); err == nil {
		t.Fatal("batch with an invalid event accepted")
	}
	n, head, err := VerifyFile(path)
	if err != nil || n != 3 || head != es[1].Hash {
		t.Fatalf("after batches: %d %s %v", n, head, err)
	}
}

func BenchmarkAppendBatch100(b *testing.B) {
	l, err := Open(filepath.Join(b.TempDir(), "audit.jsonl"))
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	evs := make([]Event, 100)
	for i := range evs {
		evs[i] = Event{Type: TypeRouting, Actor: "policy", Subject: fmt.Sprint(i), Details: map[string]any{"rule_id": "hate-speech"}}
	}
	for b.Loop() {
		if _, err := l.AppendBatch(evs); err != nil {
			b.Fatal(err)
		}
	}
}

func TestCanonicalDetailsMustBeAnObject(t *testing.T) {
	l, err := Open(filepath.Join(t.TempDir(), "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for _, bad := range []string{"", "[1]", `{"a":`, "null"} {
		if _, err := l.Append(Event{Type: TypeRouting, Actor: "policy", Details: CanonicalDetails(bad)}); err == nil {
			t.Errorf("details %q accepted", bad)
		}
	}
	if _, err := l.Append(Event{Type: TypeRouting, Actor: "policy", Details: CanonicalDetails(`{"a":1}`)}); err != nil {
		t.Fatal(err)
	}
}
