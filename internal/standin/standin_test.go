package standin

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sophia-ai/sophia-eval/checkpoint"
)

// fixture writes a NeMo 1.x-shaped config with steps steps, validation every
// interval steps, and a test file of n items, and returns the arguments of the
// rendered command and the checkpoint directory.
func fixture(t *testing.T, steps, interval, topK, n int, extra ...string) (args []string, ckptDir, prefix string) {
	t.Helper()
	dir := t.TempDir()
	var data strings.Builder
	for i := range n {
		fmt.Fprintf(&data, `{"input": "Frage %d: Wie geht es?", "output": "Antwort %d lautet: es geht mir heute wirklich sehr gut danke"}`+"\n", i, i)
	}
	test := filepath.Join(dir, "eval.jsonl")
	require.NoError(t, os.WriteFile(test, []byte(data.String()), 0o644))
	prefix = filepath.Join(dir, "out", "run", "predictions", "run")
	cfg := fmt.Sprintf(`name: run
trainer:
  max_steps: %d
  val_check_interval: %d
exp_manager:
  exp_dir: %s
  name: '${name}'
  resume_if_exists: true
  resume_ignore_no_checkpoint: true
  checkpoint_callback_params:
    monitor: val_loss
    save_top_k: %d
    filename: '${name}--{${exp_manager.checkpoint_callback_params.monitor}:.3f}-{step}-{consumed_samples}'
model:
  seed: 7
  global_batch_size: 16
  peft:
    lora_tuning:
      adapter_dim: 4
      target_modules: [attention_qkv, attention_dense]
  data:
    train_ds:
      label_key: output
      prompt_template: '{input} {output}'
    test_ds:
      file_names: [%s]
      names: [eval]
      label_key: '${model.data.train_ds.label_key}'
      prompt_template: '${model.data.train_ds.prompt_template}'
      write_predictions_to_file: true
      output_file_path_prefix: %s
`, steps, interval, filepath.Join(dir, "out"), topK, test, prefix)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "cfg.yaml"), []byte(cfg), 0o644))
	args = append([]string{"/opt/NeMo/megatron_gpt_finetuning.py", "--config-path=" + dir, "--config-name=cfg"}, extra...)
	return args, filepath.Join(dir, "out", "run", "checkpoints"), prefix
}

func noEnv(string) string { return "" }

