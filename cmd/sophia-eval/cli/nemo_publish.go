package cli

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/sophia-ai/sophia-eval/checkpoint"
	"github.com/sophia-ai/sophia-eval/nemo"
)

type nemoPublishOptions struct {
	config     string
	registry   string
	version    string
	checkpoint string
	rendered   string
	metrics    string
	workers    int
	dryRun     bool
	format     string
}

func newNeMoPublishCmd(e *env) *cobra.Command {
	o := &nemoPublishOptions{}
	cmd := &cobra.Command{
		Use:   "publish [flags] RUN_DIR",
		Short: "Version a run's final adapter and configs with checksums (runbook step 5)",
		Long: `Publish the final adapter of the NeMo run directory RUN_DIR (<output_dir>/<name>/)
with its configs as REGISTRY/VERSION (models/finetune/sophia-finetune-<date>/):

  adapter/<checkpoint>           the final adapter (file or directory)
  configs/hparams.yaml           RUN_DIR/hparams.yaml, when present
  configs/sophia_lora.yaml|.py   the rendered NeMo config, when found
  configs/lora.yaml              the --config file
  reports/launch_report.json     RUN_DIR/launch_report.json, when present
  reports/finetune_metrics.json  the metrics of sophia-eval score, when present
  release.json                   version, date, source, base model, LoRA
                                 settings, files with size and sha256,
                                 validation summary, metrics
  SHA256SUMS, manifest.json      as "sophia-eval checkpoint manifest" writes them

The final adapter is the .nemo file NeMo 1.x writes at the end of training,
else the -last checkpoint, else the checkpoint with the highest step; --checkpoint
names another. It is validated as "checkpoint verify" does: an error finding
refuses it. The version is built under a temporary name in the registry and
renamed into place when complete; an existing version is never overwritten.

REGISTRY is --registry, else artifacts.registry of --config, else
models/finetune/; VERSION is --version, else artifacts.version, else
sophia-finetune-<today>. See docs/publish.md.

Exit codes: 0 published (or, with --dry-run, publishable); 2 the adapter failed
validation, nothing written; 1 the version exists, or any other error, nothing
written; 130 interrupted, nothing written.`,
		Example: `  sophia-eval nemo publish --config config/finetune/lora.yaml results/sophia-lora/sophia-lora-dev
  sophia-eval nemo publish --dry-run --version sophia-finetune-2026-11-25 results/sophia-lora/sophia-lora-dev
  sophia-eval nemo publish --checkpoint results/run/checkpoints/run--val_loss=0.871-step=600-consumed_samples=19200.0.ckpt results/run`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(o.format); err != nil {
				return err
			}
			if o.workers < 0 {
				return fmt.Errorf("invalid --workers %d: want 0 or more", o.workers)
			}
			opts := nemo.PublishOptions{
				ConfigFile: o.config, Registry: o.registry, Version: o.version, Checkpoint: o.checkpoint,
				RenderedConfig: o.rendered, Metrics: o.metrics, DryRun: o.dryRun,
				Validate: checkpoint.Config{Workers: o.workers, Logger: e.log}, Logger: e.log,
			}
			if e.now != nil {
				opts.Time = e.now()
			}
			pub, err := nemo.Publish(cmd.Context(), args[0], opts)
			if errors.Is(err, nemo.ErrInvalidAdapter) {
				// Refused: the findings on stdout (a layout the validator does not
				// know has none: the error says it), the verdict on stderr.
				if pub != nil && o.format == "json" {
					if werr := writeJSONLine(e.stdout, publishJSON(pub, false)); werr != nil {
						return werr
					}
				}
				if pub == nil || pub.Report == nil {
					return &exitError{code: ExitFindings, err: err}
				}
				if o.format != "json" {
					printReport(e.stdout, pub.Report, false)
				}
				fmt.Fprintf(e.stderr, "sophia-eval: %s: not published: the adapter failed validation\n", pub.Report.Path)
				return silentExit(ExitFindings)
			}
			if err != nil {
				return err
			}
			if o.format == "json" {
				return writeJSONLine(e.stdout, publishJSON(pub, !pub.DryRun))
			}
			printPublished(e.stdout, pub)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.config, "config", "", "the run's lora.yaml: run name, registry, version, base model and LoRA settings; copied")
	f.StringVar(&o.registry, "registry", "", "directory of the versions (default artifacts.registry of --config, else models/finetune/)")
	f.StringVar(&o.version, "version", "", "version name, sophia-finetune-YYYY-MM-DD or -YYYYMMDD (default artifacts.version, else today's)")
	f.StringVar(&o.checkpoint, "checkpoint", "", "the adapter to publish, a file or directory (default: the run's final adapter)")
	f.StringVar(&o.rendered, "rendered-config", "", "the rendered NeMo config (default: the one launch_report.json names, else configs/nemo/sophia_lora.yaml or .py)")
	f.StringVar(&o.metrics, "metrics", "", "metrics JSON to record (default "+nemo.DefaultMetricsFile+" when present)")
	f.IntVar(&o.workers, "workers", 0, "scanning goroutines per file while validating (0 = all cores)")
	f.BoolVar(&o.dryRun, "dry-run", false, "validate the adapter and print what would be published; write nothing")
	f.StringVarP(&o.format, "format", "f", "text", "output format: text or json (release.json's content)")
	return cmd
}

