package checkpoint

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sophia-ai/sophia-eval/internal/stfile"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const nemoLoRAConfig = `
tensor_model_parallel_size: 1
pipeline_model_parallel_size: 1
precision: bf16
peft:
  peft_scheme: lora
  restore_from_path: null
  lora_tuning:
    adapter_dim: 32
    alpha: 16
    adapter_dropout: 0.0
    target_modules: [attention_qkv, mlp_fc1]
`

func adapterSafetensors() []byte {
	return stfile.Build([]stfile.Tensor{
		{Name: "a", DType: "F32", Shape: []uint64{2}, Data: f32Bytes(1, float32(math.Inf(-1)))},
	}, map[string]string{"format": "pt"})
}

// nemoMembers is a LoRA .nemo as SaveRestoreConnector writes it: tar.add(dir,
// arcname=".").
func nemoMembers(t testing.TB) []tarMember {
	return []tarMember{
		{name: "./", typ: tar.TypeDir},
		{name: "./model_config.yaml", data: []byte(nemoLoRAConfig)},
		{name: "./model_weights.ckpt", data: stateDictFixture(t)},
		{name: "./5c0b_tokenizer.model", data: []byte("not inspected")},
		{name: "./extra/adapter.safetensors", data: adapterSafetensors()},
	}
}

func validateNeMoBytes(t testing.TB, b []byte, c Config) *Report {
	t.Helper()
	path := writeFile(t, t.TempDir(), "model.nemo", b)
	rep, err := validateNeMoArchive(context.Background(), path, c)
	require.NoError(t, err)
	return rep
}

func TestNeMoArchive(t *testing.T) {
	archive := tarBytes(t, nemoMembers(t))
	ckpt := stateDictFixture(t)
	for _, compressed := range []bool{false, true} {
		name := "tar"
		file := archive
		if compressed {
			name, file = "tar.gz", gzipBytes(t, archive)
		}
		t.Run(name, func(t *testing.T) {
			path := writeFile(t, t.TempDir(), "megatron_gpt_peft_lora_tuning.nemo", file)
			rep, err := ValidatePath(context.Background(), path, Config{Stats: true})
			if compressed {
				// ValidatePath sends gzip files to the compressed-file validator; the
				// archive validator reads tar.gz itself.
				rep, err = validateNeMoArchive(context.Background(), path, Config{Stats: true})
			}
			require.NoError(t, err)
			assert.Equal(t, KindNeMo, rep.Kind)
			assert.Equal(t, path, rep.Path)
			if compressed {
				assert.Equal(t, "gzip", rep.Compression)
			}
			assert.Equal(t, int64(len(archive)), rep.Size)
			assert.Equal(t, map[string]string{
				"tensor_model_parallel_size":      "1",
				"pipeline_model_parallel_size":    "1",
				"peft.peft_scheme":                "lora",
				"peft.lora_tuning.adapter_dim":    "32",
				"peft.lora_tuning.alpha":          "16",
				"peft.lora_tuning.target_modules": "attention_qkv,mlp_fc1",
			}, rep.Metadata)
			require.Len(t, rep.Files, 2)
			assert.Equal(t, "model_weights.ckpt", rep.Files[0].Path)
			assert.Equal(t, KindTorch, rep.Files[0].Kind)
			assert.Equal(t, "extra/adapter.safetensors", rep.Files[1].Path)
			assert.Equal(t, KindSafetensors, rep.Files[1].Kind)
			assert.Len(t, rep.Tensors, 4)
			for _, tn := range rep.Tensors {
				assert.Contains(t, []string{"model_weights.ckpt", "extra/adapter.safetensors"}, tn.File)
				assert.True(t, tn.Scanned)
			}

			codes := map[string]Finding{}
			for _, f := range rep.Findings {
				codes[f.Code] = f
			}
			require.Len(t, rep.Findings, 2, "%v", rep.Findings)
			nan := codes[CodeNaN]
			assert.Equal(t, "model_weights.ckpt", nan.File)
			assert.Equal(t, "model.layers.0.weight", nan.Tensor)
			// The offset is in the member: the NaN's bytes are there.
			require.True(t, nan.Offset > 0 && nan.Offset+4 <= int64(len(ckpt)), "offset %d", nan.Offset)
			assert.True(t, math.IsNaN(float64(math.Float32frombits(binary.LittleEndian.Uint32(ckpt[nan.Offset:])))))
			inf := codes[CodeInf]
			assert.Equal(t, "extra/adapter.safetensors", inf.File)
			assert.Equal(t, "a", inf.Tensor)
			assert.ErrorIs(t, rep.Err(), ErrNaN)
		})
	}
}

func TestNeMoUnsafeMembers(t *testing.T) {
	members := []tarMember{
		{name: "./", typ: tar.TypeDir},
		{name: "./model_weights.ckpt", data: stateDictFixture(t)},
		{name: "../evil", data: []byte("x")},
		{name: "./a/../../evil2", data: []byte("x")},
		{name: "/etc/cron.d/evil", data: []byte("x")},
		{name: "./link", typ: tar.TypeSymlink, linkname: "/etc/passwd"},
		{name: "./hard", typ: tar.TypeLink, linkname: "model_weights.ckpt"},
		{name: "./dev", typ: tar.TypeChar},
		{name: "./fifo", typ: tar.TypeFifo},
		{name: "model_weights.ckpt", data: []byte("again")},
	}
	rep := validateNeMoBytes(t, tarBytes(t, members), Config{})
	got := map[string][]string{}
	for _, f := range rep.Findings {
		got[f.Code] = append(got[f.Code], f.File)
	}
	assert.Equal(t, []string{"../evil", "./a/../../evil2"}, got[CodeDotDotPath])
	assert.Equal(t, []string{"/etc/cron.d/evil"}, got[CodeAbsolutePath])
	assert.Equal(t, []string{"./link", "./hard"}, got[CodeLinkMember])
	assert.Equal(t, []string{"./dev", "./fifo"}, got[CodeDeviceMember])
	assert.Equal(t, []string{"model_weights.ckpt"}, got[CodeDuplicateMember])
	assert.Equal(t, []string{""}, got[CodeNeMoConfigMissing])
	for _, code := range []string{CodeDotDotPath, CodeAbsolutePath, CodeLinkMember, CodeDeviceMember} {
		for _, f := range rep.Findings {
			if f.Code == code {
				assert.ErrorIs(t, f.Err, ErrUnsafeMember)
				assert.Equal(t, Error, f.Severity)
			}
		}
	}
	assert.ErrorIs(t, rep.Err(), ErrDuplicateMember)
	assert.ErrorIs(t, rep.Err(), ErrNeMoConfig)
}

func TestNeMoWeightsLayout(t *testing.T) {
	ckpt := stateDictFixture(t)
	cfg := func(tp, pp int) tarMember {
		return tarMember{name: "./model_config.yaml", data: []byte(strings.NewReplacer("TP", string(rune('0'+tp)), "PP", string(rune('0'+pp))).Replace(
			"tensor_model_parallel_size: TP\npipeline_model_parallel_size: PP\n"))}
	}
	w := func(name string) tarMember { return tarMember{name: "./" + name, data: ckpt} }
	meta := distMetadataPickle([]distEntry{{"w", "__0_0.distcp", 0, 8}, {"b", "__0_0.distcp", 8, 4}, {"c", "__1_0.distcp", 0, 6}})
	dist := func(extra ...tarMember) []tarMember {
		return append([]tarMember{
			cfg(2, 2),
			{name: "./model_weights/", typ: tar.TypeDir},
			{name: "./model_weights/metadata.json", data: []byte(`{"sharded_backend": "torch_dist", "sharded_backend_version": 1, "common_backend": "torch", "common_backend_version": 1}`)},
			{name: "./model_weights/.metadata", data: meta},
			{name: "./model_weights/__0_0.distcp", data: make([]byte, 12)},
			{name: "./model_weights/__1_0.distcp", data: make([]byte, 6)},
		}, extra...)
	}
	tests := []struct {
		name    string
		members []tarMember
		want    map[string]Severity
	}{
		{"single", []tarMember{cfg(1, 1), w("model_weights.ckpt")}, nil},
		{"no weights", []tarMember{cfg(1, 1)}, map[string]Severity{CodeNeMoWeights: Error}},
		{"tp2", []tarMember{cfg(2, 1), w("mp_rank_00/model_weights.ckpt"), w("mp_rank_01/model_weights.ckpt")}, nil},
		{"tp2 missing rank", []tarMember{cfg(2, 1), w("mp_rank_00/model_weights.ckpt")}, map[string]Severity{CodeNeMoWeights: Error}},
		{"tp2 extra rank", []tarMember{cfg(2, 1), w("mp_rank_00/model_weights.ckpt"), w("mp_rank_01/model_weights.ckpt"), w("mp_rank_02/model_weights.ckpt")},
			map[string]Severity{CodeNeMoWeights: Error}},
		{"tp1 but ranks", []tarMember{cfg(1, 1), w("mp_rank_00/model_weights.ckpt")}, map[string]Severity{CodeNeMoWeights: Error}},
		{"tp2 pp2", []tarMember{cfg(2, 2), w("tp_rank_00_pp_rank_000/model_weights.ckpt"), w("tp_rank_00_pp_rank_001/model_weights.ckpt"),
			w("tp_rank_01_pp_rank_000/model_weights.ckpt"), w("tp_rank_01_pp_rank_001/model_weights.ckpt")}, nil},
		{"tp2 pp2 with mp names", []tarMember{cfg(2, 2), w("mp_rank_00/model_weights.ckpt"), w("mp_rank_01/model_weights.ckpt")},
			map[string]Severity{CodeNeMoWeights: Error}},
		{"dist ckpt", dist(), nil},
		{"dist ckpt common.pt", dist(w("model_weights/common.pt")), map[string]Severity{CodeNaN: Error}},
		{"dist ckpt without metadata.json", []tarMember{cfg(1, 1), {name: "./model_weights/.metadata", data: meta},
			{name: "./model_weights/__0_0.distcp", data: make([]byte, 12)}, {name: "./model_weights/__1_0.distcp", data: make([]byte, 6)}},
			map[string]Severity{CodeDistCkptMetadataJSON: Error}},
		{"dist ckpt truncated distcp", dist()[:5], map[string]Severity{CodeDistCkptMissing: Error}},
		{"parallel sizes interpolated", []tarMember{{name: "./model_config.yaml", data: []byte("tensor_model_parallel_size: ${trainer.devices}\n")},
			w("mp_rank_00/model_weights.ckpt")}, map[string]Severity{CodeNeMoConfigInvalid: Warning}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := validateNeMoBytes(t, tarBytes(t, tt.members), Config{})
			got := map[string]Severity{}
			for _, f := range rep.Findings {
				if f.Code != CodeNaN || tt.want[CodeNaN] != 0 {
					got[f.Code] = max(got[f.Code], f.Severity)
				}
			}
			want := tt.want
			if want == nil {
				want = map[string]Severity{}
			}
			assert.Equal(t, want, got, "%v", rep.Findings)
		})
	}
}

func TestNeMoConfigChecks(t *testing.T) {
	ckpt := stateDictFixture(t)
	tests := []struct {
		name string
		yaml string
		want map[string]Severity
	}{
		{"not yaml", "a: [1, 2\n", map[string]Severity{CodeNeMoConfigInvalid: Error}},
		{"not a mapping", "- 1\n- 2\n", map[string]Severity{CodeNeMoConfigInvalid: Error}},
		{"tp zero", "tensor_model_parallel_size: 0\n", map[string]Severity{CodeNeMoConfigInvalid: Error}},
		{"lora without section", "peft:\n  peft_scheme: lora\n", map[string]Severity{CodeNeMoPEFTConfig: Error}},
		{"adapter_dim 0", "peft:\n  peft_scheme: lora\n  lora_tuning:\n    adapter_dim: 0\n", map[string]Severity{CodeNeMoPEFTConfig: Error}},
		{"adapter_dim missing", "peft:\n  peft_scheme: ptuning,lora\n  lora_tuning:\n    alpha: 8\n", map[string]Severity{CodeNeMoPEFTConfig: Error}},
		{"alpha string", "peft:\n  peft_scheme: lora\n  lora_tuning:\n    adapter_dim: 8\n    alpha: big\n", map[string]Severity{CodeNeMoPEFTConfig: Error}},
		{"alpha float", "peft:\n  peft_scheme: lora\n  lora_tuning:\n    adapter_dim: 8\n    alpha: 0.5\n", map[string]Severity{}},
		{"unknown target", "peft:\n  peft_scheme: lora\n  lora_tuning:\n    adapter_dim: 8\n    target_modules: [q_proj]\n", map[string]Severity{CodeNeMoPEFTConfig: Warning}},
		{"target not a list", "peft:\n  peft_scheme: lora\n  lora_tuning:\n    adapter_dim: 8\n    target_modules: attention_qkv\n", map[string]Severity{CodeNeMoPEFTConfig: Error}},
		{"not lora", "peft:\n  peft_scheme: ptuning\n", map[string]Severity{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := validateNeMoBytes(t, tarBytes(t, []tarMember{
				{name: "./model_config.yaml", data: []byte(tt.yaml)},
				{name: "./model_weights.ckpt", data: ckpt},
			}), Config{AllowNonFinite: true})
			got := map[string]Severity{}
			for _, f := range rep.Findings {
				if f.Code != CodeNaN {
					got[f.Code] = max(got[f.Code], f.Severity)
					assert.Equal(t, "model_config.yaml", f.File)
				}
			}
			assert.Equal(t, tt.want, got, "%v", rep.Findings)
		})
	}
}

func TestNeMoCorruptArchives(t *testing.T) {
	archive := tarBytes(t, nemoMembers(t))
	gz := gzipBytes(t, archive)
	badCRC := bytes.Clone(gz)
	badCRC[len(badCRC)-6] ^= 0xff
	tests := []struct {
		name string
		file []byte
		code string
	}{
		{"truncated tar", archive[:len(archive)/2], CodeArchiveCorrupt},
		{"bad header checksum", append(bytes.Repeat([]byte{'x'}, 512), make([]byte, 1024)...), CodeArchiveCorrupt},
		{"truncated gzip", gz[:len(gz)/2], CodeArchiveCorrupt},
		{"gzip checksum", badCRC, CodeCorruptCompression},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := validateNeMoBytes(t, tt.file, Config{})
			var got []string
			for _, f := range rep.Findings {
				got = append(got, f.Code)
			}
			assert.Contains(t, got, tt.code)
			assert.False(t, rep.Valid())
		})
	}
	rep := validateNeMoBytes(t, gz, Config{MaxDecompressed: 4096})
	assert.Equal(t, CodeDecompressedTooLarge, rep.Findings[len(rep.Findings)-1].Code, "%v", rep.Findings)
}

func TestExtractNeMo(t *testing.T) {
	base := t.TempDir()
	outside := filepath.Join(base, "outside")
	require.NoError(t, os.Mkdir(outside, 0o755))
	dir := filepath.Join(base, "x", "extract")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	// A symbolic link already in the target must not lead writes out of it.
	require.NoError(t, os.Symlink(outside, filepath.Join(dir, "out")))

	members := append(nemoMembers(t),
		tarMember{name: "../evil", data: []byte("x")},
		tarMember{name: "./../../evil2", data: []byte("x")},
		tarMember{name: "/" + filepath.ToSlash(filepath.Join(outside, "abs")), data: []byte("x")},
		tarMember{name: "./link", typ: tar.TypeSymlink, linkname: outside},
		tarMember{name: "./hard", typ: tar.TypeLink, linkname: "/etc/passwd"},
		tarMember{name: "./dev", typ: tar.TypeBlock},
		tarMember{name: "./sub/dir/", typ: tar.TypeDir},
	)
	for _, compressed := range []bool{false, true} {
		file := tarBytes(t, members)
		if compressed {
			file = gzipBytes(t, file)
		}
		archive := writeFile(t, base, "model.nemo", file)
		err := ExtractNeMo(context.Background(), archive, dir)
		require.ErrorIs(t, err, ErrUnsafeMember)
		assert.Contains(t, err.Error(), "skipped 6 unsafe member(s)")

		got, err := os.ReadFile(filepath.Join(dir, "model_config.yaml"))
		require.NoError(t, err)
		assert.Equal(t, nemoLoRAConfig, string(got))
		got, err = os.ReadFile(filepath.Join(dir, "extra", "adapter.safetensors"))
		require.NoError(t, err)
		assert.Equal(t, adapterSafetensors(), got)
		assert.DirExists(t, filepath.Join(dir, "sub", "dir"))
		for _, p := range []string{filepath.Join(base, "x", "evil"), filepath.Join(base, "evil2"), filepath.Join(dir, "link"), filepath.Join(dir, "hard"), filepath.Join(dir, "dev")} {
			_, err := os.Lstat(p)
			assert.True(t, os.IsNotExist(err), "%s exists", p)
		}
		entries, err := os.ReadDir(outside)
		require.NoError(t, err)
		assert.Empty(t, entries)
	}

	// A member through the pre-existing link is refused, and nothing lands outside.
	archive := writeFile(t, base, "through-link.nemo", tarBytes(t, []tarMember{{name: "./out/x", data: []byte("x")}}))
	err := ExtractNeMo(context.Background(), archive, dir)
	require.Error(t, err)
	entries, err := os.ReadDir(outside)
	require.NoError(t, err)
	assert.Empty(t, entries)

	// A clean archive extracts without error.
	archive = writeFile(t, base, "clean.nemo", tarBytes(t, nemoMembers(t)))
	require.NoError(t, ExtractNeMo(context.Background(), archive, filepath.Join(base, "clean")))

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.True(t, errors.Is(ExtractNeMo(ctx, archive, filepath.Join(base, "cancelled")), context.Canceled))
}

func FuzzNeMoTar(f *testing.F) {
	f.Add(tarBytes(f, nemoMembers(f)))
	f.Add(tarBytes(f, []tarMember{
		{name: "../evil", data: []byte("x")},
		{name: "./link", typ: tar.TypeSymlink, linkname: "/etc/passwd"},
		{name: "./model_config.yaml", data: []byte("tensor_model_parallel_size: 2\n")},
		{name: "./mp_rank_00/model_weights.ckpt", data: []byte("PK\x03\x04")},
	}))
	f.Add(gzipBytes(f, tarBytes(f, []tarMember{{name: "./model_config.yaml", data: []byte(nemoLoRAConfig)}})))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		path := filepath.Join(t.TempDir(), "f.nemo")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		rep, err := validateNeMoArchive(context.Background(), path, Config{Workers: 1, MaxDecompressed: 1 << 20})
		if err != nil {
			t.Fatalf("local file: %v", err)
		}
		for _, f := range rep.Findings {
			if f.Err == nil || f.Code == "" {
				t.Fatalf("finding without error or code: %+v", f)
			}
		}
	})
}
