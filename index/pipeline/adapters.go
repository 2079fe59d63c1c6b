package pipeline

import (
	"context"
	"time"

	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/models"
	"github.com/rasd-iq/rasd/nlp"
	"github.com/rasd-iq/rasd/policy"
)

// ModelScorer is the Scorer of a loaded ONNX model.
type ModelScorer struct{ Model *models.Model }

// ID returns the model's NAME@VERSION.
func (s ModelScorer) ID() string { return s.Model.ID() }

// Score scores texts with the model.
func (s ModelScorer) Score(ctx context.Context, texts []string) ([]Scored, error) {
	return s.ScoreNormalized(ctx, texts, nil)
}

// ScoreNormalized implements NormalizedScorer.
func (s ModelScorer) ScoreNormalized(ctx context.Context, texts, norms []string) ([]Scored, error) {
	preds, err := s.Model.ScoreNormalized(ctx, texts, norms)
	if err != nil {
		return nil, err
	}
	out := make([]Scored, len(preds))
	for i, p := range preds {
		out[i] = Scored{Scores: p.Scores, Undiscounted: p.Undiscounted, Flags: p.Flags, Context: p.Context, Normalized: p.Normalized, Tokens: p.Tokens}
		for _, sp := range p.Spans {
			out[i].Spans = append(out[i].Spans, store.Span{Start: sp.Start, End: sp.End, Label: sp.Label, Term: sp.Term})
		}
	}
	return out, nil
}

// PolicyRouter judges scored posts under a policy: the model's raw scores
// are mapped onto the policy's scale with the model card's thresholds
// (policy.PolicyScores), and each post's source type comes from its
// source's kind in sources.yaml.
type PolicyRouter struct {
	// Policy routes.
	Policy *policy.Policy
	// Model is the scorer's NAME@VERSION.
	Model string
	// Thresholds are the model card's operating points.
	Thresholds map[string]float64
	// SourceKinds maps a source's name to its kind (ingest.Kinds).
	SourceKinds map[string]string
	// SourceKind, when set, gives a source's kind instead of SourceKinds
	// (for sources that change while the engine runs); it must be safe for
	// concurrent use.
	SourceKind func(name string) string
	// Now returns the time a judgement is made; time.Now when nil.
	Now func() time.Time
}

// Judge implements Router.
func (r PolicyRouter) Judge(post *ingest.Post, s *Scored) (policy.Judgement, error) {
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	kind := r.SourceKinds[post.Source]
	if r.SourceKind != nil {
		kind = r.SourceKind(post.Source)
	}
	return r.Policy.Judge(policy.Scored{
		Model: r.Model, Normalizer: nlp.Version, Raw: s.Scores, Undiscounted: s.Undiscounted, Context: s.Context,
		Signals: s.Signals, SourceType: kind,
	}, r.Thresholds, now().UTC())
}
