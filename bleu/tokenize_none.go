package bleu

import (
	"unicode/utf8"

	"github.com/sophia-ai/sophia-eval/internal/pystr"
)

// tokNone is sacreBLEU's "none" tokenizer: the segment split on whitespace.
type tokNone struct{}

func (tokNone) Name() string { return "none" }

func (tokNone) Append(dst []byte, s string) []byte { return appendFields(dst, s) }

// Byte classes of appendFields.
const (
	fGlue   uint8 = iota
	fBlank        // ' '
	fSpace        // ASCII whitespace other than ' '
	fDecode       // lead byte of a code point that may be whitespace
)

var fieldClass = func() *[256]uint8 {
	var t [256]uint8
	for c := 0; c < 256; c++ {
		switch {
		case c == ' ':
			t[c] = fBlank
		case pystr.IsSpaceByte(byte(c)):
			t[c] = fSpace
		case pystr.MaybeSpaceLead(byte(c)):
			t[c] = fDecode
		}
	}
	return &t
}()

// appendFields appends the fields of s, split on runs of Python whitespace, separated by
// single spaces: Python's " ".join(s.split()).
func appendFields(dst []byte, s string) []byte {
	start := len(dst)
	sep := false
	for i := 0; i < len(s); {
		switch fieldClass[s[i]] {
		case fBlank, fSpace:
			sep = true
			i++
			continue
		case fDecode:
			if r, size := utf8.DecodeRuneInString(s[i:]); pystr.IsSpace(r) {
				sep = true
				i += size
				continue
			}
		}
		j := spanEnd(fieldClass, s, i)
		dst, sep = appendSpan(dst, start, sep, s[i:j])
		i = j
	}
	return dst
}
