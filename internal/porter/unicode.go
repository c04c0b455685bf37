package porter

import (
	"unicode/utf8"

	"github.com/sophia-ai/sophia-eval/internal/pystr"
)

// stemUnicode is Stem for a word that is not all ASCII and is longer than 2
// bytes. It lowercases the word, then stems one byte per code point: ASCII
// code points stand for themselves and every other code point for one of the
// non-ASCII bytes 0x80 and 0x81, alternating whenever the code point changes.
// The rules only look at ASCII letters, at whether a character is a vowel
// (never, for these) and at whether two neighbours are equal (condition *d),
// all of which this keeps. Since the rules only cut the word short and put
// back ASCII letters, every non-ASCII byte left in the stem still stands at
// the index of its own code point, which maps the stem back.
func stemUnicode(word string) string {
	lower := pystr.Lower(word)
	if utf8.RuneCountInString(word) <= 2 {
		return lower
	}
	units := make([]byte, 0, len(lower))
	offsets := make([]int, 0, len(lower)+1) // byte offset of every code point in lower
	last, lastUnit := rune(-1), byte(0)
	for i := 0; i < len(lower); {
		offsets = append(offsets, i)
		c := lower[i]
		if c < utf8.RuneSelf {
			units = append(units, c)
			last, lastUnit = rune(c), c
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(lower[i:])
		if r == utf8.RuneError && size == 1 {
			r = 0xDC00 + rune(c) // surrogateescape: never the code point of valid UTF-8
		}
		u := byte(0x80)
		switch {
		case r == last:
			u = lastUnit
		case lastUnit == 0x80:
			u = 0x81
		}
		units = append(units, u)
		last, lastUnit = r, u
		i += size
	}
	offsets = append(offsets, len(lower))

	n := stemBytes(units)

	// The stem is a prefix of lower when every unit is the original one.
	prefix := true
	for i, u := range units[:n] {
		if u < utf8.RuneSelf && (offsets[i+1]-offsets[i] != 1 || lower[offsets[i]] != u) {
			prefix = false
			break
		}
	}
	if prefix {
		return lower[:offsets[n]]
	}
	out := make([]byte, 0, offsets[n])
	for i, u := range units[:n] {
		if u < utf8.RuneSelf {
			out = append(out, u)
		} else {
			out = append(out, lower[offsets[i]:offsets[i+1]]...)
		}
	}
	return string(out)
}
