package nemo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/sophia-ai/sophia-eval/checkpoint"
	"github.com/sophia-ai/sophia-eval/gpu"
	"github.com/sophia-ai/sophia-eval/internal/atomicfile"
)

// Sentinels of Launch: the run was refused before the trainer started.
var (
	ErrCheckFailed     = errors.New("nemo: the config has errors")
	ErrPreflightFailed = errors.New("nemo: the GPU pre-flight failed")
	ErrRunExists       = errors.New("nemo: the run directory holds checkpoints of an earlier run")
)

// Defaults of LaunchOptions.
const (
	DefaultGrace          = 60 * time.Second
	DefaultSampleInterval = 5 * time.Second
	DefaultLaunchLog      = "launch.log"
)

// Names of the files Launch writes into the run directory.
const (
	LaunchReportJSON = "launch_report.json"
	LaunchReportMD   = "launch_report.md"
	GPUSeriesFile    = "gpu.csv"
)

// LaunchOptions tunes Launch. The zero value launches the trainer locally with
// the defaults.
type LaunchOptions struct {
	// Dir is the trainer's working directory, and the directory a relative
	// ConfigFile or LogFile is taken against. Default: the current directory.
	Dir string
	// ConfigFile is where the rendered config is written (for NeMo 2 the launcher,
	// with the extension .py). Default: DefaultRenderOut.
	ConfigFile string
	// DatasetRoot is the NeMo 2 dataset root (RenderOptions.DatasetRoot).
	DatasetRoot string
	// Check tunes the config check that runs first.
	Check CheckOptions
	// Resume continues the run from its last checkpoint: the trainer gets
	// exp_manager.resume_if_exists=true and resume_ignore_no_checkpoint=true. Without
	// it Launch refuses a run directory that already holds checkpoints
	// (ErrRunExists). Default: false.
	Resume bool
	// Grace is how long an interrupted trainer may take to save and exit before its
	// process group is killed. Default: DefaultGrace (NeMo's save can take a while).
	Grace time.Duration
	// WatchInterval and WatchStableFor are the checkpoint watch's
	// checkpoint.WatchConfig Interval and StableFor. Default: that package's.
	WatchInterval  time.Duration
	WatchStableFor int
	// Checkpoint is the validation config of each checkpoint; statistics and
	// digests are always on. Default: the zero Config.
	Checkpoint checkpoint.Config
	// LogFile receives the trainer's output, appended. Default:
	// <run dir>/launch.log.
	LogFile string
	// Output receives the trainer's output as it comes (the terminal). Writes to it
	// are serialised with the OnEvent calls. Default: discarded.
	Output io.Writer
	// OnEvent is called for each event of the launch as it happens (checkpoint
	// events, the trainer's start and end, interruption), one at a time. Default: nil.
	OnEvent func(LaunchEvent)
	// OpenGPU opens the GPUs for the pre-flight and the sampling. Default: gpu.Open.
	OpenGPU func() (gpu.System, error)
	// Requirements are the pre-flight's; GPUs 0 means resources.gpus_per_node.
	Requirements gpu.Requirements
	// RequireGPU makes a machine without an NVIDIA driver fail the pre-flight;
	// otherwise the pre-flight and the sampling are skipped with a note.
	// Default: false.
	RequireGPU bool
	// RemoteTrainer says the trainer does not run on this machine (Slurm): no local
	// pre-flight and no local GPU sampling. Default: false.
	RemoteTrainer bool
	// SampleInterval is the time between two GPU samples. Default:
	// DefaultSampleInterval.
	SampleInterval time.Duration
	// Start starts the trainer. Default: StartLocal.
	Start func(ctx context.Context, argv []string, o LocalOptions) (Process, error)
	// Env is the trainer's environment. Default: this process's.
	Env []string
	// Now is the clock of the report. Default: time.Now.
	Now func() time.Time
}

