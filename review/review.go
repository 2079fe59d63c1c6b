package review

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Errors returned by stores and the rules; check them with errors.Is.
var (
	// ErrNotFound is returned for users, sessions and items a store does not hold.
	ErrNotFound = errors.New("not found")
	// ErrHeld is returned when another reviewer holds an unexpired lease on the item.
	ErrHeld = errors.New("item is held by another reviewer")
	// ErrLeaseLost is returned for a decision whose lease expired or was taken over.
	ErrLeaseLost = errors.New("lease expired or held by someone else")
	// ErrDecided is returned for an item that is already decided.
	ErrDecided = errors.New("item is already decided")
	// ErrNeedsSenior is returned when a non-senior reviewer claims an item waiting for a senior reviewer.
	ErrNeedsSenior = errors.New("item waits for a senior reviewer")
	// ErrReviewedBefore is returned when a reviewer claims an item they already decided.
	ErrReviewedBefore = errors.New("reviewer already decided this item; another reviewer must")
	// ErrEmpty is returned by ClaimNext when no item can be claimed.
	ErrEmpty = errors.New("no item to claim")
	// ErrInvalid is returned for a malformed decision.
	ErrInvalid = errors.New("invalid decision")
	// ErrUndo is returned for an undo that is not allowed: not the item's
	// last decision, not the caller's, or past the undo window.
	ErrUndo = errors.New("decision cannot be undone")
)

// Role is what an account may do.
type Role string

// The roles.
const (
	// RoleAnalyst triages the queue and decides items.
	RoleAnalyst Role = "analyst"
	// RoleSenior decides like an analyst, and decides escalated and disputed items.
	RoleSenior Role = "senior"
	// RoleResearcher reads the queue and items with author identities pseudonymised; it decides nothing.
	RoleResearcher Role = "researcher"
	// RoleAdmin manages accounts and reads everything; it decides nothing.
	RoleAdmin Role = "admin"
	// RoleAuditor is an independent oversight body (civil society or a
	// court): it reads the audit log, decisions, referrals, appeals and
	// the transparency figures with every identity pseudonymised, and
	// changes nothing.
	RoleAuditor Role = "auditor"
)

// Roles lists every role in a stable order.
var Roles = []Role{RoleAnalyst, RoleSenior, RoleResearcher, RoleAdmin, RoleAuditor}

// ParseRole returns the role named s.
func ParseRole(s string) (Role, error) {
	for _, r := range Roles {
		if string(r) == s {
			return r, nil
		}
	}
	return "", fmt.Errorf("unknown role %q (want analyst, senior, researcher, admin or auditor)", s)
}

// Permission is one thing a handler needs.
type Permission string

// The permissions handlers are guarded by.
const (
	// PermView reads the queue, items, search and dashboard.
	PermView Permission = "view"
	// PermDecide claims and decides items.
	PermDecide Permission = "decide"
	// PermAuthors sees author identities and an author's other flagged posts.
	PermAuthors Permission = "authors"
	// PermAdmin manages accounts and reads operational endpoints.
	PermAdmin Permission = "admin"
	// PermAppeal files appeals against decisions and referrals.
	PermAppeal Permission = "appeal"
	// PermOversight reads the audit log and the transparency figures.
	PermOversight Permission = "oversight"
	// PermReferrals reads referrals (with author identities only for
	// PermAuthors).
	PermReferrals Permission = "referrals"
	// PermResearch reads the estimates of the model's precision and
	// recall made from reviewers' decisions (counts only, no identity).
	PermResearch Permission = "research"
)

var grants = map[Role][]Permission{
	RoleAnalyst:    {PermView, PermDecide, PermAuthors, PermAppeal, PermReferrals},
	RoleSenior:     {PermView, PermDecide, PermAuthors, PermAppeal, PermReferrals, PermResearch},
	RoleResearcher: {PermView, PermAppeal, PermResearch},
	RoleAdmin:      {PermView, PermAdmin, PermAppeal, PermOversight, PermResearch},
	RoleAuditor:    {PermView, PermOversight, PermReferrals},
}

// Can reports whether role r has permission p.
func (r Role) Can(p Permission) bool { return slices.Contains(grants[r], p) }

