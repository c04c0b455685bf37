package winrate

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/sophia-ai/sophia-eval/internal/pyfloat"
)

// maxDistinct is the number of distinct outcomes up to which a resample is drawn
// as multinomial counts (a few binomial draws) instead of n indices.
const maxDistinct = 64

// Bootstrap returns the percentile interval of the win rate (in percent) over
// Config.Bootstrap resamples of the outcomes, each drawn with replacement, at
// Config.Confidence: the (1-c)/2 and (1+c)/2 percentiles of the resampled win
// rates, interpolated linearly as numpy's percentile. The random stream is a PCG
// seeded with Config.Seed, so a seed gives the same interval on every machine.
// When the outcomes take few distinct values (wins, losses, draws), a resample
// is drawn as multinomial counts, so its cost does not grow with n.
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
	rng := rand.New(rand.NewPCG(sc.c.Seed, 0x5f3759df))
	rates := make([]float64, sc.c.Bootstrap)

	counts := map[float64]int64{}
	for _, x := range outcomes {
		counts[x]++
		if len(counts) > maxDistinct {
			counts = nil
			break
		}
	}
	if counts != nil {
		vals := make([]float64, 0, len(counts))
		for v := range counts {
			vals = append(vals, v)
		}
		slices.Sort(vals) // map order is random; the stream must not depend on it
		for b := range rates {
			if b%256 == 0 && ctx.Err() != nil {
				return Interval{}, ctx.Err()
			}
			left, leftN := int64(n), int64(n)
			var sum float64
			for j, v := range vals {
				var x int64
				switch {
				case j == len(vals)-1:
					x = left
				case left > 0:
					p := float64(counts[v]) / float64(leftN)
					x = int64(distuv.Binomial{N: float64(left), P: p, Src: rng}.Rand())
				}
				sum += float64(x) * v
				left -= x
				leftN -= counts[v]
			}
			rates[b] = 100 * sum / float64(n)
		}
	} else {
		for b := range rates {
			if b%16 == 0 && ctx.Err() != nil {
				return Interval{}, ctx.Err()
			}
			var sum float64
			for range n {
				sum += outcomes[rng.IntN(n)]
			}
			rates[b] = 100 * sum / float64(n)
		}
	}
	slices.Sort(rates)
	c := sc.c.Confidence
	return Interval{pyfloat.Percentile(rates, 100*(1-c)/2), pyfloat.Percentile(rates, 100*(1+c)/2)}, nil
}
