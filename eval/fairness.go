package eval

import (
	"math"
	"sort"
	"strings"

	"github.com/rasd-iq/rasd/eval/dataset"
)

// GroupResult holds the bias figures of one target group for one label
// (Borkan et al. 2019, "Nuanced Metrics for Measuring Unintended Bias").
type GroupResult struct {
	Target    string `json:"target"`    // the group
	N         int    `json:"n"`         // its items
	Positives int    `json:"positives"` // its gold positives
	// FPR and FNR are the group's error rates at the threshold; the gaps are
	// the group's rate minus the rate over all items.
	FPR    Float `json:"fpr"`
	FNR    Float `json:"fnr"`     // see FPR
	FPRGap Float `json:"fpr_gap"` // see FPR
	FNRGap Float `json:"fnr_gap"` // see FPR
	// SubgroupAUC is the ROC-AUC within the group.
	SubgroupAUC Float `json:"subgroup_auc"`
	// BPSN (background positive, subgroup negative) is the AUC over the group's
	// negatives and the other items' positives: low values mean the group's
	// clean items score like violations elsewhere (false alarms on the group).
	BPSN Float `json:"bpsn_auc"`
	// BNSP (background negative, subgroup positive) is the AUC over the group's
	// positives and the other items' negatives: low values mean violations
	// against the group are missed.
	BNSP Float `json:"bnsp_auc"`
}

// Gap names the worst group on one measure.
type Gap struct {
	Measure string `json:"measure"` // subgroup_auc, bpsn_auc, bnsp_auc, fpr_gap or fnr_gap
	Target  string `json:"target"`  // the group
	Value   Float  `json:"value"`   // its value
}

// Fairness holds the per-target figures for one label.
type Fairness struct {
	Label      string        `json:"label"`       // the label
	Threshold  Float         `json:"threshold"`   // the card's threshold
	OverallFPR Float         `json:"overall_fpr"` // over all items
	OverallFNR Float         `json:"overall_fnr"` // over all items
	OverallAUC Float         `json:"overall_auc"` // over all items
	Groups     []GroupResult `json:"groups"`      // one per target group, sorted
	// Worst names, per measure, the group that fares worst: lowest subgroup,
	// BPSN and BNSP AUC; highest FPR and FNR gap. Only groups of at least
	// MinGroupSize items are named.
	Worst []Gap `json:"worst"`
}

// NoTarget reports whether a target value means "about no group": such items
// are background only.
func NoTarget(t string) bool {
	switch strings.ToLower(t) {
	case "", "none", "other", "n/a":
		return true
	}
	return false
}

// fairness computes Fairness per model label that has both classes; nil when no item has a target.
func fairness(items []dataset.Item, sc *scored) []Fairness {
	groups := map[string]bool{}
	for i := range items {
		for _, t := range items[i].Targets {
			if !NoTarget(t) {
				groups[t] = true
			}
		}
	}
	if len(groups) == 0 {
		return nil
	}
	names := make([]string, 0, len(groups))
	for g := range groups {
		names = append(names, g)
	}
	sort.Strings(names)
	inGroup := func(it *dataset.Item, g string) bool {
		for _, t := range it.Targets {
			if t == g {
				return true
			}
		}
		return false
	}
	var out []Fairness
	for _, l := range sc.labels {
		gold, scores, thr := sc.gold[l], sc.scores[l], sc.thresholds[l]
		all := ConfusionAt(scores, gold, thr)
		f := Fairness{Label: l, Threshold: Float(thr), OverallFPR: Float(all.FPR()), OverallFNR: Float(all.FNR()),
			OverallAUC: Float(sc.ranked[l].Pass(nil, thr).ROCAUC())}
		if all.TP+all.FN == 0 {
			continue // no positives: nothing to say about this label
		}
		// Each AUC is a pass over the label's ranking with 0/1 weights
		// selecting its items, so no subset is sorted again.
		n := len(items)
		sub, bpsn, bnsp := make([]uint8, n), make([]uint8, n), make([]uint8, n)
		r := sc.ranked[l]
		for _, g := range names {
			for i := range items {
				in := inGroup(&items[i], g)
				sub[i], bpsn[i], bnsp[i] = 0, 0, 0
				switch {
				case in:
					sub[i] = 1
					if gold[i] {
						bnsp[i] = 1
					} else {
						bpsn[i] = 1
					}
				case gold[i]:
					bpsn[i] = 1
				default:
					bnsp[i] = 1
				}
			}
			st := r.Pass(sub, thr)
			gr := GroupResult{Target: g, N: int(st.P + st.N), Positives: int(st.P),
				FPR: Float(st.FPR()), FNR: Float(st.FNR()), SubgroupAUC: Float(st.ROCAUC()),
				BPSN: Float(r.Pass(bpsn, thr).ROCAUC()), BNSP: Float(r.Pass(bnsp, thr).ROCAUC())}
			gr.FPRGap = gr.FPR - f.OverallFPR
			gr.FNRGap = gr.FNR - f.OverallFNR
			f.Groups = append(f.Groups, gr)
		}
		f.Worst = worstGaps(f.Groups, MinGroupSize)
		out = append(out, f)
	}
	return out
}

// MinGroupSize is the number of items a target group needs to be named among
// the worst gaps; smaller groups are still listed with their figures.
const MinGroupSize = 10

func worstGaps(gs []GroupResult, minN int) []Gap {
	measures := []struct {
		name   string
		get    func(GroupResult) Float
		lowest bool
	}{
		{"subgroup_auc", func(g GroupResult) Float { return g.SubgroupAUC }, true},
		{"bpsn_auc", func(g GroupResult) Float { return g.BPSN }, true},
		{"bnsp_auc", func(g GroupResult) Float { return g.BNSP }, true},
		{"fpr_gap", func(g GroupResult) Float { return g.FPRGap }, false},
		{"fnr_gap", func(g GroupResult) Float { return g.FNRGap }, false},
	}
	var out []Gap
	for _, m := range measures {
		best := Gap{Measure: m.name, Value: Float(math.NaN())}
		for _, g := range gs {
			v := m.get(g)
			if !v.Valid() || g.N < minN {
				continue
			}
			if !best.Value.Valid() || (m.lowest && v < best.Value) || (!m.lowest && v > best.Value) {
				best.Target, best.Value = g.Target, v
			}
		}
		if best.Target != "" {
			out = append(out, best)
		}
	}
	return out
}
