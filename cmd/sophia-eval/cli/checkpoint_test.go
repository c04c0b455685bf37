package cli

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sophia-ai/sophia-eval/internal/stfile"
)

func checkpointFixtures(t *testing.T) (good, nan, trunc string) {
	t.Helper()
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 1))
	w := stfile.Fill(rng, "BF16", 256*64)
	nanw := append([]byte(nil), w...)
	copy(nanw[100:], []byte{0xC0, 0x7F}) // a BF16 NaN
	meta := map[string]string{"format": "pt"}
	good = writeFile(t, dir, "good.safetensors", stfile.Build([]stfile.Tensor{
		{Name: "layer.0.weight", DType: "BF16", Shape: []uint64{256, 64}, Data: w},
		{Name: "bias", DType: "F32", Shape: []uint64{64}, Data: stfile.Fill(rng, "F32", 64)},
	}, meta))
	nan = writeFile(t, dir, "nan.safetensors", stfile.Build([]stfile.Tensor{
		{Name: "layer.0.weight", DType: "BF16", Shape: []uint64{256, 64}, Data: nanw}}, meta))
	b := stfile.Build([]stfile.Tensor{{Name: "x", DType: "F32", Shape: []uint64{64}, Data: stfile.Fill(rng, "F32", 64)}}, meta)
	trunc = writeFile(t, dir, "trunc.safetensors", b[:len(b)-3])
	return good, nan, trunc
}

func TestCheckpointVerifyExitCodes(t *testing.T) {
	good, nan, trunc := checkpointFixtures(t)
	code, out, stderr := runCLI(t, "", "checkpoint", "verify", good)
	require.Equal(t, ExitOK, code, stderr)
	assert.Contains(t, out, "good.safetensors: valid (safetensors, 2 tensors")

	code, out, _ = runCLI(t, "", "checkpoint", "verify", good, nan, trunc)
	require.Equal(t, ExitFindings, code)
	assert.Contains(t, out, `error nan (byte `)
	assert.Contains(t, out, "error metadata_incomplete_buffer")

	code, _, _ = runCLI(t, "", "checkpoint", "verify", "--allow-nonfinite", nan)
	require.Equal(t, ExitOK, code, "NaN is a warning with --allow-nonfinite")

	code, out, _ = runCLI(t, "", "checkpoint", "verify", "-q", good, trunc)
	require.Equal(t, ExitFindings, code)
	assert.NotContains(t, out, "good.safetensors")

	code, _, stderr = runCLI(t, "", "checkpoint", "verify", good, good+".missing")
	require.Equal(t, ExitError, code)
	assert.Contains(t, stderr, "good.safetensors.missing: no such file or directory")

	code, _, stderr = runCLI(t, "", "checkpoint", "verify")
	require.Equal(t, ExitError, code)
	assert.Contains(t, stderr, "requires at least 1 arg")
}

func TestCheckpointVerifyJSON(t *testing.T) {
	good, nan, _ := checkpointFixtures(t)
	code, out, stderr := runCLI(t, "", "checkpoint", "verify", "--format", "json", "--stats", "--hash", "--workers", "2", good, nan)
	require.Equal(t, ExitFindings, code, stderr)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 2)
	var g, n map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &g))
	require.NoError(t, json.Unmarshal([]byte(lines[1]), &n))
	for _, k := range []string{"path", "kind", "valid", "findings", "tensors", "sha256", "size"} {
		assert.Contains(t, g, k)
	}
	assert.Equal(t, true, g["valid"])
	assert.Equal(t, "safetensors", g["kind"])
	assert.Len(t, g["sha256"], 64)
	ts := g["tensors"].([]any)
	require.Len(t, ts, 2)
	first := ts[0].(map[string]any)
	for _, k := range []string{"name", "dtype", "shape", "nbytes", "nan", "pos_inf", "neg_inf", "stats"} {
		assert.Contains(t, first, k)
	}
	assert.Equal(t, false, n["valid"])
	f := n["findings"].([]any)[0].(map[string]any)
	for _, k := range []string{"severity", "code", "tensor", "offset", "message"} {
		assert.Contains(t, f, k)
	}
	assert.Equal(t, "nan", f["code"])
	assert.Equal(t, "layer.0.weight", f["tensor"])
	assert.Equal(t, 1.0, n["tensors"].([]any)[0].(map[string]any)["nan"])
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"1TiB": 1 << 40, "500MB": 500e6, "2 GiB": 2 << 30, "1e9": 1e9, "12": 12} {
		got, err := parseSize(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "-1", "x", "0"} {
		_, err := parseSize(bad)
		assert.Error(t, err, bad)
	}
}

