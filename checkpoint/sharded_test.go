package checkpoint

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/sophia-ai/sophia-eval/internal/stfile"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	shard1 = "model-00001-of-00002.safetensors"
	shard2 = "model-00002-of-00002.safetensors"
	index1 = "model.safetensors.index.json"
)

// shardFixture describes a sharded checkpoint to write.
type shardFixture struct {
	shards    map[string][]stfile.Tensor
	format    map[string]string // per shard; "" = "pt"
	weightMap map[string]string // nil: built from shards
	totalSize any               // nil: the tensors' byte sum; "omit": no total_size
	index     string            // raw index text, replacing the generated one
}

func testTensor(rng *rand.Rand, name, dtype string, shape ...uint64) stfile.Tensor {
	n := uint64(1)
	for _, d := range shape {
		n *= d
	}
	return stfile.Tensor{Name: name, DType: dtype, Shape: shape, Data: stfile.Fill(rng, dtype, n)}
}

func baseShards() shardFixture {
	rng := rand.New(rand.NewPCG(11, 12))
	return shardFixture{shards: map[string][]stfile.Tensor{
		shard1: {testTensor(rng, "model.a", "F32", 4), testTensor(rng, "model.b", "F32", 2, 3)},
		shard2: {testTensor(rng, "model.c", "BF16", 8), testTensor(rng, "model.d", "F32", 5)},
	}}
}

func (f shardFixture) write(t *testing.T, dir string) {
	t.Helper()
	var total uint64
	wm := map[string]string{}
	for name, ts := range f.shards {
		format := f.format[name]
		if format == "" {
			format = "pt"
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), stfile.Build(ts, map[string]string{"format": format}), 0o644))
		for _, tn := range ts {
			total += uint64(len(tn.Data))
			if _, ok := wm[tn.Name]; !ok {
				wm[tn.Name] = name
			}
		}
	}
	if f.weightMap != nil {
		wm = f.weightMap
	}
	text := f.index
	if text == "" {
		md := map[string]any{"total_size": total}
		switch f.totalSize {
		case nil:
		case "omit":
			delete(md, "total_size")
		default:
			md["total_size"] = f.totalSize
		}
		b, err := json.MarshalIndent(map[string]any{"metadata": md, "weight_map": wm}, "", "  ")
		require.NoError(t, err)
		text = string(b)
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, index1), []byte(text), 0o644))
}

func sortedCodes(r *Report, sev Severity) []string {
	out := codes(r, sev)
	slices.Sort(out)
	return out
}

func findCode(r *Report, code string) *Finding {
	for i := range r.Findings {
		if r.Findings[i].Code == code {
			return &r.Findings[i]
		}
	}
	return nil
}

