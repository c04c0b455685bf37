package nemo

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/sophia-ai/sophia-eval/internal/atomicfile"
)

// Sentinels of the Slurm side of a launch.
var (
	// ErrSlurmJob means a SlurmJob cannot be written as an sbatch script.
	ErrSlurmJob = errors.New("nemo: invalid Slurm job")
	// ErrSlurmSubmit means sbatch did not accept the script or gave no job ID.
	ErrSlurmSubmit = errors.New("nemo: Slurm job not submitted")
	// ErrSlurmJobUnknown means Slurm no longer knows the job: slurmctld forgets a
	// finished job MinJobAge after its end (300 s by default), and without
	// accounting (slurmdbd) its state and exit code are then lost.
	ErrSlurmJobUnknown = errors.New("nemo: Slurm does not know the job")
)

// Exit codes Wait gives a job that did not end on its own.
const (
	// SlurmExitCancelled is the exit code of a job that was interrupted (Interrupt)
	// or cancelled (Kill, or scancel by anyone): 130, sophia-eval's "interrupted".
	SlurmExitCancelled = 130
	// SlurmExitTimeout is the exit code of a job that reached its time limit
	// (state TIMEOUT): 124, as timeout(1) gives.
	SlurmExitTimeout = 124
)

// DefaultTermBefore is how long before the time limit Slurm sends the trainer
// SIGTERM, so that NeMo saves a checkpoint before the job is killed.
const DefaultTermBefore = 120 * time.Second

// SlurmJob is what the sbatch script of a run is made from (SlurmScript).
// NewSlurmJob fills it from a lora.yaml; see docs/slurm.md for the script it
// gives.
type SlurmJob struct {
	// Name is the job name (#SBATCH --job-name). Required.
	Name string
	// Nodes is the number of nodes (--nodes). Default: 1.
	Nodes int
	// TasksPerNode is the number of tasks per node (--ntasks-per-node): one per
	// GPU, each a rank of the trainer. Default: 1.
	TasksPerNode int
	// GPUsPerNode is requested with --gpus-per-node; 0 requests no GPU.
	GPUsPerNode int
	// NoGRES leaves --gpus-per-node out whatever GPUsPerNode says, for a cluster
	// that has no GPUs configured as generic resources (GRES), where sbatch would
	// reject the request: the one-node test Slurm of CI, for example. Default:
	// false.
	NoGRES bool
	// TimeLimit is the job's time limit (--time) in Slurm's formats: minutes,
	// minutes:seconds, hours:minutes:seconds, days-hours, days-hours:minutes,
	// days-hours:minutes:seconds, or UNLIMITED. Default: none (the partition's).
	TimeLimit string
	// Partition (--partition) and Account (--account) are left out when empty.
	Partition string
	Account   string
	// Output is the job's log file (--output): the output of the script and of
	// every step. Slurm expands %j (job ID), %x (job name) and %%; no other
	// pattern is accepted, and %j only in the file name. A relative path is
	// relative to Dir. Required.
	Output string
	// Dir is the job's working directory (--chdir), an absolute path. Required.
	Dir string
	// TermBefore is how long before the time limit Slurm sends SIGTERM to the
	// trainer's tasks (--signal=TERM@seconds, at most 65535 s; Slurm may send it
	// up to a minute early). Default: DefaultTermBefore; negative: no signal.
	TermBefore time.Duration
	// Preflight is a command run once on every node before the trainer (srun
	// --ntasks-per-node=1), typically sophia-eval gpu preflight; when it fails on
	// a node the job ends with its exit code and the trainer does not start. It runs
	// outside any container. Default: none.
	Preflight []string
	// Argv is the trainer command, run by srun in every task. Required.
	Argv []string
	// Pyxis runs the trainer in Container through the pyxis plugin of srun
	// (--container-image, --container-mounts, and --container-workdir=Dir, so
	// Dir must be mounted at the same path). Default: false, no container.
	Pyxis bool
	// Container is the image (resources.container); required with Pyxis.
	Container string
	// Mounts are pyxis's container mounts, each SRC:DST or SRC:DST:FLAGS.
	Mounts []string
}

