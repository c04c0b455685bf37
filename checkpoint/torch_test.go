package checkpoint

import (
	"bytes"
	"context"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func validateTorchBytes(t testing.TB, b []byte, c Config) *Report {
	t.Helper()
	rep, _, err := validateTorchAt(context.Background(), bytes.NewReader(b), int64(len(b)), c)
	require.NoError(t, err)
	return rep
}

func reportCodes(rep *Report) map[string]Severity {
	m := map[string]Severity{}
	for _, f := range rep.Findings {
		if m[f.Code] < f.Severity {
			m[f.Code] = f.Severity
		}
	}
	return m
}

func TestTorchStateDict(t *testing.T) {
	file := stateDictFixture(t)
	path := writeFile(t, t.TempDir(), "model_weights.ckpt", file)
	rep, err := ValidatePath(context.Background(), path, Config{Stats: true, Digest: true})
	require.NoError(t, err)
	assert.Equal(t, KindTorch, rep.Kind)
	assert.Equal(t, path, rep.Path)
	assert.Equal(t, int64(len(file)), rep.Size)
	require.Len(t, rep.Tensors, 3)

	w := rep.Tensors[0]
	assert.Equal(t, "model.layers.0.weight", w.Name)
	assert.Equal(t, F32, w.DType)
	assert.Equal(t, []uint64{2, 3}, w.Shape)
	assert.Equal(t, "archive/data/0", w.File)
	assert.True(t, w.Scanned)
	assert.Equal(t, int64(1), w.NaN)
	require.NotNil(t, w.Stats)
	assert.InDelta(t, 18.0/5, w.Stats.Mean, 1e-9)
	assert.Equal(t, 1.0, w.Stats.Min)
	assert.NotZero(t, w.Digest)

	b := rep.Tensors[1]
	assert.Equal(t, "model.layers.0.bias", b.Name)
	assert.Equal(t, BF16, b.DType)
	assert.Equal(t, []uint64{3}, b.Shape)
	assert.Equal(t, uint64(0), b.Begin)
	assert.Equal(t, uint64(6), b.End)
	assert.InDelta(t, -1.0, b.Stats.Min, 0)
	assert.Zero(t, b.NaN)

	s := rep.Tensors[2]
	assert.Equal(t, "model.step", s.Name)
	assert.Equal(t, I64, s.DType)
	assert.Equal(t, []uint64{}, s.Shape)
	assert.InDelta(t, 7.0, s.Stats.Mean, 0)

	require.Len(t, rep.Findings, 1, "%v", rep.Findings)
	f := rep.Findings[0]
	assert.Equal(t, CodeNaN, f.Code)
	assert.Equal(t, Error, f.Severity)
	assert.Equal(t, "archive/data/0", f.File)
	assert.Equal(t, "model.layers.0.weight", f.Tensor)
	assert.Equal(t, int64(8), f.Offset)
	assert.ErrorIs(t, rep.Err(), ErrNaN)

	rep = validateTorchBytes(t, file, Config{AllowNonFinite: true})
	assert.True(t, rep.Valid())
	assert.Equal(t, Warning, rep.Findings[0].Severity)
}

// The report does not depend on the worker count.
func TestTorchWorkers(t *testing.T) {
	var ts []fxTensor
	data := map[string][]byte{}
	var keys []string
	for i := range 9 {
		k := string(rune('a' + i))
		keys = append(keys, k)
		vals := make([]float32, 1000+i)
		for j := range vals {
			vals[j] = float32(j%17) - 3
		}
		vals[i*7] = float32(math.Inf(1 - 2*(i%2)))
		ts = append(ts, fxTensor{name: "t" + k, storage: "FloatStorage", key: k, numel: int64(len(vals)), shape: []int64{int64(len(vals))}})
		data[k] = f32Bytes(vals...)
	}
	file := torchZipBytes(t, torchMembers("m", newPkl().stateDict(ts).stop(), data, keys...))
	one := validateTorchBytes(t, file, Config{Workers: 1, Stats: true, Digest: true})
	four := validateTorchBytes(t, file, Config{Workers: 4, Stats: true, Digest: true})
	assert.Equal(t, one, four)
	assert.Len(t, one.Findings, 9)
	for _, f := range one.Findings {
		assert.Equal(t, CodeInf, f.Code)
	}
}

func TestTorchLightningNestingParametersAndViews(t *testing.T) {
	p := newPkl()
	p.op('}').put().op('(')
	p.str("epoch").int(3)
	p.str("state_dict")
	p.stateDict([]fxTensor{
		{name: "model.w", storage: "HalfStorage", key: "0", numel: 8, shape: []int64{2, 2}, param: true},
		// A transposed view of the same storage, at an offset.
		{name: "model.wt", storage: "HalfStorage", key: "0", numel: 8, offset: 4, shape: []int64{2, 2}, stride: []int64{1, 2}},
		// A strided (non-contiguous) view.
		{name: "model.every_other", storage: "HalfStorage", key: "0", numel: 8, offset: 1, shape: []int64{4}, stride: []int64{2}},
		{name: "model.u16", storage: "UntypedStorage", key: "1", numel: 8, shape: []int64{4}, dtype: "uint16"},
		{name: "model.h", storage: "UntypedStorage", key: "2", numel: 4, shape: []int64{2}, dtype: "float16"},
	})
	p.str("optimizer_states").op(']').put().op('}').put().str("step").int(9).op('s', 'a')
	p.op('u')
	half := func(vs ...uint16) []byte {
		var b []byte
		for _, v := range vs {
			b = binary.LittleEndian.AppendUint16(b, v)
		}
		return b
	}
	data := map[string][]byte{
		"0": half(0x3c00, 0x3c00, 0x3c00, 0x3c00, 0x7c00, 0x3c00, 0x3c00, 0x3c00), // +Inf at element 4
		"1": half(1, 2, 3, 0xffff),
		"2": half(0x7e00, 0),
	}
	rep := validateTorchBytes(t, torchZipBytes(t, torchMembers("last", p.stop(), data, "0", "1", "2")), Config{})
	var names []string
	for _, tn := range rep.Tensors {
		names = append(names, tn.Name)
	}
	assert.Equal(t, []string{"state_dict.model.w", "state_dict.model.wt", "state_dict.model.every_other", "state_dict.model.u16", "state_dict.model.h"}, names)
	byName := map[string]Tensor{}
	for _, tn := range rep.Tensors {
		byName[tn.Name] = tn
	}
	assert.Equal(t, F16, byName["state_dict.model.w"].DType)
	assert.Zero(t, byName["state_dict.model.w"].PosInf)
	assert.Equal(t, int64(1), byName["state_dict.model.wt"].PosInf)
	assert.Equal(t, uint64(8), byName["state_dict.model.wt"].Begin)
	assert.Equal(t, uint64(16), byName["state_dict.model.wt"].End)
	// Element 4 is not in the strided view, but it is in the storage span the view
	// covers, over which non-contiguous views are counted.
	assert.Equal(t, int64(1), byName["state_dict.model.every_other"].PosInf)
	assert.Equal(t, uint64(2), byName["state_dict.model.every_other"].Begin)
	assert.Equal(t, uint64(16), byName["state_dict.model.every_other"].End)
	assert.Equal(t, U16, byName["state_dict.model.u16"].DType)
	assert.Equal(t, F16, byName["state_dict.model.h"].DType)
	assert.Equal(t, int64(1), byName["state_dict.model.h"].NaN)
	codes := reportCodes(rep)
	assert.Equal(t, map[string]Severity{CodeInf: Error, CodeNaN: Error}, codes, "%v", rep.Findings)
	for _, f := range rep.Findings {
		if f.Tensor == "state_dict.model.every_other" {
			assert.Contains(t, f.Error(), "non-contiguous")
		}
	}
}

// The classic payload: os.system on load. It is flagged, and never run.
func TestTorchMaliciousPickle(t *testing.T) {
	dir := t.TempDir()
	marker := filepath.Join(dir, "pwned")
	p := newPkl()
	p.global("os", "system").str("touch " + marker).op(0x85).put().op('R').put()
	file := torchZipBytes(t, torchMembers("archive", p.stop(), nil))
	path := writeFile(t, dir, "evil.pt", file)
	rep, err := ValidatePath(context.Background(), path, Config{})
	require.NoError(t, err)
	require.False(t, rep.Valid())
	require.NotEmpty(t, rep.Findings)
	f := rep.Findings[0]
	assert.Equal(t, CodeUnsafePickle, f.Code)
	assert.Equal(t, Error, f.Severity)
	assert.Equal(t, "archive/data.pkl", f.File)
	assert.Equal(t, int64(2), f.Offset)
	assert.ErrorIs(t, rep.Err(), ErrUnsafePickle)
	assert.Contains(t, f.Error(), "os.system")
	_, err = os.Stat(marker)
	assert.True(t, os.IsNotExist(err), "the payload ran")

	// A payload before a malformed opcode is still reported.
	p = newPkl()
	p.global("builtins", "eval").str("1").op(0x85, 'R', 0xff)
	rep = validateTorchBytes(t, torchZipBytes(t, torchMembers("archive", p.Bytes(), nil)), Config{})
	codes := reportCodes(rep)
	assert.Equal(t, Error, codes[CodeUnsafePickle])
	assert.Equal(t, Error, codes[CodeTorchPickle])
}

func TestClassifyGlobal(t *testing.T) {
	tests := []struct {
		mod, name string
		want      globalVerdict
	}{
		{"torch._utils", "_rebuild_tensor_v2", globalSafe},
		{"torch._utils", "_rebuild_parameter", globalSafe},
		{"torch", "BFloat16Storage", globalSafe},
		{"torch", "UntypedStorage", globalSafe},
		{"torch.storage", "TypedStorage", globalSafe},
		{"torch", "float16", globalSafe},
		{"torch", "Size", globalSafe},
		{"torch._tensor", "_rebuild_from_type_v2", globalSafe},
		{"collections", "OrderedDict", globalSafe},
		{"builtins", "set", globalSafe},
		{"__builtin__", "frozenset", globalSafe},
		{"builtins", "slice", globalSafe},
		{"_codecs", "encode", globalSafe},
		{"copyreg", "_reconstructor", globalSafe},
		{"pathlib", "PosixPath", globalSafe},
		{"omegaconf.dictconfig", "DictConfig", globalSafe},
		{"omegaconf.base", "ContainerMetadata", globalSafe},
		{"omegaconf.nodes", "AnyNode", globalSafe},
		{"typing", "Any", globalSafe},
		{"numpy.core.multiarray", "scalar", globalWarn},
		{"numpy", "dtype", globalWarn},
		{"argparse", "Namespace", globalWarn},
		{"pytorch_lightning.callbacks.model_checkpoint", "ModelCheckpoint", globalWarn},
		{"lightning.pytorch.callbacks.early_stopping", "EarlyStopping", globalWarn},
		{"nemo.collections.nlp.parts", "SomeConfig", globalWarn},
		{"__main__", "MyConfig", globalWarn},
		{"torch.storage", "_load_from_bytes", globalWarn},
		{"_io", "BytesIO", globalWarn},
		{"_io", "open", globalUnsafe},
		{"io", "FileIO", globalUnsafe},
		{"os", "system", globalUnsafe},
		{"posix", "system", globalUnsafe},
		{"nt", "system", globalUnsafe},
		{"subprocess", "Popen", globalUnsafe},
		{"subprocess", "check_output", globalUnsafe},
		{"builtins", "eval", globalUnsafe},
		{"builtins", "exec", globalUnsafe},
		{"builtins", "getattr", globalUnsafe},
		{"__builtin__", "__import__", globalUnsafe},
		{"builtins", "print", globalUnsafe},
		{"collections", "OrderedDict.__init__", globalUnsafe},
		{"torch", "load", globalUnsafe},
		{"numpy.testing._private.utils", "runstring", globalUnsafe},
		{"operator", "methodcaller", globalUnsafe},
		{"evil", "run", globalUnsafe},
		{"torch._utils", "_rebuild_tensor.__globals__", globalUnsafe},
	}
	for _, tt := range tests {
		v, why := classifyGlobal(pickleGlobal(tt.mod, tt.name))
		assert.Equal(t, tt.want, v, "%s.%s: %s", tt.mod, tt.name, why)
		if v != globalSafe {
			assert.NotEmpty(t, why)
		}
	}
}

func TestTorchSuspectGlobalsWarn(t *testing.T) {
	// hyper_parameters as an argparse.Namespace and a __main__ class built with
	// NEWOBJ + BUILD: warnings, not errors.
	p := newPkl()
	p.op('}').put().op('(')
	p.str("hparams").global("argparse", "Namespace").op(')', 0x81).put().op('}').put().str("lr").int(1).op('s', 'b')
	p.str("cfg").global("__main__", "MyConfig").op(')', 0x81).put()
	p.op('u')
	rep := validateTorchBytes(t, torchZipBytes(t, torchMembers("archive", p.stop(), nil)), Config{})
	assert.True(t, rep.Valid(), "%v", rep.Findings)
	require.Len(t, rep.Findings, 2)
	for _, f := range rep.Findings {
		assert.Equal(t, CodeUnsafePickle, f.Code)
		assert.Equal(t, Warning, f.Severity)
	}
}

func TestTorchStructuralFindings(t *testing.T) {
	f32 := fxTensor{name: "w", storage: "FloatStorage", key: "0", numel: 4, shape: []int64{4}}
	pk := func(ts ...fxTensor) []byte { return newPkl().stateDict(ts).stop() }
	ok := f32Bytes(1, 2, 3, 4)
	corrupt := torchZipBytes(t, torchMembers("archive", pk(f32), map[string][]byte{"0": ok}, "0"))
	i := bytes.Index(corrupt, ok)
	corrupt[i+1] ^= 0x55
	tests := []struct {
		name string
		file []byte
		want map[string]Severity
	}{
		{"valid", torchZipBytes(t, torchMembers("archive", pk(f32), map[string][]byte{"0": ok}, "0")), map[string]Severity{}},
		{"missing storage", torchZipBytes(t, torchMembers("archive", pk(f32), nil)), map[string]Severity{CodeTorchStorageMissing: Error}},
		{"short storage", torchZipBytes(t, torchMembers("archive", pk(f32), map[string][]byte{"0": ok[:12]}, "0")),
			map[string]Severity{CodeTorchStorageSize: Error}},
		{"view past storage", torchZipBytes(t, torchMembers("archive", pk(fxTensor{name: "w", storage: "FloatStorage", key: "0", numel: 4, offset: 2, shape: []int64{3}}), map[string][]byte{"0": ok}, "0")),
			map[string]Severity{CodeTorchStorageSize: Error}},
		{"bad stride", torchZipBytes(t, torchMembers("archive", pk(fxTensor{name: "w", storage: "FloatStorage", key: "0", numel: 4, shape: []int64{2, 2}, stride: []int64{1}}), map[string][]byte{"0": ok}, "0")),
			map[string]Severity{CodeTorchTensor: Error}},
		{"unknown storage type", torchZipBytes(t, torchMembers("archive", pk(fxTensor{name: "w", storage: "WeirdStorage", key: "0", numel: 4, shape: []int64{4}}), map[string][]byte{"0": ok}, "0")),
			map[string]Severity{CodeTorchDType: Warning}},
		{"complex128 not scanned", torchZipBytes(t, torchMembers("archive", pk(fxTensor{name: "w", storage: "ComplexDoubleStorage", key: "0", numel: 1, shape: []int64{1}}), map[string][]byte{"0": make([]byte, 16)}, "0")),
			map[string]Severity{CodeTorchDType: Warning}},
		{"crc mismatch", corrupt, map[string]Severity{CodeMemberCorrupt: Error}},
		{"v3 without dtype", torchZipBytes(t, torchMembers("archive", newPkl().global("torch._utils", "_rebuild_tensor_v3").op('(').
			op('(').str("storage").global("torch", "UntypedStorage").str("0").str("cpu").int(16).op('t', 'Q').int(0).tuple([]int64{4}).tuple([]int64{1}).op('t', 'R', '.').Bytes(),
			map[string][]byte{"0": ok}, "0")), map[string]Severity{CodeTorchTensor: Error}},
		{"v3 with a non-dtype", torchZipBytes(t, torchMembers("archive", newPkl().stateDict([]fxTensor{{name: "w", storage: "UntypedStorage", key: "0", numel: 16, shape: []int64{4}, dtype: "Size"}}).stop(),
			map[string][]byte{"0": ok}, "0")), map[string]Severity{CodeTorchTensor: Error}},
		{"deflated storage over the limit", torchZipBytes(t, []zipMember{{name: "a/data.pkl", data: pk(f32)}, {name: "a/version", data: []byte("3")}, {name: "a/data/0", data: ok, deflate: true}}),
			map[string]Severity{CodeTorchCompression: Warning, CodeDecompressedTooLarge: Error}},
		{"compressed member", torchZipBytes(t, []zipMember{{name: "a/data/0", data: ok}, {name: "a/version", data: []byte("3")}, {name: "a/data.pkl", data: pk(f32), deflate: true}}),
			map[string]Severity{CodeTorchCompression: Warning}},
		{"no version", torchZipBytes(t, []zipMember{{name: "a/data.pkl", data: pk(f32)}, {name: "a/data/0", data: ok}}),
			map[string]Severity{CodeTorchLayout: Error}},
		{"no data.pkl", torchZipBytes(t, []zipMember{{name: "a/version", data: []byte("3")}}), map[string]Severity{CodeTorchLayout: Error}},
		{"two roots", torchZipBytes(t, []zipMember{{name: "a/data.pkl", data: pk(f32)}, {name: "a/data/0", data: ok}, {name: "a/version", data: []byte("3")}, {name: "b/x", data: nil}}),
			map[string]Severity{CodeTorchLayout: Error}},
		{"big endian", torchZipBytes(t, []zipMember{{name: "a/data.pkl", data: pk(f32)}, {name: "a/byteorder", data: []byte("big")}, {name: "a/data/0", data: ok}, {name: "a/version", data: []byte("3")}}),
			map[string]Severity{CodeTorchByteOrder: Warning}},
		{"not a storage persid", torchZipBytes(t, torchMembers("archive", newPkl().str("x").op('Q', '.').Bytes(), nil)), map[string]Severity{CodeTorchPickle: Error}},
		{"legacy", append([]byte{0x80, 0x02}, append(torchLegacyMagic, '.')...), map[string]Severity{CodeTorchLegacy: Error}},
		{"not zip", []byte("hello world, not a zip"), map[string]Severity{CodeTorchNotZip: Error}},
		{"truncated zip", corrupt[:len(corrupt)/2], map[string]Severity{CodeTorchNotZip: Error}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := validateTorchBytes(t, tt.file, Config{MaxDecompressed: 15})
			assert.Equal(t, tt.want, reportCodes(rep), "%v", rep.Findings)
			for _, f := range rep.Findings {
				assert.NotNil(t, f.Err)
				assert.NotEmpty(t, f.Code)
			}
		})
	}
}

