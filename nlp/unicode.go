package nlp

import (
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// tabSize covers ASCII, Latin-1, Latin Extended, Greek, Cyrillic, Hebrew,
// Arabic and Arabic Supplement: one table lookup per rune for nearly all text.
const tabSize = 0x800

// A table entry packs what to do with one rune:
//
//	bits  0-20 the rune to emit (after mapping)
//	bits 21-24 the class of the emitted rune (cls*)
//	bit  31    the rune needs NFKC with its neighbours: its word is decoded
//	           again from its NFKC form
//	bits 32-47 the bits the rune adds to its word's mask (m*; mKurd for the
//	           Sorani-only letters ڕ ڵ ێ ۆ ە)
//	bit  48    the rune takes the slow path of the decoder: dropped, space,
//	           '#', invalid, needing NFKC, or h w @ (which may start a URL)
//	bits 50-63 one bit per step 1-14 that the mapping counts as (step*)
type entry uint64

// table holds the precomputed entries: every rune below tabSize, General
// Punctuation to CJK Symbols (U+2000-U+2FFF) and the emoji blocks
// (U+1F000-U+1FAFF). Other runes are classified on the fly by bigEntry.
type table struct {
	low [tabSize]entry
	mid [midSize]entry
	emo [emoSize]entry
}

const (
	midBase = 0x2000
	midSize = 0x1000
	emoBase = 0x1F000
	emoSize = 0xB00
)

// lookup returns the entry for r, which starts s and is size bytes long.
func (t *table) lookup(o *Options, kurdish bool, s string, r rune, size int) entry {
	switch {
	case r < tabSize:
		return t.low[r]
	case uint32(r-midBase) < midSize:
		return t.mid[r-midBase]
	case uint32(r-emoBase) < emoSize:
		return t.emo[r-emoBase]
	}
	return bigEntry(o, kurdish, s, r, size)
}

const (
	runeMask  = 1<<21 - 1
	clsShift  = 21
	clsMask   = 0xF
	maskShift = 32
	slowBit   = entry(1) << 48
	// stepBits holds, from bit 50, one bit per step 1 to 14, so that OR-ing
	// entries collects the steps that applied.
	stepBits = 49
	// stepRegion selects the step bits of an entry.
	stepRegion = entry(1<<64-1) &^ (1<<(stepBits+1) - 1)
	// kurdishBit adds mKurd to the word of a Sorani-only letter.
	kurdishBit = entry(mKurd) << maskShift
	// needNorm sends the rune to the slow path, which restarts with NFKC.
	needNorm = entry(1)<<31 | slowBit
	// verbatimBit marks h, w and @, which may start a URL or a mention.
	verbatimBit = slowBit
)

// Rune classes, as seen after mapping.
const (
	clsDrop  = iota // removed
	clsSpace        // whitespace; emitted as one ' '
	clsAr           // Arabic-script letter
	clsLatin        // Latin letter
	clsDigit        // ASCII digit
	clsSep          // _ - . * · • between letters: candidates for split-letter evasion
	clsPunct        // other punctuation: runs collapse
	clsSym          // symbols and emoji: runs collapse
	clsOther        // other letters, marks and digits: word characters
	clsHash         // #
	clsAt           // @
)

func mkEntry(r rune, cls, step int) entry {
	e := entry(r) | entry(cls)<<clsShift | entry(1)<<cls<<maskShift
	if step > 0 && step < 64-stepBits {
		e |= 1 << (stepBits + step)
	}
	switch cls {
	case clsDrop, clsSpace, clsHash:
		e |= slowBit
	}
	return e
}

// steps returns the step* bits collected in an OR of entries.
func (e entry) steps() uint32 {
	var s uint32
	for st := 1; st < 64-stepBits; st++ {
		if e&(1<<(stepBits+st)) != 0 {
			s |= 1 << st
		}
	}
	return s
}

func (e entry) r() rune          { return rune(e & runeMask) }
func (e entry) cls() int         { return int(e>>clsShift) & clsMask }
func (e entry) wordMask() uint16 { return uint16(e >> maskShift) }
func (e entry) needsNFKC() bool  { return e&(1<<31) != 0 }

// isInvisible reports format and control characters that carry no text:
// zero-width spaces and joiners, bidi controls, variation selectors, the BOM,
// soft hyphen, Arabic letter mark, Mongolian vowel separator and tag characters.
func isInvisible(r rune) bool {
	switch {
	case r == 0xAD, r == 0x34F, r == 0x61C, r == 0x180E, r == 0xFEFF:
		return true
	case r >= 0x200B && r <= 0x200F, r >= 0x202A && r <= 0x202E, r >= 0x2060 && r <= 0x206F:
		return true
	case r >= 0xFE00 && r <= 0xFE0F, r >= 0xE0000 && r <= 0xE007F, r >= 0xE0100 && r <= 0xE01EF:
		return true
	}
	return false
}

// isSpaceRune reports whitespace and the C0/C1 controls, which become a space.
func isSpaceRune(r rune) bool {
	if r < 0x20 || (r >= 0x7F && r <= 0x9F) {
		return true
	}
	return unicode.IsSpace(r)
}

// isArabicDiacritic reports tashkeel and Quranic annotation marks.
func isArabicDiacritic(r rune) bool {
	switch {
	case r >= 0x610 && r <= 0x61A, r >= 0x64B && r <= 0x65F, r == 0x670:
		return true
	case r >= 0x6D6 && r <= 0x6DC, r >= 0x6DF && r <= 0x6E8, r >= 0x6EA && r <= 0x6ED:
		return true
	case r >= 0x8D3 && r <= 0x8FF && r != 0x8E2:
		return true
	}
	return false
}

// droppedAfterLetter reports characters that the default options drop and
// that belong to the letter before them (for highlight ranges).
func droppedAfterLetter(r rune) bool {
	return isArabicDiacritic(r) || r == 0x640 || isInvisible(r)
}

// isSoraniLetter reports the letters that only Kurdish (Sorani) uses.
func isSoraniLetter(r rune) bool {
	switch r {
	case 0x695, 0x6B5, 0x6CE, 0x6C6, 0x6D5: // ڕ ڵ ێ ۆ ە
		return true
	}
	return false
}

func isArabicLetter(r rune) bool {
	return (r >= 0x620 && r <= 0x64A) || (r >= 0x66E && r <= 0x6D3) || r == 0x6D5 ||
		(r >= 0x6EE && r <= 0x6EF) || (r >= 0x6FA && r <= 0x6FC) || r == 0x6FF ||
		(r >= 0x750 && r <= 0x77F) || (r >= 0x8A0 && r <= 0x8C9)
}

func isSepRune(r rune) bool {
	switch r {
	case '_', '-', '.', '*', 0xB7, 0x2022, 0x2027, 0x2219:
		return true
	}
	return false
}

// isEmoji reports pictographs and other symbols that tokenise as Emoji.
func isEmoji(r rune) bool {
	switch {
	case r >= 0x1F000 && r <= 0x1FAFF, r >= 0x2600 && r <= 0x27BF, r >= 0x2B00 && r <= 0x2BFF,
		r >= 0x2300 && r <= 0x23FF:
		return true
	case r < 0x2000, r == utf8.RuneError:
		return false
	}
	return unicode.Is(unicode.So, r)
}

// nfkcInert reports whether the rune in s (its first size bytes) is left
// unchanged by NFKC whatever its neighbours.
func nfkcInert(s string, size int) bool {
	p := norm.NFKC.PropertiesString(s)
	if !p.BoundaryBefore() {
		return false
	}
	return norm.NFKC.IsNormalString(s[:size])
}

// classify returns the class of a rune after mapping.
func classify(r rune) int {
	switch {
	case isSpaceRune(r):
		return clsSpace
	case r >= '0' && r <= '9':
		return clsDigit
	case r == '#':
		return clsHash
	case r == '@':
		return clsAt
	case isSepRune(r):
		return clsSep
	case isArabicLetter(r):
		return clsAr
	case unicode.Is(unicode.Latin, r):
		return clsLatin
	case unicode.IsLetter(r), unicode.IsDigit(r), unicode.IsMark(r), unicode.IsNumber(r):
		return clsOther
	case unicode.IsPunct(r):
		return clsPunct
	}
	return clsSym
}

// letterMap returns the Arabic-script orthographic mapping of r under opts
// and the step it counts as, or (r, 0) when r is kept.
func letterMap(r rune, o Options) (rune, int) {
	switch r {
	case 0x622, 0x623, 0x625, 0x671, 0x672, 0x673: // آ أ إ ٱ ٲ ٳ
		if !o.KeepAlefForms {
			return 0x627, stepAlef
		}
	case 0x649: // ى
		if !o.KeepAlefMaqsura {
			return 0x64A, stepYeh
		}
	case 0x629, 0x6C3: // ة ۃ
		if !o.KeepTehMarbuta {
			return 0x647, stepTehMarbuta
		}
	case 0x624, 0x626: // ؤ ئ
		if o.FoldHamzaCarriers {
			return 0x621, stepHamza
		}
	case 0x6AF, 0x6A8: // گ ڨ
		if !o.KeepIraqiLetters {
			return 0x642, stepIraqi
		}
	case 0x686: // چ
		if !o.KeepIraqiLetters {
			return 0x643, stepIraqi
		}
	case 0x67E: // پ
		if !o.KeepIraqiLetters {
			return 0x628, stepIraqi
		}
	case 0x6A4: // ڤ
		if !o.KeepIraqiLetters {
			return 0x641, stepIraqi
		}
	case 0x698: // ژ
		if !o.KeepIraqiLetters {
			return 0x632, stepIraqi
		}
	case 0x6A9, 0x6AA: // ک ڪ
		if !o.KeepPersianForms {
			return 0x643, stepPersian
		}
	case 0x6CC, 0x6D2, 0x6D0: // ی ے ې
		if !o.KeepPersianForms {
			return 0x64A, stepPersian
		}
	case 0x6BE, 0x6C1, 0x6C0: // ھ ہ ۀ
		if !o.KeepPersianForms {
			return 0x647, stepPersian
		}
	}
	return r, 0
}

// buildTable computes the per-rune actions for opts. With kurdish set it
// builds the table for Kurdish text: only Unicode clean-up.
func buildTable(o Options, kurdish bool) *table {
	if kurdish {
		o = Options{KeepDiacritics: true, KeepTatweel: true, KeepAlefForms: true, KeepAlefMaqsura: true,
			KeepTehMarbuta: true, KeepIraqiLetters: true, KeepPersianForms: true, KeepDigits: true,
			KeepCase: true, KeepElongation: true, KeepArabizi: true, KeepEvasion: true, KeepHashtags: true}
	}
	t := new(table)
	for r := rune(0); r < tabSize; r++ {
		t.low[r] = runeEntry(r, o)
	}
	for _, c := range "hHwW@" {
		t.low[c] |= verbatimBit
	}
	for r := rune(0); r < midSize; r++ {
		c := string(midBase + r)
		t.mid[r] = bigEntry(&o, kurdish, c, midBase+r, len(c))
	}
	for r := rune(0); r < emoSize; r++ {
		c := string(emoBase + r)
		t.emo[r] = bigEntry(&o, kurdish, c, emoBase+r, len(c))
	}
	return t
}

// runeEntry computes the action for one rune under o.
func runeEntry(r rune, o Options) entry {
	s := string(r)
	var flags entry
	if isSoraniLetter(r) {
		flags |= kurdishBit
	}
	switch {
	case r >= 0xD800 && r <= 0xDFFF:
		return mkEntry(utf8.RuneError, clsSym, stepRepair)
	case isInvisible(r):
		return mkEntry(0, clsDrop, stepInvisible)
	case r == ' ':
		return mkEntry(' ', clsSpace, 0)
	case isSpaceRune(r):
		return mkEntry(' ', clsSpace, stepWhitespace)
	case r == 0x640:
		if !o.KeepTatweel {
			return mkEntry(0, clsDrop, stepTatweel)
		}
		return mkEntry(r, clsAr, 0)
	case r >= 0x653 && r <= 0x655:
		// Madda and hamza above/below compose with alef, waw and yeh under
		// NFKC; what is left after NFKC is a diacritic.
		e := mkEntry(0, clsDrop, stepDiacritics)
		if o.KeepDiacritics {
			e = mkEntry(r, clsOther, 0)
		}
		return e | needNorm
	case isArabicDiacritic(r):
		if !o.KeepDiacritics {
			return mkEntry(0, clsDrop, stepDiacritics)
		}
		if nfkcInert(s, len(s)) {
			return mkEntry(r, clsOther, 0)
		}
		return mkEntry(r, clsOther, 0) | needNorm
	case r >= 0x660 && r <= 0x669, r >= 0x6F0 && r <= 0x6F9:
		if o.KeepDigits {
			return mkEntry(r, clsOther, 0)
		}
		return mkEntry('0'+(r&0xF), clsDigit, stepDigits)
	}
	var e entry
	m, step := letterMap(r, o)
	if step == 0 && !o.KeepCase && unicode.IsUpper(r) {
		if l := unicode.ToLower(r); l != r {
			m, step = l, stepLowercase
		}
	}
	e = mkEntry(m, classify(m), step) | flags
	if !nfkcInert(s, len(s)) {
		e |= needNorm
	}
	return e
}

// kurdishTable returns the shared table for Kurdish text, built once.
var kurdishTable = sync.OnceValue(func() *table { return buildTable(Options{}, true) })

// bigEntry computes the action for a rune outside the table. s starts with
// the rune, which is size bytes long.
func bigEntry(o *Options, kurdish bool, s string, r rune, size int) entry {
	if isInvisible(r) {
		if kurdish && r == 0x200C { // the zero-width non-joiner is part of Kurdish spelling
			return mkEntry(r, clsOther, 0)
		}
		return mkEntry(0, clsDrop, stepInvisible)
	}
	if r >= 0x2000 && r <= 0x3000 && isSpaceRune(r) {
		return mkEntry(' ', clsSpace, stepWhitespace)
	}
	if r == 0x2026 && !o.KeepElongation && !kurdish {
		// The ellipsis is "..." under NFKC, which the repeats rule makes ".".
		return mkEntry('.', clsSep, stepNFKC)
	}
	var e entry
	if !nfkcInert(s, size) {
		e = needNorm
	}
	if isArabicDiacritic(r) && !o.KeepDiacritics && !kurdish {
		return mkEntry(0, clsDrop, stepDiacritics)
	}
	if isEmoji(r) {
		return e | mkEntry(r, clsSym, 0)
	}
	if !kurdish && !o.KeepCase && unicode.IsUpper(r) {
		if l := unicode.ToLower(r); l != r {
			return e | mkEntry(l, classify(l), stepLowercase)
		}
	}
	return e | mkEntry(r, classify(r), 0)
}
