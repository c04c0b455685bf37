package nemo

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sophia-ai/sophia-eval/checkpoint"
	"github.com/sophia-ai/sophia-eval/internal/stfile"
)

// publishTime is the publication time of the tests.
var publishTime = time.Date(2026, 11, 25, 18, 30, 0, 0, time.UTC)

// torchZip is torch.save({}) as a zip archive: the smallest valid .ckpt.
func torchZip(t testing.TB) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, m := range [][2]string{{"archive/data.pkl", "\x80\x02}q\x00."}, {"archive/byteorder", "little"}, {"archive/version", "3\n"}} {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: m[0], Method: zip.Store})
		require.NoError(t, err)
		_, err = w.Write([]byte(m[1]))
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	return b.Bytes()
}

// nemoAdapter is a LoRA .nemo archive as NeMo 1.x's SaveRestoreConnector writes it
// (model_config.yaml with the PEFT settings and model_weights.ckpt); without
// weights it is invalid.
func nemoAdapter(t testing.TB, weights bool) []byte {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	add := func(name string, data []byte) {
		require.NoError(t, tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(data))}))
		_, err := tw.Write(data)
		require.NoError(t, err)
	}
	add("./model_config.yaml", []byte("tensor_model_parallel_size: 1\npipeline_model_parallel_size: 1\n"+
		"peft:\n  peft_scheme: lora\n  lora_tuning:\n    adapter_dim: 16\n    alpha: 32\n    target_modules: [attention_qkv, attention_dense]\n"))
	if weights {
		add("./model_weights.ckpt", torchZip(t))
	}
	require.NoError(t, tw.Close())
	return b.Bytes()
}

func f32s(vs ...float32) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	return b
}

// writePEFT writes a rank-2 PEFT LoRA adapter on one q_proj (4 -> 4) into dir; with
// nan, lora_B holds a NaN.
func writePEFT(t testing.TB, dir string, nan bool) {
	bv := float32(0.5)
	if nan {
		bv = float32(math.NaN())
	}
	const mod = "base_model.model.model.layers.0.self_attn.q_proj"
	st := stfile.Build([]stfile.Tensor{
		{Name: mod + ".lora_A.weight", DType: "F32", Shape: []uint64{2, 4}, Data: f32s(1, 2, 3, 4, 5, 6, 7, 8)},
		{Name: mod + ".lora_B.weight", DType: "F32", Shape: []uint64{4, 2}, Data: f32s(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, bv)},
	}, map[string]string{"format": "pt"})
	writeTestFile(t, filepath.Join(dir, "adapter_config.json"), `{"peft_type": "LORA", "r": 2, "lora_alpha": 4, "target_modules": ["q_proj"]}`)
	writeTestFile(t, filepath.Join(dir, "adapter_model.safetensors"), string(st))
}

func writeTestFile(t testing.TB, p, data string) string {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, []byte(data), 0o644))
	return p
}

const (
	testRunName  = "sophia-lora-dev"
	testCkpt100  = testRunName + "--validation_loss=0.912-step=100-consumed_samples=3200.0.ckpt"
	testCkptLast = testRunName + "--validation_loss=0.870-step=200-consumed_samples=6400.0-last.ckpt"
	testMetrics  = `{"metrics": [{"metric": "bleu", "finetuned": 31.2, "baseline": 29.9, "gate": "pass"}], "accepted": true}`
)

// project is a fine-tune project with a finished NeMo 1.x run: root holds lora.yaml,
// the rendered config, the metrics file and results/sophia-lora/sophia-lora-dev/
// (the run directory: hparams.yaml, launch_report.json and checkpoints/ with two
// .ckpt checkpoints and the .nemo adapter).
type project struct {
	root, config, run string
}

