package winrate

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func battles(spec ...any) []Comparison {
	var cs []Comparison
	for i := 0; i < len(spec); i += 4 {
		for range spec[i+3].(int) {
			cs = append(cs, Comparison{Model: spec[i].(string), Baseline: spec[i+1].(string), Outcome: spec[i+2].(float64)})
		}
	}
	return cs
}

func TestRatingsSmall(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		cs   []Comparison
		diff float64 // rating of a minus rating of b
	}{
		{"3 wins 1 loss", battles("a", "b", 1.0, 3, "a", "b", 0.0, 1), 400 * math.Log10(3)},
		{"recorded both ways", battles("a", "b", 1.0, 2, "b", "a", 0.0, 1, "b", "a", 1.0, 1), 400 * math.Log10(3)},
		// Ties count half: 2 + 1 = 3 wins against 1 + 1 = 2.
		{"ties half", battles("a", "b", 1.0, 2, "a", "b", 0.5, 2, "a", "b", 0.0, 1), 400 * math.Log10(1.5)},
		{"even", battles("a", "b", 1.0, 2, "a", "b", 0.0, 2, "a", "a", 1.0, 5), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := FitRatings(ctx, tt.cs, RatingConfig{Rounds: -1})
			require.NoError(t, err)
			require.True(t, r.Converged)
			a, _ := r.Find("a")
			b, _ := r.Find("b")
			assert.InDelta(t, tt.diff, a.Rating-b.Rating, 1e-9)
			assert.InDelta(t, 2000, a.Rating+b.Rating, 1e-9, "ratings average 1000")
			assert.True(t, math.IsNaN(a.Low))
		})
	}
}

// zermelo fits Bradley-Terry strengths with the minorisation-maximisation
// iteration pi_i <- W_i / sum_j n_ij / (pi_i + pi_j), ties as half a win: an
// algorithm independent of the Newton fit.
func zermelo(cs []Comparison, models []string) map[string]float64 {
	idx := map[string]int{}
	for i, m := range models {
		idx[m] = i
	}
	k := len(models)
	w := make([]float64, k)
	nij := make([][]float64, k)
	for i := range nij {
		nij[i] = make([]float64, k)
	}
	for _, c := range cs {
		a, b := idx[c.Model], idx[c.Baseline]
		w[a] += c.Outcome
		w[b] += 1 - c.Outcome
		nij[a][b]++
		nij[b][a]++
	}
	pi := make([]float64, k)
	for i := range pi {
		pi[i] = 1
	}
	for range 20000 {
		next := make([]float64, k)
		var logSum float64
		for i := range k {
			var den float64
			for j := range k {
				if nij[i][j] > 0 {
					den += nij[i][j] / (pi[i] + pi[j])
				}
			}
			next[i] = w[i] / den
			logSum += math.Log(next[i])
		}
		g := math.Exp(logSum / float64(k))
		for i := range next {
			pi[i] = next[i] / g
		}
	}
	out := map[string]float64{}
	for i, m := range models {
		out[m] = 1000 + 400*math.Log10(pi[i]) // geometric mean 1 -> average 1000
	}
	return out
}

func TestRatingsAgainstZermelo(t *testing.T) {
	cs := battles(
		"a", "b", 1.0, 7, "a", "b", 0.0, 3, "a", "b", 0.5, 2,
		"b", "c", 1.0, 5, "b", "c", 0.0, 4,
		"c", "a", 1.0, 2, "c", "a", 0.0, 6, "c", "a", 0.5, 1,
		"d", "c", 1.0, 3, "d", "a", 0.0, 2, "d", "b", 0.5, 3, "d", "b", 1.0, 1,
	)
	r, err := FitRatings(context.Background(), cs, RatingConfig{Rounds: -1})
	require.NoError(t, err)
	require.True(t, r.Converged)
	want := zermelo(cs, []string{"a", "b", "c", "d"})
	for _, m := range r.Models {
		assert.InDelta(t, want[m.Model], m.Rating, 1e-6, m.Model)
	}
	assert.Equal(t, "a", r.Models[0].Model)
	assert.Equal(t, []int{1, 2, 3, 4}, []int{r.Models[0].Rank, r.Models[1].Rank, r.Models[2].Rank, r.Models[3].Rank})
}

