// Package evidence writes and checks signed evidence bundles: one zip per
// referral holding its files, manifest.json listing every other file with
// its size and SHA-256, and manifest.sig, the Ed25519 signature of
// manifest.json's exact bytes. Whoever holds the public key can check that
// nothing was changed, added or removed since Rasd signed the bundle.
//
// The signing key lives in the data folder (KeyFile) and is created on
// first use; PublicKeyPEM is what is handed to platforms. Verify refuses
// symbolic links, paths that leave the bundle, duplicate names and files
// over the size limits before it reads them.
package evidence

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"strings"
	"time"
)

// Names of the two files every bundle has besides those it lists.
const (
	// ManifestName is the manifest's path in a bundle.
	ManifestName = "manifest.json"
	// SignatureName is the signature's path in a bundle.
	SignatureName = "manifest.sig"
)

// Format identifies the manifest's format.
const Format = "rasd-evidence-bundle/1"

// Algorithm is the signature algorithm manifests name.
const Algorithm = "ed25519"

// File is one file of a bundle as the manifest lists it.
type File struct {
	// Path is its slash-separated path within the bundle, e.g. "media/<sha256>.jpg".
	Path string `json:"path"`
	// Size is its length in bytes.
	Size int64 `json:"size"`
	// SHA256 is the hex SHA-256 of its bytes.
	SHA256 string `json:"sha256"`
}

// Manifest lists a bundle's files; manifest.sig signs its bytes.
type Manifest struct {
	// Format is the constant Format.
	Format string `json:"format"`
	// ReferralID identifies the referral the bundle carries.
	ReferralID string `json:"referral_id"`
	// CreatedAt is when the bundle was signed.
	CreatedAt time.Time `json:"created_at"`
	// Algorithm is the constant Algorithm.
	Algorithm string `json:"algorithm"`
	// KeyID names the signing key (see KeyID).
	KeyID string `json:"key_id"`
	// Files are every file in the bundle except the manifest and its
	// signature, in the order written.
	Files []File `json:"files"`
}

// CheckPath reports why p cannot be a file's path in a bundle: it must be
// relative, slash-separated, at most 255 bytes, without empty, "." or ".."
// elements, backslashes, colons or control characters, and not the
// manifest or its signature.
func CheckPath(p string) error {
	switch {
	case p == "" || len(p) > 255:
		return errors.New("empty or longer than 255 bytes")
	case p == ManifestName || p == SignatureName:
		return errors.New("reserved for the manifest")
	case strings.ContainsAny(p, `\:`):
		return errors.New("contains a backslash or colon")
	}
	for _, r := range p {
		if r < 0x20 || r == 0x7f {
			return errors.New("contains a control character")
		}
	}
	for _, el := range strings.Split(p, "/") {
		if el == "" || el == "." || el == ".." {
			return errors.New("not a clean relative path")
		}
	}
	return nil
}

// Writer writes a bundle as a zip archive. Add each file, then Close to
// write the manifest and signature.
type Writer struct {
	zw    *zip.Writer
	files []File
	seen  map[string]bool
	// Modified is the time stamped on the archive's entries; the signing
	// time when zero.
	Modified time.Time
}

// NewWriter returns a Writer writing the archive to w.
func NewWriter(w io.Writer) *Writer {
	return &Writer{zw: zip.NewWriter(w), seen: map[string]bool{}}
}

// Add copies r into the bundle at path, hashing it on the way, and returns
// the file as the manifest will list it.
func (w *Writer) Add(path string, r io.Reader) (File, error) {
	if err := CheckPath(path); err != nil {
		return File{}, fmt.Errorf("adding %q to the bundle: %w", path, err)
	}
	if w.seen[path] {
		return File{}, fmt.Errorf("adding %q to the bundle: already added", path)
	}
	out, err := w.zw.CreateHeader(&zip.FileHeader{Name: path, Method: zip.Deflate, Modified: w.Modified})
	if err != nil {
		return File{}, fmt.Errorf("adding %q to the bundle: %w", path, err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(out, h), r)
	if err != nil {
		return File{}, fmt.Errorf("adding %q to the bundle: %w", path, err)
	}
	f := File{Path: path, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}
	w.seen[path] = true
	w.files = append(w.files, f)
	return f, nil
}

// Has reports whether path was added.
func (w *Writer) Has(path string) bool { return w.seen[path] }

// Close writes manifest.json for referralID, signed by s at created, and
// manifest.sig, and finishes the archive. It returns the manifest and its
// exact bytes.
func (w *Writer) Close(s *Signer, referralID string, created time.Time) (Manifest, []byte, error) {
	m := Manifest{Format: Format, ReferralID: referralID, CreatedAt: created.UTC(), Algorithm: Algorithm, KeyID: s.KeyID(), Files: w.files}
	if m.Files == nil {
		m.Files = []File{}
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return m, nil, fmt.Errorf("encoding the manifest: %w", err)
	}
	data = append(data, '\n')
	sig := base64.StdEncoding.EncodeToString(s.Sign(data)) + "\n"
	for _, f := range []struct {
		name string
		data []byte
	}{{ManifestName, data}, {SignatureName, []byte(sig)}} {
		out, err := w.zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: w.Modified})
		if err == nil {
			_, err = out.Write(f.data)
		}
		if err != nil {
			return m, nil, fmt.Errorf("writing %s: %w", f.name, err)
		}
	}
	if err := w.zw.Close(); err != nil {
		return m, nil, fmt.Errorf("finishing the bundle: %w", err)
	}
	return m, data, nil
}

// hashingReader hashes and counts what is read through it.
type hashingReader struct {
	r io.Reader
	h hash.Hash
	n int64
}

func (hr *hashingReader) Read(p []byte) (int, error) {
	n, err := hr.r.Read(p)
	hr.h.Write(p[:n])
	hr.n += int64(n)
	return n, err
}

// decodeSignature reads manifest.sig: base64 text, or the 64 raw bytes.
func decodeSignature(data []byte) ([]byte, bool) {
	if len(data) == 64 {
		return data, true
	}
	sig, err := base64.StdEncoding.DecodeString(string(bytes.TrimSpace(data)))
	return sig, err == nil && len(sig) == 64
}
