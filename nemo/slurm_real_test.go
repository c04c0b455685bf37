package nemo

// Tests against a real Slurm: they submit jobs to the cluster sbatch reaches
// (in CI the one-node Slurm of .ci/slurm-up) and are skipped where there is no
// sbatch, except in CI, where a missing Slurm fails them.

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sophia-ai/sophia-eval/checkpoint"
	"github.com/sophia-ai/sophia-eval/internal/stfile"
)

// realSlurm returns a Slurm client for the tests, or skips the test where
// there is no Slurm (fails it in CI).
func realSlurm(t *testing.T) *Slurm {
	t.Helper()
	if _, err := exec.LookPath("sbatch"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but sbatch is not on PATH: .ci/slurm-up should have started Slurm")
		}
		t.Skip("no Slurm here (sbatch not on PATH); sudo .ci/slurm-up starts a one-node Slurm")
	}
	return &Slurm{Poll: 100 * time.Millisecond}
}

// realRun is one job submitted to the real Slurm and followed.
type realRun struct {
	p      *SlurmProcess
	dir    string
	log    *syncBuffer
	mu     sync.Mutex
	states []string
	done   chan struct{}
	code   int
	err    error
}

// startReal writes the script of a job running the bash script body in a fresh
// directory, launches it and starts Wait on its own goroutine.
func startReal(t *testing.T, s *Slurm, body string, edit func(j *SlurmJob)) *realRun {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "trainer.sh"), []byte("#!/bin/bash\n"+body), 0o755))
	j := SlurmJob{
		Name:      "sophia-test-" + strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-")),
		Output:    filepath.Join(dir, "logs", "slurm-%j.log"),
		Dir:       dir,
		NoGRES:    true,
		TimeLimit: "5", // a safety net: no test job outlives a broken test by long
		Argv:      []string{"./trainer.sh"},
	}
	if edit != nil {
		edit(&j)
	}
	r := &realRun{dir: dir, log: &syncBuffer{}, done: make(chan struct{})}
	p, err := s.Launch(context.Background(), j, filepath.Join(dir, "job.sbatch"), FollowConfig{
		Out: r.log,
		OnState: func(st SlurmStatus) {
			r.mu.Lock()
			r.states = append(r.states, st.State)
			r.mu.Unlock()
		},
	})
	require.NoError(t, err)
	r.p = p
	t.Cleanup(func() {
		select {
		case <-r.done:
		default: // a test that failed early: do not leave its job behind
			_ = p.Kill()
			<-r.done
		}
	})
	go func() {
		r.code, r.err = p.Wait()
		close(r.done)
	}()
	return r
}

// wait returns Wait's results once the job has ended.
func (r *realRun) wait(t *testing.T) (int, []string) {
	t.Helper()
	<-r.done
	require.NoError(t, r.err)
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.code, append([]string(nil), r.states...)
}

// waitFile waits until the job has created name in its directory; it fails
// the test when the job ends first.
func (r *realRun) waitFile(t *testing.T, name string) {
	t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if _, err := os.Stat(filepath.Join(r.dir, name)); err == nil {
			return
		}
		select {
		case <-r.done:
			if _, err := os.Stat(filepath.Join(r.dir, name)); err == nil {
				return
			}
			t.Fatalf("the job ended (exit %d, %v) without creating %s; its log:\n%s", r.code, r.err, name, r.log)
		case <-tick.C:
		}
	}
}

func TestSlurmRealSucceeds(t *testing.T) {
	s := realSlurm(t)
	t.Parallel()
	r := startReal(t, s, `echo "trainer of job $SLURM_JOB_ID in $PWD, task $SLURM_PROCID of $SLURM_NTASKS"
echo "step 1 loss=2.0"
`, func(j *SlurmJob) {
		j.Preflight = []string{"sh", "-c", "echo preflight on $(hostname -s)"}
	})
	code, states := r.wait(t)
	assert.Equal(t, 0, code)
	require.NotEmpty(t, states)
	assert.Equal(t, "COMPLETED", states[len(states)-1])
	log := r.log.String()
	want := fmt.Sprintf("trainer of job %s in %s, task 0 of 1\nstep 1 loss=2.0\n", r.p.ID, r.dir)
	assert.Contains(t, log, want)
	i := strings.Index(log, "preflight on ")
	assert.True(t, i >= 0 && i < strings.Index(log, want), "the pre-flight runs before the trainer:\n%s", log)
	// The tailed log is the job's log file.
	file, err := os.ReadFile(filepath.Join(r.dir, "logs", "slurm-"+r.p.ID+".log"))
	require.NoError(t, err)
	assert.Equal(t, string(file), log)
}

