package eval

import (
	"strings"
	"testing"

	"github.com/rasd-iq/rasd/eval/dataset"
)

// sweepItems: two hateful items scored 0.6 and 0.8, one threat scored 0.7,
// and two protected items whose hate scores are 0.5 and 0.75; an item is
// queued when its score reaches its label's threshold.
func sweepRoute(th map[string]float64) ([]RoutedItem, error) {
	all := []string{"hate", "threat", "incitement", "terrorism"}
	type post struct {
		labels []string
		label  string
		score  float64
	}
	posts := []post{
		{[]string{"hate"}, "hate", 0.6},
		{[]string{"hate"}, "hate", 0.8},
		{[]string{"threat"}, "threat", 0.7},
		{nil, "hate", 0.5},
		{nil, "hate", 0.75},
	}
	out := make([]RoutedItem, len(posts))
	for i, p := range posts {
		out[i] = RoutedItem{Item: dataset.Item{ID: string(rune('a' + i)), Labels: p.labels, Annotates: all}, Queued: p.score >= th[p.label]}
	}
	return out, nil
}

func TestSweepChoosesWithinTarget(t *testing.T) {
	grid, err := ParseGrid("0.40:0.90:0.10")
	if err != nil || len(grid) != 6 || grid[5] != 0.9 {
		t.Fatalf("grid %v %v", grid, err)
	}
	opts := SweepOptions{Labels: []string{"hate", "threat"}, Grid: grid, Current: map[string]float64{"hate": 0.5, "threat": 0.5}, MaxProtected: 0.5, Workers: 3}
	rep, err := Sweep(opts, sweepRoute)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Settings != 36 || rep.ViolatingItems != 3 || rep.ProtectedItems != 2 {
		t.Fatalf("settings %d, items %d/%d", rep.Settings, rep.ViolatingItems, rep.ProtectedItems)
	}
	if rep.Current.Violating != 3 || rep.Current.Protected != 2 {
		t.Fatalf("current %+v", rep.Current)
	}
	// At most one protected item: hate 0.6 (both hateful items, the 0.75
	// protected one) beats hate 0.8 (one hateful item, none protected);
	// among the threat thresholds that keep the threat (≤ 0.7), 0.5 is the
	// policy's own. Queuing the second protected item finds no more
	// violating ones, so the frontier has two points.
	b := rep.Best
	if b == nil || b.Violating != 3 || b.Protected != 1 || b.Thresholds["hate"] != 0.6 || b.Thresholds["threat"] != 0.5 {
		t.Fatalf("best %+v", b)
	}
	if len(rep.Frontier) != 2 || rep.Frontier[0].Protected != 0 || rep.Frontier[0].Violating != 2 || rep.Frontier[1].Protected != 1 || rep.Frontier[1].Violating != 3 {
		t.Fatalf("frontier %+v", rep.Frontier)
	}
	// A floor on threat that no point with the threat below 0.7 misses; a
	// target of no protected item at all.
	opts.MaxProtected, opts.Floors = 0, map[string]float64{"threat": 1}
	rep, err = Sweep(opts, sweepRoute)
	if err != nil {
		t.Fatal(err)
	}
	if b := rep.Best; b == nil || b.Protected != 0 || b.Violating != 2 || b.Thresholds["threat"] > 0.7 || b.Thresholds["hate"] < 0.8 {
		t.Fatalf("best with a floor and no protected item: %+v", rep.Best)
	}
	var sb strings.Builder
	if err := rep.WriteText(&sb); err != nil || !strings.Contains(sb.String(), "floors threat ≥ 100%") || !strings.Contains(sb.String(), "chosen  hate 0.80") {
		t.Errorf("text:\n%s %v", sb.String(), err)
	}
	// A target no setting meets.
	opts.Floors = map[string]float64{"hate": 1}
	if rep, err = Sweep(opts, sweepRoute); err != nil || rep.Best != nil {
		t.Fatalf("impossible target: best %+v, %v", rep.Best, err)
	}
}