// LaunchEvent is one thing that happened during a launch.
type LaunchEvent struct {
	Time time.Time
	// Watch is a checkpoint event; nil for a message.
	Watch *checkpoint.Event
	// Message says what the launch did: "trainer started (pid 123)",
	// "interrupting the trainer (SIGTERM)", notes such as "no NVIDIA driver:
	// pre-flight skipped". Empty for a checkpoint event.
	Message string
}

// LaunchPlan is what a launch writes and runs, without running it.
type LaunchPlan struct {
	Rendered *Rendered
	// Argv is the trainer's command: run.trainer (default python) and the rendered
	// arguments, plus the resume overrides.
	Argv []string
	// ConfigFile is the rendered config's absolute path.
	ConfigFile string
	// RunDir is <output_dir>/<run.name>; CheckpointDir its checkpoints/.
	RunDir        string
	CheckpointDir string
	LogFile       string
	// ReportJSON and ReportMD are where the run report goes.
	ReportJSON string
	ReportMD   string
	// Predictions are the predictions files the run writes (PredictionFiles).
	Predictions []string
}

// RunDir is the directory of a run's logs and checkpoints: <output_dir>/<run.name>,
// resolved against c.Dir.
func RunDir(c *Config) string {
	return filepath.Join(c.Resolve(c.Run.OutputDir), c.Run.Name)
}

// TrainerArgv is the command that runs r: run.trainer (default python) in place of
// the rendered python, then the rendered arguments.
func TrainerArgv(c *Config, r *Rendered) []string {
	prog := c.Run.Trainer
	if len(prog) == 0 {
		prog = []string{"python"}
	}
	argv := append([]string(nil), prog...)
	if len(r.Argv) > 1 {
		argv = append(argv, r.Argv[1:]...)
	}
	return argv
}

// PlanLaunch renders c and says what Launch would write and run. It reads no file.
// The paths in the rendered config are absolute, since the trainer runs in
// opts.Dir.
func PlanLaunch(c *Config, opts LaunchOptions) (*LaunchPlan, error) {
	abs, err := filepath.Abs(c.Dir)
	if err != nil {
		return nil, err
	}
	cc := *c
	cc.Dir = abs
	c = &cc
	dir := opts.Dir
	if dir == "" {
		dir = "."
	}
	if dir, err = filepath.Abs(dir); err != nil {
		return nil, err
	}
	cf := opts.ConfigFile
	if cf == "" {
		cf = DefaultRenderOut
	}
	if !filepath.IsAbs(cf) {
		cf = filepath.Join(dir, cf)
	}
	r, err := Render(c, RenderOptions{ConfigFile: cf, DatasetRoot: opts.DatasetRoot})
	if err != nil {
		return nil, err
	}
	runDir := RunDir(c)
	p := &LaunchPlan{Rendered: r, Argv: TrainerArgv(c, r), ConfigFile: r.ConfigFile, RunDir: runDir,
		CheckpointDir: filepath.Join(runDir, "checkpoints"), LogFile: opts.LogFile,
		ReportJSON: filepath.Join(runDir, LaunchReportJSON), ReportMD: filepath.Join(runDir, LaunchReportMD),
		Predictions: PredictionFiles(c)}
	if p.LogFile == "" {
		p.LogFile = filepath.Join(runDir, DefaultLaunchLog)
	} else if !filepath.IsAbs(p.LogFile) {
		p.LogFile = filepath.Join(dir, p.LogFile)
	}
	if opts.Resume && r.Release.Gen == 1 {
		tree, err := FinetuningKeys(r.Release.Tag)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrRender, err)
		}
		for _, k := range []string{"exp_manager.resume_if_exists", "exp_manager.resume_ignore_no_checkpoint"} {
			o := k + "=true"
			if !tree.Has(k) {
				o = "+" + o
			}
			p.Argv = append(p.Argv, o)
		}
	}
	return p, nil
}

