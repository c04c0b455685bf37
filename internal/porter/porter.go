package porter

import (
	"math/bits"

	"github.com/sophia-ai/sophia-eval/internal/pystr"
)

// maskLen is the longest word whose vowels fit the bit mask of a [wbuf]. Longer
// words are stemmed by the same code with scanning helpers instead.
const maskLen = 64

// Stem returns the Porter stem of word exactly as NLTK 3.8's
// PorterStemmer().stem(word) does (mode NLTK_EXTENSIONS, to_lowercase=True).
//
// For a word made of the ASCII characters a–z and 0–9, which is all that
// rouge-score ever stems, Stem returns word itself or a prefix of it (sharing
// its memory) when the stem is a prefix of the word, which is the usual case,
// and otherwise allocates the stem once; no rule makes a word longer. The
// same holds for any ASCII word without capitals, and words up to 64 bytes
// long are stemmed without any other allocation.
//
// Any other string is treated as the Python string it encodes in UTF-8, as
// NLTK treats it: lowercased first as Python's str.lower() does (U+0130 İ
// becomes two code points), with the irregular forms looked up in the
// original word and the length limit of 2 applied to the original word's code
// points, then stemmed code point by code point, every code point other than
// a, e, i, o, u and y counting as a consonant. A byte that is not part of
// valid UTF-8 counts as one code point of its own, as Python's
// surrogateescape error handler decodes it, and is copied to the result
// unchanged. The stem of such a word is at most as long as the word
// lowercased. Stem never panics.
//
// Two of NLTK's quirks follow from this and are kept: the irregular forms are
// looked up before lowercasing, so Stem("SKY") is "ski" while Stem("sky") is
// "sky"; and a stem ending in the two characters "*d" after "ed" or "ing"
// is removed loses its "*" (Stem("ab*ded") is "abd"), because NLTK's rule list
// uses "*d" as the marker of its double-consonant rule. Where NLTK, in
// Python, would exceed its recursion limit on a run of about a thousand y's,
// Stem simply returns the stem.
//
// Stem is safe for concurrent use.
func Stem(word string) string {
	if len(word) <= 2 {
		// At most 2 code points: NLTK returns the word lowercased.
		return pystr.Lower(word)
	}
	if s, ok := irregular(word); ok {
		return s
	}
	var arr [maskLen]byte
	w := wbuf{b: arr[:], n: len(word), kept: len(word), long: len(word) > maskLen}
	if w.long {
		w.b = make([]byte, len(word))
	}
	// Copy and lowercase the word, and find its a, e, i, o, u and its y's.
	var flags, vowels, ys uint64
	b := w.b[:len(word)]
	for i := range b {
		c := word[i]
		f := charFlags[c]
		flags |= uint64(f)
		vowels |= uint64(f&flagVowel) << i // shifts of 64 and more give 0
		ys |= uint64(f&flagY>>1) << i
		b[i] = c + f&flagUpper // flagUpper is 'a' - 'A'
	}
	if flags&flagNonASCII != 0 {
		return stemUnicode(word)
	}
	if w.long {
		w.b = w.b[:len(word)]
	} else {
		// A y is a vowel when the letter before it is a consonant.
		for y := ys; y != 0; y &= y - 1 {
			if i := bits.TrailingZeros64(y); i > 0 && vowels>>(i-1)&1 == 0 {
				vowels |= 1 << i
			}
		}
		w.vowels = vowels
	}
	w.steps()
	n := w.n
	if flags&flagUpper == 0 && (w.kept >= n || string(w.b[:n]) == word[:n]) {
		return word[:n]
	}
	return string(w.b[:n])
}

// Flags of charFlags.
const (
	flagVowel    = 1 << 0    // a, e, i, o, u
	flagY        = 1 << 1    // y
	flagUpper    = 'a' - 'A' // A to Z: the value to add to lowercase it (32)
	flagNonASCII = 1 << 7    // 0x80 to 0xFF
)

// charFlags are the flags of every byte.
var charFlags = func() (t [256]uint8) {
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = flagUpper
	}
	for _, c := range "aeiou" {
		t[c] = flagVowel
		t[c-'a'+'A'] |= flagVowel
	}
	t['y'] = flagY
	t['Y'] |= flagY
	for c := 0x80; c <= 0xFF; c++ {
		t[c] = flagNonASCII
	}
	return t
}()

