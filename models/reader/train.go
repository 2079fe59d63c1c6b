package reader

import (
	"fmt"
	"io"
	"math"
	"math/rand"
	"slices"
	"sync"
	"time"
)

// Example is one training post for the reader.
type Example struct {
	// Words are the post's encoded words (Config.Encode).
	Words [][]int32
	// Y holds, per label, 1 (applies), 0 (does not) or a negative value
	// where the post's corpus does not annotate the label (no loss).
	Y []float32
	// Prior holds the first stage's logits for the post (nil means 0);
	// for a training post they must come from a first stage that did not
	// see it (out of fold), or the reader learns that the prior is always
	// right.
	Prior []float32
	// Weight scales the post's loss (0 means 1).
	Weight float32
}

// TrainConfig sets how Train fits a reader.
type TrainConfig struct {
	// Epochs is the number of passes; the best epoch by Validate is kept.
	Epochs int
	// LearningRate is Adam's step size (embeddings included, updated
	// lazily: only the rows a batch touched).
	LearningRate float64
	// BatchSize is the number of posts per update.
	BatchSize int
	// Dropout is the rate at which pooled filters are dropped in training.
	Dropout float64
	// WeightDecay is the decoupled weight decay of the convolution and
	// output weights.
	WeightDecay float64
	// Seed makes the run reproducible for one Threads value.
	Seed int64
	// Threads computes a batch's gradients in parallel (default 1).
	Threads int
	// Validate scores the network after each epoch (higher is better);
	// nil keeps the last epoch.
	Validate func(*Net) float64
	// Progress receives one line per epoch; nil means none.
	Progress io.Writer
}

// Train fits net on exs and returns the best network by cfg.Validate (a
// copy) and its epoch (1-based).
func Train(net *Net, exs []Example, cfg TrainConfig) (*Net, int, error) {
	if err := net.Check(); err != nil {
		return nil, 0, err
	}
	if cfg.Epochs < 1 || cfg.BatchSize < 1 || cfg.LearningRate <= 0 || cfg.Dropout < 0 || cfg.Dropout >= 1 {
		return nil, 0, fmt.Errorf("reader: training needs epochs, batch size and learning rate above 0 and dropout in [0,1), have %+v", cfg)
	}
	for i, e := range exs {
		if len(e.Y) != net.Labels || (e.Prior != nil && len(e.Prior) != net.Labels) {
			return nil, 0, fmt.Errorf("reader: example %d has %d labels and %d priors, want %d", i, len(e.Y), len(e.Prior), net.Labels)
		}
	}
	if cfg.Threads < 1 {
		cfg.Threads = 1
	}
	if cfg.Progress == nil {
		cfg.Progress = io.Discard
	}
	rng := rand.New(rand.NewSource(cfg.Seed))
	opt := newAdam(net)
	workers := make([]*grads, cfg.Threads)
	for i := range workers {
		workers[i] = newGrads(net, cfg.Seed+int64(i)+1)
	}
	order := make([]int, len(exs))
	for i := range order {
		order[i] = i
	}
	var best *Net
	bestEpoch, bestScore := 0, math.Inf(-1)
	for epoch := 1; epoch <= cfg.Epochs; epoch++ {
		start := time.Now()
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		var loss float64
		var known int
		for lo := 0; lo < len(order); lo += cfg.BatchSize {
			batch := order[lo:min(lo+cfg.BatchSize, len(order))]
			var wg sync.WaitGroup
			for wi, g := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					g.reset()
					for bi := wi; bi < len(batch); bi += len(workers) {
						g.add(net, exs[batch[bi]], cfg.Dropout)
					}
				}()
			}
			wg.Wait()
			for _, g := range workers {
				loss += g.loss
				known += g.known
			}
			opt.step(net, workers, float32(1/float64(len(batch))), cfg)
		}
		score := math.NaN()
		if cfg.Validate != nil {
			score = cfg.Validate(net)
		}
		fmt.Fprintf(cfg.Progress, "reader epoch %d/%d  loss %.4f  validation %.4f  (%.1fs)\n", epoch, cfg.Epochs, loss/float64(max(known, 1)), score, time.Since(start).Seconds())
		if cfg.Validate == nil || score > bestScore {
			best, bestEpoch, bestScore = net.Clone(), epoch, score
		}
	}
	return best, bestEpoch, nil
}

