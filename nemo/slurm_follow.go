package nemo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// SlurmRunner runs one Slurm command (argv[0] is the program) and returns its
// standard output. When the command cannot start or exits non-zero, the error
// is a *SlurmCommandError with its standard error. Tests inject their own.
type SlurmRunner func(ctx context.Context, argv []string) ([]byte, error)

// SlurmCommandError is a Slurm command that failed.
type SlurmCommandError struct {
	Argv   []string
	Stderr string // the command's standard error, trimmed
	Err    error  // *exec.ExitError, or why it could not start
}

// Error names the command, how it failed and what it said.
func (e *SlurmCommandError) Error() string {
	msg := fmt.Sprintf("%s: %v", strings.Join(e.Argv, " "), e.Err)
	if e.Stderr != "" {
		msg += ": " + e.Stderr
	}
	return msg
}

// Unwrap returns the underlying error.
func (e *SlurmCommandError) Unwrap() error { return e.Err }

// stderrHas reports whether err is a command error whose standard error
// contains s.
func stderrHas(err error, s string) bool {
	var ce *SlurmCommandError
	return errors.As(err, &ce) && strings.Contains(ce.Stderr, s)
}

// ExecSlurm is the default SlurmRunner: it runs argv with os/exec.
func ExecSlurm(ctx context.Context, argv []string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, &SlurmCommandError{Argv: argv, Stderr: strings.TrimSpace(stderr.String()), Err: err}
	}
	return out, nil
}

// Slurm submits and follows jobs through Slurm's commands (sbatch, squeue,
// scontrol, scancel). The zero value runs them with os/exec, polling every 2 s.
// A Slurm is safe for concurrent use when its fields are not changed.
type Slurm struct {
	// Run runs the commands. Default: ExecSlurm.
	Run SlurmRunner
	// Poll is the time between two looks at a job's state (and its log).
	// Default: 2s.
	Poll time.Duration
	// Patience is how long Wait goes on through failing squeue and scontrol
	// calls (a controller that restarts or does not answer in time) before it
	// gives up. Default: 2 minutes.
	Patience time.Duration
	// Timeout bounds each command that follows or signals a job (squeue,
	// scontrol, scancel). Default: 1 minute.
	Timeout time.Duration
}

func (s *Slurm) run(ctx context.Context, argv []string) ([]byte, error) {
	if s.Run != nil {
		return s.Run(ctx, argv)
	}
	return ExecSlurm(ctx, argv)
}

func (s *Slurm) poll() time.Duration {
	if s.Poll > 0 {
		return s.Poll
	}
	return 2 * time.Second
}

func (s *Slurm) patience() time.Duration {
	if s.Patience > 0 {
		return s.Patience
	}
	return 2 * time.Minute
}

func (s *Slurm) timeout() time.Duration {
	if s.Timeout > 0 {
		return s.Timeout
	}
	return time.Minute
}

// The commands, shared by the real thing and DryRun.
func sbatchArgv(script string) []string { return []string{"sbatch", "--parsable", script} }
func squeueArgv(id string) []string     { return []string{"squeue", "-h", "-j", id, "-o", "%T"} }
func scontrolArgv(id string) []string   { return []string{"scontrol", "-o", "show", "job", id} }
func sacctArgv(id string) []string {
	return []string{"sacct", "-n", "-X", "-P", "-j", id, "-o", "State,ExitCode"}
}
func killArgv(id string) []string { return []string{"scancel", id} }

// interruptArgv cancels the job if it is still pending (nothing to save), and
// sends SIGTERM to the tasks of its steps if it runs. The --state filters keep
// each from acting on a job in the other state: a SIGTERM to a pending job
// would start it.
func interruptArgv(id string) [][]string {
	return [][]string{
		{"scancel", "--state=PENDING", id},
		{"scancel", "--state=RUNNING", "--signal=TERM", id},
	}
}

// Submit submits the sbatch script at path with sbatch --parsable and returns
// the job ID.
func (s *Slurm) Submit(ctx context.Context, script string) (string, error) {
	out, err := s.run(ctx, sbatchArgv(script))
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrSlurmSubmit, err)
	}
	return parseJobID(out)
}