// User is an account.
type User struct {
	// Name is the login name.
	Name string `json:"name"`
	// Role is what the account may do.
	Role Role `json:"role"`
	// Hash is the password hash (bcrypt).
	Hash []byte `json:"hash"`
	// Disabled accounts cannot log in.
	Disabled bool `json:"disabled,omitempty"`
	// Created and Changed are when the account was made and last changed.
	Created time.Time `json:"created"`
	Changed time.Time `json:"changed"`
	// TwoFactor is the account's TOTP enrolment and recovery codes.
	TwoFactor TwoFactor `json:"two_factor,omitzero"`
	// Saved are the account's saved queue filters and searches.
	Saved []SavedQuery `json:"saved,omitempty"`
	// Inbox holds the new posts the account's alerting saved searches
	// matched, newest last (at most MaxInbox).
	Inbox []InboxAlert `json:"inbox,omitempty"`
}

// MaxInbox bounds the alerts kept in an account's inbox: the oldest go.
const MaxInbox = 200

// InboxAlert is a new post one of an account's saved searches matched.
type InboxAlert struct {
	// ID identifies the alert.
	ID string `json:"id"`
	// Search is the saved search's name; Post the post it matched.
	Search string `json:"search"`
	Post   string `json:"post"`
	// At is when the match was found.
	At time.Time `json:"at"`
	// Seen is set once the account has opened its alerts.
	Seen bool `json:"seen,omitempty"`
}

// Unseen counts the alerts the account has not opened yet.
func (u *User) Unseen() int {
	n := 0
	for i := range u.Inbox {
		if !u.Inbox[i].Seen {
			n++
		}
	}
	return n
}

// SavedQuery is a queue filter or a search an account saved under a name.
type SavedQuery struct {
	// Kind is "queue" or "search".
	Kind string `json:"kind"`
	// Name is what the account called it.
	Name string `json:"name"`
	// Query is the URL query string of the filter or search.
	Query string `json:"query"`
	// Created is when it was saved.
	Created time.Time `json:"created"`
	// Alert raises an alert in the account's inbox (and on the alert
	// channels named for it) for every new post a saved search matches.
	Alert bool `json:"alert,omitempty"`
}

// HasTOTP reports whether the account has confirmed a TOTP enrolment.
func (u *User) HasTOTP() bool { return len(u.TwoFactor.Secret) > 0 }

// NeedsTOTP reports whether accounts of role r must use two-factor login
// (senior reviewers and admins).
func (r Role) NeedsTOTP() bool { return r == RoleSenior || r == RoleAdmin }

// TwoFactor is an account's second factor: a TOTP secret and single-use
// recovery codes. It is kept in the account record and never shown after
// enrolment; it prints as "<secret>" so that it cannot leak into logs.
type TwoFactor struct {
	// Secret is the confirmed TOTP secret; empty when not enrolled.
	Secret []byte `json:"secret,omitempty"`
	// Pending is a secret shown for enrolment and not yet confirmed by a
	// code; PendingSince is when it was made.
	Pending      []byte    `json:"pending,omitempty"`
	PendingSince time.Time `json:"pending_since,omitzero"`
	// Last is the time step of the last code accepted: codes of that step
	// and earlier are refused, so that a code is used only once.
	Last int64 `json:"last,omitempty"`
	// Salt salts the recovery code hashes.
	Salt []byte `json:"salt,omitempty"`
	// Recovery holds the hex SHA-256 of salt and code of each unused
	// recovery code.
	Recovery []string `json:"recovery,omitempty"`
	// Enrolled is when the secret was confirmed.
	Enrolled time.Time `json:"enrolled,omitzero"`
}

// String hides the secrets.
func (TwoFactor) String() string { return "<secret>" }

// GoString hides the secrets.
func (TwoFactor) GoString() string { return "<secret>" }

// Session is a logged-in browser or API client. The session id itself is
// never stored: only its SHA-256 (IDHash).
type Session struct {
	// IDHash is the hex SHA-256 of the session id sent in the cookie.
	IDHash string `json:"id_hash"`
	// User is the account's name.
	User string `json:"user"`
	// CSRF is the token every state-changing request must carry.
	CSRF string `json:"csrf"`
	// Created is the login time; Expires ends the session regardless of use.
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
	// Seen is the last request; a session idle for longer than the idle limit ends.
	Seen time.Time `json:"seen"`
	// Pending is the step of login still to pass: "" for none (a full
	// session), PendingCode for the second factor's code, PendingEnrol for
	// a two-factor enrolment the account's role requires.
	Pending string `json:"pending,omitempty"`
	// Addr is the client's address at login; Agent its User-Agent
	// (shortened), for the owner's list of sessions.
	Addr  string `json:"addr,omitempty"`
	Agent string `json:"agent,omitempty"`
}

