package nemo

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// slurmGolden compares got with testdata/slurm/name, or rewrites it with -update.
func slurmGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", "slurm", name)
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, got, 0o644))
		return
	}
	want, err := os.ReadFile(p)
	require.NoError(t, err, "run go test ./nemo -run TestSlurmScriptGolden -update to create it")
	assert.Equal(t, string(want), string(got))
}

// exampleJob is the Slurm job of the example config rendered for 24.07, with
// fixed paths so that the golden files do not depend on the machine.
func exampleJob(t *testing.T, edit func(c *Config), o SlurmOptions) SlurmJob {
	t.Helper()
	c := exampleFor(t, "24.07")
	if edit != nil {
		edit(c)
	}
	r, err := Render(c, RenderOptions{})
	require.NoError(t, err)
	o.Dir = "/srv/sophia"
	if o.Output == "" {
		o.Output = "/srv/sophia/results/sophia-lora/sophia-lora-dev/slurm-%j.log"
	}
	j, err := NewSlurmJob(c, r.Argv, o)
	require.NoError(t, err)
	return j
}

func TestSlurmScriptGolden(t *testing.T) {
	preflight := []string{"/opt/sophia/bin/sophia-eval", "gpu", "preflight", "--gpus", "8", "--min-free", "70GiB"}
	tests := []struct {
		name string
		edit func(c *Config)
		opts SlurmOptions
	}{
		{name: "one-node.sbatch", opts: SlurmOptions{Preflight: preflight}},
		{name: "one-node-pyxis.sbatch", opts: SlurmOptions{Preflight: preflight, Pyxis: true}, edit: func(c *Config) {
			c.Resources.Mounts = []string{"/srv/sophia:/srv/sophia", "/data/models:/models:ro"}
		}},
		{name: "four-nodes-pyxis.sbatch", opts: SlurmOptions{Preflight: preflight, Pyxis: true, TermBefore: 5 * time.Minute}, edit: func(c *Config) {
			c.Resources.Nodes = 4
			c.Resources.Account = ""
			c.Resources.TimeLimit = "1-12:00:00"
			c.Resources.Mounts = []string{"/srv/sophia:/srv/sophia"}
		}},
		{name: "no-gres.sbatch", opts: SlurmOptions{NoGRES: true, TermBefore: -1}, edit: func(c *Config) {
			c.Resources.GPUsPerNode = 2
			c.Resources.Partition = ""
			c.Resources.Account = ""
			c.Resources.TimeLimit = ""
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			script, err := SlurmScript(exampleJob(t, tt.edit, tt.opts))
			require.NoError(t, err)
			slurmGolden(t, tt.name, script)
			// The script is valid bash.
			if bash, err := exec.LookPath("bash"); err == nil {
				cmd := exec.Command(bash, "-n")
				cmd.Stdin = bytes.NewReader(script)
				out, err := cmd.CombinedOutput()
				require.NoError(t, err, "%s", out)
			}
		})
	}
}