// publishJSONT is the JSON output of nemo publish.
type publishJSONT struct {
	Dir       string                `json:"dir"`
	DryRun    bool                  `json:"dry_run"`
	Published bool                  `json:"published"`
	Manifest  *nemo.PublishManifest `json:"manifest"`
}

func publishJSON(pub *nemo.Published, published bool) publishJSONT {
	return publishJSONT{Dir: pub.Dir, DryRun: pub.DryRun, Published: published, Manifest: pub.Manifest}
}

var selectionText = map[nemo.Selection]string{
	nemo.SelectedNeMo:       "the .nemo adapter written at the end of training",
	nemo.SelectedLast:       "the last checkpoint (-last)",
	nemo.SelectedLatestStep: "the checkpoint with the highest step",
	nemo.SelectedGiven:      "given with --checkpoint",
}

func printPublished(w io.Writer, pub *nemo.Published) {
	m := pub.Manifest
	if pub.DryRun {
		fmt.Fprintf(w, "would publish %s (dry run: nothing written)\n", pub.Dir)
	} else {
		fmt.Fprintf(w, "published %s\n", pub.Dir)
	}
	ck := m.Source.Checkpoint
	fmt.Fprintf(w, "  adapter  %s: %s\n", m.Adapter.Path, selectionText[ck.Selected])
	fmt.Fprintf(w, "           from %s\n", ck.Path)
	v := m.Validation
	fmt.Fprintf(w, "           valid (%s, %s, %s)\n", m.Adapter.Kind, plural(m.Adapter.Tensors, "tensor"), plural(v.Warnings, "warning"))
	for _, f := range v.Findings {
		fmt.Fprintf(w, "           %s %s: %s\n", f.Severity, f.Code, f.Message)
	}
	var size int64
	for _, f := range m.Files {
		size += f.Size
		fmt.Fprintf(w, "  %-8s %s\n", roleLabel(f.Role), f.Path)
	}
	if pub.DryRun {
		fmt.Fprintf(w, "  %s, %s; would add %s, %s and %s\n", plural(len(m.Files), "file"), humanBytes(size),
			nemo.PublishManifestName, checkpoint.SumsFileName, checkpoint.ManifestFileName)
	} else {
		fmt.Fprintf(w, "  %s, %s, with %s, %s and %s\n", plural(len(m.Files), "file"), humanBytes(size),
			nemo.PublishManifestName, checkpoint.SumsFileName, checkpoint.ManifestFileName)
	}
	for _, n := range m.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
	if !pub.DryRun {
		fmt.Fprintf(w, "verify with: sophia-eval checkpoint verify --manifest %s\n", filepath.Join(pub.Dir, checkpoint.SumsFileName))
	}
}

func roleLabel(role string) string {
	switch role {
	case nemo.RoleAdapter:
		return "adapter"
	case nemo.RoleLaunchReport, nemo.RoleMetrics:
		return "report"
	}
	return "config"
}
