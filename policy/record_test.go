package policy

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rasd-iq/rasd/policy/audit"
)

func TestRecordChange(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	al, err := audit.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer al.Close()
	def := Default()
	data, err := os.ReadFile("default.yaml")
	if err != nil {
		t.Fatal(err)
	}
	edited := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(edited, []byte(strings.Replace(string(data), "min_reason_chars: 10", "min_reason_chars: 20", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	other, err := Load(edited)
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name  string
		p     *Policy
		wrote bool
	}{{"first run", def, true}, {"same policy", def, false}, {"edited policy", other, true}, {"edited again unchanged", other, false}, {"back", def, true}}
	for _, s := range steps {
		wrote, err := RecordChange(al, path, "rasd run", s.p)
		if err != nil || wrote != s.wrote {
			t.Fatalf("%s: wrote %v, %v; want %v", s.name, wrote, err, s.wrote)
		}
	}
	f, _ := os.Open(path)
	defer f.Close()
	es, err := audit.ReadAll(f)
	if err != nil || len(es) != 3 {
		t.Fatalf("%d entries, %v; want 3 policy changes", len(es), err)
	}
	var d map[string]any
	json.Unmarshal(es[1].Details, &d)
	if d["from_digest"] != def.Digest() || d["to_digest"] != other.Digest() || d["version_unchanged"] != true {
		t.Fatalf("second change %v: want from the default to the edit, flagged as a silent version", d)
	}
}
