package winrate

import (
	"context"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestXoshiroFirstDraw checks the output function on the state {1, 2, 3, 4}:
// rotl(1+4, 23) + 1, worked out by hand.
func TestXoshiroFirstDraw(t *testing.T) {
	g := xoshiro{1, 2, 3, 4}
	assert.Equal(t, uint64(5<<23+1), g.Uint64())
}

// TestBelowUniform checks Lemire's bounded integers by a chi-square test, on
// bounds whose rejection rates range from none to about a quarter.
func TestBelowUniform(t *testing.T) {
	var g xoshiro
	g.reseed(1, 2)
	for _, n := range []uint64{1, 2, 3, 7, 10} {
		const draws = 70_000
		counts := make([]float64, n)
		for range draws {
			counts[g.below(n)]++
		}
		var chi2 float64
		for _, c := range counts {
			e := float64(draws) / float64(n)
			chi2 += (c - e) * (c - e) / e
		}
		// 99.9th percentile of chi-square with 9 degrees of freedom is 27.9.
		assert.Less(t, chi2, 28.0, "n=%d", n)
	}
	big := uint64(3 << 62) // rejects a quarter of the draws
	var high int
	for range 10_000 {
		x := g.below(big)
		require.Less(t, x, big)
		if x >= big/2 {
			high++
		}
	}
	assert.InDelta(t, 5000, high, 200)
}

// TestGatherSumMatchesOneByOne checks the unrolled gather-sum, with its
// generator state kept in locals, against the same draws taken one at a time.
func TestGatherSumMatchesOneByOne(t *testing.T) {
	for _, n := range []int{1, 2, 3, 7, 1000, 1001, 3 << 10} {
		vals := make([]float64, n)
		for i := range vals {
			vals[i] = float64(i) + 0.25
		}
		var g, h xoshiro
		g.reseed(9, uint64(n))
		h = g
		got := gatherSum(vals, &g)

		n64 := uint64(n)
		thr := uint32(-uint32(n) % uint32(n))
		pick := func(half uint64) uint64 {
			m := half * n64
			if uint32(m) < thr {
				return h.below(n64)
			}
			return m >> 32
		}
		var a, b float64
		i := 0
		for ; i+1 < n; i += 2 {
			r := h.Uint64()
			a += vals[pick(r&0xffffffff)]
			b += vals[pick(r>>32)]
		}
		if i < n {
			a += vals[h.below(n64)]
		}
		assert.Equal(t, a+b, got, "n=%d", n)
		assert.Equal(t, h, g, "state after n=%d", n)
	}
}

// TestBootstrapWorkers checks that the interval does not depend on the number
// of goroutines, on both resampling paths.
func TestBootstrapWorkers(t *testing.T) {
	ctx := context.Background()
	discrete := make([]float64, 300)
	continuous := make([]float64, 300)
	for i := range discrete {
		discrete[i] = []float64{1, 0, 0.5}[i%3]
		continuous[i] = math.Mod(float64(i)*0.618, 1)
	}
	for _, xs := range [][]float64{discrete, continuous} {
		var want Interval
		for _, w := range []int{1, 2, 3, 8, 0} {
			sc, err := New(Config{Bootstrap: 500, Seed: 4, Workers: w})
			require.NoError(t, err)
			iv, err := sc.Bootstrap(ctx, xs)
			require.NoError(t, err)
			if w == 1 {
				want = iv
			}
			assert.Equal(t, want, iv, "workers=%d", w)
		}
	}
	_, err := New(Config{Workers: -1})
	require.ErrorIs(t, err, ErrConfig)
}
