package checkpoint

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const nemo2Name = "default--val_loss=0.53-epoch=0-consumed_samples=800.0-last"

// cleanTorchFixture is torch.save of a state dict without NaN or Inf.
func cleanTorchFixture(t testing.TB) []byte {
	p := newPkl().stateDict([]fxTensor{{name: "w", storage: "FloatStorage", key: "0", numel: 2, shape: []int64{2}}})
	return torchZipBytes(t, torchMembers("common", p.stop(), map[string][]byte{"0": f32Bytes(1, 2)}, "0"))
}

// nemo2Dir writes a NeMo 2.0 checkpoint directory as nemo.lightning saves one,
// with a PEFT adapter's adapter_metadata.json.
func nemo2Dir(t testing.TB, parent string) string {
	dir := filepath.Join(parent, nemo2Name)
	writeFile(t, dir, "context/io.json", []byte(`{"root": {}}`))
	writeFile(t, dir, "context/model.yaml", []byte("_target_: nemo.collections.llm.gpt.model.llama.LlamaModel\n"))
	writeFile(t, dir, "weights/metadata.json", []byte(`{"sharded_backend": "torch_dist", "sharded_backend_version": 1, "common_backend": "torch", "common_backend_version": 1}`))
	writeFile(t, dir, "weights/.metadata", distMetadataPickle([]distEntry{
		{"module.decoder.layers.self_attention.linear_qkv.adapter.linear_in.weight", "__0_0.distcp", 0, 100},
		{"module.decoder.layers.self_attention.linear_qkv.adapter.linear_out.weight", "__0_0.distcp", 100, 28},
		{"optimizer.state.exp_avg", "__1_0.distcp", 0, 64},
	}))
	writeFile(t, dir, "weights/__0_0.distcp", make([]byte, 128))
	writeFile(t, dir, "weights/__1_0.distcp", make([]byte, 64))
	writeFile(t, dir, "weights/common.pt", cleanTorchFixture(t))
	writeFile(t, dir, "weights/adapter_metadata.json", []byte(`{"model_ckpt_path": "/ckpts/llama3-8b"}`))
	return dir
}

func TestNeMo2Valid(t *testing.T) {
	dir := nemo2Dir(t, t.TempDir())
	writeFile(t, dir, "trainer.pt", cleanTorchFixture(t))
	rep, err := ValidatePath(context.Background(), dir, Config{})
	require.NoError(t, err)
	assert.Equal(t, KindNeMo2, rep.Kind)
	assert.Empty(t, rep.Findings)
	require.Len(t, rep.Files, 2)
	assert.Equal(t, "weights/common.pt", rep.Files[0].Path)
	assert.Equal(t, "trainer.pt", rep.Files[1].Path)
	assert.Equal(t, "/ckpts/llama3-8b", rep.Metadata["model_ckpt_path"])
	require.Len(t, rep.Tensors, 2)
	assert.Equal(t, "weights/common.pt", rep.Tensors[0].File)
}

