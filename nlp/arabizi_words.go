package nlp

import (
	"bufio"
	_ "embed"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// arabiziWordsFile is the word list that guides the reading of Arabizi
// posts (data/arabizi-words.txt: one normalised Arabic word and its count
// per line, sorted; see data/README.md for its sources).
//
//go:embed data/arabizi-words.txt
var arabiziWordsFile string

// wordList is a sorted list of normalised Arabic words with their counts.
type wordList struct {
	words  []string
	counts []uint32
}

// arabiziWords is the parsed word list, read on first use.
var arabiziWords = sync.OnceValue(func() *wordList { return parseWordList(arabiziWordsFile) })

// parseWordList reads "word count" lines; malformed lines are skipped (the
// list is embedded and checked by TestArabiziWordsCurrent).
func parseWordList(s string) *wordList {
	wl := &wordList{}
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		w, c, ok := strings.Cut(sc.Text(), " ")
		n, err := strconv.ParseUint(c, 10, 32)
		if !ok || err != nil || w == "" {
			continue
		}
		wl.words = append(wl.words, w)
		wl.counts = append(wl.counts, uint32(n))
	}
	if !sort.StringsAreSorted(wl.words) {
		sort.Sort(byWord{wl})
	}
	return wl
}

type byWord struct{ *wordList }

func (b byWord) Len() int           { return len(b.words) }
func (b byWord) Less(i, j int) bool { return b.words[i] < b.words[j] }
func (b byWord) Swap(i, j int) {
	b.words[i], b.words[j] = b.words[j], b.words[i]
	b.counts[i], b.counts[j] = b.counts[j], b.counts[i]
}

// find returns the index of the first word >= p.
func (wl *wordList) find(p string) int { return sort.SearchStrings(wl.words, p) }

// hasPrefix reports whether some word of the list starts with p.
func (wl *wordList) hasPrefix(p string) bool {
	i := wl.find(p)
	return i < len(wl.words) && strings.HasPrefix(wl.words[i], p)
}

// count returns the count of word w (0 when it is not listed).
func (wl *wordList) count(w string) uint32 {
	i := wl.find(w)
	if i < len(wl.words) && wl.words[i] == w {
		return wl.counts[i]
	}
	return 0
}

// WordCount returns how often the normalised Arabic word w is written in
// the texts the Arabizi word list is built from (data/README.md): 0 for a
// word never seen there. A word seen a few times is a word of the language;
// a misspelling seldom is.
func WordCount(w string) uint32 { return arabiziWords().count(w) }

// azSpelling is one Arabic spelling of a Latin unit of an Arabizi word, in
// normalised letters ("" for a vowel Arabic leaves unwritten), with its
// cost: 0 for the usual reading, more for a rarer one.
type azSpelling struct {
	ar   string
	cost float64
}

