package winrate

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lcGolden is testdata/alpaca_lc_golden.json, written by
// testdata/gen/alpaca_lc_golden.py: AlpacaEval's own glm_winrate
// (length_controlled_v1) run on the shared annotations with the synthetic
// instruction difficulties and gamed rows stored here.
type lcGolden struct {
	Baseline   string       `json:"baseline"`
	Lambda     float64      `json:"lambda"`
	Difficulty []float64    `json:"difficulty"`
	Gamed      [][3]float64 `json:"gamed"`
	Models     map[string]struct {
		N       int     `json:"n"`
		WinRate float64 `json:"win_rate"`
		V1      lcRuns  `json:"length_controlled_v1"`
		Minimal lcRuns  `json:"length_controlled_minimal"`
	} `json:"models"`
}

// lcRuns are the runs of one GLM on one model, with scikit-learn's folds.
type lcRuns struct {
	Folds      string `json:"folds"`
	AlpacaEval lcFit  `json:"alpacaeval"`
	Tight      lcFit  `json:"tight"`
}

// lcFit is one run of the GLM: with AlpacaEval's liblinear settings (tol 1e-4)
// or with tol 1e-10 ("tight").
type lcFit struct {
	WinRate       float64   `json:"lc_win_rate"`
	StandardError float64   `json:"lc_standard_error"`
	C             float64   `json:"C"`
	Length        float64   `json:"length"`
	Difficulty    float64   `json:"difficulty"`
	NotGamed      float64   `json:"not_gamed"`
	CVScores      []float64 `json:"cv_scores"`
}

func readLCGolden(t *testing.T) (lcGolden, map[string]float64, []GamedRow, string) {
	t.Helper()
	dir := alpacaEvalDir(t)
	b, err := os.ReadFile(filepath.Join("testdata", "alpaca_lc_golden.json"))
	require.NoError(t, err)
	var g lcGolden
	require.NoError(t, json.Unmarshal(b, &g))
	// The difficulties are stored in the order of the baseline's annotations.
	base, _, err := ReadFile(lcAnnotations(dir, g.Baseline), ReadConfig{})
	require.NoError(t, err)
	require.Len(t, base, len(g.Difficulty))
	diff := map[string]float64{}
	for i, c := range base {
		if _, ok := diff[c.Item]; !ok {
			diff[c.Item] = g.Difficulty[i]
		}
	}
	gamed := make([]GamedRow, len(g.Gamed))
	for i, r := range g.Gamed {
		gamed[i] = GamedRow{StdDeltaLen: r[0], Difficulty: r[1], Outcome: r[2]}
	}
	return g, diff, gamed, dir
}

func lcAnnotations(dir, model string) string {
	return filepath.Join(dir, "results", model, "weighted_alpaca_eval_gpt4_turbo", "annotations.json")
}

// TestLengthControlledAlpacaEvalGLM checks the full length_controlled_v1 path
// (instruction difficulty, gamed rows, soft labels, L1 with cross-validation)
// against AlpacaEval's own code, and length_controlled_minimal too. Given the
// same folds as scikit-learn's GroupKFold, every cross-validation loss (to
// 5e-9), the chosen C, the coefficients (1e-7) and the win rate (2e-7 points)
// agree with liblinear run to tol 1e-10. AlpacaEval's own setting, tol 1e-4,
// stops early: its win rate is off the optimum by up to 0.001 points (v1) and
// 0.13 points (minimal) for the same C, and since the cross-validation losses of
// neighbouring Cs differ by less than its error, its choice of C can differ too
// (0.26 points at most here).
func TestLengthControlledAlpacaEvalGLM(t *testing.T) {
	g, diff, gamed, dir := readLCGolden(t)
	ctx := context.Background()
	sc, err := New(Config{})
	require.NoError(t, err)
	cfg := LengthConfig{Difficulty: diff, Gamed: gamed, Lambda: g.Lambda}

	names := make([]string, 0, len(g.Models))
	for m := range g.Models {
		names = append(names, m)
	}
	slices.Sort(names)
	if testing.Short() {
		names = []string{g.Baseline, "claude-2"}
	}
	for _, m := range names {
		want := g.Models[m]
		t.Run(m, func(t *testing.T) {
			cs, _, err := ReadFile(lcAnnotations(dir, m), ReadConfig{})
			require.NoError(t, err)
			require.Len(t, cs, want.N)
			assert.InDelta(t, want.WinRate, sc.Score(StatsOf(cs)).WinRate, 1e-9)
			if m == g.Baseline {
				for _, c := range []LengthConfig{cfg, {}} {
					r, err := LengthControlled(ctx, cs, c)
					require.NoError(t, err)
					assert.Equal(t, 50.0, r.WinRate)
					assert.Equal(t, 0.0, r.StandardError)
				}
				assert.Equal(t, 50.0, want.V1.AlpacaEval.WinRate)
				assert.Equal(t, 50.0, want.Minimal.AlpacaEval.WinRate)
				return
			}
			checkLCRuns(t, ctx, cs, cfg, m+" v1", want.WinRate, want.V1)
			if !testing.Short() {
				checkLCRuns(t, ctx, cs, LengthConfig{}, m+" minimal", want.WinRate, want.Minimal)
			}
		})
	}
}

