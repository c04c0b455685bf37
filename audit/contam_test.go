package audit

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func join(w []string) string { return strings.Join(w, " ") }

func docsOf(file string, texts ...string) []Doc {
	out := make([]Doc, len(texts))
	for i, s := range texts {
		out[i] = Doc{File: file, Line: int64(i + 1), Text: s}
	}
	return out
}

func build(t *testing.T, c Config, train []Doc) *Index {
	t.Helper()
	ix, _, err := BuildIndex(context.Background(), c, Docs(train...), nil)
	require.NoError(t, err)
	return ix
}

// TestPlantedContamination plants evaluation items in a training corpus at known
// places, exactly, lightly edited and with sentences reordered, and checks the
// exact overlap figures.
func TestPlantedContamination(t *testing.T) {
	w := genWords(42, 400) // distinct words: no chance matches
	s1, s2, s3 := w[0:15], w[15:30], w[30:45]
	long := w[100:140] // 40 words
	train := docsOf("train.txt", genCorpus(7, 20000)...)
	// Plant: the three sentences in order inside a line, the long text with
	// capitals and punctuation, a short item as a whole line.
	train[10].Text = "Intro words. " + join(s1) + ". " + join(s2) + ". " + join(s3) + ". Outro."
	train[20].Text = strings.ToUpper(join(long[:20])) + ", " + join(long[20:]) + "!"
	train[30].Text = "What is the capital of France?"
	edited := append([]string{}, long...)
	edited[30] = "changedword"

	tests := []struct {
		name    string
		text    string
		ngrams  int
		hits    int
		exact   bool
		verdict Verdict
		spans   []Span
	}{
		{"exact sentence", join(s1), 3, 3, false, Full, []Span{{0, len(join(s1))}}},
		{"whole long text", join(long), 28, 28, true, Full, []Span{{0, len(join(long))}}},
		// Word 30 changed: the 10 windows that hold it (starts 18..27) miss.
		{"lightly edited", join(edited), 28, 18, false, Partial, nil},
		// S3 S1 S2: windows inside each sentence (3 each) and across S1|S2 (12)
		// occur in training; the 12 across S3|S1 do not.
		{"reordered sentences", join(s3) + " " + join(s1) + " " + join(s2), 33, 21, false, Partial,
			[]Span{{0, len(join(s3))}, {len(join(s3)) + 1, len(join(s3)) + 1 + len(join(s1)) + 1 + len(join(s2))}}},
		{"short exact duplicate", "what is the CAPITAL of france", 0, 0, true, Full, []Span{{0, 29}}},
		{"short, not a duplicate", "What is the capital of Spain?", 0, 0, false, Clean, []Span{}},
		{"clean", join(w[200:260]), 48, 0, false, Clean, []Span{}},
	}
	// The lightly edited item: the hit windows start at 0..17 and cover words
	// 0..29, so the span ends after word 29.
	tests[2].spans = []Span{{0, len(join(long[:30]))}}

	c := Config{Partial: 0.5}
	for _, workers := range []int{1, 3} {
		c.Workers = workers
		ix := build(t, c, train)
		for _, tt := range tests {
			t.Run(fmt.Sprintf("workers=%d/%s", workers, tt.name), func(t *testing.T) {
				r, err := ix.Check(c, Doc{File: "eval.jsonl", Line: 5, Text: tt.text})
				require.NoError(t, err)
				assert.Equal(t, tt.ngrams, r.NGrams, "ngrams")
				assert.Equal(t, tt.hits, r.Hits, "hits")
				if tt.ngrams > 0 {
					assert.InDelta(t, float64(tt.hits)/float64(tt.ngrams), r.Share, 1e-12)
				}
				assert.Equal(t, tt.exact, r.Exact, "exact")
				assert.Equal(t, tt.verdict, r.Verdict)
				assert.Equal(t, tt.spans, r.Spans)
				assert.Equal(t, "eval.jsonl:5", r.Name)
				f, ok := r.Finding()
				assert.Equal(t, tt.verdict != Clean, ok)
				if ok {
					assert.ErrorIs(t, &f, ErrContaminated)
					assert.Equal(t, tt.verdict.String(), f.Code)
					assert.Equal(t, int64(5), f.Line)
					assert.Contains(t, f.Error(), "eval.jsonl:5: audit: evaluation item eval.jsonl:5 is ")
				}
			})
		}
	}
}

func TestSpansAreCodePoints(t *testing.T) {
	w := genWords(3, 20)
	train := docsOf("t", join(w))
	ix := build(t, Config{NGram: 3}, train)
	text := "Ünïcödé «" + w[2] + ", " + strings.ToUpper(w[3]) + " " + w[4] + "» tail"
	r, err := ix.Check(Config{NGram: 3}, Doc{Text: text, ID: "q1"})
	require.NoError(t, err)
	require.Len(t, r.Spans, 1)
	runes := []rune(text)
	assert.Equal(t, w[2]+", "+strings.ToUpper(w[3])+" "+w[4], string(runes[r.Spans[0].Start:r.Spans[0].End]))
	assert.Equal(t, "q1", r.Name)
}

func TestCharMode(t *testing.T) {
	train := docsOf("t", "The quick brown fox jumps over the lazy dog; pack my box with five dozen liquor jugs.")
	c := Config{Chars: 50}
	ix := build(t, c, train)
	assert.Equal(t, Config{Chars: 50}, ix.Config())
	r, err := ix.Check(c, Doc{Text: "THE QUICK-BROWN fox jumps over the lazy dog, pack my box with five"})
	require.NoError(t, err)
	// 52 kept characters: 3 windows, all in the training text.
	assert.Equal(t, 3, r.NGrams)
	assert.Equal(t, 3, r.Hits)
	assert.Equal(t, Full, r.Verdict)
	_, err = ix.Check(Config{}, Doc{Text: "x"})
	require.ErrorIs(t, err, ErrIndexMismatch)
}

