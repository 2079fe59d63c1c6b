package referral

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/rasd-iq/rasd/ingest/httpx"

	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/policy"
	"github.com/rasd-iq/rasd/policy/audit"
	"github.com/rasd-iq/rasd/review"
	"github.com/rasd-iq/rasd/review/evidence"
)

// MediaReader gives the media files the media stage stored, by content.
type MediaReader interface {
	// Open returns the stored bytes whose lower-case hex SHA-256 is sum;
	// the caller closes them. An error matching fs.ErrNotExist means the
	// file is not held; the referral then lists it without its bytes.
	Open(ctx context.Context, sum string) (io.ReadCloser, error)
}

// DefaultMaxMediaSize is the largest media file a package includes when
// Service.MaxMediaSize is zero: 512 MiB.
const DefaultMaxMediaSize = 512 << 20

// ErrNoSigner is returned when a bundle is asked for and the service has no signing key.
var ErrNoSigner = errors.New("no signing key configured for evidence bundles")

// Bundle file names besides the evidence the package names.
const (
	// PackageFile is the package (policy.ReferralPackage) in a bundle.
	PackageFile = "referral.json"
	// PageFile is the printable page in a bundle.
	PageFile = "referral.html"
)

func (s *Service) maxMedia() int64 {
	if s.MaxMediaSize <= 0 {
		return DefaultMaxMediaSize
	}
	return s.MaxMediaSize
}

// heldMedia reads each of the post's media the media reader holds, checks
// its bytes against the SHA-256 the post records and describes it. Files
// not held, unreadable, too large or not matching their hash are left out
// (logged, except when not held): the package then lists them by URL and
// hash only.
func (s *Service) heldMedia(ctx context.Context, p ingest.Post) map[string]policy.HeldMedia {
	if s.Media == nil || len(p.Media) == 0 {
		return nil
	}
	out := map[string]policy.HeldMedia{}
	for _, m := range p.Media {
		sum := strings.ToLower(m.SHA256)
		if !policy.ValidSHA256(sum) {
			continue
		}
		if _, done := out[sum]; done {
			continue
		}
		h, err := s.readMedia(ctx, sum)
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) && s.Log != nil {
				s.Log.Warn("media left out of a referral", "post", p.ID, "sha256", sum, "err", err)
			}
			continue
		}
		out[sum] = h
	}
	return out
}

// readMedia hashes the stored file sum and recognises its type.
func (s *Service) readMedia(ctx context.Context, sum string) (policy.HeldMedia, error) {
	rc, err := s.Media.Open(ctx, sum)
	if err != nil {
		return policy.HeldMedia{}, fmt.Errorf("opening media %s: %w", sum, err)
	}
	defer rc.Close()
	limit := s.maxMedia()
	sh, mh := sha256.New(), md5.New()
	head := &prefix{max: 512}
	n, err := io.Copy(io.MultiWriter(sh, mh, head), io.LimitReader(rc, limit+1))
	if err != nil {
		return policy.HeldMedia{}, fmt.Errorf("reading media %s: %w", sum, err)
	}
	if n > limit {
		return policy.HeldMedia{}, fmt.Errorf("media %s is larger than %d bytes", sum, limit)
	}
	if got := hex.EncodeToString(sh.Sum(nil)); got != sum {
		return policy.HeldMedia{}, fmt.Errorf("stored media %s does not match its hash (it has %s)", sum, got)
	}
	return policy.HeldMedia{Size: n, MD5: hex.EncodeToString(mh.Sum(nil)), Type: sniff(head.b)}, nil
}

// prefix keeps the first max bytes written to it.
type prefix struct {
	b   []byte
	max int
}

func (p *prefix) Write(b []byte) (int, error) {
	if room := p.max - len(p.b); room > 0 {
		p.b = append(p.b, b[:min(room, len(b))]...)
	}
	return len(b), nil
}

// sniff names the media type of data, or "" when it is not recognised.
func sniff(data []byte) string {
	t := http.DetectContentType(data)
	if t == "application/octet-stream" {
		return ""
	}
	return t
}

var bundleIDRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$`)

// Bundle builds referral r's package and writes its signed evidence bundle
// to w (see evidence): referral.json, referral.html, the capture at
// evidence/capture.<ext> and each included media file at
// media/<sha256>.<ext>, then manifest.json and manifest.sig. The signing
// is audited (action "signed") with the manifest's SHA-256, the key id and
// every file's hash.
func (s *Service) Bundle(ctx context.Context, actor string, r review.Referral, w io.Writer) (evidence.Manifest, error) {
	pkg, err := s.Package(ctx, r)
	if err != nil {
		return evidence.Manifest{}, err
	}
	return s.writeBundle(ctx, actor, r, pkg, w, "")
}

// writeBundle writes pkg's bundle to w; name is the bundle's file name, for the audit log.
func (s *Service) writeBundle(ctx context.Context, actor string, r review.Referral, pkg policy.ReferralPackage, w io.Writer, name string) (evidence.Manifest, error) {
	if s.Signer == nil {
		return evidence.Manifest{}, fmt.Errorf("bundling referral %s: %w", r.ID, ErrNoSigner)
	}
	now := s.now()
	bw := evidence.NewWriter(w)
	bw.Modified = now
	doc, err := json.MarshalIndent(pkg, "", "  ")
	if err != nil {
		return evidence.Manifest{}, fmt.Errorf("encoding referral %s: %w", r.ID, err)
	}
	var page bytes.Buffer
	if err := policy.WriteReferralHTML(&page, pkg); err != nil {
		return evidence.Manifest{}, err
	}
	if _, err := bw.Add(PackageFile, bytes.NewReader(append(doc, '\n'))); err != nil {
		return evidence.Manifest{}, fmt.Errorf("bundling referral %s: %w", r.ID, err)
	}
	if _, err := bw.Add(PageFile, &page); err != nil {
		return evidence.Manifest{}, fmt.Errorf("bundling referral %s: %w", r.ID, err)
	}
	if c := pkg.Content.Capture; c != nil {
		if _, err := bw.Add(c.File, bytes.NewReader(c.Data)); err != nil {
			return evidence.Manifest{}, fmt.Errorf("bundling referral %s: %w", r.ID, err)
		}
	}
	for _, m := range pkg.Content.Media {
		if !m.Included || bw.Has(m.File) {
			continue
		}
		if err := s.addMedia(ctx, bw, m); err != nil {
			return evidence.Manifest{}, fmt.Errorf("bundling referral %s: %w", r.ID, err)
		}
	}
	m, data, err := bw.Close(s.Signer, r.ID, now)
	if err != nil {
		return m, fmt.Errorf("bundling referral %s: %w", r.ID, err)
	}
	details := map[string]any{"action": "signed", "referral": r.ID, "manifest_sha256": httpx.SHA256Hex(data), "key_id": m.KeyID,
		"files": m.Files, "created": m.CreatedAt}
	if name != "" {
		details["bundle"] = name
	}
	s.audit(audit.Event{Type: audit.TypeReferral, Actor: actor, Subject: r.Item, Details: details})
	return m, nil
}

// addMedia copies the media file m lists into the bundle, checking it
// still has the hash the package states.
func (s *Service) addMedia(ctx context.Context, bw *evidence.Writer, m policy.MediaEvidence) error {
	if s.Media == nil {
		return fmt.Errorf("media %s is marked included but no media reader is configured", m.SHA256)
	}
	rc, err := s.Media.Open(ctx, m.SHA256)
	if err != nil {
		return fmt.Errorf("opening media %s: %w", m.SHA256, err)
	}
	defer rc.Close()
	f, err := bw.Add(m.File, io.LimitReader(rc, s.maxMedia()+1))
	if err != nil {
		return err
	}
	if f.SHA256 != m.SHA256 {
		return fmt.Errorf("media %s changed while being bundled (it now has %s)", m.SHA256, f.SHA256)
	}
	return nil
}

// writeBundleFile writes pkg's bundle to dir/<referral id>.zip, through a
// temporary file renamed into place.
func (s *Service) writeBundleFile(ctx context.Context, actor string, r review.Referral, pkg policy.ReferralPackage, dir string) error {
	if !bundleIDRE.MatchString(r.ID) {
		return fmt.Errorf("bundling referral %q: the id cannot name a file", r.ID)
	}
	name := r.ID + ".zip"
	tmp, err := os.CreateTemp(dir, "."+name+".*")
	if err != nil {
		return fmt.Errorf("bundling referral %s: %w", r.ID, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := s.writeBundle(ctx, actor, r, pkg, tmp, name); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", name, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	return nil
}

// VerifyBundle checks the bundle at path (a zip, or the folder it was
// unpacked into) with evidence.Verify against pub, then that its
// referral.json agrees with the files: the same referral id as the
// manifest, the capture and every included media file present with the
// SHA-256 the package states, and no file the package does not name. The
// error is an *evidence.Failure naming each problem's file.
func VerifyBundle(path string, pub ed25519.PublicKey, opt evidence.Options) (*evidence.Report, error) {
	opt.Keep = append(opt.Keep, PackageFile)
	rep, err := evidence.Verify(path, pub, opt)
	var fail *evidence.Failure
	if err != nil && !errors.As(err, &fail) {
		return rep, err
	}
	if fail == nil {
		fail = &evidence.Failure{}
	}
	problem := func(path, format string, args ...any) {
		fail.Problems = append(fail.Problems, evidence.Problem{Path: path, Reason: fmt.Sprintf(format, args...)})
	}
	if doc, ok := rep.Kept[PackageFile]; ok {
		var pkg policy.ReferralPackage
		if err := json.Unmarshal(doc, &pkg); err != nil {
			problem(PackageFile, "not a referral package: %v", err)
		} else {
			checkAgainstPackage(rep, pkg, problem)
		}
	}
	if len(fail.Problems) > 0 {
		return rep, fail
	}
	return rep, nil
}

// checkAgainstPackage compares the manifest's files with what pkg names.
func checkAgainstPackage(rep *evidence.Report, pkg policy.ReferralPackage, problem func(path, format string, args ...any)) {
	listed := map[string]string{}
	for _, f := range rep.Manifest.Files {
		listed[f.Path] = f.SHA256
	}
	if pkg.ReferralID != rep.Manifest.ReferralID {
		problem(PackageFile, "is referral %q, the manifest names %q", pkg.ReferralID, rep.Manifest.ReferralID)
	}
	named := map[string]bool{PackageFile: true, PageFile: true}
	want := func(path, sum, what string) {
		named[path] = true
		if got, ok := listed[path]; !ok {
			problem(path, "the package names this %s but the manifest does not list it", what)
		} else if got != sum {
			problem(path, "the package states SHA-256 %s for this %s, the manifest %s", sum, what, got)
		}
	}
	if c := pkg.Content.Capture; c != nil {
		if httpx.SHA256Hex(c.Data) != c.SHA256 {
			problem(PackageFile, "the capture's data does not match its SHA-256")
		}
		want(c.File, c.SHA256, "capture")
	}
	for _, m := range pkg.Content.Media {
		if m.Included {
			want(m.File, m.SHA256, "media file")
		}
	}
	for _, f := range rep.Manifest.Files {
		if !named[f.Path] {
			problem(f.Path, "listed in the manifest but not named by the package")
		}
	}
}