// SlurmOptions are the settings of a Slurm launch that lora.yaml does not hold.
// The zero value is valid.
type SlurmOptions struct {
	// Dir is the job's working directory; the rendered command's "$PWD" is this
	// directory. Default: the working directory.
	Dir string
	// Output is the job's log file. Default: slurm-%j.log in NeMo's log directory
	// <run.output_dir>/<run.name>.
	Output string
	// Preflight is the command run on every node before the trainer. Default:
	// none.
	Preflight []string
	// Pyxis runs the trainer in resources.container through pyxis. Default: false.
	Pyxis bool
	// NoGRES leaves --gpus-per-node out (a cluster without GPU GRES). Default:
	// false.
	NoGRES bool
	// TermBefore is SlurmJob.TermBefore. Default: DefaultTermBefore.
	TermBefore time.Duration
}

// NewSlurmJob returns the Slurm job of the run c describes, with argv as the
// trainer command (the Argv of Render): run.name as the job name, and nodes,
// GPUs per node (also the tasks per node), time limit, partition, account,
// container and mounts from resources. Relative paths become absolute against
// the working directory.
func NewSlurmJob(c *Config, argv []string, o SlurmOptions) (SlurmJob, error) {
	dir := o.Dir
	if dir == "" {
		dir = "."
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return SlurmJob{}, fmt.Errorf("%w: working directory: %w", ErrSlurmJob, err)
	}
	out := o.Output
	if out == "" {
		out = c.Resolve(filepath.Join(c.Run.OutputDir, c.Run.Name, "slurm-%j.log"))
	}
	if out, err = filepath.Abs(out); err != nil {
		return SlurmJob{}, fmt.Errorf("%w: log file: %w", ErrSlurmJob, err)
	}
	name := c.Run.Name
	if name == "" {
		name = "sophia-eval"
	}
	r := c.Resources
	j := SlurmJob{
		Name:         name,
		Nodes:        r.Nodes,
		TasksPerNode: r.GPUsPerNode,
		GPUsPerNode:  r.GPUsPerNode,
		NoGRES:       o.NoGRES,
		TimeLimit:    r.TimeLimit,
		Partition:    r.Partition,
		Account:      r.Account,
		Output:       out,
		Dir:          dir,
		TermBefore:   o.TermBefore,
		Preflight:    o.Preflight,
		Argv:         argv,
		Pyxis:        o.Pyxis,
		Container:    r.Container,
		Mounts:       r.Mounts,
	}
	return j, j.check()
}

var (
	timeLimit = regexp.MustCompile(`^(?i:unlimited|infinite|(\d+-)?\d+(:\d+){0,2})$`)
	// outputPattern matches the filename patterns of --output.
	outputPattern = regexp.MustCompile(`%(.)`)
)

// sbatchValue reports whether v can stand unquoted in an #SBATCH line.
func sbatchValue(v string) bool {
	return v != "" && strings.IndexFunc(v, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || r == '"' || r == '\'' || r == '\\'
	}) < 0
}

// withDefaults returns j with its defaults filled in.
func (j SlurmJob) withDefaults() SlurmJob {
	if j.Nodes == 0 {
		j.Nodes = 1
	}
	if j.TasksPerNode == 0 {
		j.TasksPerNode = 1
	}
	if j.TermBefore == 0 {
		j.TermBefore = DefaultTermBefore
	}
	if j.Output != "" && !filepath.IsAbs(j.Output) && j.Dir != "" {
		j.Output = filepath.Join(j.Dir, j.Output)
	}
	return j
}

