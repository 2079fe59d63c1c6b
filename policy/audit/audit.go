// Package audit is Rasd's append-only, hash-chained audit log.
//
// Every decision, login, export, policy change and role change is appended
// as one JSON line. Each entry carries the SHA-256 of the entry before it
// (Prev) and its own hash (Hash), computed over the entry's canonical JSON
// with Hash left empty, so that changing, removing or reordering any stored
// entry breaks the chain at that entry. Verify checks a log and names the
// first broken entry. The application only ever appends: the file is opened
// with O_APPEND, each entry is fsynced, and appends from several goroutines
// or processes are serialised by a mutex and an exclusive file lock.
package audit

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// Event types used across Rasd. Other types are allowed.
const (
	// TypeRouting is a policy routing decision about an item.
	TypeRouting = "routing"
	// TypeReroute is a post routed again under a new policy, on purpose.
	TypeReroute = "reroute"
	// TypeDecision is a reviewer's decision about an item.
	TypeDecision = "decision"
	// TypeLogin is a user signing in.
	TypeLogin = "login"
	// TypeExport is an export of data, e.g. referral packages.
	TypeExport = "export"
	// TypePolicyChange is a change to the routing policy.
	TypePolicyChange = "policy_change"
	// TypeRoleChange is a change to a user's roles.
	TypeRoleChange = "role_change"
	// TypeReferral is a referral sent to a platform or authority.
	TypeReferral = "referral"
	// TypeAppeal is an appeal filed or decided.
	TypeAppeal = "appeal"
	// TypeEvidence is evidence kept for an item: the raw capture of a post
	// that entered review, or the media the media stage fetched and
	// hashed (chain of custody).
	TypeEvidence = "evidence"
	// TypeSourceChange is a source added, edited, paused or resumed while
	// the engine runs.
	TypeSourceChange = "source_change"
	// TypeDiscovery is a candidate source approved or rejected.
	TypeDiscovery = "discovery"
)

// DefaultPath is where the audit log lives when nothing else is configured.
const DefaultPath = "rasd-data/audit.jsonl"

// GenesisHash is the Prev of the first entry.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// Event is what a caller appends.
type Event struct {
	// ID identifies the entry; a random id is generated when empty.
	ID string
	// Type says what happened, e.g. TypeDecision.
	Type string
	// Actor identifies who did it: a user or role id, or a component such as "policy".
	Actor string
	// Subject identifies what it was done to: an item, referral or user id.
	Subject string
	// Details holds anything else worth keeping; it must encode as a JSON object.
	Details any
	// Time is when it happened; the append time is used when zero.
	Time time.Time
}

// Entry is one stored line of the log.
type Entry struct {
	// Seq is the entry's 0-based position in the log.
	Seq int64 `json:"seq"`
	// ID identifies the entry.
	ID string `json:"id"`
	// Time is when the event happened, in UTC.
	Time time.Time `json:"time"`
	// Type says what happened.
	Type string `json:"type"`
	// Actor identifies who did it.
	Actor string `json:"actor"`
	// Subject identifies what it was done to.
	Subject string `json:"subject,omitempty"`
	// Details is the event's details as canonical JSON.
	Details json.RawMessage `json:"details,omitempty"`
	// Prev is the hash of the entry before, or GenesisHash.
	Prev string `json:"prev"`
	// Hash is the hex SHA-256 of this entry's canonical JSON with Hash empty.
	Hash string `json:"hash,omitempty"`
}

// ErrBroken is matched (errors.Is) by every *BrokenError.
var ErrBroken = errors.New("audit chain broken")

// BrokenError names the first entry at which a log fails verification.
type BrokenError struct {
	// Index is the 0-based line number of the broken entry.
	Index int
	// ID is the entry's id, when it could be read.
	ID string
	// Reason says what is wrong.
	Reason string
}

// Error names the entry and the reason.
func (e *BrokenError) Error() string {
	if e.Index < 0 {
		return "audit chain broken: " + e.Reason
	}
	id := e.ID
	if id == "" {
		id = "unknown"
	}
	return fmt.Sprintf("audit chain broken at entry %d (id %s): %s", e.Index, id, e.Reason)
}

// Is makes errors.Is(err, ErrBroken) true.
func (e *BrokenError) Is(target error) bool { return target == ErrBroken }

