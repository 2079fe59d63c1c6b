// Package report writes evaluation results from package eval as JSON and as
// one self-contained HTML page: inline SVG charts (ROC and precision–recall
// curves, reliability diagrams, functional accuracy bars, per-target gaps),
// no scripts, styles or fonts from elsewhere, readable offline. Texts are
// shown right to left where they are Arabic (dir="auto"), and everything is
// escaped by html/template.
package report

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"math"
	"sort"
	"strings"

	"github.com/rasd-iq/rasd/eval"
)

// WriteJSON writes v (an *eval.Result or *eval.Comparison) as indented JSON,
// leaving Arabic text and <, >, & unescaped so that the file reads as written.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("writing JSON report: %w", err)
	}
	return nil
}

//go:embed report.html.tmpl
var pageTemplate string

var tmpl = template.Must(template.New("page").Funcs(template.FuncMap{
	"num":          num,
	"pct":          pct,
	"ci":           ci,
	"signed":       signed,
	"join":         strings.Join,
	"sortedScores": sortedScores,
	"curves":       curveCharts,
	"relChart":     reliabilityChart,
	"funcChart":    functionalChart,
	"gapChart":     gapChart,
	"diffChart":    diffChart,
	"cmpCurves":    compareCurves,
	"add":          func(a, b int) int { return a + b },
	"repro": func(r *eval.Result) reproInfo {
		return reproInfo{Roles: []string{""}, Models: []eval.ModelInfo{r.Model}, Data: r.Data, Run: r.Run}
	},
	"reproCmp": func(c *eval.Comparison) reproInfo {
		return reproInfo{Roles: []string{" A", " B"}, Models: []eval.ModelInfo{c.A, c.B}, Data: c.Data, Run: c.Run}
	},
	"excluded": func(e eval.Estimate) bool {
		return e.Lo.Valid() && e.Hi.Valid() && (e.Lo > 0 || e.Hi < 0)
	},
}).Parse(pageTemplate))

// reproInfo is the reproducibility block of a report.
type reproInfo struct {
	// Roles name the models ("" for one, "A" and "B" in a comparison).
	Roles  []string
	Models []eval.ModelInfo
	Data   eval.DataInfo
	Run    eval.Run
}

// page is what the template renders: exactly one of Result and Comparison is set.
type page struct {
	Title      string
	Result     *eval.Result
	Comparison *eval.Comparison
}

// WriteHTML writes the HTML report of one evaluation.
func WriteHTML(w io.Writer, r *eval.Result) error {
	if err := tmpl.Execute(w, page{Title: "Evaluation of " + r.Model.ID, Result: r}); err != nil {
		return fmt.Errorf("writing HTML report: %w", err)
	}
	return nil
}

// WriteCompareHTML writes the HTML report of a comparison of two models.
func WriteCompareHTML(w io.Writer, c *eval.Comparison) error {
	if err := tmpl.Execute(w, page{Title: "Comparison of " + c.A.ID + " and " + c.B.ID, Comparison: c}); err != nil {
		return fmt.Errorf("writing HTML report: %w", err)
	}
	return nil
}

// num formats a metric with three decimals, or "–" when undefined.
func num(f eval.Float) string {
	if !f.Valid() {
		return "–"
	}
	return fmt.Sprintf("%.3f", float64(f))
}

// pct formats a rate as a percentage with one decimal.
func pct(f eval.Float) string {
	if !f.Valid() {
		return "–"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(f))
}

// signed formats a difference with its sign.
func signed(f eval.Float) string {
	if !f.Valid() {
		return "–"
	}
	return fmt.Sprintf("%+.3f", float64(f))
}

// ci formats an estimate's interval.
func ci(e eval.Estimate) string {
	if !e.Lo.Valid() || !e.Hi.Valid() {
		return ""
	}
	return fmt.Sprintf("[%.3f, %.3f]", float64(e.Lo), float64(e.Hi))
}

// scoreEntry is one label score shown next to a case.
type scoreEntry struct {
	Label string
	Score string
}

func sortedScores(m map[string]eval.Float) []scoreEntry {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]scoreEntry, len(keys))
	for i, k := range keys {
		out[i] = scoreEntry{k, fmt.Sprintf("%.2f", float64(m[k]))}
	}
	return out
}

// Chart geometry shared by the XY plots.
const (
	plotW, plotH           = 300.0, 260.0
	padL, padR, padT, padB = 44.0, 12.0, 22.0, 36.0
)

// tick is an axis tick.
type tick struct {
	Pos   float64
	Label string
}

// series is one polyline of an XY plot.
type series struct {
	Points string
	Class  string
}

// dot is one marker of an XY plot.
type dot struct {
	X, Y, R float64
	Title   string
	Class   string
}

