package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	json "github.com/go-json-experiment/json/v1"

	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/policy"
)

// Stored posts and records are written in a compact binary layout: a
// version byte, then each field in a fixed order, strings and lists with
// their length first (uvarint), integers as varints, scores as float64
// bits, times as seconds and nanoseconds since 1970 (UTC). Encoding a
// record this way is several times faster than JSON, which matters at
// thousands of posts a second. Values written by earlier versions as JSON
// (they start with '{') are still read. Layout 2 adds the judgement after
// the record's fields; layout 1 records are read without one. Layout 3
// (posts: 2) adds the post's media and raw capture after its fields;
// layout 4 adds Sample after the media; layout 5 adds, when the record has
// a judgement, its scores before the model's stance discount after Sample.
const (
	codecV1 = 1
	codecV2 = 2
	codecV3 = 3
	codecV4 = 4
	codecV5 = 5

	postV1 = 1
	postV2 = 2
)

// errCorrupt reports a stored value that ends early or holds a bad length.
var errCorrupt = errors.New("corrupt stored value")

// EncodePost appends p's stored form to dst.
func EncodePost(dst []byte, p *ingest.Post) []byte {
	dst = slices.Grow(dst, postSize(p))
	dst = append(dst, postV2)
	return appendPost(dst, p)
}

// DecodePost reads a value written by EncodePost (or an older JSON one).
func DecodePost(b []byte, p *ingest.Post) error {
	if len(b) > 0 && b[0] == '{' {
		return json.Unmarshal(b, p)
	}
	d := decoder{b: b}
	v := d.byte()
	if v != postV1 && v != postV2 && d.err == nil {
		return fmt.Errorf("stored post: unknown layout %d", v)
	}
	*p = ingest.Post{}
	d.post(p, v == postV2)
	return d.done("post")
}

// EncodeRecord appends r's stored form to dst. Sightings is not stored: it
// is counted on read.
func EncodeRecord(dst []byte, r *Record) []byte {
	n := postSize(&r.Post) + 64 + len(r.Model) + len(r.Governorate) + 32*len(r.Scores) + 32*len(r.Spans)
	for _, ss := range [...][]string{r.Flags, r.Context, r.Reasons} {
		for _, x := range ss {
			n += len(x) + 2
		}
	}
	if v := r.Judgement; v != nil {
		n += 64 + 24*len(v.Thresholds) + 24*len(v.Undiscounted) + 32*len(v.Signals)
	}
	for i := range r.Media {
		m := &r.Media[i]
		n += 96 + len(m.URL) + len(m.Type) + len(m.OCR) + len(m.Error) + 32*len(m.Matches) + 16*len(m.OCRSpans)
	}
	dst = slices.Grow(dst, n)
	dst = append(dst, codecV5)
	dst = appendPost(dst, &r.Post)
	dst = appendFloats(dst, r.Scores)
	dst = appendStrings(dst, r.Flags)
	dst = appendStrings(dst, r.Context)
	dst = appendSpans(dst, r.Spans)
	dst = appendString(dst, r.Model)
	dst = appendString(dst, r.Governorate)
	dst = appendBool(dst, r.Queued)
	dst = binary.AppendVarint(dst, int64(r.Priority))
	dst = appendBool(dst, r.Urgent)
	dst = appendStrings(dst, r.Reasons)
	dst = appendTime(dst, r.Processed)
	dst = appendJudgement(dst, r.Judgement)
	dst = appendMedia(dst, r.Media)
	dst = appendBool(dst, r.Sample)
	if r.Judgement != nil {
		dst = appendFloats(dst, r.Judgement.Undiscounted)
	}
	return dst
}

// appendMedia writes the media stage's results (layout 3).
func appendMedia(dst []byte, ms []MediaResult) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(ms)))
	for i := range ms {
		m := &ms[i]
		for _, s := range [...]string{m.URL, m.Type, m.SHA256, m.MD5, m.PDQ, m.OCR, m.Error} {
			dst = appendString(dst, s)
		}
		for _, n := range [...]int64{m.Size, int64(m.Quality), int64(m.Frames)} {
			dst = binary.AppendVarint(dst, n)
		}
		dst = binary.AppendUvarint(dst, uint64(len(m.Matches)))
		for _, k := range m.Matches {
			dst = appendString(dst, k.Bank)
			dst = appendString(dst, k.Entry)
			dst = appendString(dst, k.Kind)
			dst = binary.AppendVarint(dst, int64(k.Distance))
		}
		dst = appendSpans(dst, m.OCRSpans)
		dst = appendTime(dst, m.At)
	}
	return dst
}

