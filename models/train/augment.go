package train

import (
	"hash/fnv"
	"math/rand"
	"strings"
)

// AugmentRule describes the training-time augmentation for the model card.
const AugmentRule = "a share of the training items (chosen by a hash of the seed and the text, never a validation item) is added a second time, written in Arabizi by RenderArabizi (per word: varied Latin spellings, digits for ح ع خ ص ط ق ء, guessed short vowels, the article as el/al/il) or with spelling variants by RenderTypos (ظ/ض, ذ/د/ز, ث/ت/س, ص/س, ط/ت, ق/ك swaps, a dropped letter, a doubled one); copies keep their item's labels, share its out-of-fold fold and are never scored for thresholds"

// arabiziSpellings lists, per Arabic letter, the Latin spellings Arabizi
// writers use for it, the most common first.
var arabiziSpellings = map[rune][]string{
	'ب': {"b"}, 'ت': {"t"}, 'ث': {"th", "s", "t"}, 'ج': {"j", "g", "dj"}, 'ح': {"7", "h", "7"},
	'خ': {"5", "kh", "7'"}, 'د': {"d"}, 'ذ': {"th", "z", "dh", "d"}, 'ر': {"r"}, 'ز': {"z"},
	'س': {"s"}, 'ش': {"sh", "ch", "sh"}, 'ص': {"9", "s", "9"}, 'ض': {"d", "9'", "dh"}, 'ط': {"6", "t", "6"},
	'ظ': {"z", "th", "6'"}, 'ع': {"3"}, 'غ': {"gh", "3'", "8"}, 'ف': {"f"}, 'ق': {"q", "g", "2", "k"},
	'ك': {"k"}, 'ل': {"l"}, 'م': {"m"}, 'ن': {"n"}, 'ه': {"h"}, 'گ': {"g"}, 'چ': {"ch"}, 'پ': {"p"},
	'ڤ': {"v"}, 'ء': {"2", "'", ""}, 'أ': {"a", "2a", "e"}, 'إ': {"e", "i", "2e"}, 'آ': {"a", "aa"},
	'ؤ': {"2", "o"}, 'ئ': {"2", "e", "y"},
}

// shortVowels are the vowels a writer may put where Arabic writes none.
var shortVowels = []string{"a", "a", "e", "i", "o", "u", ""}

// RenderArabizi writes an Arabic text in Arabizi as people type it, with
// random but plausible choices per word (r makes them reproducible):
// digits or letter pairs for the letters Latin lacks, long vowels as one or
// two Latin vowels, short vowels guessed between consonants, ة as a/e/ah,
// the article as el/al/il (sometimes its own word). Words without Arabic
// letters are kept as they are.
func RenderArabizi(text string, r *rand.Rand) string {
	var b strings.Builder
	for i, w := range strings.Fields(text) {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(renderWord(w, r))
	}
	return b.String()
}

func renderWord(w string, r *rand.Rand) string {
	rs := []rune(w)
	arabic := false
	for _, c := range rs {
		if c >= 0x0600 && c <= 0x06FF {
			arabic = true
			break
		}
	}
	if !arabic {
		return w
	}
	var b strings.Builder
	if len(rs) > 3 && rs[0] == 'ا' && rs[1] == 'ل' {
		b.WriteString([]string{"el", "al", "il", "el-", "el "}[r.Intn(5)])
		rs = rs[2:]
	}
	vowelled := r.Float64() < 0.7 // some writers guess short vowels, some skip them
	prevCons := false
	for i, c := range rs {
		last := i == len(rs)-1
		var out string
		isVowel := false
		switch c {
		case 'ا':
			isVowel = true
			out = []string{"a", "a", "aa", "e"}[r.Intn(4)]
			if i == 0 {
				out = []string{"a", "e", "i"}[r.Intn(3)]
			}
		case 'و':
			if i == 0 || !prevCons {
				out = "w"
			} else {
				isVowel = true
				out = []string{"o", "u", "oo", "ou", "w"}[r.Intn(5)]
			}
		case 'ي', 'ى':
			switch {
			case i == 0:
				out = "y"
			case last:
				isVowel = true
				out = []string{"i", "y", "ee", "a"}[r.Intn(4)]
				if c == 'ى' {
					out = "a"
				}
			default:
				isVowel = true
				out = []string{"i", "ee", "y", "ei"}[r.Intn(4)]
			}
		case 'ة':
			isVowel = true
			out = []string{"a", "a", "e", "ah", "eh"}[r.Intn(5)]
		case 'ـ', 'ً', 'ٌ', 'ٍ', 'َ', 'ُ', 'ِ', 'ّ', 'ْ':
			continue
		case '،':
			out = ","
		case '؟':
			out = "?"
		case '؛':
			out = ";"
		default:
			sp, ok := arabiziSpellings[c]
			if !ok {
				b.WriteRune(c)
				prevCons = false
				continue
			}
			out = sp[r.Intn(len(sp))]
		}
		if !isVowel && prevCons && vowelled && out != "" {
			b.WriteString(shortVowels[r.Intn(len(shortVowels))])
		}
		b.WriteString(out)
		prevCons = !isVowel && out != "" && out != "," && out != "?" && out != ";"
	}
	return b.String()
}

