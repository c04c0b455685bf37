package cli

import (
	"github.com/spf13/cobra"
)

func newNeMoCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "nemo",
		Short: "Check a LoRA fine-tune config, plan, render, launch (locally or on Slurm) and publish the run",
		Long: `Work with config/finetune/lora.yaml, the fine-tune config of the runbook:
check it (exit 0 all hard checks pass, 2 findings), print the planning overview,
render the NeMo experiment config and launch command for the container's NeMo
version, stage NeMo 2 data, launch the training here or on Slurm while every
checkpoint is validated as it lands, and publish the final adapter with
checksums. See docs/nemo.md, docs/launch.md, docs/slurm.md and docs/publish.md.`,
	}
	cmd.AddCommand(newNeMoCheckCmd(e), newNeMoRenderCmd(e), newNeMoPlanCmd(e), newNeMoStageCmd(e), newNeMoLaunchCmd(e), newNeMoPublishCmd(e))
	return cmd
}
