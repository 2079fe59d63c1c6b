package train

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"

	"github.com/rasd-iq/rasd/models"
)

// OperatingRule describes how Config.Traffic sets thresholds (the %g are the
// target precision and the prevalence).
const OperatingRule = "per serious label (incitement, hate, terrorism, threat; offensive and the context labels keep the macro-F1 rule), the lowest threshold t whose estimated precision π·R(t) / (π·R(t) + (1−π)·F(t)) reaches %g at prevalence π = %g, where R(t) is the share of the label's labelled positives (the scores the macro-F1 rule uses) scoring at least t and F(t) the share of the unannotated traffic sample scoring at least t, all counted as false alarms; when none reaches it, the threshold with the best estimate"

// SeriousLabels are the labels whose flags send a post to reviewers as
// serious; the traffic check counts posts with any of them.
var SeriousLabels = []string{"incitement", "hate", "terrorism", "threat"}

// readTexts reads the "text" of every JSONL line of each path (other fields,
// labels included, are ignored: traffic samples are not annotated).
func readTexts(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return nil, fmt.Errorf("reading traffic sample: %w", err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<16), 1<<24)
		for line := 1; sc.Scan(); line++ {
			if len(sc.Bytes()) == 0 {
				continue
			}
			var it struct {
				Text *string `json:"text"`
			}
			if err := json.Unmarshal(sc.Bytes(), &it); err != nil || it.Text == nil {
				f.Close()
				return nil, fmt.Errorf("%s:%d: not a JSON object with a \"text\" (%v)", p, line, err)
			}
			out = append(out, *it.Text)
		}
		err = sc.Err()
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", p, err)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("traffic sample %v has no posts", paths)
	}
	return out, nil
}

// scoreTexts returns the network's scores per label for texts.
func scoreTexts(net *models.Net, d models.Discount, texts []string, cfg Config, lex *models.Lexicon) [][]float64 {
	ex := models.NewExtractor(cfg.Features)
	K := net.Labels
	out := make([][]float64, K)
	x := make([]float32, net.Dim+net.Dense)
	h := make([]float32, net.Hidden)
	z := make([]float32, K)
	for _, t := range texts {
		norm := cfg.Features.ModelText(t, "")
		ex.Extract(norm)
		e := example{ids: make([]int32, len(ex.IDs)), tf: slices.Clone(ex.Counts), dense: make([]float32, len(lex.Categories))}
		for i, id := range ex.IDs {
			e.ids[i] = int32(id)
		}
		lex.Dense(lex.Match(norm, nil), e.dense)
		e.w = normWeights(net, e)
		predict(net, d, e, x, h, z)
		for k := range K {
			out[k] = append(out[k], float64(z[k]))
		}
	}
	return out
}

// atLeast returns the share of sorted (ascending) values that are >= t.
func atLeast(sorted []float64, t float64) float64 {
	i := sort.SearchFloat64s(sorted, t)
	return float64(len(sorted)-i) / float64(len(sorted))
}

// operatingThreshold picks label's threshold from its positives' scores and
// the traffic sample's scores (see OperatingRule).
func operatingThreshold(pos, traffic []float64, target, prev float64) models.OperatingLabel {
	pos = slices.Clone(pos)
	traffic = slices.Clone(traffic)
	sort.Float64s(pos)
	sort.Float64s(traffic)
	est := func(t float64) (r, f, p float64) {
		r, f = atLeast(pos, t), atLeast(traffic, t)
		if r == 0 && f == 0 {
			return 0, 0, 0
		}
		return r, f, prev * r / (prev*r + (1-prev)*f)
	}
	var best models.OperatingLabel
	best.Precision = -1
	for i, t := range pos { // recall only changes at a positive's score
		if i > 0 && t == pos[i-1] {
			continue
		}
		r, f, p := est(t)
		if p >= target {
			return models.OperatingLabel{Threshold: t, Recall: round4(r), TrafficRate: round4(f), Precision: round4(p), Reached: true}
		}
		if p > best.Precision {
			best = models.OperatingLabel{Threshold: t, Recall: round4(r), TrafficRate: round4(f), Precision: round4(p)}
		}
	}
	return best
}