// check reports what keeps j from becoming a script.
func (j SlurmJob) check() error {
	j = j.withDefaults()
	var errs []error
	bad := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrSlurmJob}, a...)...))
	}
	for _, f := range []struct{ key, v string }{
		{"job name", j.Name}, {"log file (--output)", j.Output}, {"working directory (--chdir)", j.Dir},
	} {
		if !sbatchValue(f.v) {
			bad("%s %q is empty or holds white space, quotes or control characters", f.key, f.v)
		}
	}
	for _, f := range []struct{ key, v string }{{"partition", j.Partition}, {"account", j.Account}} {
		if f.v != "" && !sbatchValue(f.v) {
			bad("%s %q holds white space, quotes or control characters", f.key, f.v)
		}
	}
	if j.TimeLimit != "" && !timeLimit.MatchString(j.TimeLimit) {
		bad("time limit %q is not in a Slurm time format (08:00:00, 1-00:00:00, 90)", j.TimeLimit)
	}
	if j.Dir != "" && !filepath.IsAbs(j.Dir) {
		bad("working directory %q is not absolute", j.Dir)
	}
	for _, m := range outputPattern.FindAllStringSubmatch(j.Output, -1) {
		if m[1] != "j" && m[1] != "x" && m[1] != "%" {
			bad("log file %q: only the patterns %%j, %%x and %%%% are supported, not %s", j.Output, m[0])
		}
	}
	if strings.Contains(filepath.Dir(j.Output), "%j") {
		bad("log file %q: %%j may only stand in the file name", j.Output)
	}
	if j.Nodes < 1 || j.TasksPerNode < 1 || j.GPUsPerNode < 0 {
		bad("nodes %d, tasks per node %d, GPUs per node %d: need at least 1, 1 and 0", j.Nodes, j.TasksPerNode, j.GPUsPerNode)
	}
	if j.TermBefore > 65535*time.Second {
		bad("SIGTERM %s before the time limit: Slurm takes at most 65535 s", j.TermBefore)
	}
	if len(j.Argv) == 0 {
		bad("no trainer command")
	}
	if j.Pyxis {
		if j.Container == "" {
			bad("pyxis needs a container image (resources.container)")
		}
		for _, m := range j.Mounts {
			if m == "" || strings.Contains(m, ",") {
				bad("container mount %q is empty or holds a comma", m)
			}
		}
	}
	for _, a := range append(append([]string{j.Container}, j.Mounts...), append(j.Preflight, j.Argv...)...) {
		if strings.ContainsAny(a, "\n\r\x00") {
			bad("argument %q holds a line break or NUL", a)
		}
	}
	return errors.Join(errs...)
}

// SlurmScript returns the sbatch script of j: the #SBATCH options, the
// pre-flight step once on every node, then the trainer under srun with exec,
// so that the job's exit code is srun's, the highest of its tasks'. See
// docs/slurm.md for the layout, the signals and the exit codes.
func SlurmScript(j SlurmJob) ([]byte, error) {
	if err := j.check(); err != nil {
		return nil, err
	}
	j = j.withDefaults()
	var b strings.Builder
	line := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	line("#!/bin/bash")
	line("# The Slurm job of the run %s, written by sophia-eval nemo launch --slurm.", j.Name)
	line("#SBATCH --job-name=%s", j.Name)
	line("#SBATCH --nodes=%d", j.Nodes)
	line("#SBATCH --ntasks-per-node=%d", j.TasksPerNode)
	if j.GPUsPerNode > 0 && !j.NoGRES {
		line("#SBATCH --gpus-per-node=%d", j.GPUsPerNode)
	}
	if j.TimeLimit != "" {
		line("#SBATCH --time=%s", j.TimeLimit)
	}
	if j.Partition != "" {
		line("#SBATCH --partition=%s", j.Partition)
	}
	if j.Account != "" {
		line("#SBATCH --account=%s", j.Account)
	}
	line("#SBATCH --output=%s", j.Output)
	line("#SBATCH --chdir=%s", j.Dir)
	if j.TermBefore > 0 {
		// Without B: the signal goes to the tasks of the steps, not to this shell:
		// srun would answer a SIGTERM by killing its step at once.
		line("#SBATCH --signal=TERM@%d", int((j.TermBefore+time.Second-1)/time.Second))
	}
	line("")
	if len(j.Preflight) > 0 {
		line("# GPU pre-flight, once on every node: a failed check ends the job before training.")
		line("srun --nodes=%d --ntasks=%d --ntasks-per-node=1 %s || {", j.Nodes, j.Nodes, ShellCommand(j.Preflight))
		line("\trc=$?")
		line(`	echo "sophia-eval: the pre-flight failed (exit $rc); the trainer was not started" >&2`)
		line(`	exit "$rc"`)
		line("}")
		line("")
	}
	line("# The trainer, one task per GPU on every node. SIGTERM reaches every task from")
	line("# Slurm (scancel --signal=TERM, --signal=TERM@ before the time limit); exec makes")
	line("# the job's exit code srun's, the highest of the tasks'.")
	srun := []string{"srun", "--kill-on-bad-exit=1"}
	if j.Pyxis {
		srun = append(srun, "--container-image="+j.Container)
		if len(j.Mounts) > 0 {
			srun = append(srun, "--container-mounts="+strings.Join(j.Mounts, ","))
		}
		srun = append(srun, "--container-workdir="+j.Dir)
	}
	line("exec %s %s", ShellCommand(srun), ShellCommand(j.Argv))
	return []byte(b.String()), nil
}