func TestConfigErrors(t *testing.T) {
	for _, c := range []Config{{NGram: -1}, {Chars: -2}, {Partial: 2}, {Full: 1.5}, {Partial: 0.9, Full: 0.5}, {Workers: -1}} {
		_, _, err := BuildIndex(context.Background(), c, Docs(), nil)
		assert.Error(t, err, "%+v", c)
	}
}

// TestWorkersIdentical: the index file and every result are the same for 1
// and N workers.
func TestWorkersIdentical(t *testing.T) {
	train := docsOf("train", genCorpus(11, 1<<20)...)
	evalTexts := genCorpus(11, 1<<16) // same seed: the first lines are contaminated
	evalTexts = append(evalTexts, genCorpus(12, 1<<16)...)
	eval := docsOf("eval", evalTexts...)
	for _, mode := range []Config{{}, {Chars: 50}} {
		var files [][]byte
		var results [][]Result
		for _, workers := range []int{1, 2, 5} {
			c := mode
			c.Workers = workers
			ix := build(t, c, train)
			var buf bytes.Buffer
			_, err := ix.WriteTo(&buf)
			require.NoError(t, err)
			files = append(files, buf.Bytes())
			var res []Result
			sums, err := CheckSource(context.Background(), c, ix, Docs(eval...), func(r *Result) error {
				res = append(res, *r)
				return nil
			})
			require.NoError(t, err)
			require.Len(t, sums, 1)
			assert.Equal(t, len(eval), sums[0].Items)
			assert.Positive(t, sums[0].Full)
			results = append(results, res)
		}
		for i := 1; i < len(files); i++ {
			assert.True(t, bytes.Equal(files[0], files[i]), "index file differs")
			assert.Equal(t, results[0], results[i])
		}
	}
}

func TestIndexRoundTrip(t *testing.T) {
	for _, c := range []Config{{}, {Chars: 50}, {Chars: 7}} {
		testIndexRoundTrip(t, c)
	}
}

func testIndexRoundTrip(t *testing.T, c Config) {
	train := docsOf("train", genCorpus(5, 1<<17)...)
	ix := build(t, c, train)
	var buf bytes.Buffer
	n, err := ix.WriteTo(&buf)
	require.NoError(t, err)
	assert.Equal(t, int64(buf.Len()), n)
	got, err := ReadIndex(bytes.NewReader(buf.Bytes()))
	require.NoError(t, err)
	assert.Equal(t, ix.NGrams(), got.NGrams())
	// A character index, built or loaded, keeps at most an eighth more room
	// than it holds (cpart.trim, slabs.trim); a built one also keeps a
	// reference to each record (8 bytes), which a loaded one of ASCII
	// records does without.
	assert.LessOrEqual(t, got.MemBytes(), ix.MemBytes()+ix.MemBytes()/8)
	assert.LessOrEqual(t, ix.MemBytes(), got.MemBytes()+got.MemBytes()/4)
	assert.Equal(t, ix.Config(), got.Config())
	assert.Equal(t, ix.Texts, got.Texts)
	assert.Equal(t, ix.Bytes, got.Bytes)
	// Items made of halves of two training texts: partly found.
	eval := slices.Clone(train[:60])
	for i := range eval[:30] {
		a, b := train[2*i].Text, train[2*i+1].Text
		eval[i].Text = a[:len(a)/2] + " Zyx " + b[len(b)/2:]
	}
	partial := 0
	for i, d := range eval {
		a, _ := ix.Check(c, d)
		b, _ := got.Check(c, d)
		assert.Equal(t, a, b)
		if i >= 30 {
			assert.Equal(t, Full, b.Verdict)
		} else if b.Hits > 0 && b.Hits < b.NGrams {
			partial++
		}
	}
	assert.Greater(t, partial, 20, describe(c))
	data := buf.Bytes()
	for _, tc := range []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"magic", append([]byte("x"), data[1:]...)},
		{"truncated", data[:len(data)/2]},
		{"checksum", append(append([]byte{}, data[:len(data)-1]...), data[len(data)-1]^1)},
		{"trailing", append(append([]byte{}, data...), 0)},
	} {
		_, err := ReadIndex(bytes.NewReader(tc.b))
		assert.ErrorIs(t, err, ErrIndexFormat, tc.name)
	}
}

func FuzzReadIndex(f *testing.F) {
	for _, c := range []Config{{NGram: 2}, {Chars: 6}} {
		var buf bytes.Buffer
		ix, _, _ := BuildIndex(context.Background(), c, Docs(Doc{Text: "a b c d"}, Doc{Text: "abcdefghijk"}), nil)
		ix.WriteTo(&buf)
		f.Add(buf.Bytes())
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ix, err := ReadIndex(bytes.NewReader(b))
		if err == nil {
			ix.Check(ix.Config(), Doc{Text: "a b c d e"})
			ix.Check(ix.Config(), Doc{Text: "abcdefghijk abcdefghijk"})
		}
	})
}

func TestCleanGeneratedCorpus(t *testing.T) {
	ix := build(t, Config{}, docsOf("train", genCorpus(21, 1<<19)...))
	sums, err := CheckSource(context.Background(), Config{}, ix, Docs(docsOf("eval", genCorpus(22, 1<<16)...)...), nil)
	require.NoError(t, err)
	assert.Zero(t, sums[0].Contaminated())
	assert.Zero(t, sums[0].Exact)
}