func TestSharded(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	tests := []struct {
		name   string
		fix    func() shardFixture
		after  func(t *testing.T, dir string) // changes after writing
		errs   []string                       // exact error codes, sorted
		warns  []string                       // warning codes that must be present
		noWarn bool                           // no warning at all
		check  func(t *testing.T, rep *Report)
	}{
		{name: "valid", fix: baseShards, noWarn: true, check: func(t *testing.T, rep *Report) {
			require.Len(t, rep.Files, 2)
			assert.Equal(t, KindSharded, rep.Kind)
			var names, files []string
			for _, tn := range rep.Tensors {
				names = append(names, tn.Name)
				files = append(files, tn.File)
				assert.True(t, tn.Scanned)
			}
			assert.Equal(t, []string{"model.a", "model.b", "model.d", "model.c"}, names)
			assert.Equal(t, []string{shard1, shard1, shard2, shard2}, files)
			assert.Equal(t, rep.Files[0].Size+rep.Files[1].Size, rep.Size)
			assert.NotEmpty(t, rep.Files[0].SHA256, "Config reaches the shards")
		}},
		{name: "missing shard", fix: baseShards,
			after: func(t *testing.T, dir string) { require.NoError(t, os.Remove(filepath.Join(dir, shard2))) },
			errs:  []string{CodeShardMissing}, check: func(t *testing.T, rep *Report) {
				f := findCode(rep, CodeShardMissing)
				assert.Equal(t, shard2, f.File)
				assert.ErrorIs(t, f, ErrShardMissing)
				assert.Len(t, rep.Files, 1)
			}},
		{name: "shard is a directory", fix: baseShards,
			after: func(t *testing.T, dir string) {
				require.NoError(t, os.Remove(filepath.Join(dir, shard2)))
				require.NoError(t, os.Mkdir(filepath.Join(dir, shard2), 0o755))
			},
			errs: []string{CodeShardMissing}},
		{name: "stray tensor", fix: func() shardFixture {
			f := baseShards()
			f.shards[shard1] = append(f.shards[shard1], testTensor(rng, "model.stray", "F32", 3))
			f.weightMap = map[string]string{"model.a": shard1, "model.b": shard1, "model.c": shard2, "model.d": shard2}
			return f
		}, errs: []string{CodeStrayTensor}, check: func(t *testing.T, rep *Report) {
			f := findCode(rep, CodeStrayTensor)
			assert.Equal(t, shard1, f.File)
			assert.Equal(t, "model.stray", f.Tensor)
		}},
		{name: "tensor in the wrong shard", fix: func() shardFixture {
			f := baseShards()
			f.weightMap = map[string]string{"model.a": shard2, "model.b": shard1, "model.c": shard2, "model.d": shard2}
			return f
		}, errs: []string{CodeTensorNotInShard}, check: func(t *testing.T, rep *Report) {
			f := findCode(rep, CodeTensorNotInShard)
			assert.Equal(t, index1, f.File)
			assert.Equal(t, "model.a", f.Tensor)
			assert.Contains(t, f.Error(), "it is in "+shard1)
			assert.Positive(t, f.Offset)
		}},
		{name: "tensor missing from every shard", fix: func() shardFixture {
			f := baseShards()
			f.weightMap = map[string]string{"model.a": shard1, "model.b": shard1, "model.c": shard2, "model.d": shard2, "model.e": shard2}
			return f
		}, errs: []string{CodeTensorNotInShard}},
		{name: "tensor in two shards", fix: func() shardFixture {
			f := baseShards()
			f.shards[shard2] = append(f.shards[shard2], f.shards[shard1][0])
			return f
		}, errs: []string{CodeTensorInTwoShards}, check: func(t *testing.T, rep *Report) {
			f := findCode(rep, CodeTensorInTwoShards)
			assert.Equal(t, shard2, f.File)
			assert.Equal(t, "model.a", f.Tensor)
		}},
		{name: "wrong total_size", fix: func() shardFixture {
			f := baseShards()
			f.totalSize = 4 * (4 + 6 + 5)
			return f
		}, errs: []string{CodeTotalSizeMismatch}, check: func(t *testing.T, rep *Report) {
			assert.Contains(t, findCode(rep, CodeTotalSizeMismatch).Error(), "76 bytes")
		}},
		{name: "total_size as integral float", fix: func() shardFixture {
			f := baseShards()
			f.totalSize = 76.0
			return f
		}, noWarn: true},
		{name: "total_size not a number", fix: func() shardFixture {
			f := baseShards()
			f.totalSize = "76"
			return f
		}, errs: []string{CodeTotalSizeInvalid}},
		{name: "total_size missing", fix: func() shardFixture {
			f := baseShards()
			f.totalSize = "omit"
			return f
		}, warns: []string{CodeTotalSizeMissing}},
		{name: "path escape", fix: func() shardFixture {
			f := baseShards()
			f.weightMap = map[string]string{"model.a": shard1, "model.b": shard1, "model.c": shard2, "model.d": "../" + shard2}
			return f
		}, errs: []string{CodeShardPath}, check: func(t *testing.T, rep *Report) {
			f := findCode(rep, CodeShardPath)
			assert.Contains(t, f.Error(), "path outside the directory")
			assert.Equal(t, index1, f.File)
			assert.ErrorIs(t, f, ErrShardPath)
		}},
		{name: "absolute path", fix: func() shardFixture {
			f := baseShards()
			f.weightMap = map[string]string{"model.a": shard1, "model.b": shard1, "model.c": shard2, "model.d": "/etc/passwd"}
			return f
		}, errs: []string{CodeShardPath}},
		{name: "bad JSON", fix: func() shardFixture {
			f := baseShards()
			f.index = "{\n  \"weight_map\": {\n    \"model.a\": \"" + shard1 + "\",\n  }\n}\n"
			return f
		}, errs: []string{CodeIndexJSON}, noWarn: true, check: func(t *testing.T, rep *Report) {
			f := findCode(rep, CodeIndexJSON)
			assert.Equal(t, index1, f.File)
			assert.Contains(t, f.Error(), "line 4, column 3")
			var se *json.SyntaxError
			assert.ErrorAs(t, f, &se)
			assert.ErrorIs(t, f, ErrIndexJSON)
			data, err := os.ReadFile(filepath.Join(rep.Path, index1))
			require.NoError(t, err)
			assert.Equal(t, byte('}'), data[f.Offset], "offset points at the offending byte")
		}},
		{name: "index is an array", fix: func() shardFixture {
			f := baseShards()
			f.index = "[]"
			return f
		}, errs: []string{CodeIndexJSON}},
		{name: "trailing data", fix: func() shardFixture {
			f := baseShards()
			f.index = `{"weight_map":{}} {}`
			return f
		}, errs: []string{CodeIndexJSON}},
		{name: "weight_map missing", fix: func() shardFixture {
			f := baseShards()
			f.index = `{"metadata":{"total_size":76}}`
			return f
		}, errs: []string{CodeWeightMapMissing}},
		{name: "weight_map empty", fix: func() shardFixture {
			f := baseShards()
			f.index = `{"metadata":{"total_size":76},"weight_map":{}}`
			return f
		}, errs: []string{CodeWeightMapInvalid}},
		{name: "weight_map value not a string", fix: func() shardFixture {
			f := baseShards()
			f.index = `{"metadata":{"total_size":76},"weight_map":{"model.a":"` + shard1 + `","model.b":"` + shard1 +
				`","model.c":"` + shard2 + `","model.d":2}}`
			return f
		}, errs: []string{CodeStrayTensor, CodeWeightMapInvalid}},
		{name: "duplicate weight_map key", fix: func() shardFixture {
			f := baseShards()
			f.index = `{"metadata":{"total_size":76},"weight_map":{"model.a":"` + shard2 + `","model.a":"` + shard1 +
				`","model.b":"` + shard1 + `","model.c":"` + shard2 + `","model.d":"` + shard2 + `"}}`
			return f
		}, warns: []string{CodeWeightMapDuplicate}},
		{name: "format disagreement", fix: func() shardFixture {
			f := baseShards()
			f.format = map[string]string{shard2: "flax"}
			return f
		}, errs: []string{CodeShardFormat}},
		{name: "invalid shard", fix: baseShards,
			after: func(t *testing.T, dir string) {
				p := filepath.Join(dir, shard2)
				b, err := os.ReadFile(p)
				require.NoError(t, err)
				require.NoError(t, os.WriteFile(p, b[:len(b)-3], 0o644))
			},
			errs: []string{CodeIncompleteBuffer}, check: func(t *testing.T, rep *Report) {
				assert.Equal(t, shard2, findCode(rep, CodeIncompleteBuffer).File)
			}},
		{name: "unreadable shard header", fix: baseShards,
			after: func(t *testing.T, dir string) {
				require.NoError(t, os.WriteFile(filepath.Join(dir, shard2), []byte("not safetensors"), 0o644))
			},
			errs: []string{CodeHeaderTooLarge}},
		{name: "unreferenced shard", fix: baseShards,
			after: func(t *testing.T, dir string) {
				require.NoError(t, os.WriteFile(filepath.Join(dir, "model-00003-of-00003.safetensors"), []byte("x"), 0o644))
			},
			warns: []string{CodeUnreferencedShard}},
		{name: "two indexes", fix: baseShards,
			after: func(t *testing.T, dir string) {
				b, err := os.ReadFile(filepath.Join(dir, index1))
				require.NoError(t, err)
				require.NoError(t, os.WriteFile(filepath.Join(dir, "copy.safetensors.index.json"), b, 0o644))
			},
			warns: []string{CodeMultipleIndexes}, check: func(t *testing.T, rep *Report) {
				assert.Len(t, rep.Files, 2, "each shard read once")
				assert.Len(t, rep.Tensors, 4)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			tt.fix().write(t, dir)
			if tt.after != nil {
				tt.after(t, dir)
			}
			rep, err := ValidatePath(context.Background(), dir, Config{Workers: 1, Hash: true})
			require.NoError(t, err)
			assert.Equal(t, KindSharded, rep.Kind)
			assert.Equal(t, dir, rep.Path)
			assert.Equal(t, tt.errs, sortedCodes(rep, Error), "findings: %v", rep.Findings)
			assert.Equal(t, len(tt.errs) == 0, rep.Valid())
			for _, w := range tt.warns {
				assert.Contains(t, codes(rep, Warning), w)
			}
			if tt.noWarn {
				assert.Empty(t, codes(rep, Warning), "findings: %v", rep.Findings)
			}
			for _, f := range rep.Findings {
				assert.NotEmpty(t, f.Code)
				assert.True(t, f.Severity == Error || f.Severity == Warning)
				assert.NotNil(t, errors.Unwrap(&f), f.Code)
			}
			if tt.check != nil {
				tt.check(t, rep)
			}
		})
	}
}