func TestSweepRefusesBadOptions(t *testing.T) {
	for _, g := range []string{"0.4:0.8", "0.8:0.4:0.1", "0.4:0.8:0", "a:b:c", "-0.1:0.5:0.1", "0.1:1.5:0.1"} {
		if _, err := ParseGrid(g); err == nil {
			t.Errorf("grid %q accepted", g)
		}
	}
	grid, _ := Grid(0, 1, 0.01)
	if _, err := Sweep(SweepOptions{Labels: []string{"a", "b", "c"}, Grid: grid}, sweepRoute); err == nil || !strings.Contains(err.Error(), "settings") {
		t.Errorf("a million settings: %v", err)
	}
	if _, err := Sweep(SweepOptions{Labels: []string{"hate"}, Grid: []float64{0.5}, Floors: map[string]float64{"offensive": 0.5}}, sweepRoute); err == nil {
		t.Error("a floor on a label that is not serious accepted")
	}
}

// TestSweepTrafficCap: real-traffic posts routed under every setting; a
// setting that queues more of them than the cap is not chosen, however many
// violating items it queues, and the text shows the traffic column.
func TestSweepTrafficCap(t *testing.T) {
	grid, _ := ParseGrid("0.40:0.90:0.10")
	// Ten ordinary posts with hate scores from 0.3 to 0.65 (one of them
	// reaches 0.6, three 0.5, five 0.4): a low hate bar floods review.
	scores := []float64{0.45, 0.45, 0.55, 0.55, 0.65, 0.3, 0.3, 0.3, 0.3, 0.3}
	traffic := func(th map[string]float64) (int, error) {
		n := 0
		for _, s := range scores {
			if s >= th["hate"] {
				n++
			}
		}
		return n, nil
	}
	opts := SweepOptions{Labels: []string{"hate", "threat"}, Grid: grid, Current: map[string]float64{"hate": 0.5, "threat": 0.5},
		MaxProtected: 0.5, Workers: 2, Traffic: traffic, TrafficItems: len(scores), MaxTraffic: 0.1}
	rep, err := Sweep(opts, sweepRoute)
	if err != nil {
		t.Fatal(err)
	}
	// Without the cap hate 0.6 is chosen (3 violating, 1 protected) and
	// queues one traffic post, within 10% of ten; a cap of none moves the
	// bar to 0.7, which queues no traffic post and one hateful item fewer.
	if b := rep.Best; b == nil || b.Thresholds["hate"] != 0.6 || b.Traffic != 1 || rep.TrafficItems != 10 {
		t.Fatalf("best within 10%% of the traffic: %+v (items %d)", rep.Best, rep.TrafficItems)
	}
	if rep.Current.Traffic != 3 || rep.Current.Meets {
		t.Fatalf("the policy's own point (hate 0.5) queues 3 of 10 and misses the cap: %+v", rep.Current)
	}
	opts.MaxTraffic = 0
	if rep, err = Sweep(opts, sweepRoute); err != nil {
		t.Fatal(err)
	}
	if b := rep.Best; b == nil || b.Thresholds["hate"] < 0.7 || b.Traffic != 0 || b.Violating != 2 {
		t.Fatalf("best with no traffic post queued: %+v", rep.Best)
	}
	for _, p := range rep.Frontier {
		if p.Traffic != 0 {
			t.Errorf("frontier point over the cap: %+v", p)
		}
	}
	var sb strings.Builder
	if err := rep.WriteText(&sb); err != nil || !strings.Contains(sb.String(), "at most 0.00% of 10 real-traffic posts queued") || !strings.Contains(sb.String(), "0 of 10 (0.00%)") {
		t.Errorf("text:\n%s %v", sb.String(), err)
	}
	// A cap without posts is refused.
	opts.TrafficItems = 0
	if _, err := Sweep(opts, sweepRoute); err == nil {
		t.Error("a traffic cap over no posts accepted")
	}
}
