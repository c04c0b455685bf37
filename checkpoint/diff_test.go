package checkpoint

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/sophia-ai/sophia-eval/internal/stfile"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// f32T is an F32 tensor of shape [len(v)] with values v.
func f32T(name string, v ...float32) stfile.Tensor {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return stfile.Tensor{Name: name, DType: "F32", Shape: []uint64{uint64(len(v))}, Data: b}
}

// f64T is an F64 tensor of shape [len(v)] with values v.
func f64T(name string, v ...float64) stfile.Tensor {
	b := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(x))
	}
	return stfile.Tensor{Name: name, DType: "F64", Shape: []uint64{uint64(len(v))}, Data: b}
}

func stBytes(ts ...stfile.Tensor) []byte {
	return stfile.Build(ts, map[string]string{"format": "pt"})
}

// diffReport validates a file of tensors ts, with statistics and digests on.
func diffReport(t *testing.T, path string, ts ...stfile.Tensor) *Report {
	t.Helper()
	b := stBytes(ts...)
	rep, err := ValidateAt(context.Background(), bytes.NewReader(b), int64(len(b)), Config{Stats: true, Digest: true, Workers: 1})
	require.NoError(t, err)
	rep.Path = path
	return rep
}

func findingCodes(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Code)
	}
	return out
}

func TestDiff(t *testing.T) {
	base := []stfile.Tensor{f32T("a", 1, 2, 3), f32T("b", 0.5, -0.5)}
	tests := []struct {
		name  string
		next  []stfile.Tensor
		codes []string
		sev   []Severity
		want  error
		sum   DiffSummary
	}{
		{"trained", []stfile.Tensor{f32T("a", 1.1, 2, 3), f32T("b", 0.6, -0.5)}, nil, nil, nil,
			DiffSummary{Common: 2, Changed: 2, DigestsCompared: true, NormsCompared: true}},
		{"frozen", base, []string{CodeWeightsUnchanged}, []Severity{Warning}, ErrWeightsUnchanged,
			DiffSummary{Common: 2, Unchanged: 2, DigestsCompared: true, NormsCompared: true}},
		{"partly frozen", []stfile.Tensor{f32T("a", 1, 2, 3), f32T("b", 0.6, -0.5)}, nil, nil, nil,
			DiffSummary{Common: 2, Changed: 1, Unchanged: 1, DigestsCompared: true, NormsCompared: true}},
		{"missing", []stfile.Tensor{f32T("a", 1.5, 2, 3)}, []string{CodeTensorMissing}, []Severity{Error}, ErrTensorMissing,
			DiffSummary{Common: 1, Changed: 1, Missing: 1, DigestsCompared: true, NormsCompared: true}},
		{"added", []stfile.Tensor{f32T("a", 1.5, 2, 3), f32T("b", 1, 1), f32T("c", 1)}, []string{CodeTensorAdded}, []Severity{Error}, ErrTensorAdded,
			DiffSummary{Common: 2, Changed: 2, Added: 1, DigestsCompared: true, NormsCompared: true}},
		{"shape", []stfile.Tensor{f32T("a", 1, 2, 3, 4), f32T("b", 1, 1)}, []string{CodeShapeChanged}, []Severity{Error}, ErrShapeChanged,
			DiffSummary{Common: 2, Changed: 2, DigestsCompared: true, NormsCompared: true}},
		{"dtype", []stfile.Tensor{f64T("a", 1, 2, 3), f32T("b", 1, 1)}, []string{CodeDTypeChanged}, []Severity{Error}, ErrDTypeChanged,
			DiffSummary{Common: 2, Changed: 2, DigestsCompared: true, NormsCompared: true}},
		{"new NaN", []stfile.Tensor{f32T("a", 1, float32(math.NaN()), 3), f32T("b", 1, 1)}, []string{CodeNewNonFinite}, []Severity{Error}, ErrNewNonFinite,
			DiffSummary{Common: 2, Changed: 2, DigestsCompared: true, NormsCompared: true}},
		{"new Inf", []stfile.Tensor{f32T("a", 1, 2, 3), f32T("b", float32(math.Inf(-1)), 1)}, []string{CodeNewNonFinite}, []Severity{Error}, ErrNewNonFinite,
			DiffSummary{Common: 2, Changed: 1, Unchanged: 1, DigestsCompared: true, NormsCompared: true}},
		{"norm grew", []stfile.Tensor{f32T("a", 100, 200, 300), f32T("b", 0.6, -0.5)}, []string{CodeNormJump}, []Severity{Warning}, ErrNormJump,
			DiffSummary{Common: 2, Changed: 2, DigestsCompared: true, NormsCompared: true}},
		{"norm shrank", []stfile.Tensor{f32T("a", 0.01, 0.02, 0.03), f32T("b", 0.6, -0.5)}, []string{CodeNormJump}, []Severity{Warning}, ErrNormJump,
			DiffSummary{Common: 2, Changed: 2, DigestsCompared: true, NormsCompared: true}},
		{"norm to zero", []stfile.Tensor{f32T("a", 0, 0, 0), f32T("b", 0.6, -0.5)}, []string{CodeNormJump}, []Severity{Warning}, ErrNormJump,
			DiffSummary{Common: 2, Changed: 2, DigestsCompared: true, NormsCompared: true}},
		{"norm within factor", []stfile.Tensor{f32T("a", 9, 18, 27), f32T("b", 0.05, -0.05)}, nil, nil, nil,
			DiffSummary{Common: 2, Changed: 2, DigestsCompared: true, NormsCompared: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prev := diffReport(t, "ckpt-100", base...)
			next := diffReport(t, "ckpt-200", tt.next...)
			d := Compare(prev, next, DiffConfig{})
			assert.Equal(t, tt.codes, findingCodes(d.Findings))
			assert.Equal(t, tt.sum, d.Summary)
			assert.Equal(t, d.Findings, Diff(prev, next, DiffConfig{}))
			for i, f := range d.Findings {
				assert.Equal(t, tt.sev[i], f.Severity)
				assert.Equal(t, int64(-1), f.Offset)
				require.ErrorIs(t, &d.Findings[i], tt.want)
				if f.Code != CodeWeightsUnchanged {
					assert.NotEmpty(t, f.Tensor)
				}
			}
			assert.Equal(t, tt.sev == nil || tt.sev[0] == Warning, d.Valid())
		})
	}
}

