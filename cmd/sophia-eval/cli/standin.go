package cli

import (
	"github.com/spf13/cobra"

	"github.com/sophia-ai/sophia-eval/internal/standin"
)

// newStandinCmd is the hidden stand-in trainer: run.trainer [sophia-eval,
// standin-trainer] runs it in place of python, so that the demo and tests can
// launch a NeMo-like run anywhere. See docs/launch.md.
func newStandinCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "standin-trainer SCRIPT --config-path=DIR --config-name=NAME [OVERRIDES...]",
		Short: "A stand-in for NeMo's megatron_gpt_finetuning.py (for tests and the demo)",
		Long: `standin-trainer behaves like NeMo 1.x's megatron_gpt_finetuning.py without
training anything: it reads the rendered Hydra config, prints progress lines,
writes checkpoints with NeMo's names and -unfinished markers, keeps the top k,
saves on SIGTERM and exits 0, and writes the predictions file. Faults are
injected with --step-delay, --nan-at, --corrupt-at, --fail-at, --exit-code,
--hang-at, --pause-at/--pause-file, --ignore-sigterm and --spawn-child, or the
SOPHIA_STANDIN_* environment variables. See docs/launch.md.`,
		Hidden:             true,
		DisableFlagParsing: true,
		SilenceUsage:       true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if code := standin.Run(cmd.Context(), args, e.stdout, e.stderr, e.getenv); code != 0 {
				return silentExit(code)
			}
			return nil
		},
	}
}
