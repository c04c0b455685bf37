package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/sophia-ai/sophia-eval/internal/atomicfile"
	"github.com/sophia-ai/sophia-eval/nemo"
)

type nemoRenderOptions struct {
	out         string
	datasetRoot string
	format      string
}

func newNeMoRenderCmd(e *env) *cobra.Command {
	o := &nemoRenderOptions{}
	cmd := &cobra.Command{
		Use:   "render [flags] CONFIG",
		Short: "Render the NeMo experiment config and launch command for a lora.yaml",
		Long: `Render CONFIG for the NeMo version of its container (resources.container).

NeMo 1.x containers (24.05, 24.07): writes the Hydra config for
megatron_gpt_finetuning.py to --out (atomically; every key of NeMo's config for
that version, with NeMo's defaults where lora.yaml says nothing) and prints the
command. On 24.05, whose YAML lacks lora_tuning.target_modules and alpha, those
go on the command line as +overrides.

NeMo 2 containers (24.09 and later): writes a Python launcher to --out with the
extension .py (configs/nemo/sophia_lora.py, atomically) and prints the command
(python LAUNCHER). The launcher builds the llm recipe base_model.recipe, replaces
its data module (SQuAD) with a FineTuningDataModule on --dataset-root (default
<output_dir>/<run.name>/dataset), sets the LoRA values under NeMo 2's names
(peft.dim, peft.alpha, peft.dropout, peft.target_modules) and the trainer,
optimizer, log and checkpoint values, and runs the recipe in process. Stage the
data there first with sophia-eval nemo stage.

The config's own hard checks run first (no data files are read): with error
findings nothing is rendered and the exit status is 2.

--format json prints one object: container, nemo, config_file, dataset_root
(NeMo 2 only), argv, command, overrides, notes.`,
		Example: `  sophia-eval nemo render config/finetune/lora.yaml
  sophia-eval nemo render --out configs/nemo/sophia_lora.yaml config/finetune/lora.yaml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(o.format); err != nil {
				return err
			}
			c, err := loadCheckedNeMoConfig(e, args[0], "rendered")
			if err != nil {
				return err
			}
			r, err := nemo.Render(c, nemo.RenderOptions{ConfigFile: o.out, DatasetRoot: o.datasetRoot})
			if err != nil {
				return err
			}
			content := r.YAML
			if content == nil {
				content = r.Script
			}
			if content != nil {
				if err := os.MkdirAll(filepath.Dir(r.ConfigFile), 0o755); err != nil {
					return err
				}
				if err := atomicfile.Write(r.ConfigFile, func(w io.Writer) error {
					_, err := w.Write(content)
					return err
				}); err != nil {
					return err
				}
			}
			if o.format == "json" {
				return writeJSONLine(e.stdout, renderJSON(r))
			}
			printRendered(e.stdout, r)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.out, "out", "o", nemo.DefaultRenderOut, "where to write the NeMo 1.x config (NeMo 2: the launcher, this path with .py)")
	f.StringVar(&o.datasetRoot, "dataset-root", "", "NeMo 2: the staged data directory (default <output_dir>/<run.name>/dataset)")
	f.StringVarP(&o.format, "format", "f", "text", "output format: text or json")
	return cmd
}

type nemoRenderJSON struct {
	Container   string   `json:"container"`
	NeMo        string   `json:"nemo"`
	ConfigFile  string   `json:"config_file,omitempty"`
	DatasetRoot string   `json:"dataset_root,omitempty"`
	Argv        []string `json:"argv"`
	Command     string   `json:"command"`
	Overrides   []string `json:"overrides"`
	Notes       []string `json:"notes"`
}

func renderJSON(r *nemo.Rendered) nemoRenderJSON {
	j := nemoRenderJSON{Container: r.Release.Tag, NeMo: r.Release.NeMo, Argv: r.Argv, Command: r.Command,
		Overrides: r.Overrides, Notes: r.Notes, DatasetRoot: r.DatasetRoot}
	if r.YAML != nil || r.Script != nil {
		j.ConfigFile = r.ConfigFile
	}
	if j.Overrides == nil {
		j.Overrides = []string{}
	}
	if j.Notes == nil {
		j.Notes = []string{}
	}
	return j
}

func printRendered(w io.Writer, r *nemo.Rendered) {
	fmt.Fprintf(w, "container %s: NeMo %s\n", r.Release.Tag, r.Release.NeMo)
	if r.YAML != nil || r.Script != nil {
		fmt.Fprintf(w, "wrote %s\n", r.ConfigFile)
	}
	fmt.Fprintf(w, "command:\n  %s\n", r.Command)
	for _, n := range r.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
}
