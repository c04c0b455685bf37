package winrate

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func statsOf(xs ...float64) Stats {
	var s Stats
	for _, x := range xs {
		s.Add(x)
	}
	return s
}

func TestScore(t *testing.T) {
	sc, err := New(Config{})
	require.NoError(t, err)
	// AlpacaEval 1.0's worked example: 205 wins, 584 baseline wins, 16 draws.
	var st Stats
	for range 205 {
		st.Add(1)
	}
	for range 584 {
		st.Add(0)
	}
	for range 16 {
		st.Add(0.5)
	}
	r := sc.Score(st)
	assert.InDelta(t, 26.459627329192543, r.WinRate, 1e-12)
	assert.InDelta(t, 1.535711469748, r.StandardError, 1e-9)
	assert.InDelta(t, r.WinRate, r.DiscreteWinRate, 1e-12)
	assert.Equal(t, [4]int64{205, 584, 16, 805}, [4]int64{r.NWins, r.NWinsBase, r.NDraws, r.NTotal})
	assert.InDelta(t, r.WinRate-1.959963984540054*r.StandardError, r.Normal.Low, 1e-9)

	// Continuous preferences: the win rate is their mean, the discrete one rounds.
	r = sc.Score(statsOf(0.9, 0.7, 0.6))
	assert.InDelta(t, 100*(0.9+0.7+0.6)/3, r.WinRate, 1e-12)
	assert.Equal(t, 100.0, r.DiscreteWinRate)
	// Student's t with 2 degrees of freedom has a closed-form CDF.
	assert.InDelta(t, 2.6457513110645894, r.PairedT.Statistic, 1e-12)
	assert.InDelta(t, 0.11808289631180324, r.PairedT.P, 1e-9)

	// All draws: 50, zero standard error (the baseline against itself).
	r = sc.Score(statsOf(0.5, 0.5, 0.5, 0.5))
	assert.Equal(t, 50.0, r.WinRate)
	assert.Equal(t, 0.0, r.StandardError)
	assert.Equal(t, 1.0, r.SignTest.P)
	assert.True(t, math.IsNaN(r.PairedT.P))

	// Merge in any grouping gives the same figures.
	a, b := statsOf(1, 0, 0.25), statsOf(0.5, 0.75)
	a.Merge(b)
	assert.Equal(t, sc.Score(statsOf(1, 0, 0.25, 0.5, 0.75)), sc.Score(a))

	r = sc.Score(Stats{})
	assert.True(t, math.IsNaN(r.WinRate))
}

func TestIntervalsAndTests(t *testing.T) {
	lo, hi := Wilson(7, 20, 0.95)
	assert.InDelta(t, 0.18119182410108206, lo, 1e-12)
	assert.InDelta(t, 0.5671457233147638, hi, 1e-12)
	lo, hi = ClopperPearson(7, 20, 0.95) // R: binom.test(7, 20)$conf.int
	assert.InDelta(t, 0.1539092, lo, 1e-7)
	assert.InDelta(t, 0.5921885, hi, 1e-7)
	lo, hi = ClopperPearson(0, 10, 0.95)
	assert.Equal(t, 0.0, lo)
	assert.InDelta(t, 1-math.Pow(0.025, 0.1), hi, 1e-12)
	lo, hi = ClopperPearson(10, 10, 0.95)
	assert.InDelta(t, math.Pow(0.025, 0.1), lo, 1e-12)
	assert.Equal(t, 1.0, hi)
	lo, _ = Wilson(0, 0, 0.95)
	assert.True(t, math.IsNaN(lo))

	tests := []struct {
		w, l int64
		p    float64
	}{
		{3, 17, 2702.0 / 1048576},
		{17, 3, 2702.0 / 1048576},
		{7, 3, 352.0 / 1024},
		{5, 5, 1},
		{0, 0, 1},
		{0, 1, 1},
		{0, 10, 2.0 / 1024},
	}
	for _, tt := range tests {
		assert.InDelta(t, tt.p, SignTest(tt.w, tt.l).P, 1e-12, "%d wins, %d losses", tt.w, tt.l)
	}
}

func TestNewConfig(t *testing.T) {
	sc, err := New(Config{})
	require.NoError(t, err)
	assert.Equal(t, Config{Confidence: 0.95, Bootstrap: 1000}, sc.Config())
	for _, c := range []Config{{Confidence: 1}, {Confidence: -0.1}, {Confidence: math.NaN()}, {Bootstrap: -1}} {
		_, err := New(c)
		require.ErrorIs(t, err, ErrConfig, "%+v", c)
	}
}

