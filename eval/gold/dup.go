package gold

import (
	"slices"
	"sort"
	"strings"
	"unicode"

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

// jaccardBound returns the largest Jaccard similarity two non-empty sets of
// sizes la and lb can have: |a∩b| ≤ min(la, lb) and |a∪b| ≥ max(la, lb).
func jaccardBound(la, lb int) float64 {
	return float64(min(la, lb)) / float64(max(la, lb))
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
			la, lb := len(toks[i]), len(toks[j])
			if la > 0 && lb > 0 && jaccardBound(la, lb) <= threshold {
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

// ScreenThreshold is the character 4-gram Jaccard similarity (see CharGrams)
// at or above which a training post counts as too close to a held-out item:
// short posts on one concept converge on one wording, and a training post
// that shares a held-out item's set phrase or sentence shape lets that item
// measure memory instead of generalisation.
const ScreenThreshold = 0.25

// CharGrams returns the sorted set of character n-grams of nlp.Normalize(text)
// with everything but letters dropped and runs of spaces made one space.
func CharGrams(text string, n int) []string {
	var b strings.Builder
	space := true
	for _, r := range nlp.Normalize(text) {
		switch {
		case unicode.IsLetter(r):
			b.WriteRune(r)
			space = false
		case !space:
			b.WriteByte(' ')
			space = true
		}
	}
	rs := []rune(strings.TrimSpace(b.String()))
	if len(rs) < n {
		if len(rs) == 0 {
			return nil
		}
		return []string{string(rs)}
	}
	grams := make([]string, 0, len(rs)-n+1)
	for i := 0; i+n <= len(rs); i++ {
		grams = append(grams, string(rs[i:i+n]))
	}
	sort.Strings(grams)
	return slices.Compact(grams)
}

// Overlap is a training post and a held-out item whose character 4-gram
// Jaccard similarity reaches the screening threshold.
type Overlap struct {
	Train, Heldout string
	Jaccard        float64
}

// Overlaps returns every pair of a train item and a heldout item whose
// character 4-gram Jaccard similarity (CharGrams) is at least threshold,
// ordered by train id, then held-out id. Training sets written by the project
// are screened with it against the sets that measure models.
func Overlaps(train, heldout []Item, threshold float64) []Overlap {
	// Every held-out item is indexed under its grams, so a training post is
	// compared only with the items it shares a gram with; the shared count
	// gives the Jaccard similarity of the two gram sets exactly.
	index := make(map[string][]int)
	sizes := make([]int, len(heldout))
	for j, it := range heldout {
		g := CharGrams(it.Text, 4)
		sizes[j] = len(g)
		for _, x := range g {
			index[x] = append(index[x], j)
		}
	}
	var out []Overlap
	shared := make(map[int]int)
	for i := range train {
		g := CharGrams(train[i].Text, 4)
		if len(g) == 0 {
			continue
		}
		clear(shared)
		for _, x := range g {
			for _, j := range index[x] {
				shared[j]++
			}
		}
		for j, n := range shared {
			if s := float64(n) / float64(len(g)+sizes[j]-n); s >= threshold {
				out = append(out, Overlap{Train: train[i].ID, Heldout: heldout[j].ID, Jaccard: s})
			}
		}
	}
	sort.Slice(out, func(a, b int) bool {
		if out[a].Train != out[b].Train {
			return out[a].Train < out[b].Train
		}
		return out[a].Heldout < out[b].Heldout
	})
	return out
}
