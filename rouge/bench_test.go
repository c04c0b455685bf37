package rouge_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/sophia-ai/sophia-eval/internal/benchcorpus"
	"github.com/sophia-ai/sophia-eval/rouge"
)

// Sizes of the benchmarks, as in the rouge-score measurements of the specification
// (§3): 10 000 pairs of summaries of about 120 and 550 tokens, and the bootstrap's
// 1000 resamples. Under testing.Short they are divided by 10 (see benchShrink).
const (
	benchPairs   = 10000
	benchSamples = 1000
	benchSeed    = 1
	// benchSegmentPairs is the number of pairs BenchmarkSegment cycles through, so
	// that ns/op is the mean over typical pairs, not the time of one chosen pair.
	benchSegmentPairs = 64
)

// benchLengths are the mean reference lengths, in tokens, of the two corpora.
var benchLengths = []int{benchcorpus.SummaryTokens, benchcorpus.LongSummaryTokens}

// benchTypes are the type sets benchmarked: each type alone and the four defaults.
var benchTypes = []struct {
	name  string
	types []string
}{
	{"rouge1", []string{"rouge1"}},
	{"rouge2", []string{"rouge2"}},
	{"rougeL", []string{"rougeL"}},
	{"rougeLsum", []string{"rougeLsum"}},
	{"default", rouge.DefaultTypes},
}

// benchShrink returns n, or n/10 in short mode.
func benchShrink(n int) int {
	if testing.Short() {
		return max(n/10, 1)
	}
	return n
}

// benchCorpusEntry is one cached corpus and its references in the layout of Pairs.
type benchCorpusEntry struct {
	s    *benchcorpus.Summaries
	refs [][]string
}

var (
	benchMu      sync.Mutex
	benchCorpora = map[int]*benchCorpusEntry{}
)

// benchSummaries returns the first n pairs of the benchmark corpus of the given mean
// length, and their references in the layout of rouge.Pairs, generating the corpus
// once per test binary.
func benchSummaries(b *testing.B, tokens, n int) (*benchcorpus.Summaries, [][]string) {
	b.Helper()
	benchMu.Lock()
	defer benchMu.Unlock()
	e := benchCorpora[tokens]
	if e == nil || e.s.Len() < n {
		s := benchcorpus.GenerateSummaries(benchSeed, n, tokens)
		refs := make([][]string, n)
		for i, r := range s.Ref {
			refs[i] = []string{r}
		}
		e = &benchCorpusEntry{s, refs}
		benchCorpora[tokens] = e
	}
	return e.s.Head(n), e.refs[:n]
}

// benchWorkers returns the worker counts to compare: 1 and GOMAXPROCS.
func benchWorkers() []int {
	if n := runtime.GOMAXPROCS(0); n > 1 {
		return []int{1, n}
	}
	return []int{1}
}

func newBenchScorer(b *testing.B, c rouge.Config) *rouge.Scorer {
	b.Helper()
	sc, err := rouge.New(c)
	if err != nil {
		b.Fatal(err)
	}
	return sc
}

func stemName(stem bool) string {
	if stem {
		return "stem=on"
	}
	return "stem=off"
}

// BenchmarkSegment scores one pair with Scorer.Segment, cycling through the first 64
// pairs of the ~120- and ~550-token corpora: each type alone and the four default
// types together, without and with stemming. ns/op is the mean time of one pair and
// MB/s counts the bytes of the prediction and the reference.
func BenchmarkSegment(b *testing.B) {
	for _, tokens := range benchLengths {
		s, refs := benchSummaries(b, tokens, benchSegmentPairs)
		for _, ty := range benchTypes {
			for _, stem := range []bool{false, true} {
				b.Run(fmt.Sprintf("tokens=%d/%s/%s", tokens, ty.name, stemName(stem)), func(b *testing.B) {
					sc := newBenchScorer(b, rouge.Config{Types: ty.types, Stem: stem})
					b.SetBytes(s.InputBytes() / int64(s.Len()))
					b.ReportAllocs()
					i := 0
					var r rouge.Result
					for b.Loop() {
						r = sc.Segment(s.Pred[i], refs[i])
						if i++; i == s.Len() {
							i = 0
						}
					}
					if r.Scores[0].FMeasure == 0 {
						b.Fatal("a pair scores 0")
					}
				})
			}
		}
	}
}

// BenchmarkCorpusStats is corpus ROUGE (the mean of every type, without per-item
// scores) of 10 000 pairs of the ~120- and ~550-token corpora, for rougeL, rougeLsum
// and the four default types, without and with stemming, on one goroutine and on all
// cores. Allocations per op must not grow with the number of pairs.
func BenchmarkCorpusStats(b *testing.B) {
	ctx := context.Background()
	for _, tokens := range benchLengths {
		s, refs := benchSummaries(b, tokens, benchShrink(benchPairs))
		for _, ty := range benchTypes[2:] {
			for _, stem := range []bool{false, true} {
				for _, w := range benchWorkers() {
					b.Run(fmt.Sprintf("tokens=%d/%s/%s/workers=%d", tokens, ty.name, stemName(stem), w), func(b *testing.B) {
						sc := newBenchScorer(b, rouge.Config{Types: ty.types, Stem: stem, Workers: w})
						b.SetBytes(s.InputBytes())
						b.ReportAllocs()
						for b.Loop() {
							src, err := rouge.Pairs(s.Pred, refs)
							if err != nil {
								b.Fatal(err)
							}
							st, _, err := sc.CorpusStats(ctx, src, false)
							if err != nil {
								b.Fatal(err)
							}
							if st.Items != int64(s.Len()) {
								b.Fatalf("%d items scored, want %d", st.Items, s.Len())
							}
						}
					})
				}
			}
		}
	}
}

// BenchmarkBootstrap is rouge-score's BootstrapAggregator (1000 resamples, 95%) over
// the per-item scores of 10 000 pairs of ~120 tokens for the four default types.
// The per-item scores are computed once, outside the timing.
func BenchmarkBootstrap(b *testing.B) {
	s, refs := benchSummaries(b, benchcorpus.SummaryTokens, benchShrink(benchPairs))
	sc := newBenchScorer(b, rouge.Config{})
	src, err := rouge.Pairs(s.Pred, refs)
	if err != nil {
		b.Fatal(err)
	}
	_, items, err := sc.CorpusStats(context.Background(), src, true)
	if err != nil {
		b.Fatal(err)
	}
	cfg := rouge.BootstrapConfig{Samples: benchShrink(benchSamples)}
	b.SetBytes(s.InputBytes())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := rouge.Bootstrap(items, cfg); err != nil {
			b.Fatal(err)
		}
	}
}
