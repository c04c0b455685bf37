package audit

import (
	"sync"
	"unicode"
	"unicode/utf8"
)

// Character classes of the normalisation.
const (
	clsWord  = iota // kept, lowercased
	clsSpace        // separates words
	clsDrop         // deleted: punctuation, symbols, other controls
)

// asciiClass and asciiLower are the ASCII fast path of classify; wordLower maps
// every byte that is an ASCII word character to its lowercase form and every
// other byte (white space, dropped ASCII, and all bytes >= 0x80) to 0, so that a
// run of ASCII word characters is scanned with one table load per byte.
var asciiClass, asciiLower, wordLower = func() (cls [128]uint8, low [128]byte, word [256]byte) {
	for c := range 128 {
		r := rune(c)
		cls[c] = classify(r)
		low[c] = byte(unicode.ToLower(r))
		if cls[c] == clsWord {
			word[c] = low[c] // never 0: NUL is a control character
		}
	}
	return cls, low, word
}()

// classify gives the class of r in word mode.
func classify(r rune) uint8 {
	switch {
	case unicode.IsSpace(r):
		return clsSpace
	case unicode.IsPunct(r), unicode.IsSymbol(r), unicode.Is(unicode.Cc, r), unicode.Is(unicode.Cf, r):
		return clsDrop
	}
	return clsWord
}

// keepChar reports whether r is kept in character mode: letters, marks and
// numbers (Unicode categories L, M and N).
func keepChar(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsNumber(r)
}

// Normalize returns s normalised as the contamination checks see it in word mode,
// after the GPT-3 and GPT-4 analyses: every character is lowercased with Unicode's
// simple case mapping; punctuation and symbols (Unicode categories P and S: Pc, Pd,
// Ps, Pe, Pi, Pf, Po, Sm, Sc, Sk, So) and other control and format characters (Cc
// and Cf that are not white space) are deleted, so "don't" becomes "dont" and
// "state-of-the-art" becomes "stateoftheart"; runs of white space (Unicode
// White_Space) are collapsed into one space, and leading and trailing space is
// removed. Words are the space-separated parts of the result.
//
// With chars set, it returns the character-mode normalisation instead: only
// letters, marks and numbers (categories L, M, N) are kept, lowercased, and
// everything else, white space included, is deleted (GPT-4's report removes
// "all spaces and symbols").
func Normalize(s string, chars bool) string {
	t := tokenizer{keep: true}
	t.run(s, chars)
	return string(t.buf)
}

// token is one unit of the normalised text: a word (word mode) or a character
// (character mode), with its fingerprint and its place in the original text.
type token struct {
	h          uint64
	start, end int // byte offsets of the token in the original text
}

// tokenizer normalises texts into tokens; its buffers are reused.
type tokenizer struct {
	keep   bool   // build buf
	buf    []byte // the normalised text, when keep is set
	toks   []token
	fps    []uint64 // n-gram fingerprints (character mode: records' keys), when indexing
	cd     charDoc  // character mode's analysis
	roff   []int    // where each text of a batch starts in cd.runes
	places []uint32 // where each record of a batch is in its slabs
}

// run normalises s into t.buf and t.toks.
func (t *tokenizer) run(s string, chars bool) {
	if chars {
		t.chars(s)
	} else {
		t.words(s)
	}
}

