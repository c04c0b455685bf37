package bleu

import (
	"unicode/utf8"

	"github.com/sophia-ai/sophia-eval/internal/pystr"
)

// tokChar is sacreBLEU's "char" tokenizer: every code point that is not whitespace is a
// token (code points, not grapheme clusters: combining marks, ZWJ and variation selectors
// are tokens of their own).
type tokChar struct{}

func (tokChar) Name() string { return "char" }

func (tokChar) Append(dst []byte, s string) []byte {
	start := len(dst)
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if !pystr.IsSpaceByte(c) {
				if len(dst) > start {
					dst = append(dst, ' ')
				}
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if !pystr.IsSpace(r) {
			if len(dst) > start {
				dst = append(dst, ' ')
			}
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return dst
}
