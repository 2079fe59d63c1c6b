package evidence

import (
	"archive/zip"
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rasd-iq/rasd/ingest/httpx"
)

var t0 = time.Date(2026, 11, 4, 10, 0, 0, 0, time.UTC)

func testSigner(t *testing.T) *Signer {
	t.Helper()
	s, err := LoadSigner(t.TempDir(), true)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var testFiles = []struct{ path, data string }{
	{"referral.json", `{"referral_id":"r1"}`},
	{"evidence/capture.json", `{"id":881,"message":"سنقتل فلان"}`},
	{"media/" + strings.Repeat("ab", 32) + ".jpg", "\xff\xd8\xff\xe0 jpeg bytes"},
}

// writeBundle writes the test files, signed by s, to a zip in a temporary folder.
func writeBundle(t *testing.T, s *Signer) (string, Manifest) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "r1.zip")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := NewWriter(f)
	w.Modified = t0
	for _, tf := range testFiles {
		if _, err := w.Add(tf.path, strings.NewReader(tf.data)); err != nil {
			t.Fatal(err)
		}
	}
	m, _, err := w.Close(s, "r1", t0)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path, m
}

// rewrite copies the zip at path to a new one, letting edit change each
// entry's name and bytes (or drop it, returning ok false) and add entries.
func rewrite(t *testing.T, path string, edit func(name string, data []byte) (string, []byte, bool), extra map[string]string) string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	out := filepath.Join(t.TempDir(), "edited.zip")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for _, e := range zr.File {
		rc, _ := e.Open()
		data, _ := io.ReadAll(rc)
		rc.Close()
		name, data, ok := e.Name, data, true
		if edit != nil {
			name, data, ok = edit(e.Name, data)
		}
		if !ok {
			continue
		}
		w, _ := zw.Create(name)
		w.Write(data)
	}
	for name, data := range extra {
		w, _ := zw.Create(name)
		w.Write([]byte(data))
	}
	zw.Close()
	f.Close()
	return out
}

func TestBundleVerifies(t *testing.T) {
	s := testSigner(t)
	path, m := writeBundle(t, s)
	if len(m.Files) != 3 || m.KeyID != s.KeyID() || m.Files[1].Size != int64(len(testFiles[1].data)) || m.Files[1].SHA256 != httpx.SHA256Hex([]byte(testFiles[1].data)) {
		t.Fatalf("manifest %+v", m)
	}
	rep, err := Verify(path, s.Public(), Options{Keep: []string{"referral.json"}})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.SignatureOK || len(rep.Files) != 3 || rep.KeyID != s.KeyID() || string(rep.Kept["referral.json"]) != testFiles[0].data || len(rep.ManifestSHA256) != 64 {
		t.Fatalf("report %+v", rep)
	}
	// Unpacked into a folder, the bundle verifies the same.
	dir := unzip(t, path)
	if _, err := Verify(dir, s.Public(), Options{}); err != nil {
		t.Fatalf("unpacked bundle: %v", err)
	}
}