func newProject(t *testing.T) project {
	t.Helper()
	root := t.TempDir()
	cfg, err := os.ReadFile(filepath.Join("testdata", "publish", "lora.yaml"))
	require.NoError(t, err)
	p := project{root: root, config: writeTestFile(t, filepath.Join(root, "lora.yaml"), string(cfg)),
		run: filepath.Join(root, "results", "sophia-lora", testRunName)}
	for name, data := range map[string]string{
		"checkpoints/" + testCkpt100:           string(torchZip(t)),
		"checkpoints/" + testCkptLast:          string(torchZip(t)),
		"checkpoints/" + testRunName + ".nemo": string(nemoAdapter(t, true)),
		"hparams.yaml":                         "cfg:\n  name: sophia-lora-dev\n",
		"launch_report.json":                   `{"config_file": "configs/nemo/sophia_lora.yaml", "exit_code": 0}`,
	} {
		writeTestFile(t, filepath.Join(p.run, filepath.FromSlash(name)), data)
	}
	writeTestFile(t, filepath.Join(root, "configs", "nemo", "sophia_lora.yaml"), "name: sophia-lora-dev\n")
	writeTestFile(t, filepath.Join(root, filepath.FromSlash(DefaultMetricsFile)), testMetrics)
	return p
}

func (p project) options() PublishOptions {
	return PublishOptions{ConfigFile: p.config, WorkDir: p.root, Time: publishTime}
}

func (p project) registry() string { return filepath.Join(p.root, "models", "finetune") }

// tree maps every file under dir to its content, and every directory to "/".
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	if _, err := os.Stat(dir); os.IsNotExist(err) {
		return out
	}
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() {
			out[filepath.ToSlash(rel)] = "/"
			return nil
		}
		b, err := os.ReadFile(p)
		out[filepath.ToSlash(rel)] = string(b)
		return err
	}))
	return out
}

