package train

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/rasd-iq/rasd/models"
)

// Markdown renders the short human-readable model card (MODEL_CARD.md).
func Markdown(c *models.Card) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Model card: %s\n\n", c.ID())
	fmt.Fprintf(&b, "Trained %s with `rasd train` (seed %d, normaliser version %s). ", c.Created, c.Training.Seed, c.Normalizer)
	b.WriteString("Scores route public posts to human reviewers; the model refers nothing by itself. ")
	b.WriteString("Criticism of government, corruption claims, protest, news, counter-speech and religious debate are protected speech: ")
	b.WriteString("a flag means \"a reviewer should look\", never \"this is illegal\".\n\n")
	b.WriteString("## Labels\n\n| label | kind | threshold | validation positives | ROC-AUC | F1 | macro-F1 | precision | recall |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, l := range c.Labels {
		kind := "flag"
		switch {
		case c.IsContext(l):
			kind = "context"
		case c.IsHeadLabel(l):
			kind = "head"
		}
		m := c.Validation[l]
		fmt.Fprintf(&b, "| %s | %s | %.4f | %d | %.3f | %.3f | %.3f | %.3f | %.3f |\n", l, kind, c.Thresholds[l], m.Positives, m.ROCAUC, m.F1, m.MacroF1, m.Precision, m.Recall)
	}
	fmt.Fprintf(&b, "\nValidation: %d items held out (%s); training: %d items, %d epochs, best epoch %d.\n\n",
		c.Training.ValidationItems, c.Training.ValidationRule, c.Training.TrainItems, c.Training.Epochs, c.Training.BestEpoch)
	if c.Training.LabelRule != "" {
		fmt.Fprintf(&b, "Label masking: %s.\n\n", c.Training.LabelRule)
	}
	if c.Training.ThresholdRule != "" {
		fmt.Fprintf(&b, "Thresholds: %s.\n\n", c.Training.ThresholdRule)
	}
	if s := c.Stance; s != nil {
		fmt.Fprintf(&b, "Stance: the scores of %s are the network's probabilities times (1 − c)^%g, c the largest of %s; the thresholds and figures above are on these scores. Rule: %s.\n\n",
			strings.Join(s.Labels, ", "), s.Exponent, strings.Join(s.By, ", "), s.Rule)
	}
	if a := c.Training.Augmentation; a != nil {
		fmt.Fprintf(&b, "Augmentation: %d copies of training items (part of the training items above): shares %.2f in Arabizi, %.2f with spelling variants, %.2f of the items naming a group with the group swapped. Rule: %s.",
			a.Copies, a.Arabizi, a.Typos, a.Identity, strings.TrimSuffix(a.Rule, "."))
		if a.IdentityRule != "" {
			fmt.Fprintf(&b, " Group swaps: %s.", strings.TrimSuffix(a.IdentityRule, "."))
		}
		b.WriteString("\n\n")
	}
	if len(c.Heads) > 0 {
		b.WriteString("## Heads\n\nA head reads a label as some corpora define it: its output learnt the label from those training files alone (no other item counted for it, positive or negative), with its own threshold chosen on them, and it was fitted apart from the other labels, which it cannot move. The engine never reads a head; `rasd score --head NAME` and `rasd eval --head NAME` report its scores under the label's own name, for a researcher comparing the model with those corpora.\n\n| head | labels | learnt from |\n|---|---|---|\n")
		for _, h := range c.Heads {
			var outs []string
			for _, l := range c.Labels {
				if base, name, ok := models.SplitHeadLabel(l); ok && name == h.Name {
					outs = append(outs, base)
				}
			}
			fmt.Fprintf(&b, "| %s | %s | %s |\n", h.Name, strings.Join(outs, ", "), strings.Join(h.Data, ", "))
		}
		b.WriteString("\n")
	}
	b.WriteString("## Training data\n\n| file | role | items | sha256 | label counts |\n|---|---|---|---|---|\n")
	for _, d := range c.Training.Data {
		var counts []string
		for _, l := range append(append([]string{}, Taxonomy...), c.Labels...) {
			if n, ok := d.LabelCounts[l]; ok && !strings.Contains(strings.Join(counts, " "), l+"=") {
				counts = append(counts, fmt.Sprintf("%s=%d", l, n))
			}
		}
		fmt.Fprintf(&b, "| %s | %s | %d | %s… | %s |\n", d.Path, d.Role, d.Items, d.SHA256[:12], strings.Join(counts, " "))
	}
	if op := c.Training.Operating; op != nil {
		fmt.Fprintf(&b, "\n## Operating point\n\nThresholds of the flag labels are set for real traffic, where almost every post is benign: target precision %.2f at an expected prevalence of %.3f per label, on %d unannotated ordinary posts (%s). Rule: %s.\n\n",
			op.TargetPrecision, op.Prevalence, op.TrafficPosts, strings.Join(op.Traffic, ", "), op.Rule)
		b.WriteString("| label | threshold | macro-F1 threshold | recall on labelled positives | traffic flag rate | estimated precision | target reached |\n|---|---|---|---|---|---|---|\n")
		for _, l := range c.Labels {
			if ol, ok := op.Labels[l]; ok {
				fmt.Fprintf(&b, "| %s | %.4f | %.4f | %.3f | %.4f | %.3f | %v |\n", l, ol.Threshold, ol.F1Threshold, ol.Recall, ol.TrafficRate, ol.Precision, ol.Reached)
			}
		}
		if ch := op.Check; ch != nil {
			b.WriteString("\n" + reviewerLoad(ch))
		}
	}
	if ch := c.Training.TrafficCheck; ch != nil {
		b.WriteString("\n## Reviewer load\n\n" + reviewerLoad(ch))
	}
	f := c.Features
	fmt.Fprintf(&b, "\n## Features and network\n\nNormalised text (package nlp); word 1–%d-grams and character %d–%d-grams hashed into %d buckets (at most %d per post), "+
		"sublinear tf × idf, L2-normalised; %d lexicon counts (%s). Embedding bag of width %d → hidden layer %d (ReLU) plus a linear path → one sigmoid per label. ONNX opset %d.\n\n",
		f.WordMax, f.CharMin, f.CharMax, f.Buckets, f.MaxFeatures, c.Net.Dense, strings.Join(c.Lexicons.Categories, ", "), c.Net.Dim, c.Net.Hidden, c.Net.Opset)
	if r := c.Reader; r != nil {
		fmt.Fprintf(&b, "## Second stage\n\nA reader of word order (`%s`): subword embeddings (%d buckets, width %d), a width-3 convolution over at most %d words (%d filters), max pooling, one sigmoid per label. "+
			"A post is re-read when a flag label's first-stage score reaches %.2f × its first-stage threshold (%.1f%% of validation posts). Thresholds above are those of the mixed scores. Rule: %s.\n\n",
			models.ReaderFile, r.Config.Buckets, r.Config.Dim, r.Config.MaxWords, r.Config.Filters, r.GateShare, 100*r.ValidationGated, r.Rule)
		b.WriteString("| label | gate | reader weight | first-stage threshold | mixed threshold |\n|---|---|---|---|---|\n")
		for _, l := range c.Labels {
			gate := "–"
			if g, ok := r.Gate[l]; ok {
				gate = fmt.Sprintf("%.4f", g)
			}
			fmt.Fprintf(&b, "| %s | %s | %.2f | %.4f | %.4f |\n", l, gate, r.Mix[l], r.FirstStageThresholds[l], c.Thresholds[l])
		}
		b.WriteString("\n")
	}
	if l := c.LOFO; l != nil {
		b.WriteString(lofoMarkdown(l))
	}
	b.WriteString("## Limits\n\nThe public corpora are Gulf, Egyptian and Levantine Twitter from 2017–2019, not Iraqi; labels absent from the training data ")
	b.WriteString("(see the table) are not predicted. Thresholds were tuned on a mixed validation set and shift with the prevalence of each source. ")
	b.WriteString("Lexicon matches are evidence for reviewers, not decisions.\n")
	return b.String()
}

