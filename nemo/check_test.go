package nemo

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// example loads testdata/lora.yaml with its files copied to a temporary directory,
// so a test case may change them.
func example(t testing.TB) *Config {
	t.Helper()
	c, err := Load("testdata/lora.yaml")
	require.NoError(t, err)
	dir := t.TempDir()
	err = filepath.WalkDir("testdata", func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == "testdata" {
			return err
		}
		rel, _ := filepath.Rel("testdata", p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dir, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, rel), b, 0o644)
	})
	require.NoError(t, err)
	c.Dir = dir
	return c
}

func writeFile(t testing.TB, c *Config, name, content string) {
	t.Helper()
	require.NoError(t, os.WriteFile(filepath.Join(c.Dir, name), []byte(content), 0o644))
}

func f64(v float64) *float64 { return &v }

func TestCheckExampleIsClean(t *testing.T) {
	c := example(t)
	got, err := Check(context.Background(), c, CheckOptions{})
	require.NoError(t, err)
	assert.Empty(t, got)
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name     string
		change   func(t *testing.T, c *Config)
		code     string
		path     string
		sev      Severity
		wantErr  error
		contains string
		file     string
		fileLine int
	}{
		{"rank zero", func(t *testing.T, c *Config) { c.LoRA.Rank = 0 }, CodeRange, "lora.rank", Error, ErrRange, "want at least 1", "", 0},
		{"rank huge", func(t *testing.T, c *Config) { c.LoRA.Rank = 4096; c.LoRA.Alpha = 6000 }, CodeRange, "lora.rank", Error, ErrRange, "at most 1024", "", 0},
		{"dropout one", func(t *testing.T, c *Config) { c.LoRA.Dropout = 1 }, CodeRange, "lora.dropout", Error, ErrRange, "0 <= dropout < 1", "", 0},
		{"alpha negative", func(t *testing.T, c *Config) { c.LoRA.Alpha = -1 }, CodeRange, "lora.alpha", Error, ErrRange, "positive", "", 0},
		{"lr zero", func(t *testing.T, c *Config) { c.Training.LearningRate = 0; c.Training.Schedule.MinLR = 0 }, CodeRange, "training.learning_rate", Error, ErrRange, "0 < lr <= 1", "", 0},
		{"warmup beyond steps", func(t *testing.T, c *Config) { c.Training.Schedule.WarmupSteps = 1000 }, CodeRange, "training.schedule.warmup_steps", Error, ErrRange, "fewer than training.steps", "", 0},
		{"precision", func(t *testing.T, c *Config) { c.Training.Precision = "fp8" }, CodeRange, "training.precision", Error, ErrRange, `"fp8"`, "", 0},
		{"time limit", func(t *testing.T, c *Config) { c.Resources.TimeLimit = "8h" }, CodeRange, "resources.time_limit", Error, ErrRange, "Slurm time", "", 0},
		{"mount without target", func(t *testing.T, c *Config) { c.Resources.Mounts = []string{"/data:/data", "/scratch"} }, CodeRange, "resources.mounts[1]", Error, ErrRange, "SRC:DST", "", 0},
		{"trainer empty", func(t *testing.T, c *Config) { c.Run.Trainer = []string{" "} }, CodeRange, "run.trainer[0]", Error, ErrRange, "is empty", "", 0},
		{"template without label", func(t *testing.T, c *Config) { c.Data.PromptTemplate = "Q: {input}" }, CodeRange, "data.prompt_template", Error, ErrRange, "no {output} field", "", 0},
		{"missing run name", func(t *testing.T, c *Config) { c.Run.Name = "" }, CodeMissing, "run.name", Error, ErrMissing, "required", "", 0},
		{"gpus not divisible", func(t *testing.T, c *Config) { c.BaseModel.TensorParallel = 3 }, CodeParallel, "base_model.tensor_parallel", Error, ErrParallel, "8 GPUs (1 nodes x 8) are not divisible by tensor_parallel x pipeline_parallel = 3 x 1 = 3", "", 0},
		{"batch not divisible", func(t *testing.T, c *Config) { c.Training.GlobalBatchSize = 48 }, CodeBatch, "training.global_batch_size", Error, ErrBatch, "48 is not divisible by micro_batch_size x data-parallel size = 4 x 8 = 32", "", 0},
		{"weights sum", func(t *testing.T, c *Config) { c.Data.Train[1].Weight = f64(0.5) }, CodeWeights, "data.train", Error, ErrWeights, "sum to 1.25", "", 0},
		{"weight missing", func(t *testing.T, c *Config) { c.Data.Train[1].Weight = nil }, CodeWeights, "data.train[1]", Error, ErrWeights, "no weight", "", 0},
		{"weight out of range", func(t *testing.T, c *Config) { c.Data.Train[0].Weight = f64(1.25); c.Data.Train[1].Weight = f64(-0.25) }, CodeWeights, "data.train[1].weight", Error, ErrWeights, "0 < weight <= 1", "", 0},
		{"val interval beyond steps", func(t *testing.T, c *Config) {
			c.Training.ValCheckInterval = 2000
			c.Training.CheckpointInterval = 2000
		}, CodeInterval, "training.val_check_interval", Error, ErrInterval, "beyond training.steps (1000)", "", 0},
		{"checkpoint interval differs on NeMo 1", func(t *testing.T, c *Config) { c.Training.CheckpointInterval = 200 }, CodeCheckpointStep, "training.checkpoint_interval", Warning, ErrCheckpointStep, "after every validation", "", 0},
		{"NeMo 2 name on NeMo 1", func(t *testing.T, c *Config) { c.LoRA.TargetModules[0] = "linear_qkv" }, CodeTargetModule, "lora.target_modules[0]", Error, ErrTargetModule, `the NeMo 1 name of "linear_qkv" is "attention_qkv"`, "", 0},
		{"NeMo 1 name on NeMo 2", func(t *testing.T, c *Config) {
			c.Resources.Container = "nvcr.io/nvidia/nemo:24.09"
			c.LoRA.TargetModules = []string{"linear_qkv", "attention_dense"}
		}, CodeTargetModule, "lora.target_modules[1]", Error, ErrTargetModule, `"linear_proj"`, "", 0},
		{"module typo", func(t *testing.T, c *Config) { c.LoRA.TargetModules[1] = "attention_dens" }, CodeTargetModule, "lora.target_modules[1]", Error, ErrTargetModule, `did you mean "attention_dense"?`, "", 0},
		{"module twice", func(t *testing.T, c *Config) { c.LoRA.TargetModules[1] = "attention_qkv" }, CodeTargetModule, "lora.target_modules[1]", Error, ErrTargetModule, "listed twice", "", 0},
		{"recipe missing on NeMo 2", func(t *testing.T, c *Config) {
			c.Resources.Container = "nvcr.io/nvidia/nemo:25.04"
			c.LoRA.TargetModules = []string{"linear_qkv"}
			c.BaseModel.Recipe = ""
		}, CodeMissing, "base_model.recipe", Error, ErrMissing, "required for nemo llm finetune", "", 0},
		{"container 24.06", func(t *testing.T, c *Config) { c.Resources.Container = "nvcr.io/nvidia/nemo:24.06" }, CodeContainer, "resources.container", Error, ErrContainer, `"24.06" is not a NeMo Framework release; known: 24.01, 24.03, 24.05, 24.07, 24.09`, "", 0},
		{"container without tag", func(t *testing.T, c *Config) { c.Resources.Container = "nvcr.io/nvidia/nemo" }, CodeContainer, "resources.container", Error, ErrContainer, "has no tag", "", 0},
		{"runbook template", func(t *testing.T, c *Config) {
			c.Resources.CommandTemplate = "python -m nemo.collections.llm.finetune --config-path configs/nemo --config-name sophia_lora"
		}, CodeTemplate, "resources.command_template", Error, ErrTemplate, "runs on no NeMo version", "", 0},
		{"hydra template on NeMo 2", func(t *testing.T, c *Config) {
			c.Resources.Container = "nvcr.io/nvidia/nemo:24.12"
			c.LoRA.TargetModules = []string{"linear_qkv"}
			c.Resources.CommandTemplate = "python megatron_gpt_finetuning.py --config-path configs/nemo --config-name sophia_lora"
		}, CodeTemplate, "resources.command_template", Error, ErrTemplate, "not Hydra", "", 0},
		{"unknown metric", func(t *testing.T, c *Config) { c.Evaluation.Metrics[1] = "rouge_l"; c.Evaluation.Gates = nil }, CodeEvaluation, "evaluation.metrics[1]", Error, ErrEvaluation, `did you mean "rougeL"?`, "", 0},
		{"gate without bound", func(t *testing.T, c *Config) { c.Evaluation.Gates[1].Min = nil }, CodeEvaluation, "evaluation.gates[1]", Error, ErrEvaluation, "neither min nor min_delta", "", 0},
		{"registry", func(t *testing.T, c *Config) { c.Artifacts.Registry = "s3://bucket/models/" }, CodeArtifacts, "artifacts.registry", Error, ErrArtifacts, "not under models/finetune/", "", 0},
		{"version", func(t *testing.T, c *Config) { c.Artifacts.Version = "sophia-v2" }, CodeArtifacts, "artifacts.version", Error, ErrArtifacts, "sophia-finetune-<date>", "", 0},
		{"alpha ratio", func(t *testing.T, c *Config) { c.LoRA.Alpha = 128 }, CodeAlphaRatio, "lora.alpha", Warning, ErrAlphaRatio, "is 8", "", 0},
		{"no validation", func(t *testing.T, c *Config) { c.Data.Validation = nil }, CodeNoValidation, "data.validation", Warning, ErrNoValidation, "no validation set", "", 0},
		{"small eval set", func(t *testing.T, c *Config) {
			writeFile(t, c, "data/eval.jsonl", `{"input": "a new question", "output": "x"}`+"\n")
		}, CodeSmallEval, "data.evaluation", Warning, ErrSmallEval, "has 1 items", "", 0},
		{"base model missing", func(t *testing.T, c *Config) { c.BaseModel.Path = "models/nope.nemo" }, CodeFileMissing, "base_model.path", Error, ErrFile, "no such file", "models/nope.nemo", 0},
		{"train file missing", func(t *testing.T, c *Config) {
			require.NoError(t, os.Remove(filepath.Join(c.Dir, "data/train_faq.jsonl")))
		}, CodeFileMissing, "data.train[1].file", Error, ErrFile, "no such file", "data/train_faq.jsonl", 0},
		{"bad JSON line", func(t *testing.T, c *Config) {
			writeFile(t, c, "data/train_faq.jsonl", `{"input": "a", "output": "b"}`+"\n"+`{"input": "a", "output": "b"`+"\n")
		}, CodeJSONL, "data.train[1].file", Error, ErrJSONL, "not a JSON object", "data/train_faq.jsonl", 2},
		{"label key missing", func(t *testing.T, c *Config) {
			writeFile(t, c, "data/train_faq.jsonl", `{"input": "a", "output": "b"}`+"\n\n")
		}, CodeJSONL, "data.train[1].file", Error, ErrJSONL, "empty line", "data/train_faq.jsonl", 2},
		{"label not a string", func(t *testing.T, c *Config) {
			writeFile(t, c, "data/val.jsonl", `{"input": "a", "output": "b"}`+"\n"+`{"input": "q", "answer": "b"}`+"\n")
		}, CodeJSONL, "data.validation[0]", Error, ErrJSONL, `no "output" key`, "data/val.jsonl", 2},
		{"empty file", func(t *testing.T, c *Config) { writeFile(t, c, "data/val.jsonl", "") }, CodeJSONL, "data.validation[0]", Error, ErrJSONL, "empty", "data/val.jsonl", 0},
		{"eval leak", func(t *testing.T, c *Config) {
			b, err := os.ReadFile(filepath.Join(c.Dir, "data/train_faq.jsonl"))
			require.NoError(t, err)
			first, _, _ := strings.Cut(string(b), "\n")
			eval, err := os.ReadFile(filepath.Join(c.Dir, "data/eval.jsonl"))
			require.NoError(t, err)
			lines := strings.SplitAfter(string(eval), "\n")
			lines[6] = first + "\n"
			writeFile(t, c, "data/eval.jsonl", strings.Join(lines, ""))
		}, CodeLeak, "data.evaluation[0]", Error, ErrLeak, "(data/train_faq.jsonl:1)", "data/eval.jsonl", 7},
		{"eval leak up to case and punctuation", func(t *testing.T, c *Config) {
			b, err := os.ReadFile(filepath.Join(c.Dir, "data/train_faq.jsonl"))
			require.NoError(t, err)
			first, _, _ := strings.Cut(string(b), "\n")
			var rec map[string]any
			require.NoError(t, json.Unmarshal([]byte(first), &rec))
			in, _ := rec["input"].(string)
			rec["input"] = "  " + strings.ToUpper(in) + " ?!"
			changed, err := json.Marshal(rec)
			require.NoError(t, err)
			eval, err := os.ReadFile(filepath.Join(c.Dir, "data/eval.jsonl"))
			require.NoError(t, err)
			lines := strings.SplitAfter(string(eval), "\n")
			lines[2] = string(changed) + "\n"
			writeFile(t, c, "data/eval.jsonl", strings.Join(lines, ""))
		}, CodeLeak, "data.evaluation[0]", Error, ErrLeak, "up to case, punctuation and white space (data/train_faq.jsonl:1)", "data/eval.jsonl", 3},
		{"inventory entry missing", func(t *testing.T, c *Config) {
			writeFile(t, c, "orchestration_journal/data/datasets.md", "| Datensatz | Eigentümer | Freigabe |\n|---|---|---|\n"+
				"| data/train_support.jsonl | A | X-1 |\n| data/train_faq.jsonl | A | X-1 |\n| data/eval.jsonl | A | X-1 |\n")
		}, CodeInventory, "data.validation[0]", Error, ErrInventory, "not listed", "orchestration_journal/data/datasets.md", 0},
		{"inventory owner missing", func(t *testing.T, c *Config) {
			writeFile(t, c, "orchestration_journal/data/datasets.md", "| Datensatz | Eigentümer | Freigabe |\n|---|---|---|\n"+
				"| data/train_support.jsonl | A | X-1 |\n| data/train_faq.jsonl | TBD | X-1 |\n| data/val.jsonl | A | X-1 |\n| data/eval.jsonl | A | X-1 |\n")
		}, CodeInventory, "data.train[1].file", Error, ErrInventory, "no owner", "orchestration_journal/data/datasets.md", 4},
		{"inventory approval missing", func(t *testing.T, c *Config) {
			writeFile(t, c, "orchestration_journal/data/datasets.md", "| File | Owner | Approval |\n|---|---|---|\n"+
				"| `data/train_support.jsonl` | A | - |\n| data/train_faq.jsonl | A | X-1 |\n| data/val.jsonl | A | X-1 |\n| data/eval.jsonl | A | X-1 |\n")
		}, CodeInventory, "data.train[0].file", Error, ErrInventory, "no approval reference", "orchestration_journal/data/datasets.md", 3},
		{"inventory missing", func(t *testing.T, c *Config) { c.Data.Inventory = "nope.md" }, CodeInventory, "data.inventory", Error, ErrInventory, "cannot read", "nope.md", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := example(t)
			tt.change(t, c)
			got, err := Check(context.Background(), c, CheckOptions{})
			require.NoError(t, err)
			require.NotEmpty(t, got)
			var codes []string
			for _, f := range got {
				codes = append(codes, f.Code)
			}
			f := got[0]
			for _, g := range got {
				assert.Equal(t, tt.code, g.Code, "only %s findings expected, got %v", tt.code, codes)
				if g.Path == tt.path && f.Path != tt.path {
					f = g
				}
			}
			assert.Equal(t, tt.path, f.Path)
			assert.Equal(t, tt.sev, f.Severity)
			assert.True(t, errors.Is(&f, tt.wantErr), "%v is not %v", f.Err, tt.wantErr)
			assert.Contains(t, f.Error(), tt.contains)
			assert.Equal(t, tt.file, f.File)
			assert.Equal(t, tt.fileLine, f.FileLine)
			assert.Equal(t, tt.sev == Error, HasErrors(got))
		})
	}
}

