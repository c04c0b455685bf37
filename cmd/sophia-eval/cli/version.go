package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/sophia-ai/sophia-eval/bleu"
)

// version is set at build time with -ldflags "-X .../cli.version=v1.2.3"; otherwise the
// module version from the build information is used.
var version = ""

func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

func newVersionCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of sophia-eval and of the reference implementations it reproduces",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "sophia-eval %s (%s %s/%s)\nsacreBLEU %s (BLEU)\n",
				buildVersion(), runtime.Version(), runtime.GOOS, runtime.GOARCH, bleu.Version)
			return err
		},
	}
}
