// Package lofo measures how a training recipe handles a kind of post it has
// never seen: leave-one-functionality-out on the Iraqi gold set. For each
// functionality F of the gold test split, a model is trained by the recipe
// without any item of F (nor any spelling variant or rewrite whose source is
// in F, so no rewrite of a held-out item is trained on), validated on the
// dev split without F, and scored on F's test items by the functional rule
// of eval (FunctionalRule). One more model, trained by the same recipe on
// every functionality, gives the figure each functionality reaches when its
// phrasing was trained on; the gap between the two is what the ordinary
// split, where every functionality is trained on, cannot show.
package lofo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/rasd-iq/rasd/eval"
	"github.com/rasd-iq/rasd/eval/dataset"
	"github.com/rasd-iq/rasd/eval/gold"
	"github.com/rasd-iq/rasd/models"
)

// Trainer trains one model by the recipe under measurement.
type Trainer interface {
	// Train trains a model named name on the files train (JSONL in the
	// project's schema), validates it on the files valid, and writes it to
	// the directory out.
	Train(ctx context.Context, name string, train, valid []string, out string) error
}

// Opener loads a trained model directory for scoring; the returned function
// releases it.
type Opener func(dir string) (eval.Scorer, func() error, error)

// Options says what to measure.
type Options struct {
	// Gold is the gold set's directory, holding train.jsonl, dev.jsonl and
	// test.jsonl (eval/data/iraqi-gold).
	Gold string
	// Extra are training files added to every model (public corpora, say);
	// they must not carry the gold set's functionalities.
	Extra []string
	// Work is the directory the folds' data and models are written to.
	Work string
	// Only, when not empty, limits the folds to these functionalities.
	Only []string
	// Jobs is how many folds train at once (at least 1).
	Jobs int
	// Recipe describes the training recipe for the result (its flags).
	Recipe string
	// Progress, when not nil, receives one line per finished model.
	Progress io.Writer
}

// Run trains the folds and the all-functionalities model and returns the
// result, one row per functionality of the test split, sorted by name.
func Run(ctx context.Context, o Options, tr Trainer, open Opener) (*models.LOFO, error) {
	if o.Jobs < 1 {
		return nil, fmt.Errorf("leave-one-functionality-out: jobs must be at least 1, not %d", o.Jobs)
	}
	set, err := loadGold(o.Gold)
	if err != nil {
		return nil, err
	}
	funcs := set.functionalities()
	for _, f := range o.Only {
		if !slices.Contains(funcs, f) {
			return nil, fmt.Errorf("leave-one-functionality-out: no functionality %q in %s's test split (it has %d)", f, o.Gold, len(funcs))
		}
	}
	if len(o.Only) > 0 {
		funcs = slices.DeleteFunc(funcs, func(f string) bool { return !slices.Contains(o.Only, f) })
	}
	if err := os.MkdirAll(o.Work, 0o755); err != nil {
		return nil, fmt.Errorf("leave-one-functionality-out: %w", err)
	}
	started := time.Now()
	res := &models.LOFO{
		Recipe: o.Recipe, Gold: o.Gold, Extra: slices.Clone(o.Extra), Rule: eval.FunctionalRule,
		HeldOutRule: "a fold leaves out every gold item (train, dev and test splits) of its functionality and every item whose template group's source item is of it",
		Created:     started.UTC().Format(time.RFC3339),
	}
	rows := make([]models.LOFOFunctionality, len(funcs))
	for i, f := range funcs {
		rows[i] = models.LOFOFunctionality{Name: f, Expect: set.expect(f), Items: len(set.testOf(f))}
	}

	// The all-functionalities model is one more job beside the folds.
	type job struct {
		fold int // index into funcs; -1 for the model trained on every functionality
	}
	jobs := make(chan job)
	var mu sync.Mutex
	var errs []error
	done := 0
	var wg sync.WaitGroup
	for range min(o.Jobs, len(funcs)+1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				if ctx.Err() != nil {
					continue
				}
				var err error
				if j.fold < 0 {
					err = runSeen(ctx, set, o, tr, open, rows)
				} else {
					err = runFold(ctx, set, o, tr, open, &rows[j.fold])
				}
				mu.Lock()
				done++
				if err != nil {
					errs = append(errs, err)
				} else if o.Progress != nil {
					name := "every functionality"
					if j.fold >= 0 {
						name = "without " + funcs[j.fold]
					}
					fmt.Fprintf(o.Progress, "lofo: %d/%d trained (%s) after %s\n", done, len(funcs)+1, name, time.Since(started).Round(time.Second))
				}
				mu.Unlock()
			}
		}()
	}
	jobs <- job{fold: -1}
	for i := range funcs {
		jobs <- job{fold: i}
	}
	close(jobs)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("leave-one-functionality-out: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("leave-one-functionality-out: %w", err)
	}
	res.Functionalities = rows
	res.Summarise()
	return res, nil
}

// runSeen trains on every functionality and fills each row's Seen figure.
func runSeen(ctx context.Context, set *goldSet, o Options, tr Trainer, open Opener, rows []models.LOFOFunctionality) error {
	dir := filepath.Join(o.Work, "_every")
	if err := set.writeSplits(dir, nil); err != nil {
		return err
	}
	if err := tr.Train(ctx, "lofo-every", append(slices.Clone(o.Extra), filepath.Join(dir, "train.jsonl")), []string{filepath.Join(dir, "dev.jsonl")}, filepath.Join(dir, "model")); err != nil {
		return fmt.Errorf("training on every functionality: %w", err)
	}
	res, err := evaluate(ctx, open, filepath.Join(dir, "model"), set.test)
	if err != nil {
		return err
	}
	for i := range rows {
		for _, fr := range res.Functionality {
			if fr.Name == rows[i].Name {
				rows[i].Seen = fr.Correct
			}
		}
	}
	return nil
}

