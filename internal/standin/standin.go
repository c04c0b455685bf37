// Package standin is a stand-in for NeMo 1.x's megatron_gpt_finetuning.py, for
// tests and the demo where NeMo is not available. It is run in place of python
// with the rendered command's arguments (the script path, --config-path,
// --config-name and Hydra overrides), reads the rendered Hydra config and behaves
// like a NeMo LoRA run without training anything:
//   - it prints Lightning-like progress lines with a deterministic loss curve;
//   - at every validation interval (and at the last step) it saves a Lightning
//     checkpoint into <exp_dir>/<name>/checkpoints, named by the config's
//     checkpoint filename template (<name>--validation_loss=1.234-step=100-consumed_samples=3200.0.ckpt)
//     plus a -last copy, each created with NeMo's -unfinished marker beside it
//     that is removed once the file is complete, and keeps save_top_k checkpoints
//     by the monitored loss, as NeMo does;
//   - a checkpoint is a torch.save zip holding the LoRA adapter matrices of the
//     configured rank (linear_in, linear_out of each target module of two layers
//     of width 64), deterministic from model.seed and changing a little each step;
//   - with exp_manager.resume_if_exists it continues from the step of the last
//     checkpoint in the directory;
//   - when training ends, it writes the predictions file NeMo's generate step
//     writes for each test file: <output_file_path_prefix>_test_<name>_inputs_preds_labels.jsonl,
//     one {"input", "pred", "label"} object per item, the prediction being the label
//     with some words dropped or changed (deterministic from the seed);
//   - on SIGTERM or SIGINT (ctx done) it saves a checkpoint of the last completed
//     step and exits with status 0, as NeMo's preemption handling ends a run cleanly.
//
// Faults are injected with flags among the arguments or environment variables
// (a flag wins); see Options. docs/launch.md documents them for users.
package standin

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// Environment variables that set Options (the flag of the same name wins).
const (
	EnvStepDelay     = "SOPHIA_STANDIN_STEP_DELAY"     // --step-delay=DURATION
	EnvNaNAt         = "SOPHIA_STANDIN_NAN_AT"         // --nan-at=STEP
	EnvCorruptAt     = "SOPHIA_STANDIN_CORRUPT_AT"     // --corrupt-at=STEP
	EnvFailAt        = "SOPHIA_STANDIN_FAIL_AT"        // --fail-at=STEP
	EnvExitCode      = "SOPHIA_STANDIN_EXIT_CODE"      // --exit-code=K
	EnvHangAt        = "SOPHIA_STANDIN_HANG_AT"        // --hang-at=STEP
	EnvPauseAt       = "SOPHIA_STANDIN_PAUSE_AT"       // --pause-at=STEP
	EnvPauseFile     = "SOPHIA_STANDIN_PAUSE_FILE"     // --pause-file=PATH
	EnvIgnoreSIGTERM = "SOPHIA_STANDIN_IGNORE_SIGTERM" // --ignore-sigterm
	EnvSpawnChild    = "SOPHIA_STANDIN_SPAWN_CHILD"    // --spawn-child
)

// Options are the stand-in's own switches. Steps count from 1; 0 switches a fault
// off.
type Options struct {
	// StepDelay is the time one training step takes. Default: 0.
	StepDelay time.Duration
	// NaNAt writes a NaN into one adapter weight of the first checkpoint saved at
	// or after this step (its -last copy too).
	NaNAt int64
	// CorruptAt truncates the first checkpoint saved at or after this step to half
	// its length (the marker protocol is kept: the file is complete, but broken).
	CorruptAt int64
	// FailAt makes the run fail after this step with ExitCode, printing a Python
	// traceback. With ExitCode set and FailAt 0 it fails after the last step,
	// before writing predictions.
	FailAt int64
	// ExitCode is the exit status of a failing run. Default: 1.
	ExitCode int
	// HangAt makes the run stop after this step (and its checkpoint) until it is
	// signalled; with IgnoreSIGTERM, until it is killed.
	HangAt int64
	// PauseAt and PauseFile make the run wait after step PauseAt until the file
	// PauseFile exists (a signal still stops it): a test can hold the trainer while
	// it observes the watch.
	PauseAt   int64
	PauseFile string
	// IgnoreSIGTERM makes the run ignore SIGTERM and SIGINT, like a trainer stuck
	// in a collective operation; only SIGKILL ends it.
	IgnoreSIGTERM bool
	// SpawnChild starts a child process in the trainer's process group that ignores
	// SIGTERM and SIGINT and sleeps for an hour (sh -c 'trap "" TERM INT; exec
	// sleep 3600'), like a data loader worker that would outlive the trainer.
	SpawnChild bool
}

// flagNames maps the flags onto their environment variables.
var flagNames = map[string]string{
	"--step-delay": EnvStepDelay, "--nan-at": EnvNaNAt, "--corrupt-at": EnvCorruptAt,
	"--fail-at": EnvFailAt, "--exit-code": EnvExitCode, "--hang-at": EnvHangAt,
	"--pause-at": EnvPauseAt, "--pause-file": EnvPauseFile,
	"--ignore-sigterm": EnvIgnoreSIGTERM, "--spawn-child": EnvSpawnChild,
}