// xyPlot is a square-domain ([0,1]×[0,1]) line chart.
type xyPlot struct {
	W, H, L, T, R, B float64
	Title            string
	XLabel, YLabel   string
	XTicks, YTicks   []tick
	Series           []series
	Dots             []dot
}

func newXY(title, xl, yl string) *xyPlot {
	p := &xyPlot{W: plotW, H: plotH, L: padL, T: padT, R: plotW - padR, B: plotH - padB, Title: title, XLabel: xl, YLabel: yl}
	for k := 0; k <= 4; k++ {
		v := float64(k) / 4
		p.XTicks = append(p.XTicks, tick{p.x(v), fmt.Sprintf("%.2g", v)})
		p.YTicks = append(p.YTicks, tick{p.y(v), fmt.Sprintf("%.2g", v)})
	}
	return p
}

func (p *xyPlot) x(v float64) float64 { return p.L + v*(p.R-p.L) }
func (p *xyPlot) y(v float64) float64 { return p.B - v*(p.B-p.T) }

func (p *xyPlot) line(class string, xs, ys []float64) {
	var b strings.Builder
	for i := range xs {
		if math.IsNaN(xs[i]) || math.IsNaN(ys[i]) {
			continue
		}
		fmt.Fprintf(&b, "%.1f,%.1f ", p.x(xs[i]), p.y(ys[i]))
	}
	if b.Len() > 0 {
		p.Series = append(p.Series, series{Points: strings.TrimSpace(b.String()), Class: class})
	}
}

// curveCharts returns the ROC and precision–recall plots of a label.
func curveCharts(l eval.LabelResult) []*xyPlot {
	roc := newXY("ROC — "+l.Label+" (AUC "+num(l.ROCAUC.Value)+")", "false-positive rate", "true-positive rate")
	roc.line("ref", []float64{0, 1}, []float64{0, 1})
	var xs, ys []float64
	for _, pt := range l.ROC {
		xs, ys = append(xs, float64(pt.X)), append(ys, float64(pt.Y))
	}
	roc.line("curve", xs, ys)
	pr := newXY("Precision–recall — "+l.Label+" (AP "+num(l.PRAUC.Value)+")", "recall", "precision")
	if n := l.Positives + l.Negatives; n > 0 {
		base := float64(l.Positives) / float64(n)
		pr.line("ref", []float64{0, 1}, []float64{base, base})
	}
	xs, ys = nil, nil
	for _, pt := range l.PR {
		xs, ys = append(xs, float64(pt.X)), append(ys, float64(pt.Y))
	}
	pr.line("curve", xs, ys)
	// The operating point at the card's threshold.
	if p, r := float64(l.Precision.Value), float64(l.Recall.Value); !math.IsNaN(p) && !math.IsNaN(r) {
		pr.Dots = append(pr.Dots, dot{X: pr.x(r), Y: pr.y(p), R: 4, Class: "op",
			Title: fmt.Sprintf("threshold %.3f: precision %.3f, recall %.3f", float64(l.Threshold), p, r)})
		if fpr := float64(l.Confusion.FP) / math.Max(1, float64(l.Negatives)); l.Negatives > 0 {
			roc.Dots = append(roc.Dots, dot{X: roc.x(fpr), Y: roc.y(r), R: 4, Class: "op",
				Title: fmt.Sprintf("threshold %.3f: FPR %.3f, TPR %.3f", float64(l.Threshold), fpr, r)})
		}
	}
	return []*xyPlot{roc, pr}
}

// pointsXY splits a curve into coordinates.
func pointsXY(ps []eval.Point) (xs, ys []float64) {
	for _, pt := range ps {
		xs, ys = append(xs, float64(pt.X)), append(ys, float64(pt.Y))
	}
	return xs, ys
}

// compareCurves overlays both models' ROC and precision–recall curves.
func compareCurves(l eval.LabelComparison) []*xyPlot {
	roc := newXY("ROC — "+l.Label+" (A solid, B dashed)", "false-positive rate", "true-positive rate")
	roc.line("ref", []float64{0, 1}, []float64{0, 1})
	xs, ys := pointsXY(l.ROCA)
	roc.line("curve", xs, ys)
	xs, ys = pointsXY(l.ROCB)
	roc.line("curve b", xs, ys)
	pr := newXY("Precision–recall — "+l.Label+" (A solid, B dashed)", "recall", "precision")
	xs, ys = pointsXY(l.PRA)
	pr.line("curve", xs, ys)
	xs, ys = pointsXY(l.PRB)
	pr.line("curve b", xs, ys)
	return []*xyPlot{roc, pr}
}