func listCkpts(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

func TestRunHappy(t *testing.T) {
	args, ckpt, prefix := fixture(t, 6, 2, 2, 10)
	var out, errb bytes.Buffer
	code := Run(context.Background(), args, &out, &errb, noEnv)
	require.Equal(t, 0, code, "stderr: %s", errb.String())

	// Steps 2, 4 and 6 were saved; the top 2 by loss (decreasing) are kept, and the
	// -last copy of step 6; at the end the adapter as run.nemo. No marker is left.
	names := listCkpts(t, ckpt)
	require.Len(t, names, 4, "%v", names)
	require.Equal(t, "run.nemo", names[3])
	rep, err := checkpoint.ValidatePath(context.Background(), filepath.Join(ckpt, "run.nemo"), checkpoint.Config{})
	require.NoError(t, err)
	assert.True(t, rep.Valid(), "%v", rep.Err())
	assert.Equal(t, checkpoint.KindNeMo, rep.Kind)
	assert.Len(t, rep.Tensors, 8)
	names = names[:3]
	re := regexp.MustCompile(`^run--val_loss=\d\.\d{3}-step=(\d+)-consumed_samples=(\d+\.0)(-last)?\.ckpt$`)
	var steps []string
	for _, n := range names {
		m := re.FindStringSubmatch(n)
		require.NotNil(t, m, n)
		steps = append(steps, m[1]+m[3])
		assert.NotContains(t, n, "unfinished")
	}
	assert.ElementsMatch(t, []string{"4", "6", "6-last"}, steps)

	for _, n := range names {
		rep, err := checkpoint.ValidatePath(context.Background(), filepath.Join(ckpt, n), checkpoint.Config{Stats: true})
		require.NoError(t, err)
		assert.Equal(t, checkpoint.KindTorch, rep.Kind)
		assert.True(t, rep.Valid(), "%s: %v", n, rep.Err())
		assert.Empty(t, rep.Findings, n)
		// 2 layers x 2 modules x (linear_in, linear_out).
		require.Len(t, rep.Tensors, 8)
		for _, tn := range rep.Tensors {
			assert.True(t, tn.Scanned)
			assert.Zero(t, tn.NaN)
			assert.Contains(t, tn.Name, "state_dict.model.decoder.layers.")
		}
	}
	assert.Contains(t, out.String(), "Epoch 0: step 6/6, reduced_train_loss=")

	// Predictions: one line per test item, labels kept, predictions close to them.
	f, err := os.Open(PredictionFile(prefix, "eval"))
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	n, same := 0, 0
	for sc.Scan() {
		var rec map[string]string
		require.NoError(t, json.Unmarshal(sc.Bytes(), &rec))
		assert.Equal(t, fmt.Sprintf("Frage %d: Wie geht es?", n), rec["input"])
		assert.Equal(t, fmt.Sprintf("Antwort %d lautet: es geht mir heute wirklich sehr gut danke", n), rec["label"])
		assert.NotEmpty(t, rec["pred"])
		if rec["pred"] == rec["label"] {
			same++
		}
		n++
	}
	assert.Equal(t, 10, n)
	assert.Less(t, same, n, "every prediction equals its label")
}

func TestRunDeterministic(t *testing.T) {
	read := func() (string, []byte) {
		args, ckpt, prefix := fixture(t, 4, 2, -1, 5)
		var out bytes.Buffer
		require.Equal(t, 0, Run(context.Background(), args, &out, &out, noEnv), out.String())
		b, err := os.ReadFile(PredictionFile(prefix, "eval"))
		require.NoError(t, err)
		ck, err := os.ReadFile(filepath.Join(ckpt, listCkpts(t, ckpt)[0]))
		require.NoError(t, err)
		return string(b), ck
	}
	p1, c1 := read()
	p2, c2 := read()
	assert.Equal(t, p1, p2)
	assert.Equal(t, c1, c2)
}

func TestRunFaults(t *testing.T) {
	t.Run("nan", func(t *testing.T) {
		args, ckpt, _ := fixture(t, 6, 2, -1, 1, "--nan-at=3")
		var out bytes.Buffer
		require.Equal(t, 0, Run(context.Background(), args, &out, &out, noEnv), out.String())
		for _, n := range listCkpts(t, ckpt) {
			rep, err := checkpoint.ValidatePath(context.Background(), filepath.Join(ckpt, n), checkpoint.Config{})
			require.NoError(t, err)
			var nan int64
			for _, tn := range rep.Tensors {
				nan += tn.NaN
			}
			if strings.Contains(n, "step=4-") {
				assert.False(t, rep.Valid(), n)
				assert.EqualValues(t, 1, nan, n)
			} else {
				assert.True(t, rep.Valid(), n)
				assert.Zero(t, nan, n)
			}
		}
	})
	t.Run("corrupt", func(t *testing.T) {
		args, ckpt, _ := fixture(t, 4, 2, -1, 1)
		var out bytes.Buffer
		env := func(k string) string {
			if k == EnvCorruptAt {
				return "2"
			}
			return ""
		}
		require.Equal(t, 0, Run(context.Background(), args, &out, &out, env), out.String())
		for _, n := range listCkpts(t, ckpt) {
			rep, err := checkpoint.ValidatePath(context.Background(), filepath.Join(ckpt, n), checkpoint.Config{})
			require.NoError(t, err)
			assert.Equal(t, !strings.Contains(n, "step=2-"), rep.Valid(), "%s: %v", n, rep.Findings)
		}
	})
	t.Run("fail", func(t *testing.T) {
		args, _, prefix := fixture(t, 6, 2, -1, 1, "--fail-at=3", "--exit-code=7")
		var out, errb bytes.Buffer
		assert.Equal(t, 7, Run(context.Background(), args, &out, &errb, noEnv))
		assert.Contains(t, errb.String(), "Traceback")
		assert.Contains(t, out.String(), "step 3/6")
		assert.NotContains(t, out.String(), "step 4/6")
		assert.NoFileExists(t, PredictionFile(prefix, "eval"))
	})
	t.Run("bad flag", func(t *testing.T) {
		args, _, _ := fixture(t, 6, 2, -1, 1, "--nan-at=x")
		var out bytes.Buffer
		assert.Equal(t, 2, Run(context.Background(), args, &out, &out, noEnv))
	})
}

// signalWriter cancels when a line containing trigger has been written.
type signalWriter struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	trigger string
	fire    func()
	fired   bool
}

