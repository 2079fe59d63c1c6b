package audit

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// The checkpoint anchors the head of the log: after every append the
// number of entries and the last hash are written to a file kept apart from
// the log (CheckpointPath), signed with $RASD_AUDIT_KEY when it is set. A
// log cut short (`head -n 100`), rolled back to an earlier copy, or
// rewritten from some entry on still verifies as a chain; against its
// checkpoint it does not, and Open and VerifyFile say so.

// CheckpointEnv names a path for the checkpoint away from the log (another
// disk, a mount of another machine); by default it is the log's path with
// ".checkpoint" added.
const CheckpointEnv = "RASD_AUDIT_CHECKPOINT"

// KeyEnv names the key (at least 16 characters) the checkpoint is signed
// with (HMAC-SHA256); kept out of the data folder, it makes the checkpoint
// impossible to forge together with the log.
const KeyEnv = "RASD_AUDIT_KEY"

// Checkpoint is the anchored head of a log.
type Checkpoint struct {
	// Entries is how many entries the log held; Head is the last one's hash.
	Entries int64  `json:"entries"`
	Head    string `json:"head"`
	// Time is when it was written.
	Time time.Time `json:"time"`
	// MAC is the HMAC-SHA256 of "entries|head" under $RASD_AUDIT_KEY, when set.
	MAC string `json:"mac,omitempty"`
}

// CheckpointPath returns where the checkpoint of the log at path is kept.
func CheckpointPath(path string) string {
	if p := os.Getenv(CheckpointEnv); p != "" {
		return p
	}
	return path + ".checkpoint"
}

func checkpointMAC(entries int64, head string) (string, error) {
	key := os.Getenv(KeyEnv)
	if key == "" {
		return "", nil
	}
	if len(key) < 16 {
		return "", fmt.Errorf("$%s must have at least 16 characters", KeyEnv)
	}
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(strconv.FormatInt(entries, 10) + "|" + head))
	return hex.EncodeToString(m.Sum(nil)), nil
}

// writeCheckpoint records entries and head for the log at path, replacing
// the file atomically.
func writeCheckpoint(path string, entries int64, head string, now time.Time) error {
	mac, err := checkpointMAC(entries, head)
	if err != nil {
		return err
	}
	b, _ := json.Marshal(Checkpoint{Entries: entries, Head: head, Time: now.UTC(), MAC: mac})
	cp := CheckpointPath(path)
	tmp := cp + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o640); err != nil {
		return fmt.Errorf("writing audit checkpoint: %w", err)
	}
	if err := os.Rename(tmp, cp); err != nil {
		return fmt.Errorf("writing audit checkpoint: %w", err)
	}
	return nil
}

// ReadCheckpoint reads the checkpoint of the log at path; ok is false when
// there is none (a log written before checkpoints, or never appended to).
func ReadCheckpoint(path string) (cp Checkpoint, ok bool, err error) {
	b, err := os.ReadFile(CheckpointPath(path))
	if errors.Is(err, fs.ErrNotExist) {
		return cp, false, nil
	}
	if err != nil {
		return cp, false, fmt.Errorf("reading audit checkpoint: %w", err)
	}
	if err := json.Unmarshal(b, &cp); err != nil {
		return cp, false, &BrokenError{Index: -1, Reason: "checkpoint " + filepath.Base(CheckpointPath(path)) + " is not valid JSON"}
	}
	want, err := checkpointMAC(cp.Entries, cp.Head)
	if err != nil {
		return cp, false, err
	}
	if want != "" && !hmac.Equal([]byte(want), []byte(cp.MAC)) {
		return cp, false, &BrokenError{Index: -1, Reason: "checkpoint signature does not match (checkpoint forged, or signed with another key)"}
	}
	return cp, true, nil
}

// checkAgainst compares a verified log of n entries, whose entry
// cp.Entries-1 has hash at (headAt), with its checkpoint.
func (cp Checkpoint) checkAgainst(n int64, headAt string) error {
	switch {
	case n < cp.Entries:
		return &BrokenError{Index: int(n), Reason: fmt.Sprintf("the log holds %d entries but its checkpoint recorded %d: entries were cut off or the log was rolled back", n, cp.Entries)}
	case cp.Entries > 0 && headAt != cp.Head:
		return &BrokenError{Index: int(cp.Entries - 1), Reason: "the entry the checkpoint anchors has another hash: the log was rewritten from there"}
	}
	return nil
}
