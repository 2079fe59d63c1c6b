// Package file is the connector for data handed over by partners: JSON Lines
// or CSV files, with a mapping from the file's fields to Post fields.
//
// Its cursor is the byte offset and line number of the next record, so an
// interrupted import goes on where it stopped. Malformed records are reported
// with their line number (as an *ingest.SkipError) and skipped; they never
// stop the import. Each post keeps the SHA-256 of its raw record as evidence
// and the record itself as its capture. Media come from a JSONL record's
// media list ([{url, kind, type}]) or from the column mapped as media.
package file

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	jsonv2 "github.com/go-json-experiment/json"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"github.com/rasd-iq/rasd/ingest"
)

// Name is the connector type in sources.yaml.
const Name = "file"

func init() { ingest.MustRegister(Name, New) }

// Defaults for a fetch.
const (
	// DefaultBatch is how many posts one Fetch returns at most (limits.max_posts).
	DefaultBatch = 1000
	// DefaultMaxRecord is the longest record accepted, in bytes (limits.max_body_bytes).
	DefaultMaxRecord = 1 << 20
)

// Settings configure a file source.
type Settings struct {
	// Path is the file to import, relative to sources.yaml unless absolute.
	Path string `yaml:"path"`
	// Format is "jsonl" or "csv"; by default it follows the extension (.jsonl, .ndjson, .json, .csv, .tsv).
	Format string `yaml:"format"`
	// Columns maps Post fields to the file's columns (CSV header names) or
	// fields (JSONL keys, dotted for nested objects). Without a mapping, JSONL
	// lines are read as Post records.
	Columns Columns `yaml:"columns"`
	// TimeLayouts are Go time layouts tried in order for the created column;
	// unix seconds or milliseconds are always accepted. Default: RFC 3339,
	// "2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02", and the
	// Twitter layout "Mon Jan 02 15:04:05 -0700 2006".
	TimeLayouts []string `yaml:"time_layouts"`
	// Timezone applies to times without a zone (IANA name, default UTC).
	Timezone string `yaml:"timezone"`
	// Delimiter separates CSV fields: one character, default "," ("\t" for .tsv).
	Delimiter string `yaml:"delimiter"`
	// Encoding of the file: utf-8 (default), windows-1256, iso-8859-6 or utf-16.
	Encoding string `yaml:"encoding"`
}

// Columns name the file's columns for each Post field; empty means absent.
type Columns struct {
	// ID holds the platform's id of the post (Post.NativeID).
	ID string `yaml:"id"`
	// Text holds the post's text (required for CSV; JSONL default "text").
	Text string `yaml:"text"`
	// Author holds the author's handle.
	Author string `yaml:"author"`
	// AuthorID holds the author's platform id.
	AuthorID string `yaml:"author_id"`
	// Created holds when the post was made (see Settings.TimeLayouts).
	Created string `yaml:"created"`
	// Permalink holds the post's URL.
	Permalink string `yaml:"permalink"`
	// Lang holds a language hint.
	Lang string `yaml:"lang"`
	// ReplyTo holds the id of the post replied to.
	ReplyTo string `yaml:"reply_to"`
	// ForwardOf holds what the post was forwarded from.
	ForwardOf string `yaml:"forward_of"`
	// Views holds a view count.
	Views string `yaml:"views"`
	// Shares holds a share or retweet count.
	Shares string `yaml:"shares"`
	// Followers holds the author's follower count.
	Followers string `yaml:"followers"`
	// Location holds the author's stated location.
	Location string `yaml:"location"`
	// MediaTexts holds a caption of attached media.
	MediaTexts string `yaml:"media_captions"`
	// Media holds the post's media: in JSONL a URL, a list of URLs or a
	// list of {url, kind, type} objects; in CSV URLs separated by spaces.
	Media string `yaml:"media"`
}

func (c Columns) isZero() bool { return c == Columns{} }

