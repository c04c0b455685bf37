package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
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
	pyxis          bool
	noGRES         bool
	slurmPoll      time.Duration
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
it would run, and runs nothing.

--slurm submits the run to Slurm instead of starting it here: the sbatch script
<run dir>/<run.name>.sbatch asks for resources.nodes nodes with
resources.gpus_per_node tasks and GPUs each (--no-gres leaves the GPU request
out), resources.time_limit, partition and account; its first step runs this
binary's gpu preflight once on every node (--allow-no-driver unless
--require-gpu), then srun runs the trainer (in resources.container with
resources.mounts through pyxis when --pyxis). launch submits it with sbatch
--parsable, follows the job with squeue and scontrol, tails its log
(<run dir>/slurm-<job id>.log) to stderr, watches the checkpoints as they land
(the run directory must be on a file system this machine shares with the
nodes), and on SIGINT or SIGTERM sends the trainer SIGTERM with scancel, then
cancels the job after --grace. An interrupted Slurm job reports exit code 130.
See docs/slurm.md.

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
	f.BoolVar(&o.pyxis, "pyxis", false, "with --slurm: run the trainer in resources.container through pyxis (srun --container-image)")
	f.BoolVar(&o.noGRES, "no-gres", false, "with --slurm: leave --gpus-per-node out of the job (a cluster without GPU GRES)")
	f.DurationVar(&o.slurmPoll, "slurm-poll", 2*time.Second, "with --slurm: time between two looks at the job's state")
	return cmd
}

