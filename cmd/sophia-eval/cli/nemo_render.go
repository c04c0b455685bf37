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
	out    string
	format string
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

NeMo 2 containers (24.09 and later): prints the nemo llm finetune --factory
RECIPE ... --yes command with the LoRA values under NeMo 2's names (peft.dim,
peft.alpha, peft.dropout, peft.target_modules); no file is written.

The config's own hard checks run first (no data files are read): with error
findings nothing is rendered and the exit status is 2.

--format json prints one object: container, nemo, config_file (absent for NeMo 2),
argv, command, overrides, notes.`,
		Example: `  sophia-eval nemo render config/finetune/lora.yaml
  sophia-eval nemo render --out configs/nemo/sophia_lora.yaml config/finetune/lora.yaml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(o.format); err != nil {
				return err
			}
			c, err := loadNeMoConfig(args[0])
			if err != nil {
				return err
			}
			if fs := nemo.CheckConfig(c); nemo.HasErrors(fs) {
				printNeMoFindings(e.stderr, args[0], fs, true)
				fmt.Fprintf(e.stderr, "sophia-eval: %s: not rendered: fix the errors above\n", args[0])
				return silentExit(ExitFindings)
			}
			r, err := nemo.Render(c, nemo.RenderOptions{ConfigFile: o.out})
			if err != nil {
				return err
			}
			if r.YAML != nil {
				if err := os.MkdirAll(filepath.Dir(o.out), 0o755); err != nil {
					return err
				}
				if err := atomicfile.Write(o.out, func(w io.Writer) error {
					_, err := w.Write(r.YAML)
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
	f.StringVarP(&o.out, "out", "o", nemo.DefaultRenderOut, "where to write the NeMo 1.x config")
	f.StringVarP(&o.format, "format", "f", "text", "output format: text or json")
	return cmd
}

type nemoRenderJSON struct {
	Container  string   `json:"container"`
	NeMo       string   `json:"nemo"`
	ConfigFile string   `json:"config_file,omitempty"`
	Argv       []string `json:"argv"`
	Command    string   `json:"command"`
	Overrides  []string `json:"overrides"`
	Notes      []string `json:"notes"`
}

func renderJSON(r *nemo.Rendered) nemoRenderJSON {
	j := nemoRenderJSON{Container: r.Release.Tag, NeMo: r.Release.NeMo, Argv: r.Argv, Command: r.Command,
		Overrides: r.Overrides, Notes: r.Notes}
	if r.YAML != nil {
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
	if r.YAML != nil {
		fmt.Fprintf(w, "wrote %s\n", r.ConfigFile)
	}
	fmt.Fprintf(w, "command:\n  %s\n", r.Command)
	for _, n := range r.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
}