func appendSpans(dst []byte, spans []Span) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(spans)))
	for _, sp := range spans {
		dst = binary.AppendVarint(dst, int64(sp.Start))
		dst = binary.AppendVarint(dst, int64(sp.End))
		dst = appendString(dst, sp.Label)
		dst = appendString(dst, sp.Term)
	}
	return dst
}

func (d *decoder) spans() []Span {
	n := d.count(4)
	if n == 0 {
		return nil
	}
	spans := make([]Span, n)
	for i := range spans {
		sp := &spans[i]
		sp.Start, sp.End = int(d.varint()), int(d.varint())
		sp.Label, sp.Term = d.string(), d.string()
	}
	return spans
}

// media reads what appendMedia wrote.
func (d *decoder) media() []MediaResult {
	n := d.count(12)
	if n == 0 {
		return nil
	}
	ms := make([]MediaResult, n)
	for i := range ms {
		m := &ms[i]
		for _, s := range [...]*string{&m.URL, &m.Type, &m.SHA256, &m.MD5, &m.PDQ, &m.OCR, &m.Error} {
			*s = d.string()
		}
		m.Size, m.Quality, m.Frames = d.varint(), int(d.varint()), int(d.varint())
		if k := d.count(4); k > 0 {
			m.Matches = make([]KnownMatch, k)
			for j := range m.Matches {
				km := &m.Matches[j]
				km.Bank, km.Entry, km.Kind = d.string(), d.string(), d.string()
				km.Distance = int(d.varint())
			}
		}
		m.OCRSpans = d.spans()
		m.At = d.time()
	}
	return ms
}

// appendJudgement writes v after the record that holds its model and raw
// scores: the normaliser, source type, signals and thresholds always (the
// scores on the policy's scale are computed again on read), then the
// decision in full (JSON) when it queued the post or any rule fired or was
// held back, else only its policy version.
func appendJudgement(dst []byte, v *policy.Judgement) []byte {
	if v == nil {
		return append(dst, 0)
	}
	dst = append(dst, 1)
	dst = appendString(dst, v.Normalizer)
	dst = appendString(dst, v.SourceType)
	dst = binary.AppendUvarint(dst, uint64(len(v.Signals)))
	for _, sg := range v.Signals {
		dst = appendString(dst, sg.Name)
		dst = binary.AppendVarint(dst, int64(sg.Start))
		dst = binary.AppendVarint(dst, int64(sg.End))
		dst = appendString(dst, sg.Detail)
	}
	dst = appendFloats(dst, v.Thresholds)
	dst = appendTime(dst, v.At)
	d := &v.Decision
	if !d.Queue && len(d.Fired) == 0 && len(d.HeldBack) == 0 && len(d.Protected) == 0 {
		dst = append(dst, 0)
		return appendString(dst, d.PolicyVersion)
	}
	dst = append(dst, 1)
	b, err := json.Marshal(d)
	if err != nil { // a Decision holds only strings, numbers and lists
		panic(fmt.Sprintf("encoding a routing decision: %v", err))
	}
	return appendString(dst, string(b))
}

// DecodeRecord reads a value written by EncodeRecord (or an older JSON one).
func DecodeRecord(b []byte, r *Record) error {
	if len(b) > 0 && b[0] == '{' {
		return json.Unmarshal(b, r)
	}
	d := decoder{b: b}
	layout := d.byte()
	if (layout < codecV1 || layout > codecV5) && d.err == nil {
		return fmt.Errorf("stored record: unknown layout %d", layout)
	}
	*r = Record{}
	d.post(&r.Post, layout >= codecV3)
	r.Scores = d.floats()
	r.Flags = d.strings()
	r.Context = d.strings()
	r.Spans = d.spans()
	r.Model = d.string()
	r.Governorate = d.string()
	r.Queued = d.bool()
	r.Priority = int(d.varint())
	r.Urgent = d.bool()
	r.Reasons = d.strings()
	r.Processed = d.time()
	if layout >= codecV2 && d.bool() {
		r.Judgement = d.judgement(r)
	}
	if layout >= codecV3 {
		r.Media = d.media()
	}
	if layout >= codecV4 {
		r.Sample = d.bool()
	}
	if layout >= codecV5 && r.Judgement != nil {
		r.Judgement.Undiscounted = d.floats()
	}
	return d.done("record")
}