func TestSlurmScriptOptions(t *testing.T) {
	base := SlurmJob{Name: "run", Output: "log-%j.txt", Dir: "/w", Argv: []string{"python", "train.py"}, GPUsPerNode: 4, TasksPerNode: 4}
	script := func(edit func(j *SlurmJob)) string {
		j := base
		edit(&j)
		b, err := SlurmScript(j)
		require.NoError(t, err)
		return string(b)
	}
	s := script(func(*SlurmJob) {})
	assert.Contains(t, s, "#SBATCH --gpus-per-node=4\n")
	assert.Contains(t, s, "#SBATCH --output=/w/log-%j.txt\n", "a relative log file is relative to the working directory")
	assert.Contains(t, s, "#SBATCH --signal=TERM@120\n")
	assert.NotContains(t, s, "--partition")
	assert.NotContains(t, s, "--account")
	assert.NotContains(t, s, "--time")
	assert.NotContains(t, s, "--container")
	assert.NotContains(t, s, "pre-flight")
	assert.True(t, strings.HasSuffix(s, "exec srun --kill-on-bad-exit=1 python train.py\n"), s)

	assert.NotContains(t, script(func(j *SlurmJob) { j.NoGRES = true }), "--gpus-per-node")
	assert.NotContains(t, script(func(j *SlurmJob) { j.GPUsPerNode = 0 }), "--gpus-per-node")
	assert.NotContains(t, script(func(j *SlurmJob) { j.TermBefore = -1 }), "#SBATCH --signal")
	assert.Contains(t, script(func(j *SlurmJob) { j.TermBefore = 1500 * time.Millisecond }), "--signal=TERM@2\n")
	assert.Contains(t, script(func(j *SlurmJob) { j.Argv = []string{"sh", "-c", "echo 'a b'; exit 3"} }),
		`exec srun --kill-on-bad-exit=1 sh -c 'echo '\''a b'\''; exit 3'`)
	assert.Contains(t, script(func(j *SlurmJob) { j.Argv = []string{"python", "x.py", "--config-path=$PWD/configs"} }),
		`--config-path="$PWD"/configs`, "$PWD stays expandable: the job's working directory")
}

