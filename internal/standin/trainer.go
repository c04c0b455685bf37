package standin

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Shape of the stand-in model: the adapters sit on layers of this width.
const (
	hiddenSize = 64
	numLayers  = 2
)

// trainer is one stand-in run.
type trainer struct {
	h      *hydraConfig
	opts   Options
	stdout io.Writer
	stderr io.Writer

	name        string
	ckptDir     string
	filename    string // the checkpoint filename template
	monitor     string
	maxSteps    int64
	valInterval int64
	logEvery    int64
	topK        int64
	gbs         int64
	seed        uint64
	rank        int64
	modules     []string

	step    int64   // last completed step
	valLoss float64 // the last validation loss; NaN before the first validation
	kept    []savedCheckpoint
	last    string // path of the current -last checkpoint
	savedAt int64  // step of the last save; -1 for none

	nanDone, corruptDone bool
}

type savedCheckpoint struct {
	loss float64
	step int64
	path string
}

func newTrainer(h *hydraConfig, opts Options, stdout, stderr io.Writer) (*trainer, error) {
	t := &trainer{h: h, opts: opts, stdout: stdout, stderr: stderr, valLoss: math.NaN(), savedAt: -1}
	t.name = h.str("name", "megatron_gpt_peft_tuning")
	expDir := h.str("exp_manager.exp_dir", "nemo_experiments")
	expName := h.str("exp_manager.name", t.name)
	t.ckptDir = filepath.Join(expDir, expName, "checkpoints")
	t.monitor = h.str("exp_manager.checkpoint_callback_params.monitor", "val_loss")
	t.filename = h.str("exp_manager.checkpoint_callback_params.filename", t.name+"--{"+t.monitor+":.3f}-{step}-{consumed_samples}")
	t.maxSteps = h.int("trainer.max_steps", -1)
	if t.maxSteps <= 0 {
		return nil, fmt.Errorf("standin: trainer.max_steps must be positive (the stand-in has no epochs)")
	}
	t.valInterval = h.int("trainer.val_check_interval", t.maxSteps)
	if t.valInterval <= 0 || t.valInterval > t.maxSteps {
		t.valInterval = t.maxSteps
	}
	t.topK = h.int("exp_manager.checkpoint_callback_params.save_top_k", 1)
	// Lightning logs every trainer.log_every_n_steps steps (and the last one).
	if t.logEvery = h.int("trainer.log_every_n_steps", 1); t.logEvery < 1 {
		t.logEvery = 1
	}
	t.gbs = h.int("model.global_batch_size", 1)
	t.seed = uint64(h.int("model.seed", 1234))
	t.rank = h.int("model.peft.lora_tuning.adapter_dim", 32)
	if t.rank <= 0 {
		return nil, fmt.Errorf("standin: model.peft.lora_tuning.adapter_dim must be positive")
	}
	t.modules = h.strings("model.peft.lora_tuning.target_modules")
	if len(t.modules) == 0 {
		t.modules = []string{"attention_qkv"}
	}
	if _, err := adapterShapes(t.modules, t.rank); err != nil {
		return nil, err
	}
	return t, nil
}

func (t *trainer) printf(format string, args ...any) { fmt.Fprintf(t.stdout, format, args...) }