// checkLCRuns compares one GLM on one model with AlpacaEval's runs.
func checkLCRuns(t *testing.T, ctx context.Context, cs []Comparison, cfg LengthConfig, name string, raw float64, want lcRuns) {
	t.Helper()
	// With scikit-learn's folds: the exact optimum.
	fold := make([]int, len(want.Folds))
	for i, ch := range want.Folds {
		fold[i] = int(ch - '0')
	}
	r, scores, err := lengthControlled(ctx, cs, cfg, fold)
	require.NoError(t, err)
	tight := want.Tight
	for k := range scores {
		assert.InDelta(t, -tight.CVScores[k], scores[k], 5e-9, "%s: CV loss of C #%d", name, k)
	}
	assert.InEpsilon(t, tight.C, r.C, 1e-12, name)
	assert.InDelta(t, tight.Length, r.Length, 1e-7, name)
	assert.InDelta(t, tight.Difficulty, r.Difficulty, 1e-7, name)
	assert.InDelta(t, tight.NotGamed, r.NotGamed, 1e-7, name)
	assert.InDelta(t, tight.WinRate, r.WinRate, 2e-7, name)
	assert.InDelta(t, tight.StandardError, r.StandardError, 1e-8, name)

	// AlpacaEval as it runs: liblinear stops at tol 1e-4.
	ae := want.AlpacaEval
	assert.InDelta(t, ae.WinRate, r.WinRate, 0.3, name)
	t.Logf("%s: raw %.4f, LC ours %.6f, AlpacaEval tol 1e-10 %.6f (diff %.1e), tol 1e-4 %.6f (diff %.4f; C %.4g, ours %.4g)",
		name, raw, r.WinRate, tight.WinRate, r.WinRate-tight.WinRate, ae.WinRate, r.WinRate-ae.WinRate, ae.C, r.C)
	if testing.Short() {
		return
	}
	// With our folds (row i in fold i mod 5).
	d, err := LengthControlled(ctx, cs, cfg)
	require.NoError(t, err)
	t.Logf("%s: LC with folds i mod 5: %.6f (diff %.4f; C %.4g)", name, d.WinRate, d.WinRate-r.WinRate, d.C)
}

// TestLengthControlledAlpacaEvalGLMProperties checks the properties on
// the full path with the same inputs: a model made from the baseline's own
// comparisons, whose outputs are only longer and which the judge prefers for
// that, wins far more than half raw and about half length-controlled; one that
// is also better keeps the advantage.
func TestLengthControlledAlpacaEvalGLMProperties(t *testing.T) {
	g, diff, gamed, dir := readLCGolden(t)
	base, _, err := ReadFile(lcAnnotations(dir, g.Baseline), ReadConfig{})
	require.NoError(t, err)
	cfg := LengthConfig{Difficulty: diff, Gamed: gamed, Lambda: g.Lambda}
	sc, err := New(Config{})
	require.NoError(t, err)
	longer := func(advantage float64) []Comparison {
		cs := slices.Clone(base)
		for i := range cs {
			cs[i].Model = "longer"
			cs[i].ModelLen = cs[i].BaselineLen*9/5 + 200
			z := float64(cs[i].BaselineLen-cs[i].ModelLen) / 1500
			cs[i].Outcome = sigmoid(advantage - 1.6*math.Tanh(z))
		}
		return cs
	}
	ctx := context.Background()
	cs := longer(0)
	raw := sc.Score(StatsOf(cs)).WinRate
	r, err := LengthControlled(ctx, cs, cfg)
	require.NoError(t, err)
	t.Logf("only longer: raw %.2f, LC %.2f (length coef %.3f)", raw, r.WinRate, r.Length)
	assert.Greater(t, raw, 70.0)
	assert.InDelta(t, 50, r.WinRate, 3)

	if testing.Short() {
		return
	}
	cs = longer(1)
	r, err = LengthControlled(ctx, cs, cfg)
	require.NoError(t, err)
	t.Logf("longer and better by 1 logit: raw %.2f, LC %.2f", sc.Score(StatsOf(cs)).WinRate, r.WinRate)
	assert.InDelta(t, 100*sigmoid(1), r.WinRate, 3)
}
