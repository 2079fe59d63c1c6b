package policy

import (
	"bytes"
	"slices"
	"testing"
)

func TestChangeEvent(t *testing.T) {
	old := Default()
	edited := bytes.Replace(DefaultYAML(), []byte("    priority: 4\n"), []byte("    priority: 3\n"), 1)
	edited = bytes.Replace(edited, []byte("  - id: harassment-named-person\n"), []byte("  - id: harassment-person\n"), 1)
	edited = bytes.ReplaceAll(edited, []byte(", harassment-named-person]"), []byte(", harassment-person]"))
	nw, err := Parse("new.yaml", edited)
	if err != nil {
		t.Fatal(err)
	}
	ev := ChangeEvent("R-admin", old, nw)
	d := ev.Details.(map[string]any)
	if ev.Type != "policy_change" || ev.Actor != "R-admin" || d["version_unchanged"] != true {
		t.Fatalf("event %+v", ev)
	}
	rules := d["rules"].(Diff)
	if !slices.Equal(rules.Added, []string{"harassment-person"}) || !slices.Equal(rules.Removed, []string{"harassment-named-person"}) ||
		!slices.Equal(rules.Changed, []string{"blackmail-support", "hate-words-dehumanising", "incitement-defender", "incitement-targeted", "incitement-words-defender", "incitement-words-named", "threat-defender", "threat-doxxing", "threat-named-person", "threat-words-defender", "threat-words-doxxing", "threat-words-named"}) {
		t.Fatalf("rules diff %+v", rules)
	}
	if lb := d["labels"].(Diff); len(lb.Added)+len(lb.Removed)+len(lb.Changed) != 0 || d["protected_changed"] != false {
		t.Fatalf("labels diff %+v", lb)
	}
	first := ChangeEvent("R-admin", nil, old).Details.(map[string]any)
	if first["to_version"] != old.Version || first["from_version"] != nil {
		t.Fatalf("first load %+v", first)
	}
}
