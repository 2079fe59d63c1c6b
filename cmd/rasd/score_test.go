package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// toyModel trains a small model on testdata/models/toy-train.jsonl with the
// rasd train command and returns its directory.
func toyModel(t *testing.T) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "toy")
	var stdout, stderr bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr}
	code := run(env, []string{"train", "--data", "../../testdata/models/toy-train.jsonl", "--out", out,
		"--epochs", "2", "--dim", "8", "--hidden", "8", "--buckets", "4096", "--valid-percent", "25", "--min-positives", "5"})
	if code != 0 {
		t.Fatalf("rasd train exited %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "wrote "+out+" (toy@1)") || !strings.Contains(stderr.String(), "epoch 2/2") {
		t.Fatalf("rasd train output: %q / %q", stdout.String(), stderr.String())
	}
	return out
}

func TestTrainThenScore(t *testing.T) {
	if _, err := os.Stat("../../testdata/models/posts.jsonl"); err != nil {
		t.Fatal(err)
	}
	model := toyModel(t)
	var stdout, stderr bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr}
	if code := run(env, []string{"score", "--model", model, "--in", "../../testdata/models/posts.jsonl"}); code != 0 {
		t.Fatalf("rasd score exited %d: %s", code, stderr.String())
	}
	lines := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
	if len(lines) != 6 {
		t.Fatalf("want 6 output lines (blank input line skipped), got %d:\n%s", len(lines), stdout.String())
	}
	type out struct {
		ID      string             `json:"id"`
		Scores  map[string]float64 `json:"scores"`
		Flags   []string           `json:"flags"`
		Context []string           `json:"context"`
		Spans   []struct {
			Start, End  int
			Label, Term string
		} `json:"spans"`
		Model string          `json:"model"`
		Text  string          `json:"text"`
		Lang  string          `json:"lang"`
		Meta  json.RawMessage `json:"meta"`
		Line  int             `json:"line"`
		Error string          `json:"error"`
	}
	var got []out
	for i, l := range lines {
		var o out
		if err := json.Unmarshal([]byte(l), &o); err != nil {
			t.Fatalf("line %d is not JSON: %v\n%s", i+1, err, l)
		}
		got = append(got, o)
	}
	p1 := got[0]
	if p1.ID != "p1" || p1.Model != "toy@1" || p1.Lang != "ar" || p1.Text == "" || len(p1.Scores) != 3 {
		t.Errorf("p1 = %+v", p1)
	}
	if strings.Join(p1.Flags, ",") != "hate,offensive" {
		t.Errorf("p1 flags = %v (scores %v), want hate,offensive", p1.Flags, p1.Scores)
	}
	if len(p1.Spans) != 1 || p1.Text[p1.Spans[0].Start:p1.Spans[0].End] != "جرذان" || p1.Spans[0].Label != "hate" {
		t.Errorf("p1 spans = %+v", p1.Spans)
	}
	if got[1].ID != "p2" || len(got[1].Flags) != 0 || got[1].Flags == nil {
		t.Errorf("p2 = %+v, want no flags as an empty list", got[1])
	}
	for i, want := range []struct {
		line int
		err  string
	}{{3, "invalid JSON"}, {4, "no \"text\""}, {5, "not a string"}} {
		o := got[2+i]
		if o.Line != want.line || !strings.Contains(o.Error, want.err) {
			t.Errorf("error record %d = %+v, want line %d mentioning %q", i, o, want.line, want.err)
		}
	}
	last := got[5]
	if last.ID != "p7" || string(last.Meta) != `{"n":[1,2,{"x":null}]}` || strings.Join(last.Context, ",") != "counter_speech" {
		t.Errorf("p7 = %+v, want other fields kept verbatim and counter_speech context", last)
	}
	if s := stderr.String(); !strings.Contains(s, "3 posts scored") || !strings.Contains(s, "3 malformed lines (first: line 3)") {
		t.Errorf("summary = %q", s)
	}
}

func TestScoreAndTrainMisuse(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"score bad device", []string{"score", "--device", "tpu"}, 2, "--device must be cpu or cuda"},
		{"score bad batch", []string{"score", "--batch", "0"}, 2, "--batch"},
		{"score extra arg", []string{"score", "x"}, 2, "unexpected argument"},
		{"score missing model", []string{"score", "--model", "/nonexistent/model"}, 1, "reading model card"},
		{"train no data", []string{"train", "--out", "x"}, 2, "--data and --out are required"},
		{"train bad buckets", []string{"train", "--data", "a", "--out", "b", "--buckets", "1000"}, 2, "power of two"},
		{"train one fold", []string{"train", "--data", "a", "--out", "b", "--threshold-folds", "1"}, 2, "0 or at least 2"},
		{"train missing file", []string{"train", "--data", "/nonexistent.jsonl", "--out", "/tmp/x"}, 1, "nonexistent.jsonl"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(&Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr}, tc.args)
			if code != tc.code || !strings.Contains(stderr.String(), tc.want) || strings.Count(stderr.String(), "\n") != 1 {
				t.Errorf("exit %d, stderr %q; want exit %d and one line mentioning %q", code, stderr.String(), tc.code, tc.want)
			}
		})
	}
}

func TestScoreCUDAFallbackSaysSoOnce(t *testing.T) {
	model := toyModel(t)
	var stdout, stderr bytes.Buffer
	env := &Env{Stdin: strings.NewReader(`{"id":"a","text":"الجو حلو"}` + "\n"), Stdout: &stdout, Stderr: &stderr}
	if code := run(env, []string{"score", "--model", model, "--device", "cuda", "--threads", "2"}); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), `"id":"a"`) {
		t.Errorf("no scored line: %q", stdout.String())
	}
	if strings.Contains(stderr.String(), "scoring on the cpu") {
		lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
		if len(lines) != 2 || strings.Count(stderr.String(), "cuda") != 1 {
			t.Errorf("want one warning line and the summary, got:\n%s", stderr.String())
		}
	} else if strings.Contains(stderr.String(), "cuda") {
		t.Errorf("unexpected cuda output:\n%s", stderr.String())
	}
}

func TestScoreReplacesInvalidUTF8(t *testing.T) {
	model := toyModel(t)
	in := "{\"id\":\"a\xff\",\"text\":\"الجو \xff حلو\",\"note\":\"x\xfe\xffy\",\"k\xff\":1}\n" +
		"not json \xff\n"
	var stdout, stderr bytes.Buffer
	env := &Env{Stdin: strings.NewReader(in), Stdout: &stdout, Stderr: &stderr}
	if code := run(env, []string{"score", "--model", model, "--threads", "1"}); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	out := stdout.Bytes()
	if !utf8.Valid(out) {
		t.Fatalf("output holds invalid UTF-8: % x", out)
	}
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 output lines, got %q", out)
	}
	var post struct {
		ID, Text, Note string
	}
	var fields map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &post); err != nil {
		t.Fatalf("line 1 is not JSON: %v\n%s", err, lines[0])
	}
	json.Unmarshal([]byte(lines[0]), &fields)
	if post.Text != "الجو \ufffd حلو" || post.Note != "x\ufffd\ufffdy" || fields["k\ufffd"] != 1.0 || post.ID != "a\ufffd" {
		t.Errorf("line 1 = %+v (% x); want each invalid byte replaced by U+FFFD", post, lines[0])
	}
	var bad struct {
		Line  int
		Error string
	}
	if err := json.Unmarshal([]byte(lines[1]), &bad); err != nil || bad.Line != 2 || bad.Error == "" {
		t.Errorf("line 2 = %q (%v); want an error record for line 2", lines[1], err)
	}
}
