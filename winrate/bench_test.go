package winrate

import (
	"context"
	"fmt"
	"testing"
)

var sinkIv Interval

// BenchmarkBootstrap is the goal size: a 10 000-sample bootstrap on
// 100 000 comparisons, with discrete outcomes (multinomial resamples) and with
// continuous ones (AlpacaEval 2.0's weighted judge; resampled index by index),
// on all cores and on one.
func BenchmarkBootstrap(b *testing.B) {
	const n, boots = 100_000, 10_000
	for _, kind := range []string{"discrete", "continuous"} {
		xs := make([]float64, n)
		for i := range xs {
			if kind == "discrete" {
				xs[i] = []float64{1, 0, 0.5}[i%3]
			} else {
				xs[i] = float64(i%99_991) / 99_990
			}
		}
		for _, w := range []int{0, 1} {
			b.Run(fmt.Sprintf("%s/workers=%d", kind, w), func(b *testing.B) {
				sc, err := New(Config{Bootstrap: boots, Workers: w})
				if err != nil {
					b.Fatal(err)
				}
				b.SetBytes(int64(8 * n))
				b.ReportAllocs()
				for b.Loop() {
					sinkIv, _ = sc.Bootstrap(context.Background(), xs)
				}
			})
		}
	}
}

func BenchmarkParse(b *testing.B) {
	var data []byte
	data = append(data, '[')
	for i := range 10_000 {
		if i > 0 {
			data = append(data, ",\n"...)
		}
		data = fmt.Appendf(data, `{"instruction": "q%d", "output_1": "a", "generator_1": "base", "output_2": "b", "generator_2": "m", "dataset": "d", "preference": %v}`, i, 1+float64(i%100)/99)
	}
	data = append(data, ']')
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Parse(data, "bench", ReadConfig{}); err != nil {
			b.Fatal(err)
		}
	}
}
