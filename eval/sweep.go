package eval

import (
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
)

// A threshold sweep routes the same scored items under many settings of the
// policy's thresholds and keeps the one that queues the most violating items
// while it queues at most a target share of protected or ordinary ones and
// meets a recall floor per label (and, given real traffic, queues at most a
// share of its posts: the reviewer load of ordinary posts). It is measured
// through the decision path (model, signals, policy), as reviewers will meet
// it, not on the model's flags: a label's bar matters only where no wording
// rule or protection decides first.

// SweepPoint is one setting of the swept thresholds and what the engine
// queued under it.
type SweepPoint struct {
	// Thresholds are the swept labels' thresholds, on the policy's scale.
	Thresholds map[string]float64 `json:"thresholds"`
	// Violating and Protected are the violating and the protected or
	// ordinary items queued.
	Violating int `json:"violating"`
	Protected int `json:"protected"`
	// Labels are the items of each serious label queued.
	Labels map[string]int `json:"labels"`
	// Traffic is the number of real-traffic posts queued (with
	// SweepOptions.Traffic only).
	Traffic int `json:"traffic,omitempty"`
	// Meets is true when the point keeps every recall floor and, with
	// SweepOptions.Traffic, the cap on real-traffic posts queued.
	Meets bool `json:"meets_floors"`
}

// SweepReport is the result of a sweep.
type SweepReport struct {
	// Swept are the labels whose thresholds were varied; Grid their values.
	Swept []string  `json:"swept"`
	Grid  []float64 `json:"grid"`
	// Settings is the number of settings routed.
	Settings int `json:"settings"`
	// ViolatingItems, ProtectedItems and LabelItems are the group sizes.
	ViolatingItems int            `json:"violating_items"`
	ProtectedItems int            `json:"protected_items"`
	LabelItems     map[string]int `json:"label_items"`
	// MaxProtected is the largest share of protected or ordinary items
	// queued that the chosen point may have; Floors the smallest share of
	// each label's items it must queue.
	MaxProtected float64            `json:"max_protected"`
	Floors       map[string]float64 `json:"floors,omitempty"`
	// TrafficItems is the number of real-traffic posts routed under every
	// setting, MaxTraffic the largest share of them the chosen point may
	// queue (zero items: no traffic was given).
	TrafficItems int     `json:"traffic_items,omitempty"`
	MaxTraffic   float64 `json:"max_traffic,omitempty"`
	// Current is the policy's own setting, Best the chosen one (nil when no
	// setting meets the target and the floors).
	Current SweepPoint  `json:"current"`
	Best    *SweepPoint `json:"best,omitempty"`
	// Frontier holds, for each number of protected items queued, the point
	// that queues the most violating items among those that keep the
	// floors and the traffic cap, where that is more than any point with
	// fewer protected items.
	Frontier []SweepPoint `json:"frontier"`
}

// SweepOptions configures Sweep.
type SweepOptions struct {
	// Labels are the labels to sweep; Grid the values each takes.
	Labels []string
	Grid   []float64
	// Current are the policy's thresholds (the point every other is
	// compared with; among equal figures the nearest one is kept).
	Current map[string]float64
	// MaxProtected is the share of protected or ordinary items the chosen
	// point may queue (e.g. 0.05).
	MaxProtected float64
	// Floors is the share of each label's items the chosen point must queue.
	Floors map[string]float64
	// Serious are the labels that make an item violating (DefaultSerious
	// when empty).
	Serious []string
	// Workers routes settings in parallel (1 when zero).
	Workers int
	// Traffic, when set, routes TrafficItems unannotated posts of real
	// traffic (almost all of them ordinary) under a setting and returns how
	// many it queues: the reviewer load the setting brings. A point that
	// queues more than MaxTraffic of them is not chosen, as one that misses
	// a floor is not. It is called from Workers goroutines at once.
	Traffic      func(th map[string]float64) (int, error)
	TrafficItems int
	MaxTraffic   float64
}

// MaxSweepSettings bounds the settings one sweep routes.
const MaxSweepSettings = 200_000

// Grid returns the values from, from+step, … up to to (inclusive, within
// rounding), rounded to 1e-6.
func Grid(from, to, step float64) ([]float64, error) {
	if !(step > 0) || !(from >= 0) || !(to <= 1) || from > to {
		return nil, fmt.Errorf("grid %v:%v:%v: want 0 ≤ from ≤ to ≤ 1 and step > 0", from, to, step)
	}
	var out []float64
	for i := 0; ; i++ {
		v := math.Round((from+float64(i)*step)*1e6) / 1e6
		if v > to+1e-9 {
			break
		}
		out = append(out, v)
	}
	return out, nil
}

