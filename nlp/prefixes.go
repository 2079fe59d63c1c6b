package nlp

import (
	"slices"
	"unicode/utf8"
)

// PrefixSet holds prefixes (proclitics such as و ب ال) grouped by their first
// letter, so that a word is tried only against the prefixes it can start
// with. Lists keep the prefixes' order.
type PrefixSet struct {
	// byLetter holds, for the letters U+0600..U+06FF, the prefixes starting
	// with each; other prefixes are in other.
	byLetter [0x100][]string
	other    map[rune][]string
	// always are tried first on every word (the empty prefix, for one).
	always []string
}

// NewPrefixSet groups prefixes by their first rune. Empty prefixes are tried
// on every word, first.
func NewPrefixSet(prefixes ...string) *PrefixSet {
	s := &PrefixSet{other: map[rune][]string{}}
	for _, p := range prefixes {
		if p == "" {
			s.always = append(s.always, p)
		}
	}
	for _, p := range prefixes {
		if p == "" {
			continue
		}
		r, _ := utf8.DecodeRuneInString(p)
		s.set(r, append(slices.Clone(s.For(r)), p))
	}
	return s
}

func (s *PrefixSet) set(r rune, list []string) {
	if r >= 0x0600 && r <= 0x06FF {
		s.byLetter[r-0x0600] = list
	} else {
		s.other[r] = list
	}
}

// For returns the prefixes to try on a word whose first rune is first: the
// empty prefixes, then those starting with first. The caller must not
// modify the list.
func (s *PrefixSet) For(first rune) []string {
	if first >= 0x0600 && first <= 0x06FF {
		if l := s.byLetter[first-0x0600]; l != nil {
			return l
		}
	} else if l, ok := s.other[first]; ok {
		return l
	}
	return s.always
}

// ForWord is For for the first rune of word.
func (s *PrefixSet) ForWord(word string) []string {
	if word == "" {
		return s.always
	}
	r, _ := utf8.DecodeRuneInString(word)
	return s.For(r)
}

// DecodeRune decodes the rune at s[i] like utf8.DecodeRuneInString(s[i:]),
// with a fast path for ASCII and the two-byte sequences of Arabic script.
func DecodeRune(s string, i int) (rune, int) {
	if b := s[i]; b < utf8.RuneSelf {
		return rune(b), 1
	} else if b >= 0xC2 && b <= 0xDF && i+1 < len(s) && s[i+1]&0xC0 == 0x80 {
		return rune(b&0x1F)<<6 | rune(s[i+1]&0x3F), 2
	}
	return utf8.DecodeRuneInString(s[i:])
}

// HasRunes reports whether s holds at least n runes, decoding n at most.
func HasRunes(s string, n int) bool {
	if len(s) >= n*utf8.UTFMax {
		return true
	}
	for ; n > 0; n-- {
		if s == "" {
			return false
		}
		_, size := utf8.DecodeRuneInString(s)
		s = s[size:]
	}
	return true
}