// Clone returns a deep copy of the network.
func (n *Net) Clone() *Net {
	c := *n
	c.Emb, c.Conv, c.ConvB, c.Out, c.OutB = slices.Clone(n.Emb), slices.Clone(n.Conv), slices.Clone(n.ConvB), slices.Clone(n.Out), slices.Clone(n.OutB)
	return &c
}

// grads accumulates one worker's gradients over its share of a batch.
type grads struct {
	s                       state
	rng                     *rand.Rand
	conv, convB, out, outB  []float32
	emb                     []float32 // [Buckets][Dim], only touched rows non-zero
	touched                 []int32
	mark                    []bool
	gx, gz, gpool, dropMask []float32
	loss                    float64
	known                   int
}

func newGrads(n *Net, seed int64) *grads {
	return &grads{rng: rand.New(rand.NewSource(seed)),
		conv: make([]float32, len(n.Conv)), convB: make([]float32, len(n.ConvB)), out: make([]float32, len(n.Out)), outB: make([]float32, len(n.OutB)),
		emb: make([]float32, len(n.Emb)), mark: make([]bool, n.Buckets)}
}

func (g *grads) reset() {
	clear(g.conv)
	clear(g.convB)
	clear(g.out)
	clear(g.outB)
	for _, id := range g.touched {
		g.mark[id] = false
	}
	g.touched = g.touched[:0]
	g.loss, g.known = 0, 0
}

// add backpropagates one example's masked binary cross-entropy.
func (g *grads) add(n *Net, e Example, dropout float64) {
	s := &g.s
	n.forward(e.Words, e.Prior, s)
	D, F, L := n.Dim, n.Filters, n.Labels
	if dropout > 0 {
		// Dropout on the pooled vector: recompute the logits with it.
		g.dropMask = resize(g.dropMask, F)
		keep := float32(1 / (1 - dropout))
		copy(s.z, n.OutB)
		for k, v := range e.Prior {
			s.z[k] += v
		}
		for f := range s.pool {
			g.dropMask[f] = 0
			if g.rng.Float64() >= dropout {
				g.dropMask[f] = keep
			}
			p := s.pool[f] * g.dropMask[f]
			if p == 0 {
				continue
			}
			for k, u := range n.Out[f*L : (f+1)*L] {
				s.z[k] += p * u
			}
		}
	}
	g.gz = resize(g.gz, L)
	labelled := false
	wt := e.Weight
	if wt == 0 {
		wt = 1
	}
	for k, y := range e.Y {
		g.gz[k] = 0
		if y < 0 {
			continue
		}
		p := sigmoid(s.z[k])
		g.gz[k] = wt * (p - y)
		labelled = true
		g.known++
		pp := math.Min(math.Max(float64(p), 1e-7), 1-1e-7)
		if y > 0 {
			g.loss -= float64(wt) * math.Log(pp)
		} else {
			g.loss -= float64(wt) * math.Log(1-pp)
		}
	}
	if !labelled {
		return
	}
	for k := range g.gz {
		g.outB[k] += g.gz[k]
	}
	g.gpool = resize(g.gpool, F)
	for f := 0; f < F; f++ {
		p := s.pool[f]
		if dropout > 0 {
			p *= g.dropMask[f]
		}
		var gp float32
		row, gout := n.Out[f*L:(f+1)*L], g.out[f*L:(f+1)*L]
		for k, gzk := range g.gz {
			gout[k] += p * gzk
			gp += row[k] * gzk
		}
		if dropout > 0 {
			gp *= g.dropMask[f]
		}
		g.gpool[f] = gp
	}
	T := max(len(e.Words), 1)
	g.gx = resize(g.gx, (T+2)*D)
	clear(g.gx)
	for f := 0; f < F; f++ {
		gh := g.gpool[f]
		if gh == 0 || s.pool[f] <= 0 {
			continue
		}
		g.convB[f] += gh
		t := s.arg[f]
		for j := 0; j < Width; j++ {
			xr := s.x[(t+j)*D : (t+j+1)*D]
			gxr := g.gx[(t+j)*D : (t+j+1)*D]
			base := j * D * F
			for i := 0; i < D; i++ {
				g.conv[base+i*F+f] += xr[i] * gh
				gxr[i] += n.Conv[base+i*F+f] * gh
			}
		}
	}
	for t, w := range e.Words {
		if len(w) == 0 {
			continue
		}
		gxr := g.gx[(t+1)*D : (t+2)*D]
		inv := 1 / float32(len(w))
		for _, id := range w {
			if !g.mark[id] {
				g.mark[id] = true
				g.touched = append(g.touched, id)
				clear(g.emb[int(id)*D : int(id+1)*D])
			}
			row := g.emb[int(id)*D : int(id+1)*D]
			for i, v := range gxr {
				row[i] += inv * v
			}
		}
	}
}

