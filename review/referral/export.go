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

// Export writes the package of every approved referral passing f, urgent
// first, as JSON Lines to w; with htmlDir set it also writes
// htmlDir/<id>.json and htmlDir/<id>.html (the printable page). A referral
// whose package cannot be built is listed in Failed and the rest go on.
// actor and the ids are recorded in the audit log.
func (s *Service) Export(ctx context.Context, actor string, f Filter, w io.Writer, htmlDir string) (ExportStats, error) {
	var st ExportStats
	rs, err := s.Store.Referrals(ctx)
	if err != nil {
		return st, fmt.Errorf("reading referrals: %w", err)
	}
	if htmlDir != "" {
		if err := os.MkdirAll(htmlDir, 0o755); err != nil {
			return st, fmt.Errorf("creating %s: %w", htmlDir, err)
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
		if err := enc.Encode(pkg); err != nil {
			return st, fmt.Errorf("writing referral %s: %w", r.ID, err)
		}
		if htmlDir != "" {
			if err := writeFiles(htmlDir, pkg); err != nil {
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
