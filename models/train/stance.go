package train

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/rasd-iq/rasd/models"
)

// StanceExponents are the exponents Config.Stance chooses from (0: no
// discount).
var StanceExponents = []float64{0, 0.5, 1, 2, 3}

// StanceRule describes how Config.Stance chooses the card's stance (the
// verbs are the context labels, the exponents tried, the exponent chosen,
// and the joint figure with it and without a discount).
const StanceRule = "the serious labels' probabilities are discounted by (1 − c)^a, c the largest probability among the context labels (%s); a is chosen from %v as the exponent whose per-label and joint thresholds, set by the rules above on the same discounted out-of-fold and validation scores, give the joint rule's highest figure (the smallest among equal figures): a = %g, figure %.4f against %.4f undiscounted"

// discounted returns o with its probabilities discounted by d and its
// per-label scores read again from them.
func (o sideScores) discounted(d models.Discount) sideScores {
	out := sideScores{truth: o.truth, groups: o.groups, items: o.items,
		probs: make([][]float32, len(o.probs)), scores: make([][]float64, len(o.scores))}
	for i, p := range o.probs {
		if p != nil {
			out.probs[i] = slices.Clone(p)
			d.Apply(out.probs[i])
		}
	}
	for k := range o.scores {
		out.scores[k] = make([]float64, len(o.scores[k]))
		for j, i := range o.items[k] {
			out.scores[k][j] = float64(out.probs[i][k])
		}
	}
	return out
}

// chooseStance sets card.Stance by StanceRule: for each exponent of
// StanceExponents it sets the per-label thresholds (chooseThresholdsOn) and
// the joint ones (JointRule, with the ordinary posts as cfg puts them in
// it) on oof and the validation part discounted by it, and keeps the
// exponent with the highest joint figure. It returns oof discounted by the
// chosen exponent, with card's thresholds and validation figures set on it,
// and a line for the progress output; oof unchanged and an empty line when
// the card lacks serious or context labels or the pool lacks a class.
func chooseStance(net *models.Net, exs []example, card *models.Card, oof sideScores, cfg Config) (sideScores, string) {
	on := seriousColumns(card)
	var by []int
	var onNames, byNames []string
	for _, k := range on {
		onNames = append(onNames, card.Labels[k])
	}
	for k, l := range card.Labels {
		if card.IsContext(l) {
			by, byNames = append(by, k), append(byNames, l)
		}
	}
	if len(on) == 0 || len(by) == 0 {
		return oof, ""
	}
	type trial struct {
		exp    float64
		figure float64
		oof    sideScores
		card   models.Card
	}
	var best, none *trial
	var figures []string
	for _, a := range StanceExponents {
		d := models.NewDiscount(a, on, by)
		t := trial{exp: a, oof: oof.discounted(d), card: *card}
		t.card.Thresholds, t.card.Validation = maps.Clone(card.Thresholds), maps.Clone(card.Validation)
		t.card.Stance = &models.Stance{Exponent: a, Labels: onNames, By: byNames}
		chooseThresholdsOn(net, exs, &t.card, t.oof)
		p := poolForJoint(net, d, exs, on, &t.oof, cfg.JointOrdinary, cfg.JointOrdinaryWeight)
		if p.n[jointViolating] == 0 || p.n[jointOther] == 0 {
			return oof, ""
		}
		t.figure = p.objective(p.flagged(jointThresholds(p, thresholdsAt(&t.card, on))))
		figures = append(figures, fmt.Sprintf("%g: %.4f", a, t.figure))
		if a == 0 {
			none = &t
		}
		if best == nil || t.figure > best.figure+jointEps {
			best = &t
		}
	}
	base := best.figure
	if none != nil {
		base = none.figure
	}
	*card = best.card
	card.Stance.Rule = fmt.Sprintf(StanceRule, strings.Join(byNames, ", "), StanceExponents, best.exp, best.figure, base)
	return best.oof, fmt.Sprintf("stance discount: exponent %g chosen (joint figure by exponent %s)", best.exp, strings.Join(figures, ", "))
}