// Launch runs one fine-tuning run of c from start to end:
//  1. Check (with opts.Check): error findings stop it with ErrCheckFailed;
//  2. the GPU pre-flight on this machine (gpu.PreflightSystem with
//     opts.Requirements): an error finding stops it with ErrPreflightFailed; with
//     no NVIDIA driver it is skipped with a note unless opts.RequireGPU;
//  3. Render, written atomically to the config file (PlanLaunch);
//  4. the trainer started with opts.Start in opts.Dir, its output streamed to
//     opts.Output and appended to the log file;
//  5. while it runs, the checkpoint directory is watched (checkpoint.Watch): every
//     complete checkpoint is validated and compared with the previous one, each
//     event passed to opts.OnEvent as it happens and collected in the report;
//     the GPUs are sampled into <run dir>/gpu.csv;
//  6. when ctx is done (SIGINT or SIGTERM of the caller), the trainer is
//     interrupted (SIGTERM to its group), given opts.Grace to save and exit, then
//     killed; no process of its group is left;
//  7. after the trainer ended, one more watch pass validates the checkpoints it
//     wrote last; the report is written atomically to <run dir>/launch_report.json
//     and launch_report.md.
//
// The report says how the trainer ended (ExitCode, Interrupted, Killed) and what
// the checkpoints were worth (CheckpointErrors). The error is non-nil when the run
// was refused before the trainer started (ErrCheckFailed, ErrPreflightFailed,
// ErrRunExists, with the report saying why), or when Launch could not do its part
// (render, start, write the report). An interrupted run is not an error.
func Launch(ctx context.Context, c *Config, opts LaunchOptions) (*RunReport, error) {
	l := newLauncher(c, opts)
	return l.run(ctx)
}

type launcher struct {
	c    *Config
	opts LaunchOptions
	now  func() time.Time
	rep  *RunReport

	mu      sync.Mutex // serialises OnEvent, Output and the report's events
	out     io.Writer
	ckpts   map[string]*CheckpointResult
	order   []string
	seen    map[string]fileSig // checkpoints processed, as they were then
	replay  map[string]bool    // final pass: checkpoints already processed
	final   bool
	process Process
}

// fileSig identifies a checkpoint's content: size and latest modification time.
type fileSig struct {
	size  int64
	mtime int64
}

func newLauncher(c *Config, opts LaunchOptions) *launcher {
	l := &launcher{c: c, opts: opts, now: opts.Now, ckpts: map[string]*CheckpointResult{},
		seen: map[string]fileSig{}, replay: map[string]bool{}}
	if l.now == nil {
		l.now = time.Now
	}
	if l.opts.Grace <= 0 {
		l.opts.Grace = DefaultGrace
	}
	if l.opts.SampleInterval <= 0 {
		l.opts.SampleInterval = DefaultSampleInterval
	}
	if l.opts.OpenGPU == nil {
		l.opts.OpenGPU = gpu.Open
	}
	if l.opts.Start == nil {
		l.opts.Start = func(ctx context.Context, argv []string, o LocalOptions) (Process, error) {
			return StartLocal(ctx, argv, o)
		}
	}
	if opts.Output != nil {
		l.out = lockedWriter{&l.mu, opts.Output}
	}
	l.rep = &RunReport{Run: c.Run.Name, Resume: opts.Resume, ExitCode: -1, Checkpoints: []*CheckpointResult{}, Events: []EventRecord{}, Notes: []string{}}
	return l
}

// event records a message or a checkpoint event and passes it to OnEvent.
func (l *launcher) event(msg string, ev *checkpoint.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	le := LaunchEvent{Time: l.now(), Watch: ev, Message: msg}
	rec := EventRecord{Time: le.Time, Message: msg}
	if ev != nil {
		rec.Kind, rec.Path, rec.Step = ev.Kind.String(), ev.Path, ev.Step
		rec.Message = watchMessage(ev)
	}
	l.rep.Events = append(l.rep.Events, rec)
	if l.opts.OnEvent != nil {
		l.opts.OnEvent(le)
	}
}

func (l *launcher) note(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	l.rep.Notes = append(l.rep.Notes, msg)
	l.event(msg, nil)
}