// judgement reads what appendJudgement wrote for record r.
func (d *decoder) judgement(r *Record) *policy.Judgement {
	v := &policy.Judgement{Model: r.Model, Raw: r.Scores}
	v.Normalizer = d.string()
	v.SourceType = d.string()
	if n := d.count(3); n > 0 {
		v.Signals = make([]policy.Signal, n)
		for i := range v.Signals {
			sg := &v.Signals[i]
			sg.Name = d.string()
			sg.Start, sg.End = int(d.varint()), int(d.varint())
			sg.Detail = d.string()
		}
	}
	v.Thresholds = d.floats()
	v.At = d.time()
	v.Scores = policy.PolicyScores(v.Raw, v.Thresholds)
	if d.bool() {
		if err := json.Unmarshal([]byte(d.string()), &v.Decision); err != nil && d.err == nil {
			d.err = fmt.Errorf("stored routing decision: %w", err)
		}
	} else {
		v.Decision.PolicyVersion = d.string()
	}
	return v
}

// appendFloats writes a label → number map: its length, then each label
// and the number's bits.
func appendFloats(dst []byte, m map[string]float64) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(m)))
	for l, v := range m {
		dst = appendString(dst, l)
		dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(v))
	}
	return dst
}

// floats reads what appendFloats wrote; nil for an empty map.
func (d *decoder) floats() map[string]float64 {
	n := d.count(9)
	if n == 0 {
		return nil
	}
	m := make(map[string]float64, n)
	for range n {
		l := d.string()
		m[l] = math.Float64frombits(d.uint64())
	}
	return m
}

// postSize bounds p's encoded size closely enough that encoding it grows
// the buffer once.
func postSize(p *ingest.Post) int {
	n := 96 + len(p.ID) + len(p.Platform) + len(p.Source) + len(p.NativeID) + len(p.Permalink) +
		len(p.Author.ID) + len(p.Author.Handle) + len(p.Text) + len(p.ReplyTo) + len(p.ForwardOf) +
		len(p.RawSHA256) + len(p.Location) + len(p.Capture) + len(p.CaptureType)
	for _, m := range p.Media {
		n += len(m.URL) + len(m.Kind) + len(m.Type) + len(m.SHA256) + 8
	}
	for _, ss := range [...][]string{p.Lang, p.MediaCaptions} {
		for _, x := range ss {
			n += len(x) + 2
		}
	}
	return n
}

func appendPost(dst []byte, p *ingest.Post) []byte {
	for _, s := range [...]string{p.ID, p.Platform, p.Source, p.NativeID, p.Permalink, p.Author.ID, p.Author.Handle, p.Text} {
		dst = appendString(dst, s)
	}
	dst = appendStrings(dst, p.Lang)
	dst = appendTime(dst, p.Created)
	dst = appendTime(dst, p.Fetched)
	for _, n := range [...]int64{p.Engagement.Views, p.Engagement.Shares, p.Engagement.Followers, p.Engagement.Likes} {
		dst = binary.AppendVarint(dst, n)
	}
	dst = appendString(dst, p.ReplyTo)
	dst = appendString(dst, p.ForwardOf)
	dst = appendStrings(dst, p.MediaCaptions)
	dst = appendString(dst, p.RawSHA256)
	dst = appendString(dst, p.Location)
	dst = binary.AppendUvarint(dst, uint64(len(p.Media)))
	for _, m := range p.Media {
		for _, s := range [...]string{m.URL, m.Kind, m.Type, m.SHA256} {
			dst = appendString(dst, s)
		}
	}
	dst = appendString(dst, string(p.Capture))
	return appendString(dst, p.CaptureType)
}

