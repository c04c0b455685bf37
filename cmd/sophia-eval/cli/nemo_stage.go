package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/sophia-ai/sophia-eval/nemo"
)

type nemoStageOptions struct {
	dir    string
	format string
}

func newNeMoStageCmd(e *env) *cobra.Command {
	o := &nemoStageOptions{}
	cmd := &cobra.Command{
		Use:   "stage [flags] CONFIG",
		Short: "Write the NeMo 2 dataset root (training.jsonl, validation.jsonl) for a lora.yaml",
		Long: `Stage CONFIG's data for NeMo 2's FineTuningDataModule, which reads
training.jsonl and validation.jsonl with the keys input and output from one
directory (the launcher nemo render writes points at it).

training.jsonl holds ceil(global_batch_size x steps x 1.005) samples, the number
NeMo draws in the run; each train file contributes its sampling weight's share
(largest remainder), taken in passes over the file, each pass in a seeded random
order, and all samples are shuffled together; the seed is training.seed, so the
output is the same for the same config and data. validation.jsonl is the
validation files in order. data.input_key and data.label_key are renamed to input
and output. Both files are written atomically; a bad line is reported as
FILE:LINE and nothing is written.

The config's own hard checks run first: with error findings nothing is staged and
the exit status is 2.`,
		Example: `  sophia-eval nemo stage config/finetune/lora.yaml
  sophia-eval nemo stage --dataset-root /data/sophia-lora config/finetune/lora.yaml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(o.format); err != nil {
				return err
			}
			c, err := loadCheckedNeMoConfig(e, args[0], "staged")
			if err != nil {
				return err
			}
			dir := o.dir
			if dir == "" {
				dir = nemo.DatasetRoot(c)
			}
			st, err := nemo.StageData(cmd.Context(), c, dir)
			if err != nil {
				return err
			}
			if o.format == "json" {
				return writeJSONLine(e.stdout, st)
			}
			for _, f := range []nemo.StagedFile{st.Train, st.Validation} {
				fmt.Fprintf(e.stdout, "wrote %s: %d items\n", f.Path, f.Items)
				for _, s := range f.From {
					if s.Weight > 0 {
						fmt.Fprintf(e.stdout, "  %s: %d (weight %g)\n", s.Path, s.Items, s.Weight)
					} else {
						fmt.Fprintf(e.stdout, "  %s: %d\n", s.Path, s.Items)
					}
				}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.dir, "dataset-root", "", "the dataset root to write (default <output_dir>/<run.name>/dataset, as nemo render assumes)")
	f.StringVarP(&o.format, "format", "f", "text", "output format: text or json")
	return cmd
}
