package dataset

import (
	"fmt"
	"sort"
	"strings"
)

// Map translates raw label values into labels, for all label columns or for one.
//
// Its text form, as given to `rasd eval --map`, is a list of VALUE=LABELS pairs
// separated by commas, where LABELS is empty (no label), one label, or several
// joined with "+":
//
//	OFF=offensive,NOT_OFF=,HS=hate,NOT_HS=
//	normal=,abusive=offensive,hate=hate+offensive
//
// Groups separated by ";" may start with "COLUMN:" to apply to one label column
// only (the column as given to --label-col); a column's own entries win over the
// shared ones:
//
//	2:OFF=offensive,NOT_OFF=;3:HS=hate,NOT_HS=
type Map struct {
	shared map[string][]string
	perCol map[string]map[string][]string
}

// ParseMap parses the text form of a label map; several specs are merged in order.
func ParseMap(specs ...string) (*Map, error) {
	m := &Map{shared: map[string][]string{}, perCol: map[string]map[string][]string{}}
	for _, spec := range specs {
		for _, group := range strings.Split(spec, ";") {
			group = strings.TrimSpace(group)
			if group == "" {
				continue
			}
			dst := m.shared
			if c, rest, ok := strings.Cut(group, ":"); ok && !strings.Contains(c, "=") {
				c = strings.TrimSpace(c)
				if c == "" {
					return nil, fmt.Errorf("label map group %q: empty column name before ':'", group)
				}
				if m.perCol[c] == nil {
					m.perCol[c] = map[string][]string{}
				}
				dst, group = m.perCol[c], rest
			}
			for _, pair := range strings.Split(group, ",") {
				pair = strings.TrimSpace(pair)
				if pair == "" {
					continue
				}
				k, v, ok := strings.Cut(pair, "=")
				k = strings.TrimSpace(k)
				if !ok || k == "" {
					return nil, fmt.Errorf("label map entry %q: want VALUE=LABEL[+LABEL…] (empty LABEL for none)", pair)
				}
				if _, dup := dst[k]; dup {
					return nil, fmt.Errorf("label map entry %q: value %q mapped twice", pair, k)
				}
				var labels []string
				for _, l := range strings.Split(v, "+") {
					if l = strings.TrimSpace(l); l != "" {
						labels = append(labels, l)
					}
				}
				dst[k] = labels
			}
		}
	}
	if len(m.shared) == 0 && len(m.perCol) == 0 {
		return nil, fmt.Errorf("empty label map")
	}
	return m, nil
}

func (m *Map) lookup(col, raw string) ([]string, bool) {
	if pc, ok := m.perCol[col]; ok {
		if v, ok := pc[raw]; ok {
			return v, true
		}
	}
	v, ok := m.shared[raw]
	return v, ok
}

// Columns returns the columns that have entries of their own, sorted.
func (m *Map) Columns() []string {
	out := make([]string, 0, len(m.perCol))
	for c := range m.perCol {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// String returns the map in its text form, sorted, so that reports can record it.
func (m *Map) String() string {
	group := func(g map[string][]string) string {
		keys := make([]string, 0, len(g))
		for k := range g {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + "=" + strings.Join(g[k], "+")
		}
		return strings.Join(parts, ",")
	}
	var groups []string
	if len(m.shared) > 0 {
		groups = append(groups, group(m.shared))
	}
	for _, c := range m.Columns() {
		groups = append(groups, c+":"+group(m.perCol[c]))
	}
	return strings.Join(groups, ";")
}
