package nemo

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
)

// CheckOptions tunes Check. The zero value gives the defaults.
type CheckOptions struct {
	// MinEvalItems is the evaluation set size below which a warning is given.
	// Default: 100.
	MinEvalItems int
	// SkipFiles skips every check that reads files (data, inventory, base model).
	// Default: false.
	SkipFiles bool
}

// Check runs every check on c: the pure checks of CheckConfig, then the checks that
// read the data files and the inventory (relative to c.Dir). It returns the findings
// in a stable order; none means every hard check passed. Check stops early, with the
// findings so far and ctx's error, when ctx is cancelled.
func Check(ctx context.Context, c *Config, opts CheckOptions) ([]Finding, error) {
	fs := CheckConfig(c)
	if opts.SkipFiles {
		return fs, nil
	}
	more, err := checkFiles(ctx, c, opts)
	return append(fs, more...), err
}

// CheckConfig runs the checks that need only the config: ranges, parallel layout,
// batch sizes, sampling weights, intervals, target modules, container tag, command
// template, evaluation and artifacts settings, and the alpha/rank warning.
func CheckConfig(c *Config) []Finding {
	fs := &findings{c: c}
	checkRequired(fs, c)
	checkRanges(fs, c)
	checkLayout(fs, c)
	checkWeights(fs, c)
	rel, relOK := checkContainer(fs, c)
	checkIntervals(fs, c, rel, relOK)
	checkModules(fs, c, rel, relOK)
	checkTemplate(fs, c, rel, relOK)
	checkEvaluation(fs, c)
	checkArtifacts(fs, c)
	if len(c.Data.Validation) == 0 {
		fs.add(Warning, CodeNoValidation, "data.validation", ErrNoValidation,
			"no validation set: NeMo 1.x requires model.data.validation_ds.file_names, and without one nothing tells over-fitting apart")
	}
	return fs.out
}

func checkRequired(fs *findings, c *Config) {
	req := []struct {
		path string
		ok   bool
	}{
		{"run.name", c.Run.Name != ""},
		{"run.output_dir", c.Run.OutputDir != ""},
		{"base_model.path", c.BaseModel.Path != ""},
		{"data.train", len(c.Data.Train) > 0},
		{"lora.target_modules", len(c.LoRA.TargetModules) > 0},
		{"resources.container", c.Resources.Container != ""},
	}
	for _, path := range requiredNumbers {
		if _, ok := c.Pos[path]; !ok {
			req = append(req, struct {
				path string
				ok   bool
			}{path, false})
		}
	}
	for _, r := range req {
		if !r.ok {
			fs.add(Error, CodeMissing, r.path, ErrMissing, "%s is required", r.path)
		}
	}
	for i, t := range c.Data.Train {
		if t.File == "" {
			fs.add(Error, CodeMissing, fmt.Sprintf("data.train[%d].file", i), ErrMissing, "train entry %d has no file", i)
		}
	}
}

// requiredNumbers are the numeric keys without a default; when absent, the finding
// is "missing", not "out of range".
var requiredNumbers = []string{"lora.rank", "lora.alpha", "training.steps", "training.global_batch_size",
	"training.micro_batch_size", "training.learning_rate", "training.val_check_interval", "training.checkpoint_interval"}