// The steps of login a session may still have to pass (Session.Pending).
const (
	// PendingCode: the password was right; the TOTP or recovery code is awaited.
	PendingCode = "code"
	// PendingEnrol: the password was right; the role requires two-factor
	// login and the account must enrol before anything else.
	PendingEnrol = "enrol"
)

// Status is where an item stands in review.
type Status string

// The item statuses.
const (
	// StatusOpen waits for a (first or second) review.
	StatusOpen Status = "open"
	// StatusSenior waits for a senior reviewer (escalated, or two decisions disagreed).
	StatusSenior Status = "senior"
	// StatusClosed is decided.
	StatusClosed Status = "closed"
)

// Lease is a reviewer's hold on an item until Expires.
type Lease struct {
	Holder  string    `json:"holder"`
	Token   string    `json:"token"`
	Expires time.Time `json:"expires"`
}

// Active reports whether the lease still holds at now.
func (l *Lease) Active(now time.Time) bool { return l != nil && now.Before(l.Expires) }

// Item is a review-queue item with its review state.
type Item struct {
	ID          string    `json:"id"`
	Priority    int       `json:"priority"`
	Urgent      bool      `json:"urgent"`
	Score       float64   `json:"score"`
	Labels      []string  `json:"labels"`
	Platform    string    `json:"platform"`
	Source      string    `json:"source,omitempty"`
	Governorate string    `json:"governorate,omitempty"`
	Author      string    `json:"author,omitempty"`
	Added       time.Time `json:"added"`
	Status      Status    `json:"status"`
	Lease       *Lease    `json:"lease,omitempty"`
	// Reviewers are the reviewers who decided the item, in order.
	Reviewers []string `json:"reviewers,omitempty"`
	// Pending is the first decision while a second review is awaited.
	Pending *Decision `json:"pending,omitempty"`
	// Outcome is the final action once closed.
	Outcome Action `json:"outcome,omitempty"`
	// Support marks an item routed for victim support (blackmail,
	// sextortion): it is kept out of the main queue, in the support queue,
	// and is never referred to a platform in public.
	Support bool `json:"support,omitempty"`
	// Sample marks a post no rule routed that the random sample of unrouted
	// posts sent to review, so that reviewers measure what the rules miss:
	// it is never counted as flagged, sorts after the flagged items, and a
	// reviewer who finds it violates nothing dismisses it as clean.
	Sample bool `json:"sample,omitempty"`
	// Manual marks a post a reviewer sent to review from search.
	Manual bool `json:"manual,omitempty"`
}

// IndexOrder names the order IndexKey sorts in; a store whose index was
// built in another order rebuilds it once (both stores record it).
const IndexOrder = "urgent-sample-score-priority-label-sorts"

// IndexKey is the item's key in the queue index: urgent items first, then
// the other flagged ones, then samples; then higher score, then lower
// priority, then older, then id. Keys compare bytewise in review order
// (the same in bbolt and in a Redis sorted set read lexicographically).
// The item's first label follows the id after a NUL byte, so that the
// queue can be sorted by label from the keys alone.
func IndexKey(it *Item) string {
	u := 1
	switch {
	case it.Urgent:
		u = 0
	case it.Sample:
		u = 2
	}
	p := int64(it.Priority) + 1<<31
	p = max(0, min(p, 1<<32-1))
	s := int64((1 - max(0, min(it.Score, 1))) * 1e6)
	t := max(0, it.Added.UnixNano())
	label := ""
	if len(it.Labels) > 0 {
		label = it.Labels[0]
	}
	return fmt.Sprintf("%d|%07d|%010d|%019d|%s\x00%s", u, s, p, t, it.ID, label)
}

// keyPrefixLen is the length of an index key before the item id.
const keyPrefixLen = len("1|0000000|0000000000|0000000000000000000|")

// IDFromKey returns the item id at the end of an index key.
func IDFromKey(k string) string {
	if len(k) < keyPrefixLen {
		return ""
	}
	id, _, _ := strings.Cut(k[keyPrefixLen:], "\x00")
	return id
}

// Action is what a reviewer decides to do with an item.
type Action string

