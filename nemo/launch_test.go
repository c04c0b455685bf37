package nemo

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sophia-ai/sophia-eval/checkpoint"
	"github.com/sophia-ai/sophia-eval/gpu"
	"github.com/sophia-ai/sophia-eval/gpu/gputest"
	"github.com/sophia-ai/sophia-eval/internal/standin"
)

// launchConfig is the example config made small: steps steps, a validation (and
// checkpoint) every interval steps, top 3 kept, output under a temporary
// directory, and the test binary as the trainer (see TestMain).
func launchConfig(t *testing.T, steps, interval int) *Config {
	t.Helper()
	c, err := Load("testdata/lora.yaml")
	require.NoError(t, err)
	c.Run.OutputDir = filepath.Join(t.TempDir(), "results")
	c.Run.Trainer = []string{os.Args[0]}
	c.Training.Steps = steps
	c.Training.ValCheckInterval = interval
	c.Training.CheckpointInterval = interval
	c.Training.Schedule.WarmupSteps = 1
	c.Resources.GPUsPerNode = 1
	require.False(t, HasErrors(CheckConfig(c)), "%v", CheckConfig(c))
	return c
}

// syncBuffer is a bytes.Buffer safe for concurrent use that calls on with its
// content after every write.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	on  func(string)
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	if b.on != nil {
		b.on(b.buf.String())
	}
	return len(p), nil
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// harness runs Launch with the stand-in and records what happened.
type harness struct {
	c      *Config
	opts   LaunchOptions
	out    *syncBuffer
	mu     sync.Mutex
	events []LaunchEvent
	proc   *LocalProcess
}

func newHarness(t *testing.T, steps, interval int, faults ...string) *harness {
	h := &harness{c: launchConfig(t, steps, interval), out: &syncBuffer{}}
	env := append(os.Environ(), envStandIn+"=1")
	env = append(env, faults...)
	h.opts = LaunchOptions{
		Dir:            t.TempDir(),
		Grace:          10 * time.Second,
		WatchInterval:  10 * time.Millisecond,
		WatchStableFor: 1,
		Output:         h.out,
		Env:            env,
		OpenGPU:        func() (gpu.System, error) { return nil, gpu.ErrNoDriver },
		OnEvent: func(e LaunchEvent) {
			h.mu.Lock()
			h.events = append(h.events, e)
			h.mu.Unlock()
		},
		Start: func(ctx context.Context, argv []string, o LocalOptions) (Process, error) {
			p, err := StartLocal(ctx, argv, o)
			h.mu.Lock()
			h.proc = p
			h.mu.Unlock()
			return p, err
		},
	}
	return h
}

func (h *harness) launch(t *testing.T, ctx context.Context) *RunReport {
	t.Helper()
	rep, err := Launch(ctx, h.c, h.opts)
	require.NoError(t, err, "trainer output:\n%s", h.out.String())
	if t.Failed() || rep.ExitCode != 0 {
		t.Logf("trainer output:\n%s", h.out.String())
	}
	return rep
}

// checkpointAt returns the report's non -last checkpoint of step.
func checkpointAt(t *testing.T, rep *RunReport, step int64) *CheckpointResult {
	t.Helper()
	for _, c := range rep.Checkpoints {
		if c.Step == step && !strings.HasSuffix(c.Name, "-last.ckpt") {
			return c
		}
	}
	require.Failf(t, "no checkpoint", "step %d in %v", step, rep.Checkpoints)
	return nil
}