// irregular looks word up in NLTK's pool of irregular forms. The stem is word
// or a prefix of it where it can be.
func irregular(word string) (string, bool) {
	if len(word) < 3 || poolEnds[word[0]]>>(word[len(word)-1]&31)&1 == 0 {
		return "", false
	}
	// Comparisons with short constants compile to a few loads and compares.
	switch len(word) {
	case 3:
		return word, word == "sky"
	case 4:
		return word, word == "news" || word == "howe"
	case 5:
		switch word {
		case "skies":
			return "sky", true
		case "dying":
			return "die", true
		case "lying":
			return "lie", true
		case "tying":
			return "tie", true
		}
	case 6:
		return word, word == "exceed" || word == "inning" || word == "outing"
	case 7:
		switch word {
		case "proceed", "succeed", "canning":
			return word, true
		case "innings", "outings":
			return word[:6], true
		}
	case 8:
		return word[:7], word == "cannings"
	}
	return "", false
}

// poolEnds has, for the first letter of every word of the irregular pool, bit
// c&31 set for its last letter c: a quick test that rules most words out.
var poolEnds = func() (t [256]uint32) {
	for _, w := range []string{"sky", "skies", "dying", "lying", "tying", "news", "innings",
		"inning", "outings", "outing", "cannings", "canning", "howe", "proceed", "exceed", "succeed"} {
		t[w[0]] |= 1 << (w[len(w)-1] & 31)
	}
	return t
}()

// Classes of characters for Porter's consonant test.
const (
	consonant = iota // every character but the ones below
	vowel            // a, e, i, o, u
	ylike            // y: a vowel after a consonant, else a consonant
)

// class classifies every byte. Bytes of non-ASCII code points are consonants,
// as the code points are.
var class = [256]uint8{'a': vowel, 'e': vowel, 'i': vowel, 'o': vowel, 'u': vowel, 'y': ylike}

// stemBytes runs steps 1a to 5b on the lowercase word b in place and returns
// the length of the stem, b[:n]. The stem is never longer than b: no rule
// puts back more letters than it removed.
func stemBytes(b []byte) int { return stemWith(b, len(b) > maskLen) }

// stemWith is stemBytes, with the scanning helpers when long (which tests
// also use on short words).
func stemWith(b []byte, long bool) int {
	w := wbuf{b: b, n: len(b), kept: len(b), long: long}
	w.mark(0)
	w.steps()
	return w.n
}

// steps runs steps 1a to 5b.
func (w *wbuf) steps() {
	w.step1a()
	w.step1b()
	w.step1c()
	w.step2()
	w.step3()
	w.step4()
	w.step5a()
	w.step5b()
}

// A wbuf is the working copy of the word being stemmed, b[:n]. Rules only
// shorten it or replace its end, so b keeps the original length as capacity.
type wbuf struct {
	b []byte
	n int
	// vowels has bit i set when b[i] is a vowel in Porter's sense, for i < n
	// (bits at n and above are stale). It is unused when long.
	vowels uint64
	kept   int  // b[:kept] is as it was: no letter before kept was replaced
	long   bool // len(b) > maskLen: the helpers scan b instead of the mask
}

// mark recomputes the vowel bits of b[from:n]. Whether b[i] is a vowel depends
// only on b[:i+1], so the bits below from stay valid.
func (w *wbuf) mark(from int) {
	if w.long {
		return
	}
	v := w.vowels & (uint64(1)<<from - 1)
	prev := from > 0 && v>>(from-1)&1 != 0
	for i := from; i < w.n; i++ {
		prev = isVowel(w.b[i], i, prev)
		if prev {
			v |= 1 << i
		}
	}
	w.vowels = v
}

// isVowel reports whether c, at index i of a word, is a vowel, given whether
// the character before it is.
func isVowel(c byte, i int, prev bool) bool {
	switch class[c] {
	case vowel:
		return true
	case ylike:
		return i > 0 && !prev
	}
	return false
}

// vowel reports whether b[i] is a vowel: a, e, i, o or u, or y after a
// consonant.
func (w *wbuf) vowel(i int) bool {
	if !w.long {
		return w.vowels>>i&1 != 0
	}
	// A run of y's alternates, starting from the letter before it; a run at
	// the start of the word starts as if after a vowel.
	j := i
	for j >= 0 && w.b[j] == 'y' {
		j--
	}
	before := j < 0 || class[w.b[j]] == vowel
	if (i-j)%2 == 0 {
		return before
	}
	return !before
}

// measure returns Porter's m of b[:k]: the number of vowel-consonant pairs.
func (w *wbuf) measure(k int) int {
	if w.long {
		m, prev := 0, false
		for i := 0; i < k; i++ {
			v := isVowel(w.b[i], i, prev)
			if prev && !v {
				m++
			}
			prev = v
		}
		return m
	}
	if k < 2 {
		return 0
	}
	v := w.vowels
	return bits.OnesCount64(v &^ (v >> 1) & (uint64(1)<<(k-1) - 1))
}