// fields lists the mapped columns by Post field name.
func (c Columns) fields() []struct{ field, col string } {
	all := []struct{ field, col string }{
		{"id", c.ID}, {"text", c.Text}, {"author", c.Author}, {"author_id", c.AuthorID},
		{"created", c.Created}, {"permalink", c.Permalink}, {"lang", c.Lang}, {"reply_to", c.ReplyTo},
		{"forward_of", c.ForwardOf}, {"views", c.Views}, {"shares", c.Shares}, {"followers", c.Followers},
		{"location", c.Location}, {"media_captions", c.MediaTexts}, {"media", c.Media},
	}
	out := all[:0]
	for _, f := range all {
		if f.col != "" {
			out = append(out, f)
		}
	}
	return out
}

var defaultLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04",
	"2006-01-02",
	"Mon Jan 02 15:04:05 -0700 2006",
}

// Connector imports one file.
type Connector struct {
	name     string
	path     string
	csv      bool
	cols     Columns
	layouts  []string
	loc      *time.Location
	comma    rune
	enc      encoding.Encoding
	batch    int
	maxRec   int
	header   map[string]int // CSV column name -> index
	headerAt int64          // CSV: offset after the header record
	headerLn int
	capType  string // Post.CaptureType of a record
	// Now returns the fetch time; tests replace it.
	Now func() time.Time
}

// New builds a file connector from its spec, checking that the file exists
// and, for CSV, that its header has every mapped column.
func New(spec ingest.Spec) (ingest.Connector, error) {
	var s Settings
	if err := spec.DecodeSettings(&s); err != nil {
		return nil, err
	}
	if s.Path == "" {
		return nil, spec.Errorf("file: settings.path is required")
	}
	c := &Connector{
		name:    spec.Name,
		path:    spec.Resolve(s.Path),
		cols:    s.Columns,
		layouts: s.TimeLayouts,
		loc:     time.UTC,
		comma:   ',',
		batch:   spec.Limits.MaxPosts,
		maxRec:  int(spec.Limits.MaxBodyBytes),
		Now:     time.Now,
	}
	if c.batch <= 0 {
		c.batch = DefaultBatch
	}
	if c.maxRec <= 0 {
		c.maxRec = DefaultMaxRecord
	}
	if len(c.layouts) == 0 {
		c.layouts = defaultLayouts
	}
	format := strings.ToLower(s.Format)
	ext := strings.ToLower(filepath.Ext(c.path))
	if format == "" {
		switch ext {
		case ".jsonl", ".ndjson", ".json":
			format = "jsonl"
		case ".csv":
			format = "csv"
		case ".tsv":
			format = "csv"
			c.comma = '\t'
		default:
			return nil, spec.Errorf("file: cannot tell the format of %q from its extension: set format: jsonl or csv", s.Path)
		}
	}
	switch format {
	case "jsonl":
	case "csv":
		c.csv = true
		if s.Columns.Text == "" {
			return nil, spec.Errorf("file: csv needs columns.text (the column holding the post text)")
		}
	default:
		return nil, spec.Errorf("file: unknown format %q (want jsonl or csv)", s.Format)
	}
	if s.Delimiter != "" {
		r, n := utf8.DecodeRuneInString(s.Delimiter)
		if s.Delimiter == `\t` {
			r, n = '\t', 2
		}
		if n != len(s.Delimiter) || r == '"' || r == '\r' || r == '\n' || r == utf8.RuneError {
			return nil, spec.Errorf("file: bad delimiter %q: want one character other than a quote or newline", s.Delimiter)
		}
		c.comma = r
	}
	if s.Timezone != "" {
		loc, err := time.LoadLocation(s.Timezone)
		if err != nil {
			return nil, spec.Errorf("file: bad timezone %q: %v", s.Timezone, err)
		}
		c.loc = loc
	}
	switch strings.ToLower(s.Encoding) {
	case "", "utf-8", "utf8":
	case "windows-1256", "cp1256":
		c.enc = charmap.Windows1256
	case "iso-8859-6":
		c.enc = charmap.ISO8859_6
	case "utf-16":
		c.enc = unicode.UTF16(unicode.LittleEndian, unicode.UseBOM)
		if c.csv {
			return nil, spec.Errorf("file: utf-16 is supported for jsonl only; convert the csv to utf-8")
		}
	default:
		return nil, spec.Errorf("file: unknown encoding %q (want utf-8, windows-1256, iso-8859-6 or utf-16)", s.Encoding)
	}
	c.capType = "application/json"
	if c.csv {
		c.capType = "text/csv"
	}
	if c.enc != nil {
		c.capType += "; charset=" + strings.ToLower(s.Encoding)
	}
	f, err := os.Open(c.path)
	if err != nil {
		return nil, spec.Errorf("file: %v", err)
	}
	defer f.Close()
	if c.csv {
		if err := c.readHeader(f); err != nil {
			return nil, spec.Errorf("file: %v", err)
		}
		for _, fc := range c.cols.fields() {
			if _, ok := c.header[fc.col]; !ok {
				return nil, spec.Errorf("file: columns.%s: no column %q in the header of %s (have: %s)", fc.field, fc.col, s.Path, strings.Join(headerNames(c.header), ", "))
			}
		}
	}
	return c, nil
}

