// Package stream scores JSON Lines posts with a model, in parallel and in
// input order: each input line {"id", "text", …} becomes one output line
// with the scores, flags, context labels and evidence spans. It reads and
// writes JSON with its own scanner and encoder, which keep unknown fields'
// bytes and are several times faster than encoding/json at this volume;
// malformed lines are counted and reported, never fatal. Invalid UTF-8 in
// a line is replaced, byte by byte, with U+FFFD before the line is parsed:
// the output is always valid UTF-8.
package stream

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"unicode/utf8"

	"github.com/rasd-iq/rasd/models"
)

// chunkLines is the number of input lines handled as one unit of work.
const chunkLines = 2048

// Stats counts what Score did.
type Stats struct {
	// Scored counts the posts scored, Malformed the lines that were not
	// posts, and FirstBad is the line number of the first of those.
	Scored, Malformed, FirstBad int
}

// chunk is a run of input lines; data holds them back to back.
type chunk struct {
	seq, firstLine int
	data           []byte
	ends           []int
	out            []byte
	stats          Stats
	err            error
}

// Score reads JSONL posts from r and writes scored lines to w in
// input order. Chunks are parsed, scored and encoded in parallel.
func Score(ctx context.Context, m *models.Model, r io.Reader, w io.Writer) (Stats, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := max(2, runtime.GOMAXPROCS(0))
	todo := make(chan *chunk, workers)
	done := make(chan *chunk, workers)
	readErr := make(chan error, 1)
	go func() {
		defer close(todo)
		readErr <- readChunks(ctx, r, todo)
	}()
	finished := make(chan struct{})
	for range workers {
		go func() {
			for ch := range todo {
				ch.process(ctx, m)
				done <- ch
			}
			finished <- struct{}{}
		}()
	}
	go func() {
		for range workers {
			<-finished
		}
		close(done)
	}()
	var st Stats
	var firstErr error
	pending := map[int]*chunk{}
	next := 0
	for ch := range done {
		pending[ch.seq] = ch
		for p, ok := pending[next]; ok; p, ok = pending[next] {
			delete(pending, next)
			next++
			if firstErr != nil {
				continue
			}
			if p.err != nil {
				firstErr = p.err
				cancel()
				continue
			}
			if _, err := w.Write(p.out); err != nil {
				firstErr = fmt.Errorf("writing output: %w", err)
				cancel()
				continue
			}
			st.Scored += p.stats.Scored
			if p.stats.Malformed > 0 && st.Malformed == 0 {
				st.FirstBad = p.stats.FirstBad
			}
			st.Malformed += p.stats.Malformed
		}
	}
	if err := <-readErr; firstErr == nil && err != nil && !errors.Is(err, context.Canceled) {
		firstErr = err
	}
	if firstErr == nil {
		firstErr = ctx.Err()
		if errors.Is(firstErr, context.Canceled) {
			firstErr = nil
		}
	}
	return st, firstErr
}