func (l *launcher) run(ctx context.Context) (*RunReport, error) {
	rep := l.rep
	if rel, err := LookupRelease(l.c.Resources.Container); err == nil {
		rep.Container, rep.NeMo = rel.Tag, rel.NeMo
	}
	// 1. Check.
	fs, err := Check(ctx, l.c, l.opts.Check)
	rep.Check = findingRecords(fs)
	if err != nil {
		return rep, err
	}
	if HasErrors(fs) {
		rep.Stage = "check"
		return rep, fmt.Errorf("%w: the trainer was not started", ErrCheckFailed)
	}
	// 2. GPU pre-flight.
	var sys gpu.System
	if l.opts.RemoteTrainer {
		rep.GPUNote = "the trainer runs on other machines: no local pre-flight or sampling"
	} else {
		sys, err = l.preflight(ctx)
		if sys != nil {
			defer sys.Close()
		}
		if err != nil {
			return rep, err
		}
	}
	// 3. Render and write the config.
	plan, err := PlanLaunch(l.c, l.opts)
	if err != nil {
		rep.Stage = "render"
		return rep, err
	}
	rep.RunDir, rep.ConfigFile, rep.Argv, rep.LogFile = plan.RunDir, plan.ConfigFile, plan.Argv, plan.LogFile
	rep.Command = ShellCommand(plan.Argv)
	rep.Notes = append(rep.Notes, plan.Rendered.Notes...)
	if !l.opts.Resume {
		if names := checkpointsIn(plan.CheckpointDir); len(names) > 0 {
			rep.Stage = "start"
			return rep, fmt.Errorf("%w: %s has %s: pass --resume to continue that run, or move them away", ErrRunExists, plan.CheckpointDir, names[0])
		}
	}
	content := plan.Rendered.YAML
	if content == nil {
		content = plan.Rendered.Script
	}
	if err := writeFileAtomic(plan.ConfigFile, content); err != nil {
		rep.Stage = "render"
		return rep, err
	}
	if err := os.MkdirAll(plan.CheckpointDir, 0o755); err != nil {
		return rep, err
	}
	if err := os.MkdirAll(filepath.Dir(plan.LogFile), 0o755); err != nil {
		return rep, err
	}
	logf, err := os.OpenFile(plan.LogFile, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return rep, err
	}
	defer logf.Close()

	// 4. Start the trainer.
	rep.Stage = "start"
	rep.Start = l.now()
	proc, err := l.opts.Start(ctx, plan.Argv, LocalOptions{Dir: l.opts.Dir, Env: l.opts.Env, Output: l.out, Log: logf})
	if err != nil {
		return rep, err
	}
	l.process = proc
	rep.Stage = "train"
	if lp, ok := proc.(*LocalProcess); ok {
		l.event(fmt.Sprintf("trainer started (pid %d): %s", lp.Pid(), rep.Command), nil)
	} else {
		l.event("trainer started: "+rep.Command, nil)
	}

	// 5. Watch the checkpoints and sample the GPUs while it runs.
	bg, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wcfg := checkpoint.WatchConfig{Config: l.opts.Checkpoint, Interval: l.opts.WatchInterval, StableFor: l.opts.WatchStableFor}
	var watchErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := checkpoint.Watch(bg, plan.CheckpointDir, wcfg, l.onWatch); err != nil && !errors.Is(err, context.Canceled) {
			watchErr = err
		}
	}()
	var gpuErr error
	if sys != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			gpuErr = l.sample(bg, sys, filepath.Join(plan.RunDir, GPUSeriesFile))
		}()
	}

	// 6. Wait for the end, or interrupt.
	code, waitErr := l.wait(ctx, proc)
	rep.End = l.now()
	rep.ExitCode = code
	stopBG()
	wg.Wait()
	if waitErr != nil {
		l.note("waiting for the trainer: %v", waitErr)
	}
	if watchErr != nil {
		l.note("the checkpoint watch stopped: %v", watchErr)
	}
	if gpuErr != nil {
		l.note("GPU sampling stopped: %v", gpuErr)
	}
	l.event(fmt.Sprintf("trainer exited with code %d", code), nil)

	// 7. A last pass over what the trainer wrote last, then the report.
	// The trainer has ended: nothing is written any more, so a checkpoint without
	// its marker is complete at first sight.
	l.final = true
	wcfg.Once, wcfg.StableFor = true, 1
	if err := checkpoint.Watch(context.WithoutCancel(ctx), plan.CheckpointDir, wcfg, l.onWatch); err != nil {
		l.note("the final checkpoint pass failed: %v", err)
	}
	rep.Stage = "done"
	l.finish(plan)
	if err := l.writeReport(plan); err != nil {
		return rep, err
	}
	return rep, nil
}

