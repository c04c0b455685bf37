package porter

import (
	"strings"
	"unicode/utf8"

	"github.com/sophia-ai/sophia-eval/internal/pystr"
)

// refStem is a second Porter stemmer (NLTK_EXTENSIONS), deliberately plain
// and slow, written straight from the rules as the project's ROUGE
// specification states them (the package documentation summarises them), to
// be compared with Stem by the tests and the fuzzer. It works on code points
// (bytes that are not UTF-8 become the surrogates U+DC80–U+DCFF, as
// Python's surrogateescape decodes them), recomputes everything from scratch
// at every use, and shares no code with Stem except pystr.Lower.
func refStem(s string) string {
	if stem, ok := refPool[s]; ok {
		return stem
	}
	lower := pystr.Lower(s)
	if len(decodeEscape(s)) <= 2 {
		return lower
	}
	w := decodeEscape(lower)
	for _, step := range []func([]rune) []rune{refStep1a, refStep1b, refStep1c, refStep2, refStep3, refStep4, refStep5a, refStep5b} {
		w = step(w)
	}
	return encodeEscape(w)
}

// refPool is the irregular pool of the spec.
var refPool = map[string]string{
	"sky": "sky", "skies": "sky", "dying": "die", "lying": "lie", "tying": "tie",
	"news": "news", "innings": "inning", "inning": "inning", "outings": "outing",
	"outing": "outing", "cannings": "canning", "canning": "canning", "howe": "howe",
	"proceed": "proceed", "exceed": "exceed", "succeed": "succeed",
}

// decodeEscape decodes s as Python's bytes.decode("utf-8", "surrogateescape").
func decodeEscape(s string) []rune {
	var rs []rune
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			r = 0xDC00 + rune(s[i])
		}
		rs = append(rs, r)
		i += n
	}
	return rs
}