func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// appendStrings writes a nil list as 0 and a list as its length plus one,
// so that a decoded record keeps the difference.
func appendStrings(dst []byte, ss []string) []byte {
	if ss == nil {
		return append(dst, 0)
	}
	dst = binary.AppendUvarint(dst, uint64(len(ss))+1)
	for _, s := range ss {
		dst = appendString(dst, s)
	}
	return dst
}

func appendBool(dst []byte, v bool) []byte {
	if v {
		return append(dst, 1)
	}
	return append(dst, 0)
}

// appendTime writes the zero time as one 0 byte, any other as 1, seconds
// and nanoseconds.
func appendTime(dst []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(dst, 0)
	}
	dst = append(dst, 1)
	dst = binary.AppendVarint(dst, t.Unix())
	return binary.AppendUvarint(dst, uint64(t.Nanosecond()))
}

// decoder reads the binary layout, remembering the first error.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail() {
	if d.err == nil {
		d.err = errCorrupt
	}
	d.b = nil
}

func (d *decoder) done(what string) error {
	if d.err == nil && len(d.b) > 0 {
		d.err = errCorrupt
	}
	if d.err != nil {
		return fmt.Errorf("stored %s: %w", what, d.err)
	}
	return nil
}

func (d *decoder) byte() byte {
	if len(d.b) == 0 {
		d.fail()
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

func (d *decoder) bool() bool { return d.byte() == 1 }

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

// varint reads binary.AppendVarint's zig-zag encoding.
func (d *decoder) varint() int64 {
	u := d.uvarint()
	return int64(u>>1) ^ -int64(u&1)
}

func (d *decoder) uint64() uint64 {
	if len(d.b) < 8 {
		d.fail()
		return 0
	}
	v := binary.LittleEndian.Uint64(d.b)
	d.b = d.b[8:]
	return v
}

// count reads a length of items at least minSize bytes each, refusing one
// the remaining bytes cannot hold.
func (d *decoder) count(minSize int) int {
	n := d.uvarint()
	if n > uint64(len(d.b)/minSize) {
		d.fail()
		return 0
	}
	return int(n)
}

func (d *decoder) string() string {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail()
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *decoder) strings() []string {
	n := d.uvarint()
	if n == 0 {
		return nil
	}
	n--
	if n > uint64(len(d.b)) {
		d.fail()
		return nil
	}
	ss := make([]string, n)
	for i := range ss {
		ss[i] = d.string()
	}
	return ss
}

func (d *decoder) time() time.Time {
	if d.byte() == 0 {
		return time.Time{}
	}
	sec := d.varint()
	nsec := d.uvarint()
	if nsec >= 1e9 {
		d.fail()
		return time.Time{}
	}
	return time.Unix(sec, int64(nsec)).UTC()
}

// post reads what appendPost wrote; withMedia is false for layouts older
// than media and capture.
func (d *decoder) post(p *ingest.Post, withMedia bool) {
	for _, s := range [...]*string{&p.ID, &p.Platform, &p.Source, &p.NativeID, &p.Permalink, &p.Author.ID, &p.Author.Handle, &p.Text} {
		*s = d.string()
	}
	p.Lang = d.strings()
	p.Created = d.time()
	p.Fetched = d.time()
	for _, n := range [...]*int64{&p.Engagement.Views, &p.Engagement.Shares, &p.Engagement.Followers, &p.Engagement.Likes} {
		*n = d.varint()
	}
	p.ReplyTo = d.string()
	p.ForwardOf = d.string()
	p.MediaCaptions = d.strings()
	p.RawSHA256 = d.string()
	p.Location = d.string()
	if !withMedia {
		return
	}
	if n := d.count(4); n > 0 {
		p.Media = make([]ingest.Media, n)
		for i := range p.Media {
			m := &p.Media[i]
			for _, s := range [...]*string{&m.URL, &m.Kind, &m.Type, &m.SHA256} {
				*s = d.string()
			}
		}
	}
	if c := d.string(); c != "" {
		p.Capture = []byte(c)
	}
	p.CaptureType = d.string()
}
