package gold

import (
	"fmt"
	"io"
	"sort"
)

// Count is a tally of items by one field value.
type Count map[string]int

// Stats tallies a set by split and field.
type Stats struct {
	// Total is the number of items; Violating those with a serious label.
	Total, Violating int
	// PerSplit counts items per split; ViolatingPerSplit the violating ones.
	PerSplit, ViolatingPerSplit Count
	// Labels counts each label per split ("none" for items without labels).
	Labels map[string]Count
	// Functionality, Dialect and Target count items per value and split.
	Functionality, Dialect, Target map[string]Count
}

// Compute tallies items with their splits (items without a split count under "").
func Compute(items []Item, splits map[string]string) Stats {
	st := Stats{
		PerSplit: Count{}, ViolatingPerSplit: Count{},
		Labels: map[string]Count{}, Functionality: map[string]Count{},
		Dialect: map[string]Count{}, Target: map[string]Count{},
	}
	add := func(m map[string]Count, key, split string) {
		if m[key] == nil {
			m[key] = Count{}
		}
		m[key][split]++
	}
	for _, it := range items {
		s := splits[it.ID]
		st.Total++
		st.PerSplit[s]++
		if it.Violating() {
			st.Violating++
			st.ViolatingPerSplit[s]++
		}
		if len(it.Labels) == 0 {
			add(st.Labels, "none", s)
		}
		for _, l := range it.Labels {
			add(st.Labels, l, s)
		}
		add(st.Functionality, it.Functionality, s)
		add(st.Dialect, it.Dialect, s)
		add(st.Target, it.Target, s)
	}
	return st
}

// WriteMarkdown writes the tallies as Markdown tables (one row per value with
// its train, dev, test and total counts).
func (st Stats) WriteMarkdown(w io.Writer) error {
	pct := 0.0
	if st.Total > 0 {
		pct = 100 * float64(st.Violating) / float64(st.Total)
	}
	_, err := fmt.Fprintf(w, "Items: %d (train %d, dev %d, test %d). Violating (incitement, hate, terrorism or threat): %d (%.1f%%).\n",
		st.Total, st.PerSplit[Train], st.PerSplit[Dev], st.PerSplit[Test], st.Violating, pct)
	if err != nil {
		return fmt.Errorf("writing stats: %w", err)
	}
	for _, sec := range []struct {
		title string
		m     map[string]Count
	}{{"label", st.Labels}, {"functionality", st.Functionality}, {"dialect", st.Dialect}, {"target", st.Target}} {
		if err := writeTable(w, sec.title, sec.m); err != nil {
			return err
		}
	}
	return nil
}

func writeTable(w io.Writer, title string, m map[string]Count) error {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if _, err := fmt.Fprintf(w, "\n| %s | train | dev | test | total |\n|---|---:|---:|---:|---:|\n", title); err != nil {
		return fmt.Errorf("writing stats: %w", err)
	}
	for _, k := range keys {
		c := m[k]
		total := 0
		for _, n := range c {
			total += n
		}
		if _, err := fmt.Fprintf(w, "| %s | %d | %d | %d | %d |\n", k, c[Train], c[Dev], c[Test], total); err != nil {
			return fmt.Errorf("writing stats: %w", err)
		}
	}
	return nil
}
