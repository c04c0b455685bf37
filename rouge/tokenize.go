package rouge

import (
	"unicode"
	"unicode/utf8"

	"github.com/sophia-ai/sophia-eval/internal/pystr"
)

// Tokenizers.
const (
	// TokenizeDefault is rouge-score's tokenizer: Python's lowercase, then the
	// maximal runs of ASCII [a-z0-9]. Everything else separates tokens, so text in
	// other scripts has no tokens.
	TokenizeDefault = "default"
	// TokenizeUnicode keeps letters and digits of every script: a word is a maximal
	// run of letters, marks and digits, lowercased with Python's rules, except that
	// every Han, Hiragana, Katakana, Hangul syllable and Thai character is a token of
	// its own. Not rouge-score's: opt-in only.
	TokenizeUnicode = "unicode"
)

// appendTokensDefault appends the tokens of s to buf, one after another, and their end
// offsets in buf to ends.
//
// rouge-score lowercases with Python's str.lower and keeps [a-z0-9] runs. The only
// characters whose lowercase contains an ASCII letter or digit are A-Z, U+0130 (İ,
// lowercased to "i" and a combining dot, which separates) and U+212A (Kelvin sign,
// lowercased to "k").
func appendTokensDefault(buf []byte, ends []int32, s string) ([]byte, []int32) {
	in := false
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case 'a' <= c && c <= 'z' || '0' <= c && c <= '9':
				buf = append(buf, c)
				in = true
			case 'A' <= c && c <= 'Z':
				buf = append(buf, c+'a'-'A')
				in = true
			default:
				if in {
					ends = append(ends, int32(len(buf)))
					in = false
				}
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch r {
		case 0x212A: // KELVIN SIGN → k
			buf = append(buf, 'k')
			in = true
		case 0x0130: // İ → i + U+0307, which ends the token
			buf = append(buf, 'i')
			ends = append(ends, int32(len(buf)))
			in = false
		default:
			if in {
				ends = append(ends, int32(len(buf)))
				in = false
			}
		}
	}
	if in {
		ends = append(ends, int32(len(buf)))
	}
	return buf, ends
}

// appendTokensUnicode is TokenizeUnicode's appendTokensDefault: s is lowercased with
// Python's rules, words are maximal runs of letters, marks and digits, and each
// character of a script written without spaces is a token of its own.
func appendTokensUnicode(buf []byte, ends []int32, s string) ([]byte, []int32) {
	s = pystr.Lower(s)
	in := false
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' || '0' <= c && c <= '9' {
				buf = append(buf, c)
				in = true
			} else if in {
				ends = append(ends, int32(len(buf)))
				in = false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case isSingleCharToken(r):
			if in {
				ends = append(ends, int32(len(buf)))
			}
			buf = append(buf, s[i:i+size]...)
			ends = append(ends, int32(len(buf)))
			in = false
		case isWordRune(r):
			buf = append(buf, s[i:i+size]...)
			in = true
		default:
			if in {
				ends = append(ends, int32(len(buf)))
				in = false
			}
		}
		i += size
	}
	if in {
		ends = append(ends, int32(len(buf)))
	}
	return buf, ends
}

// isSingleCharToken reports whether r is written without spaces between words, so
// that the Unicode tokenizer makes each such character a token.
func isSingleCharToken(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Thai, unicode.Lao,
		unicode.Khmer, unicode.Myanmar) || (0xAC00 <= r && r <= 0xD7A3)
}

// isWordRune reports whether r belongs to a word for the Unicode tokenizer.
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsNumber(r) || unicode.Is(unicode.M, r)
}