func TestSlurmScriptInvalid(t *testing.T) {
	base := SlurmJob{Name: "run", Output: "/w/log", Dir: "/w", Argv: []string{"true"}}
	tests := []struct {
		name string
		edit func(j *SlurmJob)
		want string
	}{
		{"no name", func(j *SlurmJob) { j.Name = "" }, "job name"},
		{"space in name", func(j *SlurmJob) { j.Name = "a b" }, "job name"},
		{"no argv", func(j *SlurmJob) { j.Argv = nil }, "no trainer command"},
		{"relative dir", func(j *SlurmJob) { j.Dir = "w" }, "not absolute"},
		{"no output", func(j *SlurmJob) { j.Output = "" }, "log file"},
		{"unknown pattern", func(j *SlurmJob) { j.Output = "/w/%N.log" }, "only the patterns"},
		{"%j in directory", func(j *SlurmJob) { j.Output = "/w/%j/log" }, "file name"},
		{"time limit", func(j *SlurmJob) { j.TimeLimit = "8h" }, "time limit"},
		{"quote in partition", func(j *SlurmJob) { j.Partition = `a"b` }, "partition"},
		{"negative GPUs", func(j *SlurmJob) { j.GPUsPerNode = -1 }, "GPUs per node"},
		{"pyxis without image", func(j *SlurmJob) { j.Pyxis = true }, "container image"},
		{"comma in mount", func(j *SlurmJob) { j.Pyxis, j.Container, j.Mounts = true, "img", []string{"a:b,c:d"} }, "comma"},
		{"newline in argv", func(j *SlurmJob) { j.Argv = []string{"a\nb"} }, "line break"},
		{"signal too early", func(j *SlurmJob) { j.TermBefore = 20 * time.Hour }, "65535"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := base
			tt.edit(&j)
			_, err := SlurmScript(j)
			require.ErrorIs(t, err, ErrSlurmJob)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	for _, tl := range []string{"90", "90:30", "08:00:00", "2-00", "2-12:00", "1-00:00:00", "UNLIMITED", "infinite"} {
		j := base
		j.TimeLimit = tl
		_, err := SlurmScript(j)
		assert.NoError(t, err, tl)
	}
}

func TestNewSlurmJob(t *testing.T) {
	c := exampleFor(t, "24.07")
	c.Resources.Nodes = 2
	c.Resources.Mounts = []string{"/a:/a"}
	wd, err := os.Getwd()
	require.NoError(t, err)
	j, err := NewSlurmJob(c, []string{"python", "x.py"}, SlurmOptions{NoGRES: true})
	require.NoError(t, err)
	assert.Equal(t, SlurmJob{
		Name: "sophia-lora-dev", Nodes: 2, TasksPerNode: 8, GPUsPerNode: 8, NoGRES: true,
		TimeLimit: "08:00:00", Partition: "dgx", Account: "sophia",
		Output:    filepath.Join(wd, "testdata", "results", "sophia-lora", "sophia-lora-dev", "slurm-%j.log"),
		Dir:       wd,
		Argv:      []string{"python", "x.py"},
		Container: "nvcr.io/nvidia/nemo:24.07", Mounts: []string{"/a:/a"},
	}, j)
}

func TestSlurmDryRun(t *testing.T) {
	j := exampleJob(t, nil, SlurmOptions{})
	d, err := (&Slurm{Poll: 5 * time.Second}).DryRun(j, "/srv/sophia/run.sbatch")
	require.NoError(t, err)
	script, err := SlurmScript(j)
	require.NoError(t, err)
	assert.Equal(t, script, d.Script)
	assert.Equal(t, j.Output, d.Log)
	var argvs []string
	for _, c := range d.Commands {
		assert.NotEmpty(t, c.When)
		argvs = append(argvs, strings.Join(c.Argv, " "))
	}
	assert.Equal(t, []string{
		"sbatch --parsable /srv/sophia/run.sbatch",
		"squeue -h -j JOBID -o %T",
		"scontrol -o show job JOBID",
		"sacct -n -X -P -j JOBID -o State,ExitCode",
		"scancel --state=PENDING JOBID",
		"scancel --state=RUNNING --signal=TERM JOBID",
		"scancel JOBID",
	}, argvs)
	assert.Contains(t, d.Commands[1].When, "every 5s")
}

func TestParseJobID(t *testing.T) {
	tests := []struct {
		out, want string
		ok        bool
	}{
		{"123\n", "123", true},
		{"4567;cluster\n", "4567", true},
		{"sbatch: warning: something\n89\n", "89", true},
		{"", "", false},
		{"Submitted batch job 12\n", "", false},
		{"12a", "", false},
	}
	for _, tt := range tests {
		id, err := parseJobID([]byte(tt.out))
		if !tt.ok {
			assert.ErrorIs(t, err, ErrSlurmSubmit, "%q", tt.out)
			continue
		}
		require.NoError(t, err, "%q", tt.out)
		assert.Equal(t, tt.want, id)
	}
}

// scontrolOut is scontrol -o show job as Slurm 22.05 prints it (shortened).
const scontrolOut = `JobId=7 JobName=sophia-lora-dev UserId=root(0) GroupId=root(0) MCS_label=N/A Priority=1 Nice=0 Account=(null) QOS=(null) JobState=FAILED Reason=NonZeroExitCode Dependency=(null) Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=143:0 RunTime=00:00:01 TimeLimit=UNLIMITED StdOut=/tmp/j-7.log Power=`

func TestParseSlurmOutputs(t *testing.T) {
	st, err := parseScontrol("7", []byte(scontrolOut+"\n"))
	require.NoError(t, err)
	assert.Equal(t, SlurmStatus{ID: "7", State: "FAILED", ExitCode: 143, Reason: "NonZeroExitCode"}, st)
	assert.True(t, st.Done())
	assert.Equal(t, 143, st.exitCode(false))

	st, err = parseScontrol("8", []byte("JobId=8 JobState=CANCELLED Reason=None ExitCode=0:15\n"))
	require.NoError(t, err)
	assert.Equal(t, SlurmStatus{ID: "8", State: "CANCELLED", Signal: 15, Reason: "None"}, st)

	_, err = parseScontrol("9", []byte("JobId=9 ExitCode=0:0\n"))
	assert.Error(t, err)
	_, err = parseScontrol("9", []byte("JobId=9 JobState=COMPLETED ExitCode=zero\n"))
	assert.Error(t, err)

	assert.Equal(t, SlurmStatus{ID: "1", State: "RUNNING"}, parseSqueue("1", []byte("RUNNING\n")))
	assert.Equal(t, SlurmStatus{ID: "1"}, parseSqueue("1", []byte("")))

	st, ok := parseSacct("5", []byte("CANCELLED by 0|0:15\n"))
	require.True(t, ok)
	assert.Equal(t, SlurmStatus{ID: "5", State: "CANCELLED", Signal: 15}, st)
	st, ok = parseSacct("5", []byte("COMPLETED|3:0\n"))
	require.True(t, ok)
	assert.Equal(t, 3, st.ExitCode)
	_, ok = parseSacct("5", []byte(""))
	assert.False(t, ok)
}

func TestSlurmExitCode(t *testing.T) {
	tests := []struct {
		st          SlurmStatus
		interrupted bool
		want        int
	}{
		{SlurmStatus{State: "COMPLETED"}, false, 0},
		{SlurmStatus{State: "FAILED", ExitCode: 3}, false, 3},
		{SlurmStatus{State: "FAILED", Signal: 9}, false, 137},
		{SlurmStatus{State: "FAILED", ExitCode: 7}, true, SlurmExitCancelled},
		{SlurmStatus{State: "COMPLETED"}, true, SlurmExitCancelled},
		{SlurmStatus{State: "CANCELLED", Signal: 15}, false, SlurmExitCancelled},
		{SlurmStatus{State: "TIMEOUT", Signal: 15}, false, SlurmExitTimeout},
		{SlurmStatus{State: "NODE_FAIL"}, false, 1},
		{SlurmStatus{State: "OUT_OF_MEMORY", ExitCode: 0, Signal: 0}, false, 1},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.st.exitCode(tt.interrupted), "%+v interrupted=%v", tt.st, tt.interrupted)
	}
}

// fakeSlurm answers Slurm commands from a script of replies and records them.
type fakeSlurm struct {
	mu    sync.Mutex
	calls []string
	reply func(argv []string, n int) ([]byte, error) // n: how often this command came before
	count map[string]int
}

func (f *fakeSlurm) run(_ context.Context, argv []string) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	key := strings.Join(argv, " ")
	f.calls = append(f.calls, key)
	if f.count == nil {
		f.count = map[string]int{}
	}
	n := f.count[key]
	f.count[key]++
	return f.reply(argv, n)
}