// readChunks splits r into chunks of lines and sends them on todo.
func readChunks(ctx context.Context, r io.Reader, todo chan<- *chunk) error {
	br := bufio.NewReaderSize(r, 1<<20)
	line, seq := 1, 0
	ch := &chunk{firstLine: 1}
	for {
		b, err := br.ReadSlice('\n')
		for errors.Is(err, bufio.ErrBufferFull) { // a line longer than the buffer
			full := append([]byte(nil), b...)
			b, err = br.ReadSlice('\n')
			b = append(full, b...)
		}
		if len(b) > 0 {
			ch.data = append(ch.data, b...)
			ch.ends = append(ch.ends, len(ch.data))
			line++
			if len(ch.ends) == chunkLines {
				ch.seq = seq
				seq++
				select {
				case todo <- ch:
				case <-ctx.Done():
					return ctx.Err()
				}
				ch = &chunk{firstLine: line}
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("reading input: %w", err)
		}
	}
	if len(ch.ends) > 0 {
		ch.seq = seq
		select {
		case todo <- ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// post is one parsed input line.
type post struct {
	line   int
	fields []jsonField
	id     []byte
	text   string
	err    error
}

// process parses, scores and encodes the chunk's lines.
func (ch *chunk) process(ctx context.Context, m *models.Model) {
	posts := make([]post, 0, len(ch.ends))
	var texts []string
	prev := 0
	for i, end := range ch.ends {
		b := ch.data[prev:end]
		prev = end
		p := post{line: ch.firstLine + i}
		if isBlank(b) {
			continue
		}
		// Invalid UTF-8 never reaches the output: each invalid byte of the
		// line becomes U+FFFD before it is parsed, so the fields copied
		// through as they were (text, unknown fields, the id) are valid
		// too, and the text scored is the text written.
		if !utf8.Valid(b) {
			b = toValidUTF8(b)
		}
		p.fields, p.err = parseObject(b)
		if p.err == nil {
			p.err = p.find()
		}
		if p.err == nil {
			texts = append(texts, p.text)
		}
		posts = append(posts, p)
	}
	preds, err := m.Score(ctx, texts)
	if err != nil {
		ch.err = err
		return
	}
	out := make([]byte, 0, len(ch.data)+len(posts)*160)
	id := models.ReadingID(m.ID(), m.Head())
	labels := m.Labels()
	k := 0
	for i := range posts {
		p := &posts[i]
		if p.err != nil {
			ch.stats.Malformed++
			if ch.stats.Malformed == 1 {
				ch.stats.FirstBad = p.line
			}
			out = append(out, `{"line":`...)
			out = strconv.AppendInt(out, int64(p.line), 10)
			out = append(out, `,"error":`...)
			out = appendJSONString(out, p.err.Error())
			out = append(out, "}\n"...)
			continue
		}
		out = appendScored(out, p, &preds[k], labels, id)
		k++
		ch.stats.Scored++
	}
	ch.out = out
	ch.data = nil
}

// find locates the id and text fields of a parsed post.
func (p *post) find() error {
	var text []byte
	for _, f := range p.fields {
		switch f.key {
		case "id":
			p.id = f.val
		case "text":
			text = f.val
		}
	}
	if text == nil {
		return fmt.Errorf("post has no \"text\" field")
	}
	if text[0] != '"' {
		return fmt.Errorf("\"text\" is not a string")
	}
	s, err := decodeJSONString(text)
	if err != nil {
		return fmt.Errorf("decoding \"text\": %w", err)
	}
	p.text = s
	return nil
}

// outputKeys are written by score; input fields with these names are replaced.
var outputKeys = map[string]bool{"id": true, "scores": true, "undiscounted": true, "flags": true, "context": true, "spans": true, "model": true}

// appendScored encodes one scored post: id, scores, the scores the
// model's stance discount lowered as they were before it (undiscounted,
// only when it lowered one), flags, context, spans, model, then the other
// input fields as they were.
func appendScored(out []byte, p *post, pr *models.Prediction, labels []string, modelID string) []byte {
	out = append(out, `{"id":`...)
	if p.id != nil {
		out = append(out, p.id...)
	} else {
		out = append(out, "null"...)
	}
	out = append(out, `,"scores":{`...)
	for i, l := range labels {
		if i > 0 {
			out = append(out, ',')
		}
		out = appendJSONString(out, l)
		out = append(out, ':')
		out = strconv.AppendFloat(out, pr.Scores[l], 'f', 6, 64)
	}
	if len(pr.Undiscounted) > 0 {
		out = append(out, `},"undiscounted":{`...)
		n := 0
		for _, l := range labels {
			u, ok := pr.Undiscounted[l]
			if !ok {
				continue
			}
			if n > 0 {
				out = append(out, ',')
			}
			n++
			out = appendJSONString(out, l)
			out = append(out, ':')
			out = strconv.AppendFloat(out, u, 'f', 6, 64)
		}
	}
	out = append(out, `},"flags":`...)
	out = appendStrings(out, pr.Flags)
	out = append(out, `,"context":`...)
	out = appendStrings(out, pr.Context)
	out = append(out, `,"spans":[`...)
	for i, s := range pr.Spans {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, `{"start":`...)
		out = strconv.AppendInt(out, int64(s.Start), 10)
		out = append(out, `,"end":`...)
		out = strconv.AppendInt(out, int64(s.End), 10)
		out = append(out, `,"label":`...)
		out = appendJSONString(out, s.Label)
		out = append(out, `,"term":`...)
		out = appendJSONString(out, s.Term)
		out = append(out, '}')
	}
	out = append(out, `],"model":`...)
	out = appendJSONString(out, modelID)
	for _, f := range p.fields {
		if outputKeys[f.key] {
			continue
		}
		out = append(out, ',')
		out = append(out, f.rawKey...)
		out = append(out, ':')
		out = append(out, f.val...)
	}
	return append(out, "}\n"...)
}

func appendStrings(out []byte, ss []string) []byte {
	out = append(out, '[')
	for i, s := range ss {
		if i > 0 {
			out = append(out, ',')
		}
		out = appendJSONString(out, s)
	}
	return append(out, ']')
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string; invalid UTF-8 becomes U+FFFD.
func appendJSONString(out []byte, s string) []byte {
	out = append(out, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				out = append(out, s[start:i]...)
				out = append(out, "\ufffd"...)
				i++
				start = i
				continue
			}
			if r == '\u2028' || r == '\u2029' {
				out = append(out, s[start:i]...)
				out = append(out, `\u202`...)
				out = append(out, hexDigits[r&0xf])
				i += size
				start = i
				continue
			}
			i += size
			continue
		}
		out = append(out, s[start:i]...)
		switch c {
		case '"', '\\':
			out = append(out, '\\', c)
		case '\n':
			out = append(out, '\\', 'n')
		case '\r':
			out = append(out, '\\', 'r')
		case '\t':
			out = append(out, '\\', 't')
		default:
			out = append(out, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		i++
		start = i
	}
	out = append(out, s[start:]...)
	return append(out, '"')
}

// jsonField is one top-level member of a JSON object, kept raw.
type jsonField struct {
	rawKey []byte // with quotes, as written
	key    string // decoded
	val    []byte // raw value
}

func isBlank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return false
		}
	}
	return true
}

// jsonScanner validates JSON and finds value boundaries without decoding.
type jsonScanner struct {
	b []byte
	i int
}

func (s *jsonScanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\r', '\n':
			s.i++
		default:
			return
		}
	}
}

