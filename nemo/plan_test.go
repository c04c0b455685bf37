package nemo

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadModelConfig(t *testing.T) {
	m, err := ReadModelConfig(context.Background(), "testdata/models/sophia-mini.nemo")
	require.NoError(t, err)
	assert.Equal(t, &ModelConfig{HiddenSize: 4096, NumLayers: 32, NumAttentionHeads: 32, FFNHiddenSize: 14336,
		NumQueryGroups: 8, Activation: "fast-swiglu"}, m)

	// A gzip-compressed archive and an unpacked directory give the same.
	cfg := []byte("hidden_size: 64\nnum_layers: 2\nnum_attention_heads: 4\nffn_hidden_size: 256\n")
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	require.NoError(t, tw.WriteHeader(&tar.Header{Name: "model_config.yaml", Mode: 0o644, Size: int64(len(cfg))}))
	_, err = tw.Write(cfg)
	require.NoError(t, err)
	require.NoError(t, tw.Close())
	require.NoError(t, zw.Close())
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "m.nemo"), buf.Bytes(), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "model_config.yaml"), cfg, 0o644))
	a, err := ReadModelConfig(context.Background(), filepath.Join(dir, "m.nemo"))
	require.NoError(t, err)
	b, err := ReadModelConfig(context.Background(), dir)
	require.NoError(t, err)
	assert.Equal(t, a, b)
	assert.Equal(t, 64, a.HiddenSize)

	_, err = ReadModelConfig(context.Background(), "testdata/lora.yaml")
	require.ErrorIs(t, err, ErrModelConfig)
	_, err = ParseModelConfig([]byte("hidden_size: 64\n"))
	require.ErrorIs(t, err, ErrModelConfig)
	assert.Contains(t, err.Error(), "num_layers, num_attention_heads, ffn_hidden_size")
}

func TestLoRAParams(t *testing.T) {
	gqa := &ModelConfig{HiddenSize: 4096, NumLayers: 32, NumAttentionHeads: 32, FFNHiddenSize: 14336, NumQueryGroups: 8, Activation: "fast-swiglu"}
	mha := &ModelConfig{HiddenSize: 1024, NumLayers: 2, NumAttentionHeads: 8, FFNHiddenSize: 4096, Activation: "gelu"}
	tests := []struct {
		name    string
		m       *ModelConfig
		rank    int
		modules []string
		want    int64
	}{
		// qkv: 4096 -> (32+2*8)*128 = 6144; dense 4096 -> 4096.
		{"gqa qkv", gqa, 16, []string{"attention_qkv"}, 32 * 16 * (4096 + 6144)},
		{"gqa attention", gqa, 16, []string{"attention_qkv", "attention_dense"}, 32 * 16 * (4096 + 6144 + 4096 + 4096)},
		{"gqa attention group", gqa, 16, []string{"attention"}, 32 * 16 * (4096 + 6144 + 4096 + 4096)},
		// swiglu doubles fc1's output.
		{"gqa mlp", gqa, 8, []string{"mlp"}, 32 * 8 * (4096 + 2*14336 + 14336 + 4096)},
		{"NeMo 2 names", gqa, 8, []string{"linear_fc1", "linear_fc2"}, 32 * 8 * (4096 + 2*14336 + 14336 + 4096)},
		{"mha all", mha, 4, []string{"all"}, 2 * 4 * ((1024 + 3072) + (1024 + 1024) + (1024 + 4096) + (4096 + 1024))},
		{"all equals the four", mha, 4, []string{"attention_qkv", "attention_dense", "mlp_fc1", "mlp_fc2", "all"}, 2 * 4 * ((1024 + 3072) + (1024 + 1024) + (1024 + 4096) + (4096 + 1024))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.m.LoRAParams(tt.rank, tt.modules))
		})
	}
}

func TestPlanExample(t *testing.T) {
	c, err := Load("testdata/lora.yaml")
	require.NoError(t, err)
	data, m, err := Inspect(context.Background(), c)
	require.NoError(t, err)
	r, err := Render(c, RenderOptions{})
	require.NoError(t, err)
	p := NewPlan(c, data, m, r)
	assert.Equal(t, 8, p.GPUs)
	assert.Equal(t, 8, p.DataParallel)
	assert.Equal(t, 32, p.GlobalBatch)
	assert.Equal(t, 1, p.GradAccumulation)
	assert.Equal(t, int64(128), p.TrainItems)
	assert.Equal(t, 4.0, p.StepsPerEpoch)
	assert.Equal(t, 250.0, p.Epochs)
	require.Len(t, p.Files, 4)
	assert.Equal(t, FilePlan{Path: "data/train_support.jsonl", Role: RoleTrain, Items: 96, Weight: 0.75, Epochs: 250}, p.Files[0])
	assert.Equal(t, FilePlan{Path: "data/train_faq.jsonl", Role: RoleTrain, Items: 32, Weight: 0.25, Epochs: 250}, p.Files[1])
	assert.Equal(t, int64(32*2048), p.TokensPerStepMax)
	assert.Greater(t, p.TokensPerStepEst, int64(0))
	const params = 32 * 16 * (4096 + 6144 + 4096 + 4096)
	assert.Equal(t, int64(params), p.LoRAParams)
	assert.Equal(t, int64(2*params), p.AdapterBytes)
	assert.Equal(t, int64(14*params), p.CheckpointSize)
	assert.Equal(t, 10, p.Checkpoints) // 1000 steps, validation every 100 (NeMo 1.x)
	assert.Equal(t, 4, p.Kept)         // top 3 + last
	assert.Equal(t, int64(4*14*params+2*params), p.DiskBytes)
	assert.Equal(t, r.Command, p.Command)
	assert.Equal(t, Output{"configs/nemo/sophia_lora.yaml", "NeMo experiment config (sophia-eval nemo render)"}, p.Writes[0])
	assert.Equal(t, "testdata/results/sophia-lora/sophia-lora-dev/checkpoints/sophia-lora-dev.nemo", p.Writes[3].Path)
	assert.Equal(t, "models/finetune/sophia-finetune-2026-11-25/", p.Writes[4].Path)
}

func TestPlanWithoutModel(t *testing.T) {
	c := exampleFor(t, "24.09")
	p := NewPlan(c, nil, nil, nil)
	assert.Equal(t, 10, p.Checkpoints) // NeMo 2 applies checkpoint_interval
	assert.Zero(t, p.LoRAParams)
	assert.Len(t, p.Notes, 1)
}
