package bleu

import (
	"sync"
	"unicode/utf8"

	"github.com/sophia-ai/sophia-eval/internal/pystr"
)

//go:generate go run tokenize_gen.go

// tokIntl is sacreBLEU's "intl" tokenizer (mteval-v14 "international"): three regex
// substitutions on the line as it is, then a split on whitespace:
//
//	1  (\P{N})(\p{P})  ->  "\1 \2 "
//	2  (\p{P})(\P{N})  ->  " \1 \2"
//	3  (\p{S})         ->  " \1 "
//
// There is no entity handling and no padding at the ends, so a '.' at the end of the line
// stays on a number before it ("1999."), as in mteval-v14.
//
// The passes reduce to a one-pass rule exactly as the 13a post-tokenizer's do (see
// tokenize_post.go), with \p{P} in place of '.'/',' and \p{N} in place of the digits: a
// maximal run p1..pL of punctuation preceded by X and followed by Y is split into single
// characters when L >= 2; X|p1 is split iff X exists and is not a number, or L >= 2, or Y
// exists and is not a number; pL|Y is split iff pL is the second of a pass-1 pair or Y is
// not a number. Symbols are tokens of their own. The classes are those of the regex
// module that sacreBLEU uses, recorded over every code point (tokenize_tables.go), so
// they do not change with the Go toolchain's Unicode version.
type tokIntl struct{}

func (tokIntl) Name() string { return "intl" }

// Code point classes of the intl tokenizer.
const (
	intlOther uint8 = iota
	intlN           // \p{N}
	intlSpace       // Python whitespace
	intlP           // \p{P}
	intlS           // \p{S}; also every byte of invalid UTF-8, which stands for U+FFFD (So)
)

// classRange is one entry of intlRanges.
type classRange struct {
	lo, hi rune
	cls    uint8
}

var (
	intlBMPOnce sync.Once
	intlBMP     *[0x10000]uint8 // the class of every code point below U+10000
)

func buildIntlBMP() {
	t := new([0x10000]uint8)
	for _, r := range intlRanges {
		for c := r.lo; c <= r.hi && c < 0x10000; c++ {
			t[c] = r.cls
		}
	}
	for c := range t {
		if pystr.IsSpace(rune(c)) {
			t[c] = intlSpace
		}
	}
	intlBMP = t
}

// intlClass returns the class of r. buildIntlBMP must have run.
func intlClass(r rune) uint8 {
	if r < 0x10000 {
		return intlBMP[r]
	}
	lo, hi := 0, len(intlRanges)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if intlRanges[m].hi < r {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(intlRanges) && intlRanges[lo].lo <= r {
		return intlRanges[lo].cls
	}
	return intlOther
}

// intlAt returns the class and the length of the code point at s[i:]. An invalid byte is
// one code point of class intlS (U+FFFD).
func intlAt(s string, i int) (uint8, int) {
	if c := s[i]; c < utf8.RuneSelf {
		return intlBMP[c], 1
	}
	r, size := utf8.DecodeRuneInString(s[i:])
	return intlClass(r), size
}

func (tokIntl) Append(dst []byte, s string) []byte {
	intlBMPOnce.Do(buildIntlBMP)
	start := len(dst)
	sep := false
	prevN := false // the code point before i is \p{N}
	n := len(s)
	for i := 0; i < n; {
		cls, size := intlAt(s, i)
		switch cls {
		case intlOther, intlN:
			// A run of code points that stick together, extended over single ASCII spaces
			// between them: such a stretch comes out exactly as it goes in.
			j := i + size
			last := cls
			for j < n {
				if c := s[j]; c < utf8.RuneSelf {
					if c2 := intlBMP[c]; c2 <= intlN {
						last = c2
						j++
						continue
					}
					if c == ' ' && j+1 < n && s[j+1] < utf8.RuneSelf && intlBMP[s[j+1]] <= intlN {
						last = intlBMP[s[j+1]]
						j += 2
						continue
					}
					break
				}
				c2, s2 := intlAt(s, j)
				if c2 > intlN {
					break
				}
				last = c2
				j += s2
			}
			dst = sepIf(dst, start, sep)
			sep = false
			dst = append(dst, s[i:j]...)
			prevN = last == intlN
			i = j
		case intlSpace:
			sep = true
			prevN = false
			i += size
		case intlS:
			dst = sepIf(dst, start, true)
			dst = append(dst, s[i:i+size]...)
			sep = true
			prevN = false
			i += size
		default: // intlP
			j := i + size
			odd := true // the run's length is odd
			for j < n {
				c2, s2 := intlAt(s, j)
				if c2 != intlP {
					break
				}
				odd = !odd
				j += s2
			}
			long := j-i > size
			xNonN := i > 0 && !prevN
			yNonN := false
			if j < n {
				c2, _ := intlAt(s, j)
				yNonN = c2 != intlN
			}
			lastSecond := xNonN == odd
			dst = sepIf(dst, start, sep || xNonN || long || yNonN)
			dst = append(dst, s[i:i+size]...)
			for k := i + size; k < j; {
				_, s2 := intlAt(s, k)
				dst = append(dst, ' ')
				dst = append(dst, s[k:k+s2]...)
				k += s2
			}
			sep = lastSecond || yNonN
			prevN = false
			i = j
		}
	}
	return dst
}
