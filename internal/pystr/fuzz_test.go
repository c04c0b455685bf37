package pystr

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// refLower is a slow, literal str.lower(): the golden mapping of every code point and
// CPython's handle_capital_sigma over the golden Cased and Case_Ignorable sets. Each
// invalid byte is one U+FFFD, copied unchanged.
func refLower(g *golden, s string) string {
	type unit struct {
		r   rune
		raw string
	}
	var us []unit
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		us = append(us, unit{r, s[i : i+n]})
		i += n
	}
	ign, cased := g.sets["case_ignorable"], g.sets["cased"]
	var b strings.Builder
	for i, u := range us {
		if len(u.raw) == 1 && u.r == utf8.RuneError {
			b.WriteString(u.raw)
			continue
		}
		if u.r == capitalSigma {
			j := i - 1
			for j >= 0 && ign[us[j].r] {
				j--
			}
			final := j >= 0 && cased[us[j].r]
			if final {
				k := i + 1
				for k < len(us) && ign[us[k].r] {
					k++
				}
				final = k == len(us) || !cased[us[k].r]
			}
			if final {
				b.WriteRune(finalSigma)
			} else {
				b.WriteRune(smallSigma)
			}
			continue
		}
		if m, ok := g.lowerMap[u.r]; ok {
			b.WriteString(string(m))
		} else {
			b.WriteString(u.raw)
		}
	}
	return b.String()
}

func FuzzLower(f *testing.F) {
	g := loadGolden(f)
	for _, p := range g.Sigma {
		f.Add(p[0])
	}
	for _, s := range []string{"", "Hello World", "İSTANBUL", "Α\xffΣ", "ΣΑΣ ΟΔΟΣ", "\xce\xa3\xce", "A\u0301Σ\u00ad"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := refLower(g, s)
		if got := Lower(s); got != want {
			t.Fatalf("Lower(%+q) = %+q, want %+q", s, got, want)
		}
		if got := string(AppendLower([]byte("Σ"), s)); got != "Σ"+want {
			t.Fatalf("AppendLower(Σ, %+q) = %+q", s, got)
		}
	})
}

func FuzzTrimSpace(f *testing.F) {
	for _, s := range []string{"", " a ", "\u001ca\u2028", "\xc2 \xc2\x85", "a\u3000\u0085"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r := TrimRightSpace(s)
		if !strings.HasPrefix(s, r) {
			t.Fatalf("TrimRightSpace(%+q) = %+q is not a prefix", s, r)
		}
		for _, c := range s[len(r):] {
			if !IsSpace(c) {
				t.Fatalf("TrimRightSpace(%+q) removed %U", s, c)
			}
		}
		if last, n := utf8.DecodeLastRuneInString(r); n > 0 && IsSpace(last) && last != utf8.RuneError {
			t.Fatalf("TrimRightSpace(%+q) = %+q ends in whitespace", s, r)
		}
		b := TrimSpace(s)
		if !strings.Contains(r, b) || !strings.HasSuffix(r, b) {
			t.Fatalf("TrimSpace(%+q) = %+q", s, b)
		}
		if first, n := utf8.DecodeRuneInString(b); n > 0 && IsSpace(first) {
			t.Fatalf("TrimSpace(%+q) = %+q starts with whitespace", s, b)
		}
	})
}
