package referral

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
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

	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/policy"
	"github.com/rasd-iq/rasd/policy/audit"
	"github.com/rasd-iq/rasd/policy/jsonschema"
	"github.com/rasd-iq/rasd/review"
	"github.com/rasd-iq/rasd/review/boltstore"
	"github.com/rasd-iq/rasd/review/evidence"
)

// memMedia is a MediaReader over files in memory, keyed by SHA-256.
type memMedia map[string][]byte

func (m memMedia) Open(_ context.Context, sum string) (io.ReadCloser, error) {
	b, ok := m[sum]
	if !ok {
		return nil, fmt.Errorf("media %s: %w", sum, fs.ErrNotExist)
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

func hexSum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

var (
	photo   = append([]byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), bytes.Repeat([]byte("photo of the target's house "), 40)...)
	video   = append([]byte("\x00\x00\x00\x18ftypmp42"), bytes.Repeat([]byte("video frames "), 300)...)
	notHeld = []byte("a picture the media stage never fetched")
	capture = []byte(`{"message_id":881,"chat":{"username":"chan"},"text":"سأقتل فلان إذا رأيته غداً","photo":[{"file_id":"AgAD"}]}`)
)

type evidenceFixture struct {
	svc      *Service
	st       review.Store
	data     string
	audit    string
	referral review.Referral
	now      time.Time
}

// newEvidenceFixture stores, in a real pipeline store, a queued post
// with its raw capture and three media (a photo and a video the media
// stage holds, and one it does not), syncs it into the review queue of a
// real review store, and has a refer it and b approve.
func newEvidenceFixture(t *testing.T) *evidenceFixture {
	t.Helper()
	ctx := context.Background()
	data := t.TempDir()
	ps, err := store.Open(filepath.Join(data, "rasd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ps.Close() })
	post := ingest.Post{ID: "telegram:chan/881", Platform: "telegram", Source: "channels", Permalink: "https://t.me/chan/881",
		Author: ingest.Author{ID: "1001", Handle: "@chan"}, Text: "سأقتل فلان إذا رأيته غداً", Lang: []string{"ar"},
		Created: t0.Add(-3 * time.Hour), Fetched: t0.Add(-2 * time.Hour), RawSHA256: hexSum([]byte("the whole page"))}
	post.AddMedia(ingest.Media{URL: "https://cdn.t.me/photo/1.jpg", Kind: ingest.MediaImage, Type: "image/jpeg", SHA256: hexSum(photo)})
	post.AddMedia(ingest.Media{URL: "https://cdn.t.me/video/2", Kind: ingest.MediaVideo, SHA256: hexSum(video)})
	post.AddMedia(ingest.Media{URL: "https://cdn.t.me/photo/3.jpg", Kind: ingest.MediaImage, SHA256: hexSum(notHeld)})
	post.SetCapture(capture, "application/json")
	if err := ps.Complete(ctx, []store.Record{judgedRecord(t, post, t0.Add(-time.Hour))}, nil, nil); err != nil {
		t.Fatal(err)
	}
	rs, err := boltstore.New(ps.DB())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := review.Sync(ctx, rs, ps); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"a", "b"} {
		if err := rs.PutUser(ctx, review.User{Name: u, Role: review.RoleAnalyst}); err != nil {
			t.Fatal(err)
		}
	}
	al, err := audit.Open(filepath.Join(data, "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { al.Close() })
	signer, err := evidence.LoadSigner(data, true)
	if err != nil {
		t.Fatal(err)
	}
	f := &evidenceFixture{st: rs, data: data, audit: filepath.Join(data, "audit.jsonl"), now: t0}
	f.svc = &Service{Store: rs, Backend: ps, Policy: policy.Default(), Audit: al,
		Notifier: policy.Notifier{Name: "Rasd observatory", Email: "referrals@example.org"},
		RoleID:   func(u string) string { return "role-" + u }, Now: func() time.Time { return f.now },
		Media: memMedia{hexSum(photo): photo, hexSum(video): video}, Signer: signer}
	rv := review.Reviewer{Name: "a"}
	it, err := rs.Claim(ctx, post.ID, rv, f.now, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := rs.Decide(ctx, review.Decision{Item: post.ID, Reviewer: "a", Action: review.ActionRefer, Verdict: review.VerdictTruePositive, Lease: it.Lease.Token}, rv, review.Rules{}, f.now); err != nil {
		t.Fatal(err)
	}
	r, err := f.svc.Create(ctx, post.ID, "a", fullForm())
	if err != nil {
		t.Fatal(err)
	}
	f.now = f.now.Add(time.Minute)
	if f.referral, err = f.svc.Approve(ctx, r.ID, "b"); err != nil {
		t.Fatal(err)
	}
	f.now = f.now.Add(time.Minute)
	return f
}

// TestPackageCarriesTheEvidence: the package of a stored record with a
// capture and media carries the capture's bytes and hashes and lists
// every media file, including the two held, and matches the schema.
func TestPackageCarriesTheEvidence(t *testing.T) {
	f := newEvidenceFixture(t)
	pkg, err := f.svc.Package(context.Background(), f.referral)
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := json.Marshal(pkg)
	schema, err := jsonschema.Load("../../docs/referral.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	if errs, err := jsonschema.Check(schema, doc); err != nil || len(errs) > 0 {
		t.Fatalf("package does not match the schema: %v %v\n%s", err, errs, doc)
	}
	c := pkg.Content.Capture
	capMD5 := md5.Sum(capture)
	if c == nil || !bytes.Equal(c.Data, capture) || c.SHA256 != hexSum(capture) || c.MD5 != hex.EncodeToString(capMD5[:]) || c.Type != "application/json" ||
		c.File != "evidence/capture.json" || c.Size != len(capture) {
		t.Fatalf("capture %+v", c)
	}
	want := []policy.MediaEvidence{
		{URL: "https://cdn.t.me/photo/1.jpg", Kind: "image", Type: "image/jpeg", SHA256: hexSum(photo), MD5: md5Hex(photo), Size: int64(len(photo)), Included: true,
			File: "media/" + hexSum(photo) + ".jpg"},
		{URL: "https://cdn.t.me/video/2", Kind: "video", Type: "video/mp4", SHA256: hexSum(video), MD5: md5Hex(video), Size: int64(len(video)), Included: true,
			File: "media/" + hexSum(video) + ".mp4"},
		{URL: "https://cdn.t.me/photo/3.jpg", Kind: "image", SHA256: hexSum(notHeld)},
	}
	if fmt.Sprint(pkg.Content.Media) != fmt.Sprint(want) {
		t.Fatalf("media\n got %+v\nwant %+v", pkg.Content.Media, want)
	}
	sor := pkg.StatementOfReasons
	if fmt.Sprint(sor.ContentType) != "[CONTENT_TYPE_TEXT CONTENT_TYPE_IMAGE CONTENT_TYPE_VIDEO]" || sor.ContentDate != "2026-11-03" || sor.ContentLanguage != "AR" {
		t.Fatalf("statement of reasons %+v", sor)
	}

	// Without a media reader the media are listed, none included.
	f.svc.Media = nil
	bare, err := f.svc.Package(context.Background(), f.referral)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range bare.Content.Media {
		if m.Included || m.File != "" || m.SHA256 == "" {
			t.Fatalf("media without a reader: %+v", m)
		}
	}

	// A stored file that no longer matches its hash is not included.
	f.svc.Media = memMedia{hexSum(photo): append(bytes.Clone(photo), 'x'), hexSum(video): video}
	pkg, err = f.svc.Package(context.Background(), f.referral)
	if err != nil || pkg.Content.Media[0].Included || !pkg.Content.Media[1].Included {
		t.Fatalf("a corrupted stored photo: %+v, %v", pkg.Content.Media, err)
	}
}

func md5Hex(b []byte) string {
	s := md5.Sum(b)
	return hex.EncodeToString(s[:])
}

// exportBundle exports f's referral as a bundle and returns its path.
func (f *evidenceFixture) exportBundle(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	var lines bytes.Buffer
	st, err := f.svc.Export(context.Background(), "cli", Filter{}, &lines, Files{Bundle: dir})
	if err != nil || len(st.Failed) > 0 || len(st.IDs) != 1 {
		t.Fatalf("export: %+v, %v", st, err)
	}
	return filepath.Join(dir, f.referral.ID+".zip")
}

func TestBundleVerifies(t *testing.T) {
	f := newEvidenceFixture(t)
	path := f.exportBundle(t)
	rep, err := VerifyBundle(path, f.svc.Signer.Public(), evidence.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, file := range rep.Files {
		names = append(names, file.Path)
	}
	wantNames := []string{PackageFile, PageFile, "evidence/capture.json", "media/" + hexSum(photo) + ".jpg", "media/" + hexSum(video) + ".mp4"}
	if fmt.Sprint(names) != fmt.Sprint(wantNames) || !rep.SignatureOK || rep.Manifest.ReferralID != f.referral.ID {
		t.Fatalf("verified %v (signature %v, referral %q), want %v", names, rep.SignatureOK, rep.Manifest.ReferralID, wantNames)
	}
	files := readZip(t, path)
	if !bytes.Equal(files["media/"+hexSum(video)+".mp4"], video) || !bytes.Equal(files["evidence/capture.json"], capture) ||
		!bytes.Contains(files[PageFile], []byte(`dir="rtl"`)) {
		t.Fatal("bundle files differ from the evidence")
	}

	// The chain of custody: the signing is in the audit log, with the
	// manifest's hash, the key and every file's hash.
	es := auditEntries(t, f.audit)
	var signed map[string]any
	for _, e := range es {
		var d map[string]any
		json.Unmarshal(e.Details, &d)
		if e.Type == audit.TypeReferral && d["action"] == "signed" {
			signed = d
		}
	}
	if signed == nil {
		t.Fatal("no signed event in the audit log")
	}
	logged, _ := json.Marshal(signed["files"])
	if signed["manifest_sha256"] != httpx.SHA256Hex(files[evidence.ManifestName]) || signed["key_id"] != f.svc.Signer.KeyID() ||
		signed["referral"] != f.referral.ID || signed["bundle"] != f.referral.ID+".zip" ||
		!strings.Contains(string(logged), hexSum(video)) || !strings.Contains(string(logged), hexSum(capture)) {
		t.Fatalf("signed event %v", signed)
	}
	if types := auditTypes(t, f.audit); types["export/"] != 1 {
		t.Fatalf("audit %v: want the export", types)
	}
}

func auditEntries(t *testing.T, path string) []audit.Entry {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	es, err := audit.ReadAll(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func readZip(t *testing.T, path string) map[string][]byte {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	out := map[string][]byte{}
	for _, e := range zr.File {
		rc, err := e.Open()
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	return out
}

// unpack writes files into a new folder.
func unpack(t *testing.T, files map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestBundleTampering: the bundle, unpacked, fails verification naming the
// file after one byte of any file is flipped, a file is removed or added,
// or it is checked with another key.
func TestBundleTampering(t *testing.T) {
	f := newEvidenceFixture(t)
	files := readZip(t, f.exportBundle(t))
	pub := f.svc.Signer.Public()
	if _, err := VerifyBundle(unpack(t, files), pub, evidence.Options{}); err != nil {
		t.Fatalf("the unpacked bundle: %v", err)
	}
	type tc struct {
		name   string
		edit   func(map[string][]byte)
		key    []byte
		path   string
		reason string
	}
	var cases []tc
	for name := range files {
		// A changed manifest no longer matches its signature; a changed
		// signature is either not one or does not verify.
		path, reason := name, "SHA-256 mismatch"
		switch name {
		case evidence.ManifestName:
			path, reason = evidence.SignatureName, "does not verify"
		case evidence.SignatureName:
			reason = ""
		}
		cases = append(cases, tc{"a byte of " + name, func(m map[string][]byte) {
			b := bytes.Clone(m[name])
			b[len(b)/3] ^= 0x01
			m[name] = b
		}, nil, path, reason})
	}
	media := "media/" + hexSum(photo) + ".jpg"
	cases = append(cases,
		tc{"a media file removed", func(m map[string][]byte) { delete(m, media) }, nil, media, "missing"},
		tc{"a file added", func(m map[string][]byte) { m["media/more.jpg"] = photo }, nil, "media/more.jpg", "extra file"},
		tc{"another key", func(map[string][]byte) {}, otherKey(t), evidence.SignatureName, "does not verify with key"},
	)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := map[string][]byte{}
			for k, v := range files {
				m[k] = v
			}
			c.edit(m)
			key := pub
			if c.key != nil {
				key = c.key
			}
			_, err := VerifyBundle(unpack(t, m), key, evidence.Options{})
			var fail *evidence.Failure
			if !errors.As(err, &fail) {
				t.Fatalf("VerifyBundle = %v, want a failure", err)
			}
			for _, p := range fail.Problems {
				if p.Path == c.path && strings.Contains(p.Reason, c.reason) {
					return
				}
			}
			t.Fatalf("problems %+v lack %s: %s", fail.Problems, c.path, c.reason)
		})
	}
}

func otherKey(t *testing.T) []byte {
	s, err := evidence.LoadSigner(t.TempDir(), true)
	if err != nil {
		t.Fatal(err)
	}
	return s.Public()
}

// TestBundleMustAgreeWithItsPackage: a bundle correctly signed whose files
// differ from what its referral.json states does not verify.
func TestBundleMustAgreeWithItsPackage(t *testing.T) {
	f := newEvidenceFixture(t)
	files := readZip(t, f.exportBundle(t))
	path := filepath.Join(t.TempDir(), "resigned.zip")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := evidence.NewWriter(out)
	for _, name := range []string{PackageFile, PageFile, "evidence/capture.json"} {
		data := files[name]
		if name == "evidence/capture.json" {
			data = []byte(`{"message_id":881,"text":"something else"}`)
		}
		w.Add(name, bytes.NewReader(data))
	}
	if _, _, err := w.Close(f.svc.Signer, f.referral.ID, f.now); err != nil {
		t.Fatal(err)
	}
	out.Close()
	_, err = VerifyBundle(path, f.svc.Signer.Public(), evidence.Options{})
	for _, want := range []string{"evidence/capture.json: the package states SHA-256", "media/" + hexSum(photo) + ".jpg: the package names this media file but the manifest does not list it"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("VerifyBundle = %v; want %q", err, want)
		}
	}
}

// TestBundleNeedsASigner: without a signing key no bundle is written.
func TestBundleNeedsASigner(t *testing.T) {
	f := newEvidenceFixture(t)
	f.svc.Signer = nil
	if _, err := f.svc.Bundle(context.Background(), "test", f.referral, io.Discard); !errors.Is(err, ErrNoSigner) {
		t.Fatalf("Bundle without a signer: %v", err)
	}
	if _, err := f.svc.Export(context.Background(), "test", Filter{}, io.Discard, Files{Bundle: t.TempDir()}); !errors.Is(err, ErrNoSigner) {
		t.Fatalf("Export without a signer: %v", err)
	}
}
