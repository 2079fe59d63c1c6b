package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rasd-iq/rasd/nlp"
)

func TestNormalizeLines(t *testing.T) {
	in := []string{
		"گاعد يحچي عن دا_عش!!!",
		"",
		"shlonak 7abibi",
		"ئەم پیاوە زۆر باشە",
		"د ا ع ش\r",
		"bad \xff byte",
	}
	code, out, errs := runCmd(t, strings.Join(in, "\n"), "normalize")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	got := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(got) != len(in) {
		t.Fatalf("got %d lines for %d input lines:\n%s", len(got), len(in), out)
	}
	for i, line := range in {
		want := nlp.Normalize(strings.TrimSuffix(line, "\r"))
		if got[i] != want {
			t.Errorf("line %d: got %q (% x), want %q", i+1, got[i], got[i], want)
		}
	}
	if got[0] != "قاعد يحكي عن داعش!" || got[4] != "داعش" {
		t.Errorf("unexpected normalisation: %q", got)
	}
}

func TestNormalizeKeepFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		in   string
		want string
	}{
		{"default", nil, "گاعد #الموت_للخونة", "قاعد الموت للخونه"},
		{"keep iraqi letters", []string{"--keep-iraqi-letters"}, "گاعد", "گاعد"},
		{"keep hashtags", []string{"--keep-hashtags"}, "#الموت_للخونة", "#الموت_للخونه"},
		{"keep diacritics and teh marbuta", []string{"--keep-diacritics", "--keep-teh-marbuta"}, "مُدَرِّسَة", "مُدَرِّسَة"},
		{"fold hamza", []string{"--fold-hamza"}, "سؤال", "سءال"},
		{"arabizi by default", nil, "wa7ed mn el-mo5abarat ygolli inta 5ayen", "واحد mn el-mo5abarat ygolli انت خاين"},
		{"read arabizi", []string{"--read-arabizi"}, "wa7ed mn el-mo5abarat ygolli inta 5ayen", "وحد من المخبرت يقلي انت خين"},
		{"read arabizi words", []string{"--read-arabizi", "--read-arabizi-words"}, "wa7ed mn el-mo5abarat ygolli inta 5ayen", "واحد من المخابرات يقول انت خاين"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := runCmd(t, tt.in+"\n", append([]string{"normalize"}, tt.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			if got := strings.TrimSuffix(out, "\n"); got != tt.want {
				t.Errorf("got %q (% x), want %q", got, got, tt.want)
			}
		})
	}
}

func TestNormalizeJSONL(t *testing.T) {
	in := `{"id":"1","text":"چان گاعد","labels":[]}
{"id":"2","text":"da3esh <script>","n":1.50}

{"id":"3","text":"ماكو شي"}
`
	code, out, errs := runCmd(t, in, "normalize", "--jsonl")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	want := []struct{ id, text string }{{"1", "كان قاعد"}, {"2", "داعش <script>"}, {"", ""}, {"3", "ماكو شي"}}
	if len(lines) != len(want) {
		t.Fatalf("got %d lines, want %d:\n%s", len(lines), len(want), out)
	}
	for i, line := range lines {
		if want[i].id == "" {
			if line != "" {
				t.Errorf("blank line %d became %q", i+1, line)
			}
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("line %d not JSON: %v: %s", i+1, err, line)
		}
		if rec["id"] != want[i].id || rec["text"] != want[i].text {
			t.Errorf("line %d = %s, want id %s text %q", i+1, line, want[i].id, want[i].text)
		}
	}
	if !strings.Contains(lines[1], `"n":1.50`) || !strings.Contains(lines[0], `"labels":[]`) {
		t.Errorf("other fields not kept as they were: %s", out)
	}
}