// The actions.
const (
	// ActionDismiss closes the item as nothing to act on.
	ActionDismiss Action = "dismiss"
	// ActionMonitor closes the item and keeps watching the author or topic.
	ActionMonitor Action = "monitor"
	// ActionEscalate hands the item to a senior reviewer.
	ActionEscalate Action = "escalate"
	// ActionRefer marks the item for referral (the referral itself is a separate step).
	ActionRefer Action = "refer"
)

// Actions lists the actions in the order the UI offers them.
var Actions = []Action{ActionDismiss, ActionMonitor, ActionEscalate, ActionRefer}

// Verdict is the reviewer's judgement of the model's labels: labelled data.
type Verdict string

// The verdicts.
const (
	// VerdictTruePositive says the flagged labels are right.
	VerdictTruePositive Verdict = "true_positive"
	// VerdictFalsePositive says the item violates nothing.
	VerdictFalsePositive Verdict = "false_positive"
	// VerdictWrongLabel says the item violates something else: Decision.Labels.
	VerdictWrongLabel Verdict = "wrong_label"
)

// Verdicts lists the verdicts.
var Verdicts = []Verdict{VerdictTruePositive, VerdictFalsePositive, VerdictWrongLabel}

// Stage says which step of review a decision was.
type Stage string

// The stages.
const (
	StageFinal     Stage = "final"     // a single review closed the item
	StageFirst     Stage = "first"     // first of two reviews
	StageAgreed    Stage = "agreed"    // second review agreed and closed the item
	StageDisputed  Stage = "disputed"  // second review disagreed: sent to a senior reviewer
	StageEscalated Stage = "escalated" // the reviewer escalated
	StageSenior    Stage = "senior"    // a senior reviewer's final decision
)

// Decision is one reviewer's decision about one item. Referrals and appeals
// refer to decisions by ID.
type Decision struct {
	ID       string  `json:"id"`
	Item     string  `json:"item"`
	Reviewer string  `json:"reviewer"`
	Action   Action  `json:"action"`
	Verdict  Verdict `json:"verdict"`
	// Labels are the right labels for VerdictWrongLabel.
	Labels []string `json:"labels,omitempty"`
	// Reason is the reviewer's note.
	Reason string `json:"reason,omitempty"`
	// ReasonCode says why an item was dismissed (one of ReasonCodes);
	// a dismissal without one is never exported as labelled data.
	ReasonCode ReasonCode `json:"reason_code,omitempty"`
	// Lease is the token of the lease the reviewer holds.
	Lease string    `json:"lease,omitempty"`
	Stage Stage     `json:"stage"`
	Time  time.Time `json:"time"`
}

// ReasonCode is why a reviewer dismissed an item.
type ReasonCode string

// The reason codes of a dismissal.
const (
	// ReasonFalsePositive: the post violates nothing; the model was wrong.
	ReasonFalsePositive ReasonCode = "false_positive"
	// ReasonProtected: the post is protected speech (news, criticism,
	// counter-speech, art, religion).
	ReasonProtected ReasonCode = "protected_speech"
	// ReasonNotActionable: the post may be harmful but nothing can or
	// should be done (too vague, too old, out of scope).
	ReasonNotActionable ReasonCode = "not_actionable"
	// ReasonDuplicate: the same post is already in review or decided.
	ReasonDuplicate ReasonCode = "duplicate"
	// ReasonClean: a sampled post (Item.Sample) violates nothing. Only
	// samples are dismissed as clean; a flagged post that violates nothing
	// is a false positive.
	ReasonClean ReasonCode = "clean"
)

// ReasonCodes lists the reason codes in the order the UI offers them.
var ReasonCodes = []ReasonCode{ReasonFalsePositive, ReasonProtected, ReasonNotActionable, ReasonDuplicate, ReasonClean}

// Reviewer is who claims or decides.
type Reviewer struct {
	Name   string
	Senior bool
}

// Rules configure review.
type Rules struct {
	// SecondReview requires two agreeing decisions before an item closes.
	SecondReview bool
	// SecondReviewRefer requires them when the first decision is a referral
	// (the policy's second_reviewer); other decisions close the item at once.
	SecondReviewRefer bool
	// Lease is how long a claim holds; DefaultLease when zero.
	Lease time.Duration
	// UndoWindow is how long after a decision its author may undo it;
	// DefaultUndoWindow when zero, none when negative.
	UndoWindow time.Duration
}

// DefaultUndoWindow is how long a decision can be undone when
// Rules.UndoWindow is zero.
const DefaultUndoWindow = 10 * time.Second

