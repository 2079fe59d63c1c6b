package evidence

import (
	"archive/zip"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/rasd-iq/rasd/ingest/httpx"
)

// Default limits of Verify.
const (
	// DefaultMaxFileSize bounds one file: 1 GiB.
	DefaultMaxFileSize = 1 << 30
	// DefaultMaxTotal bounds all files together: 16 GiB.
	DefaultMaxTotal = 16 << 30
	// DefaultMaxFiles bounds the number of entries.
	DefaultMaxFiles = 1024
	// maxManifest bounds manifest.json and the files kept for the caller.
	maxManifest = 4 << 20
	// maxSignature bounds manifest.sig.
	maxSignature = 1 << 10
)

// ErrInvalid is matched (errors.Is) by every *Failure.
var ErrInvalid = errors.New("evidence bundle does not verify")

// Problem is one thing wrong with a bundle, named by the file it concerns.
type Problem struct {
	// Path is the file's path within the bundle.
	Path string
	// Reason says what is wrong.
	Reason string
}

// Failure lists everything Verify found wrong with a bundle.
type Failure struct {
	// Problems are in the order found.
	Problems []Problem
}

// Error lists each problem as "path: reason".
func (f *Failure) Error() string {
	var b strings.Builder
	b.WriteString("evidence bundle does not verify:")
	for _, p := range f.Problems {
		fmt.Fprintf(&b, "\n  %s: %s", p.Path, p.Reason)
	}
	return b.String()
}

// Is makes errors.Is(err, ErrInvalid) true.
func (f *Failure) Is(target error) bool { return target == ErrInvalid }

// Options bound what Verify reads and name files to hand back.
type Options struct {
	// MaxFileSize bounds one file; DefaultMaxFileSize when zero.
	MaxFileSize int64
	// MaxTotal bounds all files together; DefaultMaxTotal when zero.
	MaxTotal int64
	// MaxFiles bounds the number of entries; DefaultMaxFiles when zero.
	MaxFiles int
	// Keep names listed files (at most 4 MiB each) whose verified bytes
	// Report.Kept returns, e.g. the referral package.
	Keep []string
}

// Report is what Verify checked.
type Report struct {
	// Manifest is the bundle's manifest, as read.
	Manifest Manifest
	// ManifestSHA256 is the hex SHA-256 of manifest.json's bytes.
	ManifestSHA256 string
	// KeyID names the public key the signature was checked with.
	KeyID string
	// SignatureOK is true when manifest.sig signs manifest.json with that key.
	SignatureOK bool
	// Files are the listed files whose size and SHA-256 matched.
	Files []File
	// Kept holds the bytes of the verified files Options.Keep named.
	Kept map[string][]byte
}

// entry is one file of a bundle, zipped or in a folder.
type entry struct {
	name string
	size int64
	open func() (io.ReadCloser, error)
}

// Verify checks the bundle at path (a zip archive, or a folder it was
// unpacked into) against pub: the signature of manifest.json, then every
// listed file's size and SHA-256, and that no file is missing or extra.
// On any problem the error is a *Failure naming each file concerned; the
// report says what was checked all the same.
func Verify(path string, pub ed25519.PublicKey, opt Options) (*Report, error) {
	if opt.MaxFileSize <= 0 {
		opt.MaxFileSize = DefaultMaxFileSize
	}
	if opt.MaxTotal <= 0 {
		opt.MaxTotal = DefaultMaxTotal
	}
	if opt.MaxFiles <= 0 {
		opt.MaxFiles = DefaultMaxFiles
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("verifying %s: %w", path, err)
	}
	var (
		entries  []entry
		problems []Problem
	)
	if st.IsDir() {
		entries, problems, err = listDir(path, opt.MaxFiles)
	} else {
		var closeZip func() error
		entries, problems, closeZip, err = listZip(path, opt.MaxFiles)
		if closeZip != nil {
			defer closeZip()
		}
	}
	if err != nil {
		return nil, fmt.Errorf("verifying %s: %w", path, err)
	}
	rep, more := check(entries, pub, opt)
	problems = append(problems, more...)
	if len(problems) > 0 {
		return rep, &Failure{Problems: problems}
	}
	return rep, nil
}

