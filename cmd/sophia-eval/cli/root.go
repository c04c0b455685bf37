// Package cli implements the sophia-eval command line: one file per command, all of
// them thin layers that map flags onto a library Config, call one library function and
// print its result.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sophia-ai/sophia-eval/gpu"
)

// Exit codes of sophia-eval.
const (
	ExitOK          = 0   // success
	ExitError       = 1   // cannot read input, bad usage, any other error
	ExitFindings    = 2   // validation found problems, an acceptance gate failed
	ExitInterrupted = 130 // SIGINT or SIGTERM
)

// env is what every command needs from the outside world.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
	log    *slog.Logger
	// terminal reports whether a writer is a terminal; nil means isTerminal.
	terminal func(io.Writer) bool

	logLevel  string
	logFormat string

	// gpuOpen opens the GPUs; nil means gpu.Open. Tests inject a fake.
	gpuOpen func() (gpu.System, error)
	// gpuTicks replaces the ticker of gpu monitor and now its clock; for tests.
	gpuTicks <-chan time.Time
	now      func() time.Time
	// signals, when set, replaces signal.Notify for the command gpu monitor runs.
	signals chan os.Signal
}

// exitError carries an exit code other than ExitError. When silent is set, the message
// has already been printed.
type exitError struct {
	code   int
	err    error
	silent bool
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// silentExit returns an error that exits with code without printing anything more.
func silentExit(code int) error { return &exitError{code: code, silent: true} }

// Main runs sophia-eval with args (without the program name) and returns the process
// exit code. It is the only place that turns errors into exit codes.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return run(ctx, args, stdin, stdout, stderr, os.Getenv)
}

// run is Main with the environment lookup injected, for tests.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	return runEnv(ctx, args, &env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv})
}

func runEnv(ctx context.Context, args []string, e *env) int {
	stdout, stderr := e.stdout, e.stderr
	root := newRootCmd(e)
	root.SetArgs(rewriteArgs(args))
	root.SetIn(e.stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) || errors.Is(err, context.Canceled) {
		fmt.Fprintln(stderr, "sophia-eval: interrupted")
		return ExitInterrupted
	}
	var xe *exitError
	if errors.As(err, &xe) {
		if !xe.silent {
			fmt.Fprintf(stderr, "sophia-eval: %v\n", xe.err)
		}
		return xe.code
	}
	fmt.Fprintf(stderr, "sophia-eval: %v\n", err)
	return ExitError
}

func newRootCmd(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:   "sophia-eval",
		Short: "Evaluate and audit LoRA fine-tunes of LLMs trained with NVIDIA NeMo",
		Long: `sophia-eval scores model outputs with sacreBLEU-exact BLEU, validates what a
fine-tune produces and drives the NeMo run, without a Python stack.

Results go to stdout, logs and progress to stderr. Exit codes: 0 ok, 1 error
(unreadable input, bad usage), 2 findings (validation or acceptance gate failed),
130 interrupted.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return e.setupLogging()
		},
	}
	root.PersistentFlags().StringVar(&e.logLevel, "log-level", "warn", "log level on stderr: debug, info, warn, error")
	root.PersistentFlags().StringVar(&e.logFormat, "log-format", "text", "log format on stderr: text or json")
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return fmt.Errorf("%w\nRun '%s --help' for usage.", err, cmd.CommandPath())
	})
	root.AddCommand(
		newVersionCmd(e),
		newDemoCmd(e),
		newBLEUCmd(e),
		newRougeCmd(e),
		newCheckpointCmd(e),
		newWinrateCmd(e),
		newGPUCmd(e),
		newNeMoCmd(e),
		newAuditCmd(e),
		newScoreCmd(e),
		newSampleCmd(e),
		newStandinCmd(e),
	)
	return root
}

func (e *env) isTerminal(w io.Writer) bool {
	if e.terminal != nil {
		return e.terminal(w)
	}
	return isTerminal(w)
}

func (e *env) setupLogging() error {
	var level slog.Level
	switch strings.ToLower(e.logLevel) {
	case "debug":
		level = slog.LevelDebug
	case "info":
		level = slog.LevelInfo
	case "warn", "warning":
		level = slog.LevelWarn
	case "error":
		level = slog.LevelError
	default:
		return fmt.Errorf("invalid --log-level %q: want debug, info, warn or error", e.logLevel)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch e.logFormat {
	case "text":
		e.log = slog.New(slog.NewTextHandler(e.stderr, opts))
	case "json":
		e.log = slog.New(slog.NewJSONHandler(e.stderr, opts))
	default:
		return fmt.Errorf("invalid --log-format %q: want text or json", e.logFormat)
	}
	return nil
}

// rewriteArgs maps the single-dash multi-letter flags that sacreBLEU users type onto
// the long flags of the bleu command. Other commands are left alone.
func rewriteArgs(args []string) []string {
	for i, a := range args {
		if a == "bleu" {
			return append(append([]string(nil), args[:i+1]...), rewriteBLEUArgs(args[i+1:])...)
		}
		if !strings.HasPrefix(a, "-") {
			break
		}
	}
	return args
}
