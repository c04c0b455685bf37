package nemo

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// ErrRender means the config cannot be rendered for its container.
var ErrRender = errors.New("nemo: cannot render")

// FinetuningScript is megatron_gpt_finetuning.py inside the NeMo 1.x containers.
const FinetuningScript = "/opt/NeMo/examples/nlp/language_modeling/tuning/megatron_gpt_finetuning.py"

// DefaultRenderOut is where nemo render writes the NeMo 1.x config.
const DefaultRenderOut = "configs/nemo/sophia_lora.yaml"

// RenderOptions tunes Render.
type RenderOptions struct {
	// ConfigFile is where the NeMo 1.x YAML will be written; the command's
	// --config-path and --config-name point at it. A relative path is taken relative
	// to the directory the command runs in ("$PWD" in the command, because Hydra
	// resolves a relative --config-path against the script's directory).
	// Default: DefaultRenderOut.
	ConfigFile string
	// DatasetRoot is the NeMo 2 dataset root the launcher reads training.jsonl and
	// validation.jsonl from. Default: DatasetRoot(c).
	DatasetRoot string
}

// Rendered is what a run needs from NeMo's side.
type Rendered struct {
	Release Release
	// YAML is the Hydra config for megatron_gpt_finetuning.py (NeMo 1.x); nil for
	// NeMo 2.
	YAML []byte
	// Script is the NeMo 2 Python launcher; nil for NeMo 1.x.
	Script []byte
	// ConfigFile is where YAML or Script is to be written: for NeMo 2 the
	// RenderOptions.ConfigFile path with the extension .py (LauncherFile).
	ConfigFile string
	// DatasetRoot is where the NeMo 2 launcher reads the staged data; empty for
	// NeMo 1.x, which reads the data files in place.
	DatasetRoot string
	// Overrides are the command-line overrides: for NeMo 1.x only those for keys
	// missing from the version's YAML, with Hydra's leading +; none for NeMo 2.
	Overrides []string
	// Argv is the launch command, one element per argument; Command is the same,
	// quoted for a POSIX shell.
	Argv    []string
	Command string
	// Notes say what the user must know about the rendered command.
	Notes []string
}

// Render renders c for its container's NeMo version. It is pure: it reads no file.
// Paths in the output are c's paths resolved against c.Dir.
func Render(c *Config, opts RenderOptions) (*Rendered, error) {
	rel, err := LookupRelease(c.Resources.Container)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrRender, err)
	}
	if opts.ConfigFile == "" {
		opts.ConfigFile = DefaultRenderOut
	}
	if rel.Gen == 2 {
		return renderNeMo2(c, rel, opts)
	}
	tree, err := FinetuningKeys(rel.Tag)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrRender, err)
	}
	return renderNeMo1(c, rel, tree, opts)
}