func TestDiffMessages(t *testing.T) {
	prev := diffReport(t, "run/step=100.ckpt", f32T("a", 1, 2))
	f := Diff(prev, diffReport(t, "run/step=200.ckpt", f32T("a", 1, 2)), DiffConfig{})
	require.Len(t, f, 1)
	assert.Equal(t, "no tensor changed since run/step=100.ckpt (its one tensor is bit-identical)", f[0].Error())

	f = Diff(prev, diffReport(t, "", f32T("a", 100, 200)), DiffConfig{})
	require.Len(t, f, 1)
	assert.Contains(t, f[0].Error(), `tensor "a": L2 norm 223.607, was 2.23607: it grew 100-fold (limit 10)`)
}

func TestDiffNonFiniteBefore(t *testing.T) {
	// NaN in both checkpoints is not new; NaN and Inf leave the norms out.
	prev := diffReport(t, "p", f32T("a", float32(math.NaN()), 2))
	next := diffReport(t, "n", f32T("a", float32(math.NaN()), 3))
	assert.Empty(t, Diff(prev, next, DiffConfig{}))
}

func TestDiffNormFromZero(t *testing.T) {
	// LoRA's B matrices start at zero: leaving zero is not a jump.
	prev := diffReport(t, "p", f32T("lora_B", 0, 0))
	next := diffReport(t, "n", f32T("lora_B", 1e-3, 2e-3))
	assert.Empty(t, Diff(prev, next, DiffConfig{}))
}

func TestDiffNormFactor(t *testing.T) {
	prev := diffReport(t, "p", f32T("a", 1, 1))
	next := diffReport(t, "n", f32T("a", 5, 5))
	assert.Empty(t, Diff(prev, next, DiffConfig{}))
	assert.Equal(t, []string{CodeNormJump}, findingCodes(Diff(prev, next, DiffConfig{NormFactor: 4})))
	assert.Empty(t, Diff(prev, next, DiffConfig{NormFactor: 6}))
	// Invalid factors fall back to the default in Diff; DiffPaths rejects them.
	for _, f := range []float64{-1, 0.5, 1, math.NaN(), math.Inf(1)} {
		assert.Empty(t, Diff(prev, next, DiffConfig{NormFactor: f}), "factor %v", f)
		_, err := DiffPaths(context.Background(), "a", "b", Config{}, DiffConfig{NormFactor: f})
		assert.ErrorContains(t, err, "NormFactor", "factor %v", f)
	}
}

func TestDiffWithoutDigestsOrStats(t *testing.T) {
	b := stBytes(f32T("a", 1, 2))
	big := stBytes(f32T("a", 100, 200))
	ctx := context.Background()
	prev, err := ValidateAt(ctx, bytes.NewReader(b), int64(len(b)), Config{})
	require.NoError(t, err)
	next, err := ValidateAt(ctx, bytes.NewReader(big), int64(len(big)), Config{})
	require.NoError(t, err)
	same, err := ValidateAt(ctx, bytes.NewReader(b), int64(len(b)), Config{})
	require.NoError(t, err)
	d := Compare(prev, next, DiffConfig{})
	assert.Empty(t, d.Findings, "no stats: no norm check")
	assert.Equal(t, DiffSummary{Common: 1}, d.Summary)
	assert.Empty(t, Diff(prev, same, DiffConfig{}), "no digests: no unchanged check")
	assert.Empty(t, Diff(nil, next, DiffConfig{}))
}

