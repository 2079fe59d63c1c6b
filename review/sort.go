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

// SortDescFirst reports whether sort order k first lists its highest
// values (the highest score, the newest), its natural direction; the
// other direction lists exactly the reverse.
func SortDescFirst(k string) bool { return k == SortScore || k == SortTime }

// SortEntry is the item's entry in the index of sort order k, for a store
// that keeps one sorted set per order: its score and member. Read in
// ascending score, then bytewise member, the entries list the items in k's
// natural direction (SortDescFirst), ties in review order.
func SortEntry(k string, it *Item) (float64, string) {
	key := IndexKey(it)
	switch k {
	case SortScore:
		return -max(0, min(it.Score, 1)), key
	case SortTime:
		return -float64(max(0, it.Added.UnixNano()) / 1e6), key
	case SortPriority:
		u := 1.0
		if it.Urgent {
			u = 0
		}
		return u*(1<<33) + float64(max(0, min(int64(it.Priority)+1<<31, 1<<32-1))), key
	}
	label := ""
	if len(it.Labels) > 0 {
		label = it.Labels[0]
	}
	return 0, label + "\x00" + key
}

// KeyFromSortEntry returns the index key of a member of sort order k's
// entries (SortEntry).
func KeyFromSortEntry(k, member string) string {
	if k == SortLabel {
		_, key, _ := strings.Cut(member, "\x00")
		return key
	}
	return member
}

// ValidSort reports whether key names a sort order (empty is review order).
func ValidSort(key string) bool { return key == "" || slices.Contains(SortKeys, key) }

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
	// Each kept key gets one number that sorts as f asks (labels by their
	// rank among the labels present), and its position in review order:
	// sorting these small pointer-free pairs is what keeps 100,000 keys fast.
	type pair struct {
		v uint64
		n int32
	}
	pairs := make([]pair, 0, len(keys))
	var labels map[string]uint64
	var byLabel []string
	for i, k := range keys {
		// u|sssssss|pppppppppp|ttttttttttttttttttt|id\x00label
		if len(k) < keyPrefixLen {
			continue
		}
		inv, err1 := strconv.ParseInt(k[2:9], 10, 64)
		added, err3 := strconv.ParseInt(k[21:40], 10, 64)
		if err1 != nil || err3 != nil {
			continue
		}
		urgent := k[0] == '0'
		switch {
		case f.Urgent && !urgent:
			continue
		case minInv >= 0 && inv > minInv:
			continue
		case oldest >= 0 && added < oldest:
			continue
		}
		var v uint64
		switch f.Sort {
		case SortScore:
			// Highest score first: the smallest inverted score.
			v = uint64(inv)
		case SortPriority:
			prio, err := strconv.ParseUint(k[10:20], 10, 64)
			if err != nil {
				continue
			}
			v = prio
			if !urgent {
				v |= 1 << 40
			}
		case SortTime:
			v = uint64(added / 1e6)
		case SortLabel:
			if labels == nil {
				labels = map[string]uint64{}
			}
			_, label, _ := strings.Cut(k[keyPrefixLen:], "\x00")
			r, ok := labels[label]
			if !ok {
				r = uint64(len(labels))
				labels[label] = r
				byLabel = append(byLabel, label)
			}
			v = r
		}
		pairs = append(pairs, pair{v: v, n: int32(i)})
	}
	if f.Sort == SortLabel {
		// Ranks were given in order of appearance: renumber them by name.
		slices.Sort(byLabel)
		rank := make([]uint64, len(byLabel))
		for r, l := range byLabel {
			rank[labels[l]] = uint64(r)
		}
		for i := range pairs {
			pairs[i].v = rank[pairs[i].v]
		}
	}
	if f.Sort == SortTime && len(pairs) > 0 {
		// Newest first: milliseconds before the latest, so that they pack.
		hi := pairs[0].v
		for _, p := range pairs {
			hi = max(hi, p.v)
		}
		for i := range pairs {
			pairs[i].v = hi - pairs[i].v
		}
	}
	out := make([]string, 0, len(pairs))
	if f.Sort == "" {
		for _, p := range pairs {
			out = append(out, keys[p.n])
		}
		return out
	}
	// Value and position packed in one number (the value's high bits, the
	// position's low ones) sort without a comparison function.
	const posBits = 22
	packed := make([]uint64, 0, len(pairs))
	for _, p := range pairs {
		v := p.v
		if v >= 1<<(64-posBits) || len(pairs) >= 1<<posBits {
			packed = nil
			break
		}
		packed = append(packed, v<<posBits|uint64(p.n))
	}
	if packed != nil {
		slices.Sort(packed)
		for _, x := range packed {
			out = append(out, keys[x&(1<<posBits-1)])
		}
	} else {
		slices.SortFunc(pairs, func(a, b pair) int {
			if c := cmp.Compare(a.v, b.v); c != 0 {
				return c
			}
			return cmp.Compare(a.n, b.n)
		})
		for _, p := range pairs {
			out = append(out, keys[p.n])
		}
	}
	// The other direction is exactly the reverse.
	if f.Desc != SortDescFirst(f.Sort) {
		slices.Reverse(out)
	}
	return out
}