// hydraValues maps NeMo 1.x config paths onto values from c.
func hydraValues(c *Config) []kv {
	var files []any
	var weights []any
	hasWeights := false
	for _, t := range c.Data.Train {
		files = append(files, c.Resolve(t.File))
		if t.Weight != nil {
			hasWeights = true
			weights = append(weights, *t.Weight)
		}
	}
	valFiles, valNames := datasets(c, c.Data.Validation)
	var mods []any
	for _, m := range c.LoRA.TargetModules {
		mods = append(mods, m)
	}
	out := []kv{
		{"name", c.Run.Name},
		{"trainer.devices", c.Resources.GPUsPerNode},
		{"trainer.num_nodes", c.Resources.Nodes},
		{"trainer.precision", precisionValue(c.Training.Precision)},
		{"trainer.max_steps", c.Training.Steps},
		{"trainer.val_check_interval", c.Training.ValCheckInterval},
		{"exp_manager.exp_dir", c.Resolve(c.Run.OutputDir)},
		{"exp_manager.checkpoint_callback_params.save_top_k", c.Training.TopK},
		{"model.seed", c.Training.Seed},
		{"model.tensor_model_parallel_size", c.BaseModel.TensorParallel},
		{"model.pipeline_model_parallel_size", c.BaseModel.PipelineParallel},
		{"model.global_batch_size", c.Training.GlobalBatchSize},
		{"model.micro_batch_size", c.Training.MicroBatchSize},
		{"model.restore_from_path", c.Resolve(c.BaseModel.Path)},
		{"model.peft.peft_scheme", "lora"},
		{"model.peft.lora_tuning.target_modules", mods},
		{"model.peft.lora_tuning.adapter_dim", c.LoRA.Rank},
		{"model.peft.lora_tuning.alpha", number(c.LoRA.Alpha)},
		{"model.peft.lora_tuning.adapter_dropout", c.LoRA.Dropout},
		{"model.data.train_ds.file_names", files},
		{"model.data.train_ds.max_seq_length", c.Data.MaxSeqLength},
		{"model.data.train_ds.label_key", c.Data.LabelKey},
		{"model.data.train_ds.truncation_field", c.Data.InputKey},
		{"model.data.train_ds.prompt_template", c.Data.PromptTemplate},
	}
	if hasWeights && len(weights) == len(files) {
		out = append(out, kv{"model.data.train_ds.concat_sampling_probabilities", weights})
	}
	if len(valFiles) > 0 {
		out = append(out,
			kv{"model.data.validation_ds.file_names", valFiles},
			kv{"model.data.validation_ds.names", valNames},
			kv{"model.data.validation_ds.max_seq_length", c.Data.MaxSeqLength})
	}
	if len(c.Data.Evaluation) > 0 {
		// The generate step (megatron_gpt_generate.py) reads the same config and
		// writes PredictionFiles; keys the version lacks are left out, not overridden.
		evalFiles, evalNames := datasets(c, c.Data.Evaluation)
		out = append(out,
			kv{"model.data.test_ds.file_names", evalFiles},
			kv{"model.data.test_ds.names", evalNames},
			kv{"model.data.test_ds.write_predictions_to_file", true},
			kv{"model.data.test_ds.output_file_path_prefix", predictionPrefix(c)})
	}
	out = append(out,
		kv{"model.optim.lr", c.Training.LearningRate},
		kv{"model.optim.sched.name", c.Training.Schedule.Name},
		kv{"model.optim.sched.warmup_steps", c.Training.Schedule.WarmupSteps},
		kv{"model.optim.sched.min_lr", c.Training.Schedule.MinLR},
	)
	return out
}

// datasets returns the resolved paths of data files and their NeMo dataset names.
func datasets(c *Config, paths []string) (files, names []any) {
	for _, f := range paths {
		files = append(files, c.Resolve(f))
		names = append(names, fileStem(f))
	}
	return files, names
}

type kv struct {
	path  string
	value any
}

// optionalKeys are set only where the version's YAML has them: they are not worth
// a + override.
var optionalKeys = map[string]bool{
	"model.data.test_ds.file_names":                true,
	"model.data.test_ds.names":                     true,
	"model.data.test_ds.write_predictions_to_file": true,
	"model.data.test_ds.output_file_path_prefix":   true,
}

// fileStem is a data file's name without directory and extension: NeMo's name of
// a dataset ("eval" for data/eval.jsonl).
func fileStem(p string) string {
	return strings.TrimSuffix(filepath.Base(p), filepath.Ext(p))
}

// predictionPrefix is model.data.test_ds.output_file_path_prefix:
// <output_dir>/<run.name>/predictions/<run.name>.
func predictionPrefix(c *Config) string {
	return filepath.Join(c.Resolve(c.Run.OutputDir), c.Run.Name, "predictions", c.Run.Name)
}

// PredictionFiles are the predictions files a NeMo 1.x run of c writes with the
// rendered config, one per data.evaluation file, in that order: NeMo's generate
// step names them <prefix>_test_<stem>_inputs_preds_labels.jsonl, with prefix
// <output_dir>/<run.name>/predictions/<run.name> and stem the evaluation file's
// name without extension. Each line is {"input", "pred", "label"}. NeMo 2's
// fine-tuning writes no predictions; the paths are the same for its runs.
func PredictionFiles(c *Config) []string {
	var out []string
	prefix := predictionPrefix(c)
	for _, f := range c.Data.Evaluation {
		out = append(out, prefix+"_test_"+fileStem(f)+"_inputs_preds_labels.jsonl")
	}
	return out
}

// precisionValue writes Lightning's integer precisions as integers.
func precisionValue(p string) any {
	if n, err := strconv.Atoi(p); err == nil {
		return n
	}
	return p
}

// number returns integral floats as ints, so alpha 32 renders as 32.
func number(f float64) any {
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return int(f)
	}
	return f
}

