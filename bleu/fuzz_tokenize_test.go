package bleu

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/sophia-ai/sophia-eval/internal/pystr"
)

// The reference implementations below are deliberately literal: sacreBLEU's regex passes,
// one after another, with Go's regexp (leftmost, non-overlapping, like Python's re.sub on
// these patterns), and Python's str.replace as strings.ReplaceAll. Go's regexp reads each
// byte of invalid UTF-8 as U+FFFD and copies it unchanged, which is the behaviour the
// tokenizers document.

var (
	refPost = []struct {
		re   *regexp.Regexp
		repl string
	}{
		{regexp.MustCompile(`([{-~\[-` + "`" + ` -&(-+:-@/])`), " ${1} "},
		{regexp.MustCompile(`([^0-9])([.,])`), "${1} ${2} "},
		{regexp.MustCompile(`([.,])([^0-9])`), " ${1} ${2}"},
		{regexp.MustCompile(`([0-9])(-)`), "${1} ${2} "},
	}
	refIntl = []struct {
		re   *regexp.Regexp
		repl string
	}{
		{regexp.MustCompile(`(\P{N})(\p{P})`), "${1} ${2} "},
		{regexp.MustCompile(`(\p{P})(\P{N})`), " ${1} ${2}"},
		{regexp.MustCompile(`(\p{S})`), " ${1} "},
	}
)

// refUnits cuts s into code points, each invalid byte on its own, as Python would see
// s if every invalid byte were U+FFFD.
func refUnits(s string) []string {
	var us []string
	for i := 0; i < len(s); {
		_, n := utf8.DecodeRuneInString(s[i:])
		us = append(us, s[i:i+n])
		i += n
	}
	return us
}

func refIsSpace(u string) bool {
	r, n := utf8.DecodeRuneInString(u)
	return n == len(u) && n > 0 && r != utf8.RuneError && pystr.IsSpace(r)
}

// refJoin is Python's " ".join(s.split()).
func refJoin(s string) string {
	var fields []string
	cur := ""
	for _, u := range refUnits(s) {
		if refIsSpace(u) {
			if cur != "" {
				fields = append(fields, cur)
			}
			cur = ""
			continue
		}
		cur += u
	}
	if cur != "" {
		fields = append(fields, cur)
	}
	return strings.Join(fields, " ")
}

func refPostTokenize(s string) string {
	for _, p := range refPost {
		s = p.re.ReplaceAllString(s, p.repl)
	}
	return refJoin(s)
}

func refTokenize(name, s string) string {
	switch name {
	case "13a":
		s = strings.ReplaceAll(s, "<skipped>", "")
		s = strings.ReplaceAll(s, "-\n", "")
		s = strings.ReplaceAll(s, "\n", " ")
		if strings.Contains(s, "&") {
			s = strings.ReplaceAll(s, "&quot;", `"`)
			s = strings.ReplaceAll(s, "&amp;", "&")
			s = strings.ReplaceAll(s, "&lt;", "<")
			s = strings.ReplaceAll(s, "&gt;", ">")
		}
		return refPostTokenize(" " + s + " ")
	case "intl":
		for _, p := range refIntl {
			s = p.re.ReplaceAllString(s, p.repl)
		}
		return refJoin(s)
	case "zh":
		us := refUnits(s)
		for len(us) > 0 && refIsSpace(us[0]) {
			us = us[1:]
		}
		for len(us) > 0 && refIsSpace(us[len(us)-1]) {
			us = us[:len(us)-1]
		}
		var b strings.Builder
		for _, u := range us {
			r, n := utf8.DecodeRuneInString(u)
			if n == len(u) && r != utf8.RuneError && refZhChar(r) {
				b.WriteString(" " + u + " ")
			} else {
				b.WriteString(u)
			}
		}
		return refPostTokenize(b.String())
	case "char":
		return refJoin(strings.Join(refUnits(s), " "))
	case "none":
		return refJoin(s)
	}
	panic("unknown tokenizer " + name)
}