// invocation is a parsed command line.
type invocation struct {
	script     string
	configPath string
	configName string
	overrides  []string
	opts       Options
}

// parseArgs splits args into the stand-in's flags, Hydra's flags and overrides,
// and the script path; the environment fills the flags not given.
func parseArgs(args []string, getenv func(string) string) (*invocation, error) {
	inv := &invocation{}
	set := map[string]string{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, val, hasVal := strings.Cut(a, "=")
		switch {
		case name == "--config-path" || name == "-cp" || name == "--config-name" || name == "-cn":
			if !hasVal {
				if i+1 >= len(args) {
					return nil, fmt.Errorf("standin: %s needs a value", name)
				}
				i++
				val = args[i]
			}
			if name == "--config-path" || name == "-cp" {
				inv.configPath = val
			} else {
				inv.configName = val
			}
		case flagNames[name] != "":
			if !hasVal {
				if name != "--ignore-sigterm" && name != "--spawn-child" {
					return nil, fmt.Errorf("standin: %s needs a value (%s=...)", name, name)
				}
				val = "1"
			}
			set[flagNames[name]] = val
		case strings.HasPrefix(a, "-"):
			return nil, fmt.Errorf("standin: unknown flag %s", a)
		case hasVal:
			inv.overrides = append(inv.overrides, a)
		case inv.script == "":
			inv.script = a
		default:
			return nil, fmt.Errorf("standin: unexpected argument %q", a)
		}
	}
	get := func(env string) string {
		if v, ok := set[env]; ok {
			return v
		}
		return getenv(env)
	}
	o := &inv.opts
	var err error
	if s := get(EnvStepDelay); s != "" {
		if o.StepDelay, err = time.ParseDuration(s); err != nil || o.StepDelay < 0 {
			return nil, fmt.Errorf("standin: step delay %q: want a duration like 50ms", s)
		}
	}
	steps := []struct {
		env string
		dst *int64
	}{{EnvNaNAt, &o.NaNAt}, {EnvCorruptAt, &o.CorruptAt}, {EnvFailAt, &o.FailAt}, {EnvHangAt, &o.HangAt}, {EnvPauseAt, &o.PauseAt}}
	for _, s := range steps {
		if v := get(s.env); v != "" {
			if *s.dst, err = strconv.ParseInt(v, 10, 64); err != nil || *s.dst < 0 {
				return nil, fmt.Errorf("standin: %s %q: want a step number", s.env, v)
			}
		}
	}
	if v := get(EnvExitCode); v != "" {
		if o.ExitCode, err = strconv.Atoi(v); err != nil || o.ExitCode < 0 || o.ExitCode > 255 {
			return nil, fmt.Errorf("standin: exit code %q: want 0 to 255", v)
		}
	}
	o.PauseFile = get(EnvPauseFile)
	if (o.PauseAt > 0) != (o.PauseFile != "") {
		return nil, fmt.Errorf("standin: the pause step and the pause file go together")
	}
	o.IgnoreSIGTERM = truthy(get(EnvIgnoreSIGTERM))
	o.SpawnChild = truthy(get(EnvSpawnChild))
	return inv, nil
}

func truthy(s string) bool {
	b, err := strconv.ParseBool(s)
	return err == nil && b
}

// Run runs the stand-in trainer with args, the arguments that follow the program
// in the rendered command (script, --config-path=DIR, --config-name=NAME,
// overrides) and the stand-in's own flags anywhere among them, and returns its
// exit status. Progress goes to stdout, tracebacks to stderr. ctx being done
// stands for SIGTERM or SIGINT: the caller connects it to the signals
// (signal.NotifyContext), so that they are caught and not fatal. getenv reads the
// Options' environment variables; nil means os.Getenv.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if getenv == nil {
		getenv = os.Getenv
	}
	inv, err := parseArgs(args, getenv)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	h, err := loadHydra(inv.configPath, inv.configName, inv.overrides)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	t, err := newTrainer(h, inv.opts, stdout, stderr)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if inv.opts.SpawnChild {
		if err := spawnChild(stdout, stderr); err != nil {
			fmt.Fprintf(stderr, "standin: starting the child: %v\n", err)
			return 1
		}
	}
	return t.run(ctx)
}

// spawnChild starts a process in the trainer's group that ignores SIGTERM and
// SIGINT, with the trainer's output, and does not wait for it.
func spawnChild(stdout, stderr io.Writer) error {
	c := exec.Command("sh", "-c", `trap "" TERM INT; exec sleep 3600`)
	if f, ok := stdout.(*os.File); ok {
		c.Stdout = f
	}
	if f, ok := stderr.(*os.File); ok {
		c.Stderr = f
	}
	if err := c.Start(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "[stand-in] started data loader worker pid %d (it ignores SIGTERM)\n", c.Process.Pid)
	return c.Process.Release()
}
