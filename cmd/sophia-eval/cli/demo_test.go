package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The demo runs the whole runbook; the test binary is its stand-in trainer
// (TestMain).
func TestDemo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	code, out, stderr := runCLI(t, "", "demo", "--dir", dir, "--step-delay", "1ms")
	require.Equal(t, ExitOK, code, "stdout:\n%s\nstderr:\n%s", out, stderr)
	for i, cmd := range []string{"nemo check lora.yaml", "audit data --train ", "nemo plan ", "nemo launch ", "score --config lora.yaml",
		"sample --config lora.yaml", "nemo publish --config lora.yaml"} {
		assert.Contains(t, out, "== "+string(rune('1'+i))+"/7 ")
		assert.Contains(t, out, "$ sophia-eval "+cmd)
	}
	assert.Contains(t, out, "all hard checks passed (1 warning)")
	assert.Contains(t, out, "20 items: 20 clean")
	assert.Contains(t, out, "run sophia-lora-demo: trainer exited with code 0")
	assert.Contains(t, out, "Verdict: **accepted** (2 of 2 gates pass)")
	assert.Contains(t, out, "20 of 20 items")
	assert.Contains(t, out, "published "+filepath.Join(dir, "models", "finetune", "sophia-finetune-"))
	assert.NotContains(t, out, "FAILED")
	// The checkpoints were watched (that it happens while the trainer runs is
	// TestNeMoLaunch's and nemo's concern; at 1 ms a step NeMo's top-k removes
	// most of them before a scan).
	assert.Regexp(t, `checkpoint sophia-lora-demo--validation_loss=[0-9.]+-step=200-consumed_samples=1600\.0\.ckpt: valid: torch, 8 tensors, 0 NaN, 0 Inf`, stderr)

	models := filepath.Join(dir, "orchestration_journal", "models")
	for _, f := range []string{"finetune_metrics.md", "finetune_metrics.json", "finetune_items.parquet", "finetune_bootstrap.png", "finetune_reviews.md"} {
		assert.FileExists(t, filepath.Join(models, f))
	}
	versions, err := filepath.Glob(filepath.Join(dir, "models", "finetune", "sophia-finetune-*"))
	require.NoError(t, err)
	require.Len(t, versions, 1)
	code, vout, verr := runCLI(t, "", "checkpoint", "verify", "--manifest", filepath.Join(versions[0], "SHA256SUMS"))
	assert.Equal(t, ExitOK, code, vout+verr)

	// The project directory is not reused.
	code, _, stderr = runCLI(t, "", "demo", "--dir", dir)
	assert.Equal(t, ExitError, code)
	assert.Contains(t, stderr, "is not empty")
}

func TestDemoJSON(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	code, out, stderr := runCLI(t, "", "demo", "--dir", dir, "--step-delay", "1ms", "--format", "json")
	require.Equal(t, ExitOK, code, stderr)
	var v struct {
		Project string `json:"project"`
		Steps   []struct {
			Command string          `json:"command"`
			Exit    int             `json:"exit_code"`
			Result  json.RawMessage `json:"result"`
		} `json:"steps"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &v))
	assert.Equal(t, dir, v.Project)
	require.Len(t, v.Steps, 7)
	for _, s := range v.Steps {
		assert.Zero(t, s.Exit, s.Command)
		assert.True(t, json.Valid(s.Result), s.Command)
	}
	assert.True(t, strings.HasPrefix(v.Steps[4].Command, "sophia-eval score "))
	var score struct {
		Gates []struct {
			Pass bool `json:"pass"`
		} `json:"gates"`
	}
	require.NoError(t, json.Unmarshal(v.Steps[4].Result, &score))
	require.Len(t, score.Gates, 2)
	assert.True(t, score.Gates[0].Pass && score.Gates[1].Pass)
}

// A step that fails stops the demo with its exit code and says where.
func TestDemoStops(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	code, out, stderr := runCLI(t, "", "demo", "--dir", dir, "--step-delay", "soon")
	assert.Equal(t, ExitError, code)
	assert.Contains(t, out, "== 4/7 ")
	assert.NotContains(t, out, "== 5/7 ")
	assert.Contains(t, stderr, "demo stopped at step 4")
	_, err := os.Stat(filepath.Join(dir, "orchestration_journal", "models"))
	assert.True(t, os.IsNotExist(err))
}