func TestDiffMatchesByFileForAmbiguousNames(t *testing.T) {
	mk := func(v float32) *Report {
		r := &Report{Path: "d"}
		for _, f := range []string{"x.safetensors", "y.safetensors"} {
			sub := diffReport(t, f, f32T("w", v, 1))
			for _, tn := range sub.Tensors {
				tn.File = f
				r.Tensors = append(r.Tensors, tn)
			}
		}
		return r
	}
	d := Compare(mk(1), mk(2), DiffConfig{})
	assert.Empty(t, d.Findings)
	assert.Equal(t, 2, d.Summary.Common)
	assert.Equal(t, 2, d.Summary.Changed)
}

func writeST(t *testing.T, path string, ts ...stfile.Tensor) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, stBytes(ts...), 0o644))
}

func TestDiffPaths(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	a := filepath.Join(dir, "a.safetensors")
	b := filepath.Join(dir, "b.safetensors")
	writeST(t, a, f32T("w", 1, 2), f32T("v", 1))
	writeST(t, b, f32T("w", 1, float32(math.Inf(1))))
	d, err := DiffPaths(ctx, a, b, Config{Workers: 1}, DiffConfig{})
	require.NoError(t, err)
	assert.Equal(t, []string{CodeTensorMissing, CodeNewNonFinite}, findingCodes(d.Findings))
	assert.Equal(t, a, d.Prev.Path)
	assert.Equal(t, b, d.Next.Path)
	assert.NotNil(t, d.Prev.Tensors[0].Stats, "Stats forced on")
	assert.Equal(t, []string{CodeInf}, codes(d.Next, Error), "the reports keep their own findings")

	// Plain directories of safetensors files (a Hugging Face checkpoint-N/).
	writeST(t, filepath.Join(dir, "checkpoint-1", "model.safetensors"), f32T("w", 1, 2))
	writeST(t, filepath.Join(dir, "checkpoint-2", "model.safetensors"), f32T("w", 1, 2))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "checkpoint-2", "optimizer.pt"), []byte("x"), 0o644))
	d, err = DiffPaths(ctx, filepath.Join(dir, "checkpoint-1"), filepath.Join(dir, "checkpoint-2"), Config{}, DiffConfig{})
	require.NoError(t, err)
	assert.Equal(t, KindDirectory, d.Next.Kind)
	assert.Equal(t, "model.safetensors", d.Next.Tensors[0].File)
	assert.Equal(t, []string{CodeWeightsUnchanged}, findingCodes(d.Findings))

	// Errors name the path.
	missing := filepath.Join(dir, "nope.safetensors")
	_, err = DiffPaths(ctx, a, missing, Config{}, DiffConfig{})
	require.ErrorIs(t, err, os.ErrNotExist)
	assert.Contains(t, err.Error(), missing)
	empty := filepath.Join(dir, "empty")
	require.NoError(t, os.Mkdir(empty, 0o755))
	_, err = DiffPaths(ctx, empty, a, Config{}, DiffConfig{})
	require.ErrorIs(t, err, ErrUnknownLayout)
	assert.Contains(t, err.Error(), empty)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = DiffPaths(cctx, a, b, Config{}, DiffConfig{})
	require.True(t, errors.Is(err, context.Canceled), "%v", err)
}

func ExampleCompare() {
	ctx := context.Background()
	c := Config{Stats: true, Digest: true}
	validate := func(path string, ts ...stfile.Tensor) *Report {
		b := stfile.Build(ts, map[string]string{"format": "pt"})
		rep, err := ValidateAt(ctx, bytes.NewReader(b), int64(len(b)), c)
		if err != nil {
			panic(err)
		}
		rep.Path = path
		return rep
	}
	step100 := validate("step=100", f32T("lora_A", 0.1, 0.2), f32T("lora_B", 0.01, 0.02))
	step200 := validate("step=200", f32T("lora_A", 0.1, 0.2), f32T("lora_B", 5, 10))
	d := Compare(step100, step200, DiffConfig{})
	for _, f := range d.Findings {
		fmt.Println(f.Severity, f.Code, f.Tensor)
	}
	fmt.Printf("%d changed, %d frozen\n", d.Summary.Changed, d.Summary.Unchanged)
	// Output:
	// warning norm_jump lora_B
	// 1 changed, 1 frozen
}