// refZhChar is TokenizerZh._is_chinese_char as Python evaluates its range list: string
// comparisons, where "\u20000" is the two characters U+2000 and '0'.
func refZhChar(r rune) bool {
	c := string(r)
	for _, rg := range [][2]string{
		{"\u3400", "\u4db5"}, {"\u4e00", "\u9fa5"}, {"\u9fa6", "\u9fbb"}, {"\uf900", "\ufa2d"},
		{"\ufa30", "\ufa6a"}, {"\ufa70", "\ufad9"}, {"\u2000" + "0", "\u2a6d" + "6"},
		{"\u2f80" + "0", "\u2fa1" + "d"}, {"\uff00", "\uffef"}, {"\u2e80", "\u2eff"},
		{"\u3000", "\u303f"}, {"\u31c0", "\u31ef"}, {"\u2f00", "\u2fdf"}, {"\u2ff0", "\u2fff"},
		{"\u3100", "\u312f"}, {"\u31a0", "\u31bf"}, {"\ufe10", "\ufe1f"}, {"\ufe30", "\ufe4f"},
		{"\u2600", "\u26ff"}, {"\u2700", "\u27bf"}, {"\u3200", "\u32ff"}, {"\u3300", "\u33ff"},
	} {
		// Go compares strings bytewise, which for valid UTF-8 is code point order, as in Python.
		if rg[0] <= c && c <= rg[1] {
			return true
		}
	}
	return false
}

func TestRefZhCharMatchesTable(t *testing.T) {
	for r := rune(0); r <= utf8.MaxRune; r++ {
		if (r < 0xD800 || r > 0xDFFF) && refZhChar(r) != isZhChar(r) {
			t.Fatalf("refZhChar(%U) = %v, isZhChar = %v", r, refZhChar(r), isZhChar(r))
		}
	}
}

func TestRefTokenizeGolden(t *testing.T) {
	// The references themselves must reproduce sacreBLEU on the goldens.
	_, cases := loadTokenizeCases(t)
	for _, name := range tokenizerNames {
		for _, c := range cases {
			if got := refTokenize(name, c.In); got != c.Out[name] {
				t.Errorf("ref %s %+q = %+q, want %+q", name, c.In, got, c.Out[name])
			}
		}
	}
}

func fuzzTokenizer(f *testing.F, name string) {
	// Every golden is checked by TestTokenizeGolden; an evenly spaced quarter of
	// them seeds the fuzzer, so that a short -fuzztime is not spent on the seeds.
	_, cases := loadTokenizeCases(f)
	for i, c := range cases {
		if i%4 == 0 {
			f.Add(c.In)
		}
	}
	for _, s := range []string{"\xff", "a\xe2\x80.", "1\xc2.\xc2", "&amp;\xff;", "\xe3\x80"} {
		f.Add(s)
	}
	tok, err := NewTokenizer(name)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := string(tok.Append(nil, s))
		if want := refTokenize(name, s); got != want {
			t.Fatalf("%s %+q:\n got %+q\nwant %+q", name, s, got, want)
		}
		if strings.HasPrefix(got, " ") || strings.HasSuffix(got, " ") || strings.Contains(got, "  ") {
			t.Fatalf("%s %+q: bad spacing in %+q", name, s, got)
		}
		if refJoin(got) != got {
			t.Fatalf("%s %+q: %+q has whitespace inside a token", name, s, got)
		}
		if prefixed := string(tok.Append([]byte("x"), s)); prefixed != "x"+got {
			t.Fatalf("%s %+q: with a prefix %+q", name, s, prefixed)
		}
	})
}

func FuzzTokenize13a(f *testing.F)  { fuzzTokenizer(f, "13a") }
func FuzzTokenizeIntl(f *testing.F) { fuzzTokenizer(f, "intl") }
func FuzzTokenizeZh(f *testing.F)   { fuzzTokenizer(f, "zh") }
func FuzzTokenizeChar(f *testing.F) { fuzzTokenizer(f, "char") }
func FuzzTokenizeNone(f *testing.F) { fuzzTokenizer(f, "none") }
