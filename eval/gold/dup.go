package gold

import (
	"sort"
	"strings"

	"github.com/rasd-iq/rasd/nlp"
)

// NearDupThreshold is the token Jaccard similarity above which two items of
// different template groups count as near-duplicates.
const NearDupThreshold = 0.8

// Pair is two items and the Jaccard similarity of their token sets.
type Pair struct {
	A, B    string
	Jaccard float64
}

// Tokens returns the sorted set of tokens of nlp.Normalize(text).
func Tokens(text string) []string {
	f := strings.Fields(nlp.Normalize(text))
	sort.Strings(f)
	out := f[:0]
	for i, t := range f {
		if i == 0 || t != f[i-1] {
			out = append(out, t)
		}
	}
	return out
}

// Jaccard returns |a∩b| / |a∪b| for two sorted token sets (1 for two empty sets).
func Jaccard(a, b []string) float64 {
	if len(a) == 0 && len(b) == 0 {
		return 1
	}
	inter := 0
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] == b[j]:
			inter++
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter)
}

// NearDuplicates returns every pair of items from different template groups
// (see Item.Group) whose token Jaccard similarity exceeds threshold, ordered
// by the ids of the pair.
func NearDuplicates(items []Item, threshold float64) []Pair {
	toks := make([][]string, len(items))
	for i, it := range items {
		toks[i] = Tokens(it.Text)
	}
	var pairs []Pair
	for i := range items {
		for j := i + 1; j < len(items); j++ {
			if items[i].Group() == items[j].Group() {
				continue
			}
			// |a∩b| ≤ min(|a|,|b|), so a size ratio at or below threshold cannot exceed it.
			la, lb := len(toks[i]), len(toks[j])
			if la > 0 && lb > 0 && float64(min(la, lb))/float64(max(la, lb)) <= threshold {
				continue
			}
			if s := Jaccard(toks[i], toks[j]); s > threshold {
				a, b := items[i].ID, items[j].ID
				if b < a {
					a, b = b, a
				}
				pairs = append(pairs, Pair{A: a, B: b, Jaccard: s})
			}
		}
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].A != pairs[j].A {
			return pairs[i].A < pairs[j].A
		}
		return pairs[i].B < pairs[j].B
	})
	return pairs
}