func checkRanges(fs *findings, c *Config) {
	absent := func(path string) bool {
		if _, ok := c.Pos[path]; ok {
			return false
		}
		for _, r := range requiredNumbers {
			if r == path {
				return true
			}
		}
		return false
	}
	intMin := func(path string, v, lo int) {
		if v < lo && !absent(path) {
			fs.add(Error, CodeRange, path, ErrRange, "%s is %d; want at least %d", path, v, lo)
		}
	}
	intMin("base_model.tensor_parallel", c.BaseModel.TensorParallel, 1)
	intMin("base_model.pipeline_parallel", c.BaseModel.PipelineParallel, 1)
	intMin("data.max_seq_length", c.Data.MaxSeqLength, 1)
	intMin("lora.rank", c.LoRA.Rank, 1)
	intMin("training.steps", c.Training.Steps, 1)
	intMin("training.global_batch_size", c.Training.GlobalBatchSize, 1)
	intMin("training.micro_batch_size", c.Training.MicroBatchSize, 1)
	intMin("training.val_check_interval", c.Training.ValCheckInterval, 1)
	intMin("training.checkpoint_interval", c.Training.CheckpointInterval, 1)
	intMin("training.top_k", c.Training.TopK, -1)
	intMin("training.schedule.warmup_steps", c.Training.Schedule.WarmupSteps, 0)
	intMin("resources.nodes", c.Resources.Nodes, 1)
	intMin("resources.gpus_per_node", c.Resources.GPUsPerNode, 1)
	if c.LoRA.Rank > 1024 {
		fs.add(Error, CodeRange, "lora.rank", ErrRange, "lora.rank is %d; want at most 1024", c.LoRA.Rank)
	}
	if c.Resources.GPUsPerNode > 16 {
		fs.add(Error, CodeRange, "resources.gpus_per_node", ErrRange, "resources.gpus_per_node is %d; want at most 16", c.Resources.GPUsPerNode)
	}
	if c.Data.MaxSeqLength > 1<<20 {
		fs.add(Error, CodeRange, "data.max_seq_length", ErrRange, "data.max_seq_length is %d; want at most 1048576", c.Data.MaxSeqLength)
	}
	if (!(c.LoRA.Alpha > 0) || math.IsInf(c.LoRA.Alpha, 0)) && !absent("lora.alpha") {
		fs.add(Error, CodeRange, "lora.alpha", ErrRange, "lora.alpha is %g; want a positive number", c.LoRA.Alpha)
	}
	if !(c.LoRA.Dropout >= 0 && c.LoRA.Dropout < 1) {
		fs.add(Error, CodeRange, "lora.dropout", ErrRange, "lora.dropout is %g; want 0 <= dropout < 1", c.LoRA.Dropout)
	}
	if !(c.Training.LearningRate > 0 && c.Training.LearningRate <= 1) && !absent("training.learning_rate") {
		fs.add(Error, CodeRange, "training.learning_rate", ErrRange, "training.learning_rate is %g; want 0 < lr <= 1", c.Training.LearningRate)
	}
	if !(c.Training.Schedule.MinLR >= 0 && c.Training.Schedule.MinLR <= c.Training.LearningRate) {
		fs.add(Error, CodeRange, "training.schedule.min_lr", ErrRange, "training.schedule.min_lr is %g; want 0 <= min_lr <= learning_rate", c.Training.Schedule.MinLR)
	}
	if c.Training.Steps > 0 && c.Training.Schedule.WarmupSteps >= c.Training.Steps {
		fs.add(Error, CodeRange, "training.schedule.warmup_steps", ErrRange, "training.schedule.warmup_steps is %d; want fewer than training.steps (%d)", c.Training.Schedule.WarmupSteps, c.Training.Steps)
	}
	if !validPrecision(c.Training.Precision) {
		fs.add(Error, CodeRange, "training.precision", ErrRange, "training.precision %q; want one of %s", c.Training.Precision, strings.Join(precisions, ", "))
	}
	if c.Resources.TimeLimit != "" && !slurmTime.MatchString(c.Resources.TimeLimit) {
		fs.add(Error, CodeRange, "resources.time_limit", ErrRange, "resources.time_limit %q is not a Slurm time ([D-]HH:MM:SS or minutes)", c.Resources.TimeLimit)
	}
	for i, m := range c.Resources.Mounts {
		if p := strings.Split(m, ":"); len(p) < 2 || len(p) > 3 || p[0] == "" || p[1] == "" || strings.ContainsAny(m, ", ") {
			fs.add(Error, CodeRange, fmt.Sprintf("resources.mounts[%d]", i), ErrRange, "resources.mounts[%d] %q is not SRC:DST or SRC:DST:FLAGS", i, m)
		}
	}
	for i, a := range c.Run.Trainer {
		if i == 0 && strings.TrimSpace(a) == "" {
			fs.add(Error, CodeRange, "run.trainer[0]", ErrRange, "run.trainer[0] is empty; want the program that runs the script (python, torchrun, ...)")
		}
	}
	if a, b := c.Data.InputKey, c.Data.LabelKey; a == b {
		fs.add(Error, CodeRange, "data.label_key", ErrRange, "data.label_key equals data.input_key (%q)", a)
	}
	for _, k := range []string{c.Data.InputKey, c.Data.LabelKey} {
		if !strings.Contains(c.Data.PromptTemplate, "{"+k+"}") {
			fs.add(Error, CodeRange, "data.prompt_template", ErrRange, "data.prompt_template %q has no {%s} field", c.Data.PromptTemplate, k)
		}
	}
	if c.LoRA.Rank > 0 && c.LoRA.Alpha > 0 {
		if r := c.LoRA.Alpha / float64(c.LoRA.Rank); r < 0.5 || r > 4 {
			fs.add(Warning, CodeAlphaRatio, "lora.alpha", ErrAlphaRatio, "lora.alpha/lora.rank is %g; the usual range is 1-2 (the update is scaled by alpha/rank)", r)
		}
	}
}