func headerNames(h map[string]int) []string {
	out := make([]string, len(h))
	for n, i := range h {
		out[i] = n
	}
	return out
}

// readHeader reads the CSV header record.
func (c *Connector) readHeader(f *os.File) error {
	rr := newRecordReader(f, c.maxRec, true)
	rec, err := rr.next()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("%s: empty file, want a header line", c.path)
		}
		return fmt.Errorf("%s: reading header: %w", c.path, err)
	}
	fields, err := c.parseCSV(rec.raw)
	if err != nil {
		return fmt.Errorf("%s:%d: header: %w", c.path, rec.line, err)
	}
	c.header = map[string]int{}
	for i, name := range fields {
		name = strings.TrimSpace(strings.TrimPrefix(name, "\ufeff"))
		if _, dup := c.header[name]; dup {
			return fmt.Errorf("%s:%d: header: column %q appears twice", c.path, rec.line, name)
		}
		c.header[name] = i
	}
	c.headerAt = rec.end
	c.headerLn = rec.line + rec.lines - 1
	return nil
}

// position is a parsed cursor: the byte offset and the line number of the next record.
type position struct {
	off  int64
	line int
}

func parseCursor(cur ingest.Cursor) (position, error) {
	if cur == "" {
		return position{line: 1}, nil
	}
	off, line, ok := strings.Cut(string(cur), ":")
	o, err1 := strconv.ParseInt(off, 10, 64)
	l, err2 := strconv.Atoi(line)
	if !ok || err1 != nil || err2 != nil || o < 0 || l < 1 {
		return position{}, fmt.Errorf("bad file cursor %q: want OFFSET:LINE", cur)
	}
	return position{off: o, line: l}, nil
}

func (p position) cursor() ingest.Cursor { return ingest.Cursor(fmt.Sprintf("%d:%d", p.off, p.line)) }

