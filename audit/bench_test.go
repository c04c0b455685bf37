package audit

import (
	"context"
	"fmt"
	"testing"
	"time"
	"unicode/utf8"
)

// loop runs f b.N times and also reports the throughput per CPU second of the
// whole process (all threads, the garbage collector's included), "MB/cpu-s":
// on a machine shared with other work the wall-clock MB/s varies with the
// load, while the CPU time the benchmark itself uses varies much less. With
// one worker it is the throughput per core.
func loop(b *testing.B, bytes int64, f func()) {
	b.SetBytes(bytes)
	b.ReportAllocs()
	var cpu time.Duration
	for b.Loop() {
		c0 := cpuTime()
		f()
		cpu += cpuTime() - c0
	}
	if cpu > 0 {
		b.ReportMetric(float64(bytes)*float64(b.N)/1e6/cpu.Seconds(), "MB/cpu-s")
	}
}

// benchDocs is a seeded generated corpus of about size bytes.
func benchDocs(seed uint64, size int) ([]Doc, int64) {
	lines := genCorpus(seed, size)
	var n int64
	for _, l := range lines {
		n += int64(len(l))
	}
	return docsOf("bench", lines...), n
}

func BenchmarkBuildIndex(b *testing.B) {
	docs, n := benchDocs(1, 16<<20)
	for _, mode := range []Config{{}, {Chars: 50}} {
		for _, w := range []int{1, 2} {
			c := mode
			c.Workers = w
			b.Run(fmt.Sprintf("%s/workers=%d", describeShort(c), w), func(b *testing.B) {
				var ix *Index
				loop(b, n, func() { ix, _, _ = BuildIndex(context.Background(), c, Docs(docs...), nil) })
				if c.Chars > 0 {
					// Per million windows of the training text (most
					// distinct), and records per byte of text.
					b.ReportMetric(float64(ix.MemBytes())/float64(windows(docs, c.Chars)), "MB/M-windows")
					b.ReportMetric(float64(ix.NGrams())/float64(n), "anchors/byte")
				} else {
					b.ReportMetric(float64(ix.MemBytes())/float64(ix.NGrams()), "MB/M-ngrams")
				}
			})
		}
	}
}

// windows counts the windows of n characters of docs.
func windows(docs []Doc, n int) int64 {
	var w int64
	for i := range docs {
		w += int64(max(0, utf8.RuneCountInString(Normalize(docs[i].Text, true))-n+1))
	}
	return w
}

func describeShort(c Config) string {
	if c.Chars > 0 {
		return fmt.Sprintf("chars=%d", c.Chars)
	}
	return "words=13"
}

func BenchmarkCheck(b *testing.B) {
	train, _ := benchDocs(1, 16<<20)
	eval, n := benchDocs(2, 8<<20)
	for _, w := range []int{1, 2} {
		c := Config{Workers: w}
		ix, _, _ := BuildIndex(context.Background(), c, Docs(train...), nil)
		b.Run(fmt.Sprintf("workers=%d", w), func(b *testing.B) {
			loop(b, n, func() { CheckSource(context.Background(), c, ix, Docs(eval...), nil) })
		})
	}
}

// BenchmarkCheckChars is BenchmarkCheck with 50-character windows.
func BenchmarkCheckChars(b *testing.B) {
	train, _ := benchDocs(1, 16<<20)
	eval, n := benchDocs(2, 8<<20)
	for _, w := range []int{1, 2} {
		c := Config{Chars: 50, Workers: w}
		ix, _, _ := BuildIndex(context.Background(), c, Docs(train...), nil)
		b.Run(fmt.Sprintf("workers=%d", w), func(b *testing.B) {
			loop(b, n, func() { CheckSource(context.Background(), c, ix, Docs(eval...), nil) })
		})
	}
}

// BenchmarkBuildIndexChars is BenchmarkBuildIndex's character mode alone.
func BenchmarkBuildIndexChars(b *testing.B) {
	docs, n := benchDocs(1, 16<<20)
	for _, w := range []int{1, 2} {
		c := Config{Chars: 50, Workers: w}
		b.Run(fmt.Sprintf("workers=%d", w), func(b *testing.B) {
			loop(b, n, func() { BuildIndex(context.Background(), c, Docs(docs...), nil) })
		})
	}
}

func BenchmarkScan(b *testing.B) {
	docs, n := benchDocs(3, 16<<20)
	sc, _ := NewScanner(nil)
	b.Run("one-text", func(b *testing.B) {
		b.SetBytes(n)
		b.ReportAllocs()
		for b.Loop() {
			for i := range docs {
				sc.scanDoc(nil, &docs[i])
			}
		}
	})
	for _, w := range []int{1, 2} {
		b.Run(fmt.Sprintf("source/workers=%d", w), func(b *testing.B) {
			b.SetBytes(n)
			b.ReportAllocs()
			for b.Loop() {
				ScanSource(context.Background(), sc, Docs(docs...), w)
			}
		})
	}
}