func TestSlurmRealExitCode(t *testing.T) {
	s := realSlurm(t)
	t.Parallel()
	r := startReal(t, s, "echo failing\nexit 3\n", nil)
	code, states := r.wait(t)
	assert.Equal(t, 3, code)
	assert.Equal(t, "FAILED", states[len(states)-1])
	assert.Equal(t, SlurmStatus{ID: r.p.ID, State: "FAILED", ExitCode: 3, Reason: "NonZeroExitCode"}, r.p.Status())
	assert.Contains(t, r.log.String(), "failing\n")
}

func TestSlurmRealPreflightFails(t *testing.T) {
	s := realSlurm(t)
	t.Parallel()
	r := startReal(t, s, "touch trainer-ran\n", func(j *SlurmJob) {
		j.Preflight = []string{"sh", "-c", "echo no GPU here; exit 2"}
	})
	code, _ := r.wait(t)
	assert.Equal(t, 2, code)
	assert.NoFileExists(t, filepath.Join(r.dir, "trainer-ran"))
	assert.Contains(t, r.log.String(), "sophia-eval: the pre-flight failed (exit 2); the trainer was not started")
}

func TestSlurmRealInterrupt(t *testing.T) {
	s := realSlurm(t)
	t.Parallel()
	// The trainer saves on SIGTERM, as NeMo does: here it writes a file in its trap.
	r := startReal(t, s, `trap 'echo "saving on SIGTERM"; echo "$SLURM_JOB_ID" > termed; exit 0' TERM
touch started
for i in $(seq 3000); do sleep 0.1; done
echo "never interrupted"
exit 9
`, nil)
	r.waitFile(t, "started")
	require.NoError(t, r.p.Interrupt())
	code, states := r.wait(t)
	assert.Equal(t, SlurmExitCancelled, code)
	termed, err := os.ReadFile(filepath.Join(r.dir, "termed"))
	require.NoError(t, err, "the trainer got no SIGTERM; log:\n%s", r.log)
	assert.Equal(t, r.p.ID+"\n", string(termed))
	assert.Contains(t, r.log.String(), "saving on SIGTERM")
	// The job ran (it wrote "started"); Wait, called only after Interrupt, may see
	// it end before its first look, so RUNNING need not be among the states.
	// The trainer ended on its own after the signal: the job is not CANCELLED.
	assert.Equal(t, "COMPLETED", states[len(states)-1])
}

func TestSlurmRealInterruptPending(t *testing.T) {
	s := realSlurm(t)
	t.Parallel()
	// A job that may not start for two minutes is cancelled by Interrupt, not started.
	dir := t.TempDir()
	j := SlurmJob{Name: "sophia-test-pending", Output: filepath.Join(dir, "slurm-%j.log"), Dir: dir, NoGRES: true, Argv: []string{"touch", "trainer-ran"}}
	script := filepath.Join(dir, "job.sbatch")
	require.NoError(t, WriteSlurmScript(j, script))
	out, err := ExecSlurm(context.Background(), []string{"sbatch", "--parsable", "--begin=now+120", script})
	require.NoError(t, err)
	id, err := parseJobID(out)
	require.NoError(t, err)
	p := s.Follow(id, FollowConfig{})
	require.NoError(t, p.Interrupt())
	code, err := p.Wait()
	require.NoError(t, err)
	assert.Equal(t, SlurmExitCancelled, code)
	assert.Equal(t, "CANCELLED", p.Status().State)
	assert.NoFileExists(t, filepath.Join(dir, "trainer-ran"))
}