// hasVowel reports whether b[:k] contains a vowel.
func (w *wbuf) hasVowel(k int) bool {
	if w.long {
		prev := false
		for i := 0; i < k; i++ {
			if prev = isVowel(w.b[i], i, prev); prev {
				return true
			}
		}
		return false
	}
	return w.vowels&(uint64(1)<<k-1) != 0
}

// endsDouble reports condition *d for b[:k]: it ends in two equal consonants.
func (w *wbuf) endsDouble(k int) bool {
	return k >= 2 && w.b[k-1] == w.b[k-2] && !w.vowel(k-1)
}

// cvc reports condition *o for b[:k]: it ends consonant, vowel, consonant,
// the last not w, x or y; or, in NLTK's extension, it is a vowel followed
// by any consonant.
func (w *wbuf) cvc(k int) bool {
	if k == 2 {
		return w.vowel(0) && !w.vowel(1)
	}
	if k < 3 || w.vowel(k-3) || !w.vowel(k-2) || w.vowel(k-1) {
		return false
	}
	c := w.b[k-1]
	return c != 'w' && c != 'x' && c != 'y'
}

// ends reports whether the word ends in s.
func (w *wbuf) ends(s string) bool {
	return w.n >= len(s) && string(w.b[w.n-len(s):w.n]) == s
}

// set replaces b[k:n] with s.
func (w *wbuf) set(k int, s string) {
	w.n = k + copy(w.b[k:], s)
	w.kept = min(w.kept, k)
	w.mark(k)
}

// cut replaces the last l letters with repl when the measure of the rest
// exceeds over. The steps call it after matching those letters with ends,
// which is inlined and so compares with a constant.
func (w *wbuf) cut(l int, repl string, over int) {
	if k := w.n - l; w.measure(k) > over {
		w.set(k, repl)
	}
}

// step1a removes plurals: sses → ss, ies → i (ie in a 4-letter word),
// ss → ss, s → "".
func (w *wbuf) step1a() {
	if !w.ends("s") {
		return
	}
	switch {
	case w.n == 4 && w.ends("ies"):
		w.n--
	case w.ends("sses"), w.ends("ies"):
		w.n -= 2
	case w.ends("ss"):
	default:
		w.n--
	}
}

// step1b removes -ed and -ing, with NLTK's ied → ie/i first.
func (w *wbuf) step1b() {
	switch {
	case w.ends("ied"):
		if w.n == 4 {
			w.n-- // ie
		} else {
			w.n -= 2 // i
		}
		return
	case w.ends("eed"):
		if w.measure(w.n-3) > 0 {
			w.n-- // ee
		}
		return
	case w.ends("ed") && w.hasVowel(w.n-2):
		w.n -= 2
	case w.ends("ing") && w.hasVowel(w.n-3):
		w.n -= 3
	default:
		return
	}
	k := w.n
	switch {
	case w.ends("at"), w.ends("bl"), w.ends("iz"):
		w.set(k, "e")
	case w.endsDouble(k):
		if c := w.b[k-1]; c != 'l' && c != 's' && c != 'z' {
			w.n--
		}
	case w.ends("*d"):
		// NLTK's marker of the double-consonant rule, matched literally:
		// "*d" becomes "d".
		w.b[k-2] = 'd'
		w.n--
		w.kept = min(w.kept, k-2)
		w.mark(k - 2)
	case w.measure(k) == 1 && w.cvc(k):
		w.set(k, "e")
	}
}

// step1c turns a final y into i after a consonant that is not the first
// letter.
func (w *wbuf) step1c() {
	if n := w.n; n >= 3 && w.b[n-1] == 'y' && !w.vowel(n-2) {
		w.b[n-1] = 'i'
		w.kept = min(w.kept, n-1)
		w.mark(n - 1)
	}
}

