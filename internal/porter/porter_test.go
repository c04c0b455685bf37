package porter

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
)

// The goldens under testdata/ were recorded from NLTK 3.8 by
// testdata/gen/porter_words.py, whose doc string gives the command and the
// formats.

// A pair is a word and NLTK's stem of it.
type pair struct{ word, stem string }

var (
	goldenOnce  sync.Once
	goldenWords []pair // words.tsv.gz: [a-z0-9]* words
	goldenOther []pair // other.tsv.gz: every other kind of string
	goldenErr   error
)

// golden returns the pairs of words.tsv.gz and other.tsv.gz.
func golden(tb testing.TB) (words, other []pair) {
	tb.Helper()
	goldenOnce.Do(func() {
		goldenWords, goldenErr = readGolden("testdata/words.tsv.gz", "# porter words v1: ", false)
		if goldenErr == nil {
			goldenOther, goldenErr = readGolden("testdata/other.tsv.gz", "# porter other v1: ", true)
		}
	})
	require.NoError(tb, goldenErr)
	return goldenWords, goldenOther
}

// readGolden reads a gzip'd file of a header line, which starts with prefix
// and then gives the number of pairs, and lines "WORD\tSTEM", escaped with
// \xHH when escaped.
func readGolden(path, prefix string, escaped bool) ([]pair, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	sc := bufio.NewScanner(zr)
	if !sc.Scan() || !strings.HasPrefix(sc.Text(), prefix) {
		return nil, fmt.Errorf("%s: bad header", path)
	}
	count, err := strconv.Atoi(strings.Fields(strings.TrimPrefix(sc.Text(), prefix))[0])
	if err != nil {
		return nil, fmt.Errorf("%s: bad header: %w", path, err)
	}
	var pairs []pair
	for sc.Scan() {
		word, stem, ok := strings.Cut(sc.Text(), "\t")
		if !ok {
			return nil, fmt.Errorf("%s:%d: no tab", path, len(pairs)+2)
		}
		if escaped {
			if word, err = unescape(word); err == nil {
				stem, err = unescape(stem)
			}
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %w", path, len(pairs)+2, err)
			}
		}
		pairs = append(pairs, pair{word, stem})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(pairs) != count {
		return nil, fmt.Errorf("%s: %d pairs, header says %d", path, len(pairs), count)
	}
	return pairs, nil
}

// unescape undoes the \xHH escapes of other.tsv.gz.
func unescape(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b.WriteByte(s[i])
			continue
		}
		if i+4 > len(s) || s[i+1] != 'x' {
			return "", fmt.Errorf("bad escape in %q", s)
		}
		v, err := strconv.ParseUint(s[i+2:i+4], 16, 8)
		if err != nil {
			return "", fmt.Errorf("bad escape in %q: %w", s, err)
		}
		b.WriteByte(byte(v))
		i += 3
	}
	return b.String(), nil
}