// adam holds Adam's moments; embedding rows are updated lazily.
type adam struct {
	t                                  int
	mConv, vConv, mCB, vCB, mOut, vOut []float32
	mOB, vOB, mEmb, vEmb, gEmb         []float32
	seen                               []bool
	rows                               []int32
}

func newAdam(n *Net) *adam {
	z := func(k int) []float32 { return make([]float32, k) }
	return &adam{mConv: z(len(n.Conv)), vConv: z(len(n.Conv)), mCB: z(len(n.ConvB)), vCB: z(len(n.ConvB)),
		mOut: z(len(n.Out)), vOut: z(len(n.Out)), mOB: z(len(n.OutB)), vOB: z(len(n.OutB)),
		mEmb: z(len(n.Emb)), vEmb: z(len(n.Emb)), gEmb: z(len(n.Emb)), seen: make([]bool, n.Buckets)}
}

const (
	beta1, beta2, adamEps = 0.9, 0.999, 1e-8
)

// step sums the workers' gradients, scales them by scale and takes one Adam step.
func (a *adam) step(n *Net, ws []*grads, scale float32, cfg TrainConfig) {
	a.t++
	c1 := float32(1 - math.Pow(beta1, float64(a.t)))
	c2 := float32(1 - math.Pow(beta2, float64(a.t)))
	lr := float32(cfg.LearningRate)
	decay := float32(1 - cfg.LearningRate*cfg.WeightDecay)
	upd := func(w, m, v []float32, get func(i int) float32, wd bool) {
		for i := range w {
			gi := get(i) * scale
			m[i] = beta1*m[i] + (1-beta1)*gi
			v[i] = beta2*v[i] + (1-beta2)*gi*gi
			if wd {
				w[i] *= decay
			}
			w[i] -= lr * (m[i] / c1) / (float32(math.Sqrt(float64(v[i]/c2))) + adamEps)
		}
	}
	sum := func(pick func(*grads) []float32) func(int) float32 {
		return func(i int) float32 {
			var s float32
			for _, g := range ws {
				s += pick(g)[i]
			}
			return s
		}
	}
	upd(n.Conv, a.mConv, a.vConv, sum(func(g *grads) []float32 { return g.conv }), true)
	upd(n.ConvB, a.mCB, a.vCB, sum(func(g *grads) []float32 { return g.convB }), false)
	upd(n.Out, a.mOut, a.vOut, sum(func(g *grads) []float32 { return g.out }), true)
	upd(n.OutB, a.mOB, a.vOB, sum(func(g *grads) []float32 { return g.outB }), false)
	D := n.Dim
	a.rows = a.rows[:0]
	for _, g := range ws {
		for _, id := range g.touched {
			row := a.gEmb[int(id)*D : int(id+1)*D]
			if !a.seen[id] {
				a.seen[id] = true
				a.rows = append(a.rows, id)
				clear(row)
			}
			for i, v := range g.emb[int(id)*D : int(id+1)*D] {
				row[i] += v
			}
		}
	}
	for _, id := range a.rows {
		a.seen[id] = false
		lo, hi := int(id)*D, int(id+1)*D
		gr := a.gEmb[lo:hi]
		upd(n.Emb[lo:hi], a.mEmb[lo:hi], a.vEmb[lo:hi], func(i int) float32 { return gr[i] }, false)
	}
}
