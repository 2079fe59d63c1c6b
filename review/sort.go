package review

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// The orders the queue can be sorted in besides review order
// (Filter.Sort).
const (
	// SortScore orders by score on the policy's scale.
	SortScore = "score"
	// SortPriority orders by urgency, then the rule's priority: ascending
	// puts urgent items and the lowest priority number first.
	SortPriority = "priority"
	// SortTime orders by when the item was queued.
	SortTime = "time"
	// SortLabel orders by the item's first label name.
	SortLabel = "label"
)

// SortKeys lists the sort orders in the order the UI offers them.
var SortKeys = []string{SortScore, SortPriority, SortTime, SortLabel}

// ValidSort reports whether key names a sort order (empty is review order).
func ValidSort(key string) bool { return key == "" || slices.Contains(SortKeys, key) }

// keyed is an index key with the fields a sort compares, read from it.
type keyed struct {
	key     string
	urgent  int   // 0 urgent, 1 not
	inv     int64 // (1-score)·1e6: smaller is a higher score
	prio    int64
	added   int64
	label   string
	reviewN int // position in review order
}

func parseKey(k string, n int) (keyed, bool) {
	// u|sssssss|pppppppppp|ttttttttttttttttttt|id\x00label
	if len(k) < keyPrefixLen {
		return keyed{}, false
	}
	inv, err1 := strconv.ParseInt(k[2:9], 10, 64)
	prio, err2 := strconv.ParseInt(k[10:20], 10, 64)
	added, err3 := strconv.ParseInt(k[21:40], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return keyed{}, false
	}
	_, label, _ := strings.Cut(k[keyPrefixLen:], "\x00")
	return keyed{key: k, urgent: int(k[0] - '0'), inv: inv, prio: prio, added: added, label: label, reviewN: n}, true
}

// Ordered returns the queue index keys of keys, given in review order, in
// the order f.Sort and f.Desc ask for, reading only the keys: no item is
// decoded. Keys whose fields already fail f (urgency, minimum score,
// maximum age) are left out; the caller still checks the rest of f on each
// item. Ties keep review order.
func Ordered(keys []string, f *Filter) []string {
	minInv := int64(-1)
	if f.MinScore > 0 {
		// Allow for the rounding of the key's score; Match decides exactly.
		minInv = int64((1-min(f.MinScore, 1))*1e6) + 1
	}
	var oldest int64 = -1
	if f.MaxAge > 0 {
		oldest = f.Now.Add(-f.MaxAge).UnixNano()
	}
	ks := make([]keyed, 0, len(keys))
	for i, k := range keys {
		kk, ok := parseKey(k, i)
		switch {
		case !ok:
			continue
		case f.Urgent && kk.urgent != 0:
			continue
		case minInv >= 0 && kk.inv > minInv:
			continue
		case oldest >= 0 && kk.added < oldest:
			continue
		}
		ks = append(ks, kk)
	}
	var by func(a, b *keyed) int
	switch f.Sort {
	case SortScore:
		// Ascending is the lowest score first: the largest inverted score.
		by = func(a, b *keyed) int { return cmp.Compare(b.inv, a.inv) }
	case SortPriority:
		by = func(a, b *keyed) int {
			if c := cmp.Compare(a.urgent, b.urgent); c != 0 {
				return c
			}
			return cmp.Compare(a.prio, b.prio)
		}
	case SortTime:
		by = func(a, b *keyed) int { return cmp.Compare(a.added, b.added) }
	case SortLabel:
		by = func(a, b *keyed) int { return strings.Compare(a.label, b.label) }
	}
	if by != nil {
		desc := f.Desc
		slices.SortFunc(ks, func(a, b keyed) int {
			c := by(&a, &b)
			if desc {
				c = -c
			}
			if c != 0 {
				return c
			}
			return cmp.Compare(a.reviewN, b.reviewN)
		})
	}
	out := make([]string, len(ks))
	for i := range ks {
		out[i] = ks[i].key
	}
	return out
}