// ParseGrid reads a grid written FROM:TO:STEP.
func ParseGrid(s string) ([]float64, error) {
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return nil, fmt.Errorf("grid %q: want FROM:TO:STEP, e.g. 0.40:0.80:0.05", s)
	}
	var v [3]float64
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil {
			return nil, fmt.Errorf("grid %q: %w", s, err)
		}
		v[i] = f
	}
	return Grid(v[0], v[1], v[2])
}

// Sweep routes items under every setting of opts.Labels over opts.Grid:
// route returns what the decision path decides for every item under the
// given thresholds (the other labels keep the policy's). It is called from
// opts.Workers goroutines at once.
func Sweep(opts SweepOptions, route func(th map[string]float64) ([]RoutedItem, error)) (SweepReport, error) {
	if len(opts.Labels) == 0 || len(opts.Grid) == 0 {
		return SweepReport{}, fmt.Errorf("sweep: no labels or no grid")
	}
	n := 1
	for range opts.Labels {
		n *= len(opts.Grid)
		if n > MaxSweepSettings {
			return SweepReport{}, fmt.Errorf("sweep: %d labels over %d values is more than %d settings; sweep fewer labels or a coarser grid", len(opts.Labels), len(opts.Grid), MaxSweepSettings)
		}
	}
	serious := opts.Serious
	if len(serious) == 0 {
		serious = DefaultSerious
	}
	for l := range opts.Floors {
		if !slices.Contains(serious, l) {
			return SweepReport{}, fmt.Errorf("sweep: floor on %q, which is not a serious label (%s)", l, strings.Join(serious, ","))
		}
	}
	if opts.Traffic != nil && (opts.TrafficItems <= 0 || !(opts.MaxTraffic >= 0 && opts.MaxTraffic <= 1)) {
		return SweepReport{}, fmt.Errorf("sweep: traffic of %d posts with a cap of %v: want posts and a share between 0 and 1", opts.TrafficItems, opts.MaxTraffic)
	}
	rep := SweepReport{Swept: opts.Labels, Grid: opts.Grid, Settings: n, MaxProtected: opts.MaxProtected, Floors: opts.Floors}
	maxTraffic := -1
	if opts.Traffic != nil {
		rep.TrafficItems, rep.MaxTraffic = opts.TrafficItems, opts.MaxTraffic
		maxTraffic = int(math.Floor(opts.MaxTraffic*float64(opts.TrafficItems) + 1e-9))
	}
	// summary routes the items under a setting, and the traffic when
	// there is some.
	summary := func(th map[string]float64) (RoutingReport, int, error) {
		items, err := route(th)
		if err != nil {
			return RoutingReport{}, 0, err
		}
		traffic := 0
		if opts.Traffic != nil {
			if traffic, err = opts.Traffic(th); err != nil {
				return RoutingReport{}, 0, fmt.Errorf("routing the traffic: %w", err)
			}
		}
		return SummarizeRouting(items, serious, nil), traffic, nil
	}
	// point reads a setting's summary; the group sizes are the same for
	// every setting and are read from the policy's own.
	point := func(th map[string]float64, s RoutingReport, traffic int) SweepPoint {
		p := SweepPoint{Thresholds: th, Violating: s.Violating.Queued, Protected: s.Protected.Queued, Labels: map[string]int{}, Meets: true, Traffic: traffic}
		if maxTraffic >= 0 && traffic > maxTraffic {
			p.Meets = false
		}
		for _, g := range s.Labels {
			if slices.Contains(serious, g.Name) {
				p.Labels[g.Name] = g.Queued
			}
		}
		for l, f := range opts.Floors {
			if float64(p.Labels[l]) < f*float64(rep.LabelItems[l])-1e-9 {
				p.Meets = false
			}
		}
		return p
	}
	cur := map[string]float64{}
	for _, l := range opts.Labels {
		cur[l] = opts.Current[l]
	}
	cs, ct, err := summary(cur)
	if err != nil {
		return rep, err
	}
	rep.ViolatingItems, rep.ProtectedItems, rep.LabelItems = cs.Violating.Items, cs.Protected.Items, map[string]int{}
	for _, g := range cs.Labels {
		if slices.Contains(serious, g.Name) {
			rep.LabelItems[g.Name] = g.Items
		}
	}
	rep.Current = point(cur, cs, ct)
	points := make([]SweepPoint, n)
	workers := max(opts.Workers, 1)
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for k := w; k < n; k += workers {
				th := map[string]float64{}
				for i, rest := len(opts.Labels)-1, k; i >= 0; i-- {
					th[opts.Labels[i]] = opts.Grid[rest%len(opts.Grid)]
					rest /= len(opts.Grid)
				}
				s, tr, err := summary(th)
				if err != nil {
					errs[w] = err
					return
				}
				points[k] = point(th, s, tr)
			}
		}(w)
	}
	wg.Wait()
	for _, e := range errs {
		if e != nil {
			return rep, e
		}
	}
	dist := func(p SweepPoint) float64 {
		d := 0.0
		for l, v := range p.Thresholds {
			d += math.Abs(v - cur[l])
		}
		return d
	}
	// better orders points: more violating, then fewer protected, then
	// nearer the policy's own setting.
	better := func(a, b SweepPoint) bool {
		if a.Violating != b.Violating {
			return a.Violating > b.Violating
		}
		if a.Protected != b.Protected {
			return a.Protected < b.Protected
		}
		return dist(a) < dist(b)-1e-9
	}
	maxProt := int(math.Floor(opts.MaxProtected*float64(rep.ProtectedItems) + 1e-9))
	byProt := map[int]SweepPoint{}
	for _, p := range points {
		if !p.Meets {
			continue
		}
		if p.Protected <= maxProt && (rep.Best == nil || better(p, *rep.Best)) {
			q := p
			rep.Best = &q
		}
		if b, ok := byProt[p.Protected]; !ok || better(p, b) {
			byProt[p.Protected] = p
		}
	}
	prots := make([]int, 0, len(byProt))
	for k := range byProt {
		prots = append(prots, k)
	}
	sort.Ints(prots)
	top := -1
	for _, k := range prots {
		if p := byProt[k]; p.Violating > top {
			rep.Frontier = append(rep.Frontier, p)
			top = p.Violating
		}
	}
	return rep, nil
}

