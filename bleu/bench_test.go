package bleu_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/sophia-ai/sophia-eval/bleu"
	"github.com/sophia-ai/sophia-eval/internal/benchcorpus"
)

// Sizes of the benchmarks, as in the sacreBLEU measurements of the specification
// (§12); under testing.Short they are divided by 10 (see shrink).
const (
	benchLines     = 100000 // corpus and sentence-level scoring
	benchTestLines = 10000  // bootstrap and paired tests
	benchSeed      = 1
)

// shrink returns n, or n/10 in short mode.
func shrink(n int) int {
	if testing.Short() {
		return max(n/10, 1)
	}
	return n
}

var (
	benchMu     sync.Mutex
	benchCached *benchcorpus.Corpus
)

// benchCorpus returns the first shrink(n) lines of the benchmark corpus, generating it
// once per test binary.
func benchCorpus(b *testing.B, n int) *benchcorpus.Corpus {
	b.Helper()
	n = shrink(n)
	benchMu.Lock()
	defer benchMu.Unlock()
	if benchCached == nil || benchCached.Len() < n {
		benchCached = benchcorpus.Generate(benchSeed, n)
	}
	return benchCached.Head(n)
}

// benchWorkers returns the worker counts to compare: 1 and GOMAXPROCS.
func benchWorkers() []int {
	if n := runtime.GOMAXPROCS(0); n > 1 {
		return []int{1, n}
	}
	return []int{1}
}

func newBenchScorer(b *testing.B, c bleu.Config) *bleu.Scorer {
	b.Helper()
	sc, err := bleu.New(c)
	if err != nil {
		b.Fatal(err)
	}
	return sc
}

// benchSegStats returns the per-segment statistics of hyps against refs.
func benchSegStats(b *testing.B, sc *bleu.Scorer, hyps, refs []string) bleu.SegmentStats {
	b.Helper()
	src, err := bleu.Streams(hyps, refs)
	if err != nil {
		b.Fatal(err)
	}
	_, segs, err := sc.CorpusStats(context.Background(), src, true)
	if err != nil {
		b.Fatal(err)
	}
	return segs
}

// BenchmarkSegment scores one typical sentence pair (the first hypothesis of the
// corpus with 12 to 14 tokens) against 1 and 4 references.
func BenchmarkSegment(b *testing.B) {
	c := benchcorpus.Generate(benchSeed, 200)
	refs := c.RefStreams(benchSeed, 4)
	sc := newBenchScorer(b, bleu.Config{})
	i := 0
	for k := range c.Len() {
		if n := sc.Segment(c.Hyp[k], []string{c.Ref[k]}).HypLen; n >= 12 && n <= 14 {
			i = k
			break
		}
	}
	for _, nrefs := range []int{1, 4} {
		b.Run(fmt.Sprintf("refs=%d", nrefs), func(b *testing.B) {
			hyp := c.Hyp[i]
			var segRefs []string
			size := len(hyp)
			for _, s := range refs[:nrefs] {
				segRefs = append(segRefs, s[i])
				size += len(s[i])
			}
			b.SetBytes(int64(size))
			b.ReportAllocs()
			var st bleu.Stats
			for b.Loop() {
				st = sc.Segment(hyp, segRefs)
			}
			if st.HypLen == 0 {
				b.Fatal("empty hypothesis")
			}
		})
	}
}

