package cli

import (
	"github.com/spf13/cobra"
)

func newCheckpointCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "checkpoint",
		Short: "Validate, compare, watch and checksum model checkpoints",
		Long: `Audit the checkpoints a fine-tune writes: safetensors files with every rule of
the reference reader plus NaN/Inf counts, Hugging Face sharded checkpoints, PEFT
LoRA adapters, gzip/zstd-compressed files, NeMo archives and torch.save zips;
compare consecutive checkpoints; follow a training directory; write and check
SHA256SUMS manifests. See docs/checkpoint.md.`,
	}
	cmd.AddCommand(newCheckpointVerifyCmd(e), newCheckpointDiffCmd(e), newCheckpointWatchCmd(e), newCheckpointManifestCmd(e))
	return cmd
}
