package cli

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sophia-ai/sophia-eval/internal/stfile"
	"github.com/sophia-ai/sophia-eval/nemo"
)

// publishRun makes a run directory with one PEFT LoRA checkpoint,
// checkpoints/checkpoint-10 (lora_B with a NaN when nan is set), and an
// hparams.yaml.
func publishRun(t *testing.T, nan bool) string {
	t.Helper()
	run := filepath.Join(t.TempDir(), "sophia-lora-dev")
	ck := filepath.Join(run, "checkpoints", "checkpoint-10")
	require.NoError(t, os.MkdirAll(ck, 0o755))
	f32 := func(vs ...float32) []byte {
		var b []byte
		for _, v := range vs {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
		}
		return b
	}
	last := float32(0.5)
	if nan {
		last = float32(math.NaN())
	}
	const mod = "base_model.model.model.layers.0.self_attn.q_proj"
	st := stfile.Build([]stfile.Tensor{
		{Name: mod + ".lora_A.weight", DType: "F32", Shape: []uint64{2, 4}, Data: f32(1, 2, 3, 4, 5, 6, 7, 8)},
		{Name: mod + ".lora_B.weight", DType: "F32", Shape: []uint64{4, 2}, Data: f32(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, last)},
	}, map[string]string{"format": "pt"})
	writeFile(t, ck, "adapter_model.safetensors", st)
	writeFile(t, ck, "adapter_config.json", []byte(`{"peft_type": "LORA", "r": 2, "lora_alpha": 4, "target_modules": ["q_proj"]}`))
	writeFile(t, run, "hparams.yaml", []byte("cfg:\n  name: sophia-lora-dev\n"))
	return run
}

func TestNeMoPublish(t *testing.T) {
	run := publishRun(t, false)
	reg := filepath.Join(t.TempDir(), "models", "finetune")
	metrics := writeFile(t, t.TempDir(), "finetune_metrics.json", []byte(`{"accepted": true}`))
	args := []string{"nemo", "publish", "--registry", reg, "--version", "sophia-finetune-2026-11-25", "--metrics", metrics}
	dir := filepath.Join(reg, "sophia-finetune-2026-11-25")

	// A dry run writes nothing.
	code, out, errOut := runCLI(t, "", append(args, "--dry-run", run)...)
	require.Equal(t, ExitOK, code, errOut)
	assert.Contains(t, out, "would publish "+dir+" (dry run: nothing written)\n")
	assert.Contains(t, out, "  adapter  adapter/checkpoint-10: the checkpoint with the highest step\n")
	assert.NoDirExists(t, reg)

	code, out, errOut = runCLI(t, "", append(args, run)...)
	require.Equal(t, ExitOK, code, errOut)
	assert.True(t, strings.HasPrefix(out, "published "+dir+"\n"), out)
	for _, want := range []string{
		"           valid (peft-lora, 2 tensors, 0 warnings)\n",
		"  adapter  adapter/checkpoint-10/adapter_model.safetensors\n",
		"  config   configs/hparams.yaml\n",
		"  report   reports/finetune_metrics.json\n",
		"  4 files, ",
		"  note: no lora.yaml given: base model and LoRA settings are not recorded\n",
		"verify with: sophia-eval checkpoint verify --manifest " + filepath.Join(dir, "SHA256SUMS") + "\n",
	} {
		assert.Contains(t, out, want)
	}
	code, out, errOut = runCLI(t, "", "checkpoint", "verify", "--manifest", filepath.Join(dir, "SHA256SUMS"))
	assert.Equal(t, ExitOK, code, errOut)
	assert.Contains(t, out, "OK against")
	assert.Contains(t, out, "(5 of 5 files match)")
	before, err := os.ReadFile(filepath.Join(dir, nemo.PublishManifestName))
	require.NoError(t, err)

	// Publishing the same version again: exit 1, the version as it was.
	code, out, errOut = runCLI(t, "", append(args, run)...)
	assert.Equal(t, ExitError, code)
	assert.Empty(t, out)
	assert.Contains(t, errOut, "version already published: "+dir+" exists")
	after, err := os.ReadFile(filepath.Join(dir, nemo.PublishManifestName))
	require.NoError(t, err)
	assert.Equal(t, before, after)

	// JSON output, the version from the clock.
	var stdout, stderr bytes.Buffer
	e := &env{stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" },
		now: func() time.Time { return time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC) }}
	code = runEnv(context.Background(), []string{"nemo", "publish", "--registry", reg, "--format", "json", run}, e)
	require.Equal(t, ExitOK, code, stderr.String())
	var got struct {
		Dir       string               `json:"dir"`
		Published bool                 `json:"published"`
		Manifest  nemo.PublishManifest `json:"manifest"`
	}
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &got))
	assert.Equal(t, filepath.Join(reg, "sophia-finetune-2026-12-01"), got.Dir)
	assert.True(t, got.Published)
	assert.Equal(t, "2026-12-01", got.Manifest.Date)
	assert.Equal(t, "2026-12-01T09:00:00Z", got.Manifest.PublishedAt)
	assert.Len(t, got.Manifest.Files, 3)
	assert.DirExists(t, got.Dir)
}

