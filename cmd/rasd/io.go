package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
)

// openInput opens path for reading, or returns env.Stdin for "" and "-".
// The returned close function is always safe to call.
func openInput(env *Env, path string) (io.Reader, func() error, error) {
	if path == "" || path == "-" {
		return env.Stdin, func() error { return nil }, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("opening input: %w", err)
	}
	return f, f.Close, nil
}

// openOutput creates path for writing, or uses env.Stdout for "" and "-".
// Output is buffered; the returned close function flushes it and must be called.
func openOutput(env *Env, path string) (*bufio.Writer, func() error, error) {
	if path == "" || path == "-" {
		w := bufio.NewWriterSize(env.Stdout, 64<<10)
		return w, w.Flush, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, fmt.Errorf("creating output: %w", err)
	}
	w := bufio.NewWriterSize(f, 64<<10)
	return w, func() error {
		if err := w.Flush(); err != nil {
			f.Close()
			return fmt.Errorf("writing %s: %w", path, err)
		}
		return f.Close()
	}, nil
}