func TestNeMo2Findings(t *testing.T) {
	tests := []struct {
		name   string
		change func(t *testing.T, dir string)
		want   map[string]Severity
		file   string // the File of the first finding
	}{
		{"unfinished sibling", func(t *testing.T, dir string) {
			writeFile(t, filepath.Dir(dir), nemo2Name+"-unfinished", nil)
		}, map[string]Severity{CodeUnfinished: Error}, "../" + nemo2Name + "-unfinished"},
		{"unfinished sibling, pathlib stem", func(t *testing.T, dir string) {
			writeFile(t, filepath.Dir(dir), "default--val_loss=0.53-epoch=0-consumed_samples=800-unfinished", nil)
		}, map[string]Severity{CodeUnfinished: Error}, "../default--val_loss=0.53-epoch=0-consumed_samples=800-unfinished"},
		{"unfinished inside", func(t *testing.T, dir string) {
			writeFile(t, dir, "weights/x-unfinished", nil)
		}, map[string]Severity{CodeUnfinished: Error}, "weights/x-unfinished"},
		{"no context", func(t *testing.T, dir string) {
			require.NoError(t, os.RemoveAll(filepath.Join(dir, "context")))
		}, map[string]Severity{CodeNeMo2Context: Error}, "context"},
		{"no io.json", func(t *testing.T, dir string) {
			require.NoError(t, os.Remove(filepath.Join(dir, "context", "io.json")))
		}, map[string]Severity{CodeNeMo2Context: Warning}, "context/io.json"},
		{"no weights", func(t *testing.T, dir string) {
			require.NoError(t, os.RemoveAll(filepath.Join(dir, "weights")))
		}, map[string]Severity{CodeNeMo2Weights: Error}, "weights"},
		{"zarr", func(t *testing.T, dir string) {
			writeFile(t, dir, "weights/metadata.json", []byte(`{"sharded_backend": "zarr"}`))
		}, map[string]Severity{CodeDistCkptBackendLegacy: Warning}, "weights/metadata.json"},
		{"unknown backend", func(t *testing.T, dir string) {
			writeFile(t, dir, "weights/metadata.json", []byte(`{"sharded_backend": "h5"}`))
		}, map[string]Severity{CodeDistCkptBackend: Error}, "weights/metadata.json"},
		{"metadata.json not json", func(t *testing.T, dir string) {
			writeFile(t, dir, "weights/metadata.json", []byte(`{`))
		}, map[string]Severity{CodeDistCkptMetadataJSON: Error}, "weights/metadata.json"},
		{"no .metadata", func(t *testing.T, dir string) {
			require.NoError(t, os.Remove(filepath.Join(dir, "weights", ".metadata")))
		}, map[string]Severity{CodeDistCkptMissing: Error}, "weights/.metadata"},
		{"truncated distcp", func(t *testing.T, dir string) {
			writeFile(t, dir, "weights/__0_0.distcp", make([]byte, 120))
		}, map[string]Severity{CodeDistCkptRange: Error}, "weights/__0_0.distcp"},
		{"missing distcp", func(t *testing.T, dir string) {
			require.NoError(t, os.Remove(filepath.Join(dir, "weights", "__1_0.distcp")))
		}, map[string]Severity{CodeDistCkptMissing: Error}, "weights/__1_0.distcp"},
		{"unreferenced distcp", func(t *testing.T, dir string) {
			writeFile(t, dir, "weights/__2_0.distcp", make([]byte, 8))
		}, map[string]Severity{CodeDistCkptRange: Warning}, "weights/__2_0.distcp"},
		{"overlapping ranges", func(t *testing.T, dir string) {
			writeFile(t, dir, "weights/.metadata", distMetadataPickle([]distEntry{{"a", "__0_0.distcp", 0, 100}, {"b", "__0_0.distcp", 90, 38}, {"c", "__1_0.distcp", 0, 64}}))
		}, map[string]Severity{CodeDistCkptRange: Error}, "weights/__0_0.distcp"},
		{"unsafe .metadata", func(t *testing.T, dir string) {
			p := newPkl()
			p.global("os", "system").str("id").op(0x85, 'R')
			writeFile(t, dir, "weights/.metadata", p.stop())
		}, map[string]Severity{CodeUnsafePickle: Error, CodeDistCkptMetadata: Error}, "weights/.metadata"},
		{"adapter metadata without base path", func(t *testing.T, dir string) {
			writeFile(t, dir, "weights/adapter_metadata.json", []byte(`{}`))
		}, map[string]Severity{CodeNeMo2AdapterMetadata: Error}, "weights/adapter_metadata.json"},
		{"NaN in common.pt", func(t *testing.T, dir string) {
			writeFile(t, dir, "weights/common.pt", stateDictFixture(t))
		}, map[string]Severity{CodeNaN: Error}, "weights/common.pt"},
		{"hf_weights instead of weights", func(t *testing.T, dir string) {
			require.NoError(t, os.RemoveAll(filepath.Join(dir, "weights")))
			writeFile(t, dir, "hf_weights/config.json", []byte(`{}`))
			writeFile(t, dir, "hf_weights/model.safetensors", adapterSafetensors())
		}, map[string]Severity{CodeInf: Error}, "hf_weights/model.safetensors"},
		{"empty hf_weights", func(t *testing.T, dir string) {
			require.NoError(t, os.RemoveAll(filepath.Join(dir, "weights")))
			writeFile(t, dir, "hf_weights/config.json", []byte(`{}`))
		}, map[string]Severity{CodeNeMo2Weights: Error}, "hf_weights"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := nemo2Dir(t, t.TempDir())
			tt.change(t, dir)
			rep, err := validateNeMo2(context.Background(), dir, Config{})
			require.NoError(t, err)
			got := map[string]Severity{}
			for _, f := range rep.Findings {
				got[f.Code] = max(got[f.Code], f.Severity)
			}
			assert.Equal(t, tt.want, got, "%v", rep.Findings)
			require.NotEmpty(t, rep.Findings)
			assert.Equal(t, tt.file, rep.Findings[0].File)
		})
	}
}

func TestPyStem(t *testing.T) {
	assert.Equal(t, "a=800", pyStem("a=800.0-last"))
	assert.Equal(t, "x", pyStem("x.ckpt"))
	assert.Equal(t, ".hidden", pyStem(".hidden"))
	assert.Equal(t, "x.", pyStem("x."))
	assert.Equal(t, "plain", pyStem("plain"))
}
