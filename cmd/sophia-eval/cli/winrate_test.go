package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const winrateBattles = `{"model_a": "tuned", "model_b": "base", "winner": "model_a"}
{"model_a": "base", "model_b": "tuned", "winner": "model_b"}
{"model_a": "tuned", "model_b": "base", "winner": "tie"}
{"model_a": "tuned", "model_b": "base", "winner": "model_b"}
{"model_a": "base", "model_b": "other", "winner": "model_a"}
`

func TestWinrateJSON(t *testing.T) {
	p := writeFile(t, t.TempDir(), "battles.jsonl", []byte(winrateBattles))
	code, out, stderr := runCLI(t, "", "winrate", p, "--model", "tuned", "--baseline", "base",
		"--format", "json", "--bootstrap", "200", "--seed", "5", "--confidence", "0.9")
	require.Equal(t, 0, code, stderr)
	var v []map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &v))
	require.Len(t, v, 1)
	r := v[0]
	assert.Equal(t, "tuned", r["model"])
	assert.InDelta(t, 62.5, r["win_rate"], 1e-12)
	assert.InDelta(t, 62.5, r["discrete_win_rate"], 1e-12)
	assert.Equal(t, []any{2.0, 1.0, 1.0, 4.0}, []any{r["n_wins"], r["n_wins_base"], r["n_draws"], r["n_total"]})
	assert.Equal(t, 0.9, r["confidence"])
	for _, k := range []string{"standard_error", "normal_ci", "wilson_ci", "clopper_pearson_ci", "bootstrap_ci", "sign_test_p", "paired_t_p"} {
		assert.Contains(t, r, k)
	}
	code, out2, _ := runCLI(t, winrateBattles, "winrate", "-", "--model", "tuned", "--baseline", "base",
		"--format", "json", "--bootstrap", "200", "--seed", "5", "--confidence", "0.9")
	require.Equal(t, 0, code)
	assert.Equal(t, out, out2, "stdin and a seeded bootstrap give the same output")
}

func TestWinrateText(t *testing.T) {
	p := writeFile(t, t.TempDir(), "battles.jsonl", []byte(winrateBattles))
	code, out, stderr := runCLI(t, "", "winrate", p, "--baseline", "base")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "tuned vs base: 4 comparisons")
	assert.Contains(t, out, "other vs base: 1 comparisons")
	assert.Contains(t, out, "62.50 %")
	assert.Contains(t, out, "2 / 1 / 1")
}

func TestWinrateAlpacaEval(t *testing.T) {
	file := filepath.Join("..", "..", "..", "..", "shared", "data", "alpaca_eval", "results", "alpaca-7b", "alpaca_eval_gpt4", "annotations.json")
	if _, err := os.Stat(file); err != nil {
		t.Skip("AlpacaEval reference data not found beside the module")
	}
	code, out, stderr := runCLI(t, "", "winrate", file, "--format", "json")
	require.Equal(t, 0, code, stderr)
	var v []map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &v))
	require.Len(t, v, 1)
	// The published AlpacaEval 1.0 leaderboard row of alpaca-7b.
	assert.Equal(t, "text_davinci_003", v[0]["baseline"])
	assert.InDelta(t, 26.459627329192543, v[0]["win_rate"], 1e-9)
	assert.InDelta(t, 1.535711469748, v[0]["standard_error"], 1e-9)
	assert.Equal(t, 16.0, v[0]["n_draws"])
}

func TestWinrateErrors(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "battles.jsonl", []byte(winrateBattles))
	bad := writeFile(t, dir, "bad.jsonl", []byte(`{"model_a": "a", "model_b": "b", "winner": "model_a"}`+"\n"+`{"model_a": "a", "model_b": "b", "winner": "c"}`+"\n"))
	tests := []struct {
		name string
		args []string
		msg  string
	}{
		{"several baselines", []string{p}, "several baselines"},
		{"unknown pair", []string{p, "--model", "x", "--baseline", "base"}, `no comparisons of "x" against "base"`},
		{"bad record", []string{bad}, "bad.jsonl: record 2 (line 2)"},
		{"missing file", []string{filepath.Join(dir, "none.json")}, "none.json"},
		{"bad format", []string{p, "--format", "xml"}, "--format"},
		{"bad confidence", []string{p, "--confidence", "1"}, "--confidence"},
		{"bad input format", []string{p, "--input-format", "csv"}, "csv"},
		{"no file", nil, "requires at least 1 arg"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, stderr := runCLI(t, "", append([]string{"winrate"}, tt.args...)...)
			assert.Equal(t, 1, code)
			assert.Empty(t, out)
			assert.Contains(t, stderr, tt.msg)
		})
	}
}

func TestWinrateRatings(t *testing.T) {
	p := writeFile(t, t.TempDir(), "battles.jsonl", []byte(winrateBattles+
		`{"model_a": "other", "model_b": "tuned", "winner": "model_b"}`+"\n"+
		`{"model_a": "other", "model_b": "tuned", "winner": "model_a"}`+"\n"))
	code, out, stderr := runCLI(t, "", "winrate", p, "--ratings", "--baseline", "base", "--seed", "1",
		"--bootstrap", "20", "--format", "json")
	require.Equal(t, 0, code, stderr)
	var v []map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &v))
	require.Len(t, v, 3)
	for _, r := range v {
		for _, k := range []string{"model", "rating", "rating_q_low", "rating_q_high", "rank", "num_battles", "win_rate_vs_baseline"} {
			assert.Contains(t, r, k)
		}
		if r["model"] == "base" {
			assert.InDelta(t, 50.0, r["win_rate_vs_baseline"], 1e-12)
		}
	}
	code, out, stderr = runCLI(t, "", "winrate", p, "--ratings", "--anchor", "base", "--anchor-rating", "1114")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "1114.0")
	code, out, stderr = runCLI(t, "", "winrate", p, "--elo")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "online Elo")
	code, _, stderr = runCLI(t, "", "winrate", p, "--elo", "--ratings")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "not both")
}

func TestWinrateLengthControlled(t *testing.T) {
	dir := t.TempDir()
	var simple []byte
	for i := range 40 {
		o := []string{"1", "0", "0.5", "1"}[i%4]
		simple = fmt.Appendf(simple, `{"id": "%d", "model": "m", "baseline": "b", "outcome": %s, "model_length": %d, "baseline_length": %d}`+"\n",
			i, o, 100+i*7%50, 120)
	}
	p := writeFile(t, dir, "simple.jsonl", simple)
	code, out, stderr := runCLI(t, "", "winrate", p, "--length-controlled", "--format", "json")
	require.Equal(t, 0, code, stderr)
	var v []map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &v))
	assert.Contains(t, v[0], "length_controlled_winrate")
	assert.Contains(t, v[0], "lc_standard_error")
	code, out, stderr = runCLI(t, "", "winrate", p, "--length-controlled")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "length-controlled")

	b := writeFile(t, dir, "battles.jsonl", []byte(winrateBattles))
	code, _, stderr = runCLI(t, "", "winrate", b, "--baseline", "base", "--model", "tuned", "--length-controlled")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "without output lengths")
}