func sha(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// goldenFile compares got with testdata/publish/name, or rewrites it with -update.
func goldenFile(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", "publish", name)
	if *update {
		require.NoError(t, os.WriteFile(p, got, 0o644))
		return
	}
	want, err := os.ReadFile(p)
	require.NoError(t, err, "run go test ./nemo -run TestPublish -update to create it")
	assert.Equal(t, string(want), string(got))
}

func TestPublish(t *testing.T) {
	p := newProject(t)
	ctx := context.Background()
	pub, err := Publish(ctx, p.run, p.options())
	require.NoError(t, err)
	dir := filepath.Join(p.registry(), "sophia-finetune-2026-11-25")
	assert.Equal(t, dir, pub.Dir)
	assert.False(t, pub.DryRun)
	require.NotNil(t, pub.Report)
	assert.Equal(t, checkpoint.KindNeMo, pub.Report.Kind)

	// The layout, and nothing else in the registry.
	reg := tree(t, p.registry())
	var names []string
	for n := range reg {
		names = append(names, n)
	}
	slices.Sort(names)
	v := "sophia-finetune-2026-11-25/"
	assert.Equal(t, []string{
		"sophia-finetune-2026-11-25",
		v + "SHA256SUMS",
		v + "adapter", v + "adapter/sophia-lora-dev.nemo",
		v + "configs", v + "configs/hparams.yaml", v + "configs/lora.yaml", v + "configs/sophia_lora.yaml",
		v + "manifest.json", v + "release.json",
		v + "reports", v + "reports/finetune_metrics.json", v + "reports/launch_report.json",
	}, names)
	rfi, err := os.Stat(p.registry())
	require.NoError(t, err)
	vfi, err := os.Stat(dir)
	require.NoError(t, err)
	assert.Equal(t, rfi.Mode().Perm(), vfi.Mode().Perm(), "the version has the registry's mode")
	src := tree(t, p.root)
	assert.Equal(t, src["results/sophia-lora/sophia-lora-dev/checkpoints/sophia-lora-dev.nemo"], reg[v+"adapter/sophia-lora-dev.nemo"])
	assert.Equal(t, src["lora.yaml"], reg[v+"configs/lora.yaml"])
	assert.Equal(t, src["configs/nemo/sophia_lora.yaml"], reg[v+"configs/sophia_lora.yaml"])
	assert.Equal(t, testMetrics, reg[v+"reports/finetune_metrics.json"])

	// SHA256SUMS verifies with the checkpoint package, every file listed (no
	// unlisted warning), release.json included.
	mc, err := checkpoint.VerifyManifest(ctx, dir, "")
	require.NoError(t, err)
	assert.True(t, mc.Valid())
	assert.Empty(t, mc.Findings)
	var listed []string
	for _, f := range mc.Files {
		assert.Equal(t, checkpoint.FileOK, f.Status)
		listed = append(listed, f.Path)
	}
	assert.Equal(t, []string{"adapter/sophia-lora-dev.nemo", "configs/hparams.yaml", "configs/lora.yaml",
		"configs/sophia_lora.yaml", "release.json", "reports/finetune_metrics.json", "reports/launch_report.json"}, listed)
	// and with coreutils, where CI has it.
	if _, err := exec.LookPath("sha256sum"); err == nil {
		cmd := exec.Command("sha256sum", "-c", "--strict", checkpoint.SumsFileName)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
		assert.Equal(t, 7, strings.Count(string(out), ": OK\n"), "%s", out)
	} else if os.Getenv("CI") != "" {
		t.Fatal("sha256sum not found; CI has coreutils")
	}
	// A changed byte is found.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "configs", "lora.yaml"), []byte("changed\n"), 0o644))
	mc, err = checkpoint.VerifyManifest(ctx, dir, "")
	require.NoError(t, err)
	assert.ErrorIs(t, mc.Err(), checkpoint.ErrChecksumMismatch)

	// release.json: its fields, and the file sums against the sources.
	var m PublishManifest
	require.NoError(t, json.Unmarshal([]byte(reg[v+"release.json"]), &m))
	assert.Equal(t, pub.Manifest.Files, m.Files)
	assert.Equal(t, PublishFormat, m.Format)
	assert.Equal(t, "sophia-finetune-2026-11-25", m.Version)
	assert.Equal(t, "2026-11-25", m.Date)
	assert.Equal(t, "2026-11-25T18:30:00Z", m.PublishedAt)
	assert.Equal(t, SelectedNeMo, m.Source.Checkpoint.Selected)
	assert.Equal(t, p.run, m.Source.RunDir)
	assert.Equal(t, testRunName, m.Source.RunName)
	assert.Equal(t, &PublishLoRA{Rank: 16, Alpha: 32, Dropout: 0.05, TargetModules: []string{"attention_qkv", "attention_dense"}}, m.LoRA)
	require.NotNil(t, m.BaseModel)
	assert.Equal(t, filepath.Join(p.root, "models", "sophia-mini.nemo"), m.BaseModel.Path)
	assert.Equal(t, "nvcr.io/nvidia/nemo:24.07", m.Container)
	assert.Equal(t, PublishValidation{Valid: true, Findings: []PublishFinding{}}, m.Validation)
	assert.Equal(t, "16", m.Adapter.Metadata["peft.lora_tuning.adapter_dim"])
	assert.JSONEq(t, testMetrics, string(m.Metrics))
	nemo := src["results/sophia-lora/sophia-lora-dev/checkpoints/sophia-lora-dev.nemo"]
	assert.Equal(t, PublishAdapter{Path: "adapter/sophia-lora-dev.nemo", Kind: checkpoint.KindNeMo, Size: int64(len(nemo)),
		SHA256: sha(nemo), Tensors: 0, Metadata: m.Adapter.Metadata}, m.Adapter)
	for _, f := range m.Files {
		srcName := map[string]string{
			"adapter/sophia-lora-dev.nemo":  "results/sophia-lora/sophia-lora-dev/checkpoints/sophia-lora-dev.nemo",
			"configs/hparams.yaml":          "results/sophia-lora/sophia-lora-dev/hparams.yaml",
			"configs/lora.yaml":             "lora.yaml",
			"configs/sophia_lora.yaml":      "configs/nemo/sophia_lora.yaml",
			"reports/launch_report.json":    "results/sophia-lora/sophia-lora-dev/launch_report.json",
			"reports/finetune_metrics.json": filepath.ToSlash(DefaultMetricsFile),
		}[f.Path]
		require.NotEmpty(t, srcName, f.Path)
		assert.Equal(t, sha(src[srcName]), f.SHA256, f.Path)
		assert.Equal(t, int64(len(src[srcName])), f.Size, f.Path)
	}
	got := strings.ReplaceAll(reg[v+"release.json"], p.root, "ROOT")
	goldenFile(t, "release.json", []byte(got))
}

func TestPublishRefusesExistingVersion(t *testing.T) {
	p := newProject(t)
	ctx := context.Background()
	_, err := Publish(ctx, p.run, p.options())
	require.NoError(t, err)
	before := tree(t, p.registry())

	// Another adapter for the same version: refused before it is read (an invalid
	// adapter is not reported), the version unchanged.
	writeTestFile(t, filepath.Join(p.run, "checkpoints", testRunName+".nemo"), string(nemoAdapter(t, false)))
	pub, err := Publish(ctx, p.run, p.options())
	require.ErrorIs(t, err, ErrVersionExists)
	assert.NotErrorIs(t, err, ErrInvalidAdapter)
	assert.Nil(t, pub)
	assert.Contains(t, err.Error(), filepath.Join(p.registry(), "sophia-finetune-2026-11-25"))
	assert.Equal(t, before, tree(t, p.registry()))

	// An empty directory or a file of that name is a version too.
	writeTestFile(t, filepath.Join(p.run, "checkpoints", testRunName+".nemo"), string(nemoAdapter(t, true)))
	opts := p.options()
	for _, v := range []string{"sophia-finetune-2026-11-26", "sophia-finetune-2026-11-27"} {
		opts.Version = v
		if v == "sophia-finetune-2026-11-26" {
			require.NoError(t, os.Mkdir(filepath.Join(p.registry(), v), 0o755))
		} else {
			writeTestFile(t, filepath.Join(p.registry(), v), "")
		}
		before := tree(t, p.registry())
		_, err = Publish(ctx, p.run, opts)
		require.ErrorIs(t, err, ErrVersionExists, v)
		assert.Equal(t, before, tree(t, p.registry()))
	}
}

func TestPublishInvalidAdapter(t *testing.T) {
	ctx := context.Background()
	t.Run("nemo without weights", func(t *testing.T) {
		p := newProject(t)
		writeTestFile(t, filepath.Join(p.run, "checkpoints", testRunName+".nemo"), string(nemoAdapter(t, false)))
		pub, err := Publish(ctx, p.run, p.options())
		require.ErrorIs(t, err, ErrInvalidAdapter)
		assert.ErrorIs(t, err, checkpoint.ErrNeMoWeights)
		require.NotNil(t, pub)
		require.NotNil(t, pub.Report)
		assert.False(t, pub.Report.Valid())
		assert.False(t, pub.Manifest.Validation.Valid)
		assert.Positive(t, pub.Manifest.Validation.Errors)
		assert.Empty(t, tree(t, p.registry()))
	})
	t.Run("NaN in a PEFT adapter", func(t *testing.T) {
		p := newProject(t)
		ck := filepath.Join(p.run, "checkpoints", "checkpoint-200")
		writePEFT(t, ck, true)
		opts := p.options()
		opts.Checkpoint = ck
		_, err := Publish(ctx, p.run, opts)
		require.ErrorIs(t, err, ErrInvalidAdapter)
		assert.ErrorIs(t, err, checkpoint.ErrNaN)
		assert.Contains(t, err.Error(), ck+": ", "the error names the source, not the copy")
		assert.NotContains(t, err.Error(), ".tmp-")
		assert.Empty(t, tree(t, p.registry()))
	})
	t.Run("unknown layout", func(t *testing.T) {
		p := newProject(t)
		opts := p.options()
		opts.Checkpoint = filepath.Join(p.run, "checkpoints", "notes")
		writeTestFile(t, filepath.Join(opts.Checkpoint, "notes.txt"), "not a checkpoint\n")
		_, err := Publish(ctx, p.run, opts)
		require.ErrorIs(t, err, ErrInvalidAdapter)
		assert.ErrorIs(t, err, checkpoint.ErrUnknownLayout)
		assert.NotContains(t, err.Error(), ".tmp-", "the error names the source, not the copy")
		assert.Contains(t, err.Error(), opts.Checkpoint+": checkpoint: not a recognised checkpoint layout")
		assert.Empty(t, tree(t, p.registry()))
	})
}

func TestPublishFailureLeavesNoTemporaryDirectory(t *testing.T) {
	ctx := context.Background()
	t.Run("dangling link in the adapter", func(t *testing.T) {
		p := newProject(t)
		ck := filepath.Join(p.run, "checkpoints", "checkpoint-300")
		writePEFT(t, ck, false)
		require.NoError(t, os.Symlink(filepath.Join(ck, "gone"), filepath.Join(ck, "zz-link")))
		opts := p.options()
		opts.Checkpoint = ck
		_, err := Publish(ctx, p.run, opts)
		require.Error(t, err)
		assert.ErrorIs(t, err, fs.ErrNotExist)
		// The registry was made, the temporary directory removed.
		assert.Empty(t, tree(t, p.registry()))
		_, err = os.Stat(p.registry())
		assert.NoError(t, err)
	})
	if os.Geteuid() != 0 {
		t.Run("unreadable config", func(t *testing.T) {
			p := newProject(t)
			h := filepath.Join(p.run, HParamsName)
			require.NoError(t, os.Chmod(h, 0))
			_, err := Publish(ctx, p.run, p.options())
			require.ErrorIs(t, err, fs.ErrPermission)
			assert.Empty(t, tree(t, p.registry()))
		})
	}
	t.Run("interrupted while validating the copy", func(t *testing.T) {
		p := newProject(t)
		ck := filepath.Join(p.run, "checkpoints", "checkpoint-300")
		writePEFT(t, ck, false)
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		called := false
		opts := p.options()
		opts.Checkpoint = ck
		opts.Validate.Workers = 1
		opts.Validate.Progress = func(done, total int64) {
			called = true
			// Everything is copied by now.
			entries, err := os.ReadDir(p.registry())
			require.NoError(t, err)
			require.Len(t, entries, 1)
			assert.True(t, strings.HasPrefix(entries[0].Name(), ".sophia-finetune-2026-11-25.tmp-"), entries[0].Name())
			cancel()
		}
		_, err := Publish(ctx, p.run, opts)
		require.True(t, called)
		require.ErrorIs(t, err, context.Canceled)
		assert.Empty(t, tree(t, p.registry()))
	})
	t.Run("metrics not JSON", func(t *testing.T) {
		p := newProject(t)
		writeTestFile(t, filepath.Join(p.root, filepath.FromSlash(DefaultMetricsFile)), "| metric | value |\n")
		_, err := Publish(ctx, p.run, p.options())
		require.ErrorContains(t, err, "not valid JSON")
		assert.Empty(t, tree(t, p.registry()))
	})
}

func TestPublishDryRun(t *testing.T) {
	p := newProject(t)
	opts := p.options()
	opts.DryRun = true
	pub, err := Publish(context.Background(), p.run, opts)
	require.NoError(t, err)
	assert.True(t, pub.DryRun)
	assert.True(t, pub.Manifest.Validation.Valid)
	_, err = os.Stat(filepath.Join(p.root, "models"))
	assert.ErrorIs(t, err, fs.ErrNotExist, "a dry run writes nothing")
	var paths []string
	for _, f := range pub.Manifest.Files {
		paths = append(paths, f.Path)
		assert.Empty(t, f.SHA256)
		assert.Positive(t, f.Size)
	}
	assert.Equal(t, []string{"adapter/sophia-lora-dev.nemo", "configs/hparams.yaml", "configs/lora.yaml",
		"configs/sophia_lora.yaml", "reports/finetune_metrics.json", "reports/launch_report.json"}, paths)

	// An invalid adapter fails the dry run the same way.
	writeTestFile(t, filepath.Join(p.run, "checkpoints", testRunName+".nemo"), string(nemoAdapter(t, false)))
	_, err = Publish(context.Background(), p.run, opts)
	require.ErrorIs(t, err, ErrInvalidAdapter)
}

func TestPublishWithoutConfig(t *testing.T) {
	// No lora.yaml, no launch report, no rendered config, no metrics: the defaults,
	// and notes saying what is missing. A given PEFT directory is copied whole.
	root := t.TempDir()
	run := filepath.Join(root, "run")
	ck := filepath.Join(run, "checkpoints", "checkpoint-40")
	writePEFT(t, ck, false)
	reg := filepath.Join(root, "reg")
	pub, err := Publish(context.Background(), run, PublishOptions{Registry: reg, WorkDir: root, Time: publishTime})
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(reg, "sophia-finetune-2026-11-25"), pub.Dir)
	m := pub.Manifest
	assert.Equal(t, FinalAdapter{Path: ck, Selected: SelectedLatestStep, Step: 40}, m.Source.Checkpoint)
	assert.Equal(t, "run", m.Source.RunName)

	assert.Nil(t, m.BaseModel)
	assert.Nil(t, m.LoRA)
	assert.Equal(t, "null", string(m.Metrics))
	assert.Len(t, m.Notes, 5)
	assert.Equal(t, checkpoint.KindPEFT, m.Adapter.Kind)
	assert.Equal(t, 2, m.Adapter.Tensors)
	assert.Empty(t, m.Adapter.SHA256)
	var paths []string
	var size int64
	for _, f := range m.Files {
		paths = append(paths, f.Path)
		assert.Equal(t, RoleAdapter, f.Role)
		size += f.Size
	}
	assert.Equal(t, []string{"adapter/checkpoint-40/adapter_config.json", "adapter/checkpoint-40/adapter_model.safetensors"}, paths)
	assert.Equal(t, size, m.Adapter.Size)
	mc, err := checkpoint.VerifyManifest(context.Background(), pub.Dir, "")
	require.NoError(t, err)
	assert.True(t, mc.Valid())
	assert.Empty(t, mc.Findings)
	assert.Len(t, mc.Files, 3)
}