func TestSlurmRealKill(t *testing.T) {
	s := realSlurm(t)
	t.Parallel()
	r := startReal(t, s, "touch started\nfor i in $(seq 3000); do sleep 0.1; done\nexit 9\n", nil)
	r.waitFile(t, "started")
	require.NoError(t, r.p.Kill())
	code, states := r.wait(t)
	assert.Equal(t, SlurmExitCancelled, code)
	assert.Equal(t, "CANCELLED", states[len(states)-1])
}

func TestSlurmRealCheckpointWatch(t *testing.T) {
	s := realSlurm(t)
	t.Parallel()
	// Two small adapters, written by the job one after the other with NeMo-style
	// -unfinished markers; the second only once the test has seen the first
	// validated, so the job is certainly still running when that happens.
	tmpl := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 2))
	for i, name := range []string{"t1.safetensors", "t2.safetensors"} {
		b := stfile.Build([]stfile.Tensor{
			{Name: "lora_a.weight", DType: "F32", Shape: []uint64{8, 16}, Data: stfile.Fill(rng, "F32", 128)},
			{Name: "lora_b.weight", DType: "F32", Shape: []uint64{16, 8}, Data: stfile.Fill(rng, "F32", 128)},
		}, map[string]string{"format": "pt", "step": fmt.Sprint(10 * (i + 1))})
		require.NoError(t, os.WriteFile(filepath.Join(tmpl, name), b, 0o644))
	}
	r := startReal(t, s, fmt.Sprintf(`set -e
mkdir -p checkpoints
save() { # save STEP TEMPLATE
	touch "checkpoints/adapter-step=$1-unfinished"
	cp "$2" "checkpoints/adapter-step=$1.safetensors"
	rm "checkpoints/adapter-step=$1-unfinished"
	echo "saved step $1"
}
save 10 %[1]s/t1.safetensors
for i in $(seq 600); do [ -e go-on ] && break; sleep 0.1; done
[ -e go-on ] || { echo "the test never saw step 10"; exit 4; }
save 20 %[1]s/t2.safetensors
`, tmpl), nil)
	ckpts := filepath.Join(r.dir, "checkpoints")
	require.NoError(t, os.MkdirAll(ckpts, 0o755)) // Watch needs the directory to list

	type seen struct {
		step  int64
		valid bool
		state string // the job's state when the event came
	}
	var events []seen
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	watched := make(chan error, 1)
	go func() {
		watched <- checkpoint.Watch(ctx, ckpts, checkpoint.WatchConfig{Interval: 50 * time.Millisecond}, func(e checkpoint.Event) {
			switch e.Kind {
			case checkpoint.EventValidated:
				out, err := ExecSlurm(ctx, squeueArgv(r.p.ID))
				state := strings.TrimSpace(string(out))
				if err != nil {
					state = err.Error()
				}
				events = append(events, seen{e.Step, e.Report.Valid(), state})
				if e.Step == 10 {
					if err := os.WriteFile(filepath.Join(r.dir, "go-on"), nil, 0o644); err != nil {
						t.Error(err)
					}
				}
				if e.Step == 20 {
					cancel()
				}
			case checkpoint.EventError:
				events = append(events, seen{e.Step, false, e.Err.Error()})
			}
		})
	}()
	code, states := r.wait(t)
	assert.Equal(t, 0, code, "log:\n%s", r.log)
	select {
	case err := <-watched:
		require.ErrorIs(t, err, context.Canceled)
	case <-time.After(time.Minute):
		t.Fatalf("the watch did not report step 20 within a minute of the job's end; events %v", events)
	}
	require.Len(t, events, 2, "%v", events)
	assert.Equal(t, seen{10, true, "RUNNING"}, events[0], "step 10 is validated while the job runs")
	assert.Equal(t, int64(20), events[1].step)
	assert.True(t, events[1].valid)
	assert.Equal(t, "COMPLETED", states[len(states)-1])
	assert.Contains(t, r.log.String(), "saved step 10\nsaved step 20\n")
}