// step2 maps double suffixes to single ones when m > 0. As in every step,
// only the first rule whose suffix matches is tried; the rules are grouped by
// the next-to-last letter of their suffix, and where one suffix ends another
// the longer comes first, as in NLTK's list.
func (w *wbuf) step2() {
	if w.ends("alli") && w.measure(w.n-4) > 0 {
		// NLTK: alli → al, then step 2 again on the result, which now ends
		// in "al" and so can only match (t)ional below.
		w.n -= 2
	}
	if w.n < 2 {
		return
	}
	switch w.b[w.n-2] {
	case 'a':
		switch {
		case w.ends("ational"):
			w.cut(7, "ate", 0)
		case w.ends("tional"):
			w.cut(6, "tion", 0)
		}
	case 'c':
		switch {
		case w.ends("enci"):
			w.cut(4, "ence", 0)
		case w.ends("anci"):
			w.cut(4, "ance", 0)
		}
	case 'e':
		if w.ends("izer") {
			w.cut(4, "ize", 0)
		}
	case 'l':
		switch {
		case w.ends("bli"):
			w.cut(3, "ble", 0)
		case w.ends("alli"):
			w.cut(4, "al", 0)
		case w.ends("entli"):
			w.cut(5, "ent", 0)
		case w.ends("eli"):
			w.cut(3, "e", 0)
		case w.ends("ousli"):
			w.cut(5, "ous", 0)
		case w.ends("fulli"):
			w.cut(5, "ful", 0)
		}
	case 'o':
		switch {
		case w.ends("ization"):
			w.cut(7, "ize", 0)
		case w.ends("ation"):
			w.cut(5, "ate", 0)
		case w.ends("ator"):
			w.cut(4, "ate", 0)
		}
	case 's':
		switch {
		case w.ends("alism"):
			w.cut(5, "al", 0)
		case w.ends("iveness"):
			w.cut(7, "ive", 0)
		case w.ends("fulness"):
			w.cut(7, "ful", 0)
		case w.ends("ousness"):
			w.cut(7, "ous", 0)
		}
	case 't':
		switch {
		case w.ends("aliti"):
			w.cut(5, "al", 0)
		case w.ends("iviti"):
			w.cut(5, "ive", 0)
		case w.ends("biliti"):
			w.cut(6, "ble", 0)
		}
	case 'g':
		// NLTK: logi → log when the word without "ogi" has m > 0.
		if w.ends("logi") && w.measure(w.n-3) > 0 {
			w.n--
		}
	}
}

// step3 removes or shortens -icate, -ative, -alize, -iciti, -ical, -ful and
// -ness when m > 0 (grouped by last letter).
func (w *wbuf) step3() {
	if w.n < 1 {
		return
	}
	switch w.b[w.n-1] {
	case 'e':
		switch {
		case w.ends("icate"):
			w.cut(5, "ic", 0)
		case w.ends("ative"):
			w.cut(5, "", 0)
		case w.ends("alize"):
			w.cut(5, "al", 0)
		}
	case 'i':
		if w.ends("iciti") {
			w.cut(5, "ic", 0)
		}
	case 'l':
		switch {
		case w.ends("ical"):
			w.cut(4, "ic", 0)
		case w.ends("ful"):
			w.cut(3, "", 0)
		}
	case 's':
		if w.ends("ness") {
			w.cut(4, "", 0)
		}
	}
}

// step4 removes the remaining suffixes when m > 1 (grouped by next-to-last
// letter; -ion only after s or t).
func (w *wbuf) step4() {
	if w.n < 2 {
		return
	}
	l := 0
	switch w.b[w.n-2] {
	case 'a':
		if w.ends("al") {
			l = 2
		}
	case 'c':
		if w.ends("ance") || w.ends("ence") {
			l = 4
		}
	case 'e':
		if w.ends("er") {
			l = 2
		}
	case 'i':
		if w.ends("ic") {
			l = 2
		}
	case 'l':
		if w.ends("able") || w.ends("ible") {
			l = 4
		}
	case 'n':
		switch {
		case w.ends("ant"):
			l = 3
		case w.ends("ement"):
			l = 5
		case w.ends("ment"):
			l = 4
		case w.ends("ent"):
			l = 3
		}
	case 'o':
		if w.ends("ion") {
			if k := w.n - 3; w.measure(k) > 1 && (w.b[k-1] == 's' || w.b[k-1] == 't') {
				w.n = k
			}
			return
		}
		if w.ends("ou") {
			l = 2
		}
	case 's':
		if w.ends("ism") {
			l = 3
		}
	case 't':
		if w.ends("ate") || w.ends("iti") {
			l = 3
		}
	case 'u':
		if w.ends("ous") {
			l = 3
		}
	case 'v':
		if w.ends("ive") {
			l = 3
		}
	case 'z':
		if w.ends("ize") {
			l = 3
		}
	}
	if l > 0 && w.measure(w.n-l) > 1 {
		w.n -= l
	}
}

// step5a removes a final e when m > 1, or when m = 1 and not *o.
func (w *wbuf) step5a() {
	if n := w.n; n >= 1 && w.b[n-1] == 'e' {
		if m := w.measure(n - 1); m > 1 || m == 1 && !w.cvc(n-1) {
			w.n--
		}
	}
}

// step5b turns a final ll into l when m of the word without its last letter
// is above 1.
func (w *wbuf) step5b() {
	if w.ends("ll") && w.measure(w.n-1) > 1 {
		w.n--
	}
}