// BenchmarkCorpus is corpus BLEU (13a) of 100 000 lines, on one goroutine and on all
// cores.
func BenchmarkCorpus(b *testing.B) {
	c := benchCorpus(b, benchLines)
	ctx := context.Background()
	for _, w := range benchWorkers() {
		b.Run(fmt.Sprintf("workers=%d", w), func(b *testing.B) {
			sc := newBenchScorer(b, bleu.Config{Workers: w})
			b.SetBytes(c.InputBytes())
			b.ReportAllocs()
			for b.Loop() {
				if _, err := sc.Corpus(ctx, c.Hyp, c.Ref); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCorpusTokenizer is corpus BLEU of 100 000 lines with each tokenizer and
// with -lc, on all cores.
func BenchmarkCorpusTokenizer(b *testing.B) {
	c := benchCorpus(b, benchLines)
	ctx := context.Background()
	for _, cfg := range []bleu.Config{
		{Tokenize: "13a"},
		{Tokenize: "13a", Lowercase: true},
		{Tokenize: "intl"},
		{Tokenize: "char"},
		{Tokenize: "none"},
	} {
		name := "tok=" + cfg.Tokenize
		if cfg.Lowercase {
			name += "-lc"
		}
		b.Run(name, func(b *testing.B) {
			sc := newBenchScorer(b, cfg)
			b.SetBytes(c.InputBytes())
			b.ReportAllocs()
			for b.Loop() {
				if _, err := sc.Corpus(ctx, c.Hyp, c.Ref); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCorpusStats is the per-segment statistics of 10 000 lines that the
// bootstrap and the paired tests start from.
func BenchmarkCorpusStats(b *testing.B) {
	c := benchCorpus(b, benchTestLines)
	sc := newBenchScorer(b, bleu.Config{})
	b.SetBytes(c.InputBytes())
	b.ReportAllocs()
	for b.Loop() {
		benchSegStats(b, sc, c.Hyp, c.Ref)
	}
}

// BenchmarkSentences is sentence-level BLEU (effective order, as sacreBLEU's -sl) of
// 100 000 lines; "format" also formats every score as the command line prints it,
// with the signature built once.
func BenchmarkSentences(b *testing.B) {
	c := benchCorpus(b, benchLines)
	refs := make([][]string, c.Len())
	for i, r := range c.Ref {
		refs[i] = []string{r}
	}
	ctx := context.Background()
	for _, format := range []bool{false, true} {
		name := "score"
		if format {
			name = "format"
		}
		b.Run(name, func(b *testing.B) {
			sc := newBenchScorer(b, bleu.Config{EffectiveOrder: true})
			var (
				n   int
				sig string // the same for every segment, as the command line prints it
			)
			fn := func(i int, s bleu.Score) error {
				if format {
					if sig == "" {
						sig = s.Signature.String()
					}
					n += len(s.Format(1, false, sig))
				}
				return nil
			}
			b.SetBytes(c.InputBytes())
			b.ReportAllocs()
			for b.Loop() {
				if err := sc.Sentences(ctx, c.Hyp, refs, fn); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkBootstrap is the 95% confidence interval (sacreBLEU's -ci) of 10 000 lines
// with 1000 resamples, from per-segment statistics.
func BenchmarkBootstrap(b *testing.B) {
	c := benchCorpus(b, benchTestLines)
	sc := newBenchScorer(b, bleu.Config{})
	segs := benchSegStats(b, sc, c.Hyp, c.Ref)
	ctx := context.Background()
	b.SetBytes(c.InputBytes())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := sc.Bootstrap(ctx, segs, bleu.Resample{N: shrink(bleu.DefaultBootstrap)}); err != nil {
			b.Fatal(err)
		}
	}
}

// benchPaired returns the per-segment statistics of the baseline and of the second
// system, and the bytes of the three files.
func benchPaired(b *testing.B, sc *bleu.Scorer) (base bleu.SegmentStats, sys []bleu.SegmentStats, size int64) {
	c := benchCorpus(b, benchTestLines)
	base = benchSegStats(b, sc, c.Hyp, c.Ref)
	sys = []bleu.SegmentStats{benchSegStats(b, sc, c.Sys2, c.Ref)}
	size = c.InputBytes()
	for _, l := range c.Sys2 {
		size += int64(len(l) + 1)
	}
	return base, sys, size
}

// BenchmarkPairedBootstrap is sacreBLEU's --paired-bs with 1000 resamples on 10 000
// lines, baseline and one system, from per-segment statistics.
func BenchmarkPairedBootstrap(b *testing.B) {
	sc := newBenchScorer(b, bleu.Config{})
	base, sys, size := benchPaired(b, sc)
	ctx := context.Background()
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := sc.PairedBootstrap(ctx, base, sys, bleu.Resample{N: shrink(bleu.DefaultBootstrap)}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPairedAR is sacreBLEU's --paired-ar with 10 000 trials on 10 000 lines,
// baseline and one system, from per-segment statistics.
func BenchmarkPairedAR(b *testing.B) {
	sc := newBenchScorer(b, bleu.Config{})
	base, sys, size := benchPaired(b, sc)
	ctx := context.Background()
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := sc.PairedAR(ctx, base, sys, bleu.Resample{N: shrink(bleu.DefaultTrials)}); err != nil {
			b.Fatal(err)
		}
	}
}
