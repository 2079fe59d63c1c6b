// Package dataset loads labelled evaluation sets for `rasd eval`: JSON Lines in
// the project's schema (the shared corpora's *.jsonl twins, the Iraqi gold set)
// and CSV/TSV files in their original formats (OSACT2020, L-HSAB, MLMA, a
// partner's spreadsheet), with column selection and label mapping.
//
// Every error names the file and the line it was found on; nothing is skipped
// silently.
package dataset

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Format is the syntax of a data file.
type Format string

// The supported formats.
const (
	JSONL Format = "jsonl"
	CSV   Format = "csv"
	TSV   Format = "tsv"
)

// ErrEmpty is returned when a data file holds no items.
var ErrEmpty = errors.New("no items")

// Item is one labelled example.
type Item struct {
	// ID identifies the item: the id field or column when there is one, else "line-N".
	ID string `json:"id"`
	// Line is the 1-based line of the file where the item starts.
	Line int `json:"line"`
	// Text is the item's text, with the newline token (OSACT's <LF>) turned back into "\n".
	Text string `json:"text"`
	// Labels are the gold labels after mapping, sorted and without duplicates; empty for clean items.
	Labels []string `json:"labels"`
	// Functionality names the functional test the item belongs to (HateCheck style); may be empty.
	Functionality string `json:"functionality,omitempty"`
	// Targets are the groups the item is about; empty when unknown.
	Targets []string `json:"targets,omitempty"`
	// Annotates are the labels the item's corpus answers yes or no for (the
	// shared datasets' "annotates" field); nil when the data does not say,
	// which means every label.
	Annotates []string `json:"annotates,omitempty"`
}

// Annotated reports whether the item's corpus answers label l: a label
// outside a given annotates list is unknown when absent, not a negative.
func (it *Item) Annotated(l string) bool {
	return it.Annotates == nil || slices.Contains(it.Annotates, l)
}

// HasLabel reports whether l is among the item's gold labels.
func (it *Item) HasLabel(l string) bool {
	for _, x := range it.Labels {
		if x == l {
			return true
		}
	}
	return false
}

// Options says how to read a file. The zero value reads a JSONL file in the
// project's schema, or a CSV/TSV file with a header and columns named text and labels.
type Options struct {
	// Format is jsonl, csv or tsv; empty means detect it from the file extension.
	Format Format
	// TextCol is the field (JSONL) or column (CSV/TSV: header name or 1-based number) holding the text.
	// Default "text".
	TextCol string
	// LabelCols are the fields or columns holding labels. Default ["labels"].
	LabelCols []string
	// IDCol, TargetCol and FunctionalityCol name optional fields or columns; empty
	// means "id", "target" and "functionality" when present.
	IDCol, TargetCol, FunctionalityCol string
	// Map translates raw label values to labels; nil passes values through unchanged.
	Map *Map
	// LabelSep, when not empty, splits each raw label value into tokens that are
	// mapped one by one (MLMA's "hateful_offensive" with "_").
	LabelSep string
	// Header says whether a CSV/TSV file starts with a header row: "yes", "no", or
	// "" / "auto" (a header is expected unless every column is given by number).
	Header string
	// NewlineToken is replaced by "\n" in texts read from CSV/TSV files (OSACT writes
	// line breaks as "<LF>"). Empty means none.
	NewlineToken string
}

// Dataset is a loaded file.
type Dataset struct {
	// Path is the file as given.
	Path string
	// Format is the format it was read as.
	Format Format
	// SHA256 is the hex SHA-256 of the file's bytes.
	SHA256 string
	// Items are the examples in file order.
	Items []Item
}

// DetectFormat returns the format implied by path's extension.
func DetectFormat(path string) (Format, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".jsonl", ".ndjson":
		return JSONL, nil
	case ".csv":
		return CSV, nil
	case ".tsv", ".tab":
		return TSV, nil
	}
	return "", fmt.Errorf("cannot tell the format of %s from its extension (want .jsonl, .csv or .tsv, or give the format)", path)
}

// ParseFormat checks a format name given by a user.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(s)); f {
	case JSONL, CSV, TSV:
		return f, nil
	case "ndjson", "json":
		return JSONL, nil
	}
	return "", fmt.Errorf("unknown format %q (want jsonl, csv or tsv)", s)
}