// reliabilityChart plots positive rate against mean score per bin.
func reliabilityChart(l eval.LabelResult) *xyPlot {
	p := newXY("Reliability — "+l.Label+" (ECE "+num(l.ECE.Value)+")", "mean predicted score", "fraction positive")
	p.line("ref", []float64{0, 1}, []float64{0, 1})
	var xs, ys []float64
	maxN := 1
	for _, b := range l.Reliability {
		maxN = max(maxN, b.Count)
	}
	for _, b := range l.Reliability {
		if b.Count == 0 {
			continue
		}
		x, y := float64(b.MeanScore), float64(b.PositiveRate)
		xs, ys = append(xs, x), append(ys, y)
		p.Dots = append(p.Dots, dot{X: p.x(x), Y: p.y(y), R: 2 + 5*math.Sqrt(float64(b.Count)/float64(maxN)), Class: "bin",
			Title: fmt.Sprintf("scores %.1f–%.1f: %d items, mean score %.3f, positive %.3f", float64(b.Lo), float64(b.Hi), b.Count, x, y)})
	}
	p.line("curve", xs, ys)
	return p
}

// barRow is one horizontal bar.
type barRow struct {
	Y, H, X, W float64
	Label      string
	Value      string
	Class      string
	Title      string
}

// barChart is a horizontal bar chart; values map to [Lo, Hi] across the plot.
type barChart struct {
	W, H, L, R, Zero float64
	Title            string
	Rows             []barRow
	Ticks            []tick
	TickY            float64
}

func newBars(title string, n int, lo, hi float64) *barChart {
	c := &barChart{W: 720, L: 230, R: 580, Title: title}
	c.H = 30 + float64(n)*18 + 24
	c.TickY = c.H - 8
	for k := 0; k <= 4; k++ {
		v := lo + (hi-lo)*float64(k)/4
		c.Ticks = append(c.Ticks, tick{c.L + (c.R-c.L)*(v-lo)/(hi-lo), fmt.Sprintf("%.2g", v)})
	}
	c.Zero = c.L + (c.R-c.L)*(0-lo)/(hi-lo)
	return c
}

func (c *barChart) bar(i int, v, lo, hi float64, label, value, class, title string) {
	if math.IsNaN(v) {
		v = 0
	}
	v = math.Max(lo, math.Min(hi, v))
	x := c.L + (c.R-c.L)*(v-lo)/(hi-lo)
	x0, x1 := math.Min(x, c.Zero), math.Max(x, c.Zero)
	c.Rows = append(c.Rows, barRow{Y: 26 + float64(i)*18, H: 14, X: x0, W: math.Max(x1-x0, 0.5),
		Label: label, Value: value, Class: class, Title: title})
}

// functionalChart shows accuracy per functionality.
func functionalChart(f *eval.Functional) *barChart {
	c := newBars("Accuracy per functionality", len(f.Functionality), 0, 1)
	for i, r := range f.Functionality {
		c.bar(i, float64(r.Accuracy), 0, 1, r.Name, fmt.Sprintf("%s (%d/%d)", pct(r.Accuracy), r.Correct, r.N),
			"f-"+r.Expect, fmt.Sprintf("%s: %d of %d correct (%s)", r.Name, r.Correct, r.N, r.Expect))
	}
	return c
}

// gapChart shows each target's FPR and FNR gap to the overall rate.
func gapChart(f eval.Fairness) *barChart {
	c := newBars("Error-rate gaps per target — "+f.Label+" (group rate − overall rate)", 2*len(f.Groups), -1, 1)
	for i, g := range f.Groups {
		c.bar(2*i, float64(g.FPRGap), -1, 1, g.Target+" FPR", signed(g.FPRGap), "fpr",
			fmt.Sprintf("%s: FPR %s vs %s overall", g.Target, pct(g.FPR), pct(f.OverallFPR)))
		c.bar(2*i+1, float64(g.FNRGap), -1, 1, g.Target+" FNR", signed(g.FNRGap), "fnr",
			fmt.Sprintf("%s: FNR %s vs %s overall", g.Target, pct(g.FNR), pct(f.OverallFNR)))
	}
	return c
}

// diffChart shows B − A per metric of one label, with the interval as a whisker in the title.
func diffChart(l eval.LabelComparison) *barChart {
	c := newBars("B − A — "+l.Label, len(l.Metrics), -0.5, 0.5)
	for i, m := range l.Metrics {
		class := "diff"
		if (m.Metric == "ece") == (m.Diff.Value > 0) {
			class = "diff worse"
		}
		c.bar(i, float64(m.Diff.Value), -0.5, 0.5, m.Metric, signed(m.Diff.Value)+" "+ci(m.Diff), class,
			fmt.Sprintf("%s: A %s, B %s", m.Metric, num(m.A.Value), num(m.B.Value)))
	}
	return c
}