// UndoFor returns the undo window.
func (r Rules) UndoFor() time.Duration {
	if r.UndoWindow == 0 {
		return DefaultUndoWindow
	}
	return max(0, r.UndoWindow)
}

// DefaultLease is how long a claim holds when Rules.Lease is zero.
const DefaultLease = 10 * time.Minute

// LeaseFor returns the lease duration.
func (r Rules) LeaseFor() time.Duration {
	if r.Lease <= 0 {
		return DefaultLease
	}
	return r.Lease
}

// Filter selects and pages queue items.
type Filter struct {
	// Label keeps items flagged with it.
	Label string
	// MinScore keeps items scoring at least this.
	MinScore float64
	// Platform, Source and Governorate keep items from them.
	Platform    string
	Source      string
	Governorate string
	// Urgent keeps urgent items only.
	Urgent bool
	// MaxAge keeps items added within this long before Now.
	MaxAge time.Duration
	// Status keeps items in this status (open or senior); empty keeps both.
	Status Status
	// Support lists the victim-support queue instead of the main one.
	Support bool
	// Sort orders the list by one of SortKeys, descending when Desc is
	// set; empty keeps review order. Ties keep review order.
	Sort string
	Desc bool
	// Offset and Limit page the result; Limit 0 means 50.
	Offset, Limit int
	// Now is the time ages are measured from.
	Now time.Time
}

// Match reports whether it passes f (paging aside).
func (f *Filter) Match(it *Item) bool {
	switch {
	case it.Status == StatusClosed:
		return false
	case it.Support != f.Support:
		return false
	case f.Status != "" && it.Status != f.Status:
		return false
	case f.Label != "" && !slices.Contains(it.Labels, f.Label):
		return false
	case it.Score < f.MinScore:
		return false
	case f.Platform != "" && it.Platform != f.Platform:
		return false
	case f.Source != "" && it.Source != f.Source:
		return false
	case f.Urgent && !it.Urgent:
		return false
	case f.Governorate != "" && it.Governorate != f.Governorate:
		return false
	case f.MaxAge > 0 && it.Added.Before(f.Now.Add(-f.MaxAge)):
		return false
	}
	return true
}

// PageSize returns the page size.
func (f *Filter) PageSize() int {
	if f.Limit <= 0 {
		return 50
	}
	return min(f.Limit, 500)
}

// Collect returns the function a store's walk over the queue, in order,
// calls with each item: it skips f.Offset matching items, puts the next
// f.PageSize() into p.Items and sets p.More when one more follows (and
// stops the walk there).
func (f *Filter) Collect(p *Page) func(it *Item) (bool, error) {
	skip, size := f.Offset, f.PageSize()
	return func(it *Item) (bool, error) {
		if !f.Match(it) {
			return true, nil
		}
		if skip > 0 {
			skip--
			return true, nil
		}
		if len(p.Items) == size {
			p.More = true
			return false, nil
		}
		p.Items = append(p.Items, *it)
		return true, nil
	}
}

// Page is one page of the queue.
type Page struct {
	Items []Item `json:"items"`
	// Open is the number of undecided items in the whole queue.
	Open int `json:"open"`
	// More is true when items after this page pass the filter.
	More bool `json:"more"`
}

// Accounts keeps the accounts and their sessions (the session manager and
// account administration use it).
type Accounts interface {
	// PutUser creates or replaces an account.
	PutUser(ctx context.Context, u User) error
	// User returns an account (ErrNotFound when absent).
	User(ctx context.Context, name string) (User, error)
	// UpdateUser applies fn to account name and stores the result,
	// atomically (ErrNotFound when absent); fn's error leaves it unchanged.
	UpdateUser(ctx context.Context, name string, fn func(*User) error) (User, error)
	// Users returns every account, by name.
	Users(ctx context.Context) ([]User, error)

	// PutSession creates or replaces a session.
	PutSession(ctx context.Context, s Session) error
	// Session returns a session by IDHash (ErrNotFound when absent).
	Session(ctx context.Context, idHash string) (Session, error)
	// DeleteSession ends a session; ending an absent one is not an error.
	DeleteSession(ctx context.Context, idHash string) error
	// DeleteSessions ends every session of user.
	DeleteSessions(ctx context.Context, user string) error
	// Sessions returns the stored sessions of user, oldest first (expired
	// ones may be among them; callers check).
	Sessions(ctx context.Context, user string) ([]Session, error)
}

