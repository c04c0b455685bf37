package bleu

import (
	"bufio"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/sophia-ai/sophia-eval/internal/pystr"
)

var tokenizerNames = []string{"13a", "intl", "char", "zh", "none"}

// tokenizeCase is one line of testdata/bleu/tokenize/cases.jsonl, written by sacreBLEU
// through testdata/gen/bleu_tokenize.py.
type tokenizeCase struct {
	Meta   map[string]string `json:"meta"`
	In     string            `json:"in"`
	Out    map[string]string `json:"out"`    // tok(in)
	Rstrip map[string]string `json:"rstrip"` // tok(in.rstrip()); absent when equal to Out
	Lc     map[string]string `json:"lc"`     // tok(in.lower().rstrip()); absent when equal to Out
}

func loadTokenizeCases(tb testing.TB) (map[string]string, []tokenizeCase) {
	tb.Helper()
	f, err := os.Open("../testdata/bleu/tokenize/cases.jsonl")
	require.NoError(tb, err)
	defer f.Close()
	var meta map[string]string
	var cases []tokenizeCase
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<16), 1<<20)
	for line := 1; sc.Scan(); line++ {
		var c tokenizeCase
		require.NoError(tb, json.Unmarshal(sc.Bytes(), &c), "cases.jsonl:%d", line)
		if c.Meta != nil {
			meta = c.Meta
			continue
		}
		require.Len(tb, c.Out, len(tokenizerNames), "cases.jsonl:%d", line)
		cases = append(cases, c)
	}
	require.NoError(tb, sc.Err())
	return meta, cases
}

// TestTokenizeGolden requires sacreBLEU's exact output for every golden line and every
// tokenizer, on the line as it is, right-stripped, and lowercased then right-stripped.
func TestTokenizeGolden(t *testing.T) {
	meta, cases := loadTokenizeCases(t)
	require.Equal(t, "2.6.0", meta["sacrebleu"])
	require.Greater(t, len(cases), 900)
	compared := 0
	for _, name := range tokenizerNames {
		tok, err := NewTokenizer(name)
		require.NoError(t, err)
		require.Equal(t, name, tok.Name())
		for _, c := range cases {
			check := func(variant, in string, want map[string]string) {
				if want == nil {
					want = c.Out
				}
				compared++
				got := string(tok.Append(nil, in))
				if got != want[name] {
					t.Errorf("%s %s %+q:\n got %+q\nwant %+q", name, variant, in, got, want[name])
				}
				// Appending to a non-empty buffer adds exactly the same bytes.
				got2 := tok.Append([]byte("PREFIX"), in)
				if string(got2) != "PREFIX"+got {
					t.Errorf("%s %s %+q: appending to a prefix gave %+q", name, variant, in, got2)
				}
			}
			check("raw", c.In, c.Out)
			check("rstrip", pystr.TrimRightSpace(c.In), c.Rstrip)
			check("lc", pystr.TrimRightSpace(pystr.Lower(c.In)), c.Lc)
		}
	}
	t.Logf("compared %d lines x 3 variants x %d tokenizers = %d outputs", len(cases), len(tokenizerNames), compared)
}

// TestTokenizeUnicodeClasses checks the code point classes of intl and zh over every code
// point against the ones recorded from the regex module and from TokenizerZh.
func TestTokenizeUnicodeClasses(t *testing.T) {
	raw, err := os.ReadFile("../testdata/bleu/tokenize/unicode.json")
	require.NoError(t, err)
	var d struct{ P, S, N, Zh [][2]rune }
	require.NoError(t, json.Unmarshal(raw, &d))
	want := make(map[rune]uint8)
	for _, x := range []struct {
		cls uint8
		rs  [][2]rune
	}{{intlP, d.P}, {intlS, d.S}, {intlN, d.N}} {
		for _, r := range x.rs {
			for c := r[0]; c <= r[1]; c++ {
				want[c] = x.cls
			}
		}
	}
	zh := make(map[rune]bool)
	for _, r := range d.Zh {
		for c := r[0]; c <= r[1]; c++ {
			zh[c] = true
		}
	}
	intlBMPOnce.Do(buildIntlBMP)
	goTables := 0
	for r := rune(0); r <= utf8.MaxRune; r++ {
		if 0xD800 <= r && r <= 0xDFFF {
			continue
		}
		w := want[r]
		if pystr.IsSpace(r) {
			require.Equal(t, intlOther, w, "%U is whitespace and a regex class", r)
			w = intlSpace
		}
		if got := intlClass(r); got != w {
			t.Errorf("intlClass(%U) = %d, want %d", r, got, w)
		}
		if isZhChar(r) != zh[r] {
			t.Errorf("isZhChar(%U) = %v, want %v", r, isZhChar(r), zh[r])
		}
		// For information: where Go's own tables (unicode.Version) differ from the regex module.
		if unicode.In(r, unicode.P) != (want[r] == intlP) || unicode.In(r, unicode.S) != (want[r] == intlS) ||
			unicode.In(r, unicode.N) != (want[r] == intlN) {
			goTables++
		}
	}
	t.Logf("Go %s unicode.P/S/N differ from the regex module on %d code points", unicode.Version, goTables)
}