func runNeMoLaunch(cmd *cobra.Command, e *env, o *nemoLaunchOptions, config string) error {
	if err := checkFormat(o.format); err != nil {
		return err
	}
	if o.grace <= 0 || o.watchInterval <= 0 || o.sampleInterval <= 0 {
		return errors.New("--grace, --watch-interval and --sample-interval must be positive")
	}
	if o.slurmPoll <= 0 {
		return errors.New("--slurm-poll must be positive")
	}
	if !o.slurm && (o.pyxis || o.noGRES) {
		return errors.New("--pyxis and --no-gres need --slurm")
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
	var sl *slurmLaunch
	if o.slurm {
		sl = newSlurmLaunch(e, o, c)
		opts.RemoteTrainer = true
		opts.Start = sl.start
	}
	if o.dryRun {
		return nemoLaunchDryRun(cmd, e, o, c, config, opts, sl)
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

func nemoLaunchDryRun(cmd *cobra.Command, e *env, o *nemoLaunchOptions, c *nemo.Config, config string, opts nemo.LaunchOptions, sl *slurmLaunch) error {
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
	var dr *nemo.SlurmDryRun
	if sl != nil {
		if dr, err = sl.dryRun(p.Argv); err != nil {
			return err
		}
	}
	if o.format == "json" {
		var sj *slurmDryJSON
		if dr != nil {
			sj = &slurmDryJSON{dr.ScriptPath, string(dr.Script), dr.Log, dr.Commands}
		}
		return writeJSONLine(e.stdout, struct {
			ConfigFile    string        `json:"config_file"`
			ConfigBytes   int           `json:"config_bytes"`
			Config        string        `json:"config"`
			Argv          []string      `json:"argv"`
			Command       string        `json:"command"`
			RunDir        string        `json:"run_dir"`
			CheckpointDir string        `json:"checkpoint_dir"`
			LogFile       string        `json:"log_file"`
			ReportJSON    string        `json:"report_json"`
			ReportMD      string        `json:"report_md"`
			Predictions   []string      `json:"predictions"`
			Notes         []string      `json:"notes"`
			Slurm         *slurmDryJSON `json:"slurm,omitempty"`
		}{p.ConfigFile, len(content), string(content), p.Argv, nemo.ShellCommand(p.Argv), p.RunDir, p.CheckpointDir, p.LogFile,
			p.ReportJSON, p.ReportMD, nonNil(p.Predictions), nonNil(p.Rendered.Notes), sj})
	}
	w := e.stdout
	fmt.Fprintf(w, "dry run: nothing is written or started\n")
	fmt.Fprintf(w, "would write %s: NeMo %s (container %s) %s, %d lines:\n", p.ConfigFile, p.Rendered.Release.NeMo,
		p.Rendered.Release.Tag, what, strings.Count(string(content), "\n"))
	printIndented(w, content)
	if dr != nil {
		fmt.Fprintf(w, "would write %s, the sbatch script that runs on Slurm:\n", dr.ScriptPath)
		printIndented(w, dr.Script)
		fmt.Fprintf(w, "would run here (JOBID is the job's ID):\n")
		for _, c := range dr.Commands {
			fmt.Fprintf(w, "  %s  # %s\n", nemo.ShellCommand(c.Argv), c.When)
		}
		fmt.Fprintf(w, "job log: %s\n", dr.Log)
	} else {
		fmt.Fprintf(w, "would run:\n  %s\n", nemo.ShellCommand(p.Argv))
	}
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

type slurmDryJSON struct {
	ScriptPath string              `json:"script_path"`
	Script     string              `json:"script"`
	Log        string              `json:"log"`
	Commands   []nemo.SlurmCommand `json:"commands"`
}

// slurmLaunch is the Slurm side of nemo launch --slurm: it turns the trainer
// command into a job, submits it and follows it.
type slurmLaunch struct {
	e     *env
	o     *nemoLaunchOptions
	c     *nemo.Config
	slurm nemo.Slurm
}

func newSlurmLaunch(e *env, o *nemoLaunchOptions, c *nemo.Config) *slurmLaunch {
	return &slurmLaunch{e: e, o: o, c: c, slurm: nemo.Slurm{Poll: o.slurmPoll}}
}

// scriptPath is <run dir>/<run.name>.sbatch.
func (s *slurmLaunch) scriptPath() string {
	return filepath.Join(nemo.RunDir(s.c), s.c.Run.Name+".sbatch")
}

// job is the Slurm job that runs argv, with this binary's gpu preflight first
// on every node.
func (s *slurmLaunch) job(argv []string, dir string) (nemo.SlurmJob, error) {
	var pre []string
	if exe, err := os.Executable(); err == nil {
		pre = []string{exe, "gpu", "preflight", "--gpus", strconv.Itoa(s.c.Resources.GPUsPerNode)}
		if !s.o.requireGPU {
			pre = append(pre, "--allow-no-driver")
		}
	} else {
		s.e.log.Warn("no GPU pre-flight on the nodes: the path of this binary is unknown", "err", err)
	}
	return nemo.NewSlurmJob(s.c, argv, nemo.SlurmOptions{Dir: dir, Preflight: pre, Pyxis: s.o.pyxis, NoGRES: s.o.noGRES})
}

func (s *slurmLaunch) dryRun(argv []string) (*nemo.SlurmDryRun, error) {
	j, err := s.job(argv, "")
	if err != nil {
		return nil, err
	}
	return s.slurm.DryRun(j, s.scriptPath())
}

// start is LaunchOptions.Start: it writes the script, submits it and returns
// the job, whose log and state changes go to the launch's output and log file
// (Launch serialises writes to lo.Output with its own).
func (s *slurmLaunch) start(ctx context.Context, argv []string, lo nemo.LocalOptions) (nemo.Process, error) {
	j, err := s.job(argv, lo.Dir)
	if err != nil {
		return nil, err
	}
	out := lo.Output
	if out == nil {
		out = io.Discard
	}
	if lo.Log != nil {
		out = io.MultiWriter(out, lo.Log)
	}
	p, err := s.slurm.Launch(ctx, j, s.scriptPath(), nemo.FollowConfig{
		Out: out,
		OnState: func(st nemo.SlurmStatus) {
			s.e.log.Info("slurm job", "id", st.ID, "state", st.State, "reason", st.Reason)
			fmt.Fprintf(out, "%s slurm job %s %s\n", s.e.clock().Format("15:04:05"), st.ID, st.State)
		},
	})
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "%s submitted %s as Slurm job %s\n", s.e.clock().Format("15:04:05"), s.scriptPath(), p.ID)
	return p, nil
}

// printIndented prints text indented by two spaces, a line at a time.
func printIndented(w io.Writer, text []byte) {
	for _, l := range strings.Split(strings.TrimSuffix(string(text), "\n"), "\n") {
		fmt.Fprintf(w, "  %s\n", l)
	}
}