// canonical returns the JSON the hash is computed over: the entry with Hash
// empty, fields in declaration order, details with object keys sorted.
func canonical(e Entry) ([]byte, error) {
	return canonicalEntry(e, false)
}

// canonicalEntry is canonical; with detailsCanonical the details are known
// to be canonical already (prepare made them so) and are not re-encoded.
func canonicalEntry(e Entry, detailsCanonical bool) ([]byte, error) {
	e.Hash = ""
	if len(e.Details) > 0 && !detailsCanonical {
		d, err := canonicalJSON(e.Details)
		if err != nil {
			return nil, fmt.Errorf("canonicalising details: %w", err)
		}
		e.Details = d
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(e); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// canonicalJSON re-encodes raw JSON with sorted keys, keeping numbers exact.
func canonicalJSON(raw []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("trailing data after JSON value")
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

func hashOf(e Entry) (string, error) {
	c, err := canonical(e)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(c)
	return hex.EncodeToString(sum[:]), nil
}

// Verify reads a log and checks every entry's sequence number, link to the
// entry before and hash. It returns the number of entries that verified;
// on failure the error is a *BrokenError naming the first broken entry, or
// a read error.
func Verify(r io.Reader) (n int, err error) {
	_, n, err = scan(r, func(Entry) {})
	return n, err
}

// VerifyFile is Verify for the log at path; it also returns the last hash,
// which can be recorded elsewhere to detect truncation later.
func VerifyFile(path string) (n int, head string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, "", fmt.Errorf("opening audit log: %w", err)
	}
	defer f.Close()
	cp, ok, err := ReadCheckpoint(path)
	if err != nil {
		return 0, "", err
	}
	var headAt string
	head, n, err = scan(f, func(e Entry) {
		if ok && e.Seq == cp.Entries-1 {
			headAt = e.Hash
		}
	})
	if err != nil {
		return n, head, err
	}
	if ok {
		if err := cp.checkAgainst(int64(n), headAt); err != nil {
			return n, head, err
		}
	}
	return n, head, nil
}

// ReadAll returns every entry of a verified log.
func ReadAll(r io.Reader) ([]Entry, error) {
	var out []Entry
	if _, _, err := scan(r, func(e Entry) { out = append(out, e) }); err != nil {
		return out, err
	}
	return out, nil
}

// scan verifies the log entry by entry, calling each for every good entry,
// and returns the last hash and the count of good entries.
func scan(r io.Reader, each func(Entry)) (head string, n int, err error) {
	br := bufio.NewReader(r)
	prev := GenesisHash
	for i := 0; ; i++ {
		line, rerr := br.ReadBytes('\n')
		if len(line) == 0 && errors.Is(rerr, io.EOF) {
			return prev, i, nil
		}
		if rerr != nil && !errors.Is(rerr, io.EOF) {
			return prev, i, fmt.Errorf("reading audit log: %w", rerr)
		}
		if rerr != nil { // io.EOF with data: the last line has no newline
			return prev, i, &BrokenError{Index: i, ID: peekID(line), Reason: "entry is incomplete (no trailing newline)"}
		}
		e, err := checkEntry(line, i, prev)
		if err != nil {
			return prev, i, err
		}
		each(e)
		prev = e.Hash
	}
}

func peekID(line []byte) string {
	var v struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(line, &v)
	return v.ID
}

func checkEntry(line []byte, i int, prev string) (Entry, error) {
	var e Entry
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		return e, &BrokenError{Index: i, ID: peekID(line), Reason: "entry is not valid JSON: " + err.Error()}
	}
	switch {
	case e.Seq != int64(i):
		return e, &BrokenError{Index: i, ID: e.ID, Reason: fmt.Sprintf("sequence number %d, want %d (entry removed, added or moved)", e.Seq, i)}
	case e.Prev != prev:
		return e, &BrokenError{Index: i, ID: e.ID, Reason: "previous-hash link does not match the entry before"}
	}
	want, err := hashOf(e)
	if err != nil {
		return e, &BrokenError{Index: i, ID: e.ID, Reason: err.Error()}
	}
	if e.Hash != want {
		return e, &BrokenError{Index: i, ID: e.ID, Reason: "hash does not match the entry's content (entry altered)"}
	}
	return e, nil
}

// Log appends to one audit log file. It is safe for concurrent use, and
// several Logs (in one or more processes) may append to the same file.
type Log struct {
	mu     sync.Mutex
	f      *os.File
	path   string
	offset int64  // bytes of the file this Log has read or written
	seq    int64  // seq of the next entry
	head   string // hash of the last entry
	now    func() time.Time
}

// Open opens the log at path, creating it (and its directory) if needed,
// and verifies the existing chain so that appends continue it. A log that
// fails verification is not appended to: Open returns the *BrokenError.
func Open(path string) (*Log, error) {
	if dir := dirOf(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("creating audit log directory: %w", err)
		}
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("opening audit log: %w", err)
	}
	l := &Log{f: f, path: path, head: GenesisHash, now: time.Now}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("locking audit log %s: %w", path, err)
	}
	err = l.catchUp()
	unlockFile(f)
	if err == nil {
		err = l.checkCheckpoint()
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return l, nil
}

