package bleu

import (
	"unicode/utf8"

	"github.com/sophia-ai/sophia-eval/internal/pystr"
)

// This file holds the scanner shared by the 13a and zh tokenizers: sacreBLEU's
// TokenizerRegexp ("post-tokenizer"), four regex substitutions applied one after another
// and followed by a split on whitespace:
//
//	4a  pad every character of ` !"#$%&()*+/:;<=>?@[\]^_{|}~` and the backquote
//	4b  ([^0-9])([.,])  ->  "\1 \2 "
//	4c  ([.,])([^0-9])  ->  " \1 \2"
//	4d  ([0-9])(-)      ->  "\1 \2 "
//	4e  " ".join(line.split())
//
// Each substitution is a leftmost, non-overlapping scan, and each sees the spaces that the
// ones before it inserted, so the result is not a simple per-character rule. Since the
// passes only insert spaces, the output is fixed by which boundaries between the input's
// characters end up with a space. Working that out pass by pass gives a one-pass rule:
//
//   - 4a characters are tokens of their own.
//   - A digit followed by '-' is split from it, and so is what follows the '-' (4d only
//     looks at a digit and a '-' that are adjacent in the input: no earlier pass inserts a
//     space between them).
//   - A maximal run p1..pL of '.' and ',' is preceded by X (or by nothing) and followed by
//     Y (or by nothing). 4b pairs (X, p1), (p2, p3), ... when X is a non-digit, and
//     (p1, p2), (p3, p4), ... when X is a digit or absent; every pair is split and followed
//     by a space. So for L >= 2 every p is a token of its own, and pL is followed by a space
//     from 4b exactly when it is the second of a pair ("lastSecond"). 4c then splits every
//     p that is followed (in 4b's output) by a non-digit, on both sides. In 4b's output no
//     two p are adjacent, so no 4c match can consume the next p. Altogether:
//       X|p1 is split  iff  X is a non-digit, or L >= 2, or Y exists and is a non-digit;
//       pL|Y is split  iff  lastSecond, or Y is a non-digit.
//   - Everything else (letters, digits, '\'', other '-', every non-ASCII character) sticks
//     to its neighbours; whitespace (Python's set) separates tokens.
//
// 13a adds a space at both ends of the line before the post-tokenizer ("padded"), so X and
// Y always exist there. zh isolates the Chinese characters first; they behave like 4a
// characters, being neither digits nor '.'/','. Digits are ASCII 0-9 only.
//
// The tests check this against literal implementations of the passes (fuzz_tokenize_test.go)
// and against sacreBLEU's own output (testdata/bleu/tokenize/cases.jsonl).

// Byte classes of the post-tokenizer.
const (
	pGlue     uint8 = iota // sticks to its neighbours
	pBlank                 // ' '
	pSpace                 // ASCII whitespace other than ' '
	pIsolate               // rule 4a
	pDotComma              // '.' or ','
	pDash                  // '-'
	pDecode                // lead byte of a code point that may be whitespace or, for zh, Chinese
)

var (
	post13aClass = postClasses(false)
	postZhClass  = postClasses(true)
)

func postClasses(zh bool) *[256]uint8 {
	var t [256]uint8
	for c := 0; c < utf8.RuneSelf; c++ {
		if pystr.IsSpaceByte(byte(c)) {
			t[c] = pSpace
		}
	}
	for _, c := range []byte("!\"#$%&()*+/:;<=>?@[\\]^_`{|}~") {
		t[c] = pIsolate
	}
	t[' '] = pBlank
	t['.'], t[','] = pDotComma, pDotComma
	t['-'] = pDash
	for c := 0xC0; c < 0x100; c++ {
		if pystr.MaybeSpaceLead(byte(c)) || zh && 0xE2 <= c && c <= 0xEF {
			t[c] = pDecode
		}
	}
	return &t
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// sepIf appends the single space that separates two tokens when a break is pending and
// something was already written since start.
func sepIf(dst []byte, start int, sep bool) []byte {
	if sep && len(dst) > start {
		return append(dst, ' ')
	}
	return dst
}

// spanEnd returns the end of the span that starts at s[i]: the longest stretch of bytes
// of class 0 (they stick together) and 1 (' ') without two ' ' in a row. cls[s[i]] must
// be 0 or 1. The scan looks at four bytes per step without branching on each.
func spanEnd(cls *[256]uint8, s string, i int) int {
	j := i + 1
	for j+4 <= len(s) {
		p, a, b, c, d := cls[s[j-1]], cls[s[j]], cls[s[j+1]], cls[s[j+2]], cls[s[j+3]]
		if a|b|c|d > 1 || p&a|a&b|b&c|c&d != 0 {
			break
		}
		j += 4
	}
	for j < len(s) {
		a := cls[s[j]]
		if a > 1 || a&cls[s[j-1]] != 0 {
			break
		}
		j++
	}
	return j
}

// appendSpan appends span, a result of spanEnd, as tokens. sep says whether a break is
// pending before span; the result says whether one is pending after it.
func appendSpan(dst []byte, start int, sep bool, span string) ([]byte, bool) {
	if span[0] == ' ' {
		sep = true
		span = span[1:]
	}
	if len(span) == 0 {
		return dst, sep
	}
	trailing := span[len(span)-1] == ' '
	if trailing {
		span = span[:len(span)-1]
	}
	dst = sepIf(dst, start, sep)
	return append(dst, span...), trailing
}

// appendPost appends the tokens of sacreBLEU's post-tokenizer applied to s (to " "+s+" "
// when padded), each followed by the next with one space. zh makes the Chinese characters
// of the zh tokenizer tokens of their own.
func appendPost(dst []byte, s string, padded, zh bool) []byte {
	cls := post13aClass
	if zh {
		cls = postZhClass
	}
	start := len(dst)
	sep := false
	n := len(s)
	for i := 0; i < n; {
		c := s[i]
		switch cls[c] {
		case pGlue, pBlank:
			j := spanEnd(cls, s, i)
			dst, sep = appendSpan(dst, start, sep, s[i:j])
			i = j
		case pSpace:
			sep = true
			i++
		case pIsolate:
			dst = sepIf(dst, start, true)
			dst = append(dst, c)
			sep = true
			i++
		case pDash:
			if i > 0 && isDigit(s[i-1]) {
				dst = sepIf(dst, start, true)
				dst = append(dst, '-')
				sep = true
			} else {
				dst = sepIf(dst, start, sep)
				dst = append(dst, '-')
				sep = false
			}
			i++
		case pDotComma:
			j := i + 1
			for j < n && (s[j] == '.' || s[j] == ',') {
				j++
			}
			long := j-i >= 2
			xNonDigit := i > 0 && !isDigit(s[i-1]) || i == 0 && padded
			yNonDigit := j < n && !isDigit(s[j]) || j == n && padded
			lastSecond := xNonDigit == ((j-i)%2 == 1)
			dst = sepIf(dst, start, sep || xNonDigit || long || yNonDigit)
			dst = append(dst, c)
			for k := i + 1; k < j; k++ {
				dst = append(dst, ' ', s[k])
			}
			sep = lastSecond || yNonDigit
			i = j
		default: // pDecode
			r, size := utf8.DecodeRuneInString(s[i:])
			switch {
			case pystr.IsSpace(r):
				sep = true
			case zh && size > 1 && isZhChar(r):
				dst = sepIf(dst, start, true)
				dst = append(dst, s[i:i+size]...)
				sep = true
			default:
				dst = sepIf(dst, start, sep)
				dst = append(dst, s[i:i+size]...)
				sep = false
			}
			i += size
		}
	}
	return dst
}
