package winrate

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/sophia-ai/sophia-eval/internal/pyfloat"
	"github.com/sophia-ai/sophia-eval/internal/shard"
)

// maxDistinct is the number of distinct outcomes up to which a resample is drawn
// as multinomial counts (a few binomial draws) instead of n indices.
const maxDistinct = 64

// Bootstrap returns the percentile interval of the win rate (in percent) over
// Config.Bootstrap resamples of the outcomes, each drawn with replacement, at
// Config.Confidence: the (1-c)/2 and (1+c)/2 percentiles of the resampled win
// rates, interpolated linearly as numpy's percentile.
//
// Resample b draws from its own xoshiro256++ generator seeded with Config.Seed
// and b, so a seed gives the same interval on every machine and for any
// Config.Workers. When the outcomes take few distinct values (wins, losses,
// draws), a resample is drawn as multinomial counts, so its cost does not grow
// with n; otherwise it sums n outcomes picked by Lemire's bounded integers. The
// resamples are split across Config.Workers goroutines; nothing is allocated per
// resample.
func (sc *Scorer) Bootstrap(ctx context.Context, outcomes []float64) (Interval, error) {
	n := len(outcomes)
	if n == 0 {
		return Interval{math.NaN(), math.NaN()}, ErrNoData
	}
	for i, x := range outcomes {
		if !validOutcome(x) {
			return Interval{}, fmt.Errorf("%w: outcome %d is %v", ErrOutcome, i+1, x)
		}
	}
	rates := make([]float64, sc.c.Bootstrap)

	counts := map[float64]int64{}
	for _, x := range outcomes {
		counts[x]++
		if len(counts) > maxDistinct {
			counts = nil
			break
		}
	}
	var resample func(g *xoshiro) float64
	if counts != nil {
		vals := make([]float64, 0, len(counts))
		for v := range counts {
			vals = append(vals, v)
		}
		slices.Sort(vals) // map order is random; the stream must not depend on it
		cnt := make([]int64, len(vals))
		for j, v := range vals {
			cnt[j] = counts[v]
		}
		resample = func(g *xoshiro) float64 {
			left, leftN := int64(n), int64(n)
			var sum float64
			for j, v := range vals {
				var x int64
				switch {
				case j == len(vals)-1:
					x = left
				case left > 0:
					p := float64(cnt[j]) / float64(leftN)
					x = int64(distuv.Binomial{N: float64(left), P: p, Src: g}.Rand())
				}
				sum += float64(x) * v
				left -= x
				leftN -= cnt[j]
			}
			return sum
		}
	} else {
		resample = func(g *xoshiro) float64 { return gatherSum(outcomes, g) }
	}
	err := parallelRounds(ctx, sc.c.Workers, len(rates), resampleChunk, sc.c.Seed, func(_, b int, g *xoshiro) error {
		rates[b] = 100 * resample(g) / float64(n)
		return nil
	})
	if err != nil {
		return Interval{}, err
	}
	slices.Sort(rates)
	c := sc.c.Confidence
	return Interval{pyfloat.Percentile(rates, 100*(1-c)/2), pyfloat.Percentile(rates, 100*(1+c)/2)}, nil
}

// resampleChunk is the number of resamples a worker takes at a time, between
// checks of ctx.
const resampleChunk = 16

// parallelRounds calls f(w, b, g) for every round b in [0, rounds), g seeded
// with seed and b, on up to workers goroutines (0 = GOMAXPROCS; 1 = the
// caller's only); w in [0, workers) numbers the goroutine, for scratch space.
// A goroutine takes chunk rounds at a time. It returns the first error of f or
// of ctx, checked between chunks.
func parallelRounds(ctx context.Context, workers, rounds, chunk int, seed uint64, f func(w, b int, g *xoshiro) error) error {
	workers = max(1, min(shard.Workers(workers), (rounds+chunk-1)/chunk))
	var next atomic.Int64
	var failed atomic.Bool
	run := func(w int) error {
		var g xoshiro
		for !failed.Load() {
			start := int(next.Add(int64(chunk))) - chunk
			if start >= rounds {
				return nil
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			for b := start; b < min(start+chunk, rounds); b++ {
				g.reseed(seed, uint64(b))
				if err := f(w, b, &g); err != nil {
					failed.Store(true)
					return err
				}
			}
		}
		return nil
	}
	if workers == 1 {
		return run(0)
	}
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() { errs[w] = run(w) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
