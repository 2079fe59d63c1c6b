package eval_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rasd-iq/rasd/eval"
	"github.com/rasd-iq/rasd/eval/dataset"
	"github.com/rasd-iq/rasd/eval/evaltest"
)

func TestTrafficCountsSeriousFlagsByDialect(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "posts.jsonl")
	lines := []string{
		`{"id":"1","text":"اقتلوهم","labels":null,"dialect":"iraqi"}`,
		`{"id":"2","text":"صباح الخير","labels":null,"dialect":"iraqi"}`,
		``,
		`{"id":"3","text":"كلام زفت","labels":null,"dialect":"gulf"}`,
		`{"id":"4","text":"مباراة حلوة","dialect":"gulf"}`,
	}
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	posts, sums, err := eval.LoadTraffic([]string{p})
	if err != nil {
		t.Fatal(err)
	}
	if len(posts) != 4 || posts[2].Dialect != "gulf" {
		t.Fatalf("loaded %+v", posts)
	}
	m := &evaltest.Fake{Name: "fake@1", Keywords: map[string][]string{"incitement": {"اقتلوهم"}, "offensive": {"زفت"}},
		Thresh: map[string]float64{"incitement": 0.6, "offensive": 0.6}}
	var out bytes.Buffer
	r, err := eval.Traffic(context.Background(), m, posts, []string{p}, sums, nil, 3, &out)
	if err != nil {
		t.Fatal(err)
	}
	if r.Posts != 4 || r.Flagged != 1 || r.AnyFlagged != 2 || float64(r.Rate) != 0.25 || float64(r.PerTenThousand) != 2500 {
		t.Fatalf("result %+v", r)
	}
	if r.Iraqi == nil || r.Iraqi.Posts != 2 || r.Iraqi.Flagged != 1 || len(r.Groups) != 2 {
		t.Fatalf("groups %+v iraqi %+v", r.Groups, r.Iraqi)
	}
	var f eval.TrafficFlag
	if err := json.Unmarshal(out.Bytes(), &f); err != nil || f.ID != "1" || !strings.Contains(f.Model, "fake@1") || f.Flags[0] != "incitement" {
		t.Fatalf("flagged file %q: %v", out.String(), err)
	}
	if strings.Count(out.String(), "\n") != 1 {
		t.Fatalf("only the serious flag is written, got %q", out.String())
	}
}

func TestLoadTrafficRejectsBadLines(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{"broken": `{"text":`, "notext": `{"id":"x"}`, "empty": "\n\n"} {
		p := filepath.Join(dir, name+".jsonl")
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, _, err := eval.LoadTraffic([]string{p}); err == nil || !strings.Contains(err.Error(), p) && name != "empty" {
			t.Errorf("%s: error %v", name, err)
		} else if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestEvaluateLeavesOutLabelsTheDataDoesNotAnnotate(t *testing.T) {
	data := strings.Join([]string{
		`{"text":"اقتلوهم زفت","labels":["hate","offensive"],"annotates":["hate"]}`,
		`{"text":"صباح الخير","labels":[],"annotates":["hate"]}`,
		`{"text":"كلام زفت","labels":[],"annotates":["hate"]}`,
	}, "\n")
	d, err := dataset.Parse([]byte(data), dataset.Options{Format: dataset.JSONL})
	if err != nil {
		t.Fatal(err)
	}
	m := &evaltest.Fake{Name: "fake@1", Keywords: map[string][]string{"hate": {"اقتلوهم"}, "offensive": {"زفت"}}}
	r, err := eval.Evaluate(context.Background(), m, d, eval.Options{Bootstrap: eval.BootstrapOptions{Resamples: -1}})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Labels) != 1 || r.Labels[0].Label != "hate" || r.Labels[0].Negatives != 2 {
		t.Fatalf("labels evaluated: %+v", r.Labels)
	}
	if len(r.Data.NotAnnotated) != 1 || r.Data.NotAnnotated[0] != "offensive" {
		t.Errorf("not annotated = %v, want [offensive]", r.Data.NotAnnotated)
	}
}
