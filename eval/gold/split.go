package gold

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
)

// Split names.
const (
	Train = "train"
	Dev   = "dev"
	Test  = "test"
)

// SplitNames lists the splits in file order.
var SplitNames = []string{Train, Dev, Test}

// Target shares of each functionality's items; train gets the rest.
const (
	TestShare = 0.45
	DevShare  = 0.15
)

// DefaultSeed is the seed of the committed split.
const DefaultSeed = "rasd-iraqi-gold-v1"

// Split assigns every item a split from scratch: within each functionality,
// items are ordered by a hash of seed and id, and the first ~45% go to test,
// the next ~15% to dev and the rest to train. The result maps id to split.
func Split(items []Item, seed string) map[string]string {
	return Assign(items, seed, nil)
}

// Assign is Split that keeps the split of every id already in existing
// (ids in existing that are no longer items are dropped). New items of a
// functionality fill whichever splits are short of their share first, so the
// set stays stratified as it grows.
//
// Template groups are never split: items of one group (GroupKey: the
// template chain followed to its end, so a variant of a variant joins its
// source's group, and items sharing a frame template join each other) all
// take one split, whatever existing says, so that a spelling variant is never
// scored in test while its source was trained on. The group's split is its
// source item's when the group has one (the source is assigned by its
// functionality like any item), else that of the member that comes first by
// hash of seed and id.
func Assign(items []Item, seed string, existing map[string]string) map[string]string {
	out := assignStratified(items, seed, existing)
	keys := GroupKeys(items)
	byID := make(map[string]bool, len(items))
	for _, it := range items {
		byID[it.ID] = true
	}
	leader := map[string]string{}
	for _, it := range items {
		k := keys[it.ID]
		if byID[k] {
			leader[k] = k
			continue
		}
		if l, ok := leader[k]; !ok || hashID(seed, it.ID) < hashID(seed, l) || hashID(seed, it.ID) == hashID(seed, l) && it.ID < l {
			leader[k] = it.ID
		}
	}
	for _, it := range items {
		out[it.ID] = out[leader[keys[it.ID]]]
	}
	return out
}

// GroupKeys returns each item's template group (by id): its template chain
// is followed while the template is another item of the set; the key is the
// last item's template when that is not an item (a frame name), else the
// last item's id. A cycle ends at the first item seen twice.
func GroupKeys(items []Item) map[string]string {
	byID := make(map[string]*Item, len(items))
	for i := range items {
		byID[items[i].ID] = &items[i]
	}
	keys := make(map[string]string, len(items))
	for _, it := range items {
		id := it.ID
		seen := map[string]bool{}
		for !seen[id] {
			seen[id] = true
			cur := byID[id]
			if cur.Template == "" {
				break
			}
			if _, ok := byID[cur.Template]; !ok {
				id = cur.Template
				break
			}
			id = cur.Template
		}
		keys[it.ID] = id
	}
	return keys
}

// assignStratified is Assign without the template rule.
func assignStratified(items []Item, seed string, existing map[string]string) map[string]string {
	byFunc := map[string][]Item{}
	for _, it := range items {
		byFunc[it.Functionality] = append(byFunc[it.Functionality], it)
	}
	out := make(map[string]string, len(items))
	for _, group := range byFunc {
		n := len(group)
		want := map[string]int{
			Test: int(math.Round(TestShare * float64(n))),
			Dev:  int(math.Round(DevShare * float64(n))),
		}
		want[Train] = n - want[Test] - want[Dev]
		var fresh []Item
		for _, it := range group {
			if s, ok := existing[it.ID]; ok && isSplit(s) {
				out[it.ID] = s
				want[s]--
				continue
			}
			fresh = append(fresh, it)
		}
		sort.Slice(fresh, func(i, j int) bool {
			hi, hj := hashID(seed, fresh[i].ID), hashID(seed, fresh[j].ID)
			if hi != hj {
				return hi < hj
			}
			return fresh[i].ID < fresh[j].ID
		})
		for _, it := range fresh {
			s := Train
			for _, name := range []string{Test, Dev, Train} {
				if want[name] > 0 {
					s = name
					break
				}
			}
			want[s]--
			out[it.ID] = s
		}
	}
	return out
}

func isSplit(s string) bool { return s == Train || s == Dev || s == Test }

func hashID(seed, id string) string {
	sum := sha256.Sum256([]byte(seed + "\x00" + id))
	return string(sum[:])
}

// ReadSplits reads a splits.json file (id → split). A missing file gives an
// empty map and no error.
func ReadSplits(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading splits: %w", err)
	}
	m := map[string]string{}
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("decoding %s: %w", path, err)
	}
	for id, s := range m {
		if !isSplit(s) {
			return nil, fmt.Errorf("%s: id %q has unknown split %q", path, id, s)
		}
	}
	return m, nil
}

// Write writes train.jsonl, dev.jsonl, test.jsonl (items sorted by id) and
// splits.json into dir. Every item must have a split.
func Write(dir string, items []Item, splits map[string]string) error {
	bufs := map[string]*bytes.Buffer{Train: {}, Dev: {}, Test: {}}
	sorted := append([]Item(nil), items...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].ID < sorted[j].ID })
	for _, it := range sorted {
		s, ok := splits[it.ID]
		if !ok || !isSplit(s) {
			return fmt.Errorf("item %s has no split", it.ID)
		}
		if it.Labels == nil {
			it.Labels = []string{}
		}
		enc := json.NewEncoder(bufs[s])
		enc.SetEscapeHTML(false)
		if err := enc.Encode(it); err != nil {
			return fmt.Errorf("encoding %s: %w", it.ID, err)
		}
	}
	for _, s := range SplitNames {
		p := filepath.Join(dir, s+".jsonl")
		if err := os.WriteFile(p, bufs[s].Bytes(), 0o644); err != nil {
			return fmt.Errorf("writing %s split: %w", s, err)
		}
	}
	keep := make(map[string]string, len(items))
	for _, it := range items {
		keep[it.ID] = splits[it.ID]
	}
	data, err := json.MarshalIndent(keep, "", " ")
	if err != nil {
		return fmt.Errorf("encoding splits: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "splits.json"), append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("writing splits: %w", err)
	}
	return nil
}

// DefaultDir returns eval/data/iraqi-gold under the module root, found by
// walking up from the working directory to the directory holding go.mod.
func DefaultDir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("finding working directory: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "eval", "data", "iraqi-gold"), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("finding the module root: no go.mod above the working directory")
		}
		dir = parent
	}
}
