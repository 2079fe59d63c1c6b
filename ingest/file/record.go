package file

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// record is one raw record with its position in the file.
type record struct {
	raw   []byte // without the final line break
	off   int64  // offset of its first byte
	end   int64  // offset after its line break
	line  int    // line number of its first line
	lines int    // number of lines it spans
}

// badRecord is a record that could not be read as a whole (too long, or a
// CSV quote never closed); reading goes on after it.
type badRecord struct {
	line int
	err  error
}

func (e *badRecord) Error() string { return fmt.Sprintf("line %d: %v", e.line, e.err) }

// recordReader splits a file into records: one per line for JSONL; for CSV a
// record goes on over line breaks inside quotes. It tracks byte offsets and
// line numbers so that the cursor can point exactly at the next record.
type recordReader struct {
	r      *bufio.Reader
	source io.Reader
	max    int
	quoted bool // CSV: line breaks inside quotes continue the record
	off    int64
	line   int
	buf    []byte
}

func newRecordReader(r io.Reader, max int, quoted bool) *recordReader {
	return &recordReader{r: bufio.NewReaderSize(r, 64<<10), source: r, max: max, quoted: quoted, line: 1}
}

// readLine returns the next physical line without its line break, the bytes
// consumed, and whether it was longer than max (its content then dropped).
func (rr *recordReader) readLine() (line []byte, n int, long bool, err error) {
	rr.buf = rr.buf[:0]
	for {
		chunk, err := rr.r.ReadSlice('\n')
		n += len(chunk)
		if !long {
			if len(rr.buf)+len(chunk) > rr.max+2 {
				long = true
				rr.buf = rr.buf[:0]
			} else {
				rr.buf = append(rr.buf, chunk...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, n, long, err
		}
		if n == 0 {
			return nil, 0, false, io.EOF
		}
		line = bytes.TrimSuffix(rr.buf, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
		return line, n, long, nil
	}
}

// next returns the next record, a *badRecord error for one that cannot be
// read, or io.EOF.
func (rr *recordReader) next() (record, error) {
	start, startLine := rr.off, rr.line
	line, n, long, err := rr.readLine()
	if err != nil {
		return record{}, err
	}
	rr.off += int64(n)
	rr.line++
	if long {
		return record{}, &badRecord{line: startLine, err: fmt.Errorf("longer than %d bytes", rr.max)}
	}
	if !rr.quoted || bytes.Count(line, []byte{'"'})%2 == 0 {
		return record{raw: line, off: start, end: rr.off, line: startLine, lines: 1}, nil
	}
	// A quoted CSV field goes on over line breaks. If the quote never closes
	// (end of file or record too long), only the first line is bad: go on
	// reading just after it.
	raw := append([]byte(nil), line...)
	firstEnd, quotes := rr.off, bytes.Count(line, []byte{'"'})
	lines := 1
	for quotes%2 == 1 {
		more, m, long, err := rr.readLine()
		if err != nil || long || len(raw)+1+len(more) > rr.max {
			if err != nil && !errors.Is(err, io.EOF) {
				return record{}, err
			}
			return record{}, rr.resync(firstEnd, startLine, errors.New("quoted field never closed"))
		}
		raw = append(append(raw, '\n'), more...)
		quotes += bytes.Count(more, []byte{'"'})
		rr.off += int64(m)
		rr.line++
		lines++
	}
	return record{raw: raw, off: start, end: rr.off, line: startLine, lines: lines}, nil
}

// resync marks the line at startLine bad and repositions after it. The
// underlying reader must be seekable, which the file is.
func (rr *recordReader) resync(after int64, startLine int, cause error) error {
	type readSeeker interface {
		io.Reader
		io.Seeker
	}
	src, ok := rr.source.(readSeeker)
	if !ok {
		return fmt.Errorf("line %d: %w", startLine, cause)
	}
	if _, err := src.Seek(after, io.SeekStart); err != nil {
		return fmt.Errorf("seeking after line %d: %w", startLine, err)
	}
	rr.r.Reset(src)
	rr.off, rr.line = after, startLine+1
	return &badRecord{line: startLine, err: cause}
}
