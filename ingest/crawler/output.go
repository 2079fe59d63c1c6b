package crawler

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Output is an append-only JSON Lines sink. A file output is fsynced on every
// Sync and its committed size is checkpointed, so that after a crash the lines
// written since the last checkpoint can be recovered and a torn last line cut off.
type Output struct {
	name string
	f    *os.File // nil for a plain writer
	w    *bufio.Writer
	size int64
	done bool // closed
}

// OpenOutput opens path for appending, creating it if needed.
func OpenOutput(path string) (*Output, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("output %s: %w", path, err)
	}
	if dir := filepath.Dir(abs); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("creating directory for %s: %w", path, err)
		}
	}
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("opening output: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("opening output: %w", err)
	}
	if !st.Mode().IsRegular() {
		// A pipe or device: no recovery, append as a stream.
		return &Output{name: abs, f: nil, w: bufio.NewWriterSize(f, 256<<10)}, nil
	}
	if _, err := f.Seek(0, io.SeekEnd); err != nil {
		f.Close()
		return nil, fmt.Errorf("opening output: %w", err)
	}
	return &Output{name: abs, f: f, w: bufio.NewWriterSize(f, 256<<10), size: st.Size()}, nil
}

// WriterOutput wraps a stream such as stdout: lines are flushed on Sync, but
// nothing can be recovered after a crash.
func WriterOutput(name string, w io.Writer) *Output {
	return &Output{name: name, w: bufio.NewWriterSize(w, 256<<10)}
}

// Name is the output's absolute path or stream name.
func (o *Output) Name() string { return o.name }

// Recoverable reports whether the output is a regular file whose tail can be read back.
func (o *Output) Recoverable() bool { return o.f != nil }

// Size is the number of bytes written so far, including buffered ones.
func (o *Output) Size() int64 { return o.size }

// WriteLine appends one line (a newline is added).
func (o *Output) WriteLine(b []byte) error {
	if _, err := o.w.Write(b); err != nil {
		return fmt.Errorf("writing %s: %w", o.name, err)
	}
	if err := o.w.WriteByte('\n'); err != nil {
		return fmt.Errorf("writing %s: %w", o.name, err)
	}
	o.size += int64(len(b)) + 1
	return nil
}

// Sync flushes buffered lines and, for a file, waits until they are on disk.
func (o *Output) Sync() error {
	if err := o.w.Flush(); err != nil {
		return fmt.Errorf("writing %s: %w", o.name, err)
	}
	if o.f != nil {
		if err := o.f.Sync(); err != nil {
			return fmt.Errorf("syncing %s: %w", o.name, err)
		}
	}
	return nil
}

// Close syncs and closes the output; closing it again does nothing.
func (o *Output) Close() error {
	if o.done {
		return nil
	}
	o.done = true
	err := o.Sync()
	if o.f != nil {
		if cerr := o.f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("closing %s: %w", o.name, cerr)
		}
	}
	return err
}

// tail reads the complete lines after offset from, calling fn for each, and
// cuts the file after the last line that fn accepted: a torn last line (no
// newline) or a line fn rejects ends the recovery. It returns the new size.
func (o *Output) tail(from int64, fn func(line []byte) error) (int64, int, error) {
	if o.f == nil {
		return o.size, 0, nil
	}
	if err := o.w.Flush(); err != nil {
		return 0, 0, fmt.Errorf("writing %s: %w", o.name, err)
	}
	if from > o.size {
		return 0, 0, fmt.Errorf("%s is %d bytes, shorter than its checkpoint (%d): it was replaced or cut", o.name, o.size, from)
	}
	if _, err := o.f.Seek(from, io.SeekStart); err != nil {
		return 0, 0, fmt.Errorf("reading %s: %w", o.name, err)
	}
	r := bufio.NewReaderSize(o.f, 256<<10)
	good, lines := from, 0
	var cut error
	for {
		line, err := r.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			if len(line) > 0 {
				cut = fmt.Errorf("torn last line (%d bytes)", len(line))
			}
			break
		}
		if err != nil {
			return 0, 0, fmt.Errorf("reading %s: %w", o.name, err)
		}
		if ferr := fn(bytes.TrimSuffix(line, []byte("\n"))); ferr != nil {
			cut = fmt.Errorf("line at byte %d: %w", good, ferr)
			break
		}
		good += int64(len(line))
		lines++
	}
	if good != o.size {
		if err := o.f.Truncate(good); err != nil {
			return 0, 0, fmt.Errorf("cutting %s after a crash (%v): %w", o.name, cut, err)
		}
		if err := o.f.Sync(); err != nil {
			return 0, 0, fmt.Errorf("syncing %s: %w", o.name, err)
		}
	}
	if _, err := o.f.Seek(good, io.SeekStart); err != nil {
		return 0, 0, fmt.Errorf("reading %s: %w", o.name, err)
	}
	o.w.Reset(o.f)
	o.size = good
	if cut != nil {
		return good, lines, &tornError{cause: cut}
	}
	return good, lines, nil
}

// tornError reports that an output's tail was cut; recovery still succeeded.
type tornError struct{ cause error }

func (e *tornError) Error() string { return "cut: " + e.cause.Error() }