func unzip(t *testing.T, path string) string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	dir := t.TempDir()
	for _, e := range zr.File {
		p := filepath.Join(dir, filepath.FromSlash(e.Name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		rc, _ := e.Open()
		data, _ := io.ReadAll(rc)
		rc.Close()
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestTamperingIsCaught: every change to a signed bundle fails
// verification with a problem naming the file.
func TestTamperingIsCaught(t *testing.T) {
	s := testSigner(t)
	path, _ := writeBundle(t, s)
	media := testFiles[2].path
	flip := func(target string) func(string, []byte) (string, []byte, bool) {
		return func(name string, data []byte) (string, []byte, bool) {
			if name == target {
				data = bytes.Clone(data)
				data[len(data)/2] ^= 1
			}
			return name, data, true
		}
	}
	cases := []struct {
		name   string
		bundle func() string
		key    ed25519.PublicKey
		opt    Options
		path   string
		reason string
	}{
		{"a byte of the package", func() string { return rewrite(t, path, flip("referral.json"), nil) }, nil, Options{}, "referral.json", "SHA-256 mismatch"},
		{"a byte of the capture", func() string { return rewrite(t, path, flip("evidence/capture.json"), nil) }, nil, Options{}, "evidence/capture.json", "SHA-256 mismatch"},
		{"a byte of a media file", func() string { return rewrite(t, path, flip(media), nil) }, nil, Options{}, media, "SHA-256 mismatch"},
		{"a byte of the manifest", func() string { return rewrite(t, path, flip(ManifestName), nil) }, nil, Options{}, SignatureName, "does not verify"},
		{"a byte of the signature", func() string {
			return rewrite(t, path, func(name string, data []byte) (string, []byte, bool) {
				if name == SignatureName {
					sig, _ := base64.StdEncoding.DecodeString(strings.TrimSpace(string(data)))
					sig[3] ^= 1
					data = []byte(base64.StdEncoding.EncodeToString(sig))
				}
				return name, data, true
			}, nil)
		}, nil, Options{}, SignatureName, "does not verify"},
		{"a file removed", func() string {
			return rewrite(t, path, func(name string, data []byte) (string, []byte, bool) { return name, data, name != media }, nil)
		}, nil, Options{}, media, "missing: listed in the manifest"},
		{"a file added", func() string { return rewrite(t, path, nil, map[string]string{"media/extra.jpg": "x"}) }, nil, Options{}, "media/extra.jpg", "extra file"},
		{"the signature removed", func() string {
			return rewrite(t, path, func(name string, data []byte) (string, []byte, bool) { return name, data, name != SignatureName }, nil)
		}, nil, Options{}, SignatureName, "missing"},
		{"another key", func() string { return path }, testSigner(t).Public(), Options{}, SignatureName, "does not verify with key"},
		{"a path leaving the bundle", func() string { return rewrite(t, path, nil, map[string]string{"../evil.sh": "x"}) }, nil, Options{}, "../evil.sh", "unsafe path"},
		{"an absolute path", func() string { return rewrite(t, path, nil, map[string]string{"/etc/cron.d/x": "x"}) }, nil, Options{}, "/etc/cron.d/x", "unsafe path"},
		{"a duplicate entry", func() string {
			return rewrite(t, path, nil, map[string]string{"referral.json": `{"referral_id":"other"}`})
		}, nil, Options{}, "referral.json", "appears twice"},
		{"a file over the size limit", func() string { return path }, nil, Options{MaxFileSize: 20}, "evidence/capture.json", "larger than the limit"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			key := c.key
			if key == nil {
				key = s.Public()
			}
			_, err := Verify(c.bundle(), key, c.opt)
			var f *Failure
			if !errors.As(err, &f) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("Verify = %v, want a *Failure", err)
			}
			for _, p := range f.Problems {
				if p.Path == c.path && strings.Contains(p.Reason, c.reason) {
					return
				}
			}
			t.Fatalf("problems %+v lack %s: %s", f.Problems, c.path, c.reason)
		})
	}
}

// TestRawZipCorruption: a flipped byte in the archive's stored data is
// caught and named, whatever the zip layer says about it.
func TestRawZipCorruption(t *testing.T) {
	s := testSigner(t)
	path, _ := writeBundle(t, s)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var off int64
	for _, f := range zr.File {
		if f.Name == "evidence/capture.json" {
			if off, err = f.DataOffset(); err != nil {
				t.Fatal(err)
			}
		}
	}
	data[off+2] ^= 0x40
	bad := filepath.Join(t.TempDir(), "bad.zip")
	os.WriteFile(bad, data, 0o644)
	_, err = Verify(bad, s.Public(), Options{})
	if err == nil || !strings.Contains(err.Error(), "evidence/capture.json: ") {
		t.Fatalf("Verify = %v, want a problem with evidence/capture.json", err)
	}
}

// TestFolderRefusesLinks: an unpacked bundle with a symbolic link in it
// does not verify, and the link is not followed.
func TestFolderRefusesLinks(t *testing.T) {
	s := testSigner(t)
	path, _ := writeBundle(t, s)
	dir := unzip(t, path)
	outside := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(outside, []byte("outside the bundle"), 0o600)
	media := filepath.Join(dir, filepath.FromSlash(testFiles[2].path))
	os.Remove(media)
	if err := os.Symlink(outside, media); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	_, err := Verify(dir, s.Public(), Options{})
	if err == nil || !strings.Contains(err.Error(), testFiles[2].path+": a symbolic link") || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("Verify = %v", err)
	}
}

