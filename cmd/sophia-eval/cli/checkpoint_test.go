package cli

import (
	"encoding/json"
	"math/rand/v2"
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
