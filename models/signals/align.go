package signals

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rasd-iq/rasd/nlp"
)

// spans maps byte ranges of a normalised text back to the original.
// Most posts differ from their normalised text only by folded letters
// (أ→ا, ة→ه, گ→ق, capitals) and deleted marks (diacritics, tatweel,
// repeated letters, #, invisible characters): align walks the two texts
// once for those. Anything else (Arabizi, Kurdish, compatibility forms)
// falls back to nlp.NormalizeWithOffsets.
type spans struct {
	orig string
	offs []int // offs[k]: original offset of the rune that produced normalised byte k
	res  *nlp.Result
}

// mapper returns a spans for orig and its normalisation norm, good for
// normalised offsets up to need.
func mapper(sp *spans, orig, norm string, need int) {
	sp.orig, sp.res = orig, nil
	if offs, ok := align(orig, norm, need, sp.offs[:0]); ok {
		sp.offs = offs
		return
	}
	sp.res = offsets(orig, norm, need)
}

// original maps the normalised range [s, e) to the original text.
func (sp *spans) original(s, e int) (int, int) {
	if sp.res != nil {
		return sp.res.OriginalRange(s, e)
	}
	os := sp.offs[s]
	last := sp.offs[e-1]
	r, w := utf8.DecodeRuneInString(sp.orig[last:])
	oe := last + w
	// Take in what was folded into the last character: marks, tatweel,
	// the repeats of an elongated letter.
	for oe < len(sp.orig) {
		c, w := utf8.DecodeRuneInString(sp.orig[oe:])
		if c != r && !dropped(c) {
			break
		}
		oe += w
	}
	return os, oe
}

// align returns, for each byte of norm[:need+1], the offset in orig of the
// character that produced it, when orig turns into norm by folding and
// dropping characters only; ok is false otherwise.
func align(orig, norm string, need int, offs []int) ([]int, bool) {
	need = min(need+1, len(norm))
	i, j := 0, 0
	prev := rune(-1)
	for j < need {
		if i >= len(orig) {
			return nil, false
		}
		nr, nw := decodeRune(norm[j:])
		or, ow := decodeRune(orig[i:])
		if or == nr || fold(or) == nr {
			for range nw {
				offs = append(offs, i)
			}
			prev = or
			i += ow
			j += nw
			continue
		}
		if or == prev || dropped(or) {
			i += ow
			continue
		}
		return nil, false
	}
	return offs, true
}

// fold returns what the normaliser folds r into, or r.
func fold(r rune) rune {
	switch {
	case r >= 'A' && r <= 'Z':
		return r + 'a' - 'A'
	case r >= 0x0660 && r <= 0x0669:
		return '0' + r - 0x0660
	case r >= 0x06F0 && r <= 0x06F9:
		return '0' + r - 0x06F0
	}
	switch r {
	case 'أ', 'إ', 'آ', 'ٱ':
		return 'ا'
	case 'ة':
		return 'ه'
	case 'ى':
		return 'ي'
	case 'گ':
		return 'ق'
	case 'چ':
		return 'ك'
	case 'پ':
		return 'ب'
	case 'ڤ':
		return 'ف'
	case '_':
		return ' '
	}
	return r
}

// dropped reports whether the normaliser may drop r: a mark, tatweel, an
// invisible character, a variation selector, or a hashtag's #.
func dropped(r rune) bool {
	switch {
	case r == 'ـ' || r == '#':
		return true
	case r >= 0x200B && r <= 0x200F, r >= 0x2060 && r <= 0x206F, r == 0xFEFF, r >= 0xFE00 && r <= 0xFE0F:
		return true
	}
	return unicode.Is(unicode.Mn, r)
}

// offsets normalises text with offsets, or only as much of it as the
// evidence needs: when the evidence ends within the first part of a long
// post, a prefix ending at a space is normalised, and used if its
// normalisation is exactly the start of norm past the evidence.
func offsets(text, norm string, need int) *nlp.Result {
	if limit := 2*need + 64; limit < len(text) {
		if cut := strings.IndexByte(text[limit:], ' '); cut >= 0 {
			r := nlp.NormalizeWithOffsets(text[:limit+cut])
			if len(r.Text) > need && strings.HasPrefix(norm, r.Text[:len(r.Text)-1]) {
				return &r
			}
		}
	}
	r := nlp.NormalizeWithOffsets(text)
	return &r
}