func TestShardedEntryOffset(t *testing.T) {
	dir := t.TempDir()
	f := baseShards()
	f.weightMap = map[string]string{"model.a": shard2, "model.b": shard1, "model.c": shard2, "model.d": shard2}
	f.write(t, dir)
	rep, err := ValidatePath(context.Background(), dir, Config{Workers: 1})
	require.NoError(t, err)
	fd := findCode(rep, CodeTensorNotInShard)
	require.NotNil(t, fd)
	data, err := os.ReadFile(filepath.Join(dir, index1))
	require.NoError(t, err)
	assert.Equal(t, `"`+shard2+`"`, string(data[fd.Offset:fd.Offset+int64(len(shard2))+2]))
}

func TestUnsafeShardPath(t *testing.T) {
	tests := []struct {
		in   string
		safe bool
	}{
		{shard1, true},
		{"weird name with spaces.safetensors", true},
		{"..data.safetensors", true},
		{"", false},
		{".", false},
		{"..", false},
		{"../x.safetensors", false},
		{"sub/x.safetensors", false},
		{`sub\x.safetensors`, false},
		{`..\x.safetensors`, false},
		{"/abs/x.safetensors", false},
		{`C:\x.safetensors`, false},
		{"C:x.safetensors", false},
		{"a\x00b", false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.safe, unsafeShardPath(tt.in) == "", "%q", tt.in)
	}
}
