package blob

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Dir keeps blobs as files under a folder, the embedded default:
// ROOT/ab/cd/<sha256> (the first two pairs of hex digits fan the files out),
// with the MD5 beside it in <sha256>.md5, and temporary files in ROOT/tmp.
// Files are 0600 and folders 0700; every file is synced before it is
// committed and its folder after.
type Dir struct {
	root string
	now  func() time.Time
}

// DirName is the folder under the data folder that holds media blobs.
const DirName = "media"

// OpenDir opens (creating if needed) the blob folder root, e.g.
// filepath.Join(dataDir, DirName).
func OpenDir(root string) (*Dir, error) {
	for _, p := range []string{root, filepath.Join(root, "tmp")} {
		if err := os.MkdirAll(p, 0o700); err != nil {
			return nil, fmt.Errorf("opening blob folder: %w", err)
		}
	}
	return &Dir{root: root, now: time.Now}, nil
}

// WithClock makes d date blobs by now instead of the system clock (tests
// use it to age blobs) and returns d.
func (d *Dir) WithClock(now func() time.Time) *Dir {
	d.now = now
	return d
}

// Path returns where the blob named key is kept (key must be valid).
func (d *Dir) Path(key string) string {
	return filepath.Join(d.root, key[0:2], key[2:4], key)
}

func (d *Dir) tmp() string { return filepath.Join(d.root, "tmp") }

// Put implements Store.
func (d *Dir) Put(ctx context.Context, r io.Reader, maxBytes int64) (Info, error) {
	if err := checkMax(maxBytes); err != nil {
		return Info{}, err
	}
	f, err := os.CreateTemp(d.tmp(), "put-*")
	if err != nil {
		return Info{}, fmt.Errorf("storing blob: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after a commit the blob is a second link or renamed away
	h := newHasher(ctx, r, maxBytes)
	_, err = io.Copy(f, h)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Info{}, fmt.Errorf("storing blob: %w", err)
	}
	info := h.info()
	final := d.Path(info.SHA256)
	dir := filepath.Dir(final)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Info{}, fmt.Errorf("storing blob %s: %w", info.SHA256, err)
	}
	// The MD5 goes first, so that a visible blob has it.
	if err := d.writeMD5(info.SHA256, info.MD5); err != nil {
		return Info{}, err
	}
	info.Existed, err = commit(tmp, final)
	if err != nil {
		return Info{}, fmt.Errorf("storing blob %s: %w", info.SHA256, err)
	}
	info.Modified = d.now()
	if err := os.Chtimes(final, info.Modified, info.Modified); err != nil {
		return Info{}, fmt.Errorf("dating blob %s: %w", info.SHA256, err)
	}
	if err := syncDir(dir); err != nil {
		return Info{}, fmt.Errorf("storing blob %s: %w", info.SHA256, err)
	}
	return info, nil
}

// commit makes tmp visible as final unless final exists, and reports whether
// it did. A hard link cannot replace an existing file, so two Puts of the
// same bytes never rewrite each other; where links are not supported it
// falls back to a rename, which replaces identical bytes at worst.
func commit(tmp, final string) (existed bool, err error) {
	err = os.Link(tmp, final)
	switch {
	case err == nil:
		return false, nil
	case errors.Is(err, fs.ErrExist):
		return true, nil
	}
	if _, serr := os.Lstat(final); serr == nil {
		return true, nil
	}
	if err := os.Rename(tmp, final); err != nil {
		return false, err
	}
	return false, nil
}

// writeMD5 keeps sum beside the blob key, written through a temporary file.
func (d *Dir) writeMD5(key, sum string) error {
	f, err := os.CreateTemp(d.tmp(), "md5-*")
	if err != nil {
		return fmt.Errorf("storing MD5 of blob %s: %w", key, err)
	}
	defer os.Remove(f.Name())
	_, err = f.WriteString(sum + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), d.Path(key)+".md5")
	}
	if err != nil {
		return fmt.Errorf("storing MD5 of blob %s: %w", key, err)
	}
	return nil
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// Open implements Store.
func (d *Dir) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := checkKey(key); err != nil {
		return nil, fmt.Errorf("opening blob: %w", err)
	}
	f, err := os.Open(d.Path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("opening blob %s: %w", key, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("opening blob %s: %w", key, err)
	}
	return f, nil
}