// Word fingerprints are FNV-1a over the word's normalised UTF-8 bytes,
// computed as the bytes are produced; n-gram fingerprints mix them further.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func (t *tokenizer) words(s string) {
	buf, toks := t.buf[:0], t.toks[:0]
	keep := t.keep
	in := false
	var h uint64
	os, oe := 0, 0 // word start in s; end of its last kept char in s
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch asciiClass[c] {
			case clsWord:
				if !in {
					if in, os, h = true, i, fnvOffset; keep && len(toks) > 0 {
						buf = append(buf, ' ')
					}
				}
				// The rest of a run of ASCII word characters in one loop.
				j := i
				if keep {
					for ; j < len(s); j++ {
						l := wordLower[s[j]]
						if l == 0 {
							break
						}
						h = (h ^ uint64(l)) * fnvPrime
						buf = append(buf, l)
					}
				} else {
					for ; j < len(s); j++ {
						l := wordLower[s[j]]
						if l == 0 {
							break
						}
						h = (h ^ uint64(l)) * fnvPrime
					}
				}
				oe, i = j, j
				continue
			case clsSpace:
				if in {
					toks = append(toks, token{h: h, start: os, end: oe})
					in = false
				}
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if !(r == utf8.RuneError && size == 1) {
			switch classify(r) {
			case clsWord:
				if !in {
					if in, os, h = true, i, fnvOffset; keep && len(toks) > 0 {
						buf = append(buf, ' ')
					}
				}
				var enc [utf8.UTFMax]byte
				for _, b := range utf8.AppendRune(enc[:0], unicode.ToLower(r)) {
					h = (h ^ uint64(b)) * fnvPrime
				}
				if keep {
					buf = utf8.AppendRune(buf, unicode.ToLower(r))
				}
				oe = i + size
			case clsSpace:
				if in {
					toks = append(toks, token{h: h, start: os, end: oe})
					in = false
				}
			}
		}
		i += size
	}
	if in {
		toks = append(toks, token{h: h, start: os, end: oe})
	}
	t.buf, t.toks = buf, toks
}

func (t *tokenizer) chars(s string) {
	buf, toks := t.buf[:0], t.toks[:0]
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if asciiClass[c] == clsWord {
				l := asciiLower[c]
				if t.keep {
					buf = append(buf, l)
				}
				toks = append(toks, token{h: uint64(l), start: i, end: i + 1})
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if !(r == utf8.RuneError && size == 1) && keepChar(r) {
			l := unicode.ToLower(r)
			if t.keep {
				buf = utf8.AppendRune(buf, l)
			}
			toks = append(toks, token{h: uint64(l), start: i, end: i + size})
		}
		i += size
	}
	t.buf, t.toks = buf, toks
}

// Fingerprints of n-grams: a polynomial rolling hash over the token
// fingerprints, modulo 2^64, finished by a 64-bit mixer so that the bits are
// uniform (the index uses the top bits for its partition and the low bits for the
// slot).
const rollBase = 0x9E3779B97F4A7C15 | 1

func rollPow(n int) uint64 {
	p := uint64(1)
	for range n - 1 {
		p *= rollBase
	}
	return p
}

// mix is the finaliser of MurmurHash3 (fmix64), a bijection of uint64.
func mix(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	if h == 0 {
		h = 1 // 0 marks an empty slot
	}
	return h
}

// docHash is the fingerprint of a whole normalised text, for exact duplicates:
// a polynomial hash of all its token fingerprints, and their count.
func docHash(toks []token) uint64 {
	var h uint64
	for _, t := range toks {
		h = h*0xC2B2AE3D27D4EB4F + t.h
	}
	return mix(h ^ uint64(len(toks))*0x5bd1e9955bd1e995)
}

// charLower maps every byte that is an ASCII character kept in character mode
// to its lowercase form, and every other byte to 0.
var charLower = func() (t [256]byte) {
	for c := range 128 {
		if keepChar(rune(c)) {
			t[c] = byte(unicode.ToLower(rune(c)))
		}
	}
	return t
}()

// runeOffset converts the byte offset b of s into a count of code points,
// continuing from a previous conversion (pb bytes = pr code points).
func runeOffset(s string, pb, pr, b int) int {
	return pr + utf8.RuneCountInString(s[pb:b])
}

var fingerprintTok = sync.Pool{New: func() any { return new(tokenizer) }}

// Fingerprint returns the fingerprint of the whole word-mode normalisation of
// text (see [Normalize]): the one an [Index] keeps of every training text and
// compares an evaluation item with to find exact duplicates. Two texts with the
// same normalisation have the same fingerprint. ok is false when the
// normalisation is empty (such a text is never an exact duplicate).
func Fingerprint(text string) (fp uint64, ok bool) {
	t := fingerprintTok.Get().(*tokenizer)
	defer fingerprintTok.Put(t)
	t.words(text)
	if len(t.toks) == 0 {
		return 0, false
	}
	return docHash(t.toks), true
}
