package winrate

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOnlineElo(t *testing.T) {
	cs := []Comparison{
		{Model: "a", Baseline: "b", Outcome: 1},
		{Model: "b", Baseline: "c", Outcome: 0.5},
		{Model: "c", Baseline: "a", Outcome: 1},
		{Model: "a", Baseline: "b", Outcome: 0},
		{Model: "b", Baseline: "a", Outcome: 0.5},
	}
	r, err := OnlineElo(cs, EloConfig{})
	require.NoError(t, err)
	// FastChat's compute_elo on the same battles (CPython 3.11).
	want := map[string]float64{"a": 997.9888177882158, "b": 1000.0111159409986, "c": 1002.0000662707856}
	require.Len(t, r, 3)
	assert.Equal(t, []string{"c", "b", "a"}, []string{r[0].Model, r[1].Model, r[2].Model})
	for _, m := range r {
		assert.InDelta(t, want[m.Model], m.Rating, 1e-9, m.Model)
	}
	assert.Equal(t, int64(4), r[2].Battles)
	assert.Equal(t, 3, r[2].Rank)

	_, err = OnlineElo(nil, EloConfig{})
	require.ErrorIs(t, err, ErrNoData)
	_, err = OnlineElo(cs, EloConfig{Base: 0.5})
	require.ErrorIs(t, err, ErrConfig)
	_, err = OnlineElo([]Comparison{{Model: "a", Baseline: "b", Outcome: -1}}, EloConfig{})
	require.ErrorIs(t, err, ErrOutcome)
}
