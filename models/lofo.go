package models

import "fmt"

// LOFO is a leave-one-functionality-out result of a training recipe on the
// Iraqi gold set (rasd eval lofo): for each functionality, the items of the
// test split that a model trained without any item of it judged correctly,
// beside those that a model trained by the same recipe on every
// functionality judged correctly. A card carries it for the recipe the
// result names, which may be lighter than the model's own (fewer training
// files): Recipe and Extra say what was trained.
type LOFO struct {
	// Recipe are the training flags of every model the result trained.
	Recipe string `json:"recipe"`
	// Gold is the gold set's directory; Extra the training files added to
	// its train split in every model.
	Gold  string   `json:"gold"`
	Extra []string `json:"extra,omitempty"`
	// Rule is the functional rule an item is judged by; HeldOutRule says
	// what a fold leaves out.
	Rule        string `json:"rule"`
	HeldOutRule string `json:"held_out_rule"`
	// Created is when the result was made (RFC 3339, UTC).
	Created string `json:"created"`
	// Functionalities are the rows, sorted by name.
	Functionalities []LOFOFunctionality `json:"functionalities"`
	// Seen and Unseen are the mean accuracies over the functionalities
	// (each functionality counts once), trained on and held out.
	Seen   float64 `json:"seen"`
	Unseen float64 `json:"unseen"`
}

// LOFOFunctionality is one functionality's row of a LOFO result.
type LOFOFunctionality struct {
	// Name is the functionality; Expect is violating, non-violating or mixed.
	Name   string `json:"name"`
	Expect string `json:"expect"`
	// Items are its test items; HeldOut the gold items its fold left out.
	Items   int `json:"items"`
	HeldOut int `json:"held_out"`
	// Seen and Unseen are the test items judged correct by the model
	// trained on every functionality and by the one trained without this one.
	Seen   int `json:"seen"`
	Unseen int `json:"unseen"`
}

// Summarise sets Seen and Unseen from the rows.
func (l *LOFO) Summarise() {
	l.Seen, l.Unseen = 0, 0
	n := 0
	for _, r := range l.Functionalities {
		if r.Items == 0 {
			continue
		}
		l.Seen += float64(r.Seen) / float64(r.Items)
		l.Unseen += float64(r.Unseen) / float64(r.Items)
		n++
	}
	if n > 0 {
		l.Seen /= float64(n)
		l.Unseen /= float64(n)
	}
}

// validate checks the rows' counts.
func (l *LOFO) validate() error {
	if len(l.Functionalities) == 0 {
		return fmt.Errorf("leave-one-functionality-out result without functionalities")
	}
	for _, r := range l.Functionalities {
		if r.Name == "" || r.Items <= 0 || r.Seen < 0 || r.Unseen < 0 || r.Seen > r.Items || r.Unseen > r.Items {
			return fmt.Errorf("leave-one-functionality-out row %+v: bad counts", r)
		}
	}
	return nil
}