func TestBootstrap(t *testing.T) {
	ctx := context.Background()
	sc, err := New(Config{Bootstrap: 2000, Seed: 7})
	require.NoError(t, err)
	xs := make([]float64, 0, 200)
	for i := range 200 {
		xs = append(xs, []float64{1, 0, 0, 0.5}[i%4])
	}
	iv, err := sc.Bootstrap(ctx, xs)
	require.NoError(t, err)
	iv2, err := sc.Bootstrap(ctx, xs)
	require.NoError(t, err)
	assert.Equal(t, iv, iv2, "seeded")
	// Close to the normal interval 37.5 ± 1.96 · SE.
	r := sc.Score(StatsOf(cmps(xs)))
	assert.InDelta(t, r.Normal.Low, iv.Low, 1.0)
	assert.InDelta(t, r.Normal.High, iv.High, 1.0)

	_, err = sc.Bootstrap(ctx, nil)
	require.ErrorIs(t, err, ErrNoData)
	_, err = sc.Bootstrap(ctx, []float64{2})
	require.ErrorIs(t, err, ErrOutcome)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = sc.Bootstrap(cctx, xs)
	require.ErrorIs(t, err, context.Canceled)
}

func cmps(xs []float64) []Comparison {
	cs := make([]Comparison, len(xs))
	for i, x := range xs {
		cs[i] = Comparison{Model: "m", Baseline: "b", Outcome: x}
	}
	return cs
}

// TestCoverage checks by simulation that the intervals cover the true win rate
// about as often as their level promises.
func TestCoverage(t *testing.T) {
	reps, boots := 2000, 400
	if testing.Short() {
		reps, boots = 400, 200
	}
	rng := rand.New(rand.NewPCG(1, 2))
	const conf = 0.9
	sc, err := New(Config{Confidence: conf, Bootstrap: boots, Seed: 3})
	require.NoError(t, err)
	ctx := context.Background()

	// Binomial outcomes: win 0.35, loss 0.65. (With draws counted as half a win the
	// outcomes vary less than a binomial's, and Wilson and Clopper-Pearson over-cover.)
	const n, truth = 80, 35.0
	var wilson, cp, normal, boot int
	xs := make([]float64, n)
	bootReps := reps / 4
	for rep := range reps {
		var st Stats
		for i := range xs {
			u := rng.Float64()
			switch {
			case u < 0.35:
				xs[i] = 1
			default:
				xs[i] = 0
			}
			st.Add(xs[i])
		}
		r := sc.Score(st)
		in := func(iv Interval) bool { return iv.Low <= truth && truth <= iv.High }
		if in(r.Wilson) {
			wilson++
		}
		if in(r.ClopperPearson) {
			cp++
		}
		if in(r.Normal) {
			normal++
		}
		if rep < bootReps {
			iv, err := sc.Bootstrap(ctx, xs)
			require.NoError(t, err)
			if in(iv) {
				boot++
			}
		}
	}
	frac := func(k, m int) float64 { return float64(k) / float64(m) }
	tol := 3 * math.Sqrt(conf*(1-conf)/float64(reps))
	assert.InDelta(t, conf, frac(wilson, reps), tol+0.01, "Wilson")
	assert.GreaterOrEqual(t, frac(cp, reps), conf-tol, "Clopper-Pearson is conservative")
	assert.InDelta(t, conf, frac(normal, reps), tol+0.02, "normal")
	assert.InDelta(t, conf, frac(boot, bootReps), 3*math.Sqrt(conf*(1-conf)/float64(bootReps))+0.02, "bootstrap")

	// Continuous outcomes (logprob judges): Beta(2, 3), mean 40 %; normal and
	// bootstrap (index resampling: more than 64 distinct values).
	normal, boot = 0, 0
	for rep := range bootReps {
		var st Stats
		for i := range xs {
			a, b := rng.ExpFloat64()+rng.ExpFloat64(), rng.ExpFloat64()+rng.ExpFloat64()+rng.ExpFloat64()
			xs[i] = a / (a + b)
			st.Add(xs[i])
		}
		if iv := sc.Score(st).Normal; iv.Low <= 40 && 40 <= iv.High {
			normal++
		}
		iv, err := sc.Bootstrap(ctx, xs)
		require.NoError(t, err)
		if iv.Low <= 40 && 40 <= iv.High {
			boot++
		}
		_ = rep
	}
	tolB := 3*math.Sqrt(conf*(1-conf)/float64(bootReps)) + 0.02
	assert.InDelta(t, conf, frac(normal, bootReps), tolB, "normal, continuous")
	assert.InDelta(t, conf, frac(boot, bootReps), tolB, "bootstrap, continuous")
}