// Fetch reads up to limits.max_posts posts after cursor.
func (c *Connector) Fetch(ctx context.Context, cur ingest.Cursor) ([]ingest.Post, ingest.Cursor, error) {
	pos, err := parseCursor(cur)
	if err != nil {
		return nil, cur, err
	}
	f, err := os.Open(c.path)
	if err != nil {
		return nil, cur, fmt.Errorf("opening %s: %w", c.path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, cur, fmt.Errorf("reading %s: %w", c.path, err)
	}
	if pos.off > st.Size() {
		return nil, cur, fmt.Errorf("%s is %d bytes, shorter than the saved position %d: was it replaced? (remove the source's checkpoint to import it again)", c.path, st.Size(), pos.off)
	}
	if c.csv && pos.off < c.headerAt {
		pos = position{off: c.headerAt, line: c.headerLn + 1}
	}
	if _, err := f.Seek(pos.off, io.SeekStart); err != nil {
		return nil, cur, fmt.Errorf("seeking %s: %w", c.path, err)
	}
	rr := newRecordReader(f, c.maxRec, c.csv)
	rr.off, rr.line = pos.off, pos.line
	type item struct {
		rec  record
		post ingest.Post
		err  error
	}
	var (
		items   = make([]item, 0, min(c.batch, 4096))
		skips   []ingest.Skip
		fetched = c.Now().UTC()
		base    = filepath.Base(c.path)
	)
	for len(items) < c.batch && len(skips) < 4*c.batch {
		if len(items)%256 == 0 && ctx.Err() != nil {
			break
		}
		rec, err := rr.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var bad *badRecord
			if errors.As(err, &bad) {
				skips = append(skips, ingest.Skip{Where: fmt.Sprintf("%s:%d", base, bad.line), Err: bad.err})
				continue
			}
			return nil, cur, fmt.Errorf("reading %s: %w", c.path, err)
		}
		if len(bytes.TrimSpace(rec.raw)) == 0 || (rec.off == 0 && len(bytes.TrimSpace(bytes.TrimPrefix(rec.raw, bom))) == 0) {
			continue
		}
		rec.raw = bytes.Clone(rec.raw)
		items = append(items, item{rec: rec})
	}
	// Parsing is the costly part: spread it over the CPUs, keeping file order.
	ingest.Parallel(len(items), 64, func(i int) {
		it := &items[i]
		it.post, it.err = c.parse(it.rec.raw, it.rec.off == 0)
		if it.err != nil {
			return
		}
		p := &it.post
		sum := sha256.Sum256(it.rec.raw)
		p.RawSHA256 = hex.EncodeToString(sum[:])
		p.SetCapture(it.rec.raw, c.capType)
		if p.NativeID == "" {
			p.NativeID = "sha256-" + p.RawSHA256[:24]
		}
		// A partner's export keeps the platform it came from, so that a post
		// imported from a file and the same post fetched by its connector
		// share one id.
		if p.Platform == "" {
			p.Platform = Name
		}
		p.ID = ingest.MakeID(p.Platform, p.NativeID)
		p.Source = c.name
		p.Fetched = fetched
	})
	posts := make([]ingest.Post, 0, len(items))
	var parseSkips []ingest.Skip
	for _, it := range items {
		if it.err != nil {
			parseSkips = append(parseSkips, ingest.Skip{Where: fmt.Sprintf("%s:%d", base, it.rec.line), Err: it.err})
			continue
		}
		posts = append(posts, it.post)
	}
	skips = mergeSkips(skips, parseSkips)
	next := position{off: rr.off, line: rr.line}.cursor()
	if len(posts) == 0 && len(skips) == 0 && next == cur && ctx.Err() != nil {
		return nil, cur, ctx.Err()
	}
	if len(skips) > 0 {
		return posts, next, &ingest.SkipError{Items: skips}
	}
	return posts, next, nil
}

var bom = []byte("\ufeff")

// parse turns one raw record into a Post without the fields Fetch sets.
func (c *Connector) parse(raw []byte, first bool) (ingest.Post, error) {
	if first {
		raw = bytes.TrimPrefix(raw, bom)
	}
	if c.enc != nil {
		dec, err := c.enc.NewDecoder().Bytes(raw)
		if err != nil {
			return ingest.Post{}, fmt.Errorf("decoding: %w", err)
		}
		raw = dec
	}
	if c.csv {
		fields, err := c.parseCSV(raw)
		if err != nil {
			return ingest.Post{}, err
		}
		if len(fields) != len(c.header) {
			return ingest.Post{}, fmt.Errorf("%d fields, header has %d", len(fields), len(c.header))
		}
		return c.mapped(func(col string) (any, bool) {
			return fields[c.header[col]], true
		})
	}
	if !utf8.Valid(raw) {
		return ingest.Post{}, errors.New("not valid UTF-8 (set encoding: in the source's settings)")
	}
	if c.cols.isZero() {
		var p ingest.Post
		if err := jsonv2.Unmarshal(raw, &p, jsonv2.MatchCaseInsensitiveNames(true)); err != nil {
			return p, fmt.Errorf("bad JSON: %w", err)
		}
		native := p.NativeID
		if native == "" {
			native = p.ID
		}
		keep := ingest.Post{Platform: strings.TrimSpace(p.Platform), NativeID: native, Permalink: p.Permalink, Author: p.Author, Text: p.Text, Lang: p.Lang,
			Created: p.Created, Engagement: p.Engagement, ReplyTo: p.ReplyTo, ForwardOf: p.ForwardOf,
			MediaCaptions: p.MediaCaptions, Location: p.Location}
		for _, m := range p.Media {
			addMedia(&keep, filepath.Dir(c.path), m.URL, m.Kind, m.Type)
		}
		if strings.TrimSpace(keep.Text) == "" && len(keep.Media) == 0 {
			return keep, errors.New("no text and no media")
		}
		return keep, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		return ingest.Post{}, fmt.Errorf("bad JSON: %w", err)
	}
	if dec.More() {
		return ingest.Post{}, errors.New("bad JSON: more than one value on the line")
	}
	return c.mapped(func(col string) (any, bool) { return lookupPath(obj, col) })
}