func TestTorchUnaligned(t *testing.T) {
	// archive/zip's own writer does not align: the storage lands off 64.
	var buf bytes.Buffer
	zw := zipWriterStore(&buf, map[string][]byte{
		"a/data.pkl": newPkl().stateDict([]fxTensor{{name: "w", storage: "FloatStorage", key: "0", numel: 1, shape: []int64{1}}}).stop(),
		"a/data/0":   f32Bytes(1),
		"a/version":  []byte("3"),
	}, "a/data.pkl", "a/version", "a/data/0")
	require.NoError(t, zw)
	rep := validateTorchBytes(t, buf.Bytes(), Config{})
	assert.Equal(t, map[string]Severity{CodeTorchAlignment: Warning}, reportCodes(rep), "%v", rep.Findings)
	assert.True(t, rep.Tensors[0].Scanned)
}

// FuzzTorchZip feeds either whole files (raw) or data.pkl streams wrapped in a
// valid torch archive with two storages, so that mutations reach the tensor index
// and not only the zip directory.
func FuzzTorchZip(f *testing.F) {
	storages := map[string][]byte{"0": f32Bytes(1, float32(math.NaN()), 3, 4), "1": {0, 0x7f, 0x80, 0xff}}
	f.Add(stateDictFixture(f), true)
	f.Add(newPkl().stateDict([]fxTensor{
		{name: "w", storage: "FloatStorage", key: "0", numel: 4, shape: []int64{2, 2}},
		{name: "t", storage: "FloatStorage", key: "0", numel: 4, offset: 1, shape: []int64{2}, stride: []int64{2}},
	}).stop(), false)
	f.Add(newPkl().stateDict([]fxTensor{
		{name: "a", storage: "UntypedStorage", key: "1", numel: 4, shape: []int64{2}, dtype: "bfloat16", param: true},
	}).stop(), false)
	p := newPkl()
	p.global("os", "system").str("id").op(0x85, 'R')
	f.Add(p.stop(), false)
	f.Fuzz(func(t *testing.T, data []byte, raw bool) {
		if len(data) > 1<<16 {
			return
		}
		if !raw {
			data = torchZipBytes(t, torchMembers("archive", data, storages, "0", "1"))
		}
		rep, _, err := validateTorchAt(context.Background(), bytes.NewReader(data), int64(len(data)), Config{Workers: 1, Stats: true})
		if err != nil {
			t.Fatalf("in-memory input: %v", err)
		}
		for _, f := range rep.Findings {
			if f.Err == nil || f.Code == "" {
				t.Fatalf("finding without error or code: %+v", f)
			}
		}
	})
}
