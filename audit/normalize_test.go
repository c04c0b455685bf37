package audit

import (
	"context"
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

// TestAnalyze checks character mode's analysis against the tokenizer and a
// plain search for every window's anchor: the code points are the tokens', the
// text's fingerprint is the one textHash describes, and every window has exactly one anchor, the
// rightmost least polynomial hash of the m-grams it starts with, mixed.
func TestAnalyze(t *testing.T) {
	texts := []string{"", "a", "Ab, c!", "Héllo WÖRLD ÅΣΣ 123 ½ ⅷ ﬁ\u0301 日本語 \xff\xfe bad", strings.Repeat("The quick brown Fox; 42 × éΩ. ", 20), strings.Repeat("ab", 40), strings.Repeat("a", 70)}
	var tk tokenizer
	var cd charDoc
	for _, s := range texts {
		for _, n := range []int{1, 2, 5, 13, 50} {
			p := newCharParams(n, charK(n))
			cd.reset(0, nil, false)
			gh, cnt := cd.analyze(s, &p, 3)
			tk.run(s, true)
			require.Equal(t, len(tk.toks), cnt)
			for i, x := range tk.toks {
				require.Equal(t, x.h, uint64(cd.runes[i]))
			}
			var raw []uint64
			for a := 0; a+p.m <= cnt; a++ {
				var r uint64
				for _, v := range cd.runes[a : a+p.m] {
					r = r*rollBase + uint64(v)
				}
				raw = append(raw, r)
			}
			// The text's fingerprint: its m-grams at 0, m, 2m, ... while
			// it has windows, then its code points.
			var want uint64
			i := 0
			for ; cnt >= n && i+p.m <= cnt; i += p.m {
				want = want*0xC2B2AE3D27D4EB4F + raw[i]
			}
			for _, v := range cd.runes[i:] {
				want = want*0xC2B2AE3D27D4EB4F + uint64(v)
			}
			require.Equal(t, mix(want^uint64(cnt)*0x5bd1e9955bd1e995), gh)
			next := 0 // the next window
			for _, a := range cd.anch {
				require.Equal(t, next, a.first, "%q n=%d", s, n)
				require.LessOrEqual(t, a.first, a.last)
				require.Equal(t, int32(3), a.doc)
				for w := a.first; w <= a.last; w++ {
					best := w
					for j := w; j < w+p.k; j++ {
						if raw[j] <= raw[best] {
							best = j
						}
					}
					require.Equal(t, best, a.pos, "%q n=%d window %d", s, n, w)
					require.Equal(t, mix(raw[best]), a.key)
				}
				next = a.last + 1
			}
			require.Equal(t, max(0, cnt-n+1), next, "%q n=%d: windows", s, n)
		}
	}
}