func TestWriterRefusesUnsafePaths(t *testing.T) {
	w := NewWriter(io.Discard)
	for _, p := range []string{"../x", "/abs", "a//b", `a\b`, "c:/x", "manifest.json", "a/./b", "", "tab\there"} {
		if _, err := w.Add(p, strings.NewReader("x")); err == nil {
			t.Errorf("Add(%q) accepted", p)
		}
	}
	if _, err := w.Add("a.txt", strings.NewReader("x")); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Add("a.txt", strings.NewReader("y")); err == nil {
		t.Error("the same path added twice")
	}
}

func TestSigningKey(t *testing.T) {
	dir := t.TempDir()
	if _, err := LoadSigner(dir, false); !errors.Is(err, ErrNoKey) {
		t.Fatalf("no key yet: %v, want ErrNoKey", err)
	}
	s, err := LoadSigner(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(dir, KeyFile))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, mode %v; want 0600", err, st.Mode())
	}
	again, err := LoadSigner(dir, false)
	if err != nil || again.KeyID() != s.KeyID() || len(s.KeyID()) != 16 || !again.Public().Equal(s.Public()) {
		t.Fatalf("reloaded key %v (%v), want %s", again, err, s.KeyID())
	}
	// The signer never prints its key.
	keyFile, _ := os.ReadFile(filepath.Join(dir, KeyFile))
	for _, out := range []string{fmt.Sprint(s), fmt.Sprintf("%+v", s), fmt.Sprintf("%#v", s), fmt.Sprintf("%v", *s)} {
		if strings.Contains(out, base64.StdEncoding.EncodeToString(s.key.Seed())[:12]) || strings.Contains(out, string(keyFile[30:50])) ||
			strings.Contains(out, fmt.Sprint([]byte(s.key)[:4])[1:8]) {
			t.Errorf("signer printed its key: %s", out)
		}
	}
	// The public key reads back from PEM and from base64.
	pemText := PublicKeyPEM(s.Public())
	if !bytes.Contains(pemText, []byte("key id "+s.KeyID())) {
		t.Fatalf("PEM lacks the key id:\n%s", pemText)
	}
	for name, text := range map[string][]byte{
		"pem":    pemText,
		"base64": []byte(base64.StdEncoding.EncodeToString(s.Public()) + "\n"),
	} {
		pub, err := ParsePublicKey(text)
		if err != nil || !pub.Equal(s.Public()) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := ParsePublicKey(keyFile); err == nil {
		t.Error("a private key was read as the public key")
	}
}

// TestZipRefusesLinks: a zip entry stored as a symbolic link is refused,
// even when the manifest lists its path.
func TestZipRefusesLinks(t *testing.T) {
	s := testSigner(t)
	path := filepath.Join(t.TempDir(), "link.zip")
	f, _ := os.Create(path)
	w := NewWriter(f)
	w.Add("referral.json", strings.NewReader("{}"))
	h := &zip.FileHeader{Name: "media/link.jpg"}
	h.SetMode(fs.ModeSymlink | 0o777)
	lw, err := w.zw.CreateHeader(h)
	if err != nil {
		t.Fatal(err)
	}
	lw.Write([]byte("/etc/passwd"))
	w.files = append(w.files, File{Path: "media/link.jpg", Size: 11, SHA256: httpx.SHA256Hex([]byte("/etc/passwd"))})
	if _, _, err := w.Close(s, "r1", t0); err != nil {
		t.Fatal(err)
	}
	f.Close()
	_, err = Verify(path, s.Public(), Options{})
	if err == nil || !strings.Contains(err.Error(), "media/link.jpg: a symbolic link") {
		t.Fatalf("Verify = %v", err)
	}
}
