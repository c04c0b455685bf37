package cli

import (
	"github.com/spf13/cobra"
)

func newNeMoCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "nemo",
		Short: "Check a LoRA fine-tune config, plan the run, render NeMo configs",
		Long: `Work with config/finetune/lora.yaml, the fine-tune config of the runbook:
check it (exit 0 all hard checks pass, 2 findings), print the planning overview,
render the NeMo experiment config and launch command for the container's NeMo
version. See docs/nemo.md.`,
	}
	cmd.AddCommand(newNeMoCheckCmd(e), newNeMoRenderCmd(e), newNeMoPlanCmd(e), newNeMoStageCmd(e), newNeMoLaunchCmd(e), newNeMoPublishCmd(e))
	return cmd
}
