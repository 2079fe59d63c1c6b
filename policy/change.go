package policy

import (
	"encoding/json"
	"reflect"
	"slices"

	"github.com/rasd-iq/rasd/policy/audit"
)

// ChangeEvent returns the audit event for replacing policy old with new
// (old may be nil on first load): versions, digests and which rules, labels
// and bases were added, removed or changed. VersionUnchanged flags an edit
// that kept the old version string, which reviewers would not notice.
func ChangeEvent(actor string, old, new *Policy) audit.Event {
	d := map[string]any{
		"to_version": new.Version,
		"to_digest":  new.Digest(),
	}
	if old != nil {
		d["from_version"] = old.Version
		d["from_digest"] = old.Digest()
		d["version_unchanged"] = old.Version == new.Version && old.Digest() != new.Digest()
		d["rules"] = diffByID(old.Rules, new.Rules, func(r Rule) string { return r.ID })
		d["labels"] = diffByID(old.Labels, new.Labels, func(l Label) string { return l.Name })
		d["bases"] = diffByID(old.Bases, new.Bases, func(b Basis) string { return b.ID })
		d["protected_changed"] = !reflect.DeepEqual(old.Protected, new.Protected)
		d["referral_changed"] = !sameJSON(old.Referral, new.Referral)
	}
	return audit.Event{Type: audit.TypePolicyChange, Actor: actor, Subject: "policy", Details: d}
}

// Diff lists the ids added, removed and changed between two lists.
type Diff struct {
	// Added are ids only in the new list.
	Added []string `json:"added"`
	// Removed are ids only in the old list.
	Removed []string `json:"removed"`
	// Changed are ids in both whose content differs.
	Changed []string `json:"changed"`
}

func diffByID[T any](old, new []T, id func(T) string) Diff {
	d := Diff{Added: []string{}, Removed: []string{}, Changed: []string{}}
	om := map[string]T{}
	for _, o := range old {
		om[id(o)] = o
	}
	nm := map[string]bool{}
	for _, n := range new {
		k := id(n)
		nm[k] = true
		o, ok := om[k]
		switch {
		case !ok:
			d.Added = append(d.Added, k)
		case !sameJSON(o, n):
			d.Changed = append(d.Changed, k)
		}
	}
	for _, o := range old {
		if !nm[id(o)] {
			d.Removed = append(d.Removed, id(o))
		}
	}
	slices.Sort(d.Added)
	slices.Sort(d.Removed)
	slices.Sort(d.Changed)
	return d
}

func sameJSON(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}