// LoadFile reads and parses the file at path.
func LoadFile(path string, opts Options) (*Dataset, error) {
	if opts.Format == "" {
		f, err := DetectFormat(path)
		if err != nil {
			return nil, err
		}
		opts.Format = f
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading data: %w", err)
	}
	d, err := Parse(b, opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	d.Path = path
	return d, nil
}

// Parse parses the bytes of a data file; opts.Format must be set.
func Parse(b []byte, opts Options) (*Dataset, error) {
	sum := sha256.Sum256(b)
	d := &Dataset{Format: opts.Format, SHA256: hex.EncodeToString(sum[:])}
	b = bytes.TrimPrefix(b, []byte("\ufeff"))
	var err error
	switch opts.Format {
	case JSONL:
		d.Items, err = parseJSONL(b, opts)
	case CSV, TSV:
		d.Items, err = parseTable(b, opts)
	default:
		return nil, fmt.Errorf("unknown format %q (want jsonl, csv or tsv)", opts.Format)
	}
	if err != nil {
		return nil, err
	}
	if len(d.Items) == 0 {
		return nil, ErrEmpty
	}
	return d, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func labelCols(opts Options) []string {
	if len(opts.LabelCols) == 0 {
		return []string{"labels"}
	}
	return opts.LabelCols
}

// labeler turns raw values of one label column into labels.
type labeler struct {
	m   *Map
	col string
	sep string
}

func (l labeler) add(dst map[string]bool, raw string) error {
	raw = strings.TrimSpace(raw)
	if l.m == nil {
		if l.sep == "" {
			if raw != "" {
				dst[raw] = true
			}
			return nil
		}
		for _, t := range strings.Split(raw, l.sep) {
			if t = strings.TrimSpace(t); t != "" {
				dst[t] = true
			}
		}
		return nil
	}
	if out, ok := l.m.lookup(l.col, raw); ok {
		for _, x := range out {
			dst[x] = true
		}
		return nil
	}
	if l.sep == "" || !strings.Contains(raw, l.sep) {
		return fmt.Errorf("label %q (column %s) is not in the label map", raw, l.col)
	}
	for _, t := range strings.Split(raw, l.sep) {
		t = strings.TrimSpace(t)
		out, ok := l.m.lookup(l.col, t)
		if !ok {
			return fmt.Errorf("label %q (token of %q, column %s) is not in the label map", t, raw, l.col)
		}
		for _, x := range out {
			dst[x] = true
		}
	}
	return nil
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func parseJSONL(b []byte, opts Options) ([]Item, error) {
	textKey := orDefault(opts.TextCol, "text")
	idKey := orDefault(opts.IDCol, "id")
	targetKey := orDefault(opts.TargetCol, "target")
	funcKey := orDefault(opts.FunctionalityCol, "functionality")
	lcols := labelCols(opts)
	var items []Item
	line := 0
	for len(b) > 0 {
		line++
		var raw []byte
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			raw, b = b[:i], b[i+1:]
		} else {
			raw, b = b, nil
		}
		raw = bytes.TrimSpace(raw)
		if len(raw) == 0 {
			continue
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil {
			return nil, fmt.Errorf("line %d: not a JSON object: %w", line, err)
		}
		it := Item{Line: line}
		var err error
		if it.Text, err = jsonString(obj, textKey, true); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if !utf8.ValidString(it.Text) {
			return nil, fmt.Errorf("line %d: text is not valid UTF-8", line)
		}
		if strings.TrimSpace(it.Text) == "" {
			return nil, fmt.Errorf("line %d: empty text in field %q", line, textKey)
		}
		if it.ID, err = jsonScalar(obj, idKey); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if it.ID == "" {
			it.ID = "line-" + strconv.Itoa(line)
		}
		if it.Functionality, err = jsonScalar(obj, funcKey); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if it.Targets, err = jsonStrings(obj, targetKey); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if _, ok := obj["annotates"]; ok && string(obj["annotates"]) != "null" {
			if it.Annotates, err = jsonStrings(obj, "annotates"); err != nil {
				return nil, fmt.Errorf("line %d: %w", line, err)
			}
			if it.Annotates == nil {
				it.Annotates = []string{}
			}
		}
		labels := map[string]bool{}
		for _, c := range lcols {
			vals, err := jsonStrings(obj, c)
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", line, err)
			}
			if _, ok := obj[c]; !ok {
				return nil, fmt.Errorf("line %d: missing label field %q", line, c)
			}
			lb := labeler{m: opts.Map, col: c, sep: opts.LabelSep}
			for _, v := range vals {
				if err := lb.add(labels, v); err != nil {
					return nil, fmt.Errorf("line %d: %w", line, err)
				}
			}
		}
		it.Labels = sortedKeys(labels)
		items = append(items, it)
	}
	return items, nil
}

func jsonString(obj map[string]json.RawMessage, key string, required bool) (string, error) {
	v, ok := obj[key]
	if !ok || string(v) == "null" {
		if required {
			return "", fmt.Errorf("missing field %q", key)
		}
		return "", nil
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return "", fmt.Errorf("field %q is not a string", key)
	}
	return s, nil
}

// jsonScalar reads a string or number field as text.
func jsonScalar(obj map[string]json.RawMessage, key string) (string, error) {
	v, ok := obj[key]
	if !ok || string(v) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(v, &s); err == nil {
		return s, nil
	}
	var n json.Number
	if err := json.Unmarshal(v, &n); err == nil {
		return n.String(), nil
	}
	return "", fmt.Errorf("field %q is not a string or number", key)
}

// jsonStrings reads a field that is a string, a number or an array of strings.
func jsonStrings(obj map[string]json.RawMessage, key string) ([]string, error) {
	v, ok := obj[key]
	if !ok || string(v) == "null" {
		return nil, nil
	}
	var arr []string
	if err := json.Unmarshal(v, &arr); err == nil {
		out := arr[:0]
		for _, s := range arr {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
		return out, nil
	}
	s, err := jsonScalar(obj, key)
	if err != nil {
		return nil, fmt.Errorf("field %q is not a string or an array of strings", key)
	}
	if s = strings.TrimSpace(s); s == "" {
		return nil, nil
	}
	return []string{s}, nil
}

// record is one row of a CSV/TSV file with the line it starts on.
type record struct {
	line   int
	fields []string
}

func readTSV(b []byte) []record {
	var recs []record
	line := 0
	for len(b) > 0 {
		line++
		var raw []byte
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			raw, b = b[:i], b[i+1:]
		} else {
			raw, b = b, nil
		}
		raw = bytes.TrimSuffix(raw, []byte("\r"))
		if len(bytes.TrimSpace(raw)) == 0 {
			continue
		}
		recs = append(recs, record{line: line, fields: strings.Split(string(raw), "\t")})
	}
	return recs
}

func readCSV(b []byte) ([]record, error) {
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = -1
	var recs []record
	for {
		f, err := r.Read()
		if err == io.EOF {
			return recs, nil
		}
		if err != nil {
			return nil, err // csv.ParseError carries the line
		}
		line, _ := r.FieldPos(0)
		recs = append(recs, record{line: line, fields: f})
	}
}

// colSpec resolves a column given by header name or 1-based number.
func colIndex(spec string, header []string) (int, error) {
	if n, err := strconv.Atoi(spec); err == nil {
		if n < 1 {
			return 0, fmt.Errorf("column number %d: columns are numbered from 1", n)
		}
		return n - 1, nil
	}
	for i, h := range header {
		if strings.TrimSpace(h) == spec {
			return i, nil
		}
	}
	if header == nil {
		return 0, fmt.Errorf("column %q: the file has no header row, give the column's number", spec)
	}
	return 0, fmt.Errorf("no column %q in the header (columns: %s)", spec, strings.Join(header, ", "))
}

func isNumber(s string) bool { _, err := strconv.Atoi(s); return err == nil }

func parseTable(b []byte, opts Options) ([]Item, error) {
	var recs []record
	if opts.Format == TSV {
		recs = readTSV(b)
	} else {
		var err error
		if recs, err = readCSV(b); err != nil {
			return nil, fmt.Errorf("parsing CSV: %w", err)
		}
	}
	textSpec := orDefault(opts.TextCol, "text")
	lspecs := labelCols(opts)
	specs := append([]string{textSpec}, lspecs...)
	for _, s := range []string{opts.IDCol, opts.TargetCol, opts.FunctionalityCol} {
		if s != "" {
			specs = append(specs, s)
		}
	}
	var hasHeader bool
	switch strings.ToLower(opts.Header) {
	case "yes", "true":
		hasHeader = true
	case "no", "false":
	case "", "auto":
		for _, s := range specs {
			if !isNumber(s) {
				hasHeader = true
			}
		}
	default:
		return nil, fmt.Errorf("header %q: want yes, no or auto", opts.Header)
	}
	var header []string
	if hasHeader {
		if len(recs) == 0 {
			return nil, ErrEmpty
		}
		header, recs = recs[0].fields, recs[1:]
		if len(header) > 0 {
			header[0] = strings.TrimPrefix(header[0], "\ufeff")
		}
	}
	textIdx, err := colIndex(textSpec, header)
	if err != nil {
		return nil, fmt.Errorf("text column: %w", err)
	}
	type lcol struct {
		idx int
		lb  labeler
	}
	var lc []lcol
	for _, s := range lspecs {
		i, err := colIndex(s, header)
		if err != nil {
			return nil, fmt.Errorf("label column: %w", err)
		}
		lc = append(lc, lcol{i, labeler{m: opts.Map, col: s, sep: opts.LabelSep}})
	}
	// Optional columns: explicit specs must resolve; defaults are used when present.
	optional := func(spec, def string) (int, error) {
		if spec != "" {
			return colIndex(spec, header)
		}
		for i, h := range header {
			if strings.TrimSpace(h) == def {
				return i, nil
			}
		}
		return -1, nil
	}
	idIdx, err := optional(opts.IDCol, "id")
	if err != nil {
		return nil, fmt.Errorf("id column: %w", err)
	}
	tgtIdx, err := optional(opts.TargetCol, "target")
	if err != nil {
		return nil, fmt.Errorf("target column: %w", err)
	}
	fnIdx, err := optional(opts.FunctionalityCol, "functionality")
	if err != nil {
		return nil, fmt.Errorf("functionality column: %w", err)
	}
	field := func(r record, i int, what string) (string, error) {
		if i >= len(r.fields) {
			return "", fmt.Errorf("line %d: %s column %d missing (the row has %d columns)", r.line, what, i+1, len(r.fields))
		}
		return r.fields[i], nil
	}
	items := make([]Item, 0, len(recs))
	for _, r := range recs {
		it := Item{Line: r.line}
		text, err := field(r, textIdx, "text")
		if err != nil {
			return nil, err
		}
		if opts.NewlineToken != "" {
			text = strings.ReplaceAll(text, opts.NewlineToken, "\n")
		}
		if !utf8.ValidString(text) {
			return nil, fmt.Errorf("line %d: text is not valid UTF-8", r.line)
		}
		if strings.TrimSpace(text) == "" {
			return nil, fmt.Errorf("line %d: empty text", r.line)
		}
		it.Text = text
		labels := map[string]bool{}
		for _, c := range lc {
			v, err := field(r, c.idx, "label")
			if err != nil {
				return nil, err
			}
			if err := c.lb.add(labels, v); err != nil {
				return nil, fmt.Errorf("line %d: %w", r.line, err)
			}
		}
		it.Labels = sortedKeys(labels)
		if idIdx >= 0 {
			if it.ID, err = field(r, idIdx, "id"); err != nil {
				return nil, err
			}
			it.ID = strings.TrimSpace(it.ID)
		}
		if it.ID == "" {
			it.ID = "line-" + strconv.Itoa(r.line)
		}
		if tgtIdx >= 0 {
			v, err := field(r, tgtIdx, "target")
			if err != nil {
				return nil, err
			}
			if v = strings.TrimSpace(v); v != "" {
				it.Targets = []string{v}
			}
		}
		if fnIdx >= 0 {
			v, err := field(r, fnIdx, "functionality")
			if err != nil {
				return nil, err
			}
			it.Functionality = strings.TrimSpace(v)
		}
		items = append(items, it)
	}
	return items, nil
}

// Read parses a data set from r (for stdin); opts.Format must be set.
func Read(r io.Reader, opts Options) (*Dataset, error) {
	if opts.Format == "" {
		return nil, errors.New("reading data from a stream: give the format")
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("reading data: %w", err)
	}
	return Parse(b, opts)
}