func renderNeMo1(c *Config, rel Release, tree *KeyTree, opts RenderOptions) (*Rendered, error) {
	values := map[string]any{}
	var overrides []string
	for _, v := range hydraValues(c) {
		if tree.Has(v.path) {
			values[v.path] = v.value
			continue
		}
		if optionalKeys[v.path] {
			continue
		}
		// The version's YAML lacks the key: Hydra's struct mode rejects it as a
		// YAML key override, so it goes on the command line with a leading +.
		overrides = append(overrides, "+"+v.path+"="+hydraLiteral(v.value))
	}
	root := &yaml.Node{Kind: yaml.MappingNode}
	nodes := map[string]*yaml.Node{"": root}
	for _, k := range tree.Keys {
		parent := nodes[parentPath(k.Path)]
		if parent == nil {
			return nil, fmt.Errorf("%w: key tree: %s has no parent", ErrRender, k.Path)
		}
		name := k.Path[strings.LastIndexByte(k.Path, '.')+1:]
		key := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: name}
		var val *yaml.Node
		if k.Type == "mapping" {
			val = &yaml.Node{Kind: yaml.MappingNode}
			nodes[k.Path] = val
		} else {
			v, ok := values[k.Path]
			if !ok {
				v = k.Default
			}
			if k.Type == "required" && !ok {
				return nil, fmt.Errorf("%w: %s is required by NeMo and has no value in the config", ErrRender, k.Path)
			}
			val = valueNode(v)
		}
		parent.Content = append(parent.Content, key, val)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# NeMo %s (container %s) config for megatron_gpt_finetuning.py,\n", rel.NeMo, rel.Tag)
	fmt.Fprintf(&b, "# rendered by sophia-eval nemo render from the run %s. Do not edit: re-render.\n", c.Run.Name)
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(root); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrRender, err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrRender, err)
	}
	dir, file := filepath.Split(opts.ConfigFile)
	dir = filepath.Clean(dir)
	argv := []string{"python", FinetuningScript}
	shellDir := dir
	if !filepath.IsAbs(dir) {
		shellDir = "$PWD/" + dir
		if dir == "." {
			shellDir = "$PWD"
		}
	}
	argv = append(argv, "--config-path="+shellDir, "--config-name="+strings.TrimSuffix(file, filepath.Ext(file)))
	argv = append(argv, overrides...)
	r := &Rendered{Release: rel, YAML: []byte(b.String()), ConfigFile: opts.ConfigFile, Overrides: overrides, Argv: argv}
	r.Command = ShellCommand(argv)
	if len(overrides) > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("NeMo %s's YAML has no %s: they are passed as + overrides on the command line (Hydra rejects them as YAML key overrides).",
			rel.NeMo, strings.Join(overridePaths(overrides), ", ")))
	}
	if !filepath.IsAbs(dir) {
		r.Notes = append(r.Notes, "Run the command from the directory the config was rendered in: Hydra resolves a relative --config-path against the script's directory, so it is made absolute with $PWD.")
	}
	if c.Training.CheckpointInterval > 0 && c.Training.CheckpointInterval != c.Training.ValCheckInterval {
		r.Notes = append(r.Notes, fmt.Sprintf("NeMo 1.x saves checkpoints at every validation (every %d steps); training.checkpoint_interval is not applied.", c.Training.ValCheckInterval))
	}
	return r, nil
}

func overridePaths(ov []string) []string {
	out := make([]string, len(ov))
	for i, o := range ov {
		p, _, _ := strings.Cut(strings.TrimPrefix(o, "+"), "=")
		out[i] = p
	}
	return out
}

// valueNode encodes v (from the key tree's JSON defaults or hydraValues) as a
// YAML node of the matching type.
func valueNode(v any) *yaml.Node {
	switch x := v.(type) {
	case nil:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(x)}
	case int:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(x)}
	case float64:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!float", Value: formatFloat(x)}
	case string:
		n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: x}
		if x == "???" || strings.ContainsAny(x, "{}$:#") || x == "" {
			n.Style = yaml.SingleQuotedStyle
		}
		if _, err := strconv.ParseFloat(x, 64); err == nil || x == "true" || x == "false" || x == "null" {
			n.Style = yaml.DoubleQuotedStyle
		}
		return n
	case []any:
		n := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
		for _, e := range x {
			n.Content = append(n.Content, valueNode(e))
		}
		return n
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: fmt.Sprint(v)}
}

