package nemo

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Config is config/finetune/lora.yaml. Field comments give the YAML key; docs/nemo.md
// is the reference for users.
type Config struct {
	Run        Run        `yaml:"run"`
	BaseModel  BaseModel  `yaml:"base_model"`
	Data       Data       `yaml:"data"`
	LoRA       LoRA       `yaml:"lora"`
	Training   Training   `yaml:"training"`
	Resources  Resources  `yaml:"resources"`
	Evaluation Evaluation `yaml:"evaluation"`
	Artifacts  Artifacts  `yaml:"artifacts"`

	// Pos maps the dotted path of every key in the file ("lora.rank",
	// "data.train[1].weight") to where it stands. Filled by Parse.
	Pos map[string]Pos `yaml:"-"`
	// Dir is the directory relative paths in the config are resolved against (the
	// config file's directory). Filled by Load; "" means the working directory.
	Dir string `yaml:"-"`
}

// Pos is a position in the YAML file, 1-based.
type Pos struct{ Line, Column int }

// Run names the run.
type Run struct {
	Name      string `yaml:"name"`       // run name (exp_manager name)
	OutputDir string `yaml:"output_dir"` // where NeMo writes logs and checkpoints
	// Trainer is the program that runs the rendered NeMo script in place of
	// "python": for example [torchrun, --nproc_per_node=8], or a stand-in trainer
	// in tests. The rendered arguments (script, config) follow it. Default: python.
	Trainer []string `yaml:"trainer"`
}

// BaseModel is the model the adapter is trained on.
type BaseModel struct {
	Path             string `yaml:"path"`              // .nemo file or unpacked directory
	TensorParallel   int    `yaml:"tensor_parallel"`   // TP size; default 1
	PipelineParallel int    `yaml:"pipeline_parallel"` // PP size; default 1
	// Recipe is the NeMo 2 recipe factory (llama3_8b, mistral_7b, ...); needed for
	// NeMo 2 containers (24.09 and later) only.
	Recipe string `yaml:"recipe"`
}

// TrainFile is one training file and its sampling weight.
type TrainFile struct {
	File   string   `yaml:"file"`
	Weight *float64 `yaml:"weight"`
}

// Data says what is trained and evaluated on.
type Data struct {
	Train          []TrainFile `yaml:"train"`
	Validation     []string    `yaml:"validation"`
	Evaluation     []string    `yaml:"evaluation"`
	PromptTemplate string      `yaml:"prompt_template"` // default "{input} {output}"
	InputKey       string      `yaml:"input_key"`       // default "input"
	LabelKey       string      `yaml:"label_key"`       // default "output"
	MaxSeqLength   int         `yaml:"max_seq_length"`  // default 2048
	Inventory      string      `yaml:"inventory"`       // default orchestration_journal/data/datasets.md
}

// LoRA holds the adapter's hyperparameters.
type LoRA struct {
	Rank          int      `yaml:"rank"`
	Alpha         float64  `yaml:"alpha"`
	Dropout       float64  `yaml:"dropout"`
	TargetModules []string `yaml:"target_modules"`
}

// Schedule is the learning-rate schedule.
type Schedule struct {
	Name        string  `yaml:"name"`         // default CosineAnnealing
	WarmupSteps int     `yaml:"warmup_steps"` // default 50
	MinLR       float64 `yaml:"min_lr"`       // default 0
}

// Training holds the trainer's settings.
type Training struct {
	Steps              int      `yaml:"steps"`
	GlobalBatchSize    int      `yaml:"global_batch_size"`
	MicroBatchSize     int      `yaml:"micro_batch_size"`
	LearningRate       float64  `yaml:"learning_rate"`
	Schedule           Schedule `yaml:"schedule"`
	Precision          string   `yaml:"precision"`           // default bf16-mixed
	ValCheckInterval   int      `yaml:"val_check_interval"`  // steps between validations
	CheckpointInterval int      `yaml:"checkpoint_interval"` // steps between checkpoints
	TopK               int      `yaml:"top_k"`               // checkpoints kept; default 1
	Seed               int      `yaml:"seed"`                // default 1234
}

