package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/sophia-ai/sophia-eval/checkpoint"
)

type watchOptions struct {
	format         string
	interval       time.Duration
	stableFor      int
	once           bool
	normFactor     float64
	workers        int
	allowNonFinite bool
}

func newCheckpointWatchCmd(e *env) *cobra.Command {
	o := &watchOptions{}
	cmd := &cobra.Command{
		Use:   "watch [flags] DIR",
		Short: "Follow a training output directory and check each checkpoint as it lands",
		Long: `Follow DIR, where a training run writes its checkpoints (NeMo's
"<name>--val_loss=1.23-step=1000-consumed_samples=8000.0.ckpt" files or
directories, "-last" copies, the final ".nemo", Hugging Face "checkpoint-500/"
directories, plain *.safetensors files). A checkpoint is complete when NeMo's
"<stem>-unfinished" marker is gone and its size and modification time stayed the
same for --stable-for polls; then it is validated (as verify does) and compared
with the previous complete checkpoint (as diff does, ordered by step). Events are
printed as they happen: found, waiting, validated, compared, error.

Without --once, watch runs until interrupted (Ctrl-C) and then exits with 130.
With --once, it checks what is in DIR now and exits: 0 when every checkpoint is
valid and every comparison clean, 2 on an error finding, 1 when a checkpoint could
not be read.`,
		Example: `  sophia-eval checkpoint watch results/checkpoints
  sophia-eval checkpoint watch --once --format json results/checkpoints > events.jsonl`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runWatch(cmd.Context(), e, o, args[0])
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.format, "format", "f", "text", "output format: text or json (one event per line)")
	f.DurationVar(&o.interval, "interval", checkpoint.DefaultWatchInterval, "time between two scans of DIR")
	f.IntVar(&o.stableFor, "stable-for", checkpoint.DefaultWatchStableFor, "scans a checkpoint's size and mtime must stay the same before it is read")
	f.BoolVar(&o.once, "once", false, "check the checkpoints in DIR now and exit")
	f.Float64Var(&o.normFactor, "norm-factor", checkpoint.DefaultNormFactor, "warn when a tensor's L2 norm changes by more than this factor (> 1)")
	f.IntVar(&o.workers, "workers", 0, "scanning goroutines per file (0 = all cores)")
	f.BoolVar(&o.allowNonFinite, "allow-nonfinite", false, "report NaN and infinite values as warnings")
	return cmd
}

type eventJSON struct {
	Time     string           `json:"time"`
	Event    string           `json:"event"`
	Path     string           `json:"path"`
	Step     int64            `json:"step"`
	Reason   string           `json:"reason,omitempty"`
	Valid    *bool            `json:"valid,omitempty"`
	Report   *reportJSONT     `json:"report,omitempty"`
	Previous string           `json:"previous,omitempty"`
	Findings []findingJSON    `json:"findings,omitempty"`
	Summary  *diffSummaryJSON `json:"summary,omitempty"`
	Error    string           `json:"error,omitempty"`
}

func runWatch(ctx context.Context, e *env, o *watchOptions, dir string) error {
	if err := checkFormat(o.format); err != nil {
		return err
	}
	if o.interval <= 0 {
		return fmt.Errorf("invalid --interval %v: want a positive duration", o.interval)
	}
	if o.stableFor < 1 {
		return fmt.Errorf("invalid --stable-for %d: want 1 or more", o.stableFor)
	}
	wc := checkpoint.WatchConfig{
		Config:    checkpoint.Config{Workers: o.workers, AllowNonFinite: o.allowNonFinite, Logger: e.log},
		Diff:      checkpoint.DiffConfig{NormFactor: o.normFactor},
		Interval:  o.interval,
		StableFor: o.stableFor,
		Once:      o.once,
	}
	readErr, invalid := false, false
	var outErr error
	err := checkpoint.Watch(ctx, dir, wc, func(ev checkpoint.Event) {
		switch ev.Kind {
		case checkpoint.EventValidated:
			if !ev.Report.Valid() {
				invalid = true
			}
		case checkpoint.EventCompared:
			if !ev.Diff.Valid() {
				invalid = true
			}
		case checkpoint.EventError:
			readErr = true
		}
		if outErr != nil {
			return
		}
		if o.format == "json" {
			outErr = writeJSONLine(e.stdout, watchEventJSON(ev))
			return
		}
		outErr = printWatchEvent(e, ev)
	})
	if err != nil {
		return err
	}
	if outErr != nil {
		return outErr
	}
	switch {
	case readErr:
		return silentExit(ExitError)
	case invalid:
		return silentExit(ExitFindings)
	}
	return nil
}

func watchEventJSON(ev checkpoint.Event) eventJSON {
	out := eventJSON{Time: time.Now().UTC().Format(time.RFC3339Nano), Event: ev.Kind.String(), Path: ev.Path,
		Step: ev.Step, Reason: ev.Reason}
	switch ev.Kind {
	case checkpoint.EventValidated:
		v := ev.Report.Valid()
		r := reportJSON(ev.Report, false)
		out.Valid, out.Report = &v, &r
	case checkpoint.EventCompared:
		v := ev.Diff.Valid()
		s := ev.Diff.Summary
		out.Valid = &v
		out.Previous = ev.Diff.Prev.Path
		out.Findings = findingsJSON(ev.Diff.Findings)
		out.Summary = &diffSummaryJSON{Common: s.Common, Changed: s.Changed, Unchanged: s.Unchanged,
			Missing: s.Missing, Added: s.Added, DigestsCompared: s.DigestsCompared, NormsCompared: s.NormsCompared}
	case checkpoint.EventError:
		out.Error = ev.Err.Error()
	}
	return out
}

func printWatchEvent(e *env, ev checkpoint.Event) error {
	w := e.stdout
	stamp := time.Now().Format("15:04:05")
	switch ev.Kind {
	case checkpoint.EventFound:
		_, err := fmt.Fprintf(w, "%s found %s%s\n", stamp, ev.Path, parenthesised(ev.Reason))
		return err
	case checkpoint.EventWaiting:
		_, err := fmt.Fprintf(w, "%s waiting %s%s\n", stamp, ev.Path, parenthesised(ev.Reason))
		return err
	case checkpoint.EventValidated:
		fmt.Fprintf(w, "%s ", stamp)
		printReport(w, ev.Report, false)
	case checkpoint.EventCompared:
		d := ev.Diff
		s := d.Summary
		verdict := "ok"
		if !d.Valid() {
			verdict = "FAILED"
		}
		fmt.Fprintf(w, "%s compared %s with %s: %s (%d changed, %d unchanged, %d missing, %d added)\n",
			stamp, ev.Path, d.Prev.Path, verdict, s.Changed, s.Unchanged, s.Missing, s.Added)
		printFindings(w, d.Findings)
	case checkpoint.EventError:
		fmt.Fprintf(w, "%s error %s: %v\n", stamp, ev.Path, ev.Err)
	}
	return nil
}

func parenthesised(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}