func TestCheckpointManifestAndVerify(t *testing.T) {
	good, _, _ := checkpointFixtures(t)
	dir := filepath.Dir(good)
	code, out, stderr := runCLI(t, "", "checkpoint", "manifest", dir)
	require.Equal(t, ExitOK, code, stderr)
	assert.Contains(t, out, "wrote SHA256SUMS and manifest.json (3 files")
	sums := filepath.Join(dir, "SHA256SUMS")
	code, out, stderr = runCLI(t, "", "checkpoint", "verify", "--manifest", sums)
	require.Equal(t, ExitOK, code, stderr)
	assert.Contains(t, out, "OK against")

	require.NoError(t, os.WriteFile(good, []byte("changed"), 0o644))
	code, out, _ = runCLI(t, "", "checkpoint", "verify", "--manifest", sums, "--format", "json", dir)
	require.Equal(t, ExitFindings, code)
	var v map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &v))
	assert.Equal(t, false, v["valid"])
	assert.Equal(t, "checksum_mismatch", v["findings"].([]any)[0].(map[string]any)["code"])
}

func TestCheckpointDiff(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(5, 5))
	meta := map[string]string{"format": "pt"}
	a := stfile.Fill(rng, "F32", 1024)
	b := stfile.Fill(rng, "F32", 1024)
	older := writeFile(t, dir, "step=100.safetensors", stfile.Build([]stfile.Tensor{
		{Name: "w", DType: "F32", Shape: []uint64{1024}, Data: a}, {Name: "frozen", DType: "F32", Shape: []uint64{4}, Data: make([]byte, 16)}}, meta))
	newer := writeFile(t, dir, "step=200.safetensors", stfile.Build([]stfile.Tensor{
		{Name: "w", DType: "F32", Shape: []uint64{1024}, Data: b}, {Name: "frozen", DType: "F32", Shape: []uint64{4}, Data: make([]byte, 16)}}, meta))
	same := writeFile(t, dir, "step=300.safetensors", stfile.Build([]stfile.Tensor{
		{Name: "w", DType: "F32", Shape: []uint64{1024}, Data: b}, {Name: "frozen", DType: "F32", Shape: []uint64{4}, Data: make([]byte, 16)}}, meta))
	reshaped := writeFile(t, dir, "step=400.safetensors", stfile.Build([]stfile.Tensor{
		{Name: "w", DType: "F32", Shape: []uint64{32, 32}, Data: b}}, meta))

	code, out, stderr := runCLI(t, "", "checkpoint", "diff", older, newer)
	require.Equal(t, ExitOK, code, stderr)
	assert.Contains(t, out, ": ok (2 tensors in common: 1 changed, 1 unchanged; 0 missing, 0 added)")

	code, out, _ = runCLI(t, "", "checkpoint", "diff", newer, same)
	require.Equal(t, ExitOK, code, "an unchanged checkpoint is a warning")
	assert.Contains(t, out, "warning weights_unchanged")

	code, out, _ = runCLI(t, "", "checkpoint", "diff", "--format", "json", same, reshaped)
	require.Equal(t, ExitFindings, code)
	var v map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &v))
	var got []string
	for _, f := range v["findings"].([]any) {
		got = append(got, f.(map[string]any)["code"].(string))
	}
	assert.ElementsMatch(t, []string{"shape_changed", "tensor_missing"}, got)
	assert.Contains(t, v, "summary")

	code, _, stderr = runCLI(t, "", "checkpoint", "diff", older)
	require.Equal(t, ExitError, code)
	assert.Contains(t, stderr, "accepts 2 arg")
}

func TestCheckpointWatchOnce(t *testing.T) {
	good, nan, _ := checkpointFixtures(t)
	dir := t.TempDir()
	for i, src := range []string{good, nan} {
		b, err := os.ReadFile(src)
		require.NoError(t, err)
		writeFile(t, dir, fmt.Sprintf("megatron_gpt--val_loss=1.00-step=%d-consumed_samples=%d.0.safetensors", (i+1)*100, (i+1)*800), b)
	}
	code, out, stderr := runCLI(t, "", "checkpoint", "watch", "--once", "--interval", "10ms", "--format", "json", dir)
	require.Equal(t, ExitFindings, code, stderr)
	var kinds []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var ev map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &ev), line)
		kinds = append(kinds, ev["event"].(string))
	}
	assert.Contains(t, kinds, "validated")
	assert.Contains(t, kinds, "compared")

	code, _, stderr = runCLI(t, "", "checkpoint", "watch", "--interval", "0s", dir)
	require.Equal(t, ExitError, code)
	assert.Contains(t, stderr, "invalid --interval")
}
