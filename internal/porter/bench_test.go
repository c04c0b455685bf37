package porter

import (
	"fmt"
	"testing"

	"github.com/sophia-ai/sophia-eval/internal/benchcorpus"
)

// benchTokens returns the tokens rouge-score stems in lines: the maximal
// runs of [a-z0-9] of the lowercased text (ASCII lowercasing is enough
// here), longer than 3 characters; and their total length.
func benchTokens(lines []string) ([]string, int64) {
	var toks []string
	var size int64
	for _, line := range lines {
		lower := []byte(line)
		for i, c := range lower {
			if 'A' <= c && c <= 'Z' {
				lower[i] = c + 'a' - 'A'
			}
		}
		text := string(lower)
		for i := 0; i < len(text); {
			j := i
			for j < len(text) && ('a' <= text[j] && text[j] <= 'z' || '0' <= text[j] && text[j] <= '9') {
				j++
			}
			if j-i > 3 {
				toks = append(toks, text[i:j])
				size += int64(j - i)
			}
			i = j + 1
		}
	}
	return toks, size
}

// newsTokens are the stemmed tokens of 4000 lines of benchcorpus's news-like
// text (references and hypotheses): 27 333 tokens, 7 016 distinct, from a
// Zipf vocabulary of English and synthetic words.
func newsTokens() ([]string, int64) {
	c := benchcorpus.Generate(1, 2000)
	return benchTokens(append(append([]string{}, c.Ref...), c.Hyp...))
}

// perWord reports the time per word.
func perWord(b *testing.B, words int) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(words), "ns/word")
}

// BenchmarkStem stems a realistic stream of tokens and, separately, the
// golden words (every ending of every rule, many of them replaced).
func BenchmarkStem(b *testing.B) {
	news, newsSize := newsTokens()
	words, _ := golden(b)
	var golden []string
	var goldenSize int64
	for _, p := range words {
		golden = append(golden, p.word)
		goldenSize += int64(len(p.word))
	}
	for _, c := range []struct {
		name string
		toks []string
		size int64
	}{{"news", news, newsSize}, {"golden", golden, goldenSize}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(c.size)
			b.ReportAllocs()
			for b.Loop() {
				for _, t := range c.toks {
					sink = Stem(t)
				}
			}
			perWord(b, len(c.toks))
		})
	}
	b.Run("news/parallel", func(b *testing.B) {
		b.SetBytes(newsSize / int64(len(news)))
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			var s string
			for i := 0; pb.Next(); i++ {
				s = Stem(news[i%len(news)])
			}
			_ = s
		})
	})
}

// BenchmarkCache stems the news tokens through a warm Cache, one per
// goroutine in the parallel case, and through caches too small to hold the
// vocabulary.
func BenchmarkCache(b *testing.B) {
	news, size := newsTokens()
	for _, limit := range []int{DefaultCacheLimit, 1024} {
		b.Run(fmt.Sprintf("limit=%d", limit), func(b *testing.B) {
			c := NewCache(limit)
			for _, t := range news {
				c.Stem(t)
			}
			b.SetBytes(size)
			b.ReportAllocs()
			for b.Loop() {
				for _, t := range news {
					sink = c.Stem(t)
				}
			}
			perWord(b, len(news))
		})
	}
	b.Run("parallel", func(b *testing.B) {
		b.SetBytes(size / int64(len(news)))
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			c := NewCache(0)
			var s string
			for i := 0; pb.Next(); i++ {
				s = c.Stem(news[i%len(news)])
			}
			_ = s
		})
	})
}