// listZip lists the archive's regular files; bad entries become problems.
func listZip(path string, maxFiles int) ([]entry, []Problem, func() error, error) {
	zr, err := zip.OpenReader(path)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, nil, nil, fmt.Errorf("reading the zip archive: %w", err)
	}
	if len(zr.File) > maxFiles {
		zr.Close()
		return nil, nil, nil, fmt.Errorf("%d entries: more than the limit of %d", len(zr.File), maxFiles)
	}
	var (
		out      []entry
		problems []Problem
		seen     = map[string]bool{}
	)
	for _, f := range zr.File {
		name, mode := f.Name, f.Mode()
		if strings.HasSuffix(name, "/") && (mode.IsDir() || f.UncompressedSize64 == 0) {
			if err := CheckPath(strings.TrimSuffix(name, "/")); err != nil {
				problems = append(problems, Problem{name, "unsafe folder name: " + err.Error()})
			}
			continue
		}
		switch {
		case mode&fs.ModeSymlink != 0:
			problems = append(problems, Problem{name, "a symbolic link, not a file"})
			continue
		case !mode.IsRegular():
			problems = append(problems, Problem{name, "not a regular file"})
			continue
		case seen[name]:
			problems = append(problems, Problem{name, "appears twice in the archive"})
			continue
		}
		if name != ManifestName && name != SignatureName {
			if err := CheckPath(name); err != nil {
				problems = append(problems, Problem{name, "unsafe path: " + err.Error()})
				continue
			}
		}
		seen[name] = true
		out = append(out, entry{name: name, size: int64(min(f.UncompressedSize64, 1<<62)), open: f.Open})
	}
	return out, problems, zr.Close, nil
}

// listDir lists the folder's regular files; links and other non-files become problems.
func listDir(root string, maxFiles int) ([]entry, []Problem, error) {
	var (
		out      []entry
		problems []Problem
		n        int
	)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == root {
			return nil
		}
		if n++; n > maxFiles {
			return fmt.Errorf("more than the limit of %d entries", maxFiles)
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		name := filepath.ToSlash(rel)
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			problems = append(problems, Problem{name, "a symbolic link, not a file"})
			return nil
		case d.IsDir():
			return nil
		case !d.Type().IsRegular():
			problems = append(problems, Problem{name, "not a regular file"})
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if name != ManifestName && name != SignatureName {
			if err := CheckPath(name); err != nil {
				problems = append(problems, Problem{name, "unsafe path: " + err.Error()})
				return nil
			}
		}
		out = append(out, entry{name: name, size: info.Size(), open: func() (io.ReadCloser, error) { return openRegular(p, info) }})
		return nil
	})
	return out, problems, err
}

// openRegular opens p only if it is still the regular file listed.
func openRegular(p string, listed fs.FileInfo) (io.ReadCloser, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() || !os.SameFile(st, listed) {
		f.Close()
		return nil, errors.New("replaced while being checked")
	}
	return f, nil
}

// readSmall reads e whole, refusing more than limit bytes.
func readSmall(e entry, limit int64) ([]byte, error) {
	if e.size > limit {
		return nil, fmt.Errorf("%d bytes: more than the limit of %d", e.size, limit)
	}
	rc, err := e.open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("more than the limit of %d bytes", limit)
	}
	return data, nil
}

var hexSHA256 = regexp.MustCompile(`^[0-9a-f]{64}$`)

