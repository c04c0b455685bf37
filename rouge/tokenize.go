package rouge

import (
	"encoding/binary"
	"math/bits"
	"slices"
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

// Tokenizers append the tokens of a text to a byte buffer and their positions to spans:
// token k is buf[spans[2k]:spans[2k+1]]. Bytes between tokens may hold separators.

// appendTokensDefault is rouge-score's tokenizer.
//
// rouge-score lowercases with Python's str.lower and keeps [a-z0-9] runs. The only
// characters whose lowercase contains an ASCII letter or digit are A-Z, U+0130 (İ,
// lowercased to "i" and a combining dot, which separates) and U+212A (Kelvin sign,
// lowercased to "k").
//
// Eight ASCII bytes at a time are lowercased and classified with word operations, and
// the token boundaries read off the class bits, so that there is no branch per byte;
// other bytes go one rune at a time.
func appendTokensDefault(buf []byte, spans []int32, s string) ([]byte, []int32) {
	// The output is never longer than s (plus room for one word past the end).
	n := len(buf)
	buf = slices.Grow(buf, len(s)+8)[:n+len(s)+8]
	in := false // the byte written last is a token byte
	start := 0  // where the current token starts in buf
	i := 0
	for i < len(s) {
		if i+8 <= len(s) {
			x := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
				uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
			if x&highBits == 0 {
				upper := inRange(x, 'A', 'Z')
				tok := upper | inRange(x, 'a', 'z') | inRange(x, '0', '9')
				binary.LittleEndian.PutUint64(buf[n:], x|upper>>2)
				m := movemask(tok)
				prev := m<<1 | b2u(in)
				edges := (m ^ prev) & 0xFF // a token starts or ends at these bytes
				for edges != 0 {
					k := bits.TrailingZeros64(edges)
					edges &= edges - 1
					if m>>uint(k)&1 != 0 {
						start = n + k
					} else {
						spans = append(spans, int32(start), int32(n+k))
					}
				}
				in = m>>7 != 0
				n += 8
				i += 8
				continue
			}
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if v := tokenByte[c]; v != 0 {
				if !in {
					start, in = n, true
				}
				buf[n] = v
				n++
			} else if in {
				spans = append(spans, int32(start), int32(n))
				in = false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch r {
		case 0x212A: // KELVIN SIGN → k
			if !in {
				start, in = n, true
			}
			buf[n] = 'k'
			n++
		case 0x0130: // İ → i + U+0307, which ends the token
			if !in {
				start = n
			}
			buf[n] = 'i'
			n++
			spans = append(spans, int32(start), int32(n))
			in = false
		default:
			if in {
				spans = append(spans, int32(start), int32(n))
				in = false
			}
		}
	}
	if in {
		spans = append(spans, int32(start), int32(n))
	}
	return buf[:n], spans
}

const (
	lowBits  = 0x0101010101010101
	highBits = 0x8080808080808080
)

// inRange returns the high bit of every byte of x in [lo, hi], for x of ASCII bytes:
// adding 0x80-lo sets a byte's high bit when it is ≥ lo, adding 0x7f-hi when it is
// > hi, and no sum carries into the next byte.
func inRange(x uint64, lo, hi byte) uint64 {
	return (x + lowBits*uint64(0x80-lo)) &^ (x + lowBits*uint64(0x7f-hi)) & highBits
}

// movemask gathers the high bits of the 8 bytes of x into the low 8 bits, byte k to
// bit k.
func movemask(x uint64) uint64 {
	return (x & highBits) * 0x0002040810204081 >> 56
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// tokenByte maps an ASCII byte to its lowercase when it belongs to a token ([A-Za-z0-9])
// and to 0 when it separates tokens.
var tokenByte = func() (t [utf8.RuneSelf]byte) {
	for c := byte('0'); c <= '9'; c++ {
		t[c] = c
	}
	for c := byte('a'); c <= 'z'; c++ {
		t[c] = c
		t[c-'a'+'A'] = c
	}
	return t
}()

// appendTokensUnicode is TokenizeUnicode's tokenizer: s is lowercased with Python's
// rules, words are maximal runs of letters, marks and digits, and each character of a
// script written without spaces is a token of its own.
func appendTokensUnicode(buf []byte, spans []int32, s string) ([]byte, []int32) {
	s = pystr.Lower(s)
	in := false
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' || '0' <= c && c <= '9' {
				if !in {
					start, in = len(buf), true
				}
				buf = append(buf, c)
			} else if in {
				spans = append(spans, int32(start), int32(len(buf)))
				in = false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case isSingleCharToken(r):
			if in {
				spans = append(spans, int32(start), int32(len(buf)))
				in = false
			}
			spans = append(spans, int32(len(buf)))
			buf = append(buf, s[i:i+size]...)
			spans = append(spans, int32(len(buf)))
		case isWordRune(r):
			if !in {
				start, in = len(buf), true
			}
			buf = append(buf, s[i:i+size]...)
		default:
			if in {
				spans = append(spans, int32(start), int32(len(buf)))
				in = false
			}
		}
		i += size
	}
	if in {
		spans = append(spans, int32(start), int32(len(buf)))
	}
	return buf, spans
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