func TestNewTokenizer(t *testing.T) {
	tok, err := NewTokenizer("")
	require.NoError(t, err)
	require.Equal(t, "13a", tok.Name())
	for _, name := range []string{"13A", "ja-mecab", "spm", "flores101", " 13a"} {
		_, err := NewTokenizer(name)
		require.ErrorIs(t, err, ErrUnknownTokenizer, name)
	}
}

func TestTokenize(t *testing.T) {
	tests := []struct {
		tok, in, want string
	}{
		{"13a", "&amp;lt;", "<"},
		{"13a", "&amp;quot;", "& quot ;"},
		{"13a", "&amp;amp;lt;", "& amp ; lt ;"},
		{"13a", "&lt;skipped&gt;", "< skipped >"},
		{"13a", "<ski<skipped>pped>", "< skipped >"},
		{"13a", "a--\n\nb", "a- b"},
		{"13a", "end 1999.", "end 1999 ."},
		{"13a", "x..y", "x . . y"},
		{"13a", "1...2", "1 . . .2"},
		{"13a", "3.14 1,000 -5 2-3 a-b", "3.14 1,000 -5 2 - 3 a-b"},
		{"13a", "a\u001cb\u0085c\u2028d\u00a0e", "a b c d e"},
		{"13a", "“quoted”", "“quoted”"},
		{"intl", "end 1999.", "end 1999."},
		{"intl", ".5", ".5"},
		{"intl", "“quoted” €5", "“ quoted ” € 5"},
		{"intl", "٣.١٤", "٣.١٤"},
		{"zh", "  .5", ".5"},
		{"zh", "我爱北京天安门。", "我 爱 北 京 天 安 门 。"},
		{"zh", "“你好” €5", "“ 你 好 ” € 5"},
		{"zh", "１２３", "１ ２ ３"},
		{"zh", "\U00020000\U00020001", "\U00020000\U00020001"},
		{"zh", "ひらがな", "ひらがな"},
		{"char", "e\u0301 x", "e \u0301 x"},
		{"none", " a\u001f b ", "a b"},
		// Invalid UTF-8: each bad byte is one U+FFFD-like character, copied as is.
		{"13a", "a\xffb.", "a\xffb ."},
		{"intl", "a\xffb.", "a \xff b ."},
		{"zh", "\xe4\xb8中", "\xe4\xb8 中"},
		{"char", "a\xe2\x80b", "a \xe2 \x80 b"},
		{"none", "\xc2 \xc2\x85x", "\xc2 x"},
	}
	for _, tt := range tests {
		tok, err := NewTokenizer(tt.tok)
		require.NoError(t, err)
		require.Equal(t, tt.want, string(tok.Append(nil, tt.in)), "%s %+q", tt.tok, tt.in)
	}
}

func TestTokenizeNoAllocs(t *testing.T) {
	_, cases := loadTokenizeCases(t)
	for _, name := range tokenizerNames {
		tok, err := NewTokenizer(name)
		require.NoError(t, err)
		buf := make([]byte, 0, 4096)
		for _, c := range cases {
			in := c.In
			allocs := testing.AllocsPerRun(5, func() { buf = tok.Append(buf[:0], in) })
			require.Zero(t, allocs, "%s %+q", name, in)
		}
	}
}

// TestTokenizeLongLines runs lines far longer than the goldens through every tokenizer and
// compares them with the slow reference implementations.
func TestTokenizeLongLines(t *testing.T) {
	_, cases := loadTokenizeCases(t)
	var b strings.Builder
	for _, c := range cases {
		b.WriteString(c.In)
		b.WriteByte(' ')
	}
	long := b.String()
	for _, name := range tokenizerNames {
		tok, _ := NewTokenizer(name)
		require.Equal(t, refTokenize(name, long), string(tok.Append(nil, long)), name)
	}
}

// TestTokenizeExhaustiveSmall compares every tokenizer with the literal reference on every
// string of up to maxLen pieces from small alphabets that exercise the interactions of the
// passes (runs of '.' and ',', digits on either side, dashes, entities, line breaks).
func TestTokenizeExhaustiveSmall(t *testing.T) {
	alphabets := []struct {
		name   string
		pieces []string
		maxLen int
	}{
		{"post", []string{"a", "1", ".", ",", "-", " ", "(", "中", "'"}, 5},
		{"13a", []string{"&", "amp;", "lt;", "quot;", "<", "skipped>", "-", "\n", "1", "."}, 4},
		{"intl", []string{"a", "1", "٣", ".", ",", "-", "€", " ", "“", "\xff"}, 4},
	}
	for _, a := range alphabets {
		maxLen := a.maxLen
		if testing.Short() || tokenizeRace {
			maxLen--
		}
		toks := make([]Tokenizer, len(tokenizerNames))
		for k, name := range tokenizerNames {
			toks[k], _ = NewTokenizer(name)
		}
		idx := make([]int, 0, maxLen)
		var buf []byte
		var walk func()
		walk = func() {
			var sb strings.Builder
			for _, k := range idx {
				sb.WriteString(a.pieces[k])
			}
			s := sb.String()
			for k, name := range tokenizerNames {
				buf = toks[k].Append(buf[:0], s)
				if want := refTokenize(name, s); string(buf) != want {
					t.Fatalf("%s %+q: got %+q, want %+q", name, s, buf, want)
				}
			}
			if len(idx) == maxLen {
				return
			}
			for k := range a.pieces {
				idx = append(idx, k)
				walk()
				idx = idx[:len(idx)-1]
			}
		}
		walk()
	}
}
