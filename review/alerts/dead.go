package alerts

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// DeadLetter is an alert whose delivery failed every try. It keeps no post
// text: an alert retried from the list is sent without it.
type DeadLetter struct {
	// ID is the alert's id.
	ID string `json:"id"`
	// Channel is the channel that failed.
	Channel string `json:"channel"`
	// Alert is the alert as it would have been sent, without text.
	Alert Alert `json:"alert"`
	// Error is the last try's error; Tries how many were made.
	Error string `json:"error"`
	Tries int    `json:"tries"`
	// At is when it was given up.
	At time.Time `json:"at"`
}

// ErrNoDeadLetter is returned by Retry for an id not in the list.
var ErrNoDeadLetter = errors.New("no such dead letter")

// maxDeadLine is the longest line the dead-letter file may hold.
const maxDeadLine = 1 << 20

// deadFile is the dead-letter list: an append-only JSONL file of dead
// letters and of ids resolved since, so that the engine and an admin's
// command may write it at once without rewriting it.
type deadFile struct {
	mu   sync.Mutex
	path string
}

// deadRecord is one line of the file.
type deadRecord struct {
	Dead     *DeadLetter `json:"dead,omitempty"`
	Resolved string      `json:"resolved,omitempty"`
	At       time.Time   `json:"at,omitzero"`
}

// DeadLetterPath is the dead-letter file under a data folder.
func DeadLetterPath(data string) string { return filepath.Join(data, "alerts", "dead.jsonl") }

func (d *deadFile) append(rec deadRecord) error {
	line, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("encoding dead letter: %w", err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := os.MkdirAll(filepath.Dir(d.path), 0o750); err != nil {
		return fmt.Errorf("creating the dead-letter folder: %w", err)
	}
	f, err := os.OpenFile(d.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return fmt.Errorf("opening the dead-letter list: %w", err)
	}
	// One write of one line: O_APPEND keeps lines from two processes whole.
	if _, err := f.Write(append(line, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("writing the dead-letter list: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("writing the dead-letter list: %w", err)
	}
	return f.Close()
}

// list returns the dead letters not resolved, oldest first.
func (d *deadFile) list() ([]DeadLetter, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	f, err := os.Open(d.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("opening the dead-letter list: %w", err)
	}
	defer f.Close()
	var order []string
	byID := map[string]DeadLetter{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, maxDeadLine)
	for n := 1; sc.Scan(); n++ {
		var rec deadRecord
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", d.path, n, err)
		}
		switch {
		case rec.Dead != nil:
			if _, ok := byID[rec.Dead.ID]; !ok {
				order = append(order, rec.Dead.ID)
			}
			byID[rec.Dead.ID] = *rec.Dead
		case rec.Resolved != "":
			delete(byID, rec.Resolved)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", d.path, err)
	}
	out := make([]DeadLetter, 0, len(byID))
	for _, id := range order {
		if dl, ok := byID[id]; ok {
			out = append(out, dl)
			delete(byID, id) // an id dead again after a resolve is listed once
		}
	}
	return out, nil
}

// ListDeadLetters reads the dead-letter list under the data folder data
// without opening a notifier (`rasd alerts dead`).
func ListDeadLetters(data string) ([]DeadLetter, error) {
	return (&deadFile{path: DeadLetterPath(data)}).list()
}
