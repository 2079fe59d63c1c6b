package policy

// The taxonomy of what models score, in the order models write their
// outputs and datasets their labels. It is the one list the trainer, the
// evaluation and the gold set use; the default policy declares every one
// of them (its violation and context labels), which a test checks.
var (
	// SeriousLabels are the violation labels that make a post violating on
	// their own: incitement, hate, terrorism and threat.
	SeriousLabels = []string{"incitement", "hate", "terrorism", "threat"}
	// ContextLabels are the labels that protect speech: counter-speech and
	// news reporting.
	ContextLabels = []string{"counter_speech", "news_report"}
	// ModelLabels are every label a model scores: the serious ones, then
	// offensive (never routed on its own), then the context labels.
	ModelLabels = append(append(append([]string{}, SeriousLabels...), "offensive"), ContextLabels...)
)
