package pystr

import (
	"encoding/json"
	"os"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
	"unsafe"

	"github.com/stretchr/testify/require"
)

// golden is internal/pystr/testdata/unicode.json, recorded from CPython 3.11 by
// testdata/gen/bleu_tokenize.py.
type golden struct {
	Meta          map[string]string  `json:"meta"`
	Space         [][2]rune          `json:"space"`
	Lower         [][4]rune          `json:"lower"`
	LowerSpecial  map[string][]rune  `json:"lower_special"`
	Cased         [][2]rune          `json:"cased"`
	CaseIgnorable [][2]rune          `json:"case_ignorable"`
	Sigma         [][2]string        `json:"sigma"`
	lowerMap      map[rune][]rune    // every non-identity mapping
	sets          map[string]runeSet // "space", "cased", "case_ignorable"
}

type runeSet map[rune]bool

var (
	goldenOnce sync.Once
	goldenData *golden
	goldenErr  error
)

func loadGolden(tb testing.TB) *golden {
	tb.Helper()
	goldenOnce.Do(func() {
		raw, err := os.ReadFile("testdata/unicode.json")
		if err != nil {
			goldenErr = err
			return
		}
		var g golden
		if err := json.Unmarshal(raw, &g); err != nil {
			goldenErr = err
			return
		}
		g.lowerMap = make(map[rune][]rune)
		for _, run := range g.Lower {
			for r := run[0]; r <= run[1]; r += run[2] {
				g.lowerMap[r] = []rune{r + run[3]}
			}
		}
		for k, v := range g.LowerSpecial {
			var r rune
			for _, c := range k {
				r = r*10 + c - '0'
			}
			g.lowerMap[r] = v
		}
		g.sets = map[string]runeSet{
			"space": toSet(g.Space), "cased": toSet(g.Cased), "case_ignorable": toSet(g.CaseIgnorable),
		}
		goldenData = &g
	})
	require.NoError(tb, goldenErr)
	return goldenData
}

func toSet(rs [][2]rune) runeSet {
	s := make(runeSet)
	for _, r := range rs {
		for c := r[0]; c <= r[1]; c++ {
			s[c] = true
		}
	}
	return s
}

// allRunes calls f for every Unicode scalar value (surrogates cannot be in a Go string).
func allRunes(f func(r rune)) {
	for r := rune(0); r <= utf8.MaxRune; r++ {
		if 0xD800 <= r && r <= 0xDFFF {
			continue
		}
		f(r)
	}
}

func TestGoldenMeta(t *testing.T) {
	g := loadGolden(t)
	require.Equal(t, "3.11.2", g.Meta["python"])
	require.Equal(t, "14.0.0", g.Meta["unidata"])
}

func TestIsSpaceEveryCodePoint(t *testing.T) {
	want := loadGolden(t).sets["space"]
	bad := 0
	allRunes(func(r rune) {
		if IsSpace(r) != want[r] {
			bad++
			t.Errorf("IsSpace(%U) = %v, Python isspace = %v", r, IsSpace(r), want[r])
		}
		if r < 0x80 && IsSpaceByte(byte(r)) != want[r] {
			t.Errorf("IsSpaceByte(%#x) = %v", r, IsSpaceByte(byte(r)))
		}
		if want[r] && r >= 0x80 && !MaybeSpaceLead(string(r)[0]) {
			t.Errorf("MaybeSpaceLead misses %U", r)
		}
	})
	require.False(t, IsSpace(-1))
	require.False(t, IsSpace(utf8.RuneError))
	require.Zero(t, bad)
}

func TestCasePropertiesEveryCodePoint(t *testing.T) {
	g := loadGolden(t)
	allRunes(func(r rune) {
		if got, want := isCased(r), g.sets["cased"][r]; got != want {
			t.Errorf("isCased(%U) = %v, want %v", r, got, want)
		}
		if got, want := isCaseIgnorable(r), g.sets["case_ignorable"][r]; got != want {
			t.Errorf("isCaseIgnorable(%U) = %v, want %v", r, got, want)
		}
	})
}

func TestLowerEveryCodePoint(t *testing.T) {
	g := loadGolden(t)
	allRunes(func(r rune) {
		s := string(r)
		want := s
		if m, ok := g.lowerMap[r]; ok {
			want = string(m)
		}
		if got := Lower(s); got != want {
			t.Errorf("Lower(%U) = %+q, want %+q", r, got, want)
		}
		// With context on both sides (no Σ involved, so context must not matter).
		if r != capitalSigma {
			if got := string(AppendLower(nil, "A"+s+"b")); got != "a"+want+"b" {
				t.Errorf("AppendLower(A%+qb) = %+q", s, got)
			}
		}
	})
}