// Spellings a Latin unit of an Arabizi word may stand for.
var (
	azSingle = func() (t [256][]azSpelling) {
		for c, ss := range map[byte]string{
			'b': "ب", 't': "ت ط", 'd': "د ض", 's': "س ص", 'z': "ز ظ ذ", 'k': "ك ق", 'q': "ق ك", 'g': "ق ج غ",
			'j': "ج", 'h': "ه ح", 'f': "ف", 'l': "ل", 'm': "م", 'n': "ن", 'r': "ر", 'w': "و", 'y': "ي",
			'v': "ف", 'p': "ب", 'c': "ك س", 'x': "ك", '7': "ح", '3': "ع", '5': "خ", '6': "ط", '9': "ص ق",
			'8': "غ ق", '2': "ء ا ق ئ ؤ",
		} {
			for j, a := range strings.Fields(ss) {
				t[c] = append(t[c], azSpelling{a, min(float64(j), 1)})
			}
		}
		t['a'] = []azSpelling{{"", 0}, {"ا", 0.5}}
		t['e'] = []azSpelling{{"", 0}, {"ي", 0.7}, {"ا", 1}}
		t['i'] = []azSpelling{{"", 0.3}, {"ي", 0.3}, {"ا", 1}}
		t['o'] = []azSpelling{{"", 0.3}, {"و", 0.3}}
		t['u'] = t['o']
		t['-'] = []azSpelling{{"", 0}} // after the article; an apostrophe is read only with its digit
		return t
	}()
	// azFinal are the readings of a vowel that ends a word.
	azFinal = [256][]azSpelling{
		'a': {{"ه", 0.3}, {"ا", 0.3}, {"", 0.5}, {"ي", 1}},
		'e': {{"ه", 0.3}, {"ي", 0.5}, {"", 0.5}, {"ا", 1}},
		'i': {{"ي", 0}, {"", 1}},
		'o': {{"و", 0}, {"", 1}},
		'u': {{"و", 0}, {"", 1}},
	}
	// azInitial are the readings of a vowel that starts a word.
	azInitial = [256][]azSpelling{
		'a': {{"ا", 0}, {"ع", 1}},
		'e': {{"ا", 0}, {"ع", 1}},
		'i': {{"ا", 0}, {"ع", 1}},
		'o': {{"ا", 0.3}, {"و", 0.5}, {"ع", 1}},
		'u': {{"ا", 0.3}, {"و", 0.5}, {"ع", 1}},
	}
	azDigraph = map[string][]azSpelling{
		"sh": {{"ش", 0}}, "kh": {{"خ", 0}}, "gh": {{"غ", 0}}, "th": {{"ث", 0}, {"ذ", 0.5}, {"ظ", 1}},
		"dh": {{"ذ", 0}, {"ض", 0.5}, {"ظ", 1}}, "ch": {{"ك", 0}, {"ش", 0.5}},
		"7'": {{"خ", 0}}, "3'": {{"غ", 0}}, "9'": {{"ض", 0}}, "6'": {{"ظ", 0}},
		"aa": {{"ا", 0}}, "ee": {{"ي", 0}}, "ii": {{"ي", 0}}, "oo": {{"و", 0}}, "ou": {{"و", 0}}, "uu": {{"و", 0}},
	}
	// azClitics are the prefixes written joined to a word (و ب ل ف ك, the
	// article and their combinations): a reading may be one of them
	// followed by a listed word.
	azClitics = []string{"و", "ب", "ل", "ف", "ك", "ع", "ال", "وال", "بال", "لل", "ولل", "فال", "كال", "عال", "وب", "ول", "وف", "فب", "فل"}
)

// azCostWeight is how many log counts one unit of spelling cost is worth.
const azCostWeight = 1.5

// Bounds on the search, so that a long or hostile post costs little more
// than the rules: a word longer than azMaxLetters letters, and every word
// after a post has spent azPostStates search states, is spelt by the rules;
// one word's search stops after azMaxStates states.
const (
	azMaxLetters = 20
	azMaxStates  = 512
	azPostStates = 16384
)

// azCliticPenalty is how much a reading that splits off a clitic loses
// against a listed word read whole, in log counts.
const azCliticPenalty = 1.0

// vocabularyReading reads a lower-case Arabizi word k (letters, Arabizi
// digits, an apostrophe after a digit, a hyphen after the article) as the
// most frequent listed word (or clitic and listed word) it can spell; after
// is the article written apart before it ("el qada"), in Arabic letters,
// which the listed word then starts with when one fits. It appends the
// reading to out and, per rune, the index in k of the letter it came from
// to src; every rune consumes at least one letter, so src[j] >= j. ok is
// false when no listed word fits.
//
// budget is what is left of the post's search states (azPostStates); the
// search spends from it and reads nothing once it is spent.
func vocabularyReading(k []byte, after string, budget *int, out []rune, src []int32) ([]rune, []int32, bool) {
	wl := arabiziWords()
	if len(wl.words) == 0 || len(k) == 0 || len(k) > azMaxLetters {
		return out, src, false
	}
	if after != "" {
		if r, s, ok := vocabularySearch(wl, k, after, budget); ok {
			return append(out, r...), append(src, s...), true
		}
	}
	r, s, ok := vocabularySearch(wl, k, "", budget)
	return append(out, r...), append(src, s...), ok
}

