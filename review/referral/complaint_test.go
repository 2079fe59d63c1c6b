package referral

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rasd-iq/rasd/policy"
	"github.com/rasd-iq/rasd/review"
)

// TestComplaint files complaints by public reference: an unknown one files
// nothing, a known one becomes a pending appeal of origin complaint heard
// by neither the assessor nor the approver, with the contact kept off the
// audit log; a second one while the first is pending is refused; the
// transparency report counts it.
func TestComplaint(t *testing.T) {
	f := newFixture(t, map[string]string{"telegram:1": "telegram", "x:2": "x"})
	ctx := context.Background()
	r := f.refer(t, "telegram:1")
	if review.NormalizeReference(r.Reference) != r.Reference || len(r.Reference) != review.ReferenceLen {
		t.Fatalf("reference %q", r.Reference)
	}
	pkg, err := f.svc.Package(ctx, r)
	if err != nil || pkg.Notice.Reference != r.Reference {
		t.Fatalf("package notice reference %q, %v; want %q", pkg.Notice.Reference, err, r.Reference)
	}
	cases := []struct {
		name string
		c    Complaint
		want error
	}{
		{"unknown reference", Complaint{Reference: "ZZZZZZZZZZ", Text: "نص"}, ErrUnknownReference},
		{"malformed reference", Complaint{Reference: "ZZZ", Text: "نص"}, ErrInvalid},
		{"no text", Complaint{Reference: r.Reference, Text: " "}, ErrInvalid},
		{"long text", Complaint{Reference: r.Reference, Text: strings.Repeat("ن", MaxComplaintText+1)}, ErrInvalid},
		{"bad contact", Complaint{Reference: r.Reference, Text: "نص", Contact: "Name <a@example.org>"}, ErrInvalid},
	}
	for _, c := range cases {
		if _, err := f.svc.FileComplaint(ctx, c.c); !errors.Is(err, c.want) {
			t.Fatalf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	if as, _ := f.st.Appeals(ctx); len(as) != 0 {
		t.Fatalf("refused complaints filed %d appeals", len(as))
	}
	typed := strings.ToLower(r.Reference[:3]) + " " + r.Reference[3:]
	a, err := f.svc.FileComplaint(ctx, Complaint{Reference: typed, Text: "منشوري نقد", Contact: "me@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	if a.Origin != review.OriginComplaint || a.Reviewer != "c" || a.Appellant != "" || a.Contact != "me@example.org" || a.TargetID != r.ID {
		t.Fatalf("complaint appeal %+v", a)
	}
	if _, err := f.svc.FileComplaint(ctx, Complaint{Reference: r.Reference, Text: "مرة أخرى"}); !errors.Is(err, ErrState) {
		t.Fatalf("second complaint while one is pending: %v, want ErrState", err)
	}
	if raw, _ := os.ReadFile(f.audit); strings.Contains(string(raw), "me@example.org") || auditTypes(t, f.audit)["appeal/filed"] != 1 {
		t.Fatalf("audit log: the contact must be absent and the complaint filed once:\n%s", raw)
	}
	p, _ := policy.ParsePeriod("2026")
	rep, err := Transparency(ctx, f.st, p)
	if err != nil || rep.Complaints != (policy.ComplaintCounts{Received: 1, Pending: 1}) {
		t.Fatalf("complaints %+v, %v", rep.Complaints, err)
	}
	f.now = f.now.Add(time.Hour)
	if _, err := f.svc.Decide(ctx, a.ID, "c", Ruling{Outcome: policy.AppealReversed, Note: "نقد محمي"}); err != nil {
		t.Fatal(err)
	}
	if rep, _ = Transparency(ctx, f.st, p); rep.Complaints != (policy.ComplaintCounts{Received: 1, Reversed: 1}) {
		t.Fatalf("complaints after the ruling %+v", rep.Complaints)
	}
	// The referral is withdrawn: a complaint about it now files nothing.
	if _, err := f.svc.FileComplaint(ctx, Complaint{Reference: r.Reference, Text: "نص"}); !errors.Is(err, ErrState) {
		t.Fatalf("complaint about a withdrawn referral: %v, want ErrState", err)
	}
}
