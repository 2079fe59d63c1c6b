package nlp

import (
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// unit is one rune of the text being built, with the byte offset in the
// original text of the character that produced it. A negative rune marks a
// unit deleted by a word-level pass.
type unit struct {
	r   rune
	off int32
}

// word is a whitespace-delimited run of units, recorded while decoding so
// that the word-level passes only look at the words that need them.
type word struct {
	start, end int32
	mask       uint16
	nAr        uint16
}

// Word mask bits: one per rune class, plus flags.
const (
	mAr        = 1 << clsAr
	mLatin     = 1 << clsLatin
	mDigit     = 1 << clsDigit
	mSep       = 1 << clsSep
	mPunct     = 1 << clsPunct
	mSym       = 1 << clsSym
	mOther     = 1 << clsOther
	mHash      = 1 << clsHash
	mAt        = 1 << clsAt
	mKurd      = 1 << 11 // contains a Sorani-only letter
	mVerbatim  = 1 << 12 // URL or mention: copied as is
	mHashStart = 1 << 13 // starts with '#'
	mArabizi   = 1 << 14 // transliterated from Arabizi
)

// state is the scratch space of one normalisation; it is pooled.
type state struct {
	units   []unit
	words   []word
	buf     []byte
	offs    []int
	nfkc    []byte
	nfkcOff []int32
	scratch []byte
	runes   []rune
	srcs    []int32
	steps   uint32
	all     uint16 // OR of all word masks
	kurdish bool
}

var statePool = sync.Pool{New: func() any { return new(state) }}

func getState() *state {
	st := statePool.Get().(*state)
	st.steps, st.all, st.kurdish = 0, 0, false
	return st
}

// maxPooled bounds the buffers kept in the pool so that one huge input does
// not pin its memory for ever.
const maxPooled = 1 << 20

func putState(st *state) {
	if cap(st.units) > maxPooled || cap(st.buf) > maxPooled || cap(st.offs) > maxPooled || cap(st.nfkc) > maxPooled {
		return
	}
	statePool.Put(st)
}

// run normalises s into st.units and st.words.
func (n *Normalizer) run(st *state, s string) {
	n.decodeAll(st, s, n.tab, false)
	if st.all&mKurd != 0 && isKurdishText(st.words) {
		st.steps = 0
		n.decodeAll(st, s, n.kurd, true)
		st.kurdish = true
		st.steps |= 1 << stepKurdish
		return
	}
	n.wordPass(st, s)
}

// isKurdishText decides from the recorded words whether a text is Kurdish:
// at least a quarter of its Arabic-script words contain a Sorani-only letter.
func isKurdishText(words []word) bool {
	var ar, kurd int
	for _, w := range words {
		if w.mask&mAr != 0 {
			ar++
			if w.mask&mKurd != 0 {
				kurd++
			}
		}
	}
	return kurd > 0 && kurd*4 >= ar
}

// decodeAll decodes s into units, applying NFKC first when the fast path
// finds a rune that needs it.
func (n *Normalizer) decodeAll(st *state, s string, tab *table, kurd bool) {
	if n.decode(st, s, tab, kurd, false) {
		return
	}
	ns := st.toNFKC(s)
	if ns != s {
		st.steps |= 1 << stepNFKC
	}
	n.decode(st, ns, tab, kurd, true)
	for i := range st.units {
		st.units[i].off = st.nfkcOff[st.units[i].off]
	}
}

// toNFKC returns the NFKC form of s and fills st.nfkcOff with, for each byte
// of the result, the offset in s of the segment that produced it.
func (st *state) toNFKC(s string) string {
	buf := st.nfkc[:0]
	offs := st.nfkcOff[:0]
	var it norm.Iter
	it.InitString(norm.NFKC, s)
	for !it.Done() {
		start := it.Pos()
		seg := it.Next()
		buf = append(buf, seg...)
		for range seg {
			offs = append(offs, int32(start))
		}
	}
	st.nfkc, st.nfkcOff = buf, offs
	return string(buf)
}

// decode is the hot loop: one pass over the runes of s with one table lookup
// each, dropping, mapping and collapsing, and recording word boundaries. It
// returns false, having done nothing useful, when a rune needs NFKC and
// normalized is false.
func (n *Normalizer) decode(st *state, s string, tab *table, kurd, normalized bool) bool {
	u := st.units[:0]
	words := st.words[:0]
	var steps uint32
	var all uint16
	keepElong := n.opts.KeepElongation || kurd
	last := rune(' ')
	run := 0
	var wmask uint16
	var wAr uint16
	wstart := 0
	for i := 0; i < len(s); {
		c := s[i]
		var r rune
		size := 1
		var e entry
		if c < utf8.RuneSelf {
			e = tab[c]
			if last == ' ' && (c == 'h' || c == 'H' || c == 'w' || c == 'W' || c == '@') {
				if k := verbatimLen(s[i:]); k > 0 {
					u = appendVerbatim(u, s[i:i+k], i, c == '@' && !kurd)
					wmask |= mVerbatim | mLatin
					last = 0
					i += k
					continue
				}
			}
		} else {
			r, size = utf8.DecodeRuneInString(s[i:])
			switch {
			case size == 1:
				e = mkEntry(utf8.RuneError, clsSym, stepRepair)
			case r < tabSize:
				e = tab[r]
			default:
				e = bigEntry(&n.opts, kurd, s[i:], r, size)
			}
			if e&needNorm != 0 && !normalized {
				st.units, st.words = u, words
				return false
			}
		}
		cls := e.cls()
		if cls == clsDrop {
			steps |= 1 << e.step()
			i += size
			continue
		}
		m := e.r()
		if m == last {
			if cls == clsSpace {
				steps |= 1 << stepWhitespace
				i += size
				continue
			}
			run++
			if !keepElong {
				switch cls {
				case clsAr:
					if run >= 3 {
						if run == 3 {
							u = u[:len(u)-1]
							wAr--
						}
						steps |= 1 << stepElongation
						i += size
						continue
					}
				case clsLatin:
					if run >= 3 {
						steps |= 1 << stepElongation
						i += size
						continue
					}
				case clsPunct, clsSym, clsSep:
					steps |= 1 << stepRepeats
					i += size
					continue
				}
			}
		} else {
			last = m
			run = 1
		}
		steps |= 1 << e.step()
		if cls == clsSpace {
			words = append(words, word{start: int32(wstart), end: int32(len(u)), mask: wmask, nAr: wAr})
			all |= wmask
			wmask, wAr = 0, 0
			u = append(u, unit{' ', int32(i)})
			wstart = len(u)
			i += size
			continue
		}
		if cls == clsHash && len(u) == wstart {
			wmask |= mHashStart
		}
		wmask |= 1 << cls
		if e&kurdishBit != 0 {
			wmask |= mKurd
		}
		if cls == clsAr {
			wAr++
		}
		u = append(u, unit{m, int32(i)})
		i += size
	}
	if len(u) > wstart {
		words = append(words, word{start: int32(wstart), end: int32(len(u)), mask: wmask, nAr: wAr})
		all |= wmask
	} else if len(u) > 0 {
		u = u[:len(u)-1] // trailing space
		steps |= 1 << stepWhitespace
	}
	st.units, st.words = u, words
	st.steps |= steps &^ 1
	st.all |= all
	return true
}

// verbatimLen returns the length of the URL or mention at the start of s, or 0.
func verbatimLen(s string) int {
	if s[0] == '@' {
		k := 1
		for k < len(s) && isHandleByte(s[k]) {
			k++
		}
		if k == 1 {
			return 0
		}
		return k
	}
	if !hasPrefixFold(s, "http://") && !hasPrefixFold(s, "https://") && !hasPrefixFold(s, "www.") {
		return 0
	}
	k := 0
	for k < len(s) {
		r, size := utf8.DecodeRuneInString(s[k:])
		if isSpaceRune(r) {
			break
		}
		k += size
	}
	return k
}

func isHandleByte(c byte) bool {
	return c == '_' || (c >= '0' && c <= '9') || (c|0x20 >= 'a' && c|0x20 <= 'z')
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// appendVerbatim appends a URL or mention unchanged but for invisible
// characters, invalid bytes (repaired) and, for mentions, ASCII case.
func appendVerbatim(u []unit, s string, base int, lower bool) []unit {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if isInvisible(r) {
			i += size
			continue
		}
		if lower && r >= 'A' && r <= 'Z' {
			r += 'a' - 'A'
		}
		u = append(u, unit{r, int32(base + i)})
		i += size
	}
	return u
}

// encode writes the units as UTF-8, skipping deleted units and collapsing the
// spaces that deletions leave, and fills st.offs when withOffs is set.
func (n *Normalizer) encode(st *state, s string, withOffs bool) string {
	buf := st.buf[:0]
	offs := st.offs[:0]
	lastSpace := true
	for _, x := range st.units {
		if x.r < utf8.RuneSelf {
			if x.r < 0 {
				continue
			}
			if x.r == ' ' {
				if lastSpace {
					continue
				}
				lastSpace = true
			} else {
				lastSpace = false
			}
			buf = append(buf, byte(x.r))
			if withOffs {
				offs = append(offs, int(x.off))
			}
			continue
		}
		lastSpace = false
		k := len(buf)
		buf = utf8.AppendRune(buf, x.r)
		if withOffs {
			for ; k < len(buf); k++ {
				offs = append(offs, int(x.off))
			}
		}
	}
	if len(buf) > 0 && buf[len(buf)-1] == ' ' {
		buf = buf[:len(buf)-1]
		if withOffs {
			offs = offs[:len(offs)-1]
		}
	}
	if withOffs {
		offs = append(offs, len(s))
	}
	st.buf, st.offs = buf, offs
	return string(buf)
}
