package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	scoreTuned = "../../../nemo/testdata/score/predictions.jsonl"
	scoreBase  = "../../../nemo/testdata/score/baseline.jsonl"
	scoreExcl  = "../../../nemo/testdata/score/audit_results.jsonl"
)

// runCLIAt runs sophia-eval with a fixed clock.
func runCLIAt(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" },
		now: func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) }}
	code := runEnv(context.Background(), args, e)
	return code, stdout.String(), stderr.String()
}

// writeConfig writes a lora.yaml with only an evaluation section into dir.
func writeConfig(t *testing.T, dir, baseline, gates string) string {
	t.Helper()
	cfg := fmt.Sprintf("evaluation:\n  baseline_predictions: %s\n  metrics: [bleu, rougeL, winrate]\n  gates:\n%s", baseline, gates)
	return writeFile(t, dir, "lora.yaml", []byte(cfg))
}

// TestScoreGolden runs sophia-eval score and sample and compares stdout and the
// written Markdown with testdata/score/NAME.golden; "go test ./cmd/sophia-eval/cli
// -run TestScoreGolden -update" rewrites them.
func TestScoreGolden(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile(scoreBase)
	require.NoError(t, err)
	writeFile(t, dir, "base.jsonl", data)
	cfg := writeConfig(t, dir, "base.jsonl", "    - metric: bleu\n      min_delta: 0.5\n    - metric: winrate\n      min: 0.5\n")
	out := filepath.Join(dir, "models")
	tests := []struct {
		name string
		args []string
		file string // written file compared too
	}{
		{"score.text", []string{"score", scoreTuned, "--baseline", scoreBase, "--exclude", scoreExcl, "--out-dir", out}, "finetune_metrics.md"},
		{"score-config.text", []string{"score", scoreTuned, "--config", cfg, "--out-dir", out, "--rouge-types", "rouge2"}, ""},
		{"sample.text", []string{"sample", scoreTuned, "--baseline", scoreBase, "-n", "4", "--out", filepath.Join(out, "reviews.md")}, "reviews.md"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLIAt(t, tt.args...)
			stdout = strings.ReplaceAll(stdout, dir, "DIR")
			stderr = strings.ReplaceAll(stderr, dir, "DIR")
			got := fmt.Sprintf("exit %d\n-- stdout --\n%s-- stderr --\n%s", code, stdout, stderr)
			if tt.file != "" {
				data, err := os.ReadFile(filepath.Join(out, tt.file))
				require.NoError(t, err)
				got += "-- " + tt.file + " --\n" + string(data)
			}
			path := filepath.Join("testdata", "score", tt.name+".golden")
			assertGolden(t, path, got)
		})
	}
}

func TestScoreExitCodes(t *testing.T) {
	dir := t.TempDir()
	abs, err := filepath.Abs(scoreBase)
	require.NoError(t, err)
	pass := writeConfig(t, dir, abs, "    - metric: bleu\n      min_delta: 0.5\n")
	code, out, stderr := runCLIAt(t, "score", scoreTuned, "--config", pass, "--out-dir", filepath.Join(dir, "a"))
	assert.Equal(t, ExitOK, code, stderr)
	assert.Contains(t, out, "**accepted**")
	for _, f := range []string{"finetune_metrics.md", "finetune_metrics.json", "finetune_items.parquet", "finetune_bootstrap.png"} {
		assert.FileExists(t, filepath.Join(dir, "a", f))
	}

	failDir := filepath.Join(dir, "fail")
	require.NoError(t, os.MkdirAll(failDir, 0o755))
	fail := writeConfig(t, failDir, abs, "    - metric: bleu\n      min: 90\n    - metric: winrate\n      min: 0.5\n")
	code, out, stderr = runCLIAt(t, "score", scoreTuned, "--config", fail, "--out-dir", "", "--format", "json")
	assert.Equal(t, ExitFindings, code)
	assert.Contains(t, out, `"verdict": "rejected"`)
	assert.Contains(t, stderr, "acceptance gate failed: bleu: value")
	assert.Contains(t, stderr, "< min 90")
	assert.NotContains(t, stderr, "winrate", "only the failed gate is named")

	code, _, stderr = runCLIAt(t, "score", scoreTuned, "--config", fail, "--out-dir", "", "--no-gates")
	assert.Equal(t, ExitOK, code, stderr)

	// The config's baseline path is relative to the config's directory.
	rel := filepath.Join(dir, "rel")
	require.NoError(t, os.MkdirAll(rel, 0o755))
	data, err := os.ReadFile(scoreBase)
	require.NoError(t, err)
	writeFile(t, rel, "base.jsonl", data)
	cfg := writeConfig(t, rel, "base.jsonl", "    - metric: winrate\n      min: 0.5\n")
	code, out, stderr = runCLIAt(t, "score", scoreTuned, "--config", cfg, "--out-dir", "")
	assert.Equal(t, ExitOK, code, stderr)
	assert.Contains(t, out, "base.jsonl` (matched by id)")
}

func TestScoreErrors(t *testing.T) {
	dir := t.TempDir()
	short := writeFile(t, dir, "short.jsonl", []byte(`{"pred": "a", "label": "b"}`+"\n"))
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"score", scoreTuned, "--baseline", short, "--out-dir", ""}, "predictions.jsonl has 20 items"},
		{[]string{"score", scoreTuned, "--format", "xml"}, "--format"},
		{[]string{"score", scoreTuned, "--seed", "0"}, "--seed 0"},
		{[]string{"score", scoreTuned, "--metrics", "meteor", "--out-dir", ""}, `unknown metric "meteor"`},
		{[]string{"score", scoreTuned, "--bootstrap-samples", "0", "--out-dir", ""}, "--bootstrap-samples"},
		{[]string{"score", filepath.Join(dir, "missing.jsonl"), "--out-dir", ""}, "no such file"},
		{[]string{"score"}, "accepts 1 arg"},
		{[]string{"sample", scoreTuned, "-n", "0"}, "-n 0"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, _, stderr := runCLIAt(t, tt.args...)
			assert.Equal(t, ExitError, code)
			assert.Contains(t, stderr, tt.want)
		})
	}
}

func TestSampleFewerItems(t *testing.T) {
	out := filepath.Join(t.TempDir(), "r.md")
	code, stdout, stderr := runCLIAt(t, "sample", scoreTuned, "--out", out)
	require.Equal(t, ExitOK, code, stderr)
	assert.Contains(t, stdout, "20 of 20 items (all of them: fewer than 50)")
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, 20, strings.Count(string(data), "**Verdict:**"))
}
