package referral

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/rasd-iq/rasd/policy"
	"github.com/rasd-iq/rasd/review"
)

// Filter selects referrals to export.
type Filter struct {
	// Since keeps referrals approved at or after it; zero keeps all.
	Since time.Time
	// Platform keeps referrals of items on it; empty keeps all.
	Platform string
}

// Match reports whether r is an approved referral that passes f.
func (f Filter) Match(r review.Referral) bool {
	return r.Status == review.ReferralApproved && (f.Since.IsZero() || !r.Approved.Before(f.Since)) && (f.Platform == "" || r.Platform == f.Platform)
}

// ExportStats counts what Export wrote and skipped.
type ExportStats struct {
	// IDs are the referrals written, in order.
	IDs []string
	// Failed names referrals whose package could not be built, with why.
	Failed []string
}

// Files says what Export writes besides the JSON Lines.
type Files struct {
	// HTML, when set, is a folder to write <id>.json and <id>.html (the
	// printable page) to.
	HTML string
	// Bundle, when set, is a folder to write each referral's signed
	// evidence bundle to, as <id>.zip (see Bundle); it needs Service.Signer.
	Bundle string
}

// Export writes the package of every approved referral passing f, urgent
// first, as JSON Lines to w, and the files out asks for. A referral whose
// package cannot be built is listed in Failed and the rest go on. actor
// and the ids are recorded in the audit log, and each bundle's signing.
func (s *Service) Export(ctx context.Context, actor string, f Filter, w io.Writer, out Files) (ExportStats, error) {
	var st ExportStats
	rs, err := s.Store.Referrals(ctx)
	if err != nil {
		return st, fmt.Errorf("reading referrals: %w", err)
	}
	if out.Bundle != "" && s.Signer == nil {
		return st, ErrNoSigner
	}
	for _, dir := range []string{out.HTML, out.Bundle} {
		if dir == "" {
			continue
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return st, fmt.Errorf("creating %s: %w", dir, err)
		}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, r := range rs {
		if !f.Match(r) {
			continue
		}
		pkg, err := s.Package(ctx, r)
		if err != nil {
			st.Failed = append(st.Failed, err.Error())
			continue
		}
		if out.Bundle != "" {
			if err := s.writeBundleFile(ctx, actor, r, pkg, out.Bundle); err != nil {
				st.Failed = append(st.Failed, err.Error())
				continue
			}
		}
		if err := enc.Encode(pkg); err != nil {
			return st, fmt.Errorf("writing referral %s: %w", r.ID, err)
		}
		if out.HTML != "" {
			if err := writeFiles(out.HTML, pkg); err != nil {
				return st, err
			}
		}
		st.IDs = append(st.IDs, r.ID)
	}
	s.Exported(actor, "referrals", st.IDs)
	return st, nil
}

func writeFiles(dir string, pkg policy.ReferralPackage) error {
	data, err := json.MarshalIndent(pkg, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding referral %s: %w", pkg.ReferralID, err)
	}
	p := filepath.Join(dir, pkg.ReferralID+".json")
	if err := os.WriteFile(p, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", p, err)
	}
	p = filepath.Join(dir, pkg.ReferralID+".html")
	fh, err := os.Create(p)
	if err != nil {
		return fmt.Errorf("writing %s: %w", p, err)
	}
	if err := policy.WriteReferralHTML(fh, pkg); err != nil {
		fh.Close()
		return fmt.Errorf("writing %s: %w", p, err)
	}
	if err := fh.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", p, err)
	}
	return nil
}
