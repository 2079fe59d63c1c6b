package train

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/rasd-iq/rasd/models"
)

// Item is one labelled training example.
type Item struct {
	// Text is the post text as written.
	Text string `json:"text"`
	// Labels are the labels that apply; empty for a clean item.
	Labels []string `json:"labels"`
	// Annotates are the labels the item's corpus answers yes or no for on
	// every item (the shared datasets' "annotates" field). Nil means every
	// label (a set labelled with the whole taxonomy, like the gold set).
	Annotates []string `json:"annotates"`
}

// LabelRule describes label masking for the model card.
const LabelRule = "a label counts for an item (positive or negative) only where the item's corpus annotates it (annotates field; none given: every label), or annotates offensive and marks the item not offensive (then not hate, incitement or threat either); elsewhere it adds no loss and no threshold or validation item"

// Unknown marks a label an item's corpus does not annotate: it is neither a
// positive nor a negative, and it adds nothing to the loss, the naive-Bayes
// ratios, the thresholds or the validation figures of that label.
const Unknown = -1

// NegativeImplies lists, for a label, the labels whose absence an annotated
// "no" for it implies. The public corpora follow OSACT's definition of
// offensive language (insults, attacks and threats against people, hate
// speech included), so an item its corpus marks not offensive is not hate,
// incitement or a threat either; terrorism is not implied (praise of an
// armed group can be worded politely) and neither are the context labels.
var NegativeImplies = map[string][]string{"offensive": {"hate", "incitement", "threat"}}

// Annotated reports whether the item's label l is known: the item carries
// no annotates list, its corpus annotates l, or its corpus annotates a label
// the item lacks whose absence implies l's (NegativeImplies). A label the
// item carries but its corpus does not annotate (offensive on a Let-Mi
// positive, which only says "misogynistic") is not known either: counting
// such positives without the corpus's negatives would teach the corpus's
// style, not the label.
func (it Item) Annotated(l string) bool {
	if it.Annotates == nil || slices.Contains(it.Annotates, l) {
		return true
	}
	for _, a := range it.Annotates {
		if slices.Contains(NegativeImplies[a], l) && !slices.Contains(it.Labels, a) && !slices.Contains(it.Labels, l) {
			return true
		}
	}
	return false
}

// ReadFile reads a JSONL file of items ({"text": …, "labels": […]}, other
// fields ignored). A malformed line is an error naming the file and line.
func ReadFile(path string) ([]Item, models.DataFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, models.DataFile{}, fmt.Errorf("reading training data: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	items, err := readItems(io.TeeReader(f, h), path)
	if err != nil {
		return nil, models.DataFile{}, err
	}
	info := models.DataFile{Path: path, Items: len(items), SHA256: hex.EncodeToString(h.Sum(nil)), LabelCounts: map[string]int{}}
	for _, it := range items {
		for _, l := range it.Labels {
			info.LabelCounts[l]++
		}
	}
	return items, info, nil
}

func readItems(r io.Reader, name string) ([]Item, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	var items []Item
	for line := 1; ; line++ {
		b, err := br.ReadBytes('\n')
		if len(bytes.TrimSpace(b)) > 0 {
			var it struct {
				Text      *string  `json:"text"`
				Labels    []string `json:"labels"`
				Annotates []string `json:"annotates"`
			}
			if jerr := json.Unmarshal(b, &it); jerr != nil {
				return nil, fmt.Errorf("%s:%d: %w", name, line, jerr)
			}
			if it.Text == nil {
				return nil, fmt.Errorf("%s:%d: item has no \"text\"", name, line)
			}
			labels := it.Labels[:0:0]
			seen := map[string]bool{}
			for _, l := range it.Labels {
				l = strings.TrimSpace(l)
				if l == "" {
					return nil, fmt.Errorf("%s:%d: empty label", name, line)
				}
				if !seen[l] {
					seen[l] = true
					labels = append(labels, l)
				}
			}
			if it.Annotates != nil && len(it.Annotates) == 0 {
				return nil, fmt.Errorf("%s:%d: item annotates no label (unannotated data such as realtweets cannot train a model)", name, line)
			}
			items = append(items, Item{Text: *it.Text, Labels: labels, Annotates: it.Annotates})
		}
		if err == io.EOF {
			return items, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", name, err)
		}
	}
}

// ThresholdRule describes how per-label thresholds are chosen.
const ThresholdRule = "per label, the midpoint between adjacent validation scores that maximises the mean over data files of each file's macro-F1 on its validation items"

// FoldThresholdRule describes how thresholds are chosen with
// Config.ThresholdFolds (the %d is the number of folds).
const FoldThresholdRule = "per label, the midpoint between adjacent scores that maximises the mean over data files of each file's macro-F1, on every item: training items scored out of fold by linear paths fitted on the other %d-1 folds, validation items by the model"

// ValidationRule describes how InValidation splits items.
const ValidationRule = "validation when sha256(text), read as a big-endian integer, mod 100 < valid_percent"

// InValidation reports whether text belongs to the validation part: the
// split depends on the text only, so the same text never lands on both sides
// and other tools can reproduce it.
func InValidation(text string, percent int) bool {
	sum := sha256.Sum256([]byte(text))
	r := 0
	for _, b := range sum {
		r = (r*256 + int(b)) % 100
	}
	return r < percent
}

// fileSHA256 is the hex digest of the file at path.
func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("reading %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