// Stat implements Store. A blob whose MD5 file is missing (a crash between
// the two) has its MD5 computed and kept again.
func (d *Dir) Stat(ctx context.Context, key string) (Info, error) {
	if err := checkKey(key); err != nil {
		return Info{}, fmt.Errorf("describing blob: %w", err)
	}
	fi, err := os.Lstat(d.Path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return Info{}, fmt.Errorf("describing blob %s: %w", key, ErrNotFound)
	}
	if err != nil {
		return Info{}, fmt.Errorf("describing blob %s: %w", key, err)
	}
	info := Info{SHA256: key, Size: fi.Size(), Modified: fi.ModTime()}
	b, err := os.ReadFile(d.Path(key) + ".md5")
	if sum := strings.TrimSpace(string(b)); err == nil && len(sum) == 2*md5.Size {
		info.MD5 = sum
		return info, nil
	}
	if info.MD5, err = d.computeMD5(ctx, key); err != nil {
		return Info{}, err
	}
	return info, d.writeMD5(key, info.MD5)
}

func (d *Dir) computeMD5(ctx context.Context, key string) (string, error) {
	f, err := os.Open(d.Path(key))
	if err != nil {
		return "", fmt.Errorf("reading blob %s: %w", key, err)
	}
	defer f.Close()
	h := newHasher(ctx, f, 1<<62)
	if _, err := io.Copy(io.Discard, h); err != nil {
		return "", fmt.Errorf("reading blob %s: %w", key, err)
	}
	return hex.EncodeToString(h.md5.Sum(nil)), nil
}

// Delete implements Store.
func (d *Dir) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return fmt.Errorf("deleting blob: %w", err)
	}
	for _, p := range []string{d.Path(key), d.Path(key) + ".md5"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("deleting blob %s: %w", key, err)
		}
	}
	return nil
}

// Sweep implements Store.
func (d *Dir) Sweep(ctx context.Context, keep func(Info) bool) (int, error) {
	removed := 0
	level1, err := fanout(d.root)
	if err != nil {
		return 0, fmt.Errorf("sweeping blobs: %w", err)
	}
	for _, a := range level1 {
		level2, err := fanout(filepath.Join(d.root, a))
		if err != nil {
			return removed, fmt.Errorf("sweeping blobs: %w", err)
		}
		for _, b := range level2 {
			n, err := d.sweepDir(ctx, a+b, filepath.Join(d.root, a, b), keep)
			removed += n
			if err != nil {
				return removed, fmt.Errorf("sweeping blobs: %w", err)
			}
		}
	}
	if err := d.sweepTemp(); err != nil {
		return removed, fmt.Errorf("sweeping blobs: %w", err)
	}
	return removed, nil
}

// fanout lists the two-hex-digit folders in dir.
func fanout(dir string) ([]string, error) {
	es, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range es {
		if n := e.Name(); e.IsDir() && len(n) == 2 && lowerHex(n) {
			out = append(out, n)
		}
	}
	return out, nil
}

func (d *Dir) sweepDir(ctx context.Context, head, dir string, keep func(Info) bool) (int, error) {
	es, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	removed := 0
	blobs := map[string]bool{}
	for _, e := range es {
		if err := ctx.Err(); err != nil {
			return removed, err
		}
		name := e.Name()
		if !ValidKey(name) || !strings.HasPrefix(name, head) || !e.Type().IsRegular() {
			continue
		}
		fi, err := e.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return removed, err
		}
		if keep(Info{SHA256: name, Size: fi.Size(), Modified: fi.ModTime()}) {
			blobs[name] = true
			continue
		}
		if err := d.Delete(ctx, name); err != nil {
			return removed, err
		}
		removed++
	}
	// An MD5 file whose blob is gone (deleted by hand, or a Put that failed
	// after writing it) goes too.
	for _, e := range es {
		key, ok := strings.CutSuffix(e.Name(), ".md5")
		if ok && ValidKey(key) && !blobs[key] {
			if _, err := os.Lstat(filepath.Join(dir, key)); errors.Is(err, fs.ErrNotExist) {
				os.Remove(filepath.Join(dir, e.Name()))
			}
		}
	}
	return removed, nil
}

// sweepTemp removes temporary files older than StaleTemp.
func (d *Dir) sweepTemp() error {
	es, err := os.ReadDir(d.tmp())
	if err != nil {
		return err
	}
	cutoff := d.now().Add(-StaleTemp)
	for _, e := range es {
		fi, err := e.Info()
		if err != nil || !fi.ModTime().Before(cutoff) {
			continue
		}
		if err := os.Remove(filepath.Join(d.tmp(), e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}