func (f *fakeSlurm) commands() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func cmdErr(argv []string, stderr string) error {
	return &SlurmCommandError{Argv: argv, Stderr: stderr, Err: errors.New("exit status 1")}
}

func TestSlurmWaitFake(t *testing.T) {
	dir := t.TempDir()
	logPath := filepath.Join(dir, "job.log")
	// The squeue replies in order; the log grows between them.
	squeue := []string{"PENDING\n", "RUNNING\n", "RUNNING\n", "COMPLETING\n", ""}
	logs := []string{"", "step 1\n", "step 2\n", "", "done\n"}
	f := &fakeSlurm{reply: func(argv []string, n int) ([]byte, error) {
		switch argv[0] {
		case "sbatch":
			return []byte("42;sophia\n"), nil
		case "squeue":
			fh, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
			require.NoError(t, err)
			_, err = fh.WriteString(logs[n])
			require.NoError(t, err)
			require.NoError(t, fh.Close())
			return []byte(squeue[n]), nil
		case "scontrol":
			return []byte("JobId=42 JobState=FAILED Reason=NonZeroExitCode ExitCode=3:0\n"), nil
		}
		return nil, errors.New("unexpected")
	}}
	s := &Slurm{Run: f.run, Poll: time.Millisecond}
	id, err := s.Submit(context.Background(), "/w/run.sbatch")
	require.NoError(t, err)
	assert.Equal(t, "42", id)

	var out bytes.Buffer
	var states []string
	p := s.Follow(id, FollowConfig{Log: logPath, Out: &out, OnState: func(st SlurmStatus) { states = append(states, st.State) }})
	code, err := p.Wait()
	require.NoError(t, err)
	assert.Equal(t, 3, code)
	assert.Equal(t, []string{"PENDING", "RUNNING", "COMPLETING", "FAILED"}, states)
	assert.Equal(t, "step 1\nstep 2\ndone\n", out.String())
	assert.Equal(t, SlurmStatus{ID: "42", State: "FAILED", ExitCode: 3, Reason: "NonZeroExitCode"}, p.Status())
	assert.Equal(t, []string{
		"sbatch --parsable /w/run.sbatch",
		"squeue -h -j 42 -o %T", "squeue -h -j 42 -o %T", "squeue -h -j 42 -o %T", "squeue -h -j 42 -o %T", "squeue -h -j 42 -o %T",
		"scontrol -o show job 42",
	}, f.commands())
}

