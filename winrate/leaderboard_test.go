package winrate

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// alpacaEvalDir returns the shared AlpacaEval data folder, ../shared/data/alpaca_eval
// from the module root, or skips the test when it is absent. The files are under a
// non-commercial licence and are never copied into this repository.
func alpacaEvalDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("module root not found")
		}
		dir = parent
	}
	data := filepath.Join(dir, "..", "shared", "data", "alpaca_eval")
	if _, err := os.Stat(data); err != nil {
		t.Skipf("AlpacaEval reference data not found beside the module (%v)", err)
	}
	return data
}

// leaderboard reads an AlpacaEval leaderboard CSV into rows keyed by model name.
func leaderboard(t *testing.T, path string) map[string]map[string]string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	head := recs[0]
	rows := map[string]map[string]string{}
	for _, r := range recs[1:] {
		row := map[string]string{}
		for i, k := range head {
			row[k] = r[i]
		}
		rows[r[0]] = row
	}
	return rows
}

// TestAlpacaEvalLeaderboard recomputes the published leaderboard rows from the
// annotation files: every results/<model>/<annotator>/annotations.json against the
// row of <model> in the leaderboard of <annotator> (weighted_alpaca_eval_gpt4_turbo:
// AlpacaEval 2.0; alpaca_eval_gpt4: AlpacaEval 1.0).
func TestAlpacaEvalLeaderboard(t *testing.T) {
	dir := alpacaEvalDir(t)
	boards := map[string]map[string]map[string]string{
		"weighted_alpaca_eval_gpt4_turbo": leaderboard(t, filepath.Join(dir, "leaderboards", "data_AlpacaEval_2", "weighted_alpaca_eval_gpt4_turbo_leaderboard.csv")),
		"alpaca_eval_gpt4":                leaderboard(t, filepath.Join(dir, "leaderboards", "data_AlpacaEval", "alpaca_eval_gpt4_leaderboard.csv")),
	}
	files, err := filepath.Glob(filepath.Join(dir, "results", "*", "*", "annotations.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	sc, err := New(Config{})
	require.NoError(t, err)
	checked := 0
	for _, file := range files {
		annotator := filepath.Base(filepath.Dir(file))
		model := filepath.Base(filepath.Dir(filepath.Dir(file)))
		t.Run(model+"/"+annotator, func(t *testing.T) {
			row, ok := boards[annotator][model]
			if !ok {
				t.Skipf("no leaderboard row for %s under %s", model, annotator)
			}
			cs, info, err := ReadFile(file, ReadConfig{})
			require.NoError(t, err)
			require.Equal(t, FormatAlpacaEval, info.Format)
			pairs := Pairs(cs)
			require.Len(t, pairs, 1)
			require.Equal(t, model, pairs[0].Model)
			got := sc.Score(StatsOf(cs))
			num := func(k string) float64 {
				v, err := strconv.ParseFloat(row[k], 64)
				require.NoError(t, err, k)
				return v
			}
			assert.InDelta(t, num("win_rate"), got.WinRate, 1e-9, "win_rate")
			assert.InDelta(t, num("standard_error"), got.StandardError, 1e-9, "standard_error")
			assert.InDelta(t, num("discrete_win_rate"), got.DiscreteWinRate, 1e-9, "discrete_win_rate")
			assert.Equal(t, int64(num("n_wins")), got.NWins, "n_wins")
			assert.Equal(t, int64(num("n_wins_base")), got.NWinsBase, "n_wins_base")
			assert.Equal(t, int64(num("n_draws")), got.NDraws, "n_draws")
			assert.Equal(t, int64(num("n_total")), got.NTotal, "n_total")
			checked++
		})
	}
	assert.Equal(t, 7, checked, "the seven rows listed in the data README")
}