func TestNormalizeJSONLBadLines(t *testing.T) {
	in := `{"text":"شكو"}
{"text": broken
["not", "an object"]
{"id":"4"}
{"text":42}
{"text":"ماكو"}
`
	code, out, errs := runCmd(t, in, "normalize", "--jsonl")
	if code != 1 {
		t.Fatalf("exit %d, want 1; stderr %q", code, errs)
	}
	if !strings.Contains(errs, "4 of 6 lines") || !strings.Contains(errs, "line 2: invalid JSON") {
		t.Errorf("stderr %q does not name the count and the first bad line", errs)
	}
	if n := strings.Count(errs, "\n"); n != 1 {
		t.Errorf("stderr has %d lines, want one: %q", n, errs)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 6 {
		t.Fatalf("got %d output lines for 6 input lines:\n%s", len(lines), out)
	}
	wantErr := []bool{false, true, true, true, true, false}
	for i, line := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("line %d not JSON: %s", i+1, line)
		}
		_, isErr := rec["error"]
		if isErr != wantErr[i] {
			t.Errorf("line %d = %s, error record %v, want %v", i+1, line, isErr, wantErr[i])
		}
		if isErr && rec["line"] != float64(i+1) {
			t.Errorf("error record %s names line %v, want %d", line, rec["line"], i+1)
		}
	}
	if !strings.Contains(lines[5], `"text":"ماكو"`) {
		t.Errorf("lines after bad ones not processed: %s", lines[5])
	}
}

func TestNormalizeExplain(t *testing.T) {
	in := "شكو ماكو؟ wallah گاعد\nئەم پیاوە زۆر باشە\n"
	code, out, errs := runCmd(t, in, "normalize", "--explain")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d lines, want 2:\n%s", len(lines), out)
	}
	var e struct {
		Line    int
		Text    string
		Kurdish bool
		Script  nlp.ScriptMix
		Steps   []string
		Markers []string
	}
	if err := json.Unmarshal([]byte(lines[0]), &e); err != nil {
		t.Fatalf("not JSON: %v: %s", err, lines[0])
	}
	if e.Line != 1 || e.Text != "شكو ماكو؟ والله قاعد" || e.Kurdish {
		t.Errorf("line 1 explanation = %+v", e)
	}
	if e.Script.Arabic != 3 || e.Script.Arabizi != 1 {
		t.Errorf("script mix = %+v, want 3 Arabic and 1 Arabizi", e.Script)
	}
	if !slices.Equal(e.Markers, []string{"شكو", "ماكو", "گاعد"}) {
		t.Errorf("markers = %v", e.Markers)
	}
	if !slices.Contains(e.Steps, "arabizi") || !slices.Contains(e.Steps, "iraqi-letters") {
		t.Errorf("steps = %v, want arabizi and iraqi-letters", e.Steps)
	}
	if err := json.Unmarshal([]byte(lines[1]), &e); err != nil {
		t.Fatalf("not JSON: %v: %s", err, lines[1])
	}
	if !e.Kurdish || e.Script.Kurdish != 4 || e.Line != 2 {
		t.Errorf("line 2 explanation = %+v, want Kurdish", e)
	}

	code, out, errs = runCmd(t, `{"id":"x","text":"شلونك"}`+"\n", "normalize", "--jsonl", "--explain")
	if code != 0 {
		t.Fatalf("jsonl explain exit %d: %s", code, errs)
	}
	if !strings.Contains(out, `"normalize":{`) || !strings.Contains(out, `"markers":["شلونك"]`) {
		t.Errorf("jsonl --explain output lacks the explanation: %s", out)
	}
}

func TestNormalizeFiles(t *testing.T) {
	dir := t.TempDir()
	inPath := filepath.Join(dir, "in.txt")
	outPath := filepath.Join(dir, "out.txt")
	if err := os.WriteFile(inPath, []byte("هههههه\nموووت"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCmd(t, "", "normalize", "--in", inPath, "--out", outPath)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	b, err := os.ReadFile(outPath)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != "ه\nموت\n" {
		t.Errorf("output file = %q", b)
	}
	code, _, errs = runCmd(t, "", "normalize", "--in", filepath.Join(dir, "missing.txt"))
	if code != 1 || !strings.Contains(errs, "missing.txt") {
		t.Errorf("missing input: exit %d, stderr %q; want 1 naming the file", code, errs)
	}
	code, _, errs = runCmd(t, "", "normalize", "extra")
	if code != 2 || !strings.Contains(errs, `unexpected argument "extra"`) {
		t.Errorf("stray argument: exit %d, stderr %q; want 2", code, errs)
	}
}
