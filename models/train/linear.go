package train

import (
	"math"
	"sync"
)

// linearModel is a multi-label logistic regression on the sparse tf·idf
// features and the dense lexicon features: the network's linear path,
// fitted first (it is convex) so that the rest of training starts from it.
type linearModel struct {
	K, V, F int
	// theta is [V+F+1][K]: per bucket, then per dense input, then the bias,
	// the K labels' weights side by side (one memory access serves all labels).
	theta []float64

	// r, when set, is [V][K]: each label's naive-Bayes log-count ratio per
	// bucket, multiplying the features (NB-LR); the fitted sparse weights
	// are then theta⊙r.
	r []float64

	partGrad [][]float64
	evals    int
}

// nbRatios returns the naive-Bayes log-count ratios of the buckets per label
// on the training part: log((p_b/‖p‖₁)/(q_b/‖q‖₁)) with p_b (q_b) one plus
// the number of positive (negative) items containing bucket b.
func nbRatios(exs []example, K, V int) []float64 {
	p := make([]float64, V*K)
	q := make([]float64, V*K)
	for i := range p {
		p[i], q[i] = 1, 1
	}
	for ei := range exs {
		e := &exs[ei]
		if e.valid {
			continue
		}
		for _, id := range e.ids {
			for k := 0; k < K; k++ {
				switch e.y[k] {
				case 1:
					p[int(id)*K+k]++
				case 0:
					q[int(id)*K+k]++
				}
			}
		}
	}
	r := make([]float64, V*K)
	for k := 0; k < K; k++ {
		var sp, sq float64
		for b := 0; b < V; b++ {
			sp += p[b*K+k]
			sq += q[b*K+k]
		}
		for b := 0; b < V; b++ {
			r[b*K+k] = math.Log((p[b*K+k] / sp) / (q[b*K+k] / sq))
		}
	}
	return r
}

// at returns the index in theta of row r (bucket, then dense input, then bias), label k.
func (lm *linearModel) at(r, k int) int { return r*lm.K + k }

// logits writes the linear model's logits for example e into z.
func (lm *linearModel) logits(theta []float64, e *example, z []float64) {
	K := lm.K
	copy(z, theta[(lm.V+lm.F)*K:(lm.V+lm.F+1)*K])
	for i, id := range e.ids {
		w := float64(e.w[i])
		row := theta[int(id)*K : int(id+1)*K]
		if lm.r != nil {
			rr := lm.r[int(id)*K : int(id+1)*K]
			for k, t := range row {
				z[k] += w * t * rr[k]
			}
			continue
		}
		for k, t := range row {
			z[k] += w * t
		}
	}
	for f, d := range e.dense {
		row := theta[(lm.V+f)*K : (lm.V+f+1)*K]
		for k, t := range row {
			z[k] += float64(d) * t
		}
	}
}

// objective returns the mean logistic loss over the training part plus
// lambda/2·‖w‖² (the bias is not penalised), and its gradient in grad. The
// work is split over a fixed number of parts whose results are added in a
// fixed order, so the result does not depend on scheduling.
func (lm *linearModel) objective(theta, grad []float64, exs []example, lambda float64) float64 {
	const parts = 4
	if lm.partGrad == nil {
		for range parts {
			lm.partGrad = append(lm.partGrad, make([]float64, len(theta)))
		}
	}
	K0 := lm.K
	losses := make([]float64, parts*K0) // per part and label
	counts := make([]int, parts*K0)     // items that count for the label (annotated)
	var wg sync.WaitGroup
	for p := 0; p < parts; p++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g := lm.partGrad[p]
			clear(g)
			K := lm.K
			z := make([]float64, K)
			d := make([]float64, K)
			lo, hi := p*len(exs)/parts, (p+1)*len(exs)/parts
			for ei := lo; ei < hi; ei++ {
				e := &exs[ei]
				if e.valid {
					continue
				}
				lm.logits(theta, e, z)
				for k, zk := range z {
					y := float64(e.y[k])
					if y < 0 { // label not annotated for this item: no loss
						d[k] = 0
						continue
					}
					counts[p*K+k]++
					// log(1+exp(z)) - y·z, computed stably
					if zk > 0 {
						losses[p*K+k] += zk + math.Log1p(math.Exp(-zk)) - y*zk
					} else {
						losses[p*K+k] += math.Log1p(math.Exp(zk)) - y*zk
					}
					d[k] = 1/(1+math.Exp(-zk)) - y
				}
				for i, id := range e.ids {
					w := float64(e.w[i])
					row := g[int(id)*K : int(id+1)*K]
					if lm.r != nil {
						rr := lm.r[int(id)*K : int(id+1)*K]
						for k := range row {
							row[k] += d[k] * w * rr[k]
						}
						continue
					}
					for k := range row {
						row[k] += d[k] * w
					}
				}
				for f, v := range e.dense {
					row := g[(lm.V+f)*K : (lm.V+f+1)*K]
					for k := range row {
						row[k] += d[k] * float64(v)
					}
				}
				bias := g[(lm.V+lm.F)*K : (lm.V+lm.F+1)*K]
				for k := range bias {
					bias[k] += d[k]
				}
			}
		}()
	}
	wg.Wait()
	// Each label's loss is the mean over the items that count for it, so a
	// label annotated by fewer corpora is not regularised harder.
	var loss float64
	inv := make([]float64, K0)
	for k := range K0 {
		var l float64
		n := 0
		for p := 0; p < parts; p++ {
			l += losses[p*K0+k]
			n += counts[p*K0+k]
		}
		if n > 0 {
			inv[k] = 1 / float64(n)
		}
		loss += l * inv[k]
	}
	copy(grad, lm.partGrad[0])
	for p := 1; p < parts; p++ {
		for i, v := range lm.partGrad[p] {
			grad[i] += v
		}
	}
	for i := range grad {
		grad[i] *= inv[i%K0]
	}
	for j := 0; j < (lm.V+lm.F)*lm.K; j++ { // the bias row is not penalised
		loss += lambda / 2 * theta[j] * theta[j]
		grad[j] += lambda * theta[j]
	}
	lm.evals++
	return loss
}

