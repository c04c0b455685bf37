package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sophia-ai/sophia-eval/gpu"
	"github.com/sophia-ai/sophia-eval/nemo"
)

// TestMain lets the test binary stand in for sophia-eval as the trainer: run with
// the arguments "standin-trainer ..." it runs that hidden command, as the binary
// does when run.trainer is [sophia-eval, standin-trainer].
func TestMain(m *testing.M) {
	// The test binary stands in for sophia-eval where a test runs it as a
	// program: as the trainer, and as the GPU pre-flight of a Slurm job.
	if len(os.Args) > 1 && (os.Args[1] == "standin-trainer" || os.Args[1] == "gpu") {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// launchExample is the example config with 6 steps, a checkpoint every 2, one GPU,
// and the test binary's standin-trainer command (with flags) as the trainer.
func launchExample(t *testing.T, standinFlags ...string) string {
	t.Helper()
	trainer := []string{os.Args[0], "standin-trainer"}
	trainer = append(trainer, standinFlags...)
	tj, err := json.Marshal(trainer)
	require.NoError(t, err)
	return nemoConfig(t, func(s string) string {
		r := strings.NewReplacer(
			"output_dir: results/sophia-lora", "output_dir: results/sophia-lora\n  trainer: "+string(tj),
			"steps: 1000", "steps: 6",
			"val_check_interval: 100", "val_check_interval: 2",
			"checkpoint_interval: 100", "checkpoint_interval: 2",
			"warmup_steps: 50", "warmup_steps: 1",
			"gpus_per_node: 8", "gpus_per_node: 1",
		)
		return r.Replace(s)
	})
}

// lockedBuffer is a bytes.Buffer safe for concurrent use that calls on with its
// content after every write.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	on  func(string)
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	if b.on != nil {
		b.on(b.buf.String())
	}
	return len(p), nil
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// runLaunch runs sophia-eval nemo launch on a machine without a GPU driver.
func runLaunch(t *testing.T, ctx context.Context, stderr *lockedBuffer, args ...string) (int, string) {
	t.Helper()
	var stdout bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &stdout, stderr: stderr, getenv: func(string) string { return "" },
		gpuOpen: func() (gpu.System, error) { return nil, gpu.ErrNoDriver }}
	code := runEnv(ctx, append([]string{"nemo", "launch", "--watch-interval", "10ms", "--out", filepath.Join(t.TempDir(), "sophia_lora.yaml")}, args...), e)
	return code, stdout.String()
}

func runDir(config string) string {
	return filepath.Join(filepath.Dir(config), "results", "sophia-lora", "sophia-lora-dev")
}

func TestNeMoLaunch(t *testing.T) {
	cfg := launchExample(t)
	stderr := &lockedBuffer{}
	code, out := runLaunch(t, context.Background(), stderr, cfg)
	require.Equal(t, ExitOK, code, "stderr:\n%s", stderr)
	assert.Contains(t, out, "run sophia-lora-dev: trainer exited with code 0 after ")
	assert.Contains(t, out, "predictions: "+runDir(cfg)+"/predictions/sophia-lora-dev_test_eval_inputs_preds_labels.jsonl (written)")
	assert.Contains(t, out, "report: "+runDir(cfg)+"/launch_report.md, launch_report.json")
	assert.NotContains(t, out, "FAILED")
	// Progress, trainer output and checkpoint events went to stderr.
	assert.Contains(t, stderr.String(), "no NVIDIA driver: pre-flight skipped")
	assert.Contains(t, stderr.String(), "Epoch 0: step 6/6")
	assert.Regexp(t, `checkpoint sophia-lora-dev--validation_loss=[0-9.]+-step=6-consumed_samples=192\.0\.ckpt: valid: torch, 8 tensors, 0 NaN, 0 Inf`, stderr.String())
	assert.FileExists(t, filepath.Join(runDir(cfg), nemo.LaunchReportJSON))
}

func TestNeMoLaunchExitCodes(t *testing.T) {
	t.Run("NaN checkpoint", func(t *testing.T) {
		cfg := launchExample(t, "--nan-at=2")
		stderr := &lockedBuffer{}
		code, out := runLaunch(t, context.Background(), stderr, "--format", "json", cfg)
		assert.Equal(t, ExitFindings, code, "stderr:\n%s", stderr)
		var rep nemo.RunReport
		require.NoError(t, json.Unmarshal([]byte(out), &rep))
		assert.Equal(t, 0, rep.ExitCode)
		assert.Positive(t, rep.CheckpointErrors)
		assert.Contains(t, stderr.String(), "failed validation")
	})
	t.Run("trainer fails", func(t *testing.T) {
		cfg := launchExample(t, "--fail-at=3", "--exit-code=3")
		stderr := &lockedBuffer{}
		code, out := runLaunch(t, context.Background(), stderr, cfg)
		assert.Equal(t, ExitError, code)
		assert.Contains(t, stderr.String(), "sophia-eval: trainer exited with code 3\n")
		assert.Contains(t, out, "trainer exited with code 3")
	})
	t.Run("check errors", func(t *testing.T) {
		cfg := nemoConfig(t, func(s string) string { return strings.Replace(s, "rank: 16", "rank: 0", 1) })
		stderr := &lockedBuffer{}
		code, out := runLaunch(t, context.Background(), stderr, cfg)
		assert.Equal(t, ExitFindings, code)
		assert.Contains(t, out, "error [out_of_range] lora.rank:")
		assert.Contains(t, stderr.String(), "not launched")
		assert.NoDirExists(t, runDir(cfg))
	})
	t.Run("require gpu", func(t *testing.T) {
		stderr := &lockedBuffer{}
		code, out := runLaunch(t, context.Background(), stderr, "--require-gpu", launchExample(t))
		assert.Equal(t, ExitFindings, code)
		assert.Contains(t, out, "no_driver")
	})
	t.Run("pyxis without slurm", func(t *testing.T) {
		stderr := &lockedBuffer{}
		code, _ := runLaunch(t, context.Background(), stderr, "--pyxis", launchExample(t))
		assert.Equal(t, ExitError, code)
		assert.Contains(t, stderr.String(), "need --slurm")
	})
	t.Run("interrupted", func(t *testing.T) {
		cfg := launchExample(t, "--hang-at=3")
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		stderr := &lockedBuffer{on: func(s string) {
			if strings.Contains(s, "hanging after step 3") {
				cancel()
			}
		}}
		code, out := runLaunch(t, ctx, stderr, cfg)
		assert.Equal(t, ExitInterrupted, code, "stderr:\n%s", stderr)
		assert.Contains(t, out, "run sophia-lora-dev: interrupted: trainer exited with code 0")
		assert.Contains(t, stderr.String(), "saving a checkpoint at step 3")
		assert.Regexp(t, `step=3-consumed_samples=96\.0-last\.ckpt: valid`, stderr.String())
	})
}

func TestNeMoLaunchDryRun(t *testing.T) {
	cfg := launchExample(t)
	out := filepath.Join(t.TempDir(), "configs", "sophia_lora.yaml")
	stderr := &lockedBuffer{}
	code, stdout := runLaunch(t, context.Background(), stderr, "--dry-run", "--resume", "--out", out, cfg)
	require.Equal(t, ExitOK, code, stderr.String())
	assert.Contains(t, stdout, fmt.Sprintf("would write %s: NeMo 2.0.0rc1 (container 24.07) Hydra config for megatron_gpt_finetuning.py, ", out))
	assert.Contains(t, stdout, "standin-trainer /opt/NeMo/examples/nlp/language_modeling/tuning/megatron_gpt_finetuning.py --config-path="+filepath.Dir(out)+" --config-name=sophia_lora exp_manager.resume_if_exists=true exp_manager.resume_ignore_no_checkpoint=true\n")
	// The config it would write is printed whole.
	assert.Contains(t, stdout, "\n  exp_manager:\n")
	assert.Contains(t, stdout, "\n    max_steps: 6\n")
	assert.NoFileExists(t, out)
	assert.NoDirExists(t, runDir(cfg))

	code, stdout = runLaunch(t, context.Background(), stderr, "--dry-run", "--format", "json", cfg)
	require.Equal(t, ExitOK, code)
	var j struct {
		Argv        []string `json:"argv"`
		Predictions []string `json:"predictions"`
		Config      string   `json:"config"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &j))
	assert.Contains(t, j.Config, "\n  max_steps: 6\n")
	assert.Equal(t, "standin-trainer", j.Argv[1])
	assert.Len(t, j.Predictions, 1)
}
