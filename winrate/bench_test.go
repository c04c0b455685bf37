package winrate

import (
	"context"
	"fmt"
	"math/rand/v2"
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

var sinkRatings *Ratings

// BenchmarkRatings is the goal size: Bradley-Terry with 100 bootstrap
// rounds on 1 000 000 battles among 100 models, counted into a Battles as a
// stream (no slice of battles is kept), then fitted.
func BenchmarkRatings(b *testing.B) {
	const models, battles = 100, 1_000_000
	names := make([]string, models)
	strength := make([]float64, models)
	for i := range names {
		names[i] = fmt.Sprintf("model-%03d", i)
		strength[i] = float64(i%17) / 8
	}
	b.ReportAllocs()
	for b.Loop() {
		rng := rand.New(rand.NewPCG(1, 2))
		var bt Battles
		for range battles {
			i, j := rng.IntN(models), rng.IntN(models-1)
			if j >= i {
				j++
			}
			p := sigmoid(strength[i] - strength[j])
			y := 0.0
			switch u := rng.Float64(); {
			case u < 0.1:
				y = 0.5
			case u < 0.1+0.9*p:
				y = 1
			}
			if err := bt.Add(Comparison{Model: names[i], Baseline: names[j], Outcome: y}); err != nil {
				b.Fatal(err)
			}
		}
		r, err := FitBattles(context.Background(), &bt, RatingConfig{Rounds: 100})
		if err != nil {
			b.Fatal(err)
		}
		sinkRatings = r
	}
}