// Resources says where the run goes.
type Resources struct {
	Nodes       int    `yaml:"nodes"`         // default 1
	GPUsPerNode int    `yaml:"gpus_per_node"` // default 1
	Container   string `yaml:"container"`     // nvcr.io/nvidia/nemo:<tag>
	Partition   string `yaml:"partition"`
	Account     string `yaml:"account"`
	TimeLimit   string `yaml:"time_limit"` // Slurm time, e.g. 08:00:00 or 1-00:00:00
	// Mounts are the container mounts for pyxis (srun --container-mounts), each
	// SRC:DST or SRC:DST:FLAGS.
	Mounts []string `yaml:"mounts"`
	// CommandTemplate is an optional launch command the team wants to use; check
	// flags templates that do not run on the container's NeMo version.
	CommandTemplate string `yaml:"command_template"`
}

// Gate is one acceptance gate.
type Gate struct {
	Metric   string   `yaml:"metric"`
	Min      *float64 `yaml:"min"`       // absolute lower bound
	MinDelta *float64 `yaml:"min_delta"` // lower bound on fine-tuned minus baseline
}

// Evaluation says how the fine-tuned model is judged.
type Evaluation struct {
	BaselinePredictions string   `yaml:"baseline_predictions"`
	Metrics             []string `yaml:"metrics"`
	Gates               []Gate   `yaml:"gates"`
}

// Artifacts says where the final adapter is versioned.
type Artifacts struct {
	Registry string `yaml:"registry"` // default models/finetune/
	Version  string `yaml:"version"`  // sophia-finetune-<date>
}

// Defaults used when a key is absent.
const (
	DefaultInputKey       = "input"
	DefaultLabelKey       = "output"
	DefaultPromptTemplate = "{input} {output}"
	DefaultMaxSeqLength   = 2048
	DefaultInventory      = "orchestration_journal/data/datasets.md"
	DefaultPrecision      = "bf16-mixed"
	DefaultRegistry       = "models/finetune/"
	DefaultSchedule       = "CosineAnnealing"
	DefaultSeed           = 1234
)

// applyDefaults fills absent values. It is called by Parse after decoding.
func (c *Config) applyDefaults() {
	set := func(p *int, v int, path string) {
		if _, ok := c.Pos[path]; !ok && *p == 0 {
			*p = v
		}
	}
	set(&c.BaseModel.TensorParallel, 1, "base_model.tensor_parallel")
	set(&c.BaseModel.PipelineParallel, 1, "base_model.pipeline_parallel")
	set(&c.Data.MaxSeqLength, DefaultMaxSeqLength, "data.max_seq_length")
	set(&c.Resources.Nodes, 1, "resources.nodes")
	set(&c.Resources.GPUsPerNode, 1, "resources.gpus_per_node")
	set(&c.Training.TopK, 1, "training.top_k")
	set(&c.Training.Seed, DefaultSeed, "training.seed")
	set(&c.Training.Schedule.WarmupSteps, 50, "training.schedule.warmup_steps")
	str := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	str(&c.Data.InputKey, DefaultInputKey)
	str(&c.Data.LabelKey, DefaultLabelKey)
	str(&c.Data.PromptTemplate, DefaultPromptTemplate)
	str(&c.Data.Inventory, DefaultInventory)
	str(&c.Training.Precision, DefaultPrecision)
	str(&c.Training.Schedule.Name, DefaultSchedule)
	str(&c.Artifacts.Registry, DefaultRegistry)
}

// Sentinels of loading.
var (
	ErrSyntax     = errors.New("nemo: lora.yaml is not valid YAML")
	ErrUnknownKey = errors.New("nemo: unknown key")
	ErrType       = errors.New("nemo: value has the wrong type")
	ErrDuplicate  = errors.New("nemo: duplicate key")
)

// KeyError is a problem with one key of lora.yaml. It unwraps to ErrUnknownKey,
// ErrType or ErrDuplicate.
type KeyError struct {
	Path       string // dotted path of the key ("lora.rnak")
	Line, Col  int
	Suggestion string // closest valid key, "" when none is close
	Detail     string
	Err        error
}

func (e *KeyError) Error() string {
	msg := fmt.Sprintf("line %d column %d: %s: %v", e.Line, e.Col, e.Path, e.Err)
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.Suggestion != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", e.Suggestion)
	}
	return msg
}

// Unwrap returns the sentinel.
func (e *KeyError) Unwrap() error { return e.Err }

// Load reads and parses the config file at path. Relative paths in the config are
// resolved against the file's directory (Config.Dir).
func Load(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	c.Dir = filepath.Dir(path)
	return c, nil
}

