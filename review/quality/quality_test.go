package quality

import (
	"math"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-3 }

func TestWilson(t *testing.T) {
	for _, c := range []struct {
		name      string
		hits, n   int
		low, high float64
	}{
		{"no trials", 0, 0, 0, 1},
		{"none of one", 0, 1, 0, 0.7935},
		{"one of one", 1, 1, 0.2065, 1},
		{"none of ten", 0, 10, 0, 0.2775},
		{"half of ten", 5, 10, 0.2366, 0.7634},
		{"all of ten", 10, 10, 0.7225, 1},
		{"eighty of a hundred", 80, 100, 0.7112, 0.8666},
		{"more hits than trials", 5, 3, 0.4385, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			lo, hi := Wilson(c.hits, c.n)
			if !near(lo, c.low) || !near(hi, c.high) {
				t.Errorf("Wilson(%d, %d) = [%.4f, %.4f], want [%.4f, %.4f]", c.hits, c.n, lo, hi, c.low, c.high)
			}
		})
	}
}

func TestComputeEmpty(t *testing.T) {
	r := Compute(nil, 0)
	if r.Routed != 0 || r.Samples != 0 || len(r.Labels) != 0 {
		t.Fatalf("empty report: %+v", r)
	}
	o := r.Overall
	if o.Precision.Enough || o.MissRate.Enough || o.Recall.Known || o.Precision.Value != 0 || o.Precision.High != 1 {
		t.Errorf("empty overall: %+v", o)
	}
}

func TestCompute(t *testing.T) {
	cases := []Case{
		{Flagged: []string{"hate"}, Final: []string{"hate"}},
		{Flagged: []string{"hate"}, Final: []string{}},
		{Flagged: []string{"hate", "threat"}, Final: []string{"threat"}},
		{Flagged: []string{"extremism"}, Final: []string{"extremism"}},
		{Sample: true, Final: []string{"hate"}},
		{Sample: true, Final: []string{}},
		{Sample: true, Final: []string{}},
		{Sample: true, Flagged: []string{"hate"}, Final: []string{}},
	}
	r := Compute(cases, 1000)
	if r.Routed != 4 || r.Samples != 4 {
		t.Fatalf("routed %d, samples %d; want 4, 4", r.Routed, r.Samples)
	}
	o := r.Overall
	if o.Precision.Hits != 3 || o.Precision.Of != 4 || o.MissRate.Hits != 1 || o.MissRate.Of != 4 {
		t.Errorf("overall precision %d/%d, miss %d/%d; want 3/4, 1/4", o.Precision.Hits, o.Precision.Of, o.MissRate.Hits, o.MissRate.Of)
	}
	if o.Precision.Enough || o.Recall.Enough {
		t.Error("8 decisions read as enough")
	}
	// recall = 3 / (3 + 0.25 × 1000)
	if !o.Recall.Known || !near(o.Recall.Value, 3.0/253) || o.Recall.Low > o.Recall.Value || o.Recall.High < o.Recall.Value {
		t.Errorf("overall recall %+v, want %.4f inside its range", o.Recall, 3.0/253)
	}
	byLabel := map[string]Estimate{}
	for _, e := range r.Labels {
		byLabel[e.Label] = e
	}
	if len(byLabel) != 3 {
		t.Fatalf("labels %v, want extremism, hate, threat", r.Labels)
	}
	h := byLabel["hate"]
	if h.Precision.Hits != 1 || h.Precision.Of != 3 || h.MissRate.Hits != 1 || h.MissRate.Of != 4 || h.Violating.Hits != 1 {
		t.Errorf("hate: %+v", h)
	}
	th := byLabel["threat"]
	if th.Precision.Hits != 1 || th.Precision.Of != 1 || th.Violating.Hits != 1 || th.MissRate.Hits != 0 {
		t.Errorf("threat: %+v", th)
	}
	// No sampled post violated threat: recall is 1 with a range below it.
	if !th.Recall.Known || th.Recall.Value != 1 || th.Recall.Low >= 1 {
		t.Errorf("threat recall %+v", th.Recall)
	}
}

func TestComputeNoMisses(t *testing.T) {
	// Nothing routed violated and no sample did: nothing to estimate recall from.
	r := Compute([]Case{{Flagged: []string{"hate"}, Final: []string{}}, {Sample: true, Final: []string{}}}, 50)
	if r.Overall.Recall.Known {
		t.Errorf("recall known from no violating post: %+v", r.Overall.Recall)
	}
	// Without unrouted posts counted there is no recall either.
	r = Compute([]Case{{Flagged: []string{"hate"}, Final: []string{"hate"}}, {Sample: true, Final: []string{"hate"}}}, 0)
	if r.Overall.Recall.Known {
		t.Errorf("recall known without an unrouted count: %+v", r.Overall.Recall)
	}
}

func TestEnough(t *testing.T) {
	var cases []Case
	for range MinDecisions {
		cases = append(cases, Case{Flagged: []string{"hate"}, Final: []string{"hate"}}, Case{Sample: true, Final: []string{}})
	}
	r := Compute(cases, 10000)
	o := r.Overall
	if !o.Precision.Enough || !o.MissRate.Enough || !o.Recall.Enough || o.Precision.Value != 1 || o.Recall.Value != 1 {
		t.Errorf("overall with %d decisions each: %+v", MinDecisions, o)
	}
	// 30 clean samples bound the miss rate at about 11%: of 10,000
	// unrouted posts up to about 1,100 may violate, against 30 routed.
	if want := 30 / (30 + 0.1135*10000); !near(o.Recall.Low, want) {
		t.Errorf("recall low %.4f, want %.4f", o.Recall.Low, want)
	}
}
