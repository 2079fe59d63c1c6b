package nlp

import (
	"unicode"
	"unicode/utf8"
)

// TokenKind says what a token is.
type TokenKind int

// Token kinds.
const (
	// Word is a run of letters, marks and digits that is not only digits.
	Word TokenKind = iota
	// Number is a run of digits, with inner . , : / between digits.
	Number
	// Hashtag is '#' followed by word characters and underscores.
	Hashtag
	// Mention is '@' followed by word characters and underscores.
	Mention
	// URL starts with http://, https:// or www. and runs to the next space.
	URL
	// Emoji is one pictograph or symbol, with any skin-tone modifier.
	Emoji
)

var kindNames = [...]string{"word", "number", "hashtag", "mention", "url", "emoji"}

// String returns the lower-case name of k.
func (k TokenKind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// Token is one token of normalised text with its byte range in that text.
type Token struct {
	// Text is s[Start:End].
	Text string
	// Kind is what the token is.
	Kind TokenKind
	// Start and End delimit the token in the tokenised text, in bytes.
	Start, End int
}

// Tokenize splits normalised text into words, numbers, hashtags, mentions,
// URLs and emoji. Punctuation and spaces separate tokens and are not tokens.
// Text that was not normalised tokenises too, less consistently.
func Tokenize(s string) []Token {
	toks := make([]Token, 0, len(s)/6+1)
	return appendTokens(toks, s)
}

func appendTokens(toks []Token, s string) []Token {
	for i := 0; i < len(s); {
		c := s[i]
		if c == ' ' {
			i++
			continue
		}
		r, size := rune(c), 1
		if c >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		start := i
		switch {
		case (c == 'h' || c == 'H' || c == 'w' || c == 'W') && (i == 0 || isSpaceRune(lastRune(s[:i]))) && verbatimLen(s[i:]) > 0:
			end := i + verbatimLen(s[i:])
			for end > i+4 && isTrailingURLPunct(s[end-1]) {
				end--
			}
			toks = append(toks, Token{s[i:end], URL, i, end})
			i = end
		case (c == '#' || c == '@') && i+1 < len(s) && isWordStart(s[i+1:]):
			end := i + 1
			for end < len(s) {
				r, w := decode(s[end:])
				if !isWordRune(r) && r != '_' {
					break
				}
				end += w
			}
			kind := Hashtag
			if c == '@' {
				kind = Mention
			}
			toks = append(toks, Token{s[i:end], kind, i, end})
			i = end
		case isWordRune(r):
			end := i + size
			digits := isDigitRune(r)
			for end < len(s) {
				r, w := decode(s[end:])
				if isWordRune(r) {
					digits = digits && isDigitRune(r)
					end += w
					continue
				}
				// inner separators of numbers: 3.5, 1,000, 10:30, 1/2
				if digits && (r == '.' || r == ',' || r == ':' || r == '/') && end+1 < len(s) && s[end+1] >= '0' && s[end+1] <= '9' {
					end++
					continue
				}
				break
			}
			kind := Word
			if digits {
				kind = Number
			}
			toks = append(toks, Token{s[start:end], kind, start, end})
			i = end
		case isEmoji(r):
			end := i + size
			for end < len(s) {
				r, w := decode(s[end:])
				if !isEmojiModifier(r) {
					break
				}
				end += w
			}
			toks = append(toks, Token{s[start:end], Emoji, start, end})
			i = end
		default:
			i += size
		}
	}
	return toks
}

func decode(s string) (rune, int) {
	if s[0] < utf8.RuneSelf {
		return rune(s[0]), 1
	}
	return utf8.DecodeRuneInString(s)
}

func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}

func isWordStart(s string) bool {
	r, _ := decode(s)
	return isWordRune(r) || r == '_'
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
	}
	if r >= 0x620 && r <= 0x64A {
		return true
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

func isDigitRune(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= '0' && r <= '9'
	}
	return unicode.IsDigit(r)
}

func isEmojiModifier(r rune) bool {
	return (r >= 0x1F3FB && r <= 0x1F3FF) || r == 0xFE0F || r == 0x20E3
}

func isTrailingURLPunct(c byte) bool {
	switch c {
	case '.', ',', ';', ':', '!', '?', ')', ']', '}', '\'', '"':
		return true
	}
	return false
}

// ModelTokens returns the tokens the models see: URLs become "<url>" and
// mentions "<user>"; everything else is the token text.
func ModelTokens(s string) []string {
	toks := Tokenize(s)
	return AppendModelTokens(make([]string, 0, len(toks)), toks)
}

// AppendModelTokens appends the model's view of toks (see ModelTokens) to
// dst and returns it.
func AppendModelTokens(dst []string, toks []Token) []string {
	for _, t := range toks {
		switch t.Kind {
		case URL:
			dst = append(dst, "<url>")
		case Mention:
			dst = append(dst, "<user>")
		default:
			dst = append(dst, t.Text)
		}
	}
	return dst
}