// SlurmCommand is one command a Slurm launch runs, for a dry run.
type SlurmCommand struct {
	// When says when the command runs.
	When string `json:"when"`
	// Argv is the command; the job ID, unknown before submission, is JOBID.
	Argv []string `json:"argv"`
}

// SlurmDryRun is what a Slurm launch would write and run.
type SlurmDryRun struct {
	ScriptPath string         `json:"script_path"`
	Script     []byte         `json:"-"`
	Log        string         `json:"log"` // the job's log file, %j unexpanded
	Commands   []SlurmCommand `json:"commands"`
}

// DryRun returns what Launch would write and run for j, without running
// anything.
func (s *Slurm) DryRun(j SlurmJob, scriptPath string) (*SlurmDryRun, error) {
	script, err := SlurmScript(j)
	if err != nil {
		return nil, err
	}
	const id = "JOBID"
	every := s.poll().String()
	cmds := []SlurmCommand{
		{"submit the script", sbatchArgv(scriptPath)},
		{"every " + every + " while the job is queued or running", squeueArgv(id)},
		{"once it has left the queue: its end state and exit code", scontrolArgv(id)},
		{"when Slurm has forgotten the job (MinJobAge): the accounting, if there is any", sacctArgv(id)},
	}
	for _, a := range interruptArgv(id) {
		cmds = append(cmds, SlurmCommand{"on interrupt (SIGTERM to the trainer's tasks; a pending job is cancelled)", a})
	}
	cmds = append(cmds, SlurmCommand{"on kill (cancel: SIGTERM to every process, SIGKILL after KillWait)", killArgv(id)})
	return &SlurmDryRun{ScriptPath: scriptPath, Script: script, Log: j.withDefaults().Output, Commands: cmds}, nil
}

// WriteSlurmScript writes the sbatch script of j to path atomically, and
// creates the directory of the job's log file, which Slurm does not create.
func WriteSlurmScript(j SlurmJob, path string) error {
	script, err := SlurmScript(j)
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(path, script); err != nil {
		return fmt.Errorf("writing the sbatch script: %w", err)
	}
	j = j.withDefaults()
	logDir := filepath.Dir(expandOutput(j.Output, "", j.Name))
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		return fmt.Errorf("creating the job's log directory: %w", err)
	}
	return nil
}

// expandOutput expands the --output patterns %j, %x and %% as Slurm does.
func expandOutput(pattern, id, name string) string {
	return outputPattern.ReplaceAllStringFunc(pattern, func(m string) string {
		switch m[1] {
		case 'j':
			return id
		case 'x':
			return name
		case '%':
			return "%"
		}
		return m
	})
}

// parseJobID reads the output of sbatch --parsable: "123" or "123;cluster".
func parseJobID(out []byte) (string, error) {
	s := strings.TrimSpace(string(out))
	if i := strings.LastIndexByte(s, '\n'); i >= 0 { // warnings before the ID
		s = strings.TrimSpace(s[i+1:])
	}
	id, _, _ := strings.Cut(s, ";")
	if _, err := strconv.ParseUint(id, 10, 64); err != nil {
		return "", fmt.Errorf("%w: sbatch --parsable printed %q, not a job ID", ErrSlurmSubmit, strings.TrimSpace(string(out)))
	}
	return id, nil
}
