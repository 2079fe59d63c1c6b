package hashbank

import (
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/rasd-iq/rasd/models/media/pdq"
)

// Matching defaults, those of hasher-matcher-actioner.
const (
	// DefaultMaxDistance is the largest Hamming distance at which two PDQ
	// hashes count as the same picture.
	DefaultMaxDistance = 31
	// DefaultMinQuality is the lowest PDQ quality worth matching on: below
	// it the picture is too plain for its hash to mean much.
	DefaultMinQuality = 50
)

// Match is one bank entry that a query matched.
type Match struct {
	// Bank is the name of the bank holding the entry.
	Bank string `json:"bank"`
	// ID is the entry's id in its bank (may be empty).
	ID string `json:"id,omitempty"`
	// Kind is the kind of hash matched.
	Kind Kind `json:"kind"`
	// Value is the entry's hash, lowercase hex.
	Value string `json:"value"`
	// Distance is the Hamming distance of a PDQ match; 0 for an exact digest.
	Distance int `json:"distance"`
	// Tags are the entry's tags.
	Tags []string `json:"tags,omitempty"`
}

// ref points at one entry of one bank.
type ref struct{ bank, entry int32 }

// bankState is a bank in a Set, with its switch.
type bankState struct {
	bank    *Bank
	enabled atomic.Bool
}

// Set matches hashes against a fixed collection of banks. Its thresholds
// are set before use; Match, MatchMD5, MatchSHA256, SetEnabled and Banks
// are safe for concurrent use.
type Set struct {
	// MaxDistance is the largest PDQ distance reported (DefaultMaxDistance).
	MaxDistance int
	// MinQuality is the lowest query quality matched (DefaultMinQuality).
	MinQuality int

	banks  []*bankState
	byName map[string]int
	pdq    *Index
	pdqRef []ref
	md5    map[[16]byte][]ref
	sha256 map[[32]byte][]ref
}

// NewSet indexes banks, whose names must differ. A bank marked Disabled is
// loaded switched off.
func NewSet(banks ...*Bank) (*Set, error) {
	s := &Set{MaxDistance: DefaultMaxDistance, MinQuality: DefaultMinQuality,
		byName: map[string]int{}, md5: map[[16]byte][]ref{}, sha256: map[[32]byte][]ref{}}
	var hashes []pdq.Hash
	for bi, b := range banks {
		if err := ValidName(b.Name); err != nil {
			return nil, err
		}
		if _, dup := s.byName[b.Name]; dup {
			return nil, fmt.Errorf("bank %q given twice", b.Name)
		}
		s.byName[b.Name] = bi
		st := &bankState{bank: b}
		st.enabled.Store(!b.Disabled)
		s.banks = append(s.banks, st)
		for ei, e := range b.Entries {
			r := ref{int32(bi), int32(ei)}
			raw, err := hex.DecodeString(e.Value)
			if err != nil || len(raw) != hexLen[e.Kind]/2 {
				return nil, fmt.Errorf("bank %s, entry %d: bad %s hash %q", b.Name, ei+1, e.Kind, clip(e.Value))
			}
			switch e.Kind {
			case KindPDQ:
				hashes = append(hashes, pdq.Hash(raw))
				s.pdqRef = append(s.pdqRef, r)
			case KindMD5:
				k := [16]byte(raw)
				s.md5[k] = append(s.md5[k], r)
			case KindSHA256:
				k := [32]byte(raw)
				s.sha256[k] = append(s.sha256[k], r)
			}
		}
	}
	s.pdq = NewIndex(hashes)
	return s, nil
}

// Match returns the enabled banks' PDQ entries within MaxDistance of h,
// nearest first, or nothing when quality is below MinQuality.
func (s *Set) Match(h pdq.Hash, quality int) []Match {
	if quality < s.MinQuality {
		return nil
	}
	var out []Match
	s.pdq.Search(h, s.MaxDistance, func(hit Hit) {
		if m, ok := s.match(s.pdqRef[hit.Pos], hit.Distance); ok {
			out = append(out, m)
		}
	})
	sortMatches(out)
	return out
}

// MatchMD5 returns the enabled banks' entries holding the MD5 digest sum.
func (s *Set) MatchMD5(sum [16]byte) []Match { return s.exact(s.md5[sum]) }

// MatchSHA256 returns the enabled banks' entries holding the SHA-256 digest sum.
func (s *Set) MatchSHA256(sum [32]byte) []Match { return s.exact(s.sha256[sum]) }

func (s *Set) exact(refs []ref) []Match {
	var out []Match
	for _, r := range refs {
		if m, ok := s.match(r, 0); ok {
			out = append(out, m)
		}
	}
	sortMatches(out)
	return out
}

// match builds the Match for r, if its bank is enabled.
func (s *Set) match(r ref, dist int) (Match, bool) {
	st := s.banks[r.bank]
	if !st.enabled.Load() {
		return Match{}, false
	}
	e := st.bank.Entries[r.entry]
	return Match{Bank: st.bank.Name, ID: e.ID, Kind: e.Kind, Value: e.Value, Distance: dist, Tags: e.Tags}, true
}

func sortMatches(m []Match) {
	slices.SortFunc(m, func(a, b Match) int {
		if a.Distance != b.Distance {
			return a.Distance - b.Distance
		}
		if c := strings.Compare(a.Bank, b.Bank); c != 0 {
			return c
		}
		if c := strings.Compare(a.ID, b.ID); c != 0 {
			return c
		}
		return strings.Compare(a.Value, b.Value)
	})
}

// SetEnabled switches the named bank on or off for the following matches.
func (s *Set) SetEnabled(name string, on bool) error {
	i, ok := s.byName[name]
	if !ok {
		return fmt.Errorf("no bank named %q", name)
	}
	s.banks[i].enabled.Store(on)
	return nil
}

// Summary describes one bank.
type Summary struct {
	// Name is the bank's name.
	Name string `json:"name"`
	// Enabled is false for a switched-off bank.
	Enabled bool `json:"enabled"`
	// Counts is the number of entries of each kind.
	Counts map[Kind]int `json:"counts"`
}

// Banks describes the set's banks, by name.
func (s *Set) Banks() []Summary {
	out := make([]Summary, 0, len(s.banks))
	for _, st := range s.banks {
		out = append(out, Summary{Name: st.bank.Name, Enabled: st.enabled.Load(), Counts: st.bank.Counts()})
	}
	slices.SortFunc(out, func(a, b Summary) int { return strings.Compare(a.Name, b.Name) })
	return out
}
