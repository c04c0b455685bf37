package nemo

import (
	"context"
	"fmt"
	"path/filepath"
)

// BytesPerToken is the rough number of UTF-8 bytes per token used for the
// data-based token estimate (typical of BPE tokenizers on European text).
const BytesPerToken = 4

// Plan is the planning overview of a run. Every field is derived from the config,
// the data line counts and the base model's shape; NewPlan computes it without I/O.
type Plan struct {
	Run       string `json:"run"`
	Container string `json:"container"`
	NeMo      string `json:"nemo,omitempty"`

	GPUs             int `json:"gpus"`
	TensorParallel   int `json:"tensor_parallel"`
	PipelineParallel int `json:"pipeline_parallel"`
	DataParallel     int `json:"data_parallel"`
	GlobalBatch      int `json:"global_batch"` // effective batch: samples per optimizer step
	MicroBatch       int `json:"micro_batch"`
	// GradAccumulation is micro-batches per GPU per step: global / (micro x DP).
	GradAccumulation int `json:"grad_accumulation"`

	Steps         int        `json:"steps"`
	TrainItems    int64      `json:"train_items"`
	StepsPerEpoch float64    `json:"steps_per_epoch"` // train items / global batch
	Epochs        float64    `json:"epochs"`          // steps x global batch / train items
	Files         []FilePlan `json:"files"`

	// TokensPerStepMax is global batch x max_seq_length, the upper bound;
	// TokensPerStepEst estimates it from the mean item size (BytesPerToken).
	TokensPerStepMax int64 `json:"tokens_per_step_max"`
	TokensPerStepEst int64 `json:"tokens_per_step_est"`

	Model          *ModelConfig `json:"model,omitempty"`
	LoRAParams     int64        `json:"lora_params"`
	AdapterBytes   int64        `json:"adapter_bytes"`    // adapter weights at the training precision
	CheckpointSize int64        `json:"checkpoint_bytes"` // one training checkpoint: weights + Adam state
	Checkpoints    int          `json:"checkpoints"`      // checkpoints written during the run
	Kept           int          `json:"checkpoints_kept"` // at most on disk at once (top-k + last)
	DiskBytes      int64        `json:"disk_bytes"`       // kept checkpoints + final adapter

	Command string   `json:"command,omitempty"`
	Writes  []Output `json:"writes"`
	Notes   []string `json:"notes"`
}

// FilePlan is one data file in the plan.
type FilePlan struct {
	Path   string  `json:"path"`
	Role   string  `json:"role"`
	Items  int64   `json:"items"`
	Weight float64 `json:"weight,omitempty"`
	// Epochs is how often the training run passes over this file: steps x global
	// batch x weight / items (train files only).
	Epochs float64 `json:"epochs,omitempty"`
}

// Output is one thing the run writes.
type Output struct {
	Path string `json:"path"`
	What string `json:"what"`
}

// Inspect reads what a plan needs from disk: the data files' line counts and the
// base model's model_config.yaml. A missing model config is returned as an error
// next to the data statistics.
func Inspect(ctx context.Context, c *Config) ([]FileStats, *ModelConfig, error) {
	stats, _, err := ScanData(ctx, c)
	if err != nil {
		return stats, nil, err
	}
	m, err := ReadModelConfig(ctx, c.Resolve(c.BaseModel.Path))
	return stats, m, err
}

