package policy

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/rasd-iq/rasd/policy/audit"
)

// RecordChange appends ChangeEvent to al when p is not the policy the log at
// logPath last recorded (by digest): on first use, and whenever the policy
// in force changes between runs. It reports whether it appended.
func RecordChange(al *audit.Log, logPath, actor string, p *Policy) (bool, error) {
	f, err := os.Open(logPath)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("reading the audit log: %w", err)
	}
	var lastVersion, lastDigest string
	if f != nil {
		es, err := audit.ReadAll(f)
		f.Close()
		if err != nil {
			return false, fmt.Errorf("reading the audit log: %w", err)
		}
		for _, e := range es {
			if e.Type != audit.TypePolicyChange {
				continue
			}
			var d struct {
				Version string `json:"to_version"`
				Digest  string `json:"to_digest"`
			}
			if json.Unmarshal(e.Details, &d) == nil {
				lastVersion, lastDigest = d.Version, d.Digest
			}
		}
	}
	if lastDigest == p.Digest() && lastDigest != "" {
		return false, nil
	}
	ev := ChangeEvent(actor, nil, p)
	if d, ok := ev.Details.(map[string]any); ok && lastDigest != "" {
		d["from_version"], d["from_digest"] = lastVersion, lastDigest
		d["version_unchanged"] = lastVersion == p.Version
	}
	if _, err := al.Append(ev); err != nil {
		return false, fmt.Errorf("recording the policy in force: %w", err)
	}
	return true, nil
}