// runFold trains without row's functionality and fills its Unseen figure.
func runFold(ctx context.Context, set *goldSet, o Options, tr Trainer, open Opener, row *models.LOFOFunctionality) error {
	dir := filepath.Join(o.Work, row.Name)
	out := set.heldOut(row.Name)
	if err := set.writeSplits(dir, out); err != nil {
		return err
	}
	if err := tr.Train(ctx, "lofo-"+row.Name, append(slices.Clone(o.Extra), filepath.Join(dir, "train.jsonl")), []string{filepath.Join(dir, "dev.jsonl")}, filepath.Join(dir, "model")); err != nil {
		return fmt.Errorf("training without %s: %w", row.Name, err)
	}
	res, err := evaluate(ctx, open, filepath.Join(dir, "model"), set.testOf(row.Name))
	if err != nil {
		return fmt.Errorf("scoring %s: %w", row.Name, err)
	}
	row.Unseen = res.Correct
	row.HeldOut = len(out)
	return nil
}

// evaluate scores items with the model in dir and returns the functional result.
func evaluate(ctx context.Context, open Opener, dir string, items []gold.Item) (*eval.Functional, error) {
	sc, closeModel, err := open(dir)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", dir, err)
	}
	defer closeModel()
	d := &dataset.Dataset{Path: dir, Format: dataset.JSONL}
	for i, it := range items {
		d.Items = append(d.Items, dataset.Item{ID: it.ID, Line: i + 1, Text: it.Text, Labels: it.Labels, Functionality: it.Functionality})
	}
	res, err := eval.Evaluate(ctx, sc, d, eval.Options{Bootstrap: eval.BootstrapOptions{Resamples: -1}})
	if err != nil {
		return nil, fmt.Errorf("scoring with %s: %w", dir, err)
	}
	if res.Functional == nil {
		return nil, fmt.Errorf("scoring with %s: no functional result", dir)
	}
	return res.Functional, nil
}

// goldSet is the gold set's three splits and each item's template group.
type goldSet struct {
	splits map[string][]gold.Item
	test   []gold.Item
	byID   map[string]gold.Item
	group  map[string]string // item id → template group key
}

// loadGold reads dir/{train,dev,test}.jsonl.
func loadGold(dir string) (*goldSet, error) {
	s := &goldSet{splits: map[string][]gold.Item{}, byID: map[string]gold.Item{}}
	var all []gold.Item
	for _, name := range gold.SplitNames {
		items, err := gold.Load(filepath.Join(dir, name+".jsonl"))
		if err != nil {
			return nil, fmt.Errorf("leave-one-functionality-out: reading the gold set: %w", err)
		}
		if len(items) == 0 {
			return nil, fmt.Errorf("leave-one-functionality-out: the gold set's %s split in %s is empty", name, dir)
		}
		s.splits[name] = items
		all = append(all, items...)
	}
	s.test = s.splits[gold.Test]
	for _, it := range all {
		s.byID[it.ID] = it
	}
	s.group = gold.GroupKeys(all)
	return s, nil
}

// functionalities returns the test split's functionalities, sorted.
func (s *goldSet) functionalities() []string {
	var out []string
	for _, it := range s.test {
		if it.Functionality != "" && !slices.Contains(out, it.Functionality) {
			out = append(out, it.Functionality)
		}
	}
	sort.Strings(out)
	return out
}

// testOf returns the test items of functionality f.
func (s *goldSet) testOf(f string) []gold.Item {
	var out []gold.Item
	for _, it := range s.test {
		if it.Functionality == f {
			out = append(out, it)
		}
	}
	return out
}

// expect says whether f's test items are violating, non-violating or mixed.
func (s *goldSet) expect(f string) string {
	v, n := 0, 0
	for _, it := range s.testOf(f) {
		if it.Violating() {
			v++
		} else {
			n++
		}
	}
	switch {
	case n == 0:
		return "violating"
	case v == 0:
		return "non-violating"
	}
	return "mixed"
}

// heldOut returns the ids a fold for f leaves out: every item of f and
// every item whose template group's source item is of f.
func (s *goldSet) heldOut(f string) map[string]bool {
	out := map[string]bool{}
	for id, it := range s.byID {
		if it.Functionality == f {
			out[id] = true
			continue
		}
		if src, ok := s.byID[s.group[id]]; ok && src.Functionality == f {
			out[id] = true
		}
	}
	return out
}

// writeSplits writes dir/train.jsonl and dir/dev.jsonl (and an empty
// test.jsonl) without the items in out.
func (s *goldSet) writeSplits(dir string, out map[string]bool) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("leave-one-functionality-out: %w", err)
	}
	var keep []gold.Item
	splits := map[string]string{}
	for _, name := range []string{gold.Train, gold.Dev} {
		for _, it := range s.splits[name] {
			if !out[it.ID] {
				keep = append(keep, it)
				splits[it.ID] = name
			}
		}
	}
	if err := gold.Write(dir, keep, splits); err != nil {
		return fmt.Errorf("leave-one-functionality-out: writing %s: %w", dir, err)
	}
	return nil
}