func TestLowerSigma(t *testing.T) {
	g := loadGolden(t)
	require.NotEmpty(t, g.Sigma)
	for _, p := range g.Sigma {
		require.Equal(t, p[1], Lower(p[0]), "Lower(%+q)", p[0])
		require.Equal(t, "x"+p[1], string(AppendLower([]byte("x"), p[0])), "AppendLower(%+q)", p[0])
	}
}

func TestLower(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"ascii", "Hello, World 123.", "hello, world 123."},
		{"final sigma", "ΟΔΟΣ", "οδος"},
		{"sigma before period", "Α.Σ", "α.ς"},
		{"word", "ΣΑΣ", "σας"},
		{"lone sigma", "Σ", "σ"},
		{"dotted I", "İstanbul", "i̇stanbul"},
		{"kelvin sign", "\u212A", "k"},
		{"grows", "\u023A", "\u2C65"},
		{"invalid byte kept", "A\xffB", "a\xffb"},
		{"invalid before sigma", "Α\xffΣ", "α\xffσ"},
		{"invalid after sigma", "ΑΣ\xff", "ας\xff"},
		{"truncated sequence", "Σ\xce", "σ\xce"},
		{"combining after sigma", "ΑΣ\u0301Β", "ασ\u0301β"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, Lower(tt.in))
			require.Equal(t, "<"+tt.want, string(AppendLower([]byte("<"), tt.in)))
		})
	}
}

func TestLowerUnchangedReturnsInput(t *testing.T) {
	for _, s := range []string{"", "already lower case, with digits 123.", "中文 ascii", "\xff\xfe", "σας"} {
		got := Lower(s)
		require.Equal(t, s, got)
		if s != "" {
			require.Equal(t, unsafe.StringData(s), unsafe.StringData(got), "Lower(%q) copied", s)
		}
		require.Zero(t, testing.AllocsPerRun(100, func() { _ = Lower(s) }), "Lower(%q) allocates", s)
	}
	buf := make([]byte, 0, 64)
	require.Zero(t, testing.AllocsPerRun(100, func() { buf = AppendLower(buf[:0], "Hello ΟΔΟΣ İ") }))
	require.Equal(t, 1.0, testing.AllocsPerRun(100, func() { _ = Lower("Hello World") }))
}

func TestTrimSpace(t *testing.T) {
	tests := []struct{ in, right, both string }{
		{"", "", ""},
		{"  a b  ", "  a b", "a b"},
		{"\u001ca\u001f", "\u001ca", "a"},
		{"\u00a0a\u3000\u2028\u0085", "\u00a0a", "a"},
		{"a\u200b", "a\u200b", "a\u200b"},
		{"\ufeffa\ufeff", "\ufeffa\ufeff", "\ufeffa\ufeff"},
		{"a\xff ", "a\xff", "a\xff"},
		{" \x85", " \x85", "\x85"},
		{" \xc2", " \xc2", "\xc2"},
		{"\t\n\v\f\r ", "", ""},
	}
	for _, tt := range tests {
		require.Equal(t, tt.right, TrimRightSpace(tt.in), "TrimRightSpace(%+q)", tt.in)
		require.Equal(t, tt.both, TrimSpace(tt.in), "TrimSpace(%+q)", tt.in)
	}
	// Every whitespace code point is trimmed, every other one is kept.
	allRunes(func(r rune) {
		s := "x" + string(r)
		want := s
		if IsSpace(r) {
			want = "x"
		}
		if got := TrimRightSpace(s); got != want {
			t.Errorf("TrimRightSpace(%+q) = %+q", s, got)
		}
		if got := TrimSpace(string(r) + "x"); (got == "x") != IsSpace(r) {
			t.Errorf("TrimSpace(%+q) = %+q", string(r)+"x", got)
		}
	})
}

var benchText = strings.Repeat("The Quick Brown Fox jumps over the lazy dog, said Mr. Smith in 1999. ", 16)

func BenchmarkLower(b *testing.B) {
	cases := []struct{ name, s string }{
		{"ascii-mixed", benchText},
		{"ascii-lower", strings.ToLower(benchText)},
		{"greek", strings.Repeat("ΚΑΛΗΜΕΡΑ ΚΟΣΜΕ, ΟΔΟΣ ΣΑΣ. ", 40)},
		{"cjk", strings.Repeat("我爱北京天安门。今天是星期一。", 40)},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.s)))
			b.ReportAllocs()
			for b.Loop() {
				_ = Lower(c.s)
			}
		})
		b.Run(c.name+"/append", func(b *testing.B) {
			buf := make([]byte, 0, 2*len(c.s))
			b.SetBytes(int64(len(c.s)))
			b.ReportAllocs()
			for b.Loop() {
				buf = AppendLower(buf[:0], c.s)
			}
		})
	}
}