// encodeEscape is the inverse of decodeEscape.
func encodeEscape(rs []rune) string {
	var b strings.Builder
	for _, r := range rs {
		if 0xDC80 <= r && r <= 0xDCFF {
			b.WriteByte(byte(r - 0xDC00))
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// refPattern writes c for every consonant of w and v for every vowel. A
// consonant is anything but a, e, i, o, u, and but a y that follows a
// consonant.
func refPattern(w []rune) string {
	var cv []byte
	for i, r := range w {
		switch {
		case strings.ContainsRune("aeiou", r), r == 'y' && i > 0 && cv[i-1] == 'c':
			cv = append(cv, 'v')
		default:
			cv = append(cv, 'c')
		}
	}
	return string(cv)
}

func refCons(w []rune, i int) bool { return refPattern(w)[i] == 'c' }

// refM is the number of "vc" in the word's pattern of consonants and vowels.
func refM(w []rune) int { return strings.Count(refPattern(w), "vc") }

func refHasVowel(w []rune) bool { return strings.Contains(refPattern(w), "v") }

// refD is *d: ends in a double consonant.
func refD(w []rune) bool {
	n := len(w)
	return n >= 2 && w[n-1] == w[n-2] && refCons(w, n-1)
}

// refO is *o: cvc with the last not w, x, y; or exactly vowel + consonant.
func refO(w []rune) bool {
	n := len(w)
	if n == 2 {
		return !refCons(w, 0) && refCons(w, 1)
	}
	return n >= 3 && refCons(w, n-3) && !refCons(w, n-2) && refCons(w, n-1) &&
		!strings.ContainsRune("wxy", w[n-1])
}

func refEnds(w []rune, suffix string) bool {
	return strings.HasSuffix(string(w), suffix) && len(w) >= len(suffix)
}

// refRule is one rule of a list: suffix → repl when cond holds for the word
// without the suffix.
type refRule struct {
	suffix, repl string
	cond         func(stem []rune) bool
}

// refApply applies the first rule whose suffix matches, if its condition
// holds; later rules are never tried.
func refApply(w []rune, rules []refRule) []rune {
	for _, r := range rules {
		if refEnds(w, r.suffix) {
			stem := w[:len(w)-len(r.suffix)]
			if r.cond == nil || r.cond(stem) {
				return append(append([]rune{}, stem...), []rune(r.repl)...)
			}
			return w
		}
	}
	return w
}

func mAbove(k int) func([]rune) bool {
	return func(stem []rune) bool { return refM(stem) > k }
}

func refStep1a(w []rune) []rune {
	if len(w) == 4 && refEnds(w, "ies") {
		return append(append([]rune{}, w[:1]...), 'i', 'e')
	}
	return refApply(w, []refRule{{"sses", "ss", nil}, {"ies", "i", nil}, {"ss", "ss", nil}, {"s", "", nil}})
}

func refStep1b(w []rune) []rune {
	if refEnds(w, "ied") {
		if len(w) == 4 {
			return refApply(w, []refRule{{"ied", "ie", nil}})
		}
		return refApply(w, []refRule{{"ied", "i", nil}})
	}
	if refEnds(w, "eed") {
		return refApply(w, []refRule{{"eed", "ee", mAbove(0)}})
	}
	var stem []rune
	switch {
	case refEnds(w, "ed") && refHasVowel(w[:len(w)-2]):
		stem = w[:len(w)-2]
	case refEnds(w, "ing") && refHasVowel(w[:len(w)-3]):
		stem = w[:len(w)-3]
	default:
		return w
	}
	switch {
	case refEnds(stem, "at"), refEnds(stem, "bl"), refEnds(stem, "iz"):
		return append(append([]rune{}, stem...), 'e')
	case refD(stem):
		if last := stem[len(stem)-1]; last == 'l' || last == 's' || last == 'z' {
			return stem
		}
		return stem[:len(stem)-1]
	case refEnds(stem, "*d"):
		// The spec's rule list marks the double-consonant rule with the
		// suffix "*d", which NLTK also matches literally.
		return append(append([]rune{}, stem[:len(stem)-2]...), 'd')
	case refM(stem) == 1 && refO(stem):
		return append(append([]rune{}, stem...), 'e')
	}
	return stem
}

func refStep1c(w []rune) []rune {
	return refApply(w, []refRule{{"y", "i", func(stem []rune) bool {
		return len(stem) > 1 && refCons(stem, len(stem)-1)
	}}})
}

func refStep2(w []rune) []rune {
	if refEnds(w, "alli") && refM(w[:len(w)-4]) > 0 {
		return refStep2(append(append([]rune{}, w[:len(w)-4]...), 'a', 'l'))
	}
	m := mAbove(0)
	whole := w
	return refApply(w, []refRule{
		{"ational", "ate", m}, {"tional", "tion", m}, {"enci", "ence", m}, {"anci", "ance", m},
		{"izer", "ize", m}, {"bli", "ble", m}, {"alli", "al", m}, {"entli", "ent", m},
		{"eli", "e", m}, {"ousli", "ous", m}, {"ization", "ize", m}, {"ation", "ate", m},
		{"ator", "ate", m}, {"alism", "al", m}, {"iveness", "ive", m}, {"fulness", "ful", m},
		{"ousness", "ous", m}, {"aliti", "al", m}, {"iviti", "ive", m}, {"biliti", "ble", m},
		{"fulli", "ful", m},
		{"logi", "log", func([]rune) bool { return refM(whole[:len(whole)-3]) > 0 }},
	})
}

func refStep3(w []rune) []rune {
	m := mAbove(0)
	return refApply(w, []refRule{
		{"icate", "ic", m}, {"ative", "", m}, {"alize", "al", m}, {"iciti", "ic", m},
		{"ical", "ic", m}, {"ful", "", m}, {"ness", "", m},
	})
}

func refStep4(w []rune) []rune {
	m := mAbove(1)
	rules := []refRule{}
	for _, s := range strings.Fields("al ance ence er ic able ible ant ement ment ent ion ou ism ate iti ous ive ize") {
		if s == "ion" {
			rules = append(rules, refRule{s, "", func(stem []rune) bool {
				return refM(stem) > 1 && (stem[len(stem)-1] == 's' || stem[len(stem)-1] == 't')
			}})
			continue
		}
		rules = append(rules, refRule{s, "", m})
	}
	return refApply(w, rules)
}

func refStep5a(w []rune) []rune {
	if !refEnds(w, "e") {
		return w
	}
	stem := w[:len(w)-1]
	if m := refM(stem); m > 1 || m == 1 && !refO(stem) {
		return stem
	}
	return w
}

func refStep5b(w []rune) []rune {
	return refApply(w, []refRule{{"ll", "l", func([]rune) bool { return refM(w[:len(w)-1]) > 1 }}})
}
