package mediastage

import (
	"encoding/hex"
	"fmt"
	"slices"

	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/models/media/hashbank"
	"github.com/rasd-iq/rasd/models/media/pdq"
)

// Banks matches media against a set of hash banks.
type Banks struct{ Set *hashbank.Set }

// Match implements Matcher: PDQ within the set's distance and quality,
// and exact MD5 and SHA-256 digests.
func (b Banks) Match(h pdq.Hash, quality int, pdqOK bool, md5, sha256 string) []store.KnownMatch {
	var ms []hashbank.Match
	if pdqOK {
		ms = append(ms, b.Set.Match(h, quality)...)
	}
	if raw, err := hex.DecodeString(md5); err == nil && len(raw) == 16 {
		ms = append(ms, b.Set.MatchMD5([16]byte(raw))...)
	}
	if raw, err := hex.DecodeString(sha256); err == nil && len(raw) == 32 {
		ms = append(ms, b.Set.MatchSHA256([32]byte(raw))...)
	}
	var out []store.KnownMatch
	for _, m := range ms {
		km := store.KnownMatch{Bank: m.Bank, Entry: m.ID, Kind: string(m.Kind), Distance: m.Distance}
		if km.Entry == "" {
			km.Entry = m.Value
		}
		if !slices.Contains(out, km) {
			out = append(out, km)
		}
	}
	return out
}

// loadBanks reads the banks in dir, switches off those named in disabled
// and sets the thresholds.
func loadBanks(dir string, disabled []string, maxDistance, minQuality int) (*hashbank.Set, error) {
	set, err := hashbank.LoadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("banks of known content: %w", err)
	}
	for _, name := range disabled {
		if err := set.SetEnabled(name, false); err != nil {
			return nil, fmt.Errorf("banks of known content: disabling %q: %w", name, err)
		}
	}
	if maxDistance > 0 {
		set.MaxDistance = maxDistance
	}
	if minQuality > 0 {
		set.MinQuality = minQuality
	}
	return set, nil
}
