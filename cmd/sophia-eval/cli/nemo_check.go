package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/sophia-ai/sophia-eval/nemo"
)

type nemoCheckOptions struct {
	format       string
	silent       bool
	minEvalItems int
}

func newNeMoCheckCmd(e *env) *cobra.Command {
	o := &nemoCheckOptions{}
	cmd := &cobra.Command{
		Use:   "check [flags] CONFIG",
		Short: "Run the hard checks on a lora.yaml (exit 0 pass, 2 findings)",
		Long: `Check CONFIG (config/finetune/lora.yaml) as the runbook's
scripts/finetune_nemo.py --silent did: value ranges; the global batch divisible
by micro batch x data-parallel size and the GPUs by tensor x pipeline parallel;
one sampling weight per train file, summing to 1; intervals within the steps;
target modules valid for the container's NeMo version; the container tag a
known NeMo release; every data file present and JSONL with the input and label
keys on every line (the first bad line is reported); no validation or evaluation
item verbatim in the training data; every data file in the inventory with an
owner and an approval reference; a command_template that can run. Warnings (the
exit status stays 0): alpha/rank far from 1-2, a small evaluation set, no
validation set, a checkpoint interval NeMo 1.x does not apply.

Each finding names the config path of the offending key, its line, a stable code
and, for data files, the file and line. --silent prints only the findings.
--format json prints one JSON object: config, ok, errors, warnings, findings
(severity, code, path, line, column, file, file_line, message).

Exit codes: 0 no error findings (warnings allowed); 2 error findings; 1 the
config cannot be read (syntax, unknown keys: line, column, did-you-mean) or bad
usage; 130 interrupted.`,
		Example: `  sophia-eval nemo check config/finetune/lora.yaml
  sophia-eval nemo check --silent config/finetune/lora.yaml || echo "fix the findings"
  sophia-eval nemo check --format json config/finetune/lora.yaml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(o.format); err != nil {
				return err
			}
			c, err := nemo.Load(args[0])
			if err != nil {
				return err
			}
			fs, err := nemo.Check(cmd.Context(), c, nemo.CheckOptions{MinEvalItems: o.minEvalItems})
			if err != nil {
				return err
			}
			if o.format == "json" {
				if err := writeJSONLine(e.stdout, checkJSON(args[0], fs)); err != nil {
					return err
				}
			} else {
				printNeMoFindings(e.stdout, args[0], fs, o.silent)
			}
			if nemo.HasErrors(fs) {
				return silentExit(ExitFindings)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.format, "format", "f", "text", "output format: text or json")
	f.BoolVar(&o.silent, "silent", false, "print only the findings, no summary")
	f.IntVar(&o.minEvalItems, "min-eval-items", 100, "warn when the evaluation set has fewer items")
	return cmd
}

type nemoFindingJSON struct {
	Severity string `json:"severity"`
	Code     string `json:"code"`
	Path     string `json:"path,omitempty"`
	Line     int    `json:"line,omitempty"`
	Column   int    `json:"column,omitempty"`
	File     string `json:"file,omitempty"`
	FileLine int    `json:"file_line,omitempty"`
	Message  string `json:"message"`
}

type nemoCheckJSON struct {
	Config   string            `json:"config"`
	OK       bool              `json:"ok"`
	Errors   int               `json:"errors"`
	Warnings int               `json:"warnings"`
	Findings []nemoFindingJSON `json:"findings"`
}

func countFindings(fs []nemo.Finding) (errs, warns int) {
	for _, f := range fs {
		if f.Severity == nemo.Error {
			errs++
		} else {
			warns++
		}
	}
	return errs, warns
}

func nemoFindingsJSON(fs []nemo.Finding) []nemoFindingJSON {
	out := make([]nemoFindingJSON, 0, len(fs))
	for i := range fs {
		f := &fs[i]
		out = append(out, nemoFindingJSON{Severity: f.Severity.String(), Code: f.Code, Path: f.Path, Line: f.Line,
			Column: f.Column, File: f.File, FileLine: f.FileLine, Message: f.Message()})
	}
	return out
}

func checkJSON(path string, fs []nemo.Finding) nemoCheckJSON {
	errs, warns := countFindings(fs)
	return nemoCheckJSON{Config: path, OK: errs == 0, Errors: errs, Warnings: warns, Findings: nemoFindingsJSON(fs)}
}

// printNeMoFindings writes one line per finding:
// CONFIG:LINE: SEVERITY [CODE] PATH: MESSAGE (FILE:LINE)
// loadCheckedNeMoConfig loads config and runs its own hard checks (no files
// read); with error findings it prints them and says the config was not done
// (rendered, staged), and the error exits with ExitFindings.
func loadCheckedNeMoConfig(e *env, config, done string) (*nemo.Config, error) {
	c, err := nemo.Load(config)
	if err != nil {
		return nil, err
	}
	if fs := nemo.CheckConfig(c); nemo.HasErrors(fs) {
		printNeMoFindings(e.stderr, config, fs, true)
		fmt.Fprintf(e.stderr, "sophia-eval: %s: not %s: fix the errors above\n", config, done)
		return nil, silentExit(ExitFindings)
	}
	return c, nil
}

func printNeMoFindings(w io.Writer, config string, fs []nemo.Finding, silent bool) {
	for i := range fs {
		f := &fs[i]
		loc := config
		if f.Line > 0 {
			loc += fmt.Sprintf(":%d", f.Line)
		}
		where := ""
		if f.File != "" {
			where = " (" + f.File
			if f.FileLine > 0 {
				where += fmt.Sprintf(":%d", f.FileLine)
			}
			where += ")"
		}
		path := ""
		if f.Path != "" {
			path = " " + f.Path + ":"
		}
		fmt.Fprintf(w, "%s: %s [%s]%s %s%s\n", loc, f.Severity, f.Code, path, f.Message(), where)
	}
	if silent {
		return
	}
	errs, warns := countFindings(fs)
	if errs == 0 {
		fmt.Fprintf(w, "%s: all hard checks passed (%s)\n", config, plural(warns, "warning"))
		return
	}
	fmt.Fprintf(w, "%s: %s, %s\n", config, plural(errs, "error"), plural(warns, "warning"))
}