func TestNeMoPublishInvalidAdapter(t *testing.T) {
	run := publishRun(t, true)
	reg := filepath.Join(t.TempDir(), "registry")
	code, out, errOut := runCLI(t, "", "nemo", "publish", "--registry", reg, "--version", "sophia-finetune-2026-11-25", run)
	assert.Equal(t, ExitFindings, code)
	assert.Contains(t, out, filepath.Join(run, "checkpoints", "checkpoint-10")+": INVALID (peft-lora")
	assert.Contains(t, out, "error nan")
	assert.Contains(t, errOut, "not published: the adapter failed validation")
	entries, err := os.ReadDir(reg)
	require.NoError(t, err)
	assert.Empty(t, entries)

	code, out, _ = runCLI(t, "", "nemo", "publish", "--registry", reg, "--format", "json", "--dry-run", "--version", "sophia-finetune-2026-11-25", run)
	assert.Equal(t, ExitFindings, code)
	var got struct {
		Published bool                 `json:"published"`
		Manifest  nemo.PublishManifest `json:"manifest"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &got))
	assert.False(t, got.Published)
	assert.False(t, got.Manifest.Validation.Valid)
	assert.Equal(t, "nan", got.Manifest.Validation.Findings[0].Code)

	// A directory that is no checkpoint layout is refused too, and the error says why.
	notes := filepath.Join(run, "checkpoints", "notes")
	require.NoError(t, os.Mkdir(notes, 0o755))
	writeFile(t, notes, "readme.txt", []byte("not an adapter\n"))
	code, out, errOut = runCLI(t, "", "nemo", "publish", "--registry", reg, "--checkpoint", notes, "--version", "sophia-finetune-2026-11-25", run)
	assert.Equal(t, ExitFindings, code)
	assert.Empty(t, out)
	assert.Contains(t, errOut, "adapter failed validation: "+notes+": checkpoint: not a recognised checkpoint layout")
	entries, err = os.ReadDir(reg)
	require.NoError(t, err)
	assert.Empty(t, entries)
}

func TestNeMoPublishUsage(t *testing.T) {
	run := publishRun(t, false)
	for _, args := range [][]string{
		{"nemo", "publish"},
		{"nemo", "publish", "--format", "xml", run},
		{"nemo", "publish", "--workers", "-1", run},
		{"nemo", "publish", "--version", "latest", "--dry-run", run},
		{"nemo", "publish", "--dry-run", filepath.Join(run, "no-such-run")},
	} {
		code, out, errOut := runCLI(t, "", args...)
		assert.Equal(t, ExitError, code, "%v", args)
		assert.Empty(t, out, "%v", args)
		assert.NotEmpty(t, errOut, "%v", args)
	}
}
