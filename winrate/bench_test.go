package winrate

import (
	"context"
	"fmt"
	"testing"
)

var sinkIv Interval

func BenchmarkBootstrap(b *testing.B) {
	for _, kind := range []string{"discrete", "continuous"} {
		b.Run(kind, func(b *testing.B) {
			n := 100_000
			xs := make([]float64, n)
			for i := range xs {
				if kind == "discrete" {
					xs[i] = []float64{1, 0, 0.5}[i%3]
				} else {
					xs[i] = float64(i%997) / 996
				}
			}
			// Continuous outcomes are resampled index by index: 1000 resamples
			// there, 10 000 for the discrete (multinomial) path.
			boots := 10_000
			if kind == "continuous" {
				boots = 1000
			}
			sc, err := New(Config{Bootstrap: boots})
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