func TestPublishVersionNames(t *testing.T) {
	p := newProject(t)
	ctx := context.Background()
	for _, v := range []string{"../escape", "sophia-finetune-latest", "sophia-finetune-2026-13-01", "sophia-finetune-2026-11-25/x"} {
		opts := p.options()
		opts.Version = v
		_, err := Publish(ctx, p.run, opts)
		require.ErrorIs(t, err, ErrArtifacts, v)
	}
	assert.Empty(t, tree(t, p.registry()))

	opts := p.options()
	opts.Version = "sophia-finetune-20261201"
	opts.Registry = filepath.Join(p.root, "elsewhere")
	pub, err := Publish(ctx, p.run, opts)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(p.root, "elsewhere", "sophia-finetune-20261201"), pub.Dir)
	assert.Equal(t, "2026-12-01", pub.Manifest.Date)
}

func TestFindFinalAdapter(t *testing.T) {
	loss := func(v float64) *float64 { return &v }
	tests := []struct {
		name    string
		files   []string // under the run directory; a trailing / makes a directory
		want    FinalAdapter
		wantErr error
	}{
		{
			name:  "the .nemo adapter first",
			files: []string{"checkpoints/" + testCkpt100, "checkpoints/" + testCkptLast, "checkpoints/run.nemo"},
			want:  FinalAdapter{Path: "checkpoints/run.nemo", Selected: SelectedNeMo, Step: -1},
		},
		{
			name:  "the run's .nemo among several",
			files: []string{"checkpoints/other.nemo", "checkpoints/run.nemo", "checkpoints/zz.nemo"},
			want:  FinalAdapter{Path: "checkpoints/run.nemo", Selected: SelectedNeMo, Step: -1},
		},
		{
			name:  "a single .nemo of another name",
			files: []string{"checkpoints/megatron_gpt_peft_lora_tuning.nemo", "checkpoints/" + testCkpt100},
			want:  FinalAdapter{Path: "checkpoints/megatron_gpt_peft_lora_tuning.nemo", Selected: SelectedNeMo, Step: -1},
		},
		{
			name:    "several .nemo of other names",
			files:   []string{"checkpoints/a.nemo", "checkpoints/b.nemo"},
			wantErr: ErrNoCheckpoint,
		},
		{
			name:  "then the -last checkpoint",
			files: []string{"checkpoints/" + testCkpt100, "checkpoints/" + testCkptLast, "checkpoints/r--val_loss=0.5-step=150-consumed_samples=1.0.ckpt"},
			want:  FinalAdapter{Path: "checkpoints/" + testCkptLast, Selected: SelectedLast, Step: 200, LossName: "validation_loss", Loss: loss(0.870)},
		},
		{
			name:  "an unfinished .nemo and -last are left out",
			files: []string{"checkpoints/run.nemo", "checkpoints/run-unfinished", "checkpoints/r-step=300-last.ckpt", "checkpoints/r-step=300-last-unfinished", "checkpoints/r--val_loss=0.9-step=200.ckpt"},
			want:  FinalAdapter{Path: "checkpoints/r--val_loss=0.9-step=200.ckpt", Selected: SelectedLatestStep, Step: 200, LossName: "val_loss", Loss: loss(0.9)},
		},
		{
			name:  "else the highest step",
			files: []string{"checkpoints/r--val_loss=0.5-step=100.ckpt", "checkpoints/r--val_loss=0.7-step=300.ckpt", "checkpoints/r--val_loss=0.6-step=200.ckpt", "checkpoints/.hidden-step=900.ckpt"},
			want:  FinalAdapter{Path: "checkpoints/r--val_loss=0.7-step=300.ckpt", Selected: SelectedLatestStep, Step: 300, LossName: "val_loss", Loss: loss(0.7)},
		},
		{
			name:  "the lower loss at the same step, not the EMA copy",
			files: []string{"checkpoints/r--val_loss=0.3-step=300-EMA.ckpt", "checkpoints/r--val_loss=0.7-step=300.ckpt", "checkpoints/r--val_loss=0.6-step=300.ckpt"},
			want:  FinalAdapter{Path: "checkpoints/r--val_loss=0.6-step=300.ckpt", Selected: SelectedLatestStep, Step: 300, LossName: "val_loss", Loss: loss(0.6)},
		},
		{
			name:  "NeMo 2 checkpoint directories",
			files: []string{"checkpoints/r--val_loss=1.2-step=99-consumed_samples=100.0/", "checkpoints/r--val_loss=1.1-step=199-consumed_samples=200.0-last/", "checkpoints/r--val_loss=1.0-step=149-consumed_samples=150.0/"},
			want:  FinalAdapter{Path: "checkpoints/r--val_loss=1.1-step=199-consumed_samples=200.0-last", Selected: SelectedLast, Step: 199, LossName: "val_loss", Loss: loss(1.1)},
		},
		{
			name:  "a timestamped version directory",
			files: []string{"2026-11-24_09-00-00/checkpoints/r-step=5.ckpt", "2026-11-25_10-00-00/checkpoints/r-step=7.ckpt", "2026-11-25_10-00-00/hparams.yaml"},
			want:  FinalAdapter{Path: "2026-11-25_10-00-00/checkpoints/r-step=7.ckpt", Selected: SelectedLatestStep, Step: 7},
		},
		{
			name:  "Hugging Face checkpoint directories",
			files: []string{"checkpoints/checkpoint-500/", "checkpoints/checkpoint-1000/", "checkpoints/runs/"},
			want:  FinalAdapter{Path: "checkpoints/checkpoint-1000", Selected: SelectedLatestStep, Step: 1000},
		},
		{
			name:  "a single checkpoint without a step",
			files: []string{"checkpoints/adapter.safetensors", "checkpoints/notes.txt"},
			want:  FinalAdapter{Path: "checkpoints/adapter.safetensors", Selected: SelectedLatestStep, Step: -1},
		},
		{
			name:    "several without a step",
			files:   []string{"checkpoints/a.safetensors", "checkpoints/b.safetensors"},
			wantErr: ErrNoCheckpoint,
		},
		{
			name:    "no checkpoint",
			files:   []string{"checkpoints/notes.txt", "checkpoints/r-step=5-unfinished"},
			wantErr: ErrNoCheckpoint,
		},
		{
			name:    "no checkpoints directory",
			files:   []string{"hparams.yaml"},
			wantErr: ErrNoCheckpoint,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := filepath.Join(t.TempDir(), "run")
			for _, f := range tt.files {
				p := filepath.Join(run, filepath.FromSlash(f))
				if strings.HasSuffix(f, "/") {
					require.NoError(t, os.MkdirAll(p, 0o755))
				} else {
					writeTestFile(t, p, "x")
				}
			}
			got, err := FindFinalAdapter(run, "")
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			tt.want.Path = filepath.Join(run, filepath.FromSlash(tt.want.Path))
			assert.Equal(t, tt.want, *got)
		})
	}
}

func TestFindFinalAdapterRunNameOfDot(t *testing.T) {
	// The run name of "." is the directory's name, which picks its .nemo among two.
	run := filepath.Join(t.TempDir(), "sophia-lora-dev")
	writeTestFile(t, filepath.Join(run, "checkpoints", "other.nemo"), "x")
	writeTestFile(t, filepath.Join(run, "checkpoints", "sophia-lora-dev.nemo"), "x")
	t.Chdir(run)
	a, err := FindFinalAdapter(".", "")
	require.NoError(t, err)
	assert.Equal(t, filepath.Join("checkpoints", "sophia-lora-dev.nemo"), a.Path)
}
