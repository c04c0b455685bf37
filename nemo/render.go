package nemo

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
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
}

// Rendered is what a run needs from NeMo's side.
type Rendered struct {
	Release Release
	// YAML is the Hydra config for megatron_gpt_finetuning.py (NeMo 1.x); nil for
	// NeMo 2, which is configured on the command line.
	YAML       []byte
	ConfigFile string
	// Overrides are the command-line overrides; for NeMo 1.x only those for keys
	// missing from the version's YAML, with Hydra's leading +.
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
		return renderNeMo2(c, rel)
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
	var valFiles, valNames []any
	for _, f := range c.Data.Validation {
		valFiles = append(valFiles, c.Resolve(f))
		valNames = append(valNames, strings.TrimSuffix(filepath.Base(f), filepath.Ext(f)))
	}
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
	out = append(out,
		kv{"model.optim.lr", c.Training.LearningRate},
		kv{"model.optim.sched.name", c.Training.Schedule.Name},
		kv{"model.optim.sched.warmup_steps", c.Training.Schedule.WarmupSteps},
		kv{"model.optim.sched.min_lr", c.Training.Schedule.MinLR},
	)
	return out
}

type kv struct {
	path  string
	value any
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
	r.Command = shellCommand(argv)
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
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
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

// shellCommand quotes argv for a POSIX shell, leaving a leading $PWD expandable.
func shellCommand(argv []string) string {
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

// renderNeMo2 renders the nemo llm finetune command (NeMo-Run CLI) with the
// recipe's dotted overrides.
func renderNeMo2(c *Config, rel Release) (*Rendered, error) {
	if c.BaseModel.Recipe == "" {
		return nil, fmt.Errorf("%w: NeMo %s (container %s) needs base_model.recipe, the llm recipe factory (llama3_8b, ...)", ErrRender, rel.NeMo, rel.Tag)
	}
	var mods []any
	for _, m := range c.LoRA.TargetModules {
		mods = append(mods, m)
	}
	vals := []kv{
		{"trainer.num_nodes", c.Resources.Nodes},
		{"trainer.devices", c.Resources.GPUsPerNode},
		{"trainer.max_steps", c.Training.Steps},
		{"trainer.val_check_interval", c.Training.ValCheckInterval},
		{"trainer.strategy.tensor_model_parallel_size", c.BaseModel.TensorParallel},
		{"trainer.strategy.pipeline_model_parallel_size", c.BaseModel.PipelineParallel},
		{"data.seq_length", c.Data.MaxSeqLength},
		{"data.global_batch_size", c.Training.GlobalBatchSize},
		{"data.micro_batch_size", c.Training.MicroBatchSize},
		{"optim.config.lr", c.Training.LearningRate},
		{"optim.lr_scheduler.warmup_steps", c.Training.Schedule.WarmupSteps},
		{"optim.lr_scheduler.min_lr", c.Training.Schedule.MinLR},
		{"peft.dim", c.LoRA.Rank},
		{"peft.alpha", number(c.LoRA.Alpha)},
		{"peft.dropout", c.LoRA.Dropout},
		{"peft.target_modules", mods},
		{"log.log_dir", c.Resolve(c.Run.OutputDir)},
		{"log.name", c.Run.Name},
		{"log.ckpt.save_top_k", c.Training.TopK},
		{"log.ckpt.every_n_train_steps", c.Training.CheckpointInterval},
		{"resume.restore_config.path", c.Resolve(c.BaseModel.Path)},
	}
	argv := []string{"nemo", "llm", "finetune", "--factory", c.BaseModel.Recipe}
	var overrides []string
	for _, v := range vals {
		o := v.path + "=" + hydraLiteral(v.value)
		overrides = append(overrides, o)
	}
	argv = append(argv, overrides...)
	argv = append(argv, "--yes")
	r := &Rendered{Release: rel, Overrides: overrides, Argv: argv, Command: shellCommand(argv)}
	r.Notes = append(r.Notes,
		"NeMo 2 is configured through NeMo-Run, not Hydra: no YAML is written; the LoRA values map to peft.dim (rank), peft.alpha, peft.dropout and peft.target_modules (linear_qkv, linear_proj, linear_fc1, linear_fc2).",
		"The data files are not passed: the recipe's default data module (SQuAD in the llm recipes) would be used. NeMo 2's fine-tuning data module reads training.jsonl and validation.jsonl from a dataset root; stage the train and validation files there under those names and point the recipe's data at it.",
		"--yes (the long form; -y also means --yaml in NeMo-Run) skips the confirmation prompt.")
	return r, nil
}
