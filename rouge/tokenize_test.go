package rouge

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/sophia-ai/sophia-eval/internal/pystr"
)

func tokensOf(f func([]byte, []int32, string) ([]byte, []int32), s string) []string {
	buf, spans := f(nil, nil, s)
	var out []string
	for k := 0; k < len(spans); k += 2 {
		out = append(out, string(buf[spans[k]:spans[k+1]]))
	}
	return out
}

var nonAlnum = regexp.MustCompile(`[^a-z0-9]+`)

// refTokenize is rouge-score's tokenizer without stemming, written as it is: Python's
// lowercase, non-[a-z0-9] runs to spaces, split, drop empty tokens.
func refTokenize(s string) []string {
	var out []string
	for _, t := range strings.Fields(nonAlnum.ReplaceAllString(pystr.Lower(s), " ")) {
		if t != "" {
			out = append(out, t)
		}
	}
	return out
}

func TestTokenizeDefault(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"The Cat's hat, 3.14!", []string{"the", "cat", "s", "hat", "3", "14"}},
		{"İstanbul", []string{"i", "stanbul"}},
		{"Größe café naïve", []string{"gr", "e", "caf", "na", "ve"}},
		{"\u212Aelvin", []string{"kelvin"}},
		{"ﬁnance １２３ 中文", []string{"nance"}},
		{"e\u0301x", []string{"e", "x"}},
		{"snake_case-and\r\nlines\u2028here", []string{"snake", "case", "and", "lines", "here"}},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tokensOf(appendTokensDefault, tt.in), "%q", tt.in)
		assert.Equal(t, tt.want, refTokenize(tt.in), "reference %q", tt.in)
	}
}

func TestTokenizeUnicode(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"Größe café naïve", []string{"größe", "café", "naïve"}},
		{"中文测试 abc", []string{"中", "文", "测", "试", "abc"}},
		{"ภาษาไทย", []string{"ภ", "า", "ษ", "า", "ไ", "ท", "ย"}},
		{"नमस्ते दुनिया", []string{"नमस्ते", "दुनिया"}},
		{"İstanbul ΟΔΟΣ", []string{"i̇stanbul", "οδος"}},
		{"It's 3.14", []string{"it", "s", "3", "14"}},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tokensOf(appendTokensUnicode, tt.in), "%q", tt.in)
	}
}

func FuzzTokenizeDefault(f *testing.F) {
	for _, s := range []string{"", "Hello, World!", "İx\u212A", "a\u0130b", "Größe", "\xff\xfeA"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8ValidString(s) {
			return // inputs are valid UTF-8 (the readers reject the rest)
		}
		got, want := tokensOf(appendTokensDefault, s), refTokenize(s)
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Fatalf("%q: got %q, want %q", s, got, want)
		}
	})
}

func FuzzTokenizeUnicode(f *testing.F) {
	for _, s := range []string{"", "中文 abc", "ภาษาไทย", "नमस्ते", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, tok := range tokensOf(appendTokensUnicode, s) {
			if tok == "" || strings.ContainsAny(tok, " \t\n") {
				t.Fatalf("%q: bad token %q", s, tok)
			}
		}
	})
}

func TestSplit(t *testing.T) {
	assert.Equal(t, []string{"a", " ", "b\r"}, splitNewline(nil, "\na\n\n \nb\r\n"))
	assert.Equal(t, []string{"Dr. Smith went home.", " It rained!", " Then 3.5 mm fell…", " Yes?"},
		splitRules(nil, "Dr. Smith went home. It rained! Then 3.5 mm fell… Yes?"))
	assert.Equal(t, []string{"He said \"no.\"", " J. R. R. Tolkien wrote it."},
		splitRules(nil, "He said \"no.\" J. R. R. Tolkien wrote it."))
	assert.Equal(t, []string{"第一句。", "第二句！", "end"}, splitRules(nil, "第一句。第二句！end"))
	assert.Equal(t, []string{"one", "two.", "three"}, splitRules(nil, "one\ntwo. \nthree"))
	assert.Equal(t, []string{"See No. 5 and no.", " Yes."}, splitRules(nil, "See No. 5 and no. Yes."))
}

func utf8ValidString(s string) bool {
	return !strings.ContainsRune(s, '\uFFFD') && strings.ToValidUTF8(s, "\uFFFD") == s
}