// Launch writes the sbatch script of j to scriptPath (WriteSlurmScript),
// submits it and follows the job, tailing its log file to c.Out unless c.Log
// names another file.
func (s *Slurm) Launch(ctx context.Context, j SlurmJob, scriptPath string, c FollowConfig) (*SlurmProcess, error) {
	if err := WriteSlurmScript(j, scriptPath); err != nil {
		return nil, err
	}
	id, err := s.Submit(ctx, scriptPath)
	if err != nil {
		return nil, err
	}
	if c.Log == "" {
		c.Log = expandOutput(j.withDefaults().Output, id, j.Name)
	}
	return s.Follow(id, c), nil
}

// SlurmStatus is a job's state as Slurm reports it.
type SlurmStatus struct {
	ID string `json:"id"`
	// State is Slurm's job state: PENDING, RUNNING, COMPLETING, then COMPLETED,
	// FAILED, CANCELLED, TIMEOUT, NODE_FAIL, OUT_OF_MEMORY and the like.
	State string `json:"state"`
	// ExitCode and Signal are scontrol's ExitCode=code:signal of the batch
	// script, known once the job has ended.
	ExitCode int `json:"exit_code"`
	Signal   int `json:"signal"`
	// Reason is scontrol's Reason (why a job is pending or failed); "" or None.
	Reason string `json:"reason,omitempty"`
}

// Done reports whether the state is one a job ends in.
func (st SlurmStatus) Done() bool {
	switch st.State {
	case "COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "PREEMPTED",
		"BOOT_FAIL", "DEADLINE", "OUT_OF_MEMORY", "REVOKED", "SPECIAL_EXIT":
		return true
	}
	return false
}

// exitCode is the exit code Wait gives a job that ended in st.
func (st SlurmStatus) exitCode(interrupted bool) int {
	switch {
	case interrupted || st.State == "CANCELLED":
		return SlurmExitCancelled
	case st.State == "TIMEOUT":
		return SlurmExitTimeout
	case st.ExitCode != 0:
		return st.ExitCode
	case st.Signal != 0:
		return 128 + st.Signal
	case st.State != "COMPLETED":
		return 1
	}
	return 0
}

// FollowConfig says what Wait does besides following the job's state.
type FollowConfig struct {
	// Log is the job's log file (its --output with %j and %x expanded): Wait
	// copies what is written to it to Out while the job runs, and the rest once
	// it has ended. Default: no log is copied.
	Log string
	Out io.Writer
	// OnState is called with the job's status each time its state changes,
	// on Wait's goroutine. Default: none.
	OnState func(SlurmStatus)
}

// SlurmProcess is a submitted Slurm job being followed: the Slurm side of a
// launch, with the methods a local trainer process has. Wait is called on one
// goroutine; Interrupt, Kill and Status may be called from any.
type SlurmProcess struct {
	// ID is the job ID.
	ID string

	s *Slurm
	c FollowConfig

	mu          sync.Mutex
	status      SlurmStatus
	interrupted bool
}

// Follow returns the handle of the job with the given ID.
func (s *Slurm) Follow(id string, c FollowConfig) *SlurmProcess {
	return &SlurmProcess{ID: id, s: s, c: c, status: SlurmStatus{ID: id}}
}

// Status returns the job's status as last seen by Wait.
func (p *SlurmProcess) Status() SlurmStatus {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.status
}

// Wait is WaitContext with a context that is never done.
func (p *SlurmProcess) Wait() (int, error) { return p.WaitContext(context.Background()) }