func (t *trainer) run(ctx context.Context) int {
	if err := os.MkdirAll(t.ckptDir, 0o755); err != nil {
		fmt.Fprintf(t.stderr, "standin: %v\n", err)
		return 1
	}
	t.printf("[NeMo I] stand-in for megatron_gpt_finetuning.py: no model is trained\n")
	t.printf("[NeMo I] experiment %s, checkpoints in %s\n", t.name, t.ckptDir)
	if code, ok := t.resume(); !ok {
		return code
	}
	t.printf("GPU available: False (cuda), used: False\n")
	interrupted := false
	ignored := false
	signalled := func() bool {
		if ctx.Err() == nil {
			return false
		}
		if t.opts.IgnoreSIGTERM {
			if !ignored {
				ignored = true
				t.printf("[stand-in] received a termination signal: ignoring it\n")
			}
			return false
		}
		return true
	}
	failAt := t.opts.FailAt
	if failAt == 0 && t.opts.ExitCode != 0 {
		failAt = t.maxSteps
	}
	for t.step < t.maxSteps && !interrupted {
		if t.opts.StepDelay > 0 {
			timer := time.NewTimer(t.opts.StepDelay)
			select {
			case <-timer.C:
			case <-ctx.Done():
				timer.Stop()
				if signalled() {
					interrupted = true
					continue
				}
				<-timer.C
			}
		}
		if signalled() {
			interrupted = true
			break
		}
		t.step++
		step := t.step
		if step%t.logEvery == 0 || step == t.maxSteps {
			t.printf("Epoch 0: step %d/%d, reduced_train_loss=%.3f, lr=%g, global_step=%d, consumed_samples=%.1f\n",
				step, t.maxSteps, t.trainLoss(step), t.h.float("model.optim.lr", 1e-4), step, t.consumed(step))
		}
		if step%t.valInterval == 0 || step == t.maxSteps {
			t.valLoss = t.validationLoss(step)
			if err := t.save(step); err != nil {
				fmt.Fprintf(t.stderr, "standin: saving the checkpoint: %v\n", err)
				return 1
			}
		}
		if failAt > 0 && step == failAt {
			code := t.opts.ExitCode
			if code == 0 {
				code = 1
			}
			fmt.Fprintf(t.stderr, "Traceback (most recent call last):\n  File \"megatron_gpt_finetuning.py\", line 80, in main\n    trainer.fit(model)\nRuntimeError: CUDA error: an illegal memory access was encountered (stand-in failure at step %d)\n", step)
			return code
		}
		if t.opts.HangAt > 0 && step == t.opts.HangAt {
			t.printf("[stand-in] hanging after step %d until signalled\n", step)
			for !signalled() {
				if ctx.Err() != nil {
					// Signalled but told to ignore it: hang until killed.
					time.Sleep(time.Hour)
					continue
				}
				<-ctx.Done()
			}
			interrupted = true
		}
		if t.opts.PauseAt > 0 && step == t.opts.PauseAt {
			t.printf("[stand-in] pausing after step %d until %s exists\n", step, t.opts.PauseFile)
			for !interrupted {
				if _, err := os.Stat(t.opts.PauseFile); err == nil {
					break
				}
				select {
				case <-time.After(5 * time.Millisecond):
				case <-ctx.Done():
				}
				interrupted = signalled()
			}
		}
	}
	if interrupted {
		t.printf("[NeMo I] received a termination signal: saving a checkpoint at step %d and stopping\n", t.step)
		if t.step > 0 && t.savedAt != t.step {
			if math.IsNaN(t.valLoss) {
				t.valLoss = t.validationLoss(t.step)
			}
			if err := t.save(t.step); err != nil {
				fmt.Fprintf(t.stderr, "standin: saving the checkpoint: %v\n", err)
				return 1
			}
		}
		return 0
	}
	t.printf("`Trainer.fit` stopped: `max_steps=%d` reached.\n", t.maxSteps)
	if t.h.bool("exp_manager.checkpoint_callback_params.save_nemo_on_train_end", true) {
		if err := t.saveNeMo(); err != nil {
			fmt.Fprintf(t.stderr, "standin: saving the .nemo adapter: %v\n", err)
			return 1
		}
	}
	if err := t.writePredictions(); err != nil {
		fmt.Fprintf(t.stderr, "standin: writing predictions: %v\n", err)
		return 1
	}
	return 0
}

