package cli

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sophia-ai/sophia-eval/nemo"
)

// needSlurm skips a test where there is no Slurm, except in CI, which starts one
// (.ci/slurm-up).
func needSlurm(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("sbatch"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but sbatch is not on PATH: .ci/slurm-up should have started Slurm")
		}
		t.Skip("no Slurm here (sbatch not on PATH); .ci/slurm-up starts a one-node Slurm")
	}
}

// slurmArgs are the flags of a launch on the one-node Slurm of CI, which has no
// GPU GRES.
var slurmArgs = []string{"--slurm", "--no-gres", "--slurm-poll", "100ms"}

// slurmExample is launchExample in the one-node Slurm's partition, debug, with
// no account (it keeps no accounting).
func slurmExample(t *testing.T, standinFlags ...string) string {
	t.Helper()
	cfg := launchExample(t, standinFlags...)
	b, err := os.ReadFile(cfg)
	require.NoError(t, err)
	s := strings.NewReplacer("partition: dgx", "partition: debug", "account: sophia", "").Replace(string(b))
	require.NotEqual(t, string(b), s)
	require.NoError(t, os.WriteFile(cfg, []byte(s), 0o644))
	return cfg
}

func TestNeMoLaunchSlurmDryRun(t *testing.T) {
	cfg := launchExample(t)
	stderr := &lockedBuffer{}
	code, out := runLaunch(t, context.Background(), stderr, append(slurmArgs, "--dry-run", cfg)...)
	require.Equal(t, ExitOK, code, stderr.String())
	script := filepath.Join(runDir(cfg), "sophia-lora-dev.sbatch")
	assert.Contains(t, out, "would write "+script+", the sbatch script that runs on Slurm:\n  #!/bin/bash\n")
	assert.Contains(t, out, "  #SBATCH --ntasks-per-node=1\n")
	assert.NotContains(t, out, "--gpus-per-node")
	assert.Contains(t, out, " gpu preflight --gpus 1 --allow-no-driver ")
	assert.Contains(t, out, "  sbatch --parsable "+script+"  # submit the script\n")
	assert.Contains(t, out, "  squeue -h -j JOBID -o %T  # every 100ms while the job is queued or running\n")
	assert.NoDirExists(t, runDir(cfg))

	code, out = runLaunch(t, context.Background(), stderr, append(slurmArgs, "--dry-run", "--require-gpu", "--format", "json", cfg)...)
	require.Equal(t, ExitOK, code, stderr.String())
	var j struct {
		Slurm struct {
			ScriptPath string `json:"script_path"`
			Script     string `json:"script"`
			Commands   []struct {
				Argv []string `json:"argv"`
			} `json:"commands"`
		} `json:"slurm"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &j))
	assert.Equal(t, script, j.Slurm.ScriptPath)
	assert.Contains(t, j.Slurm.Script, "exec srun --kill-on-bad-exit=1 "+os.Args[0]+" standin-trainer")
	assert.NotContains(t, j.Slurm.Script, "--allow-no-driver", "--require-gpu makes a node without a driver fail")
	require.NotEmpty(t, j.Slurm.Commands)
	assert.Equal(t, []string{"sbatch", "--parsable", script}, j.Slurm.Commands[0].Argv)
}

// The run goes through the real Slurm: the job runs the pre-flight and the
// stand-in trainer on the node, launch follows it, tails its log and validates
// its checkpoints as they land.
func TestNeMoLaunchSlurm(t *testing.T) {
	needSlurm(t)
	t.Run("happy", func(t *testing.T) {
		t.Parallel()
		cfg := slurmExample(t)
		stderr := &lockedBuffer{}
		code, out := runLaunch(t, context.Background(), stderr, append(slurmArgs, "--format", "json", cfg)...)
		require.Equal(t, ExitOK, code, "stderr:\n%s", stderr)
		var rep nemo.RunReport
		require.NoError(t, json.Unmarshal([]byte(out), &rep))
		assert.Equal(t, 0, rep.ExitCode)
		assert.False(t, rep.Interrupted)
		assert.Zero(t, rep.CheckpointErrors)
		valid := 0
		for _, c := range rep.Checkpoints {
			if c.Status == nemo.StatusValid {
				valid++
			}
		}
		assert.Positive(t, valid)
		se := stderr.String()
		assert.Regexp(t, `submitted .*sophia-lora-dev\.sbatch as Slurm job [0-9]+`, se)
		assert.Regexp(t, `slurm job [0-9]+ RUNNING`, se)
		assert.Contains(t, se, "warning no_driver", "the pre-flight ran on the node, its output in the job log")
		assert.Contains(t, se, "Epoch 0: step 6/6", "the job's log is tailed")
		assert.Regexp(t, `step=6-consumed_samples=192\.0\.ckpt: valid: torch`, se)
		assert.FileExists(t, filepath.Join(runDir(cfg), "sophia-lora-dev.sbatch"))
		assert.FileExists(t, rep.Predictions[0].Path)
	})
	t.Run("trainer fails", func(t *testing.T) {
		t.Parallel()
		cfg := slurmExample(t, "--fail-at=3", "--exit-code=3")
		stderr := &lockedBuffer{}
		code, out := runLaunch(t, context.Background(), stderr, append(slurmArgs, cfg)...)
		assert.Equal(t, ExitError, code, "stderr:\n%s", stderr)
		assert.Contains(t, stderr.String(), "sophia-eval: trainer exited with code 3\n")
		assert.Contains(t, out, "trainer exited with code 3")
	})
	t.Run("interrupted", func(t *testing.T) {
		t.Parallel()
		cfg := slurmExample(t, "--hang-at=3")
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		stderr := &lockedBuffer{on: func(s string) {
			if strings.Contains(s, "hanging after step 3") {
				cancel()
			}
		}}
		code, out := runLaunch(t, ctx, stderr, append(slurmArgs, cfg)...)
		assert.Equal(t, ExitInterrupted, code, "stderr:\n%s", stderr)
		assert.Contains(t, out, "run sophia-lora-dev: interrupted")
		// scancel --signal=TERM reached the trainer on the node, which saved.
		assert.Contains(t, stderr.String(), "saving a checkpoint at step 3")
		assert.Regexp(t, `step=3-consumed_samples=96\.0-last\.ckpt: valid`, stderr.String())
	})
}