var precisions = []string{"bf16-mixed", "bf16", "16-mixed", "16", "32", "32-true", "bf16-true"}

func validPrecision(p string) bool {
	for _, x := range precisions {
		if p == x {
			return true
		}
	}
	return false
}

var slurmTime = regexp.MustCompile(`^(\d+-)?\d{1,2}(:\d{2}){0,2}$|^\d+$`)

// Parallel returns the total GPU count and the data-parallel size.
func (c *Config) Parallel() (gpus, dp int) {
	gpus = c.Resources.Nodes * c.Resources.GPUsPerNode
	mp := c.BaseModel.TensorParallel * c.BaseModel.PipelineParallel
	if mp <= 0 || gpus <= 0 {
		return gpus, 0
	}
	return gpus, gpus / mp
}

func checkLayout(fs *findings, c *Config) {
	gpus, dp := c.Parallel()
	tp, pp := c.BaseModel.TensorParallel, c.BaseModel.PipelineParallel
	if gpus <= 0 || tp <= 0 || pp <= 0 {
		return
	}
	if gpus%(tp*pp) != 0 || dp == 0 {
		fs.add(Error, CodeParallel, "base_model.tensor_parallel", ErrParallel,
			"%d GPUs (%d nodes x %d) are not divisible by tensor_parallel x pipeline_parallel = %d x %d = %d",
			gpus, c.Resources.Nodes, c.Resources.GPUsPerNode, tp, pp, tp*pp)
		return
	}
	gbs, mbs := c.Training.GlobalBatchSize, c.Training.MicroBatchSize
	if gbs > 0 && mbs > 0 && gbs%(mbs*dp) != 0 {
		fs.add(Error, CodeBatch, "training.global_batch_size", ErrBatch,
			"global_batch_size %d is not divisible by micro_batch_size x data-parallel size = %d x %d = %d",
			gbs, mbs, dp, mbs*dp)
	}
}

func checkWeights(fs *findings, c *Config) {
	n := len(c.Data.Train)
	if n == 0 {
		return
	}
	var sum float64
	missing := 0
	for i, t := range c.Data.Train {
		if t.Weight == nil {
			missing++
			continue
		}
		w := *t.Weight
		if !(w > 0 && w <= 1) {
			fs.add(Error, CodeWeights, fmt.Sprintf("data.train[%d].weight", i), ErrWeights, "weight of %s is %g; want 0 < weight <= 1", t.File, w)
		}
		sum += w
	}
	switch {
	case missing == n && n == 1:
		return // one file needs no weight
	case missing > 0:
		for i, t := range c.Data.Train {
			if t.Weight == nil {
				fs.add(Error, CodeWeights, fmt.Sprintf("data.train[%d]", i), ErrWeights,
					"%s has no weight: with %d train files every one needs a sampling weight", t.File, n)
			}
		}
	case math.Abs(sum-1) > 1e-6:
		fs.add(Error, CodeWeights, "data.train", ErrWeights, "sampling weights sum to %g; want 1", sum)
	}
}