// NewPlan computes the planning overview. model and r may be nil (the parts that
// need them are left zero and a note says so).
func NewPlan(c *Config, data []FileStats, model *ModelConfig, r *Rendered) *Plan {
	p := &Plan{Run: c.Run.Name, Container: c.Resources.Container, TensorParallel: c.BaseModel.TensorParallel,
		PipelineParallel: c.BaseModel.PipelineParallel, GlobalBatch: c.Training.GlobalBatchSize,
		MicroBatch: c.Training.MicroBatchSize, Steps: c.Training.Steps, Model: model, Files: []FilePlan{}, Notes: []string{}}
	rel, relErr := LookupRelease(c.Resources.Container)
	if relErr == nil {
		p.NeMo = rel.NeMo
	}
	p.GPUs, p.DataParallel = c.Parallel()
	if d := p.MicroBatch * p.DataParallel; d > 0 {
		p.GradAccumulation = p.GlobalBatch / d
	}
	weights := map[string]float64{}
	for _, t := range c.Data.Train {
		if t.Weight != nil {
			weights[t.File] = *t.Weight
		} else if len(c.Data.Train) == 1 {
			weights[t.File] = 1
		}
	}
	var trainBytes int64
	for _, s := range data {
		fp := FilePlan{Path: s.Path, Role: s.Role, Items: s.Items}
		if s.Role == RoleTrain {
			p.TrainItems += s.Items
			trainBytes += s.InputBytes + s.LabelBytes
			fp.Weight = weights[s.Path]
			if s.Items > 0 {
				fp.Epochs = float64(p.Steps) * float64(p.GlobalBatch) * fp.Weight / float64(s.Items)
			}
		}
		p.Files = append(p.Files, fp)
	}
	if p.GlobalBatch > 0 && p.TrainItems > 0 {
		p.StepsPerEpoch = float64(p.TrainItems) / float64(p.GlobalBatch)
		p.Epochs = float64(p.Steps) * float64(p.GlobalBatch) / float64(p.TrainItems)
		mean := float64(trainBytes) / float64(p.TrainItems) / BytesPerToken
		p.TokensPerStepEst = int64(mean*float64(p.GlobalBatch) + 0.5)
	}
	p.TokensPerStepMax = int64(p.GlobalBatch) * int64(c.Data.MaxSeqLength)
	if p.TokensPerStepEst > p.TokensPerStepMax {
		p.TokensPerStepEst = p.TokensPerStepMax
	}

	interval := c.Training.CheckpointInterval
	if relErr == nil && rel.Gen == 1 {
		interval = c.Training.ValCheckInterval // NeMo 1.x saves at validation
	}
	if interval > 0 {
		p.Checkpoints = p.Steps / interval
	}
	p.Kept = p.Checkpoints
	if k := c.Training.TopK; k >= 0 && k < p.Checkpoints {
		p.Kept = k + 1 // the top k and the last
	}
	if model != nil {
		p.LoRAParams = model.LoRAParams(c.LoRA.Rank, c.LoRA.TargetModules)
		wb := int64(2)
		if c.Training.Precision == "32" || c.Training.Precision == "32-true" {
			wb = 4
		}
		p.AdapterBytes = p.LoRAParams * wb
		// weights + fp32 master copy + Adam's two fp32 moments (for 32-bit
		// training the master copy is the weights themselves).
		p.CheckpointSize = p.LoRAParams * (wb + 12)
		if wb == 4 {
			p.CheckpointSize = p.LoRAParams * 12
		}
		p.DiskBytes = int64(p.Kept)*p.CheckpointSize + p.AdapterBytes
	} else {
		p.Notes = append(p.Notes, "the base model's model_config.yaml could not be read: no LoRA parameter count or checkpoint sizes")
	}

	out := c.Resolve(c.Run.OutputDir)
	logDir := filepath.Join(out, c.Run.Name)
	if r != nil {
		p.Command = r.Command
		if r.YAML != nil {
			p.Writes = append(p.Writes, Output{r.ConfigFile, "NeMo experiment config (sophia-eval nemo render)"})
		}
		if r.Script != nil {
			p.Writes = append(p.Writes,
				Output{r.ConfigFile, "NeMo 2 launcher: the recipe on the staged data (sophia-eval nemo render)"},
				Output{filepath.Join(r.DatasetRoot, StagedTrain), fmt.Sprintf("%d training samples, the train files mixed by weight, keys input/output (sophia-eval nemo stage)", TrainSamples(c))},
				Output{filepath.Join(r.DatasetRoot, StagedValidation), "the validation files, keys input/output (sophia-eval nemo stage); NeMo writes its .idx index files next to both"},
			)
		}
	}
	p.Writes = append(p.Writes,
		Output{logDir, "NeMo log directory: nemo_log_globalrank-*.txt, lightning_logs.txt, hparams.yaml, tensorboard events"},
		Output{filepath.Join(logDir, "checkpoints"), fmt.Sprintf("%d checkpoints written, at most %d kept", p.Checkpoints, p.Kept)},
	)
	if relErr == nil && rel.Gen == 1 {
		p.Writes = append(p.Writes, Output{filepath.Join(logDir, "checkpoints", c.Run.Name+".nemo"), "final LoRA adapter (best checkpoint), written at the end of training"})
	}
	p.Writes = append(p.Writes, Output{filepath.ToSlash(filepath.Join(c.Artifacts.Registry, c.Artifacts.Version)) + "/", "versioned adapter and configs (runbook step 5)"})
	return p
}