func (s *jsonScanner) errorf(format string, args ...any) error {
	return fmt.Errorf("invalid JSON at byte %d: %s", s.i+1, fmt.Sprintf(format, args...))
}

// parseObject parses one JSON object (a whole line) into its top-level fields.
func parseObject(b []byte) ([]jsonField, error) {
	s := &jsonScanner{b: b}
	s.ws()
	if s.i >= len(b) || b[s.i] != '{' {
		return nil, s.errorf("a post must be a JSON object")
	}
	s.i++
	var fields []jsonField
	s.ws()
	if s.i < len(b) && b[s.i] == '}' {
		s.i++
	} else {
		for {
			s.ws()
			ks := s.i
			if err := s.str(); err != nil {
				return nil, err
			}
			rawKey := b[ks:s.i]
			key, err := decodeJSONString(rawKey)
			if err != nil {
				return nil, s.errorf("bad key: %v", err)
			}
			s.ws()
			if s.i >= len(b) || b[s.i] != ':' {
				return nil, s.errorf("expected ':' after key %q", key)
			}
			s.i++
			s.ws()
			vs := s.i
			if err := s.value(0); err != nil {
				return nil, err
			}
			fields = append(fields, jsonField{rawKey: rawKey, key: key, val: b[vs:s.i]})
			s.ws()
			if s.i >= len(b) {
				return nil, s.errorf("unexpected end of line in object")
			}
			if b[s.i] == ',' {
				s.i++
				continue
			}
			if b[s.i] == '}' {
				s.i++
				break
			}
			return nil, s.errorf("expected ',' or '}'")
		}
	}
	s.ws()
	if s.i != len(b) {
		return nil, s.errorf("unexpected data after the object")
	}
	return fields, nil
}