// Queue is the review queue: items, leases and decisions (the reviewers'
// pages, the pipeline's enqueuer, retention and the labels export use it).
type Queue interface {
	// Missing returns the ids among ids the store has never been given.
	Missing(ctx context.Context, ids []string) ([]string, error)
	// Add puts new items in the queue; ids already known are left as they are.
	Add(ctx context.Context, items []Item) error
	// List returns a page of undecided items in review order.
	List(ctx context.Context, f Filter) (Page, error)
	// Item returns one item with its state (ErrNotFound when absent).
	Item(ctx context.Context, id string) (Item, error)
	// ByAuthor returns up to max items of author, newest first.
	ByAuthor(ctx context.Context, author string, max int) ([]Item, error)

	// Claim gives who a lease on item id (renewing their own), per Rules.CanClaim.
	Claim(ctx context.Context, id string, who Reviewer, now time.Time, ttl time.Duration) (Item, error)
	// ClaimNext claims the first item in review order that passes f and who may claim (ErrEmpty when none).
	ClaimNext(ctx context.Context, who Reviewer, f Filter, now time.Time, ttl time.Duration) (Item, error)
	// Release gives back who's lease on item id.
	Release(ctx context.Context, id, who, token string) error
	// Decide applies d (see Apply) and records it, atomically; it returns the
	// item after the decision and the recorded decision.
	Decide(ctx context.Context, d Decision, who Reviewer, rules Rules, now time.Time) (Item, Decision, error)
	// Decisions returns the decisions about item, oldest first.
	Decisions(ctx context.Context, item string) ([]Decision, error)
	// EachDecision calls fn for every decision; fn's error stops the walk.
	EachDecision(ctx context.Context, fn func(Decision) error) error
	// Undo takes back decision id about item (see Undo) and removes its
	// record, atomically; it returns the item as it stands again and the
	// decision taken back.
	Undo(ctx context.Context, item, id string, who Reviewer, rules Rules, now time.Time) (Item, Decision, error)
	// AppendDecision records a decision made outside the claim flow (an
	// appeal's, StageAppeal) after the item's other decisions, leaving the
	// item as it is (ErrNotFound for an unknown item).
	AppendDecision(ctx context.Context, d Decision) error
}

// Referrals keeps referrals and appeals (the referral service uses it, with
// the Queue for the items they are about).
type Referrals interface {
	// PutReferral stores a new referral (ErrExists when the id is taken).
	PutReferral(ctx context.Context, r Referral) error
	// Referral returns one referral (ErrNotFound when absent).
	Referral(ctx context.Context, id string) (Referral, error)
	// UpdateReferral applies fn to referral id and stores the result,
	// atomically; fn's error leaves it unchanged.
	UpdateReferral(ctx context.Context, id string, fn func(*Referral) error) (Referral, error)
	// Referrals returns every referral, urgent first, then oldest first.
	Referrals(ctx context.Context) ([]Referral, error)

	// PutAppeal stores a new appeal (ErrExists when the id is taken).
	PutAppeal(ctx context.Context, a Appeal) error
	// Appeal returns one appeal (ErrNotFound when absent).
	Appeal(ctx context.Context, id string) (Appeal, error)
	// UpdateAppeal applies fn to appeal id and stores the result, atomically.
	UpdateAppeal(ctx context.Context, id string, fn func(*Appeal) error) (Appeal, error)
	// Appeals returns every appeal, oldest first.
	Appeals(ctx context.Context) ([]Appeal, error)
}

// Store keeps accounts, sessions and the review state. Both implementations
// pass reviewtest.Run; every method is safe for concurrent use, and Claim,
// ClaimNext, Release and Decide are atomic across processes sharing the store.
type Store interface {
	Accounts
	Cases
}

// Cases is the queue with the referrals and appeals of its items: what the
// referral service, the transparency report and retention read and write.
type Cases interface {
	Queue
	Referrals
}

// SortReferrals orders referrals urgent first, then oldest first, then by id.
func SortReferrals(rs []Referral) {
	slices.SortFunc(rs, func(a, b Referral) int {
		switch {
		case a.Urgent != b.Urgent:
			if a.Urgent {
				return -1
			}
			return 1
		case !a.Created.Equal(b.Created):
			return a.Created.Compare(b.Created)
		}
		return strings.Compare(a.ID, b.ID)
	})
}

// SortSessions orders sessions oldest first, then by IDHash.
func SortSessions(ss []Session) {
	slices.SortFunc(ss, func(a, b Session) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return strings.Compare(a.IDHash, b.IDHash)
	})
}

