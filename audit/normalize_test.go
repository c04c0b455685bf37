package audit

import (
	"context"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		name, in    string
		words, char string
	}{
		{"empty", "", "", ""},
		{"lower and collapse", "  Hello\t\tWORLD \n", "hello world", "helloworld"},
		{"punctuation deleted", "Don't stop—state-of-the-art, ok?!", "dont stopstateoftheart ok", "dontstopstateoftheartok"},
		{"symbols deleted", "a + b = c $5 ©", "a b c 5", "abc5"},
		{"unicode space", "a\u00a0b\u2003c\u3000d", "a b c d", "abcd"},
		{"format chars", "zero\u200bwidth\ufeff", "zerowidth", "zerowidth"},
		{"unicode letters", "ÉCOLE Straße ΣΟΦΙΑ", "école straße σοφια", "écolestraßeσοφια"},
		{"only punctuation", "... !!! ---", "", ""},
		{"invalid utf8", "a\xffb c", "ab c", "abc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.words, Normalize(tt.in, false))
			assert.Equal(t, tt.char, Normalize(tt.in, true))
		})
	}
}

func TestTokenOffsets(t *testing.T) {
	s := "«Héllo», said the WORLD!"
	var tk tokenizer
	tk.run(s, false)
	var words []string
	for _, x := range tk.toks {
		words = append(words, s[x.start:x.end])
	}
	require.Equal(t, []string{"Héllo", "said", "the", "WORLD"}, words)
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"", "Hello, World!", "a\u00a0b", "Ünïcödé — text", "\xff\xfe", "x y  z\t"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var tk tokenizer
		for _, chars := range []bool{false, true} {
			n := Normalize(s, chars)
			if !utf8.ValidString(n) {
				t.Fatalf("invalid UTF-8 out of %q", s)
			}
			if Normalize(n, chars) != n {
				t.Fatalf("not idempotent on %q: %q", s, n)
			}
			if !chars && (strings.HasPrefix(n, " ") || strings.HasSuffix(n, " ") || strings.Contains(n, "  ")) {
				t.Fatalf("whitespace not collapsed: %q", n)
			}
			tk.run(s, chars)
			last := 0
			for _, x := range tk.toks {
				if x.start < last || x.end <= x.start || x.end > len(s) {
					t.Fatalf("bad token offsets %d..%d in %q", x.start, x.end, s)
				}
				last = x.end
			}
			if !chars && len(tk.toks) != len(strings.Fields(n)) {
				t.Fatalf("%d tokens, %d words in %q", len(tk.toks), len(strings.Fields(n)), n)
			}
		}
	})
}

func TestFingerprint(t *testing.T) {
	a, ok := Fingerprint("Don't  STOP, me now!")
	require.True(t, ok)
	b, _ := Fingerprint("dont stop me now")
	c, _ := Fingerprint("dont stop me")
	assert.Equal(t, a, b)
	assert.NotEqual(t, a, c)
	_, ok = Fingerprint(" ?! ")
	assert.False(t, ok)

	// The same fingerprint as the index's exact-duplicate check.
	ix, _, err := BuildIndex(context.Background(), Config{}, Docs(Doc{File: "t", Line: 1, Text: "Dont stop me now"}), nil)
	require.NoError(t, err)
	assert.True(t, ix.docs.has(a))
}

// TestCharGrams checks the one-pass character-mode fingerprints against the
// rolling hash over the tokens of the tokenizer.
func TestCharGrams(t *testing.T) {
	texts := []string{"", "a", "Ab, c!", "Héllo WÖRLD ÅΣΣ 123 ½ ⅷ ﬁ\u0301 日本語 \xff\xfe bad", strings.Repeat("The quick brown Fox; 42 × éΩ. ", 20)}
	var tk tokenizer
	for _, s := range texts {
		for _, n := range []int{1, 2, 5, 50} {
			pw := rollPow(n)
			got, gh, cnt := charGrams(s, n, pw, tk.ringOf(n), nil)
			tk.run(s, true)
			var want []uint64
			var r uint64
			for j, x := range tk.toks {
				if j >= n {
					r -= tk.toks[j-n].h * pw
				}
				r = r*rollBase + x.h
				if j >= n-1 {
					want = append(want, mix(r))
				}
			}
			if cnt != len(tk.toks) || !slices.Equal(got, want) {
				t.Fatalf("%q n=%d: %d chars, %v; want %d, %v", s, n, cnt, got, len(tk.toks), want)
			}
			if cnt > 0 && gh != docHash(tk.toks) {
				t.Fatalf("%q: doc hash %x, want %x", s, gh, docHash(tk.toks))
			}
		}
	}
}
