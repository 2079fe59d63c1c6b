// Package gold loads, validates and splits Rasd's Iraqi-dialect gold set
// (eval/data/iraqi-gold), the project's own labelled and functional test set.
//
// Items are written by hand, one JSON object per line, in items/*.jsonl, one
// file per functionality. Assign gives each item a fixed train, dev or test
// split, stratified by functionality, and keeps the split of ids that already
// have one, so that adding items never moves existing ones.
package gold

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/rasd-iq/rasd/policy"
)

// Item is one labelled post of the gold set.
type Item struct {
	// ID is "ig-<functionality>-<NNN>", unique across the set.
	ID string `json:"id"`
	// Text is the post as a user would write it.
	Text string `json:"text"`
	// Labels are the violation and context labels; empty for protected speech.
	Labels []string `json:"labels"`
	// Functionality is the functional test case the item belongs to.
	Functionality string `json:"functionality"`
	// Target is the group or kind of person the text is about ("none" if no one).
	Target string `json:"target"`
	// Dialect is the variety the text is written in.
	Dialect string `json:"dialect"`
	// Governorate is where the text places itself, or empty.
	Governorate string `json:"governorate,omitempty"`
	// Notes says in English why the item has its labels.
	Notes string `json:"notes"`
	// Template groups items made from one frame or rewritten from one source
	// item; near-duplicates inside a group are allowed.
	Template string `json:"template,omitempty"`
}

// Group returns the item's template group: its Template, or its own id when
// it has none (so a rewritten item whose Template is the source id shares the
// source's group).
func (it Item) Group() string {
	if it.Template != "" {
		return it.Template
	}
	return it.ID
}

// Violating reports whether the item carries one of the serious labels.
func (it Item) Violating() bool {
	for _, l := range it.Labels {
		if slices.Contains(SeriousLabels, l) {
			return true
		}
	}
	return false
}

// Labels of the taxonomy (docs/annotation-guidelines.md).
var (
	// SeriousLabels are the four labels that make an item violating.
	SeriousLabels = policy.SeriousLabels
	// AllLabels are every label an item may carry.
	AllLabels = policy.ModelLabels
)

// Targets are the allowed target values.
var Targets = []string{
	"shia", "sunni", "christians", "yazidis", "sabean_mandaeans", "kurds", "turkmen", "arabs", "tribe",
	"women", "activists", "journalists", "displaced", "officials", "government", "armed_factions", "none",
}

// RequiredTargets are the targets the set must cover at least once.
var RequiredTargets = []string{
	"shia", "sunni", "christians", "yazidis", "sabean_mandaeans", "kurds", "turkmen", "arabs", "tribe",
	"women", "activists", "journalists", "displaced",
}

// Dialects are the allowed dialect values.
var Dialects = []string{"baghdadi", "southern", "moslawi", "western", "arabizi", "msa_mixed"}

// Governorates are the allowed governorate values (empty is also allowed).
var Governorates = []string{
	"baghdad", "basra", "nineveh", "anbar", "babil", "karbala", "najaf", "wasit", "maysan", "dhi_qar",
	"muthanna", "qadisiyyah", "diyala", "salah_al_din", "kirkuk", "erbil", "duhok", "sulaymaniyah",
}

// Functionalities are the functional test cases of the set.
var Functionalities = []string{
	// violating, and the personal-insult hard negative
	"incite_sect_explicit", "incite_implicit", "incite_ethnic", "dehumanise_metaphor", "hate_slur_sect",
	"hate_minority_religion", "hate_women", "hate_displaced", "threat_activist", "threat_journalist",
	"threat_tribal_dakka", "blackmail_sextortion", "isis_glorification", "recruitment_call", "propaganda_link",
	"profanity_insult_personal",
	// spelling variants of violating items
	"spelling_arabizi", "spelling_spaced_letters", "spelling_elongation", "spelling_gaf_swap",
	// protected and non-violating
	"political_criticism_harsh", "armed_faction_criticism", "corruption_accusation", "protest_call",
	"news_report_attack", "counter_speech_quote", "counter_speech_unity", "negated_hate",
	"religious_disagreement", "history_discussion", "condolence_victims", "tribal_reconciliation", "satire",
	"sports_banter", "identity_neutral", "violent_words_benign", "profanity_non_hateful",
}