func checkContainer(fs *findings, c *Config) (Release, bool) {
	if c.Resources.Container == "" {
		return Release{}, false
	}
	rel, err := LookupRelease(c.Resources.Container)
	if err != nil {
		fs.add(Error, CodeContainer, "resources.container", ErrContainer, "%v", err)
		return rel, false
	}
	if rel.Tag < "24.05" {
		fs.add(Error, CodeContainer, "resources.container", ErrContainer,
			"container %s has NeMo %s; sophia-eval renders for 24.05 and later", rel.Tag, rel.NeMo)
		return rel, false
	}
	return rel, true
}

func checkIntervals(fs *findings, c *Config, rel Release, relOK bool) {
	steps := c.Training.Steps
	if steps <= 0 {
		return
	}
	for _, iv := range []struct {
		path string
		v    int
	}{
		{"training.val_check_interval", c.Training.ValCheckInterval},
		{"training.checkpoint_interval", c.Training.CheckpointInterval},
	} {
		if iv.v > steps {
			fs.add(Error, CodeInterval, iv.path, ErrInterval, "%s is %d, beyond training.steps (%d): it would never happen", iv.path, iv.v, steps)
		}
	}
	v, k := c.Training.ValCheckInterval, c.Training.CheckpointInterval
	if relOK && rel.Gen == 1 && v > 0 && k > 0 && k != v {
		fs.add(Warning, CodeCheckpointStep, "training.checkpoint_interval", ErrCheckpointStep,
			"NeMo %s saves a checkpoint after every validation (every %d steps); checkpoint_interval %d is not applied", rel.NeMo, v, k)
	}
}

func checkModules(fs *findings, c *Config, rel Release, relOK bool) {
	if !relOK {
		return
	}
	if rel.Gen == 2 && c.BaseModel.Recipe == "" {
		fs.add(Error, CodeMissing, "base_model.recipe", ErrMissing,
			"container %s has NeMo %s: base_model.recipe (the llm recipe factory, e.g. llama3_8b) is required for nemo llm finetune", rel.Tag, rel.NeMo)
	}
	seen := map[string]bool{}
	for i, m := range c.LoRA.TargetModules {
		path := fmt.Sprintf("lora.target_modules[%d]", i)
		if seen[m] {
			fs.add(Error, CodeTargetModule, path, ErrTargetModule, "target module %q listed twice", m)
			continue
		}
		seen[m] = true
		if validModule(m, rel.Gen) {
			continue
		}
		hint := ""
		if eq := equivalentModule(m, rel.Gen); eq != "" {
			hint = fmt.Sprintf(" (the NeMo %d name of %q is %q)", rel.Gen, m, eq)
		} else if s := suggest(m, TargetModules(rel.Gen)); s != "" {
			hint = fmt.Sprintf(" (did you mean %q?)", s)
		}
		fs.add(Error, CodeTargetModule, path, ErrTargetModule, "%q is not a LoRA target module of NeMo %s (container %s); valid: %s%s",
			m, rel.NeMo, rel.Tag, strings.Join(TargetModules(rel.Gen), ", "), hint)
	}
}

