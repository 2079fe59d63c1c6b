package hashbank

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Header is the first line WriteCSV writes: the columns of this package's
// own shape, named as python-threatexchange and the GIFCT hash-sharing
// database name them.
const Header = "signal_type,signal_value,id,tags,quality"

// Skipped counts the rows ReadCSV left out, by their signal type (kinds of
// signal Rasd does not match, such as tmk or vpdq).
type Skipped map[string]int

// column names accepted in a header, by the field they fill.
var (
	valueCols   = []string{"signal_value", "signal", "hash", "value", "indicator", "pdq_hash", "md5_hash"}
	kindCols    = []string{"signal_type", "kind", "type", "hash_type", "indicator_type"}
	idCols      = []string{"id", "content_id", "indicator_id", "signal_id", "name", "file", "filename"}
	tagCols     = []string{"tags", "labels", "label"}
	qualityCols = []string{"quality"}
)

// ReadCSV reads a bank's entries from r; file names r in errors, which read
// "file:line: reason". Lines starting with # are comments. The shape is
// told from the first line:
//
//   - A header naming the columns, in any order and either case. The hash
//     is signal_value (or signal, hash, value, indicator); its kind is
//     signal_type (or kind, type, hash_type, indicator_type: pdq, md5,
//     sha256 and the ThreatExchange names HASH_PDQ, HASH_MD5, video_md5, …;
//     without it the kind follows from the length: 64 hex digits are PDQ,
//     32 MD5); id (or content_id, indicator_id, signal_id, name, file); tags (or
//     labels: words split on spaces, commas, semicolons or bars); quality.
//     Other columns (timestamps, file names, status) are ignored. This is
//     what WriteCSV writes (Header) and what ThreatExchange and GIFCT
//     exports with named columns look like.
//   - No header, one column: a bare hash per line (PDQ or MD5 by length),
//     or "TYPE HASH" separated by a space, as python-threatexchange's local
//     file exchange reads them ("pdq f8f8…").
//   - No header, two or three columns: hash,quality[,file], the output of
//     the reference PDQ hashers and of `rasd media hash`; the file is the id.
//   - No header, four columns: hash,id,timestamp,tags, the ThreatExchange
//     data files of hasher-matcher-actioner 1.0.
//
// Rows whose signal type is known but not matched here (tmk, vpdq, url, …)
// are counted in Skipped; a malformed row is an error.
func ReadCSV(r io.Reader, file string) ([]Entry, Skipped, error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true
	var (
		entries []Entry
		skipped = Skipped{}
		hdr     *header
		first   = true
	)
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return entries, skipped, nil
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, nil, fmt.Errorf("%s:%d: %v", file, pe.Line, pe.Err)
			}
			return nil, nil, fmt.Errorf("reading %s: %w", file, err)
		}
		if blank(rec) {
			continue
		}
		if first {
			first = false
			if h, ok, err := parseHeader(rec); err != nil {
				return nil, nil, fmt.Errorf("%s:%d: %v", file, line, err)
			} else if ok {
				hdr = h
				continue
			}
		}
		var e Entry
		var skip string
		if hdr != nil {
			e, skip, err = hdr.entry(rec)
		} else {
			e, skip, err = bareEntry(rec)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%s:%d: %v", file, line, err)
		}
		if skip != "" {
			skipped[skip]++
			continue
		}
		entries = append(entries, e)
	}
}

func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// header maps the fields of an entry to their columns (-1: absent).
type header struct{ value, kind, id, tags, quality, n int }

// parseHeader reads rec as a header when one of its fields names a known
// column; ok is false when rec looks like data.
func parseHeader(rec []string) (h *header, ok bool, err error) {
	h = &header{value: -1, kind: -1, id: -1, tags: -1, quality: -1, n: len(rec)}
	find := func(names []string, dst *int) {
		for _, n := range names {
			for i, f := range rec {
				if strings.EqualFold(strings.TrimSpace(f), n) {
					if *dst < 0 {
						*dst = i
					}
					return
				}
			}
		}
	}
	find(valueCols, &h.value)
	find(kindCols, &h.kind)
	find(idCols, &h.id)
	find(tagCols, &h.tags)
	find(qualityCols, &h.quality)
	if h.value < 0 && h.kind < 0 && h.id < 0 && h.tags < 0 && h.quality < 0 {
		return nil, false, nil
	}
	if h.value < 0 {
		return nil, false, fmt.Errorf("header %q names no hash column (signal_value, hash, …)", strings.Join(rec, ","))
	}
	return h, true, nil
}

