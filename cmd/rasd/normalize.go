package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/rasd-iq/rasd/nlp"
)

func init() {
	register(&command{
		Name:    "normalize",
		Summary: "normalise Arabic-dialect text as the models and the index see it",
		Usage: "normalize [--in FILE] [--out FILE] [--jsonl [--field NAME]] [--explain] [--keep-… flags]\n\n" +
			"Reads lines (or JSON Lines with --jsonl) and writes one normalised line per input line,\n" +
			"in the same order. With --explain each output line is a JSON object that also gives the\n" +
			"script mix, the rules applied and the Iraqi-dialect markers found. In JSONL mode a line\n" +
			"that is not a JSON object with a string field gets an {\"line\":N,\"error\":…} record in\n" +
			"its place and the command exits 1 after the last line.",
		Example: "rasd normalize --jsonl --in posts.jsonl --out posts.norm.jsonl",
		Run:     runNormalize,
	})
}

// normalizeFlags binds one flag to each nlp.Options field.
func normalizeFlags(fs *flag.FlagSet, o *nlp.Options) {
	fs.BoolVar(&o.KeepDiacritics, "keep-diacritics", false, "keep tashkeel (fatha, shadda, tanwin, …)")
	fs.BoolVar(&o.KeepTatweel, "keep-tatweel", false, "keep the tatweel ـ")
	fs.BoolVar(&o.KeepAlefForms, "keep-alef", false, "keep أ إ آ ٱ distinct from ا")
	fs.BoolVar(&o.KeepAlefMaqsura, "keep-alef-maqsura", false, "keep ى distinct from ي")
	fs.BoolVar(&o.KeepTehMarbuta, "keep-teh-marbuta", false, "keep ة distinct from ه")
	fs.BoolVar(&o.FoldHamzaCarriers, "fold-hamza", false, "fold ؤ and ئ to ء")
	fs.BoolVar(&o.KeepIraqiLetters, "keep-iraqi-letters", false, "keep گ چ پ ڤ ژ instead of ق ك ب ف ز")
	fs.BoolVar(&o.KeepPersianForms, "keep-persian", false, "keep ک ی ھ instead of ك ي ه")
	fs.BoolVar(&o.KeepDigits, "keep-digits", false, "keep Eastern Arabic and Persian digits")
	fs.BoolVar(&o.KeepCase, "keep-case", false, "keep upper-case letters")
	fs.BoolVar(&o.KeepElongation, "keep-elongation", false, "keep letter, punctuation and emoji runs")
	fs.BoolVar(&o.KeepArabizi, "keep-arabizi", false, "keep Arabizi in Latin letters")
	fs.BoolVar(&o.KeepEvasion, "keep-evasion", false, "do not join split letters or map look-alikes")
	fs.BoolVar(&o.KeepHashtags, "keep-hashtags", false, "keep hashtags whole instead of splitting them into words")
	fs.BoolVar(&o.ReadArabiziPosts, "read-arabizi", false, "read a post written in Arabizi whole, as the wording rules read it: every Latin word transliterated, short vowels dropped, the article joined")
	fs.BoolVar(&o.ReadArabiziWords, "read-arabizi-words", false, "with --read-arabizi, spell each word as the common Arabic word it most likely stands for, as the models read it (features.arabizi_words)")
}

func runNormalize(env *Env, args []string) error {
	c := commands["normalize"]
	fs := newFlagSet(env, c)
	in := fs.String("in", "-", "input file (- for standard input)")
	out := fs.String("out", "-", "output file (- for standard output)")
	jsonl := fs.Bool("jsonl", false, "read and write JSON Lines; normalise the field named by --field")
	field := fs.String("field", "text", "with --jsonl, the field holding the text")
	explain := fs.Bool("explain", false, "also print script mix, rules applied and dialect markers")
	var opts nlp.Options
	normalizeFlags(fs, &opts)
	if err := parseFlags(env, c, fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q (use --in FILE)", fs.Arg(0))
	}
	if *field == "" {
		return usagef("--field must not be empty")
	}
	if opts.ReadArabiziWords && !opts.ReadArabiziPosts {
		return usagef("--read-arabizi-words needs --read-arabizi")
	}
	r, closeIn, err := openInput(env, *in)
	if err != nil {
		return err
	}
	defer closeIn()
	w, closeOut, err := openOutput(env, *out)
	if err != nil {
		return err
	}
	p := &normalizer{n: nlp.New(opts), w: w, field: *field, explain: *explain}
	if *jsonl {
		err = p.eachLine(r, p.jsonLine)
	} else {
		err = p.eachLine(r, p.textLine)
	}
	if cerr := closeOut(); err == nil && cerr != nil {
		err = fmt.Errorf("writing output: %w", cerr)
	}
	if err != nil {
		return err
	}
	if p.bad > 0 {
		return fmt.Errorf("%d of %d lines were not valid input and got an error record (first: %s)", p.bad, p.lines, p.firstBad)
	}
	return nil
}