func TestLaunchHappyPath(t *testing.T) {
	h := newHarness(t, 8, 2)
	rep := h.launch(t, context.Background())

	assert.Equal(t, 0, rep.ExitCode)
	assert.False(t, rep.Interrupted)
	assert.False(t, rep.Killed)
	assert.Equal(t, "done", rep.Stage)
	assert.Zero(t, rep.CheckpointErrors)
	assert.Equal(t, "no NVIDIA driver: pre-flight and GPU sampling skipped", rep.GPUNote)

	// Every checkpoint left on disk was validated; those of later steps were
	// compared with an earlier one.
	var kept, compared int
	for _, c := range rep.Checkpoints {
		if !c.Exists {
			continue
		}
		kept++
		assert.Equal(t, StatusValid, c.Status, c.Name)
		assert.Equal(t, 8, c.Tensors, "2 layers x 2 target modules x (linear_in, linear_out)")
		assert.Zero(t, c.NaN)
		if strings.HasSuffix(c.Name, ".nemo") {
			// The adapter NeMo saves at the end: the last step's weights.
			assert.Equal(t, "nemo", c.Kind)
			require.NotNil(t, c.Compared)
			assert.Equal(t, 8, c.Compared.Unchanged)
			assert.Empty(t, c.Compared.Findings)
			continue
		}
		assert.Equal(t, "torch", c.Kind)
		if c.Compared != nil {
			compared++
			assert.True(t, c.Compared.Valid, c.Name)
			assert.Equal(t, 8, c.Compared.Changed)
		}
	}
	assert.Equal(t, 5, kept, "the top 3, the -last copy and the .nemo")
	assert.GreaterOrEqual(t, compared, 2)

	// The config was written where the command points, with the trainer in front.
	assert.FileExists(t, rep.ConfigFile)
	assert.Equal(t, os.Args[0], rep.Argv[0])
	assert.Contains(t, rep.Argv, "--config-path="+filepath.Dir(rep.ConfigFile))

	// The trainer's output went to the terminal and the log.
	assert.Contains(t, h.out.String(), "Epoch 0: step 8/8")
	logged, err := os.ReadFile(rep.LogFile)
	require.NoError(t, err)
	assert.Equal(t, h.out.String(), string(logged))

	// Predictions where PredictionFiles says, one line per evaluation item.
	preds := PredictionFiles(h.c)
	require.Len(t, preds, 1)
	assert.Equal(t, []PredictionRecord{{Path: preds[0], Exists: true}}, rep.Predictions)
	assert.Equal(t, standin.PredictionFile(filepath.Join(RunDir(h.c), "predictions", h.c.Run.Name), "eval"), preds[0])
	assert.Equal(t, 100, countLines(t, preds[0]))

	// The report on disk says the same.
	var onDisk RunReport
	b, err := os.ReadFile(filepath.Join(RunDir(h.c), LaunchReportJSON))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &onDisk))
	assert.Equal(t, 0, onDisk.ExitCode)
	assert.Len(t, onDisk.Checkpoints, len(rep.Checkpoints))
	md, err := os.ReadFile(filepath.Join(RunDir(h.c), LaunchReportMD))
	require.NoError(t, err)
	assert.Contains(t, string(md), "**Run succeeded.**")
}

func countLines(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		n++
	}
	return n
}