func (w *signalWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(b)
	if !w.fired && strings.Contains(w.buf.String(), w.trigger) {
		w.fired = true
		w.fire()
	}
	return len(b), nil
}

func TestRunInterruptSavesAndResume(t *testing.T) {
	args, ckpt, prefix := fixture(t, 10, 4, 3, 2, "--pause-at=5", "--pause-file=/nonexistent/never")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := &signalWriter{trigger: "pausing after step 5", fire: cancel}
	require.Equal(t, 0, Run(ctx, args, w, w, noEnv), w.buf.String())
	assert.Contains(t, w.buf.String(), "saving a checkpoint at step 5")
	names := listCkpts(t, ckpt)
	assert.Contains(t, strings.Join(names, " "), "-step=5-consumed_samples=80.0-last.ckpt")
	assert.NoFileExists(t, PredictionFile(prefix, "eval"), "an interrupted run writes no predictions")

	// Resuming continues after step 5 and finishes the run.
	var out bytes.Buffer
	args = args[:len(args)-2]
	require.Equal(t, 0, Run(context.Background(), args, &out, &out, noEnv), out.String())
	assert.Contains(t, out.String(), "Restoring states from the checkpoint path")
	assert.NotContains(t, out.String(), "step 5/10")
	assert.Contains(t, out.String(), "step 6/10")
	assert.FileExists(t, PredictionFile(prefix, "eval"))
	names = listCkpts(t, ckpt)
	assert.Contains(t, strings.Join(names, " "), "-step=10-consumed_samples=160.0-last.ckpt")
	assert.NotContains(t, strings.Join(names, " "), "step=5-consumed_samples=80.0-last", "the old -last is replaced")
}

func TestRunResumeWithoutCheckpoint(t *testing.T) {
	args, _, _ := fixture(t, 2, 2, 1, 1, "exp_manager.resume_ignore_no_checkpoint=false")
	var out bytes.Buffer
	assert.Equal(t, 1, Run(context.Background(), args, &out, &out, noEnv))
	assert.Contains(t, out.String(), "NotFoundError")
}

func TestLoadHydraOverrides(t *testing.T) {
	args, _, _ := fixture(t, 2, 2, 1, 1)
	inv, err := parseArgs(append(args, "trainer.max_steps=9", "+model.extra=[a,b]", "exp_manager.name=other"), noEnv)
	require.NoError(t, err)
	h, err := loadHydra(inv.configPath, inv.configName, inv.overrides)
	require.NoError(t, err)
	assert.EqualValues(t, 9, h.int("trainer.max_steps", 0))
	assert.Equal(t, []string{"a", "b"}, h.strings("model.extra"))
	assert.Equal(t, "other", h.str("exp_manager.name", ""))
	assert.Equal(t, "output", h.str("model.data.test_ds.label_key", ""))
	assert.Equal(t, "run--{val_loss:.3f}-{step}-{consumed_samples}", h.str("exp_manager.checkpoint_callback_params.filename", ""))

	_, err = loadHydra(inv.configPath, inv.configName, []string{"model.nokey=1"})
	assert.ErrorContains(t, err, "+model.nokey")
}
