// Package pystr reproduces the string operations of Python 3 that the reference
// implementations rely on and that Go's standard library does differently: the
// whitespace set of str.isspace/str.split/str.strip, and str.lower.
//
// The behaviour is that of CPython 3.11 (Unicode 14.0), the Python that the goldens in
// testdata/ were made with. The tables do not depend on the Go toolchain's version of
// package unicode: they are generated from data recorded from Python itself
// (testdata/unicode.json, see gen.go), and the tests compare every code point.
//
// Python strings never hold invalid UTF-8 (decoding fails first), but Go strings can. The
// functions here never panic on it: each byte of an invalid sequence is treated as the
// code point U+FFFD (not whitespace, not cased, not case-ignorable) and is copied to the
// output unchanged.
package pystr

import "unicode/utf8"

// IsSpace reports whether r is whitespace for Python's str.isspace, str.split() and
// str.strip(). Unlike unicode.IsSpace it includes U+001C..U+001F.
func IsSpace(r rune) bool {
	if r < 0x80 {
		return r >= 0 && asciiSpace[r]
	}
	switch {
	case r == 0x85, r == 0xA0, r == 0x1680:
		return true
	case 0x2000 <= r && r <= 0x200A:
		return true
	case r == 0x2028, r == 0x2029, r == 0x202F, r == 0x205F, r == 0x3000:
		return true
	}
	return false
}

// IsSpaceByte reports whether the ASCII byte c is Python whitespace. It is false for every
// byte >= 0x80: those begin or continue a multi-byte sequence, and whitespace beyond ASCII
// (U+0085, U+00A0, U+1680, U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000) must be
// decoded first.
func IsSpaceByte(c byte) bool { return c < 0x80 && asciiSpace[c] }

// MaybeSpaceLead reports whether c can be the first byte of the UTF-8 encoding of a
// non-ASCII whitespace code point (0xC2, 0xE1, 0xE2 or 0xE3). Scanners use it to decode
// only the sequences that can be whitespace.
func MaybeSpaceLead(c byte) bool { return c == 0xC2 || c == 0xE1 || c == 0xE2 || c == 0xE3 }

var asciiSpace = [128]bool{
	'\t': true, '\n': true, '\v': true, '\f': true, '\r': true,
	0x1C: true, 0x1D: true, 0x1E: true, 0x1F: true, ' ': true,
}

// TrimRightSpace returns s without its trailing Python whitespace, like Python's
// s.rstrip(). The result is a substring of s; nothing is allocated.
func TrimRightSpace(s string) string {
	i := len(s)
	for i > 0 {
		c := s[i-1]
		if c < utf8.RuneSelf {
			if !asciiSpace[c] {
				break
			}
			i--
			continue
		}
		r, n := utf8.DecodeLastRuneInString(s[:i])
		if !IsSpace(r) {
			break
		}
		i -= n
	}
	return s[:i]
}

// TrimSpace returns s without its leading and trailing Python whitespace, like Python's
// s.strip(). The result is a substring of s; nothing is allocated.
func TrimSpace(s string) string {
	s = TrimRightSpace(s)
	i := 0
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if !asciiSpace[c] {
				break
			}
			i++
			continue
		}
		if !MaybeSpaceLead(c) {
			break
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if !IsSpace(r) {
			break
		}
		i += n
	}
	return s[i:]
}