// positivesPool returns, per label, the scores of the labelled positives
// the thresholds are chosen on: out-of-fold training scores (when oof is
// not nil) and the validation part; the training part when the validation
// part has fewer than minValidPositives of a label and there is no oof.
func positivesPool(net *models.Net, exs []example, oof *sideScores) [][]float64 {
	vs, vt, _ := scoresFor(net, models.Discount{}, exs, true)
	var ts [][]float64
	var tt [][]bool
	out := make([][]float64, net.Labels)
	for k := range out {
		for i, y := range vt[k] {
			if y {
				out[k] = append(out[k], vs[k][i])
			}
		}
		if oof != nil {
			for i, y := range oof.truth[k] {
				if y {
					out[k] = append(out[k], oof.scores[k][i])
				}
			}
			continue
		}
		if len(out[k]) < minValidPositives {
			if ts == nil {
				ts, tt, _ = scoresFor(net, models.Discount{}, exs, false)
			}
			for i, y := range tt[k] {
				if y {
					out[k] = append(out[k], ts[k][i])
				}
			}
		}
	}
	return out
}

// setOperatingPoint moves the serious labels' thresholds to the operating
// point on cfg.Traffic. It reads undiscounted scores: Config.Stance and
// Config.Traffic exclude each other.
func setOperatingPoint(net *models.Net, exs []example, card *models.Card, oof *sideScores, cfg Config, lex *models.Lexicon) error {
	texts, err := readTexts(cfg.Traffic)
	if err != nil {
		return err
	}
	traffic := scoreTexts(net, models.Discount{}, texts, cfg, lex)
	pool := positivesPool(net, exs, oof)
	vs, vt, _ := scoresFor(net, models.Discount{}, exs, true)
	op := &models.OperatingPoint{TargetPrecision: cfg.TargetPrecision, Prevalence: cfg.Prevalence,
		Rule: fmt.Sprintf(OperatingRule, cfg.TargetPrecision, cfg.Prevalence), TrafficPosts: len(texts),
		Labels: map[string]models.OperatingLabel{}}
	for _, p := range cfg.Traffic {
		op.Traffic = append(op.Traffic, DisplayPath(p))
	}
	for k, l := range card.Labels {
		if !slices.Contains(SeriousLabels, l) || len(pool[k]) == 0 {
			continue
		}
		ol := operatingThreshold(pool[k], traffic[k], cfg.TargetPrecision, cfg.Prevalence)
		ol.F1Threshold = card.Thresholds[l]
		op.Labels[l] = ol
		card.Thresholds[l] = ol.Threshold
		card.Validation[l] = validationMetrics(vs[k], vt[k], ol.Threshold)
	}
	card.Training.Operating = op
	return nil
}

// checkTraffic counts the held-out ordinary posts of cfg.TrafficCheck that
// the network flags serious at card's thresholds: the expected reviewer load
// from ordinary traffic.
func checkTraffic(net *models.Net, card *models.Card, cfg Config, lex *models.Lexicon) (*models.TrafficCheck, error) {
	texts, err := readTexts(cfg.TrafficCheck)
	if err != nil {
		return nil, err
	}
	sc := scoreTexts(net, card.Discount(), texts, cfg, lex)
	chk := &models.TrafficCheck{Posts: len(texts), ByLabel: map[string]int{}}
	for _, p := range cfg.TrafficCheck {
		chk.Traffic = append(chk.Traffic, DisplayPath(p))
	}
	for i := range texts {
		hit := false
		for k, l := range card.Labels {
			if slices.Contains(SeriousLabels, l) && sc[k][i] >= card.Thresholds[l] {
				chk.ByLabel[l]++
				hit = true
			}
		}
		if hit {
			chk.Flagged++
		}
	}
	chk.Rate = round4(float64(chk.Flagged) / float64(chk.Posts))
	chk.PerTenThousand = round4(chk.Rate * 10000)
	return chk, nil
}
