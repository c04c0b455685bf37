package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sophia-ai/sophia-eval/nemo"
)

type nemoLaunchOptions struct {
	dryRun         bool
	slurm          bool
	resume         bool
	requireGPU     bool
	grace          time.Duration
	log            string
	out            string
	watchInterval  time.Duration
	sampleInterval time.Duration
	format         string
}

func newNeMoLaunchCmd(e *env) *cobra.Command {
	o := &nemoLaunchOptions{}
	cmd := &cobra.Command{
		Use:   "launch [flags] CONFIG",
		Short: "Run the fine-tune: check, GPU pre-flight, render, train, watch the checkpoints",
		Long: `launch runs the fine-tune of CONFIG on this machine:

 1. the checks of nemo check (error findings: exit 2, nothing runs);
 2. the GPU pre-flight (the run's resources.gpus_per_node GPUs, CUDA 12.4
    drivers; error findings: exit 2). Without an NVIDIA driver it is skipped
    with a warning, unless --require-gpu;
 3. render: the NeMo config is written atomically to --out (NeMo 2: the
    launcher, --out with .py);
 4. the trainer, run.trainer (default python) followed by the rendered
    arguments, in its own process group in the current directory. Its output
    goes to stderr and is appended to --log (default <run dir>/launch.log);
 5. while it runs, every checkpoint that lands in <run dir>/checkpoints is
    validated and compared with the previous one, each event printed on stderr
    as it happens; the GPUs are sampled into <run dir>/gpu.csv;
 6. on SIGINT or SIGTERM the trainer gets SIGTERM (NeMo saves a checkpoint),
    then SIGKILL after --grace; no process of its group is left;
 7. a last pass validates the final checkpoints, and the run report is
    written to <run dir>/launch_report.json and launch_report.md.

The run directory is <run.output_dir>/<run.name>. Without --resume a run
directory that already holds checkpoints is refused; --resume passes
exp_manager.resume_if_exists=true and resume_ignore_no_checkpoint=true, and
NeMo continues from the last checkpoint.

--dry-run runs the checks and prints the config it would write and the command
it would run, and runs nothing. --slurm submits the run to Slurm instead.

Exit status: 0 the trainer exited 0 and every checkpoint is valid; 1 the
trainer failed ("trainer exited with code K"; K is in the report) or launch
could not run; 2 check or pre-flight findings, or the trainer succeeded but a
checkpoint failed validation (NaN, truncated, ...); 130 interrupted.
--format json prints the run report.`,
		Example: `  sophia-eval nemo launch config/finetune/lora.yaml
  sophia-eval nemo launch --dry-run config/finetune/lora.yaml
  sophia-eval nemo launch --resume --grace 5m config/finetune/lora.yaml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runNeMoLaunch(cmd, e, o, args[0])
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.dryRun, "dry-run", false, "print what would be written and run, and run nothing")
	f.BoolVar(&o.slurm, "slurm", false, "submit the run to Slurm")
	f.BoolVar(&o.resume, "resume", false, "continue the run from its last checkpoint")
	f.BoolVar(&o.requireGPU, "require-gpu", false, "fail the pre-flight when there is no NVIDIA driver")
	f.DurationVar(&o.grace, "grace", nemo.DefaultGrace, "how long an interrupted trainer may take to save before it is killed")
	f.StringVar(&o.log, "log", "", "append the trainer's output to this file (default <run dir>/launch.log)")
	f.StringVarP(&o.out, "out", "o", nemo.DefaultRenderOut, "where to write the rendered NeMo config")
	f.DurationVar(&o.watchInterval, "watch-interval", 2*time.Second, "time between two scans of the checkpoint directory")
	f.DurationVar(&o.sampleInterval, "sample-interval", nemo.DefaultSampleInterval, "time between two GPU samples")
	f.StringVarP(&o.format, "format", "f", "text", "output format: text or json")
	return cmd
}

func runNeMoLaunch(cmd *cobra.Command, e *env, o *nemoLaunchOptions, config string) error {
	if err := checkFormat(o.format); err != nil {
		return err
	}
	if o.grace <= 0 || o.watchInterval <= 0 || o.sampleInterval <= 0 {
		return errors.New("--grace, --watch-interval and --sample-interval must be positive")
	}
	if o.slurm {
		// The Slurm engine plugs in here: LaunchOptions.Start submits the job and
		// RemoteTrainer is set.
		return errors.New("nemo launch --slurm: not wired yet")
	}
	c, err := nemo.Load(config)
	if err != nil {
		return err
	}
	opts := nemo.LaunchOptions{
		ConfigFile:     o.out,
		Resume:         o.resume,
		Grace:          o.grace,
		WatchInterval:  o.watchInterval,
		LogFile:        o.log,
		Output:         e.stderr,
		OpenGPU:        e.openGPU,
		RequireGPU:     o.requireGPU,
		SampleInterval: o.sampleInterval,
		Now:            e.clock,
		OnEvent: func(ev nemo.LaunchEvent) {
			fmt.Fprintf(e.stderr, "%s %s\n", ev.Time.Format("15:04:05"), ev)
		},
	}
	if o.dryRun {
		return nemoLaunchDryRun(cmd, e, o, c, config, opts)
	}
	rep, err := nemo.Launch(cmd.Context(), c, opts)
	switch {
	case errors.Is(err, nemo.ErrCheckFailed):
		return launchRefused(e, o, rep, func(w io.Writer) { printNeMoFindings(w, config, checkFindingsOf(rep), false) })
	case errors.Is(err, nemo.ErrPreflightFailed):
		return launchRefused(e, o, rep, func(w io.Writer) { printPreflight(w, rep.Preflight) })
	case err != nil:
		return err
	}
	if o.format == "json" {
		if err := rep.WriteJSON(e.stdout); err != nil {
			return err
		}
	} else {
		printLaunchReport(e.stdout, rep)
	}
	switch {
	case rep.Interrupted:
		return &exitError{code: ExitInterrupted, err: errors.New("interrupted: the trainer was stopped")}
	case rep.TrainerFailed():
		return fmt.Errorf("trainer exited with code %d", rep.ExitCode)
	case rep.CheckpointFailed():
		return &exitError{code: ExitFindings, err: fmt.Errorf("%s failed validation", plural(rep.CheckpointErrors, "checkpoint"))}
	}
	return nil
}

// launchRefused prints why the run did not start and exits 2.
func launchRefused(e *env, o *nemoLaunchOptions, rep *nemo.RunReport, print func(io.Writer)) error {
	if o.format == "json" {
		if err := rep.WriteJSON(e.stdout); err != nil {
			return err
		}
	} else {
		print(e.stdout)
	}
	fmt.Fprintf(e.stderr, "sophia-eval: %s: not launched: fix the errors above\n", rep.Run)
	return silentExit(ExitFindings)
}

// checkFindingsOf rebuilds the check findings for printing from the report.
func checkFindingsOf(rep *nemo.RunReport) []nemo.Finding {
	var fs []nemo.Finding
	for _, f := range rep.Check {
		sev := nemo.Warning
		if f.Severity == "error" {
			sev = nemo.Error
		}
		fs = append(fs, nemo.Finding{Severity: sev, Code: f.Code, Path: f.Where, Err: errors.New(f.Message)})
	}
	return fs
}

func nemoLaunchDryRun(cmd *cobra.Command, e *env, o *nemoLaunchOptions, c *nemo.Config, config string, opts nemo.LaunchOptions) error {
	fs, err := nemo.Check(cmd.Context(), c, nemo.CheckOptions{})
	if err != nil {
		return err
	}
	if nemo.HasErrors(fs) {
		printNeMoFindings(e.stdout, config, fs, false)
		fmt.Fprintf(e.stderr, "sophia-eval: %s: not launched: fix the errors above\n", config)
		return silentExit(ExitFindings)
	}
	p, err := nemo.PlanLaunch(c, opts)
	if err != nil {
		return err
	}
	content := p.Rendered.YAML
	what := "Hydra config for megatron_gpt_finetuning.py"
	if content == nil {
		content, what = p.Rendered.Script, "NeMo 2 launcher"
	}
	if o.format == "json" {
		return writeJSONLine(e.stdout, struct {
			ConfigFile    string   `json:"config_file"`
			ConfigBytes   int      `json:"config_bytes"`
			Argv          []string `json:"argv"`
			Command       string   `json:"command"`
			RunDir        string   `json:"run_dir"`
			CheckpointDir string   `json:"checkpoint_dir"`
			LogFile       string   `json:"log_file"`
			ReportJSON    string   `json:"report_json"`
			ReportMD      string   `json:"report_md"`
			Predictions   []string `json:"predictions"`
			Notes         []string `json:"notes"`
		}{p.ConfigFile, len(content), p.Argv, shellJoin(p.Argv), p.RunDir, p.CheckpointDir, p.LogFile,
			p.ReportJSON, p.ReportMD, nonNil(p.Predictions), nonNil(p.Rendered.Notes)})
	}
	w := e.stdout
	fmt.Fprintf(w, "dry run: nothing is written or started\n")
	fmt.Fprintf(w, "would write %s: NeMo %s (container %s) %s, %d lines\n", p.ConfigFile, p.Rendered.Release.NeMo,
		p.Rendered.Release.Tag, what, strings.Count(string(content), "\n"))
	fmt.Fprintf(w, "would run:\n  %s\n", shellJoin(p.Argv))
	fmt.Fprintf(w, "checkpoints: %s\nlog: %s\nreport: %s\n", p.CheckpointDir, p.LogFile, p.ReportMD)
	for _, pr := range p.Predictions {
		fmt.Fprintf(w, "predictions: %s\n", pr)
	}
	for _, n := range p.Rendered.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// shellJoin quotes argv for a POSIX shell.
func shellJoin(argv []string) string {
	parts := make([]string, len(argv))
	for i, a := range argv {
		if a != "" && strings.IndexFunc(a, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=+,:@%", r))
		}) < 0 {
			parts[i] = a
			continue
		}
		parts[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(parts, " ")
}

func printLaunchReport(w io.Writer, rep *nemo.RunReport) {
	state := fmt.Sprintf("trainer exited with code %d", rep.ExitCode)
	if rep.Killed {
		state += ", killed after the grace period"
	}
	if rep.Interrupted {
		state = "interrupted: " + state
	}
	fmt.Fprintf(w, "run %s: %s after %s\n", rep.Run, state, rep.End.Sub(rep.Start).Round(time.Millisecond))
	counts := map[string]int{}
	for _, c := range rep.Checkpoints {
		counts[c.Status]++
	}
	var parts []string
	for _, s := range []string{nemo.StatusValid, nemo.StatusInvalid, nemo.StatusError, nemo.StatusUnfinished, nemo.StatusRemoved} {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
		}
	}
	if len(parts) == 0 {
		parts = []string{"none"}
	}
	fmt.Fprintf(w, "checkpoints: %s\n", strings.Join(parts, ", "))
	for _, c := range rep.Checkpoints {
		if !c.Failed() {
			continue
		}
		why := c.Error
		if len(c.Findings) > 0 {
			why = c.Findings[0].Message
		} else if c.Compared != nil && len(c.Compared.Findings) > 0 {
			why = "compared with " + c.Compared.Prev + ": " + c.Compared.Findings[0].Message
		}
		fmt.Fprintf(w, "  FAILED %s (step %d, %d NaN, %d Inf): %s\n", c.Name, c.Step, c.NaN, c.Inf, why)
	}
	for _, p := range rep.Predictions {
		state := "written"
		if !p.Exists {
			state = "not written"
		}
		fmt.Fprintf(w, "predictions: %s (%s)\n", p.Path, state)
	}
	if rep.GPU != nil {
		fmt.Fprintf(w, "gpu: %d sample rounds in %s\n", rep.GPU.Rounds, rep.GPUSeries)
	} else if rep.GPUNote != "" {
		fmt.Fprintf(w, "gpu: %s\n", rep.GPUNote)
	}
	fmt.Fprintf(w, "log: %s\n", rep.LogFile)
	fmt.Fprintf(w, "report: %s/%s, %s\n", rep.RunDir, nemo.LaunchReportMD, nemo.LaunchReportJSON)
}
