package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/sophia-ai/sophia-eval/checkpoint"
)

type diffOptions struct {
	format         string
	normFactor     float64
	workers        int
	allowNonFinite bool
}

func newCheckpointDiffCmd(e *env) *cobra.Command {
	o := &diffOptions{}
	cmd := &cobra.Command{
		Use:   "diff [flags] OLDER NEWER",
		Short: "Compare two checkpoints of one training run",
		Long: `Validate two checkpoints (any layout verify reads) and compare the newer with
the older:
  tensor_missing, tensor_added   a tensor is only in one of them (error)
  shape_changed, dtype_changed   a tensor changed its shape or dtype (error)
  new_nonfinite                  a tensor without NaN/Inf now has some (error)
  weights_unchanged              no tensor's bytes changed: training did not
                                 update anything (warning)
  norm_jump                      a tensor's L2 norm grew or shrank by more than
                                 --norm-factor, or fell to 0 (warning)
Findings of the two validations are printed too.

Exit codes: 0 both valid and no error in the comparison; 2 an error finding; 1
a checkpoint could not be read or bad usage; 130 interrupted.`,
		Example: `  sophia-eval checkpoint diff step=1000.safetensors step=2000.safetensors
  sophia-eval checkpoint diff --format json --norm-factor 4 run/checkpoint-500 run/checkpoint-1000`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDiff(cmd.Context(), e, o, args[0], args[1])
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.format, "format", "f", "text", "output format: text or json")
	f.Float64Var(&o.normFactor, "norm-factor", checkpoint.DefaultNormFactor, "warn when a tensor's L2 norm changes by more than this factor (> 1)")
	f.IntVar(&o.workers, "workers", 0, "scanning goroutines per file (0 = all cores)")
	f.BoolVar(&o.allowNonFinite, "allow-nonfinite", false, "report NaN and infinite values as warnings in the validations")
	return cmd
}

func runDiff(ctx context.Context, e *env, o *diffOptions, a, b string) error {
	if err := checkFormat(o.format); err != nil {
		return err
	}
	if o.workers < 0 {
		return fmt.Errorf("invalid --workers %d: want 0 or more", o.workers)
	}
	c := checkpoint.Config{Workers: o.workers, AllowNonFinite: o.allowNonFinite, Logger: e.log}
	d, err := checkpoint.DiffPaths(ctx, a, b, c, checkpoint.DiffConfig{NormFactor: o.normFactor})
	if err != nil {
		return err
	}
	valid := d.Valid() && d.Prev.Valid() && d.Next.Valid()
	if o.format == "json" {
		if err := writeJSONLine(e.stdout, diffJSON(d, valid)); err != nil {
			return err
		}
	} else {
		printDiff(e.stdout, d)
	}
	if !valid {
		return silentExit(ExitFindings)
	}
	return nil
}

type diffSummaryJSON struct {
	Common          int  `json:"common"`
	Changed         int  `json:"changed"`
	Unchanged       int  `json:"unchanged"`
	Missing         int  `json:"missing"`
	Added           int  `json:"added"`
	DigestsCompared bool `json:"digests_compared"`
	NormsCompared   bool `json:"norms_compared"`
}

type diffJSONT struct {
	Older    reportJSONT     `json:"older"`
	Newer    reportJSONT     `json:"newer"`
	Valid    bool            `json:"valid"`
	Findings []findingJSON   `json:"findings"`
	Summary  diffSummaryJSON `json:"summary"`
}

func findingsJSON(fs []checkpoint.Finding) []findingJSON {
	out := []findingJSON{}
	for i := range fs {
		f := &fs[i]
		out = append(out, findingJSON{Severity: f.Severity.String(), Code: f.Code, File: f.File,
			Tensor: f.Tensor, Offset: f.Offset, Message: f.Message()})
	}
	return out
}

func diffJSON(d *checkpoint.DiffReport, valid bool) diffJSONT {
	s := d.Summary
	return diffJSONT{Older: reportJSON(d.Prev, true), Newer: reportJSON(d.Next, true), Valid: valid,
		Findings: findingsJSON(d.Findings),
		Summary: diffSummaryJSON{Common: s.Common, Changed: s.Changed, Unchanged: s.Unchanged,
			Missing: s.Missing, Added: s.Added, DigestsCompared: s.DigestsCompared, NormsCompared: s.NormsCompared}}
}

func printDiff(w io.Writer, d *checkpoint.DiffReport) {
	printReport(w, d.Prev, true)
	printReport(w, d.Next, true)
	s := d.Summary
	verdict := "ok"
	if !d.Valid() {
		verdict = "FAILED"
	}
	fmt.Fprintf(w, "%s -> %s: %s (%s in common: %d changed, %d unchanged; %d missing, %d added)\n",
		d.Prev.Path, d.Next.Path, verdict, plural(s.Common, "tensor"), s.Changed, s.Unchanged, s.Missing, s.Added)
	printFindings(w, d.Findings)
}

// printFindings prints findings as the indented lines of printReport.
func printFindings(w io.Writer, fs []checkpoint.Finding) {
	var nerr, nwarn int
	for i := range fs {
		f := &fs[i]
		if f.Severity == checkpoint.Error {
			nerr++
		} else {
			nwarn++
		}
		fmt.Fprintf(w, "  %s %s%s: %s\n", f.Severity, f.Code, findingPlace(f), f.Message())
	}
	if nerr+nwarn > 0 {
		fmt.Fprintf(w, "  %s, %s\n", plural(nerr, "error"), plural(nwarn, "warning"))
	}
}