// vocabularySearch is vocabularyReading's search: with after set, the word
// must start with it and only the letters after it are returned; without,
// a clitic may precede a listed word.
func vocabularySearch(wl *wordList, k []byte, after string, budget *int) ([]rune, []int32, bool) {
	type state struct {
		i      int    // letters consumed
		clitic string // clitic prefix chosen ("" when none)
		// spelling is set while the clitic itself is being spelt: body is
		// then the part of it spelt so far.
		spelling bool
		body     string  // the listed word's part so far
		srcs     []int32 // per rune of clitic+body, the letter it came from
		cost     float64 // the spellings' costs so far
	}
	type key struct {
		i            int
		clitic, body string
		spelling     bool
	}
	seen := make(map[key]float64)
	best, bestScore, bestSrc := "", math.Inf(-1), []int32(nil)
	// Each position's readings are listed once, and each prefix looked up
	// in the list once.
	opts := make([][]azOption, len(k))
	for i := range k {
		opts[i] = azOptions(k, i)
	}
	prefixes := map[string]bool{}
	listed := func(p string) bool {
		ok, seen := prefixes[p]
		if !seen {
			ok = wl.hasPrefix(p)
			prefixes[p] = ok
		}
		return ok
	}
	stack := []state{{body: after}}
	if after == "" {
		for _, c := range azClitics {
			for _, o := range opts[0] { // a clitic the first letter can spell
				if o.ar != "" && strings.HasPrefix(c, o.ar) {
					stack = append(stack, state{clitic: c, spelling: true})
					break
				}
			}
		}
	}
	n := 0
	defer func() { *budget -= n }()
	for len(stack) > 0 && n < azMaxStates && n < *budget {
		s := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		kk := key{s.i, s.clitic, s.body, s.spelling}
		if c, ok := seen[kk]; ok && c <= s.cost {
			continue
		}
		seen[kk] = s.cost
		n++
		if s.spelling && s.body == s.clitic { // the clitic is spelt: the word begins
			s = state{i: s.i, clitic: s.clitic, srcs: s.srcs, cost: s.cost}
		}
		if s.i == len(k) {
			if s.spelling || len(s.body) == len(after) {
				continue
			}
			if c := wl.count(s.body); c > 0 {
				score := math.Log1p(float64(c)) - azCostWeight*s.cost
				if s.clitic != "" {
					score -= azCliticPenalty
				}
				w := s.clitic + s.body
				if score > bestScore || (score == bestScore && w < best) {
					best, bestScore, bestSrc = w, score, s.srcs
				}
			}
			continue
		}
		for _, o := range opts[s.i] {
			body := s.body + o.ar
			if s.spelling {
				if !strings.HasPrefix(s.clitic, body) {
					continue
				}
			} else if o.ar != "" && !listed(body) {
				continue
			}
			srcs := s.srcs
			if o.ar != "" {
				srcs = append(srcs[:len(srcs):len(srcs)], int32(s.i))
				if len(srcs) > s.i+1 { // never more runes than letters read
					continue
				}
			}
			stack = append(stack, state{i: s.i + o.w, clitic: s.clitic, spelling: s.spelling, body: body, srcs: srcs, cost: s.cost + o.cost})
		}
	}
	if best == "" {
		return nil, nil, false
	}
	return []rune(best[len(after):]), bestSrc, true
}

// azOption is one way to read the Latin unit at a position: it consumes w
// letters and spells ar at a cost.
type azOption struct {
	w int
	azSpelling
}

// azOptions lists the readings of the unit of k starting at i.
func azOptions(k []byte, i int) []azOption {
	var res []azOption
	c := k[i]
	if i+1 < len(k) {
		for _, d := range azDigraph[string(k[i:i+2])] {
			res = append(res, azOption{2, d})
		}
	}
	ss := azSingle[c]
	switch {
	case i == 0 && azInitial[c] != nil:
		ss = azInitial[c]
	case i == len(k)-1 && azFinal[c] != nil:
		ss = azFinal[c]
	case i > 0 && k[i-1] == c && azFinal[c] == nil:
		res = append(res, azOption{1, azSpelling{"", 0}}) // a doubled consonant is written once
	}
	for _, s := range ss {
		res = append(res, azOption{1, s})
	}
	return res
}