// entry reads one data row under the header.
func (h *header) entry(rec []string) (Entry, string, error) {
	if len(rec) != h.n {
		return Entry{}, "", fmt.Errorf("%d fields, the header has %d", len(rec), h.n)
	}
	var e Entry
	if h.kind >= 0 && strings.TrimSpace(rec[h.kind]) != "" {
		k, ok := ParseKind(rec[h.kind])
		if !ok {
			return Entry{}, strings.ToLower(strings.TrimSpace(rec[h.kind])), nil
		}
		e.Kind = k
	} else {
		k, err := guessKind(rec[h.value])
		if err != nil {
			return Entry{}, "", err
		}
		e.Kind = k
	}
	v, err := normalizeValue(e.Kind, rec[h.value])
	if err != nil {
		return Entry{}, "", err
	}
	e.Value = v
	if h.id >= 0 {
		e.ID = strings.TrimSpace(rec[h.id])
	}
	if h.tags >= 0 {
		e.Tags = splitTags(rec[h.tags])
	}
	if h.quality >= 0 {
		if e.Quality, err = parseQuality(rec[h.quality]); err != nil {
			return Entry{}, "", err
		}
	}
	return e, "", nil
}

// bareEntry reads a row of a file without a header.
func bareEntry(rec []string) (Entry, string, error) {
	var e Entry
	switch len(rec) {
	case 1:
		f := strings.Fields(rec[0])
		switch len(f) {
		case 1:
			k, err := guessKind(f[0])
			if err != nil {
				return e, "", err
			}
			e.Kind = k
		case 2: // "TYPE HASH"
			k, ok := ParseKind(f[0])
			if !ok {
				return e, strings.ToLower(f[0]), nil
			}
			e.Kind = k
			rec = []string{f[1]}
		default:
			return e, "", fmt.Errorf("want a hash, or a type and a hash, not %d words", len(f))
		}
		v, err := normalizeValue(e.Kind, rec[0])
		if err != nil {
			return e, "", err
		}
		e.Value = v
	case 2, 3: // hash,quality[,file]
		e.Kind = KindPDQ
		v, err := normalizeValue(KindPDQ, rec[0])
		if err != nil {
			return e, "", fmt.Errorf("%v (rows of two or three fields are hash,quality,file)", err)
		}
		e.Value = v
		if e.Quality, err = parseQuality(rec[1]); err != nil {
			return e, "", fmt.Errorf("%v (rows of two or three fields are hash,quality,file)", err)
		}
		if len(rec) == 3 {
			e.ID = strings.TrimSpace(rec[2])
		}
	case 4: // hash,id,timestamp,tags
		k, err := guessKind(rec[0])
		if err != nil {
			return e, "", err
		}
		e.Kind = k
		if e.Value, err = normalizeValue(k, rec[0]); err != nil {
			return e, "", err
		}
		e.ID = strings.TrimSpace(rec[1])
		e.Tags = splitTags(rec[3])
	default:
		return e, "", fmt.Errorf("%d fields without a header: want hash; TYPE HASH; hash,quality,file; or hash,id,timestamp,tags", len(rec))
	}
	return e, "", nil
}

func parseQuality(s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	q, err := strconv.Atoi(s)
	if err != nil || q < 0 || q > 100 {
		return 0, fmt.Errorf("quality %q: want a whole number from 0 to 100", clip(s))
	}
	return q, nil
}

// WriteCSV writes entries under Header: one row per entry, tags separated
// by spaces, quality empty when unknown.
func WriteCSV(w io.Writer, entries []Entry) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(strings.Split(Header, ",")); err != nil {
		return fmt.Errorf("writing bank: %w", err)
	}
	for _, e := range entries {
		q := ""
		if e.Quality > 0 {
			q = strconv.Itoa(e.Quality)
		}
		if err := cw.Write([]string{string(e.Kind), e.Value, e.ID, strings.Join(e.Tags, " "), q}); err != nil {
			return fmt.Errorf("writing bank: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("writing bank: %w", err)
	}
	return nil
}
