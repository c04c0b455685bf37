package audit

import (
	"bytes"
	"context"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// windowsOf returns the windows of n characters of the character-mode
// normalisation of s, as strings.
func windowsOf(s string, n int) []string {
	r := []rune(Normalize(s, true))
	var out []string
	for a := 0; a+n <= len(r); a++ {
		out = append(out, string(r[a:a+n]))
	}
	return out
}

// tieText is text over a few letters, with long runs and periodic stretches, so
// that many m-grams are equal and the windows' choice of anchor rests on ties.
func tieText(r *rand.Rand, size int) string {
	alpha := "abc"[:1+r.IntN(3)]
	var b strings.Builder
	for b.Len() < size {
		switch r.IntN(4) {
		case 0:
			b.WriteString(strings.Repeat(alpha[r.IntN(len(alpha)):][:1], 1+r.IntN(40)))
		case 1:
			unit := b.String()
			if len(unit) > 5 {
				unit = unit[len(unit)-1-r.IntN(5):]
			}
			b.WriteString(strings.Repeat(unit, 1+r.IntN(8)))
		case 2:
			b.WriteString(" Ü, 日本 ")
		default:
			for range 1 + r.IntN(20) {
				b.WriteByte(alpha[r.IntN(len(alpha))])
			}
		}
	}
	return b.String()
}

// TestCharWindows checks every window of every evaluation text against a set of
// the training windows as strings: the anchored index must find exactly the
// windows that occur, whatever the window size, on text full of ties and
// repeats and with records both narrow and wide, with merges made frequent, for
// one and several workers, built (with three workers, from the training texts
// twice, so that its records are compacted) and loaded from its file.
func TestCharWindows(t *testing.T) {
	defer func(m int) { pendMin = m }(pendMin)
	pendMin = 64
	r := rand.New(rand.NewPCG(5, 7))
	var train, eval []string
	for range 300 {
		train = append(train, tieText(r, r.IntN(300)))
	}
	for i := range 300 {
		switch i % 3 {
		case 0: // a piece of a training text, edited
			s := train[r.IntN(len(train))]
			a := r.IntN(len(s) + 1)
			b := a + r.IntN(len(s)-a+1)
			eval = append(eval, strings.Replace(s[a:b], "a", "b", 1)+tieText(r, r.IntN(30)))
		case 1:
			eval = append(eval, tieText(r, r.IntN(200)))
		default:
			eval = append(eval, train[r.IntN(len(train))])
		}
	}
	train = append(train, refCorpus(3, 1<<14)...)
	eval = append(eval, refCorpus(3, 1<<12)...)
	for _, n := range []int{1, 2, 3, 5, 7, 13, 20, 50, 64} {
		have := map[string]bool{}
		for _, s := range train {
			for _, w := range windowsOf(s, n) {
				have[w] = true
			}
		}
		for _, variant := range []string{"1 worker", "3 workers", "loaded"} {
			workers, docs := 1, docsOf("train", train...)
			if variant != "1 worker" {
				workers, docs = 3, append(docs, docs...)
			}
			c := Config{Chars: n, Workers: workers}
			ix := build(t, c, docs)
			if variant != "1 worker" {
				require.LessOrEqual(t, ix.cs.st.records(), ix.NGrams()+ix.NGrams()/8, "n=%d: not compacted", n)
			}
			if n >= 13 { // both kinds of records, the wide of "ü, 日本"
				wide := 0
				for _, s := range ix.cs.st.wide {
					wide += len(s)
				}
				require.Positive(t, wide, "n=%d", n)
				require.Less(t, int64(wide), ix.NGrams(), "n=%d", n)
			}
			if variant == "loaded" {
				var buf bytes.Buffer
				_, err := ix.WriteTo(&buf)
				require.NoError(t, err)
				ix, err = ReadIndex(&buf)
				require.NoError(t, err)
			}
			ck, err := newChecker(ix, c)
			require.NoError(t, err)
			hits := ck.hitChars(docsOf("eval", eval...))
			found, total := 0, 0
			for i, s := range eval {
				ws := windowsOf(s, n)
				it := ck.items[i]
				require.Equal(t, len(ws), it.n, "n=%d item %d", n, i)
				for j, w := range ws {
					if hits[it.off+j] != have[w] {
						t.Fatalf("n=%d, %s, item %d %q, window %d %q: hit %v, want %v", n, variant, i, s, j, w, hits[it.off+j], have[w])
					}
					if have[w] {
						found++
					}
				}
				total += len(ws)
			}
			require.Positive(t, found, "n=%d", n)
			if n >= 5 { // every letter and pair of the few letters occurs
				require.Less(t, found, total, "n=%d", n)
			}
		}
	}
}

// TestCharIndexCanonical: the character index does not depend on the worker
// count or on how the merges fell.
func TestCharIndexCanonical(t *testing.T) {
	defer func(m int) { pendMin = m }(pendMin)
	train := refCorpus(8, 1<<16)
	var want *Index
	for _, pm := range []int{1 << 30, 7, 300} {
		for _, w := range []int{1, 2, 5} {
			pendMin = pm
			ix, _, err := BuildIndex(context.Background(), Config{Chars: 50, Workers: w}, Docs(docsOf("t", train...)...), nil)
			require.NoError(t, err)
			if want == nil {
				want = ix
				continue
			}
			for i := range want.cs.parts {
				require.Equal(t, want.cs.parts[i].keys, ix.cs.parts[i].keys, "partition %d", i)
				for j := range want.cs.parts[i].keys {
					require.Equal(t, want.cs.st.chars(want.cs.ref(i, j)), ix.cs.st.chars(ix.cs.ref(i, j)), "partition %d record %d", i, j)
				}
			}
		}
	}
	require.Positive(t, want.NGrams())
}

func BenchmarkAnalyze(b *testing.B) {
	docs, n := benchDocs(1, 4<<20)
	p := newCharParams(50, charK(50))
	var cd charDoc
	recs := 0
	b.SetBytes(n)
	b.ReportAllocs()
	for b.Loop() {
		recs = 0
		for i := range docs {
			cd.reset(0, nil, false)
			cd.analyze(docs[i].Text, &p, 0)
			recs += len(cd.anch)
		}
	}
	b.ReportMetric(float64(recs)/float64(n), "anchors/byte")
}

// TestRepeatedText: a training set of one line repeated many times (and a
// periodic line) keeps a handful of records, not one per repetition, and the
// line is found: every window but the one that starts with a character the
// training text never has there.
func TestRepeatedText(t *testing.T) {
	line := strings.Repeat("the same words over and over again ", 20)
	docs := make([]Doc, 5000)
	for i := range docs {
		docs[i] = Doc{File: "t", Line: int64(i + 1), Text: line}
	}
	ix := build(t, Config{Chars: 50}, docs)
	require.Less(t, ix.NGrams(), int64(50))
	r, err := ix.Check(Config{Chars: 50}, Doc{Text: "x " + line[:300]})
	require.NoError(t, err)
	require.Equal(t, r.NGrams-1, r.Hits) // all but the window with the x
	require.Equal(t, Full, r.Verdict)
}