// syntheticTournament draws battles among models of known ratings.
func syntheticTournament(rng *rand.Rand, truth []float64, n int, tieRate float64) []Comparison {
	cs := make([]Comparison, n)
	for i := range cs {
		a := rng.IntN(len(truth))
		b := rng.IntN(len(truth) - 1)
		if b >= a {
			b++
		}
		// Ties with probability tieRate, wins with p - tieRate/2: the expected
		// score stays p, the Bradley-Terry probability with ties as half.
		p := 1 / (1 + math.Pow(10, (truth[b]-truth[a])/400))
		o := 0.0
		switch u := rng.Float64(); {
		case u < tieRate:
			o = 0.5
		case u < p+tieRate/2:
			o = 1
		}
		cs[i] = Comparison{Model: fmt.Sprintf("m%02d", a), Baseline: fmt.Sprintf("m%02d", b), Outcome: o}
	}
	return cs
}

func TestRatingsRecoverStrengths(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	truth := []float64{1200, 1150, 1100, 1050, 1000, 950, 900, 800}
	n := 40000
	if testing.Short() {
		n = 10000
	}
	cs := syntheticTournament(rng, truth, n, 0.1)
	r, err := FitRatings(context.Background(), cs, RatingConfig{Anchor: "m04", AnchorRating: 1000, Rounds: 50, Seed: 1})
	require.NoError(t, err)
	require.True(t, r.Converged)
	covered := 0
	for _, m := range r.Models {
		var i int
		fmt.Sscanf(m.Model, "m%02d", &i)
		assert.InDelta(t, truth[i], m.Rating, 25, m.Model)
		if m.Model != "m04" { // the anchor is fixed in every round
			assert.Less(t, m.Low, m.Rating, m.Model)
			assert.Greater(t, m.High, m.Rating, m.Model)
		}
		if m.Low <= truth[i] && truth[i] <= m.High {
			covered++
		}
	}
	a, ok := r.Find("m04")
	require.True(t, ok)
	assert.Equal(t, 1000.0, a.Rating, "anchored")
	assert.GreaterOrEqual(t, covered, 6, "95 % intervals cover most true ratings")
	assert.Equal(t, "m00", r.Models[0].Model)
	assert.Equal(t, 1, r.Models[0].Rank)
	assert.Equal(t, len(truth), r.Models[len(truth)-1].Rank, "the weakest is far below every other")

	// Seeded: the same intervals again.
	r2, err := FitRatings(context.Background(), cs, RatingConfig{Anchor: "m04", AnchorRating: 1000, Rounds: 50, Seed: 1})
	require.NoError(t, err)
	assert.Equal(t, r.Models, r2.Models)
}

func TestRatingsEdges(t *testing.T) {
	ctx := context.Background()
	_, err := FitRatings(ctx, battles("a", "b", 1.0, 1, "a", "b", 0.0, 1, "c", "d", 1.0, 1, "c", "d", 0.0, 1), RatingConfig{Rounds: -1})
	require.ErrorIs(t, err, ErrDisconnected)
	_, err = FitRatings(ctx, nil, RatingConfig{})
	require.ErrorIs(t, err, ErrNoData)
	_, err = FitRatings(ctx, battles("a", "b", 1.5, 1), RatingConfig{})
	require.ErrorIs(t, err, ErrOutcome)
	for _, c := range []RatingConfig{{Scale: -1}, {Base: 1}, {Confidence: 2}, {Init: math.Inf(1)}} {
		_, err = FitRatings(ctx, battles("a", "b", 1.0, 1), c)
		require.ErrorIs(t, err, ErrConfig, "%+v", c)
	}
	// a never lost: no finite maximum-likelihood rating.
	r, err := FitRatings(ctx, battles("a", "b", 1.0, 3, "b", "c", 1.0, 1, "b", "c", 0.0, 1), RatingConfig{Rounds: -1})
	require.NoError(t, err)
	assert.False(t, r.Converged)
	assert.Equal(t, "a", r.Models[0].Model)

	// Predicted win rates.
	r, err = FitRatings(ctx, battles("a", "b", 1.0, 1, "a", "b", 0.0, 1), RatingConfig{Rounds: -1})
	require.NoError(t, err)
	assert.Equal(t, 50.0, r.WinRate(1000, 1000))
	assert.InDelta(t, 100/1.1, r.WinRate(1400, 1000), 1e-12)
}

func BenchmarkFitRatings(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	truth := make([]float64, 100)
	for i := range truth {
		truth[i] = 800 + 4*float64(i)
	}
	cs := syntheticTournament(rng, truth, 1_000_000, 0.1)
	b.SetBytes(int64(len(cs))) // "MB/s" reads as millions of battles per second
	b.ReportAllocs()
	for b.Loop() {
		if _, err := FitRatings(context.Background(), cs, RatingConfig{Rounds: 100}); err != nil {
			b.Fatal(err)
		}
	}
}
