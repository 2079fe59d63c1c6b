package mediastage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/rasd-iq/rasd/index/blob"
	"github.com/rasd-iq/rasd/ingest/mediafetch"
)

// Local fetches file:// media from folders the operator allows (archives
// imported from disk, the bundled demo) and hands every other URL to Next.
// Policy's allowed types and size limits apply to files as to fetched
// media. A file outside the allowed folders, a link out of them, or a file
// of a type Policy refuses is an error.
type Local struct {
	// Roots are the allowed folders (absolute after Clean).
	Roots []string
	// Store keeps the bytes.
	Store mediafetch.Store
	// Policy says which types are kept and how large; required.
	Policy *mediafetch.Fetcher
	// Next fetches the other URLs; nil refuses them.
	Next Fetcher
}

// ErrNotAllowed is returned for a file outside Local's roots.
var ErrNotAllowed = errors.New("file is outside the folders allowed for media")

// Fetch implements Fetcher.
func (l *Local) Fetch(ctx context.Context, raw string) (mediafetch.Result, error) {
	if !strings.HasPrefix(raw, "file:") {
		if l.Next == nil {
			return mediafetch.Result{}, fmt.Errorf("fetching media %q: %w", raw, mediafetch.ErrBadURL)
		}
		return l.Next.Fetch(ctx, raw)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host != "" && u.Host != "localhost" {
		return mediafetch.Result{}, fmt.Errorf("media file %q: %w", raw, mediafetch.ErrBadURL)
	}
	path, err := l.allowed(u.Path)
	if err != nil {
		return mediafetch.Result{}, fmt.Errorf("media file %q: %w", raw, err)
	}
	f, err := os.Open(path)
	if err != nil {
		return mediafetch.Result{}, fmt.Errorf("media file: %w", err)
	}
	defer f.Close()
	head := make([]byte, 512)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return mediafetch.Result{}, fmt.Errorf("media file %s: %w", path, err)
	}
	typ := mediafetch.Sniff(head[:n])
	if !l.Policy.Allowed(typ) {
		return mediafetch.Result{}, fmt.Errorf("media file %s is %s: %w", path, typ, mediafetch.ErrRefusedType)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return mediafetch.Result{}, fmt.Errorf("media file %s: %w", path, err)
	}
	info, err := l.Store.Put(ctx, f, l.Policy.Limit(typ))
	if errors.Is(err, blob.ErrTooLarge) {
		return mediafetch.Result{}, fmt.Errorf("media file %s: %w", path, mediafetch.ErrTooLarge)
	}
	if err != nil {
		return mediafetch.Result{}, fmt.Errorf("media file %s: %w: %v", path, mediafetch.ErrStore, err)
	}
	return mediafetch.Result{Info: info, Type: typ, URL: raw}, nil
}

// allowed resolves p (links followed) and checks that it lies in a root.
func (l *Local) allowed(p string) (string, error) {
	if p == "" || !filepath.IsAbs(p) {
		return "", ErrNotAllowed
	}
	real, err := filepath.EvalSymlinks(filepath.Clean(p))
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrNotAllowed, err)
	}
	for _, root := range l.Roots {
		r, err := filepath.Abs(root)
		if err == nil {
			r, err = filepath.EvalSymlinks(r)
		}
		if err != nil {
			continue
		}
		if rel, err := filepath.Rel(r, real); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return real, nil
		}
	}
	return "", ErrNotAllowed
}
