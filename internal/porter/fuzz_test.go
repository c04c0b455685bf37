package porter

import (
	"strings"
	"testing"
	"unicode/utf8"
	"unsafe"

	"github.com/sophia-ai/sophia-eval/internal/pystr"
)

// FuzzStem compares Stem with the slow reference, refStem, on any string,
// and checks what holds whatever the word: the stem is no longer than the
// lowercased word, is ASCII or valid UTF-8 when the word is, shares the
// word's memory when it is a prefix of a lowercase ASCII word, and the
// scanning helpers of long words agree with the bit-mask ones. Porter is not
// idempotent (Stem(Stem(w)) may differ from Stem(w)), so that is not checked.
//
// Minimizing each new input runs the slow reference many times, for up to a
// minute by default, and the fuzzer reports no progress meanwhile;
// -fuzzminimizetime 100x keeps it exploring:
//
//	go test ./internal/porter -run '^$' -fuzz FuzzStem -fuzztime 30s -fuzzminimizetime 100x
func FuzzStem(f *testing.F) {
	words, other := golden(f)
	for i, p := range words {
		if i%101 == 0 {
			f.Add(p.word)
		}
	}
	for i, p := range other {
		if i%11 == 0 {
			f.Add(p.word)
		}
	}
	for _, c := range martinDiffers {
		f.Add(c.word)
	}
	f.Add(strings.Repeat("y", 70) + "ing")
	f.Add(strings.Repeat("ab", 40) + "ational")
	f.Add("ab*ded")
	f.Fuzz(func(t *testing.T, s string) {
		got := Stem(s)
		if want := refStem(s); got != want {
			t.Fatalf("Stem(%q) = %q, reference %q", s, got, want)
		}
		lower := pystr.Lower(s)
		if len(got) > len(lower) || utf8.RuneCountInString(got) > utf8.RuneCountInString(lower) {
			t.Fatalf("Stem(%q) = %q is longer than the word lowercased, %q", s, got, lower)
		}
		if isASCII(s) && !isASCII(got) {
			t.Fatalf("Stem(%q) = %q is not ASCII", s, got)
		}
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Fatalf("Stem(%q) = %q is not UTF-8", s, got)
		}
		if !isASCII(s) || lower != s {
			return
		}
		if _, pool := irregular(s); pool || len(s) <= 2 {
			return
		}
		if got != "" && strings.HasPrefix(s, got) && unsafe.StringData(got) != unsafe.StringData(s) {
			t.Fatalf("Stem(%q) = %q is a prefix but a copy", s, got)
		}
		b := []byte(s)
		if n := stemWith(b, true); string(b[:n]) != got {
			t.Fatalf("scanning helpers stem %q to %q, Stem gives %q", s, b[:n], got)
		}
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