// rawItem detects missing fields that decode to zero values.
type rawItem struct {
	Item
	Labels *[]string `json:"labels"`
}

// Load reads one JSONL file of items. Blank lines are skipped; unknown
// fields, invalid UTF-8 and malformed lines are errors naming the line.
// Load does not validate values: see Validate.
func Load(path string) ([]Item, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading gold items: %w", err)
	}
	var items []Item
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 4*1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		if !utf8.Valid(line) {
			return nil, fmt.Errorf("%s:%d: invalid UTF-8", path, n)
		}
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		var r rawItem
		if err := dec.Decode(&r); err != nil {
			return nil, fmt.Errorf("%s:%d: decoding item: %w", path, n, err)
		}
		if dec.More() {
			return nil, fmt.Errorf("%s:%d: more than one JSON value on the line", path, n)
		}
		it := r.Item
		if r.Labels == nil {
			return nil, fmt.Errorf("%s:%d: item %q has no labels field (use [] for none)", path, n, it.ID)
		}
		it.Labels = *r.Labels
		items = append(items, it)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return items, nil
}

// LoadDir reads every *.jsonl file in dir, in name order.
func LoadDir(dir string) ([]Item, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if err != nil {
		return nil, fmt.Errorf("listing %s: %w", dir, err)
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("no *.jsonl files in %s", dir)
	}
	sort.Strings(paths)
	var all []Item
	for _, p := range paths {
		items, err := Load(p)
		if err != nil {
			return nil, err
		}
		all = append(all, items...)
	}
	return all, nil
}

// Check returns an error describing every problem with one item's fields.
func (it Item) Check() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if it.ID == "" {
		bad("missing id")
	} else if it.Functionality != "" && !strings.HasPrefix(it.ID, "ig-"+it.Functionality+"-") {
		bad("id %q does not start with %q", it.ID, "ig-"+it.Functionality+"-")
	}
	if strings.TrimSpace(it.Text) == "" {
		bad("empty text")
	}
	for _, s := range []string{it.ID, it.Text, it.Notes, it.Template} {
		if !utf8.ValidString(s) || strings.ContainsRune(s, utf8.RuneError) {
			bad("invalid UTF-8 or replacement character in %q", s)
		}
	}
	seen := map[string]bool{}
	for _, l := range it.Labels {
		switch {
		case !slices.Contains(AllLabels, l):
			bad("unknown label %q", l)
		case seen[l]:
			bad("label %q given twice", l)
		}
		seen[l] = true
	}
	if !slices.Contains(Functionalities, it.Functionality) {
		bad("unknown functionality %q", it.Functionality)
	}
	if !slices.Contains(Targets, it.Target) {
		bad("unknown target %q", it.Target)
	}
	if !slices.Contains(Dialects, it.Dialect) {
		bad("unknown dialect %q", it.Dialect)
	}
	if it.Governorate != "" && !slices.Contains(Governorates, it.Governorate) {
		bad("unknown governorate %q", it.Governorate)
	}
	if strings.TrimSpace(it.Notes) == "" {
		bad("empty notes")
	}
	return errors.Join(errs...)
}

// Validate checks every item and that ids are unique. The error lists every
// problem found, each prefixed with the item's id.
func Validate(items []Item) error {
	var errs []error
	seen := map[string]bool{}
	for i, it := range items {
		name := it.ID
		if name == "" {
			name = fmt.Sprintf("item #%d", i+1)
		}
		if err := it.Check(); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
		if it.ID != "" && seen[it.ID] {
			errs = append(errs, fmt.Errorf("%s: duplicate id", it.ID))
		}
		seen[it.ID] = true
	}
	return errors.Join(errs...)
}