// WaitContext blocks until the job has ended and returns its exit code. It
// polls squeue -h -j ID -o %T every Poll and, once the job has left the queue,
// reads its end state and exit code with scontrol show job (sacct when Slurm
// has forgotten the job and accounting runs). The exit code is the batch
// script's, that is the trainer's; SlurmExitCancelled once Interrupt reached
// the job or when it was cancelled; SlurmExitTimeout when it reached its time
// limit; 128+n when the script was killed by signal n; 1 for another end state
// without an exit code (NODE_FAIL, OUT_OF_MEMORY). ErrSlurmJobUnknown (with -1)
// when the job's end can no longer be learnt.
//
// When ctx is done WaitContext returns -1 and ctx.Err(); the job goes on.
func (p *SlurmProcess) WaitContext(ctx context.Context) (int, error) {
	tail := &logTail{path: p.c.Log, out: p.c.Out}
	var seen string
	lastOK := time.Now()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return -1, ctx.Err()
		case <-timer.C:
		}
		st, err := p.look(ctx)
		switch {
		case err == nil:
			lastOK = time.Now()
			p.mu.Lock()
			p.status = st
			interrupted := p.interrupted
			p.mu.Unlock()
			if st.State != seen {
				seen = st.State
				if p.c.OnState != nil {
					p.c.OnState(st)
				}
			}
			if st.Done() {
				tail.copy()
				return st.exitCode(interrupted), nil
			}
		case ctx.Err() != nil:
			return -1, ctx.Err()
		case errors.Is(err, ErrSlurmJobUnknown):
			tail.copy()
			return -1, err
		case time.Since(lastOK) > p.s.patience():
			return -1, fmt.Errorf("following Slurm job %s: %w", p.ID, err)
		}
		tail.copy()
		timer.Reset(p.s.poll())
	}
}

// look returns the job's status: squeue's state while it is queued, running or
// completing, scontrol's (or sacct's) end state and exit code once it is not.
func (p *SlurmProcess) look(ctx context.Context) (SlurmStatus, error) {
	ctx, cancel := context.WithTimeout(ctx, p.s.timeout())
	defer cancel()
	out, err := p.s.run(ctx, squeueArgv(p.ID))
	if err != nil && !stderrHas(err, "Invalid job id") {
		return SlurmStatus{}, err
	}
	if err == nil {
		if st := parseSqueue(p.ID, out); st.State != "" && !st.Done() {
			return st, nil
		}
	}
	out, err = p.s.run(ctx, scontrolArgv(p.ID))
	if err == nil {
		return parseScontrol(p.ID, out)
	}
	if !stderrHas(err, "Invalid job id") {
		return SlurmStatus{}, err
	}
	// Forgotten by slurmctld: the accounting may still know it.
	if out, aerr := p.s.run(ctx, sacctArgv(p.ID)); aerr == nil {
		if st, ok := parseSacct(p.ID, out); ok {
			return st, nil
		}
	}
	return SlurmStatus{}, fmt.Errorf("%w: job %s (gone from slurmctld after MinJobAge, and no accounting)", ErrSlurmJobUnknown, p.ID)
}

// Interrupt asks the job to stop so that the trainer can save: a job still
// pending is cancelled (scancel --state=PENDING), a running one has SIGTERM sent
// to every task of its steps on every node (scancel --state=RUNNING
// --signal=TERM; the batch shell is not signalled). The job then ends when the
// trainer exits, and Wait returns SlurmExitCancelled. Interrupt does not wait.
func (p *SlurmProcess) Interrupt() error {
	ctx, cancel := context.WithTimeout(context.Background(), p.s.timeout())
	defer cancel()
	var errs []error
	acted := false
	for _, argv := range interruptArgv(p.ID) {
		_, err := p.s.run(ctx, argv)
		switch {
		case err == nil:
			acted = true
		case stderrHas(err, "No active jobs match"), stderrHas(err, "Invalid job id"), stderrHas(err, "already completing or completed"):
			// Not in that state (or over): the other command is for it.
		default:
			errs = append(errs, err)
		}
	}
	if acted {
		p.mu.Lock()
		p.interrupted = true
		p.mu.Unlock()
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("interrupting Slurm job %s: %w", p.ID, err)
	}
	return nil
}