func TestSlurmWaitForgotten(t *testing.T) {
	f := &fakeSlurm{reply: func(argv []string, _ int) ([]byte, error) {
		switch argv[0] {
		case "squeue", "scontrol":
			return nil, cmdErr(argv, "slurm_load_jobs error: Invalid job id specified")
		case "sacct":
			return nil, cmdErr(argv, "sacct: error: Slurm accounting storage is disabled")
		}
		return nil, errors.New("unexpected")
	}}
	code, err := (&Slurm{Run: f.run, Poll: time.Millisecond}).Follow("9", FollowConfig{}).Wait()
	require.ErrorIs(t, err, ErrSlurmJobUnknown)
	assert.Equal(t, -1, code)

	// With accounting, sacct still knows the job.
	f.reply = func(argv []string, _ int) ([]byte, error) {
		if argv[0] == "sacct" {
			return []byte("COMPLETED|0:0\n"), nil
		}
		return nil, cmdErr(argv, "slurm_load_jobs error: Invalid job id specified")
	}
	code, err = (&Slurm{Run: f.run, Poll: time.Millisecond}).Follow("9", FollowConfig{}).Wait()
	require.NoError(t, err)
	assert.Equal(t, 0, code)
}

func TestSlurmWaitPatience(t *testing.T) {
	down := cmdErr([]string{"squeue"}, "slurm_load_jobs error: Unable to contact slurm controller (connect failure)")
	f := &fakeSlurm{reply: func(argv []string, n int) ([]byte, error) {
		if argv[0] == "squeue" && n < 3 {
			return nil, down // a controller that comes back
		}
		if argv[0] == "squeue" {
			return nil, nil
		}
		return []byte("JobId=1 JobState=COMPLETED ExitCode=0:0"), nil
	}}
	code, err := (&Slurm{Run: f.run, Poll: time.Millisecond, Patience: time.Hour}).Follow("1", FollowConfig{}).Wait()
	require.NoError(t, err)
	assert.Equal(t, 0, code)

	f = &fakeSlurm{reply: func([]string, int) ([]byte, error) { return nil, down }}
	_, err = (&Slurm{Run: f.run, Poll: time.Millisecond, Patience: 20 * time.Millisecond}).Follow("1", FollowConfig{}).Wait()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Unable to contact slurm controller")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = (&Slurm{Run: f.run}).Follow("1", FollowConfig{}).WaitContext(ctx)
	require.ErrorIs(t, err, context.Canceled)
}