func (c *Connector) parseCSV(raw []byte) ([]string, error) {
	if !utf8.Valid(raw) && c.enc == nil {
		return nil, errors.New("not valid UTF-8 (set encoding: in the source's settings)")
	}
	r := csv.NewReader(bytes.NewReader(raw))
	r.Comma = c.comma
	r.FieldsPerRecord = -1
	fields, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("bad CSV: %w", unwrapCSV(err))
	}
	if _, err := r.Read(); !errors.Is(err, io.EOF) {
		return nil, errors.New("bad CSV: more than one record")
	}
	return fields, nil
}

func unwrapCSV(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// lookupPath finds a dotted path in a decoded JSON object.
func lookupPath(obj map[string]any, path string) (any, bool) {
	if v, ok := obj[path]; ok {
		return v, true
	}
	var cur any = obj
	for part := range strings.SplitSeq(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[part]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// mapped builds a Post from mapped columns; get returns a column's value.
func (c *Connector) mapped(get func(col string) (any, bool)) (ingest.Post, error) {
	var p ingest.Post
	textCol := c.cols.Text
	if textCol == "" {
		textCol = "text"
	}
	str := func(field, col string) (string, error) {
		if col == "" {
			return "", nil
		}
		v, ok := get(col)
		if !ok || v == nil {
			return "", nil
		}
		switch x := v.(type) {
		case string:
			return x, nil
		case json.Number:
			return x.String(), nil
		case bool:
			return strconv.FormatBool(x), nil
		default:
			return "", fmt.Errorf("%s (%q) is not a single value", field, col)
		}
	}
	num := func(field, col string) (int64, error) {
		s, err := str(field, col)
		if err != nil || strings.TrimSpace(s) == "" {
			return 0, err
		}
		f, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(s), ",", ""), 64)
		if err != nil || f < 0 || f > 1e18 {
			return 0, fmt.Errorf("%s (%q): %q is not a count", field, col, s)
		}
		return int64(f), nil
	}
	var err error
	set := func(dst *string, field, col string) {
		if err == nil {
			*dst, err = str(field, col)
		}
	}
	set(&p.Text, "text", textCol)
	set(&p.NativeID, "id", c.cols.ID)
	set(&p.Author.Handle, "author", c.cols.Author)
	set(&p.Author.ID, "author_id", c.cols.AuthorID)
	set(&p.Permalink, "permalink", c.cols.Permalink)
	set(&p.ReplyTo, "reply_to", c.cols.ReplyTo)
	set(&p.ForwardOf, "forward_of", c.cols.ForwardOf)
	set(&p.Location, "location", c.cols.Location)
	var lang, created, media string
	set(&lang, "lang", c.cols.Lang)
	set(&created, "created", c.cols.Created)
	set(&media, "media_captions", c.cols.MediaTexts)
	if err != nil {
		return p, err
	}
	if c.cols.Media != "" {
		if v, ok := get(c.cols.Media); ok {
			if err := mediaValue(&p, filepath.Dir(c.path), v); err != nil {
				return p, fmt.Errorf("media (%q): %w", c.cols.Media, err)
			}
		}
	}
	if strings.TrimSpace(p.Text) == "" && len(p.Media) == 0 {
		return p, fmt.Errorf("no text in %q", textCol)
	}
	if !utf8.ValidString(p.Text) {
		return p, errors.New("text is not valid UTF-8 (set encoding: in the source's settings)")
	}
	p.NativeID = strings.TrimSpace(p.NativeID)
	if lang = strings.TrimSpace(lang); lang != "" {
		p.Lang = []string{lang}
	}
	if media = strings.TrimSpace(media); media != "" {
		p.MediaCaptions = []string{media}
	}
	if created = strings.TrimSpace(created); created != "" {
		if p.Created, err = c.parseTime(created); err != nil {
			return p, fmt.Errorf("created (%q): %w", c.cols.Created, err)
		}
	}
	if p.Engagement.Views, err = num("views", c.cols.Views); err != nil {
		return p, err
	}
	if p.Engagement.Shares, err = num("shares", c.cols.Shares); err != nil {
		return p, err
	}
	if p.Engagement.Followers, err = num("followers", c.cols.Followers); err != nil {
		return p, err
	}
	return p, nil
}

// mediaValue adds the media a mapped column holds: a string of URLs
// separated by spaces, or a list of URLs and {url, kind, type} objects.
func mediaValue(p *ingest.Post, dir string, v any) error {
	switch x := v.(type) {
	case nil:
	case string:
		for _, u := range strings.Fields(x) {
			addMedia(p, dir, u, "", "")
		}
	case []any:
		for _, e := range x {
			switch m := e.(type) {
			case string:
				addMedia(p, dir, m, "", "")
			case map[string]any:
				u, _ := m["url"].(string)
				kind, _ := m["kind"].(string)
				typ, _ := m["type"].(string)
				if u == "" {
					return errors.New("a media object without a url")
				}
				addMedia(p, dir, u, kind, typ)
			default:
				return errors.New("want URLs or {url, kind, type} objects")
			}
		}
	default:
		return errors.New("want a URL or a list of them")
	}
	return nil
}

// maxMediaType bounds a media type taken from a file.
const maxMediaType = 127

// addMedia adds one media item read from a file: an absolute http(s) URL,
// or a file: URL of a file in dir, the imported file's folder or below
// (file:rel/path, or file:///abs/path inside dir; the media stage reads
// files only from the folders its configuration allows too); a kind other than image, video, audio
// or file is taken from the type, else from the URL's file name; the
// SHA-256 is left to the media stage.
func addMedia(p *ingest.Post, dir, raw, kind, typ string) {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil {
		return
	}
	local := ""
	switch {
	case u.Scheme == "file" && u.Opaque != "":
		local = filepath.Join(dir, filepath.FromSlash(u.Opaque))
	case u.Scheme == "file" && u.Host == "" && filepath.IsAbs(u.Path):
		local = filepath.Clean(u.Path)
	case (u.Scheme == "http" || u.Scheme == "https") && u.Host != "":
	default:
		return
	}
	if local != "" {
		var err error
		if dir, err = filepath.Abs(dir); err != nil {
			return
		}
		if local, err = filepath.Abs(local); err != nil {
			return
		}
		rel, err := filepath.Rel(dir, local)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return
		}
		raw = (&url.URL{Scheme: "file", Path: local}).String()
	}
	if typ = strings.TrimSpace(typ); len(typ) > maxMediaType {
		typ = ""
	}
	if kind = strings.ToLower(strings.TrimSpace(kind)); !ingest.ValidMediaKind(kind) {
		if kind = ingest.MediaKindOfType(typ); kind == "" {
			kind = ingest.MediaKindOfName(raw)
		}
	}
	if local != "" {
		p.AddFileMedia(ingest.Media{URL: raw, Kind: kind, Type: typ})
		return
	}
	p.AddMedia(ingest.Media{URL: raw, Kind: kind, Type: typ})
}

func (c *Connector) parseTime(s string) (time.Time, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
		if n > 1e12 {
			return time.UnixMilli(n).UTC(), nil
		}
		return time.Unix(n, 0).UTC(), nil
	}
	for _, l := range c.layouts {
		if t, err := time.ParseInLocation(l, s, c.loc); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("time %q matches none of the layouts %q (set time_layouts)", s, c.layouts)
}

// mergeSkips merges two lists of skips, each in file order, into file order.
func mergeSkips(a, b []ingest.Skip) []ingest.Skip {
	if len(a) == 0 {
		return b
	}
	if len(b) == 0 {
		return a
	}
	out := append(a, b...)
	slices.SortStableFunc(out, func(x, y ingest.Skip) int { return cmp.Compare(skipLine(x.Where), skipLine(y.Where)) })
	return out
}

func skipLine(where string) int {
	n, _ := strconv.Atoi(where[strings.LastIndexByte(where, ':')+1:])
	return n
}