// preflight opens the GPUs and checks them. It returns the open System for the
// sampling (nil without a driver).
func (l *launcher) preflight(ctx context.Context) (gpu.System, error) {
	rep := l.rep
	sys, err := l.opts.OpenGPU()
	if errors.Is(err, gpu.ErrNoDriver) {
		if l.opts.RequireGPU {
			rep.Stage = "preflight"
			rep.Preflight = &gpu.Report{Findings: []gpu.Finding{{Severity: gpu.Error, Code: "no_driver", Device: -1, Err: err}}}
			return nil, fmt.Errorf("%w: %w", ErrPreflightFailed, err)
		}
		rep.GPUNote = "no NVIDIA driver: pre-flight and GPU sampling skipped"
		l.note("no NVIDIA driver: pre-flight skipped")
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	req := l.opts.Requirements
	if req.GPUs == 0 {
		req.GPUs = max(l.c.Resources.GPUsPerNode, 1)
	}
	pf, err := gpu.PreflightSystem(ctx, sys, req)
	if err != nil {
		return sys, err
	}
	rep.Preflight = pf
	if pf.Failed() {
		rep.Stage = "preflight"
		return sys, fmt.Errorf("%w: %w", ErrPreflightFailed, pf.Err())
	}
	return sys, nil
}

// sample monitors the GPUs into path (CSV, written atomically when it ends).
func (l *launcher) sample(ctx context.Context, sys gpu.System, path string) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		sw, err := gpu.NewSeriesWriter(w, gpu.FormatCSV)
		if err != nil {
			return err
		}
		res, err := gpu.Monitor(ctx, sys, gpu.MonitorConfig{Interval: l.opts.SampleInterval, Series: sw, Now: l.now})
		if cerr := sw.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		l.mu.Lock()
		l.rep.GPU, l.rep.GPUSeries = &res.Summary, path
		l.mu.Unlock()
		return nil
	})
}

// wait waits for the trainer; when ctx is done first, it interrupts it and kills
// it after the grace period.
func (l *launcher) wait(ctx context.Context, proc Process) (int, error) {
	type result struct {
		code int
		err  error
	}
	done := make(chan result, 1)
	go func() {
		code, err := proc.Wait()
		done <- result{code, err}
	}()
	select {
	case r := <-done:
		return r.code, r.err
	case <-ctx.Done():
	}
	l.rep.Interrupted = true
	l.event(fmt.Sprintf("interrupted: asking the trainer to save and stop (SIGTERM), grace period %s", l.opts.Grace), nil)
	if err := proc.Interrupt(); err != nil {
		l.note("interrupting the trainer: %v", err)
	}
	t := time.NewTimer(l.opts.Grace)
	defer t.Stop()
	select {
	case r := <-done:
		return r.code, r.err
	case <-t.C:
	}
	l.rep.Killed = true
	l.event(fmt.Sprintf("the trainer did not stop within %s: killing it (SIGKILL)", l.opts.Grace), nil)
	if err := proc.Kill(); err != nil {
		l.note("killing the trainer: %v", err)
	}
	r := <-done
	return r.code, r.err
}