// reviewerLoad describes a traffic check: how many held-out ordinary posts
// are flagged serious, per 10,000.
func reviewerLoad(ch *models.TrafficCheck) string {
	return fmt.Sprintf("Expected reviewer load: on %d held-out ordinary posts (%s), %d flagged serious (%.2f%%), i.e. about **%.0f per 10,000 posts** before any real violation is counted (by label: %v). A flag there is not always wrong; the rate bounds the false alarms.\n",
		ch.Posts, strings.Join(ch.Traffic, ", "), ch.Flagged, 100*ch.Rate, ch.PerTenThousand, ch.ByLabel)
}

// lofoMarkdown renders a leave-one-functionality-out result.
func lofoMarkdown(l *models.LOFO) string {
	var b strings.Builder
	extra := "none"
	if len(l.Extra) > 0 {
		extra = strings.Join(l.Extra, ", ")
	}
	fmt.Fprintf(&b, "## Leave one functionality out\n\nHow the recipe handles a kind of post it has never seen (`rasd eval lofo`, %s): for each functionality of the gold test split, a model trained without it (%s) is scored on its test items, beside a model trained by the same recipe on every functionality. "+
		"Recipe: `rasd train %s` on the gold train split plus %s; validated on the gold dev split less the held-out items. It measures that recipe, which may be lighter than the one that trained this model (see the training data above). Rule: %s\n\n",
		l.Created, l.HeldOutRule, l.Recipe, extra, l.Rule)
	fmt.Fprintf(&b, "Mean accuracy over %d functionalities: **%.3f** trained on, **%.3f** held out.\n\n", len(l.Functionalities), l.Seen, l.Unseen)
	b.WriteString("| functionality | expect | test items | correct, trained on | correct, held out | items left out |\n|---|---|---|---|---|---|\n")
	for _, r := range l.Functionalities {
		fmt.Fprintf(&b, "| %s | %s | %d | %d | %d | %d |\n", r.Name, r.Expect, r.Items, r.Seen, r.Unseen, r.HeldOut)
	}
	b.WriteString("\n")
	return b.String()
}

// RewriteCard writes card to dir's model-card.json and MODEL_CARD.md,
// leaving the network as it is: for a result added to a trained model's
// card, such as a leave-one-functionality-out run.
func RewriteCard(dir string, card *models.Card) error {
	if err := card.Validate(); err != nil {
		return fmt.Errorf("rewriting the model card in %s: %w", dir, err)
	}
	if err := models.WriteCard(dir, card); err != nil {
		return fmt.Errorf("rewriting the model card in %s: %w", dir, err)
	}
	if err := os.WriteFile(filepath.Join(dir, models.CardMarkdownFile), []byte(Markdown(card)), 0o644); err != nil {
		return fmt.Errorf("rewriting the model card in %s: %w", dir, err)
	}
	return nil
}