// checkPairs reports every pair whose stem differs from stem's, the first
// few in full.
func checkPairs(t *testing.T, pairs []pair, stem func(string) string) {
	t.Helper()
	bad := 0
	for _, p := range pairs {
		if got := stem(p.word); got != p.stem {
			if bad++; bad <= 20 {
				t.Errorf("stem(%q) = %q, NLTK %q", p.word, got, p.stem)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d words differ from NLTK", bad, len(pairs))
	}
}

func TestGoldenWords(t *testing.T) {
	words, _ := golden(t)
	require.Greater(t, len(words), 50000)
	checkPairs(t, words, Stem)
	t.Logf("%d words compared with NLTK", len(words))
}

func TestGoldenOther(t *testing.T) {
	_, other := golden(t)
	require.Greater(t, len(other), 2000)
	checkPairs(t, other, Stem)
	t.Logf("%d other strings compared with NLTK", len(other))
}

// TestGoldenScanning runs the golden words through the scanning helpers that
// words longer than 64 bytes use.
func TestGoldenScanning(t *testing.T) {
	words, _ := golden(t)
	checkPairs(t, words, func(w string) string {
		if len(w) <= 2 {
			return w
		}
		if s, ok := irregular(w); ok {
			return s
		}
		b := []byte(w)
		return string(b[:stemWith(b, true)])
	})
}

// TestGoldenReference checks the slow reference of the fuzzer against NLTK.
func TestGoldenReference(t *testing.T) {
	words, other := golden(t)
	checkPairs(t, words, refStem)
	checkPairs(t, other, refStem)
}

// TestLongWords compares words longer than 64 bytes, which take the scanning
// helpers, with the reference; the golden words, padded in front, keep
// their endings.
func TestLongWords(t *testing.T) {
	words, other := golden(t)
	stride := 16 // the reference is slow on long words
	if testing.Short() || raceEnabled {
		stride = 128
	}
	for i, pads := range []string{strings.Repeat("a", 62), strings.Repeat("bcy", 21), strings.Repeat("y", 70), strings.Repeat("ab", 40)} {
		for j, p := range append(words, other...) {
			if (i+j)%stride != 0 {
				continue
			}
			w := pads + p.word
			if got, want := Stem(w), refStem(w); got != want {
				t.Fatalf("Stem(%q) = %q, reference %q", w, got, want)
			}
		}
	}
}

// A modeCase is a word whose NLTK_EXTENSIONS stem, the one Stem gives, is
// not what Martin Porter's own implementations (NLTK's MARTIN_EXTENSIONS)
// give.
type modeCase struct{ word, nltk, martin string }

// martinDiffers lists what differs from Martin Porter's frozen
// implementations. TestModes checks every row against testdata/modes.tsv,
// recorded from NLTK.
var martinDiffers = []modeCase{
	{"ties", "tie", "ti"},                       // step 1a: ies in a 4-letter word → ie
	{"died", "die", "di"},                       // step 1b: ied in a 4-letter word → ie
	{"days", "day", "dai"},                      // step 1c: y → i only after a consonant
	{"enjoy", "enjoy", "enjoi"},                 //
	{"fly", "fli", "fly"},                       // step 1c: no "stem has a vowel" condition
	{"nutritionally", "nutrit", "nutrition"},    // step 2: alli → al, then step 2 again
	{"conditionally", "condit", "condition"},    //
	{"beautifully", "beauti", "beautifulli"},    // step 2: fulli → ful
	{"geology", "geolog", "geologi"},            // step 2: logi → log measured before the l
	{"owed", "owe", "ow"},                       // *o: vowel + consonant is cvc, w too
	{"dying", "die", "dy"},                      // the irregular pool
	{"news", "news", "new"},                     //
	{"proceed", "proceed", "proce"},             //
	{"innings", "inning", "in"},                 //
	{"archaeology", "archaeolog", "archaeolog"}, // the same in both modes
	{"cried", "cri", "cri"},                     //
	{"happy", "happi", "happi"},                 //
	{"possibly", "possibl", "possibl"},          //
}

func TestModes(t *testing.T) {
	raw, err := os.ReadFile("testdata/modes.tsv")
	require.NoError(t, err)
	recorded := map[string][]string{} // word → NLTK, MARTIN, ORIGINAL
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		require.Len(t, f, 4, line)
		recorded[f[0]] = f[1:]
		require.Equal(t, f[1], Stem(f[0]), "Stem(%q)", f[0])
	}
	for _, c := range martinDiffers {
		r, ok := recorded[c.word]
		require.True(t, ok, "%q is not in modes.tsv", c.word)
		require.Equal(t, c.nltk, r[0], "NLTK_EXTENSIONS of %q", c.word)
		require.Equal(t, c.martin, r[1], "MARTIN_EXTENSIONS of %q", c.word)
		require.Equal(t, c.nltk, Stem(c.word), "Stem(%q)", c.word)
	}
}

func TestStem(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"a", "a"},
		{"is", "is"},
		{"ies", "i"},
		{"yes", "ye"},
		{"caresses", "caress"},
		{"ponies", "poni"},
		{"hopping", "hop"},
		{"falling", "fall"},
		{"filing", "file"},
		{"relational", "relat"},
		{"generalizations", "gener"},
		{"oscillators", "oscil"},
		{"1990s", "1990"},
		{"3rd", "3rd"},
		{"mp3s", "mp3"},
		{"covid19", "covid19"},
		{"12345", "12345"},
		{"syzygy", "syzygi"},
		{"yyyy", "yyyi"},
		{"skies", "sky"},
		{"SKY", "ski"},         // the pool is looked up before lowercasing
		{"Running", "run"},     // lowercased first
		{"ab*ded", "abd"},      // NLTK's "*d" marker matched literally
		{"İİİ", "i̇i̇i̇"},      // lowercase of U+0130 is two code points
		{"cafés", "café"},      // non-ASCII letters are consonants
		{"\xffing", "\xffing"}, // invalid UTF-8 kept as it is
		{"ab\xffed", "ab\xff"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			require.Equal(t, tt.want, Stem(tt.in))
			require.Equal(t, tt.want, refStem(tt.in))
		})
	}
}

// TestPrefixShares checks that a stem that is a prefix of a lowercase ASCII
// word is that word's memory, and that Stem then allocates nothing.
func TestPrefixShares(t *testing.T) {
	words, _ := golden(t)
	allocs := 0.0
	for i, p := range words {
		s := Stem(p.word)
		if s == "" || !strings.HasPrefix(p.word, s) {
			continue
		}
		if _, pool := irregular(p.word); !pool {
			require.Equal(t, unsafe.StringData(p.word), unsafe.StringData(s), "Stem(%q)", p.word)
		}
		if i%50 == 0 {
			allocs += testing.AllocsPerRun(10, func() { sink = Stem(p.word) })
		}
	}
	require.Zero(t, allocs)
	require.Equal(t, 1.0, testing.AllocsPerRun(10, func() { sink = Stem("happy") }))
}

var sink string
