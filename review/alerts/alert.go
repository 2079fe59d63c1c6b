package alerts

import (
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/policy"
)

// maxText is the most bytes of a post's text an alert carries when its
// channel includes text.
const maxText = 3000

// Alert is what a channel delivers about one post routed to review. It
// carries no author handle or id and no permalink; Text is set only for a
// channel configured with include_text.
type Alert struct {
	// ID identifies the alert; receivers use it to drop repeats (a delivery
	// that timed out may have arrived).
	ID string `json:"id"`
	// Kind is KindPost for a post routed to review, KindTension for a
	// governorate whose tension index rose, KindSearch for a new post a
	// saved search matches.
	Kind string `json:"kind"`
	// Rule is the alert rule that raised it.
	Rule string `json:"rule"`
	// Item is the post's id in Rasd (empty for a tension alert).
	Item string `json:"item,omitempty"`
	// PolicyRule is the policy rule that routed the post to review.
	PolicyRule string `json:"policy_rule,omitempty"`
	// Labels are the violation labels at or above their bar.
	Labels []string `json:"labels,omitempty"`
	// Signals are the names of the signals found (no details).
	Signals []string `json:"signals,omitempty"`
	// Urgent and Priority repeat the post's place in the review queue.
	Urgent   bool `json:"urgent"`
	Priority int  `json:"priority"`
	// Governorate is the gazetteer id, when one was attributed.
	Governorate string `json:"governorate,omitempty"`
	// Score is the highest label score on the policy's scale (0–1).
	Score float64 `json:"score"`
	// Platform is the platform the post came from (x, telegram, …).
	Platform string `json:"platform,omitempty"`
	// URL is the item's page in the web UI, which asks for a sign-in.
	URL string `json:"url"`
	// Routed is when the post was routed to review.
	Routed time.Time `json:"routed"`
	// Text is the post's text, only for channels with include_text.
	Text string `json:"text,omitempty"`
	// Tension holds the figures of a tension alert.
	Tension *TensionFigures `json:"tension,omitempty"`
}

// Alert kinds.
const (
	// KindPost is an alert about one post routed to review.
	KindPost = "post"
	// KindTension is an alert about a governorate's tension index.
	KindTension = "tension"
	// KindSearch is an alert about a new post that a saved search matches.
	KindSearch = "search"
)

// TensionFigures are a governorate's early-warning figures when its
// tension index rose: aggregates only, no post or person.
type TensionFigures struct {
	// Index is (recent flags per day + 1) / (baseline flags per day + 1).
	Index float64 `json:"index"`
	// Above is the rule's level that the index reached.
	Above float64 `json:"above"`
	// Recent is the number of flagged posts in the recent window.
	Recent int `json:"recent"`
	// BaselinePerDay is the baseline window's mean daily flags.
	BaselinePerDay float64 `json:"baseline_per_day"`
	// Z is the rise in standard deviations of the baseline.
	Z float64 `json:"z"`
}

// matches reports whether m selects the routed record r.
func (m *Match) matches(r *store.Record) bool {
	if m.Urgent && !r.Urgent {
		return false
	}
	if len(m.Governorates) > 0 && !slices.Contains(m.Governorates, r.Governorate) {
		return false
	}
	var d policy.Decision
	var signals []string
	if r.Judgement != nil {
		d = r.Judgement.Decision
		signals = policy.SignalNames(r.Judgement.Signals)
	}
	if len(m.Rules) > 0 && !slices.Contains(m.Rules, d.RuleID) {
		return false
	}
	if len(m.Labels) > 0 && !slices.ContainsFunc(labelsOf(r), func(l string) bool { return slices.Contains(m.Labels, l) }) {
		return false
	}
	if len(m.Signals) > 0 && !slices.ContainsFunc(signals, func(s string) bool {
		return slices.ContainsFunc(m.Signals, func(want string) bool { return s == want || strings.HasPrefix(s, want+":") })
	}) {
		return false
	}
	return true
}

// labelsOf returns the labels that routed r: the decision's, else the
// model's flags (records stored before judgements were kept).
func labelsOf(r *store.Record) []string {
	if r.Judgement != nil && len(r.Judgement.Decision.Labels) > 0 {
		return r.Judgement.Decision.Labels
	}
	return r.Flags
}

// newAlert builds the alert rule raises about r, without its text.
func newAlert(rule string, r *store.Record, baseURL string, now time.Time) Alert {
	a := Alert{ID: newID(), Kind: KindPost, Rule: rule, Item: r.Post.ID, Labels: slices.Clone(labelsOf(r)), Urgent: r.Urgent, Priority: r.Priority,
		Governorate: r.Governorate, Platform: r.Post.Platform, URL: itemURL(baseURL, r.Post.ID), Routed: r.Processed}
	if r.Judgement != nil {
		a.PolicyRule, a.Score = r.Judgement.Decision.RuleID, r.Judgement.Decision.MaxScore
		a.Signals = policy.SignalNames(r.Judgement.Signals)
		if !r.Judgement.At.IsZero() {
			a.Routed = r.Judgement.At
		}
	}
	if a.Routed.IsZero() {
		a.Routed = now
	}
	a.Routed = a.Routed.UTC()
	return a
}

// itemURL is the item's page under the web UI's base URL.
func itemURL(base, id string) string {
	return strings.TrimRight(base, "/") + "/items/" + url.PathEscape(id)
}

// clip cuts s to at most n bytes at a character boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func newID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