// onWatch collects a checkpoint event into the report and passes it on. In the
// final pass, checkpoints already processed and unchanged since are not reported
// again (the pass re-reads them only as baselines of the comparison).
func (l *launcher) onWatch(ev checkpoint.Event) {
	if l.final {
		if ev.Kind == checkpoint.EventFound {
			sig, err := sigOf(ev.Path)
			prev, ok := l.seen[ev.Path]
			l.replay[ev.Path] = err == nil && ok && sig == prev
		}
		if l.replay[ev.Path] {
			return
		}
	}
	l.mu.Lock()
	cr := l.ckpts[ev.Path]
	if cr == nil || (ev.Kind == checkpoint.EventFound && ev.Reason != "") {
		if cr == nil {
			l.order = append(l.order, ev.Path)
		}
		cr = &CheckpointResult{Path: ev.Path, Name: filepath.Base(ev.Path), Step: ev.Step, Found: l.now(), Status: StatusPending}
		l.ckpts[ev.Path] = cr
	}
	switch ev.Kind {
	case checkpoint.EventWaiting:
		cr.Waiting = ev.Reason
	case checkpoint.EventValidated:
		cr.setReport(ev.Report, l.now())
	case checkpoint.EventCompared:
		cr.Compared = comparisonOf(ev.Diff)
	case checkpoint.EventError:
		cr.Status, cr.Error, cr.Checked = StatusError, ev.Err.Error(), l.now()
		if _, err := os.Stat(ev.Path); errors.Is(ev.Err, fs.ErrNotExist) && errors.Is(err, fs.ErrNotExist) {
			// Deleted before it could be read: NeMo replaced the -last copy or dropped
			// it from the top k.
			cr.Status = StatusRemoved
		}
	}
	l.mu.Unlock()
	if ev.Kind == checkpoint.EventValidated || ev.Kind == checkpoint.EventError {
		if sig, err := sigOf(ev.Path); err == nil {
			l.seen[ev.Path] = sig
		}
	}
	l.event("", &ev)
}

// finish completes the report: which checkpoints are still there, which never
// completed, the predictions.
func (l *launcher) finish(plan *LaunchPlan) {
	rep := l.rep
	for _, p := range l.order {
		cr := l.ckpts[p]
		_, err := os.Stat(p)
		cr.Exists = err == nil
		if cr.Status == StatusPending {
			if cr.Exists {
				cr.Status = StatusUnfinished
			} else {
				cr.Status = StatusRemoved
			}
		}
		if cr.Failed() {
			rep.CheckpointErrors++
		}
		rep.Checkpoints = append(rep.Checkpoints, cr)
	}
	for _, p := range plan.Predictions {
		_, err := os.Stat(p)
		rep.Predictions = append(rep.Predictions, PredictionRecord{Path: p, Exists: err == nil})
	}
	if rep.GPU == nil && rep.GPUNote == "" {
		rep.GPUNote = "no GPU samples"
	}
}

// writeReport writes launch_report.json and launch_report.md atomically.
func (l *launcher) writeReport(plan *LaunchPlan) error {
	if err := os.MkdirAll(plan.RunDir, 0o755); err != nil {
		return err
	}
	if err := atomicfile.Write(plan.ReportJSON, l.rep.WriteJSON); err != nil {
		return err
	}
	return atomicfile.Write(plan.ReportMD, l.rep.WriteMarkdown)
}

func writeFileAtomic(path string, content []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return atomicfile.WriteFile(path, content)
}

// checkpointsIn lists the checkpoint-like entries of dir (files and directories
// named with a step, .ckpt, .nemo, .safetensors), none when dir does not exist.
func checkpointsIn(dir string) []string {
	es, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range es {
		n := e.Name()
		if strings.HasPrefix(n, ".") {
			continue
		}
		if strings.HasSuffix(n, ".ckpt") || strings.HasSuffix(n, ".nemo") || strings.HasSuffix(n, ".safetensors") ||
			strings.Contains(n, "step=") || strings.HasPrefix(n, "checkpoint-") {
			out = append(out, n)
		}
	}
	return out
}

// sigOf is the size and latest modification time of a file, or of everything
// under a directory.
func sigOf(path string) (fileSig, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return fileSig{}, err
	}
	s := fileSig{size: fi.Size(), mtime: fi.ModTime().UnixNano()}
	if !fi.IsDir() {
		return s, nil
	}
	s.size = 0
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		s.size += info.Size()
		s.mtime = max(s.mtime, info.ModTime().UnixNano())
		return nil
	})
	return s, err
}