func TestSlurmInterruptKillFake(t *testing.T) {
	f := &fakeSlurm{reply: func(argv []string, _ int) ([]byte, error) {
		switch strings.Join(argv, " ") {
		case "scancel --state=PENDING 5":
			return nil, cmdErr(argv, "scancel: error: No active jobs match ALL job filters, including: state=PENDING")
		case "scancel --state=RUNNING --signal=TERM 5", "scancel 5", "squeue -h -j 5 -o %T":
			return nil, nil
		case "scontrol -o show job 5":
			return []byte("JobId=5 JobState=COMPLETED ExitCode=0:0"), nil
		}
		return nil, cmdErr(argv, "unexpected")
	}}
	s := &Slurm{Run: f.run, Poll: time.Millisecond}
	p := s.Follow("5", FollowConfig{})
	require.NoError(t, p.Interrupt())
	require.NoError(t, p.Kill())
	assert.Equal(t, []string{"scancel --state=PENDING 5", "scancel --state=RUNNING --signal=TERM 5", "scancel 5"}, f.commands())
	code, err := p.Wait()
	require.NoError(t, err)
	assert.Equal(t, SlurmExitCancelled, code, "a job that ends after an interrupt reports the cancelled code")

	// A job already over when interrupted keeps its own exit code.
	f.reply = func(argv []string, _ int) ([]byte, error) {
		switch argv[0] {
		case "scancel":
			return nil, cmdErr(argv, "scancel: error: No active jobs match ALL job filters")
		case "squeue":
			return nil, nil
		}
		return []byte("JobId=5 JobState=COMPLETED ExitCode=0:0"), nil
	}
	p = s.Follow("5", FollowConfig{})
	require.NoError(t, p.Interrupt())
	code, err = p.Wait()
	require.NoError(t, err)
	assert.Equal(t, 0, code)

	// Other scancel failures are errors.
	f.reply = func(argv []string, _ int) ([]byte, error) {
		return nil, cmdErr(argv, "scancel: error: Kill job error on job id 5: Access/permission denied")
	}
	assert.ErrorContains(t, p.Interrupt(), "permission denied")
	assert.ErrorContains(t, p.Kill(), "permission denied")
}

func TestSlurmSubmitError(t *testing.T) {
	f := &fakeSlurm{reply: func(argv []string, _ int) ([]byte, error) {
		return nil, cmdErr(argv, "sbatch: error: invalid partition specified: gpu")
	}}
	_, err := (&Slurm{Run: f.run}).Submit(context.Background(), "x.sbatch")
	require.ErrorIs(t, err, ErrSlurmSubmit)
	assert.Contains(t, err.Error(), "invalid partition specified")
}

func TestExecSlurm(t *testing.T) {
	out, err := ExecSlurm(context.Background(), []string{"sh", "-c", "echo out; echo err >&2"})
	require.NoError(t, err)
	assert.Equal(t, "out\n", string(out))
	_, err = ExecSlurm(context.Background(), []string{"sh", "-c", "echo 'slurm_load_jobs error: Invalid job id specified' >&2; exit 1"})
	var ce *SlurmCommandError
	require.ErrorAs(t, err, &ce)
	assert.True(t, stderrHas(err, "Invalid job id"))
	assert.Equal(t, "sh -c echo 'slurm_load_jobs error: Invalid job id specified' >&2; exit 1: exit status 1: slurm_load_jobs error: Invalid job id specified", ce.Error())
}

func TestExpandOutput(t *testing.T) {
	assert.Equal(t, "/l/run-12-100%.log", expandOutput("/l/%x-%j-100%%.log", "12", "run"))
}

// FuzzParseSlurm feeds arbitrary command output to the parsers of sbatch,
// squeue, scontrol and sacct output: no panic, and a job ID is always digits.
func FuzzParseSlurm(f *testing.F) {
	for _, s := range []string{"123\n", "4567;cluster\n", "RUNNING\n", scontrolOut, "CANCELLED by 0|0:15\n", "JobState=X ExitCode=1:", "|", "ExitCode=:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if id, err := parseJobID([]byte(s)); err == nil {
			require.NotEmpty(t, id)
			require.Equal(t, -1, strings.IndexFunc(id, func(r rune) bool { return r < '0' || r > '9' }), id)
		}
		_ = parseSqueue("1", []byte(s))
		if st, err := parseScontrol("1", []byte(s)); err == nil {
			require.NotEmpty(t, st.State)
		}
		if st, ok := parseSacct("1", []byte(s)); ok {
			require.NotEmpty(t, st.State)
		}
	})
}
