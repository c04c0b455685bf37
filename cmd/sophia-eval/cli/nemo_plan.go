package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/sophia-ai/sophia-eval/nemo"
)

type nemoPlanOptions struct {
	format      string
	out         string
	datasetRoot string
}

func newNeMoPlanCmd(e *env) *cobra.Command {
	o := &nemoPlanOptions{}
	cmd := &cobra.Command{
		Use:   "plan [flags] CONFIG",
		Short: "Print the planning overview of a lora.yaml run",
		Long: `Print the planning overview of the run CONFIG describes: GPUs, tensor,
pipeline and data-parallel sizes; effective (global) batch and gradient
accumulation; steps per epoch and epochs covered, overall and per train file
under its sampling weight, from the real line counts; tokens per step (the upper
bound global batch x max_seq_length, and an estimate from the mean item size at
4 bytes per token); the LoRA parameter count from the base model's
model_config.yaml (hidden size, layers, heads, query groups, FFN size,
activation) and the rank and target modules; the number of checkpoints, their
size (adapter weights plus fp32 master copy and Adam moments) and the disk they
take; the rendered launch command; and what is written where.

Nothing is written. The plan is printed even when the config has findings; run
nemo check for those. --format json prints one object.

Exit codes: 0 printed; 1 the config cannot be read or bad usage; 130 interrupted.`,
		Example: `  sophia-eval nemo plan config/finetune/lora.yaml
  sophia-eval nemo plan --format json config/finetune/lora.yaml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(o.format); err != nil {
				return err
			}
			c, err := nemo.Load(args[0])
			if err != nil {
				return err
			}
			data, model, err := nemo.Inspect(cmd.Context(), c)
			if err != nil {
				if cmd.Context().Err() != nil {
					return cmd.Context().Err()
				}
				e.log.Warn("base model", "err", err)
			}
			r, rerr := nemo.Render(c, nemo.RenderOptions{ConfigFile: o.out, DatasetRoot: o.datasetRoot})
			if rerr != nil {
				r = nil
			}
			p := nemo.NewPlan(c, data, model, r)
			if rerr != nil {
				p.Notes = append(p.Notes, "no launch command: "+rerr.Error())
			}
			if err != nil && model == nil {
				p.Notes = append(p.Notes, err.Error())
			}
			if o.format == "json" {
				return writeJSONLine(e.stdout, p)
			}
			printPlan(e.stdout, p)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.format, "format", "f", "text", "output format: text or json")
	f.StringVarP(&o.out, "out", "o", nemo.DefaultRenderOut, "where nemo render writes the NeMo 1.x config (NeMo 2: the launcher, this path with .py)")
	f.StringVar(&o.datasetRoot, "dataset-root", "", "NeMo 2: the staged data directory (default <output_dir>/<run.name>/dataset)")
	return cmd
}

func printPlan(w io.Writer, p *nemo.Plan) {
	fmt.Fprintf(w, "run %s on %s", p.Run, p.Container)
	if p.NeMo != "" {
		fmt.Fprintf(w, " (NeMo %s)", p.NeMo)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "parallelism:      %d GPUs = TP %d x PP %d x DP %d\n", p.GPUs, p.TensorParallel, p.PipelineParallel, p.DataParallel)
	fmt.Fprintf(w, "batch:            global (effective) %d = micro %d x DP %d x %d accumulation steps\n", p.GlobalBatch, p.MicroBatch, p.DataParallel, p.GradAccumulation)
	fmt.Fprintf(w, "steps:            %d; %.4g steps per epoch over %d train items; %.4g epochs\n", p.Steps, p.StepsPerEpoch, p.TrainItems, p.Epochs)
	for _, f := range p.Files {
		if f.Role == nemo.RoleTrain {
			fmt.Fprintf(w, "  %-10s %s: %d items, weight %g, %.4g epochs\n", f.Role, f.Path, f.Items, f.Weight, f.Epochs)
		} else {
			fmt.Fprintf(w, "  %-10s %s: %d items\n", f.Role, f.Path, f.Items)
		}
	}
	fmt.Fprintf(w, "tokens per step:  at most %d (global batch x max_seq_length), about %d from the data\n", p.TokensPerStepMax, p.TokensPerStepEst)
	if p.Model != nil {
		m := p.Model
		fmt.Fprintf(w, "base model:       hidden %d, %d layers, %d heads (%d query groups), FFN %d, %s\n",
			m.HiddenSize, m.NumLayers, m.NumAttentionHeads, max(m.NumQueryGroups, 0), m.FFNHiddenSize, m.Activation)
		fmt.Fprintf(w, "LoRA parameters:  %d (adapter %s)\n", p.LoRAParams, humanBytes(p.AdapterBytes))
		fmt.Fprintf(w, "checkpoints:      %d written, at most %d kept, %s each; disk %s\n", p.Checkpoints, p.Kept, humanBytes(p.CheckpointSize), humanBytes(p.DiskBytes))
	} else {
		fmt.Fprintf(w, "checkpoints:      %d written, at most %d kept\n", p.Checkpoints, p.Kept)
	}
	if p.Command != "" {
		fmt.Fprintf(w, "command:\n  %s\n", p.Command)
	}
	fmt.Fprintln(w, "writes:")
	for _, o := range p.Writes {
		fmt.Fprintf(w, "  %s: %s\n", o.Path, o.What)
	}
	for _, n := range p.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
}