// resume restores the step and the kept checkpoints from the checkpoint directory
// when exp_manager.resume_if_exists is set, as NeMo does from the -last
// checkpoint. ok is false when the run must stop with code.
func (t *trainer) resume() (code int, ok bool) {
	if !t.h.bool("exp_manager.resume_if_exists", false) {
		return 0, true
	}
	entries, err := os.ReadDir(t.ckptDir)
	if err != nil {
		fmt.Fprintf(t.stderr, "standin: %v\n", err)
		return 1, false
	}
	lossRE := regexp.MustCompile(regexp.QuoteMeta(t.monitor) + `=(-?[0-9.]+|nan|inf)`)
	stepRE := regexp.MustCompile(`(?:^|[-_])step=(\d+)`)
	var lastPath string
	var lastStep int64 = -1
	var anyStep int64 = -1
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".ckpt") {
			continue
		}
		m := stepRE.FindStringSubmatch(name)
		if m == nil {
			continue
		}
		step, _ := strconv.ParseInt(m[1], 10, 64)
		path := filepath.Join(t.ckptDir, name)
		if strings.HasSuffix(name, "-last.ckpt") {
			if step > lastStep {
				lastStep, lastPath = step, path
			}
			continue
		}
		anyStep = max(anyStep, step)
		loss := math.Inf(1)
		if lm := lossRE.FindStringSubmatch(name); lm != nil {
			if f, err := strconv.ParseFloat(lm[1], 64); err == nil {
				loss = f
			}
		}
		t.kept = append(t.kept, savedCheckpoint{loss: loss, step: step, path: path})
	}
	if lastStep < 0 && anyStep >= 0 {
		lastStep = anyStep
	}
	if lastStep < 0 {
		if !t.h.bool("exp_manager.resume_ignore_no_checkpoint", false) {
			fmt.Fprintf(t.stderr, "NotFoundError: There were no checkpoints found in checkpoint_dir or no checkpoint folder at checkpoint_dir: %s. Cannot resume.\n", t.ckptDir)
			return 1, false
		}
		t.printf("[NeMo W] There were no checkpoints found in checkpoint_dir or no checkpoint folder at checkpoint_dir: %s. Training from scratch.\n", t.ckptDir)
		return 0, true
	}
	t.last = lastPath
	t.step, t.savedAt = min(lastStep, t.maxSteps), lastStep
	t.valLoss = t.validationLoss(t.step)
	t.printf("Restoring states from the checkpoint path at %s (step %d)\n", lastPath, lastStep)
	return 0, true
}

// noise is a deterministic value in [-1, 1) for the seed and the given numbers.
func noise(seed uint64, xs ...uint64) float64 {
	z := seed
	for _, x := range xs {
		z = splitmix(z ^ splitmix(x))
	}
	return float64(z>>11)/(1<<52) - 1
}

