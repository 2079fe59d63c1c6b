package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestTrainHeadThenScoreAndEvalThroughIt trains with a head on a corpus
// whose hate is broader than the toy set's, then scores and evaluates
// through it from the command line: the head's reading is reported under
// the label's own name only when asked for, and the output says so.
func TestTrainHeadThenScoreAndEvalThroughIt(t *testing.T) {
	dir := t.TempDir()
	words := []string{"الجو", "حلو", "رايحة", "والسوق", "بالمقهى", "اليوم", "الفطور", "جاي"}
	var b strings.Builder
	for i := range 300 {
		labels := "[]"
		text := fmt.Sprintf("%s %s %s %d", words[i%8], words[(i/8)%8], words[(i+3)%8], i)
		if i%5 == 0 {
			labels, text = `["hate"]`, fmt.Sprintf("سخيف %s %s %d", words[i%8], words[(i/8)%8], i)
		}
		fmt.Fprintf(&b, `{"text":%q,"labels":%s,"annotates":["hate"]}`+"\n", text, labels)
	}
	broad := filepath.Join(dir, "broad.jsonl")
	if err := os.WriteFile(broad, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	toy := "../../testdata/models/toy-train.jsonl"
	model := filepath.Join(dir, "m")
	runOK := func(args ...string) (string, string) {
		t.Helper()
		var stdout, stderr bytes.Buffer
		if code := run(&Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr}, args); code != 0 {
			t.Fatalf("rasd %s exited %d: %s", strings.Join(args, " "), code, stderr.String())
		}
		return stdout.String(), stderr.String()
	}
	_, progress := runOK("train", "--data", toy+","+broad, "--out", model, "--head", "broad="+broad, "--linear-only", "--threshold-folds", "3",
		"--dim", "8", "--hidden", "8", "--buckets", "4096", "--valid-percent", "25", "--min-positives", "5")
	if !strings.Contains(progress, "head broad: hate from 1 files") {
		t.Errorf("training progress does not say what the head learns:\n%s", progress)
	}
	posts := filepath.Join(dir, "posts.jsonl")
	os.WriteFile(posts, []byte(`{"id":"rude","text":"سخيف الجو حلو"}`+"\n"+`{"id":"calm","text":"الجو حلو اليوم"}`+"\n"), 0o644)
	type scored struct {
		ID     string             `json:"id"`
		Scores map[string]float64 `json:"scores"`
		Flags  []string           `json:"flags"`
		Model  string             `json:"model"`
	}
	read := func(out string) []scored {
		var got []scored
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			var s scored
			if err := json.Unmarshal([]byte(l), &s); err != nil {
				t.Fatal(err)
			}
			for k := range s.Scores {
				if strings.Contains(k, "@") {
					t.Errorf("%s: scores expose the head's output %q", s.ID, k)
				}
			}
			got = append(got, s)
		}
		return got
	}
	out, _ := runOK("score", "--model", model, "--in", posts)
	plain := read(out)
	out, _ = runOK("score", "--model", model, "--in", posts, "--head", "broad")
	head := read(out)
	if head[0].Model != "m@1 head broad" || plain[0].Model != "m@1" {
		t.Errorf("model fields %q and %q, want the head named when it scored", plain[0].Model, head[0].Model)
	}
	if !slices.Contains(head[0].Flags, "hate") || slices.Contains(plain[0].Flags, "hate") || slices.Contains(head[1].Flags, "hate") {
		t.Errorf("hate flags: rude %v through the head, %v without; calm %v through the head", head[0].Flags, plain[0].Flags, head[1].Flags)
	}

	evalHate := func(args ...string) float64 {
		out, _ := runOK(append([]string{"eval", "--model", model, "--data", toy, "--bootstrap", "0", "--json", "-"}, args...)...)
		var rep struct {
			Model struct {
				ID string `json:"id"`
			} `json:"model"`
			Labels []struct {
				Label string `json:"label"`
				F1    struct {
					Value float64 `json:"value"`
				} `json:"f1"`
			} `json:"labels"`
		}
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("eval report: %v\n%s", err, out)
		}
		if want := "m@1"; len(args) > 0 {
			want += " head broad"
			if rep.Model.ID != want {
				t.Errorf("eval report model %q, want %q", rep.Model.ID, want)
			}
		}
		for _, l := range rep.Labels {
			if strings.Contains(l.Label, "@") {
				t.Errorf("eval reports the head's output %q", l.Label)
			}
			if l.Label == "hate" {
				return l.F1.Value
			}
		}
		t.Fatalf("eval report has no hate: %s", out)
		return 0
	}
	// On the toy set, whose rude posts are not hate, the broad reading
	// flags them: hate F1 falls through the head.
	if own, through := evalHate(), evalHate("--head", "broad"); !(own > through+0.1) {
		t.Errorf("hate F1 on the toy set: %.3f by the model's own label, %.3f through the broad corpus's head", own, through)
	}

	var stderr bytes.Buffer
	if code := run(&Env{Stdin: strings.NewReader(""), Stdout: &bytes.Buffer{}, Stderr: &stderr}, []string{"score", "--model", model, "--in", posts, "--head", "nope"}); code != 1 || !strings.Contains(stderr.String(), "heads: broad") {
		t.Errorf("score through an unknown head: exit %d, %q", code, stderr.String())
	}
	stderr.Reset()
	if code := run(&Env{Stdin: strings.NewReader(""), Stdout: &bytes.Buffer{}, Stderr: &stderr}, []string{"train", "--data", toy, "--out", model, "--head", "broad"}); code != 2 || !strings.Contains(stderr.String(), "NAME=FILE") {
		t.Errorf("train --head without files: exit %d, %q", code, stderr.String())
	}
}