// Kill cancels the job (plain scancel): Slurm sends SIGTERM to every process
// of the job and SIGKILL after the cluster's KillWait, and the job ends
// CANCELLED; Wait returns SlurmExitCancelled. Kill does not wait.
func (p *SlurmProcess) Kill() error {
	ctx, cancel := context.WithTimeout(context.Background(), p.s.timeout())
	defer cancel()
	if _, err := p.s.run(ctx, killArgv(p.ID)); err != nil {
		return fmt.Errorf("cancelling Slurm job %s: %w", p.ID, err)
	}
	return nil
}

// logTail copies what is appended to a file to a writer.
type logTail struct {
	path string
	out  io.Writer
	off  int64
	dead bool // out failed: stop copying
}

// copy copies what was written to the file since the last call. A file that
// is not there yet is not an error; one that shrank (a requeued job starts its
// log anew) is read from its start.
func (t *logTail) copy() {
	if t.path == "" || t.out == nil || t.dead {
		return
	}
	f, err := os.Open(t.path)
	if err != nil {
		return
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() < t.off {
		t.off = 0
	}
	if _, err := f.Seek(t.off, io.SeekStart); err != nil {
		return
	}
	n, err := io.Copy(tailWriter{t.out}, f)
	t.off += n
	var we *writeError
	if errors.As(err, &we) {
		t.dead = true
	}
}

// tailWriter marks the errors of the tail's writer (writeError): io.Copy
// returns the reader's and the writer's errors alike.
type tailWriter struct{ w io.Writer }

func (w tailWriter) Write(b []byte) (int, error) {
	n, err := w.w.Write(b)
	if err != nil {
		err = &writeError{err}
	}
	return n, err
}

type writeError struct{ err error }

func (e *writeError) Error() string { return e.err.Error() }

// parseSqueue reads squeue -h -o %T: one state, or nothing when the job has
// left the queue.
func parseSqueue(id string, out []byte) SlurmStatus {
	f := strings.Fields(string(out))
	if len(f) == 0 {
		return SlurmStatus{ID: id}
	}
	return SlurmStatus{ID: id, State: f[0]}
}

// parseScontrol reads scontrol -o show job: JobState, ExitCode=code:signal
// and Reason from its key=value fields.
func parseScontrol(id string, out []byte) (SlurmStatus, error) {
	st := SlurmStatus{ID: id}
	var exit string
	for _, f := range strings.Fields(string(out)) {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			continue
		}
		switch k {
		case "JobState":
			if st.State == "" {
				st.State = v
			}
		case "ExitCode":
			if exit == "" {
				exit = v
			}
		case "Reason":
			if st.Reason == "" {
				st.Reason = v
			}
		}
	}
	if st.State == "" {
		return st, fmt.Errorf("nemo: scontrol show job %s: no JobState in %q", id, strings.TrimSpace(string(out)))
	}
	if exit != "" {
		var err error
		if st.ExitCode, st.Signal, err = parseExitCode(exit); err != nil {
			return st, fmt.Errorf("nemo: scontrol show job %s: %w", id, err)
		}
	}
	return st, nil
}

// parseSacct reads sacct -n -X -P -o State,ExitCode: "COMPLETED|0:0",
// "CANCELLED by 1000|0:15".
func parseSacct(id string, out []byte) (SlurmStatus, bool) {
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	state, exit, ok := strings.Cut(line, "|")
	if !ok {
		return SlurmStatus{}, false
	}
	words := strings.Fields(state) // "CANCELLED by 1000": the state is the first word
	if len(words) == 0 {
		return SlurmStatus{}, false
	}
	st := SlurmStatus{ID: id, State: words[0]}
	var err error
	if st.ExitCode, st.Signal, err = parseExitCode(strings.TrimSpace(exit)); err != nil {
		return SlurmStatus{}, false
	}
	return st, true
}

// parseExitCode reads Slurm's code:signal.
func parseExitCode(s string) (code, sig int, err error) {
	c, g, ok := strings.Cut(s, ":")
	if !ok {
		return 0, 0, fmt.Errorf("exit code %q is not code:signal", s)
	}
	if code, err = strconv.Atoi(c); err == nil {
		sig, err = strconv.Atoi(g)
	}
	if err != nil {
		return 0, 0, fmt.Errorf("exit code %q is not code:signal", s)
	}
	return code, sig, nil
}