// formatFloat writes f so that every YAML 1.1 reader takes it for a float: with a
// decimal point, and a sign on the exponent (PyYAML's resolver reads a plain 1e-4
// as a string).
func formatFloat(f float64) string {
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return s
	}
	if mant, exp, ok := strings.Cut(s, "e"); ok {
		if !strings.Contains(mant, ".") {
			mant += ".0"
		}
		return mant + "e" + exp
	}
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// hydraLiteral writes v as a Hydra override value.
func hydraLiteral(v any) string {
	switch x := v.(type) {
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = hydraLiteral(e)
		}
		return "[" + strings.Join(parts, ",") + "]"
	case float64:
		return formatFloat(x)
	case string:
		if x == "" || strings.ContainsAny(x, " ,[]{}()=:'\"\\$") {
			return "'" + strings.ReplaceAll(x, "'", `\'`) + "'"
		}
		return x
	}
	return fmt.Sprint(v)
}

// ShellCommand quotes argv for a POSIX shell, one word per element, leaving a
// $PWD in an element expandable ("$PWD"/configs/nemo), as Rendered.Command does.
func ShellCommand(argv []string) string {
	parts := make([]string, len(argv))
	for i, a := range argv {
		parts[i] = shellQuote(a)
	}
	return strings.Join(parts, " ")
}