// SortAppeals orders appeals oldest first, then by id.
func SortAppeals(as []Appeal) {
	slices.SortFunc(as, func(a, b Appeal) int {
		if c := a.Filed.Compare(b.Filed); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}

// NewID returns a random 128-bit hex id.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// CanClaim checks whether who may take a lease on it at now.
func CanClaim(it *Item, who Reviewer, now time.Time) error {
	switch {
	case it.Status == StatusClosed:
		return ErrDecided
	case it.Status == StatusSenior && !who.Senior:
		return ErrNeedsSenior
	case slices.Contains(it.Reviewers, who.Name):
		return ErrReviewedBefore
	case it.Lease.Active(now) && it.Lease.Holder != who.Name:
		return fmt.Errorf("%w (%s until %s)", ErrHeld, it.Lease.Holder, it.Lease.Expires.UTC().Format(time.RFC3339))
	}
	return nil
}

// ApplyClaim checks CanClaim and sets (or renews) who's lease on it.
func ApplyClaim(it *Item, who Reviewer, now time.Time, ttl time.Duration) error {
	if err := CanClaim(it, who, now); err != nil {
		return err
	}
	if it.Lease.Active(now) && it.Lease.Holder == who.Name {
		it.Lease.Expires = now.Add(ttl)
		return nil
	}
	it.Lease = &Lease{Holder: who.Name, Token: NewID(), Expires: now.Add(ttl)}
	return nil
}

// Validate checks a decision's fields.
func (d *Decision) Validate() error {
	if d.Item == "" || d.Reviewer == "" {
		return fmt.Errorf("%w: item and reviewer are required", ErrInvalid)
	}
	if !slices.Contains(Actions, d.Action) {
		return fmt.Errorf("%w: unknown action %q (want dismiss, monitor, escalate or refer)", ErrInvalid, d.Action)
	}
	if !slices.Contains(Verdicts, d.Verdict) {
		return fmt.Errorf("%w: unknown verdict %q (want true_positive, false_positive or wrong_label)", ErrInvalid, d.Verdict)
	}
	if d.Verdict == VerdictWrongLabel && len(d.Labels) == 0 {
		return fmt.Errorf("%w: wrong_label needs the right labels", ErrInvalid)
	}
	if d.Verdict != VerdictWrongLabel && len(d.Labels) > 0 {
		return fmt.Errorf("%w: labels are only for wrong_label", ErrInvalid)
	}
	if d.ReasonCode != "" && !slices.Contains(ReasonCodes, d.ReasonCode) {
		return fmt.Errorf("%w: unknown reason code %q (want false_positive, protected_speech, not_actionable, duplicate or clean)", ErrInvalid, d.ReasonCode)
	}
	if d.ReasonCode != "" && d.Action != ActionDismiss {
		return fmt.Errorf("%w: a reason code is only for a dismissal", ErrInvalid)
	}
	if d.Verdict == VerdictFalsePositive && d.Action == ActionRefer {
		return fmt.Errorf("%w: a false positive cannot be referred", ErrInvalid)
	}
	if len(d.Labels) > 16 {
		return fmt.Errorf("%w: at most 16 labels", ErrInvalid)
	}
	return CheckText("reason", d.Reason, MaxReason)
}

// Limits on what reviewers write: a reason or note of a decision, an
// appeal or an outcome, and the explanation and facts of a referral.
const (
	MaxReason = 2000
	MaxLong   = 8000
)

// CheckText refuses text longer than max characters, or that is not valid
// UTF-8, naming field.
func CheckText(field, text string, max int) error {
	if !utf8.ValidString(text) {
		return fmt.Errorf("%w: %s is not valid UTF-8", ErrInvalid, field)
	}
	if n := utf8.RuneCountInString(text); n > max {
		return fmt.Errorf("%w: %s has %d characters; at most %d", ErrInvalid, field, n, max)
	}
	return nil
}

func agree(a, b *Decision) bool {
	return a.Action == b.Action && a.Verdict == b.Verdict && slices.Equal(sorted(a.Labels), sorted(b.Labels))
}

func sorted(xs []string) []string {
	ys := slices.Clone(xs)
	slices.Sort(ys)
	return ys
}

// Apply checks d against it (valid, from the holder of the current lease,
// by a senior reviewer where the item waits for one) and moves it on:
//
//   - escalate sends it to a senior reviewer;
//   - a senior reviewer's decision closes it;
//   - without a second review (Rules), a decision closes it;
//   - with one, the first decision returns it to the queue for someone else,
//     and the second closes it when it agrees or sends it to a senior
//     reviewer when it does not.
//
// It fills d's ID, Time and Stage and clears the lease.
func Apply(it *Item, d *Decision, who Reviewer, rules Rules, now time.Time) error {
	if d.Reviewer != who.Name {
		return fmt.Errorf("%w: decision by %q made as %q", ErrInvalid, d.Reviewer, who.Name)
	}
	if err := d.Validate(); err != nil {
		return err
	}
	switch {
	case it.Sample && d.ReasonCode == ReasonFalsePositive:
		return fmt.Errorf("%w: a sampled post was flagged by no rule: dismiss it as clean", ErrInvalid)
	case !it.Sample && d.ReasonCode == ReasonClean:
		return fmt.Errorf("%w: clean is for sampled posts; a flagged post that violates nothing is a false positive", ErrInvalid)
	case it.Status == StatusClosed:
		return ErrDecided
	case !it.Lease.Active(now) || it.Lease.Holder != who.Name || it.Lease.Token != d.Lease:
		return ErrLeaseLost
	case it.Status == StatusSenior && !who.Senior:
		return ErrNeedsSenior
	}
	if d.ID == "" {
		d.ID = NewID()
	}
	d.Time = now.UTC()
	it.Lease = nil
	it.Reviewers = append(it.Reviewers, who.Name)
	switch {
	case it.Status == StatusSenior:
		if d.Action == ActionEscalate {
			return fmt.Errorf("%w: the item is already with a senior reviewer", ErrInvalid)
		}
		d.Stage, it.Status, it.Outcome, it.Pending = StageSenior, StatusClosed, d.Action, nil
	case d.Action == ActionEscalate:
		d.Stage, it.Status, it.Pending = StageEscalated, StatusSenior, nil
	case !rules.SecondReview && it.Pending == nil && !(rules.SecondReviewRefer && d.Action == ActionRefer):
		d.Stage, it.Status, it.Outcome = StageFinal, StatusClosed, d.Action
	case it.Pending == nil:
		d.Stage = StageFirst
		p := *d
		it.Pending = &p
	case agree(it.Pending, d):
		d.Stage, it.Status, it.Outcome, it.Pending = StageAgreed, StatusClosed, d.Action, nil
	default:
		d.Stage, it.Status, it.Pending = StageDisputed, StatusSenior, nil
	}
	return nil
}

// Undo takes back d, the last decision about it, for who at now, and puts
// the item back where it stood before d, leased to who for ttl so that they
// decide again: prev is the decision before d (nil when none). Only d's
// author may undo it, within rules.UndoFor() of it (ErrUndo otherwise),
// and not while someone else holds the item (ErrHeld).
func Undo(it *Item, d, prev *Decision, who Reviewer, rules Rules, now time.Time, ttl time.Duration) error {
	switch {
	case d.Reviewer != who.Name:
		return fmt.Errorf("%w: decision %s is %s's", ErrUndo, d.ID, d.Reviewer)
	case now.Sub(d.Time) > rules.UndoFor():
		return fmt.Errorf("%w: decision %s is older than %s", ErrUndo, d.ID, rules.UndoFor())
	case it.Lease.Active(now) && it.Lease.Holder != who.Name:
		return fmt.Errorf("%w (%s)", ErrHeld, it.Lease.Holder)
	case len(it.Reviewers) == 0 || it.Reviewers[len(it.Reviewers)-1] != who.Name:
		return fmt.Errorf("%w: decision %s is not the item's last", ErrUndo, d.ID)
	}
	it.Reviewers = it.Reviewers[:len(it.Reviewers)-1]
	it.Outcome = ""
	switch d.Stage {
	case StageFinal, StageFirst:
		it.Status, it.Pending = StatusOpen, nil
	case StageAgreed, StageDisputed, StageEscalated:
		it.Status, it.Pending = StatusOpen, nil
		if prev != nil && prev.Stage == StageFirst {
			p := *prev
			it.Pending = &p
		}
	case StageSenior:
		it.Status = StatusSenior
	default:
		return fmt.Errorf("%w: a %s decision is not undone here", ErrUndo, d.Stage)
	}
	it.Lease = &Lease{Holder: who.Name, Token: NewID(), Expires: now.Add(ttl)}
	return nil
}