// typoSwaps are the letters Iraqi and Gulf writers swap for one another.
var typoSwaps = map[rune][]rune{
	'ظ': {'ض'}, 'ض': {'ظ'}, 'ذ': {'د', 'ز'}, 'ث': {'ت', 'س'}, 'ص': {'س'}, 'ط': {'ت'}, 'ق': {'ك', 'گ'},
	'ك': {'چ'}, 'ة': {'ه'}, 'ى': {'ي'}, 'أ': {'ا'}, 'إ': {'ا'},
}

// RenderTypos writes text with the spelling variants people type: per
// word, swapped look-alike or sound-alike letters, now and then a dropped
// or doubled letter (r makes the choices reproducible).
func RenderTypos(text string, r *rand.Rand) string {
	words := strings.Fields(text)
	for i, w := range words {
		rs := []rune(w)
		changed := false
		for j, c := range rs {
			if alts, ok := typoSwaps[c]; ok && r.Float64() < 0.5 {
				rs[j] = alts[r.Intn(len(alts))]
				changed = true
			}
		}
		if !changed && len(rs) > 4 && r.Float64() < 0.15 {
			j := 1 + r.Intn(len(rs)-2)
			if r.Intn(2) == 0 {
				rs = append(rs[:j], rs[j+1:]...)
			} else {
				rs = append(rs[:j+1], rs[j:]...)
			}
		}
		words[i] = string(rs)
	}
	return strings.Join(words, " ")
}

// Renderers are the renderings by name, as `rasd eval --render` names them.
var Renderers = map[string]func(text string, r *rand.Rand) string{"arabizi": RenderArabizi, "typos": RenderTypos}

// augmentRenderers are the renderings augment uses, in the order of its shares.
// The third, SwapIdentity, applies only to the items that name a group.
var augmentRenderers = [...]func(string, *rand.Rand) string{RenderArabizi, RenderTypos, SwapIdentity}

// identityKind is SwapIdentity's index in augmentRenderers.
const identityKind = 2

// augment appends the augmented copies of training items to items and
// srcs, and returns, per item, the index of the item it copies (-1 for
// the items read from the files).
func augment(items []Item, srcs []int, validFrom int, cfg Config) ([]Item, []int, []int) {
	origin := make([]int, len(items))
	for i := range origin {
		origin[i] = -1
	}
	shares := [len(augmentRenderers)]float64{cfg.AugmentArabizi, cfg.AugmentTypos, cfg.AugmentIdentity}
	if shares == [len(augmentRenderers)]float64{} {
		return items, srcs, origin
	}
	n := len(items)
	for i := range n {
		it := items[i]
		if srcs[i] >= validFrom || InValidation(it.Text, cfg.ValidPercent) {
			continue
		}
		for kind, share := range shares {
			if share <= 0 || pick(cfg.Seed, kind, it.Text) >= share {
				continue
			}
			if kind == identityKind && !NamesIdentity(it.Text) {
				continue
			}
			r := rand.New(rand.NewSource(cfg.Seed*7919 + int64(i)*2 + int64(kind)))
			text := augmentRenderers[kind](it.Text, r)
			if text == it.Text {
				continue
			}
			items = append(items, Item{Text: text, Labels: it.Labels, Annotates: it.Annotates})
			srcs = append(srcs, srcs[i])
			origin = append(origin, i)
		}
	}
	return items, srcs, origin
}

// pick maps (seed, kind, text) to a number in [0, 1).
func pick(seed int64, kind int, text string) float64 {
	h := fnv.New64a()
	var b [9]byte
	for i := range 8 {
		b[i] = byte(seed >> (8 * i))
	}
	b[8] = byte(kind)
	h.Write(b[:])
	h.Write([]byte(text))
	return float64(h.Sum64()>>11) / (1 << 53)
}