// checkCheckpoint refuses a log that its checkpoint says was cut short or
// rewritten, so that nothing is appended after a cut.
func (l *Log) checkCheckpoint() error {
	cp, ok, err := ReadCheckpoint(l.path)
	if err != nil || !ok {
		return err
	}
	// catchUp has just read the whole log: its head is the anchored
	// entry's hash unless the log has grown past the checkpoint (an append
	// whose checkpoint was not written), and only then is it read again.
	headAt := l.head
	if cp.Entries > 0 && cp.Entries < l.seq {
		f, err := os.Open(l.path)
		if err != nil {
			return fmt.Errorf("audit log %s: %w", l.path, err)
		}
		defer f.Close()
		if _, _, err := scan(f, func(e Entry) {
			if e.Seq == cp.Entries-1 {
				headAt = e.Hash
			}
		}); err != nil {
			return fmt.Errorf("audit log %s: %w", l.path, err)
		}
	}
	if err := cp.checkAgainst(l.seq, headAt); err != nil {
		return fmt.Errorf("audit log %s: %w", l.path, err)
	}
	return nil
}

func dirOf(path string) string {
	i := strings.LastIndexAny(path, `/\`)
	if i <= 0 {
		return ""
	}
	return path[:i]
}

// catchUp reads entries appended since offset (by this or another process)
// and verifies them against the chain. The file lock must be held.
func (l *Log) catchUp() error {
	fi, err := l.f.Stat()
	if err != nil {
		return fmt.Errorf("audit log %s: %w", l.path, err)
	}
	if fi.Size() == l.offset {
		return nil
	}
	sr := io.NewSectionReader(l.f, l.offset, fi.Size()-l.offset)
	br := bufio.NewReader(sr)
	for {
		line, rerr := br.ReadBytes('\n')
		if len(line) == 0 && errors.Is(rerr, io.EOF) {
			return nil
		}
		if rerr != nil && !errors.Is(rerr, io.EOF) {
			return fmt.Errorf("reading audit log %s: %w", l.path, rerr)
		}
		if rerr != nil {
			return fmt.Errorf("audit log %s: %w", l.path, &BrokenError{Index: int(l.seq), ID: peekID(line), Reason: "entry is incomplete (no trailing newline)"})
		}
		e, err := checkEntry(line, int(l.seq), l.head)
		if err != nil {
			return fmt.Errorf("audit log %s: %w", l.path, err)
		}
		l.offset += int64(len(line))
		l.seq++
		l.head = e.Hash
	}
}

// Append adds ev to the log, fsyncs it and returns the stored entry.
func (l *Log) Append(ev Event) (Entry, error) {
	es, err := l.AppendBatch([]Event{ev})
	if err != nil {
		return Entry{}, err
	}
	return es[0], nil
}

// CanonicalDetails are event details already in the log's canonical form:
// one JSON object, object keys sorted at every level, no HTML escaping, as
// CanonicalJSON returns. Append stores them as they are, which saves
// encoding hot events (the routing of every queued post) twice; details
// that are not canonical would make the entry fail verification, so a
// producer of CanonicalDetails tests its output with CanonicalJSON.
type CanonicalDetails []byte

// CanonicalJSON re-encodes raw JSON in the log's canonical form.
func CanonicalJSON(raw []byte) ([]byte, error) { return canonicalJSON(raw) }

// prepared is an event checked and encoded before the lock is taken.
type prepared struct {
	ev      Event
	id      string
	details json.RawMessage
}

func prepare(ev Event) (prepared, error) {
	if strings.TrimSpace(ev.Type) == "" {
		return prepared{}, errors.New("appending audit entry: event type is empty")
	}
	if strings.TrimSpace(ev.Actor) == "" {
		return prepared{}, fmt.Errorf("appending %s audit entry: actor is empty", ev.Type)
	}
	pr := prepared{ev: ev, id: ev.ID}
	if c, ok := ev.Details.(CanonicalDetails); ok {
		if len(c) == 0 || c[0] != '{' || !json.Valid(c) {
			return prepared{}, fmt.Errorf("appending %s audit entry: details must be a JSON object", ev.Type)
		}
		pr.details = json.RawMessage(c)
	} else if ev.Details != nil {
		raw, err := json.Marshal(ev.Details)
		if err != nil {
			return prepared{}, fmt.Errorf("appending %s audit entry: encoding details: %w", ev.Type, err)
		}
		if raw, err = canonicalJSON(raw); err != nil {
			return prepared{}, fmt.Errorf("appending %s audit entry: %w", ev.Type, err)
		}
		if len(raw) == 0 || raw[0] != '{' {
			return prepared{}, fmt.Errorf("appending %s audit entry: details must be a JSON object", ev.Type)
		}
		pr.details = raw
	}
	if pr.id == "" {
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			return prepared{}, fmt.Errorf("appending %s audit entry: generating id: %w", ev.Type, err)
		}
		pr.id = hex.EncodeToString(b[:])
	}
	return pr, nil
}

// AppendBatch adds events in order with a single write and fsync, and
// returns the stored entries. If any event is invalid nothing is written.
func (l *Log) AppendBatch(events []Event) ([]Entry, error) {
	prs := make([]prepared, len(events))
	for i, ev := range events {
		pr, err := prepare(ev)
		if err != nil {
			return nil, err
		}
		prs[i] = pr
	}

	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil, errors.New("appending audit entry: log is closed")
	}
	if err := lockFile(l.f); err != nil {
		return nil, fmt.Errorf("appending audit entry: locking %s: %w", l.path, err)
	}
	defer unlockFile(l.f)
	if err := l.catchUp(); err != nil {
		return nil, fmt.Errorf("appending audit entry: %w", err)
	}
	var buf bytes.Buffer
	out := make([]Entry, 0, len(prs))
	seq, head := l.seq, l.head
	for _, pr := range prs {
		t := pr.ev.Time
		if t.IsZero() {
			t = l.now()
		}
		e := Entry{Seq: seq, ID: pr.id, Time: t.UTC(), Type: pr.ev.Type, Actor: pr.ev.Actor, Subject: pr.ev.Subject, Details: pr.details, Prev: head}
		line, err := canonicalEntry(e, true)
		if err != nil {
			return nil, fmt.Errorf("appending audit entry: %w", err)
		}
		sum := sha256.Sum256(line)
		e.Hash = hex.EncodeToString(sum[:])
		// canonical leaves Hash out; add it back as the last field.
		buf.Write(line[:len(line)-1])
		buf.WriteString(`,"hash":"` + e.Hash + "\"}\n")
		out = append(out, e)
		seq, head = seq+1, e.Hash
	}
	if _, err := l.f.Write(buf.Bytes()); err != nil {
		return nil, fmt.Errorf("appending audit entry to %s: %w", l.path, err)
	}
	if err := l.f.Sync(); err != nil {
		return nil, fmt.Errorf("syncing audit log %s: %w", l.path, err)
	}
	l.offset += int64(buf.Len())
	l.seq, l.head = seq, head
	if err := writeCheckpoint(l.path, seq, head, l.now()); err != nil {
		return out, fmt.Errorf("audit log %s: %w", l.path, err)
	}
	return out, nil
}

// Head returns the hash of the last entry this Log knows of and the count of entries.
func (l *Log) Head() (hash string, n int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.head, l.seq
}

// Path returns the file the log appends to, for readers of the log.
func (l *Log) Path() string { return l.path }

// Close closes the file; appends after Close fail.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	if err != nil {
		return fmt.Errorf("closing audit log %s: %w", l.path, err)
	}
	return nil
}