// WriteText writes the sweep for a person: the policy's point, the chosen
// one and the frontier.
func (r SweepReport) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "\nthreshold sweep: %s over %d values (%d settings); at most %.1f%% of protected or ordinary items queued", strings.Join(r.Swept, ", "), len(r.Grid), r.Settings, 100*r.MaxProtected)
	if len(r.Floors) > 0 {
		var fl []string
		for _, l := range slices.Sorted(maps.Keys(r.Floors)) {
			fl = append(fl, fmt.Sprintf("%s ≥ %.0f%%", l, 100*r.Floors[l]))
		}
		fmt.Fprintf(tw, "; floors %s", strings.Join(fl, ", "))
	}
	if r.TrafficItems > 0 {
		fmt.Fprintf(tw, "; at most %.2f%% of %d real-traffic posts queued", 100*r.MaxTraffic, r.TrafficItems)
	}
	head := "\n\n\tthresholds\tviolating queued\tprotected queued"
	if r.TrafficItems > 0 {
		head += "\ttraffic queued"
	}
	fmt.Fprintf(tw, "%s\n", head)
	row := func(name string, p SweepPoint) {
		fmt.Fprintf(tw, "%s\t%s\t%d of %d (%.1f%%)\t%d of %d (%.1f%%)", name, r.setting(p), p.Violating, r.ViolatingItems, pct(p.Violating, r.ViolatingItems),
			p.Protected, r.ProtectedItems, pct(p.Protected, r.ProtectedItems))
		if r.TrafficItems > 0 {
			fmt.Fprintf(tw, "\t%d of %d (%.2f%%)", p.Traffic, r.TrafficItems, pct(p.Traffic, r.TrafficItems))
		}
		fmt.Fprintln(tw)
	}
	row("policy", r.Current)
	if r.Best != nil {
		row("chosen", *r.Best)
	} else {
		fmt.Fprintf(tw, "chosen\tno setting meets the target, the floors and the traffic cap\t\t\n")
	}
	fmt.Fprintf(tw, "\nfrontier\n")
	for _, p := range r.Frontier {
		row("", p)
	}
	return tw.Flush()
}

func (r SweepReport) setting(p SweepPoint) string {
	parts := make([]string, len(r.Swept))
	for i, l := range r.Swept {
		parts[i] = fmt.Sprintf("%s %.2f", l, p.Thresholds[l])
	}
	return strings.Join(parts, ", ")
}

func pct(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return 100 * float64(n) / float64(of)
}