// Parse decodes lora.yaml strictly: unknown keys, duplicate keys and values of the
// wrong type are errors (errors.Join of *KeyError) with line, column and, for unknown
// keys, the closest valid key. An empty document is an empty Config.
func Parse(data []byte) (*Config, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSyntax, err)
	}
	c := &Config{Pos: map[string]Pos{}}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		c.applyDefaults()
		return c, nil
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		c.applyDefaults()
		return c, nil
	}
	var errs []error
	walk(root, reflect.TypeOf(*c), "", c.Pos, &errs)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if err := root.Decode(c); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrType, err)
	}
	c.applyDefaults()
	return c, nil
}

// walk checks n against the YAML shape of t, records key positions and collects
// unknown keys and wrong kinds.
func walk(n *yaml.Node, t reflect.Type, path string, pos map[string]Pos, errs *[]error) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.Kind == yaml.AliasNode {
		if n.Alias != nil {
			walk(n.Alias, t, path, pos, errs)
		}
		return
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return
	}
	kindErr := func(want string) {
		*errs = append(*errs, &KeyError{Path: orRoot(path), Line: n.Line, Col: n.Column, Err: ErrType,
			Detail: fmt.Sprintf("want %s", want)})
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			kindErr("a mapping")
			return
		}
		fields := yamlFields(t)
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			key := k.Value
			p := joinPath(path, key)
			if seen[key] {
				*errs = append(*errs, &KeyError{Path: p, Line: k.Line, Col: k.Column, Err: ErrDuplicate})
				continue
			}
			seen[key] = true
			f, ok := fields[key]
			if !ok {
				names := make([]string, 0, len(fields))
				for name := range fields {
					names = append(names, name)
				}
				*errs = append(*errs, &KeyError{Path: p, Line: k.Line, Col: k.Column, Err: ErrUnknownKey,
					Suggestion: suggest(key, names), Detail: "valid keys here: " + strings.Join(sorted(names), ", ")})
				continue
			}
			pos[p] = Pos{k.Line, k.Column}
			walk(v, f, p, pos, errs)
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			kindErr("a list")
			return
		}
		for i, e := range n.Content {
			p := path + "[" + strconv.Itoa(i) + "]"
			pos[p] = Pos{e.Line, e.Column}
			walk(e, t.Elem(), p, pos, errs)
		}
	default:
		if n.Kind != yaml.ScalarNode {
			kindErr("a single value")
			return
		}
		var probe any
		switch t.Kind() {
		case reflect.Int:
			var v int
			probe = &v
		case reflect.Float64:
			var v float64
			probe = &v
		case reflect.String:
			var v string
			probe = &v
		}
		numeric := t.Kind() == reflect.Int || t.Kind() == reflect.Float64
		tag := n.ShortTag()
		switch {
		case numeric && tag != "!!int" && tag != "!!float",
			t.Kind() == reflect.Int && tag != "!!int":
			// A quoted number is a string in YAML, and yaml.v3 would truncate 10.5
			// into an int: say so rather than convert.
			kindErr(kindName(t.Kind()))
		case probe != nil:
			if err := n.Decode(probe); err != nil {
				kindErr(kindName(t.Kind()))
			}
		}
	}
}

func kindName(k reflect.Kind) string {
	switch k {
	case reflect.Int:
		return "an integer"
	case reflect.Float64:
		return "a number"
	}
	return "a string"
}

func orRoot(p string) string {
	if p == "" {
		return "(document)"
	}
	return p
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// yamlFields maps the YAML names of t's fields to their types.
func yamlFields(t reflect.Type) map[string]reflect.Type {
	m := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		m[name] = f.Type
	}
	return m
}

func sorted(s []string) []string {
	sort.Strings(s)
	return s
}

// suggest returns the candidate closest to key by edit distance, if it is close
// enough to be a likely typo. It leaves candidates as they are (callers pass
// package-level lists).
func suggest(key string, candidates []string) string {
	cands := slices.Sorted(slices.Values(candidates))
	nkey := suggestNorm.Replace(strings.ToLower(key))
	best, bestD := "", 1<<30
	for _, c := range cands {
		d := editDistance(nkey, suggestNorm.Replace(strings.ToLower(c)))
		if d < bestD {
			best, bestD = c, d
		}
	}
	limit := max(2, len(key)/3)
	if bestD <= limit {
		return best
	}
	// "rank" for "lora_rank": a candidate contained in the key or vice versa.
	for _, c := range cands {
		if strings.Contains(key, c) || strings.Contains(c, key) && len(key) >= 3 {
			return c
		}
	}
	return ""
}

// suggestNorm drops the separators suggest ignores.
var suggestNorm = strings.NewReplacer("_", "", "-", "")

// editDistance is the Levenshtein distance over bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