// TestLaunchNaNWhileRunning shows that an invalid checkpoint is reported while
// the trainer still runs: the trainer waits after step 4 (its NaN checkpoint) until
// a file exists, and only the callback that receives the finding creates it.
func TestLaunchNaNWhileRunning(t *testing.T) {
	release := filepath.Join(t.TempDir(), "release")
	h := newHarness(t, 8, 2, standin.EnvNaNAt+"=4", standin.EnvPauseAt+"=4", standin.EnvPauseFile+"="+release)
	var runningAtFinding, sawFinding bool
	var findingAt time.Time
	onEvent := h.opts.OnEvent
	h.opts.OnEvent = func(e LaunchEvent) {
		onEvent(e)
		if e.Watch == nil || e.Watch.Kind != checkpoint.EventValidated || e.Watch.Step != 4 || e.Watch.Report.Valid() || sawFinding {
			return
		}
		sawFinding, findingAt = true, e.Time
		h.mu.Lock()
		p := h.proc
		h.mu.Unlock()
		select {
		case <-p.Done():
		default:
			runningAtFinding = true
		}
		require.NoError(t, os.WriteFile(release, nil, 0o644))
	}
	rep := h.launch(t, context.Background())

	require.True(t, sawFinding, "the NaN checkpoint was never reported")
	assert.True(t, runningAtFinding, "the finding came after the trainer ended")
	assert.True(t, findingAt.Before(rep.End))
	assert.Equal(t, 0, rep.ExitCode)
	c := checkpointAt(t, rep, 4)
	assert.Equal(t, StatusInvalid, c.Status)
	assert.EqualValues(t, 1, c.NaN)
	assert.True(t, rep.CheckpointFailed())
	require.NotEmpty(t, c.Findings)
	assert.Equal(t, "error", c.Findings[0].Severity)
	// The event log orders the finding before the trainer's end.
	var iFinding, iExit = -1, -1
	for i, e := range rep.Events {
		if e.Kind == "validated" && e.Step == 4 && strings.HasPrefix(e.Message, "INVALID") && iFinding < 0 {
			iFinding = i
		}
		if strings.HasPrefix(e.Message, "trainer exited") {
			iExit = i
		}
	}
	require.GreaterOrEqual(t, iFinding, 0)
	assert.Less(t, iFinding, iExit)
	// Later checkpoints are valid again and compared with the last valid one.
	assert.Equal(t, StatusValid, checkpointAt(t, rep, 8).Status)
}

func TestLaunchCorruptCheckpoint(t *testing.T) {
	h := newHarness(t, 8, 2, standin.EnvCorruptAt+"=4")
	rep := h.launch(t, context.Background())
	assert.Equal(t, 0, rep.ExitCode)
	c := checkpointAt(t, rep, 4)
	assert.Equal(t, StatusInvalid, c.Status)
	require.NotEmpty(t, c.Findings)
	assert.Equal(t, "torch_not_zip", c.Findings[0].Code)
	// Only step 4 failed: the checkpoint and, when the watch saw it before it was
	// replaced, its -last copy.
	failed := 0
	for _, c := range rep.Checkpoints {
		if c.Failed() {
			failed++
			assert.EqualValues(t, 4, c.Step, c.Name)
		}
	}
	assert.Equal(t, failed, rep.CheckpointErrors)
	assert.True(t, rep.CheckpointFailed())
	md, err := os.ReadFile(filepath.Join(RunDir(h.c), LaunchReportMD))
	require.NoError(t, err)
	assert.Contains(t, string(md), "checkpoint(s) FAILED validation")
}

func TestLaunchTrainerFails(t *testing.T) {
	h := newHarness(t, 8, 2, standin.EnvFailAt+"=3", standin.EnvExitCode+"=3")
	rep := h.launch(t, context.Background())
	assert.Equal(t, 3, rep.ExitCode)
	assert.True(t, rep.TrainerFailed())
	assert.False(t, rep.Interrupted)
	assert.Contains(t, h.out.String(), "Traceback")
	assert.Equal(t, []PredictionRecord{{Path: PredictionFiles(h.c)[0], Exists: false}}, rep.Predictions)
	assert.Equal(t, StatusValid, checkpointAt(t, rep, 2).Status)
	assert.FileExists(t, filepath.Join(RunDir(h.c), LaunchReportJSON))
}

