package pystr

import (
	"unicode"
	"unicode/utf8"
	"unsafe"
)

//go:generate go run gen.go

const (
	capitalSigma = 0x03A3 // Σ
	smallSigma   = 0x03C3 // σ
	finalSigma   = 0x03C2 // ς
	capitalIDot  = 0x0130 // İ, the one code point whose lowercase is two code points
)

// lowerRun is one entry of lowerRuns.
type lowerRun struct {
	lo, hi rune
	stride rune
	delta  rune
}

// Lower returns s lowercased exactly as Python 3.11's str.lower() does: the full
// lowercase mapping of every code point (U+0130 İ becomes "i\u0307"), with Python's
// Final_Sigma rule for U+03A3 Σ (ς at the end of a word, σ elsewhere).
//
// When nothing changes, Lower returns s itself and allocates nothing; otherwise it
// allocates the result once. Invalid UTF-8 bytes are copied unchanged.
func Lower(s string) string {
	i := nextChange(s, 0)
	if i == len(s) {
		return s
	}
	b := make([]byte, i, len(s)+len(s)/8+4)
	copy(b, s[:i])
	b = appendLowerFrom(b, s, i)
	// b is never touched again, so the string may share its memory (as strings.Builder does).
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// AppendLower appends Lower(s) to dst and returns the extended buffer. It allocates only
// when dst lacks capacity.
func AppendLower(dst []byte, s string) []byte {
	return appendLowerFrom(dst, s, 0)
}

// appendLowerFrom appends the lowercase of s[i:] to dst; code points before i serve only as
// Final_Sigma context.
func appendLowerFrom(dst []byte, s string, i int) []byte {
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			// A run of ASCII that lowercases to itself, then maybe one capital.
			j := i
			for j < len(s) && s[j] < utf8.RuneSelf && (s[j] < 'A' || s[j] > 'Z') {
				j++
			}
			dst = append(dst, s[i:j]...)
			if j < len(s) && 'A' <= s[j] && s[j] <= 'Z' {
				dst = append(dst, s[j]+('a'-'A'))
				j++
			}
			i = j
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch r {
		case capitalSigma:
			if isFinalSigma(s, i, i+n) {
				dst = utf8.AppendRune(dst, finalSigma)
			} else {
				dst = utf8.AppendRune(dst, smallSigma)
			}
		case capitalIDot:
			dst = append(dst, 'i', 0xCC, 0x87) // U+0069 U+0307
		default:
			if l, ok := lowerOf(r); ok {
				dst = utf8.AppendRune(dst, l)
			} else {
				dst = append(dst, s[i:i+n]...) // also keeps an invalid byte as it is
			}
		}
		i += n
	}
	return dst
}

// nextChange returns the index of the first code point at or after i that str.lower()
// changes, or len(s).
func nextChange(s string, i int) int {
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				return i
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == capitalIDot {
			return i
		}
		if _, ok := lowerOf(r); ok {
			return i
		}
		i += n
	}
	return i
}

// lowerOf returns the one-code-point lowercase of r and whether it differs from r.
// U+0130 is not covered (its lowercase has two code points).
func lowerOf(r rune) (rune, bool) {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			return r + ('a' - 'A'), true
		}
		return r, false
	}
	blk := int(r >> 8)
	if blk >= len(lowerBlocks)*64 || lowerBlocks[blk/64]&(1<<(blk%64)) == 0 {
		return r, false
	}
	// The last run with lo <= r.
	lo, hi := 0, len(lowerRuns)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if lowerRuns[m].lo <= r {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo == 0 {
		return r, false
	}
	run := &lowerRuns[lo-1]
	if r > run.hi || (r-run.lo)%run.stride != 0 {
		return r, false
	}
	return r + run.delta, true
}

// isFinalSigma reports whether the Σ at s[i:j] is in Python's Final_Sigma context: a
// cased code point before it and none after it, skipping case-ignorable code points on
// both sides. Invalid bytes count as U+FFFD, which is neither cased nor case-ignorable.
func isFinalSigma(s string, i, j int) bool {
	for {
		if i == 0 {
			return false
		}
		r, n := utf8.DecodeLastRuneInString(s[:i])
		if isCaseIgnorable(r) {
			i -= n
			continue
		}
		if !isCased(r) {
			return false
		}
		break
	}
	for j < len(s) {
		r, n := utf8.DecodeRuneInString(s[j:])
		if isCaseIgnorable(r) {
			j += n
			continue
		}
		return !isCased(r)
	}
	return true
}

func isCased(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z'
	}
	return unicode.Is(cased, r)
}

func isCaseIgnorable(r rune) bool {
	if r < utf8.RuneSelf {
		return r == '\'' || r == '.' || r == ':' || r == '^' || r == '`'
	}
	return unicode.Is(caseIgnorable, r)
}
