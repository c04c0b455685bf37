//go:build unix

package nemo

import (
	"context"
	"errors"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sophia-ai/sophia-eval/internal/standin"
)

// groupGone asserts that no process of the group pgid is left.
func groupGone(t *testing.T, pgid int) {
	t.Helper()
	err := syscall.Kill(-pgid, 0)
	assert.True(t, errors.Is(err, syscall.ESRCH), "process group %d still has processes (kill: %v)", pgid, err)
}

// TestLaunchInterrupted cancels the launch while the trainer waits after step 5;
// its data loader worker ignores SIGTERM. The trainer saves step 5 and exits, the
// worker is killed, and resuming continues from step 5.
func TestLaunchInterrupted(t *testing.T) {
	h := newHarness(t, 8, 2, standin.EnvHangAt+"=5", standin.EnvSpawnChild+"=1")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h.out.on = func(s string) {
		if strings.Contains(s, "hanging after step 5") {
			cancel()
		}
	}
	rep := h.launch(t, ctx)
	assert.True(t, rep.Interrupted)
	assert.False(t, rep.Killed)
	assert.Equal(t, 0, rep.ExitCode, "the stand-in exits 0 after saving, as NeMo does")
	assert.Contains(t, h.out.String(), "started data loader worker")
	assert.Contains(t, h.out.String(), "saving a checkpoint at step 5")
	c := checkpointAt(t, rep, 5)
	assert.Equal(t, StatusValid, c.Status)
	assert.True(t, c.Exists)
	assert.NotNil(t, c.Compared, "compared with step 4")
	groupGone(t, h.proc.Pid())
	assert.False(t, rep.Predictions[0].Exists)

	// Without --resume the run directory is refused; with it the run goes on.
	h.out = &syncBuffer{}
	h.opts.Output = h.out
	_, err := Launch(context.Background(), h.c, h.opts)
	require.ErrorIs(t, err, ErrRunExists)
	h.opts.Env = h.opts.Env[:len(h.opts.Env)-2]
	h.opts.Resume = true
	rep = h.launch(t, context.Background())
	assert.Equal(t, 0, rep.ExitCode)
	assert.Contains(t, h.out.String(), "Restoring states from the checkpoint path")
	// Validation runs every 2 steps: the resumed run validates 6 and 8, not 2 or 4.
	assert.NotContains(t, h.out.String(), "global step 4:")
	assert.Contains(t, h.out.String(), "global step 6:")
	assert.Contains(t, h.out.String(), "step 8/8")
	assert.True(t, rep.Predictions[0].Exists)
	assert.Zero(t, rep.CheckpointErrors)
}

// TestLaunchKilledAfterGrace: a trainer that ignores SIGTERM is killed when the
// grace period is over.
func TestLaunchKilledAfterGrace(t *testing.T) {
	h := newHarness(t, 8, 2, standin.EnvHangAt+"=3", standin.EnvIgnoreSIGTERM+"=1", standin.EnvSpawnChild+"=1")
	h.opts.Grace = 300 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h.out.on = func(s string) {
		if strings.Contains(s, "hanging after step 3") {
			cancel()
		}
	}
	rep := h.launch(t, ctx)
	assert.True(t, rep.Interrupted)
	assert.True(t, rep.Killed)
	assert.Equal(t, 128+int(syscall.SIGKILL), rep.ExitCode)
	groupGone(t, h.proc.Pid())
	// The stand-in saw the signal and ignored it before it was killed.
	assert.Eventually(t, func() bool { return strings.Contains(h.out.String(), "ignoring it") }, 5*time.Second, 10*time.Millisecond)
	assert.Equal(t, StatusValid, checkpointAt(t, rep, 2).Status)
}