func TestFindingLine(t *testing.T) {
	c := example(t)
	c.LoRA.Rank = 0
	got := CheckConfig(c)
	require.NotEmpty(t, got)
	assert.Equal(t, "lora.rank", got[0].Path)
	assert.Equal(t, 30, got[0].Line)
	assert.Equal(t, "lora.rank (line 30): lora.rank is 0; want at least 1", got[0].Error())
}

func TestCheckCancelled(t *testing.T) {
	c := example(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Check(ctx, c, CheckOptions{})
	require.ErrorIs(t, err, context.Canceled)
}

func TestParseInventory(t *testing.T) {
	b, err := os.ReadFile("testdata/orchestration_journal/data/datasets.md")
	require.NoError(t, err)
	got := ParseInventory(b)
	require.Len(t, got, 4)
	assert.Equal(t, InventoryEntry{Path: "data/train_support.jsonl", Split: "Train", Owner: "Team Support (M. Keller)", Approval: "DSB-2026-041", Line: 5}, got[0])
	assert.Empty(t, ParseInventory([]byte("| a | b |\n|---|---|\n| x | y |\n")))
}

func TestCheckMinimalConfig(t *testing.T) {
	c, err := Parse([]byte("run: {name: r, output_dir: out}\n"))
	require.NoError(t, err)
	var missing []string
	for _, f := range CheckConfig(c) {
		if f.Code == CodeMissing {
			missing = append(missing, f.Path)
		}
		assert.NotEqual(t, CodeRange, f.Code, "%v", &f)
	}
	assert.ElementsMatch(t, []string{"base_model.path", "data.train", "lora.target_modules", "resources.container",
		"lora.rank", "lora.alpha", "training.steps", "training.global_batch_size", "training.micro_batch_size",
		"training.learning_rate", "training.val_check_interval", "training.checkpoint_interval", "artifacts.version"}, missing)
}