// checkTemplate flags command templates that cannot run: python -m
// nemo.collections.llm.finetune names no module in any NeMo version, and NeMo 2 is
// not configured through Hydra's --config-path/--config-name.
func checkTemplate(fs *findings, c *Config, rel Release, relOK bool) {
	t := c.Resources.CommandTemplate
	if t == "" {
		return
	}
	correct := "the correct command is printed by sophia-eval nemo render"
	if strings.Contains(t, "-m nemo.collections.llm.finetune") {
		fs.add(Error, CodeTemplate, "resources.command_template", ErrTemplate,
			"python -m nemo.collections.llm.finetune runs on no NeMo version: there is no module finetune under nemo.collections.llm (finetune is a function in llm/api.py, run through `nemo llm finetune`), and NeMo 2 takes no Hydra --config-path/--config-name; %s", correct)
		return
	}
	if relOK && rel.Gen == 2 && (strings.Contains(t, "--config-path") || strings.Contains(t, "--config-name")) {
		fs.add(Error, CodeTemplate, "resources.command_template", ErrTemplate,
			"NeMo %s (container %s) is configured through NeMo-Run, not Hydra: --config-path/--config-name mean nothing to `nemo llm finetune`; %s", rel.NeMo, rel.Tag, correct)
		return
	}
	if relOK && rel.Gen == 1 && strings.Contains(t, "nemo llm") {
		fs.add(Error, CodeTemplate, "resources.command_template", ErrTemplate,
			"container %s has NeMo %s, whose fine-tuning entry point is megatron_gpt_finetuning.py, not `nemo llm finetune`; %s", rel.Tag, rel.NeMo, correct)
	}
}

// Metrics sophia-eval scores.
var knownMetrics = []string{"bleu", "rouge1", "rouge2", "rougeL", "rougeLsum", "winrate"}

func checkEvaluation(fs *findings, c *Config) {
	have := map[string]bool{}
	for i, m := range c.Evaluation.Metrics {
		if !slices.Contains(knownMetrics, m) {
			hint := ""
			if s := suggest(m, knownMetrics); s != "" {
				hint = fmt.Sprintf(" (did you mean %q?)", s)
			}
			fs.add(Error, CodeEvaluation, fmt.Sprintf("evaluation.metrics[%d]", i), ErrEvaluation,
				"unknown metric %q; known: %s%s", m, strings.Join(knownMetrics, ", "), hint)
		}
		have[m] = true
	}
	for i, g := range c.Evaluation.Gates {
		path := fmt.Sprintf("evaluation.gates[%d]", i)
		if !have[g.Metric] {
			fs.add(Error, CodeEvaluation, path+".metric", ErrEvaluation, "gate on %q, which is not in evaluation.metrics", g.Metric)
		}
		if g.Min == nil && g.MinDelta == nil {
			fs.add(Error, CodeEvaluation, path, ErrEvaluation, "gate on %q has neither min nor min_delta", g.Metric)
		}
		if g.MinDelta != nil && c.Evaluation.BaselinePredictions == "" {
			fs.add(Error, CodeEvaluation, path+".min_delta", ErrEvaluation, "gate on %q compares with the baseline, but evaluation.baseline_predictions is not set", g.Metric)
		}
	}
}

var versionName = regexp.MustCompile(`^sophia-finetune-(\d{4}-\d{2}-\d{2}|\d{8})$`)

func checkArtifacts(fs *findings, c *Config) {
	if r := strings.TrimPrefix(c.Artifacts.Registry, "./"); !strings.HasPrefix(r, "models/finetune/") && !strings.Contains(r, "/models/finetune/") && r != "models/finetune" {
		fs.add(Error, CodeArtifacts, "artifacts.registry", ErrArtifacts, "artifacts.registry %q is not under models/finetune/", c.Artifacts.Registry)
	}
	if c.Artifacts.Version == "" {
		fs.add(Error, CodeMissing, "artifacts.version", ErrMissing, "artifacts.version is required (sophia-finetune-<date>)")
	} else if !versionName.MatchString(c.Artifacts.Version) {
		fs.add(Error, CodeArtifacts, "artifacts.version", ErrArtifacts, "artifacts.version %q is not sophia-finetune-<date> (YYYY-MM-DD or YYYYMMDD)", c.Artifacts.Version)
	}
}