// normalizer writes one output line per input line.
type normalizer struct {
	n        *nlp.Normalizer
	w        *bufio.Writer
	field    string
	explain  bool
	lines    int
	bad      int
	firstBad string
}

// eachLine calls fn for every line of r, without its line ending.
func (p *normalizer) eachLine(r io.Reader, fn func(line string) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		line, err := br.ReadString('\n')
		if len(line) > 0 {
			p.lines++
			line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
			if ferr := fn(line); ferr != nil {
				return ferr
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading input after line %d: %w", p.lines, err)
		}
	}
}

// explanation is the --explain record of one line.
type explanation struct {
	Line    int           `json:"line"`
	Text    string        `json:"text,omitempty"`
	Kurdish bool          `json:"kurdish"`
	Script  nlp.ScriptMix `json:"script"`
	Steps   []string      `json:"steps"`
	Markers []string      `json:"markers"`
}

func (p *normalizer) explainOf(s string) explanation {
	r := p.n.Explain(s)
	e := explanation{Line: p.lines, Text: r.Text, Kurdish: r.Kurdish, Script: r.Script, Steps: r.Steps, Markers: r.Markers}
	if e.Steps == nil {
		e.Steps = []string{}
	}
	if e.Markers == nil {
		e.Markers = []string{}
	}
	return e
}

func (p *normalizer) textLine(line string) error {
	if !p.explain {
		p.w.WriteString(p.n.Normalize(line))
		return p.w.WriteByte('\n')
	}
	return p.writeJSON(p.explainOf(line))
}

// writeJSON writes v as one line of JSON, leaving <, > and & readable.
func (p *normalizer) writeJSON(v any) error {
	b, err := marshalJSON(v)
	if err != nil {
		return fmt.Errorf("line %d: encoding output: %w", p.lines, err)
	}
	p.w.Write(b)
	return p.w.WriteByte('\n')
}

// marshalJSON is json.Marshal without HTML escaping.
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// jsonLine normalises the text field of one JSON object, keeping its other
// fields; a blank line stays blank and a line that cannot be used gets an
// error record instead.
func (p *normalizer) jsonLine(line string) error {
	if strings.TrimSpace(line) == "" {
		return p.w.WriteByte('\n') // a blank line stays blank, keeping the count
	}
	var rec map[string]json.RawMessage
	if err := json.Unmarshal([]byte(line), &rec); err != nil {
		return p.badLine(fmt.Sprintf("invalid JSON: %v", err))
	}
	if rec == nil {
		return p.badLine("not a JSON object")
	}
	raw, ok := rec[p.field]
	if !ok {
		return p.badLine(fmt.Sprintf("no %q field", p.field))
	}
	var text string
	if err := json.Unmarshal(raw, &text); err != nil {
		return p.badLine(fmt.Sprintf("field %q is not a string", p.field))
	}
	norm, err := marshalJSON(p.n.Normalize(text))
	if err != nil {
		return fmt.Errorf("line %d: encoding output: %w", p.lines, err)
	}
	rec[p.field] = norm
	if p.explain {
		e := p.explainOf(text)
		e.Text = ""
		b, err := marshalJSON(e)
		if err != nil {
			return fmt.Errorf("line %d: encoding output: %w", p.lines, err)
		}
		rec["normalize"] = b
	}
	return p.writeJSON(rec)
}

// badLine writes an error record for the current line and counts it.
func (p *normalizer) badLine(reason string) error {
	p.bad++
	if p.firstBad == "" {
		p.firstBad = fmt.Sprintf("line %d: %s", p.lines, reason)
	}
	return p.writeJSON(struct {
		Line  int    `json:"line"`
		Error string `json:"error"`
	}{p.lines, reason})
}