func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=+,:@%", r))
	}) < 0 {
		return s
	}
	if prefix, rest, ok := strings.Cut(s, "$PWD"); ok && !strings.ContainsAny(prefix+rest, "'\"$`\\ ") {
		return prefix + `"$PWD"` + rest
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// recipeName is a Python identifier: base_model.recipe is written into the launcher.
var recipeName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// LauncherFile is the NeMo 2 launcher's path for the --out path of NeMo 1.x: the
// same path with the extension .py.
func LauncherFile(out string) string {
	return strings.TrimSuffix(out, filepath.Ext(out)) + ".py"
}

// renderNeMo2 renders a Python launcher that builds the llm recipe, replaces its
// data module (SQuAD) with a FineTuningDataModule on the staged dataset root,
// sets the LoRA, trainer, optimizer, log and checkpoint values, and runs it in
// process with NeMo-Run's run.run(recipe, direct=True).
func renderNeMo2(c *Config, rel Release, opts RenderOptions) (*Rendered, error) {
	if c.BaseModel.Recipe == "" {
		return nil, fmt.Errorf("%w: NeMo %s (container %s) needs base_model.recipe, the llm recipe factory (llama3_8b, ...)", ErrRender, rel.NeMo, rel.Tag)
	}
	if !recipeName.MatchString(c.BaseModel.Recipe) {
		return nil, fmt.Errorf("%w: base_model.recipe %q is not a recipe module name (llama3_8b, ...)", ErrRender, c.BaseModel.Recipe)
	}
	if len(c.Data.Validation) == 0 {
		return nil, fmt.Errorf("%w: NeMo %s's FineTuningDataModule reads %s: data.validation is required", ErrRender, rel.NeMo, StagedValidation)
	}
	root := opts.DatasetRoot
	if root == "" {
		root = DatasetRoot(c)
	}
	file := LauncherFile(opts.ConfigFile)
	var mods []string
	mods = append(mods, c.LoRA.TargetModules...)
	tmpl := StagedTemplate(c)
	kwargsOK := rel.NeMo != "2.0.0" // dataset_kwargs arrived in NeMo 2.1.0
	var notes []string

	var b strings.Builder
	fmt.Fprintf(&b, "# NeMo %s (container %s) fine-tuning launcher for the run %s,\n", rel.NeMo, rel.Tag, c.Run.Name)
	b.WriteString("# rendered by sophia-eval nemo render. Do not edit: re-render.\n")
	fmt.Fprintf(&b, "# Stage the data first (sophia-eval nemo stage): it writes %s and %s\n", StagedTrain, StagedValidation)
	b.WriteString("# into DATASET_ROOT with the keys input and output.\n")
	b.WriteString("import nemo_run as run\n")
	b.WriteString("from nemo.collections import llm\n")
	fmt.Fprintf(&b, "from nemo.collections.llm.recipes import %s as recipe_module\n", c.BaseModel.Recipe)
	precision := ""
	switch c.Training.Precision {
	case "bf16-mixed":
		precision = "bf16_mixed"
	case "16-mixed":
		precision = "fp16_mixed"
	default:
		notes = append(notes, fmt.Sprintf("training.precision %s is not applied: the launcher maps only bf16-mixed and 16-mixed (the recipe's plugins); the recipe's bf16_mixed stays.", c.Training.Precision))
	}
	if precision != "" {
		fmt.Fprintf(&b, "from nemo.collections.llm.recipes.precision.mixed_precision import %s\n", precision)
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "DATASET_ROOT = %s\n\n\n", pyLiteral(root))
	b.WriteString("def main():\n")
	fmt.Fprintf(&b, "    recipe = recipe_module.finetune_recipe(\n        dir=%s,\n        name=%s,\n        num_nodes=%d,\n        num_gpus_per_node=%d,\n        peft_scheme=\"lora\",\n    )\n",
		pyLiteral(c.Resolve(c.Run.OutputDir)), pyLiteral(c.Run.Name), c.Resources.Nodes, c.Resources.GPUsPerNode)
	b.WriteString("    # The recipe's data module is SQuAD: train on the staged data instead.\n")
	b.WriteString("    recipe.data = run.Config(\n        llm.FineTuningDataModule,\n        dataset_root=DATASET_ROOT,\n")
	fmt.Fprintf(&b, "        seq_length=%d,\n        micro_batch_size=%d,\n        global_batch_size=%d,\n        seed=%d,\n",
		c.Data.MaxSeqLength, c.Training.MicroBatchSize, c.Training.GlobalBatchSize, c.Training.Seed)
	if kwargsOK {
		fmt.Fprintf(&b, "        dataset_kwargs={\"prompt_template\": %s},\n", pyLiteral(tmpl))
	} else if tmpl != "{input} {output}" {
		notes = append(notes, fmt.Sprintf("NeMo 2.0.0's FineTuningDataModule has no dataset_kwargs: the prompt template is NeMo's default \"{input} {output}\", not %q; use a 24.12 or later container to apply it.", tmpl))
	}
	b.WriteString("    )\n")
	set := func(path string, v any) { fmt.Fprintf(&b, "    recipe.%s = %s\n", path, pyLiteral(v)) }
	set("trainer.max_steps", c.Training.Steps)
	set("trainer.val_check_interval", c.Training.ValCheckInterval)
	set("trainer.strategy.tensor_model_parallel_size", c.BaseModel.TensorParallel)
	set("trainer.strategy.pipeline_model_parallel_size", c.BaseModel.PipelineParallel)
	if precision != "" {
		fmt.Fprintf(&b, "    recipe.trainer.plugins = %s()\n", precision)
	}
	set("peft.dim", c.LoRA.Rank)
	set("peft.alpha", number(c.LoRA.Alpha))
	set("peft.dropout", c.LoRA.Dropout)
	set("peft.target_modules", mods)
	set("optim.config.lr", c.Training.LearningRate)
	set("optim.lr_scheduler.warmup_steps", c.Training.Schedule.WarmupSteps)
	set("optim.lr_scheduler.min_lr", c.Training.Schedule.MinLR)
	set("log.ckpt.save_top_k", c.Training.TopK)
	set("log.ckpt.every_n_train_steps", c.Training.CheckpointInterval)
	set("resume.restore_config.path", c.Resolve(c.BaseModel.Path))
	b.WriteString("    run.run(recipe, direct=True)\n\n\n")
	b.WriteString("if __name__ == \"__main__\":\n    main()\n")

	argv := []string{"python", file}
	r := &Rendered{Release: rel, Script: []byte(b.String()), ConfigFile: file, DatasetRoot: root, Argv: argv, Command: ShellCommand(argv)}
	r.Notes = append(r.Notes,
		fmt.Sprintf("NeMo 2 is configured through NeMo-Run, not Hydra: the launcher builds the %s recipe, trains on a FineTuningDataModule over %s (not the recipe's SQuAD), and maps the LoRA values to peft.dim (rank), peft.alpha, peft.dropout and peft.target_modules.", c.BaseModel.Recipe, root),
		fmt.Sprintf("Stage the data before launching: sophia-eval nemo stage writes %s (%d samples, the train files mixed by weight) and %s there.", StagedTrain, TrainSamples(c), StagedValidation))
	r.Notes = append(r.Notes, notes...)
	return r, nil
}

// pyLiteral writes v as a Python literal: strings and lists of strings in JSON
// syntax, which Python reads alike.
func pyLiteral(v any) string {
	switch x := v.(type) {
	case string, []string:
		j, _ := json.Marshal(x)
		return string(j)
	case float64:
		return formatFloat(x)
	case bool:
		if x {
			return "True"
		}
		return "False"
	}
	return fmt.Sprint(v)
}