func TestLaunchRefused(t *testing.T) {
	t.Run("check errors", func(t *testing.T) {
		h := newHarness(t, 8, 2)
		h.c.LoRA.Rank = 0
		started := false
		h.opts.Start = func(context.Context, []string, LocalOptions) (Process, error) {
			started = true
			return nil, errors.New("no")
		}
		rep, err := Launch(context.Background(), h.c, h.opts)
		require.ErrorIs(t, err, ErrCheckFailed)
		assert.False(t, started)
		assert.Equal(t, "check", rep.Stage)
		assert.NotEmpty(t, rep.Check)
		assert.NoDirExists(t, RunDir(h.c))
	})
	t.Run("preflight without a driver", func(t *testing.T) {
		h := newHarness(t, 8, 2)
		h.opts.RequireGPU = true
		rep, err := Launch(context.Background(), h.c, h.opts)
		require.ErrorIs(t, err, ErrPreflightFailed)
		assert.Equal(t, "preflight", rep.Stage)
		assert.Equal(t, -1, rep.ExitCode)
	})
	t.Run("preflight finding", func(t *testing.T) {
		h := newHarness(t, 8, 2)
		h.opts.OpenGPU = func() (gpu.System, error) { return gputest.New(1), nil }
		h.opts.Requirements.GPUs = 4
		rep, err := Launch(context.Background(), h.c, h.opts)
		require.ErrorIs(t, err, ErrPreflightFailed)
		require.ErrorIs(t, err, gpu.ErrGPUCount)
		assert.True(t, rep.Preflight.Failed())
	})
}

func TestLaunchSamplesGPUs(t *testing.T) {
	h := newHarness(t, 4, 2, standin.EnvStepDelay+"=20ms")
	sys := gputest.New(2)
	h.opts.OpenGPU = func() (gpu.System, error) { return sys, nil }
	h.opts.SampleInterval = 10 * time.Millisecond
	rep := h.launch(t, context.Background())
	assert.Equal(t, 0, rep.ExitCode)
	require.NotNil(t, rep.Preflight)
	assert.False(t, rep.Preflight.Failed())
	require.NotNil(t, rep.GPU)
	assert.Len(t, rep.GPU.Devices, 2)
	assert.GreaterOrEqual(t, rep.GPU.Rounds, 1)
	assert.Equal(t, filepath.Join(RunDir(h.c), GPUSeriesFile), rep.GPUSeries)
	b, err := os.ReadFile(rep.GPUSeries)
	require.NoError(t, err)
	assert.Equal(t, 1+2*rep.GPU.Rounds, strings.Count(string(b), "\n"), "a header and a row per GPU and round")
	assert.True(t, sys.Closed)
}

func TestPlanLaunchResume(t *testing.T) {
	c := launchConfig(t, 8, 2)
	p, err := PlanLaunch(c, LaunchOptions{Dir: t.TempDir(), Resume: true})
	require.NoError(t, err)
	n := len(p.Argv)
	assert.Equal(t, []string{"exp_manager.resume_if_exists=true", "exp_manager.resume_ignore_no_checkpoint=true"}, p.Argv[n-2:])
	assert.True(t, filepath.IsAbs(p.ConfigFile))
	assert.Equal(t, filepath.Join(RunDir(c), "checkpoints"), p.CheckpointDir)

	c.Run.Trainer = nil
	p, err = PlanLaunch(c, LaunchOptions{})
	require.NoError(t, err)
	assert.Equal(t, []string{"python", FinetuningScript}, p.Argv[:2])
	assert.NotContains(t, strings.Join(p.Argv, " "), "$PWD")
}

func TestPredictionFiles(t *testing.T) {
	c := launchConfig(t, 8, 2)
	c.Data.Evaluation = []string{"data/eval.jsonl", "more/held_out.v2.jsonl"}
	prefix := filepath.Join(c.Run.OutputDir, c.Run.Name, "predictions", c.Run.Name)
	assert.Equal(t, []string{
		prefix + "_test_eval_inputs_preds_labels.jsonl",
		prefix + "_test_held_out.v2_inputs_preds_labels.jsonl",
	}, PredictionFiles(c))
	r, err := Render(c, RenderOptions{})
	require.NoError(t, err)
	assert.Contains(t, string(r.YAML), "output_file_path_prefix: "+prefix+"\n")
	assert.Contains(t, string(r.YAML), "names: [eval, held_out.v2]")
}
