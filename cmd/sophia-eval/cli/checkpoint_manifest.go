package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/sophia-ai/sophia-eval/checkpoint"
)

type manifestOptions struct {
	format  string
	workers int
}

func newCheckpointManifestCmd(e *env) *cobra.Command {
	o := &manifestOptions{}
	cmd := &cobra.Command{
		Use:   "manifest [flags] DIR",
		Short: "Write SHA256SUMS and manifest.json for a directory of artifacts",
		Long: `Hash every regular file under DIR (the final adapter with its configs, say) and
write two files into DIR, each atomically (a crash never leaves half a file):
  SHA256SUMS      GNU coreutils format: "sha256sum -c SHA256SUMS" run in DIR
                  verifies it, and so does "sophia-eval checkpoint verify
                  --manifest DIR/SHA256SUMS"
  manifest.json   per file: path, size, sha256, kind, and for safetensors files
                  the tensor count, dtypes and validity
Safetensors files are validated in the same read that hashes them.

Exit codes: 0 written; 1 DIR could not be read or written; 130 interrupted.`,
		Example: `  sophia-eval checkpoint manifest models/finetune/sophia-finetune-2026-11-25`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runManifest(cmd.Context(), e, o, args[0])
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.format, "format", "f", "text", "output format: text or json (the manifest)")
	f.IntVar(&o.workers, "workers", 0, "scanning goroutines per file (0 = all cores)")
	return cmd
}

func runManifest(ctx context.Context, e *env, o *manifestOptions, dir string) error {
	if err := checkFormat(o.format); err != nil {
		return err
	}
	m, err := checkpoint.WriteManifest(ctx, dir, checkpoint.ManifestConfig{Config: checkpoint.Config{Workers: o.workers, Logger: e.log}})
	if err != nil {
		return err
	}
	if o.format == "json" {
		return writeJSONLine(e.stdout, m)
	}
	var size int64
	for _, f := range m.Files {
		size += f.Size
	}
	fmt.Fprintf(e.stdout, "%s: wrote %s and %s (%s, %s)\n", dir, checkpoint.SumsFileName, checkpoint.ManifestFileName,
		plural(len(m.Files), "file"), humanBytes(size))
	printFindings(e.stdout, m.Findings)
	return nil
}

// runVerifyManifest checks dir against a checksum file.
func runVerifyManifest(ctx context.Context, e *env, o *verifyOptions, dir string) (valid bool, err error) {
	mc, err := checkpoint.VerifyManifest(ctx, dir, o.manifest)
	if err != nil {
		return false, err
	}
	if o.format == "json" {
		type fileJSON struct {
			Path   string `json:"path"`
			Line   int    `json:"line"`
			Status string `json:"status"`
			Want   string `json:"sha256"`
			Got    string `json:"actual,omitempty"`
		}
		out := struct {
			Path     string        `json:"path"`
			Manifest string        `json:"manifest"`
			Valid    bool          `json:"valid"`
			Files    []fileJSON    `json:"files"`
			Findings []findingJSON `json:"findings"`
		}{Path: dir, Manifest: mc.Sums, Valid: mc.Valid(), Files: []fileJSON{}, Findings: findingsJSON(mc.Findings)}
		for _, f := range mc.Files {
			out.Files = append(out.Files, fileJSON{Path: f.Path, Line: f.Line, Status: string(f.Status), Want: f.Want, Got: f.Got})
		}
		return mc.Valid(), writeJSONLine(e.stdout, out)
	}
	ok := 0
	for _, f := range mc.Files {
		if f.Status == checkpoint.FileOK {
			ok++
		}
	}
	verdict := "OK"
	if !mc.Valid() {
		verdict = "FAILED"
	}
	if !o.quiet || !mc.Valid() {
		fmt.Fprintf(e.stdout, "%s: %s against %s (%d of %s match)\n", dir, verdict, mc.Sums, ok, plural(len(mc.Files), "file"))
		printFindings(e.stdout, mc.Findings)
	}
	return mc.Valid(), nil
}