// str skips a string, checking escapes and control characters.
func (s *jsonScanner) str() error {
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return s.errorf("expected a string")
	}
	s.i++
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return nil
		case c == '\\':
			if s.i+1 >= len(s.b) {
				return s.errorf("unterminated string")
			}
			switch s.b[s.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i += 2
			case 'u':
				if s.i+6 > len(s.b) {
					return s.errorf("short \\u escape")
				}
				for _, h := range s.b[s.i+2 : s.i+6] {
					if !isHex(h) {
						return s.errorf("bad \\u escape")
					}
				}
				s.i += 6
			default:
				return s.errorf("bad escape \\%c", s.b[s.i+1])
			}
		case c < 0x20:
			return s.errorf("control character in string")
		default:
			s.i++
		}
	}
	return s.errorf("unterminated string")
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// maxJSONDepth bounds nesting so that hostile input cannot exhaust the stack.
const maxJSONDepth = 100

// value skips one JSON value.
func (s *jsonScanner) value(depth int) error {
	if depth > maxJSONDepth {
		return s.errorf("nesting deeper than %d", maxJSONDepth)
	}
	if s.i >= len(s.b) {
		return s.errorf("expected a value")
	}
	switch c := s.b[s.i]; {
	case c == '"':
		return s.str()
	case c == '{' || c == '[':
		end := byte('}')
		if c == '[' {
			end = ']'
		}
		s.i++
		s.ws()
		if s.i < len(s.b) && s.b[s.i] == end {
			s.i++
			return nil
		}
		for {
			s.ws()
			if c == '{' {
				if err := s.str(); err != nil {
					return err
				}
				s.ws()
				if s.i >= len(s.b) || s.b[s.i] != ':' {
					return s.errorf("expected ':'")
				}
				s.i++
				s.ws()
			}
			if err := s.value(depth + 1); err != nil {
				return err
			}
			s.ws()
			if s.i >= len(s.b) {
				return s.errorf("unexpected end of line")
			}
			if s.b[s.i] == ',' {
				s.i++
				continue
			}
			if s.b[s.i] == end {
				s.i++
				return nil
			}
			return s.errorf("expected ',' or '%c'", end)
		}
	case c == 't':
		return s.lit("true")
	case c == 'f':
		return s.lit("false")
	case c == 'n':
		return s.lit("null")
	case c == '-' || c >= '0' && c <= '9':
		return s.number()
	default:
		return s.errorf("unexpected character %q", c)
	}
}

func (s *jsonScanner) lit(w string) error {
	if len(s.b)-s.i < len(w) || string(s.b[s.i:s.i+len(w)]) != w {
		return s.errorf("expected %s", w)
	}
	s.i += len(w)
	return nil
}

func (s *jsonScanner) number() error {
	start := s.i
	if s.b[s.i] == '-' {
		s.i++
	}
	digits := func() int {
		n := 0
		for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
			s.i++
			n++
		}
		return n
	}
	if s.i < len(s.b) && s.b[s.i] == '0' {
		s.i++
	} else if digits() == 0 {
		return s.errorf("bad number")
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if digits() == 0 {
			return s.errorf("bad number")
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if digits() == 0 {
			return s.errorf("bad number")
		}
	}
	if s.i == start {
		return s.errorf("bad number")
	}
	return nil
}

// decodeJSONString decodes a raw JSON string (with quotes). The common case,
// no escapes, needs no decoder; invalid UTF-8 becomes U+FFFD either way.
func decodeJSONString(raw []byte) (string, error) {
	inner := raw[1 : len(raw)-1]
	plain := true
	for _, c := range inner {
		if c == '\\' {
			plain = false
			break
		}
	}
	if plain {
		if utf8.Valid(inner) {
			return string(inner), nil
		}
		return string(toValidUTF8(inner)), nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", err
	}
	return s, nil
}

// toValidUTF8 returns b with each byte that is not part of a valid UTF-8
// sequence replaced by U+FFFD.
func toValidUTF8(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size == 1 {
			out = append(out, "\ufffd"...)
		} else {
			out = append(out, b[:size]...)
		}
		b = b[size:]
	}
	return out
}