// fitLinear fits the linear model with L-BFGS (full batch, deterministic).
func fitLinear(exs []example, K, V, F int, lambda float64, iters int, bias []float64, nb bool) *linearModel {
	lm := &linearModel{K: K, V: V, F: F}
	if nb {
		lm.r = nbRatios(exs, K, V)
	}
	lm.theta = make([]float64, (V+F+1)*K)
	copy(lm.theta[(V+F)*K:], bias)
	f := func(x, g []float64) float64 { return lm.objective(x, g, exs, lambda) }
	lbfgs(f, lm.theta, iters, 10)
	if lm.r != nil { // fold the ratios into the weights: the network sees plain features
		for i, r := range lm.r {
			lm.theta[i] *= r
		}
	}
	return lm
}

// lbfgs minimises f from x in place with limited-memory BFGS and a
// backtracking (Armijo) line search.
func lbfgs(f func(x, g []float64) float64, x []float64, iters, m int) {
	n := len(x)
	g := make([]float64, n)
	fx := f(x, g)
	var sHist, yHist [][]float64
	var rho []float64
	d := make([]float64, n)
	xNew := make([]float64, n)
	gNew := make([]float64, n)
	alpha := make([]float64, m)
	for it := 0; it < iters; it++ {
		// two-loop recursion: d = -H·g
		copy(d, g)
		for i := len(sHist) - 1; i >= 0; i-- {
			alpha[i] = rho[i] * dot(sHist[i], d)
			axpy(-alpha[i], yHist[i], d)
		}
		if k := len(sHist); k > 0 {
			gamma := dot(sHist[k-1], yHist[k-1]) / dot(yHist[k-1], yHist[k-1])
			for i := range d {
				d[i] *= gamma
			}
		} else {
			gn := math.Sqrt(dot(g, g))
			if gn == 0 {
				return
			}
			for i := range d {
				d[i] /= gn
			}
		}
		for i := 0; i < len(sHist); i++ {
			beta := rho[i] * dot(yHist[i], d)
			axpy(alpha[i]-beta, sHist[i], d)
		}
		for i := range d {
			d[i] = -d[i]
		}
		slope := dot(g, d)
		if slope >= 0 { // not a descent direction: restart from the gradient
			sHist, yHist, rho = nil, nil, nil
			for i := range d {
				d[i] = -g[i]
			}
			slope = dot(g, d)
		}
		step := 1.0
		var fNew float64
		ok := false
		for ls := 0; ls < 30; ls++ {
			for i := range x {
				xNew[i] = x[i] + step*d[i]
			}
			fNew = f(xNew, gNew)
			if fNew <= fx+1e-4*step*slope {
				ok = true
				break
			}
			step /= 2
		}
		if !ok {
			return
		}
		s := make([]float64, n)
		y := make([]float64, n)
		for i := range x {
			s[i] = xNew[i] - x[i]
			y[i] = gNew[i] - g[i]
		}
		sy := dot(s, y)
		copy(x, xNew)
		copy(g, gNew)
		improved := fx - fNew
		fx = fNew
		if sy > 1e-12 {
			if len(sHist) == m {
				sHist, yHist, rho = sHist[1:], yHist[1:], rho[1:]
			}
			sHist, yHist, rho = append(sHist, s), append(yHist, y), append(rho, 1/sy)
		}
		if improved < 1e-7*max(1, math.Abs(fx)) {
			return
		}
	}
}

func dot(a, b []float64) float64 {
	var s float64
	for i, v := range a {
		s += v * b[i]
	}
	return s
}

func axpy(a float64, x, y []float64) {
	for i, v := range x {
		y[i] += a * v
	}
}

// fitLinearSplit fits labels [0, split) and [split, K) as two separate
// linear models and returns them side by side as one: the labels a head adds
// (Config.Heads) then cannot move the engine's labels, which come out as
// they would without any head. split ≤ 0 or ≥ K fits all labels together.
func fitLinearSplit(exs []example, K, split, V, F int, lambda float64, iters int, bias []float64, nb bool) *linearModel {
	if split <= 0 || split >= K {
		return fitLinear(exs, K, V, F, lambda, iters, bias, nb)
	}
	part := func(lo, hi int) *linearModel {
		sub := make([]example, len(exs))
		for i, e := range exs {
			e.y = e.y[lo:hi]
			sub[i] = e
		}
		return fitLinear(sub, hi-lo, V, F, lambda, iters, bias[lo:hi], nb)
	}
	a, b := part(0, split), part(split, K)
	lm := &linearModel{K: K, V: V, F: F, theta: make([]float64, (V+F+1)*K), evals: a.evals + b.evals}
	for row := 0; row < V+F+1; row++ {
		copy(lm.theta[row*K:row*K+split], a.theta[row*a.K:(row+1)*a.K])
		copy(lm.theta[row*K+split:(row+1)*K], b.theta[row*b.K:(row+1)*b.K])
	}
	return lm
}
