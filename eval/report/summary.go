package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/rasd-iq/rasd/eval"
)

// est formats an estimate with its interval.
func est(e eval.Estimate) string {
	v := "   –  "
	if e.Value.Valid() {
		v = fmt.Sprintf("%.3f", float64(e.Value))
	}
	if e.Lo.Valid() && e.Hi.Valid() {
		return fmt.Sprintf("%s [%.3f,%.3f]", v, float64(e.Lo), float64(e.Hi))
	}
	return v
}

// short abbreviates a hash.
func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// WriteSummary writes the plain-text summary of an evaluation that `rasd
// eval` prints: per-label metrics with their confidence intervals, the
// functional and fairness results, and the run's timings.
func WriteSummary(w io.Writer, r *eval.Result) {
	fmt.Fprintf(w, "model %s (card %s) on %s (%d items, sha256 %s), seed %d, %d resamples\n",
		r.Model.ID, short(r.Model.CardSHA256), r.Data.Path, r.Data.Items, short(r.Data.SHA256), r.Run.Seed, r.Run.Resamples)
	fmt.Fprintf(w, "%-14s %5s %6s  %-21s %-21s %-21s %-21s %-21s %-21s\n", "label", "thr", "pos", "precision", "recall", "f1", "roc_auc", "pr_auc", "ece")
	for _, l := range r.Labels {
		fmt.Fprintf(w, "%-14s %5.2f %6d  %-21s %-21s %-21s %-21s %-21s %-21s\n", l.Label, float64(l.Threshold), l.Positives,
			est(l.Precision), est(l.Recall), est(l.F1), est(l.ROCAUC), est(l.PRAUC), est(l.ECE))
	}
	for _, l := range r.Labels {
		if l.AtTarget != nil {
			fmt.Fprintf(w, "%s: precision %.2f from threshold %.3f (recall %.3f)\n", l.Label, float64(l.TargetPrecision),
				float64(l.AtTarget.Threshold), float64(l.AtTarget.Recall))
		}
	}
	if len(r.Data.NotAnnotated) > 0 {
		fmt.Fprintf(w, "labels the data does not annotate on every item (left out): %s\n", strings.Join(r.Data.NotAnnotated, ", "))
	}
	if len(r.Data.Unscored) > 0 {
		fmt.Fprintf(w, "gold labels the model does not score: %v\n", r.Data.Unscored)
	}
	if f := r.Functional; f != nil {
		fmt.Fprintf(w, "functional: %d of %d correct (%.1f%%) over %d functionalities", f.Correct, f.N, 100*float64(f.Accuracy), len(f.Functionality))
		if len(f.Missing) > 0 {
			fmt.Fprintf(w, "; model lacks serious labels %s", strings.Join(f.Missing, ", "))
		}
		fmt.Fprintln(w)
	}
	for _, fa := range r.Fairness {
		var parts []string
		for _, g := range fa.Worst {
			parts = append(parts, fmt.Sprintf("%s %s %.3f", g.Measure, g.Target, float64(g.Value)))
		}
		fmt.Fprintf(w, "fairness %s worst: %s\n", fa.Label, strings.Join(parts, "; "))
	}
	writeTraffic(w, "", r.Traffic)
	fmt.Fprintf(w, "scored in %.2fs, metrics and resamples in %.2fs\n", r.Run.ScoreSeconds, r.Run.MetricsSeconds)
}

// writeTraffic writes the flag rate on ordinary posts, when measured.
func writeTraffic(w io.Writer, who string, t *eval.TrafficResult) {
	if t == nil {
		return
	}
	fmt.Fprintf(w, "%sordinary traffic %s: %d of %d posts flagged serious (%.2f%%, %.0f per 10,000), %d with any flag; by label %v\n",
		who, strings.Join(t.Paths, ","), t.Flagged, t.Posts, 100*float64(t.Rate), float64(t.PerTenThousand), t.AnyFlagged, t.ByLabel)
	var parts []string
	for _, g := range t.Groups {
		parts = append(parts, fmt.Sprintf("%s %d/%d (%.2f%%)", g.Dialect, g.Flagged, g.Posts, 100*float64(g.Rate)))
	}
	if len(parts) > 0 {
		fmt.Fprintf(w, "%sordinary traffic by dialect: %s\n", who, strings.Join(parts, "; "))
	}
	if t.Iraqi == nil && len(t.Groups) > 0 {
		fmt.Fprintf(w, "%sordinary traffic: no post is marked Iraqi in this sample\n", who)
	}
}

// WriteComparisonSummary writes the plain-text summary of a paired
// comparison of two models that `rasd eval compare` prints.
func WriteComparisonSummary(w io.Writer, c *eval.Comparison) {
	fmt.Fprintf(w, "A %s vs B %s on %s (%d items), seed %d, %d paired resamples\n",
		c.A.ID, c.B.ID, c.Data.Path, c.Data.Items, c.Run.Seed, c.Run.Resamples)
	fmt.Fprintf(w, "%-14s %-10s %-21s %-21s %-24s\n", "label", "metric", "A", "B", "B-A")
	for _, l := range c.Labels {
		for _, m := range l.Metrics {
			d := "   –"
			if m.Diff.Value.Valid() {
				d = fmt.Sprintf("%+.3f", float64(m.Diff.Value))
				if m.Diff.Lo.Valid() {
					d += fmt.Sprintf(" [%+.3f,%+.3f]", float64(m.Diff.Lo), float64(m.Diff.Hi))
				}
			}
			fmt.Fprintf(w, "%-14s %-10s %-21s %-21s %-24s\n", l.Label, m.Metric, est(m.A), est(m.B), d)
		}
	}
	if c.FunctionalA.Valid() {
		fmt.Fprintf(w, "functional accuracy: A %.1f%%, B %.1f%%\n", 100*float64(c.FunctionalA), 100*float64(c.FunctionalB))
	}
	fmt.Fprintf(w, "%d items flagged differently\n", c.DisagreementsTotal)
	writeTraffic(w, "A: ", c.TrafficA)
	writeTraffic(w, "B: ", c.TrafficB)
}