func splitmix(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func (t *trainer) decay(step int64) float64 {
	return math.Exp(-float64(step) / (0.3*float64(t.maxSteps) + 1))
}

func (t *trainer) trainLoss(step int64) float64 {
	return 0.6 + 2.4*t.decay(step) + 0.05*noise(t.seed, 1, uint64(step))
}

func (t *trainer) validationLoss(step int64) float64 {
	return 0.7 + 2.2*t.decay(step) + 0.01*noise(t.seed, 2, uint64(step))
}

func (t *trainer) consumed(step int64) float64 { return float64(step * t.gbs) }

var templateField = regexp.MustCompile(`\{([A-Za-z_][A-Za-z0-9_]*)(?::([^}]*))?\}`)

// checkpointName fills the filename template as Lightning's ModelCheckpoint does:
// {metric:fmt} becomes metric=<value formatted>, {step} step=<n>.
func (t *trainer) checkpointName(step int64) string {
	return templateField.ReplaceAllStringFunc(t.filename, func(m string) string {
		g := templateField.FindStringSubmatch(m)
		key, format := g[1], g[2]
		var v float64
		switch key {
		case "step":
			if format == "" {
				return fmt.Sprintf("step=%d", step)
			}
			v = float64(step)
		case "consumed_samples":
			v = t.consumed(step)
		case "epoch":
			if format == "" {
				return "epoch=0"
			}
		default:
			v = t.valLoss
		}
		if format == "" {
			return key + "=" + strconv.FormatFloat(v, 'f', 1, 64)
		}
		return key + "=" + fmt.Sprintf("%"+format, v)
	})
}

// save writes the checkpoint of step (when its loss makes the top k) and the -last
// copy, and removes the checkpoints that left the top k and the previous -last.
func (t *trainer) save(step int64) error {
	c, err := t.checkpoint(step)
	if err != nil {
		return err
	}
	var data bytes.Buffer
	if err := writeTorchZip(&data, "archive", c); err != nil {
		return err
	}
	content := data.Bytes()
	if t.opts.CorruptAt > 0 && step >= t.opts.CorruptAt && !t.corruptDone {
		t.corruptDone = true
		content = content[:len(content)/2]
		t.printf("[stand-in] writing a truncated checkpoint at step %d\n", step)
	}
	stem := t.checkpointName(step)
	path := filepath.Join(t.ckptDir, stem+".ckpt")
	qualifies := t.topK < 0
	if t.topK > 0 {
		qualifies = len(t.kept) < int(t.topK) || t.valLoss < t.worst().loss
	}
	if qualifies {
		if err := writeMarked(path, content); err != nil {
			return err
		}
		t.kept = slices.DeleteFunc(t.kept, func(s savedCheckpoint) bool { return s.path == path })
		t.kept = append(t.kept, savedCheckpoint{loss: t.valLoss, step: step, path: path})
		t.printf("Epoch 0, global step %d: '%s' reached %.5f (best %.5f), saving model to '%s' as top %d\n",
			step, t.monitor, t.valLoss, t.best(), path, t.topK)
		for t.topK > 0 && len(t.kept) > int(t.topK) {
			w := t.worst()
			if err := os.Remove(w.path); err != nil && !os.IsNotExist(err) {
				return err
			}
			t.kept = slices.DeleteFunc(t.kept, func(s savedCheckpoint) bool { return s.path == w.path })
		}
	} else {
		t.printf("Epoch 0, global step %d: '%s' was not in top %d\n", step, t.monitor, t.topK)
	}
	last := filepath.Join(t.ckptDir, stem+"-last.ckpt")
	if err := writeMarked(last, content); err != nil {
		return err
	}
	if t.last != "" && t.last != last {
		if err := os.Remove(t.last); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	t.last, t.savedAt = last, step
	return nil
}

// worst is the kept checkpoint with the highest loss (the oldest among equals).
func (t *trainer) worst() savedCheckpoint {
	w := t.kept[0]
	for _, s := range t.kept[1:] {
		if s.loss > w.loss || (s.loss == w.loss && s.step < w.step) {
			w = s
		}
	}
	return w
}

func (t *trainer) best() float64 {
	b := math.Inf(1)
	for _, s := range t.kept {
		b = min(b, s.loss)
	}
	return b
}

// writeMarked writes path as NeMo does: the -unfinished marker (the name without
// .ckpt, plus -unfinished) first, then the file, then the marker is removed.
func writeMarked(path string, content []byte) error {
	marker := strings.TrimSuffix(path, ".ckpt") + "-unfinished"
	if err := os.WriteFile(marker, nil, 0o644); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	half := len(content) / 2
	if _, err := f.Write(content[:half]); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(content[half:]); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Remove(marker)
}

// adapterShape is one LoRA adapter: linear_in is [rank, in], linear_out [out, rank].
type adapterShape struct {
	prefix  string
	in, out int64
}

// adapterShapes maps NeMo 1.x target modules onto the adapters of one layer, with
// NeMo's names for them.
func adapterShapes(modules []string, rank int64) ([]adapterShape, error) {
	h := int64(hiddenSize)
	qkv := adapterShape{"self_attention.adapter_layer.lora_kqv_adapter", h, 3 * h}
	dense := adapterShape{"self_attention.adapter_layer.lora_dense_attention_adapter", h, h}
	fc1 := adapterShape{"mlp.adapter_layer.lora_hto4h_adapter", h, 4 * h}
	fc2 := adapterShape{"mlp.adapter_layer.lora_4htoh_adapter", 4 * h, h}
	var out []adapterShape
	add := func(as ...adapterShape) {
		for _, a := range as {
			if !slices.ContainsFunc(out, func(b adapterShape) bool { return b.prefix == a.prefix }) {
				out = append(out, a)
			}
		}
	}
	for _, m := range modules {
		switch m {
		case "attention_qkv":
			add(qkv)
		case "attention_dense":
			add(dense)
		case "mlp_fc1":
			add(fc1)
		case "mlp_fc2":
			add(fc2)
		case "attention":
			add(qkv, dense)
		case "mlp":
			add(fc1, fc2)
		case "all":
			add(qkv, dense, fc1, fc2)
		default:
			return nil, fmt.Errorf("standin: unknown LoRA target module %q", m)
		}
	}
	return out, nil
}

// checkpoint builds the adapter weights at step: linear_in is a fixed random
// matrix plus a drift that grows with the step; linear_out starts at zero, as
// NeMo initialises it, and grows with the square root of the step.
func (t *trainer) checkpoint(step int64) (*lightningCheckpoint, error) {
	shapes, err := adapterShapes(t.modules, t.rank)
	if err != nil {
		return nil, err
	}
	c := &lightningCheckpoint{epoch: 0, globalStep: step}
	idx := uint64(0)
	for layer := range numLayers {
		for _, a := range shapes {
			base := fmt.Sprintf("model.decoder.layers.%d.%s.", layer, a.prefix)
			in := tensor{name: base + "linear_in.weight", shape: []int64{t.rank, a.in}, data: make([]float32, t.rank*a.in)}
			for i := range in.data {
				v := 0.02*noise(t.seed, 3, idx, uint64(i)) + 1e-4*float64(step)*noise(t.seed, 4, idx, uint64(i))
				in.data[i] = float32(v)
			}
			idx++
			out := tensor{name: base + "linear_out.weight", shape: []int64{a.out, t.rank}, data: make([]float32, a.out*t.rank)}
			g := 1e-3 * math.Sqrt(float64(step))
			for i := range out.data {
				out.data[i] = float32(g * noise(t.seed, 5, idx, uint64(i)))
			}
			idx++
			c.tensors = append(c.tensors, in, out)
		}
	}
	if t.opts.NaNAt > 0 && step >= t.opts.NaNAt && !t.nanDone {
		t.nanDone = true
		c.tensors[0].data[1] = float32(math.NaN())
		t.printf("[stand-in] writing a NaN into %s at step %d\n", c.tensors[0].name, step)
	}
	return c, nil
}

// saveNeMo writes <checkpoints>/<name>.nemo at the end of training, as NeMo's
// save_nemo_on_train_end does for a PEFT run: a tar archive of
// ./model_config.yaml (the config's model section) and ./model_weights.ckpt (the
// adapter's weights at the last step; NeMo stores the bare state dict, the
// stand-in its Lightning checkpoint). It is written to a temporary name and
// renamed, so a reader never sees half of it.
func (t *trainer) saveNeMo() error {
	model, _ := t.h.lookup("model")
	cfg, err := yaml.Marshal(model)
	if err != nil {
		return err
	}
	c, err := t.checkpoint(t.step)
	if err != nil {
		return err
	}
	var weights bytes.Buffer
	if err := writeTorchZip(&weights, "model_weights", c); err != nil {
		return err
	}
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, m := range []struct {
		name string
		data []byte
	}{{"./model_config.yaml", cfg}, {"./model_weights.ckpt", weights.Bytes()}} {
		if err := tw.WriteHeader(&tar.Header{Name: m.name, Mode: 0o644, Size: int64(len(m.data)), Format: tar.FormatGNU}); err != nil {
			return err
		}
		if _, err := tw.Write(m.data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	path := filepath.Join(t.ckptDir, t.name+".nemo")
	tmp := filepath.Join(t.ckptDir, "."+t.name+".nemo.tmp")
	if err := os.WriteFile(tmp, b.Bytes(), 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	t.printf("[NeMo I] Model %s was successfully saved to %s\n", t.name, path)
	return nil
}