// check verifies the manifest's signature and the listed files.
func check(entries []entry, pub ed25519.PublicKey, opt Options) (*Report, []Problem) {
	rep := &Report{KeyID: KeyID(pub), Kept: map[string][]byte{}}
	var problems []Problem
	add := func(path, format string, args ...any) {
		problems = append(problems, Problem{path, fmt.Sprintf(format, args...)})
	}
	byName := map[string]entry{}
	for _, e := range entries {
		byName[e.name] = e
	}
	me, ok := byName[ManifestName]
	if !ok {
		add(ManifestName, "missing")
		return rep, problems
	}
	manifest, err := readSmall(me, maxManifest)
	if err != nil {
		add(ManifestName, "unreadable: %v", err)
		return rep, problems
	}
	rep.ManifestSHA256 = httpx.SHA256Hex(manifest)
	dec := json.NewDecoder(bytes.NewReader(manifest))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rep.Manifest); err != nil {
		add(ManifestName, "not a manifest: %v", err)
	}
	m := rep.Manifest
	if se, ok := byName[SignatureName]; !ok {
		add(SignatureName, "missing")
	} else if data, err := readSmall(se, maxSignature); err != nil {
		add(SignatureName, "unreadable: %v", err)
	} else if sig, ok := decodeSignature(data); !ok {
		add(SignatureName, "not an Ed25519 signature (64 bytes, base64)")
	} else if !ed25519.Verify(pub, manifest, sig) {
		add(SignatureName, "does not verify with key %s: manifest.json was changed, or signed with another key (the manifest names key %q)", rep.KeyID, m.KeyID)
	} else {
		rep.SignatureOK = true
		if m.KeyID != rep.KeyID {
			add(ManifestName, "names key %q but was signed with key %s", m.KeyID, rep.KeyID)
		}
	}
	if m.Format != Format || m.Algorithm != Algorithm || m.ReferralID == "" {
		add(ManifestName, "format %q, algorithm %q, referral %q: want %s, %s and a referral id", m.Format, m.Algorithm, m.ReferralID, Format, Algorithm)
	}
	listed := map[string]bool{}
	var total int64
	for _, f := range m.Files {
		if err := CheckPath(f.Path); err != nil {
			add(f.Path, "listed with an unsafe path: %v", err)
			continue
		}
		if listed[f.Path] {
			add(f.Path, "listed twice in the manifest")
			continue
		}
		listed[f.Path] = true
		if !hexSHA256.MatchString(f.SHA256) || f.Size < 0 {
			add(f.Path, "listed without a valid size and SHA-256")
			continue
		}
		e, ok := byName[f.Path]
		if !ok {
			add(f.Path, "missing: listed in the manifest but not in the bundle")
			continue
		}
		if e.size > opt.MaxFileSize || f.Size > opt.MaxFileSize {
			add(f.Path, "larger than the limit of %d bytes", opt.MaxFileSize)
			continue
		}
		if total += max(e.size, f.Size); total > opt.MaxTotal {
			add(f.Path, "the files together exceed the limit of %d bytes", opt.MaxTotal)
			continue
		}
		keep := slices.Contains(opt.Keep, f.Path) && f.Size <= maxManifest
		got, data, err := hashEntry(e, opt.MaxFileSize, keep)
		switch {
		case err != nil:
			add(f.Path, "unreadable: %v", err)
		case got.SHA256 != f.SHA256:
			add(f.Path, "SHA-256 mismatch: the manifest says %s, the file has %s", f.SHA256, got.SHA256)
		case got.Size != f.Size:
			add(f.Path, "size mismatch: the manifest says %d bytes, the file has %d", f.Size, got.Size)
		default:
			rep.Files = append(rep.Files, f)
			if keep {
				rep.Kept[f.Path] = data
			}
		}
	}
	for _, e := range entries {
		if e.name != ManifestName && e.name != SignatureName && !listed[e.name] {
			add(e.name, "extra file: not listed in the manifest")
		}
	}
	return rep, problems
}

// hashEntry reads e through SHA-256, refusing more than limit bytes; with
// keep it also returns the bytes.
func hashEntry(e entry, limit int64, keep bool) (File, []byte, error) {
	rc, err := e.open()
	if err != nil {
		return File{}, nil, err
	}
	defer rc.Close()
	hr := &hashingReader{r: io.LimitReader(rc, limit+1), h: sha256.New()}
	var buf bytes.Buffer
	w := io.Discard
	if keep {
		w = &buf
	}
	if _, err := io.Copy(w, hr); err != nil {
		return File{}, nil, err
	}
	if hr.n > limit {
		return File{}, nil, fmt.Errorf("more than the limit of %d bytes", limit)
	}
	return File{Path: e.name, Size: hr.n, SHA256: hex.EncodeToString(hr.h.Sum(nil))}, buf.Bytes(), nil
}
