package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/sophia-ai/sophia-eval/gpu"
	"github.com/sophia-ai/sophia-eval/internal/atomicfile"
)

type gpuMonitorOptions struct {
	format   string
	interval time.Duration
	duration time.Duration
	out      string
	alerts   []string
	alertsMD string
}

func newGPUMonitorCmd(e *env) *cobra.Command {
	o := &gpuMonitorOptions{}
	cmd := &cobra.Command{
		Use:   "monitor [--duration D | -- COMMAND [ARGS...]]",
		Short: "Sample the GPUs during a run: time series, summary and alerts",
		Long: `monitor samples every GPU at --interval: utilisation, memory, temperature,
power, the energy counter, ECC error counters and clock throttle reasons.

It runs until interrupted (SIGINT or SIGTERM; exit 0), for --duration (exit 0,
or 130 when interrupted first), or for the lifetime of a command given after
"--": the command runs in its own process group with stdin closed, SIGINT and
SIGTERM sent to sophia-eval are forwarded to it, and sophia-eval exits with the
command's exit status (128+N when signal N killed it).

--out writes the time series, one row per GPU and sample, as CSV, JSONL or
Parquet by the file's extension (.csv, .jsonl/.ndjson, .parquet). The file is
written to a temporary file beside it and renamed when monitoring ends.

Alert rules (--alert, repeatable; "none" disables them) have the form
"METRIC OP VALUE [for DURATION]", e.g. "util < 20 for 5m". Metrics: util,
mem_util, mem_used_pct, mem_used_gib, temp, power, ecc_new,
ecc_uncorrected_new, throttle. Default: "util < 20 for 5m", "temp > 85",
"ecc_new > 0". Each firing prints an ALERT line on stderr; --alerts-md writes
the rules and firings as Markdown at the end.

At the end the summary (per GPU: mean and max utilisation, peak memory, max
temperature and power, energy, new ECC errors) goes to stdout.`,
		Example: `  sophia-eval gpu monitor --out gpu.csv
  sophia-eval gpu monitor --interval 5s --duration 1h --out gpu.parquet
  sophia-eval gpu monitor --out run.jsonl --alerts-md alerts.md -- python train.py`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 && cmd.ArgsLenAtDash() != 0 {
				return errors.New("the command to run goes after \"--\"")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runGPUMonitor(cmd.Context(), e, o, args)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.format, "format", "f", "text", "summary format: text or json")
	f.DurationVar(&o.interval, "interval", time.Second, "time between samples")
	f.DurationVar(&o.duration, "duration", 0, "stop after this long (default: until interrupted)")
	f.StringVarP(&o.out, "out", "o", "", "write the time series to this .csv, .jsonl or .parquet file")
	f.StringArrayVar(&o.alerts, "alert", nil, `alert rule "METRIC OP VALUE [for D]" (repeatable; "none" for no alerts)`)
	f.StringVar(&o.alertsMD, "alerts-md", "", "write the alert rules and firings to this Markdown file")
	return cmd
}

func (o *gpuMonitorOptions) rules() ([]gpu.Rule, error) {
	src := o.alerts
	if len(src) == 0 {
		src = gpu.DefaultRules
	}
	var rules []gpu.Rule
	for _, s := range src {
		if strings.TrimSpace(s) == "none" {
			continue
		}
		r, err := gpu.ParseRule(s)
		if err != nil {
			return nil, err
		}
		rules = append(rules, r)
	}
	return rules, nil
}

func runGPUMonitor(ctx context.Context, e *env, o *gpuMonitorOptions, argv []string) error {
	if err := checkFormat(o.format); err != nil {
		return err
	}
	if o.interval <= 0 {
		return errors.New("--interval must be positive")
	}
	if o.duration < 0 || o.duration > 0 && len(argv) > 0 {
		return errors.New("--duration must be positive and cannot be combined with a command")
	}
	rules, err := o.rules()
	if err != nil {
		return err
	}
	seriesFormat := ""
	if o.out != "" {
		if seriesFormat, err = gpu.FormatOf(o.out); err != nil {
			return err
		}
	}
	sys, err := e.openGPU()
	if err != nil {
		return err
	}
	defer sys.Close()

	cfg := gpu.MonitorConfig{
		Interval: o.interval,
		Ticks:    e.gpuTicks,
		Now:      e.clock,
		Rules:    rules,
		OnAlert:  func(a gpu.Alert) { fmt.Fprintln(e.stderr, a) },
	}
	if o.duration > 0 {
		cfg.Until = e.clock().Add(o.duration)
	}
	// monitor runs until mctx is done; in command mode that is when the command ends.
	mctx := ctx
	var child *childProcess
	if len(argv) > 0 {
		if child, err = startChild(e, argv); err != nil {
			return err
		}
		mctx = child.done
	}
	var res *gpu.MonitorResult
	monitor := func(w io.Writer) error {
		if w != nil {
			sw, err := gpu.NewSeriesWriter(w, seriesFormat)
			if err != nil {
				return err
			}
			cfg.Series = sw
			res, err = gpu.Monitor(mctx, sys, cfg)
			if cerr := sw.Close(); err == nil {
				err = cerr
			}
			return err
		}
		res, err = gpu.Monitor(mctx, sys, cfg)
		return err
	}
	if o.out != "" {
		err = atomicfile.Write(o.out, monitor)
	} else {
		err = monitor(nil)
	}
	var childErr error
	if child != nil {
		childErr = child.wait()
	}
	if err != nil {
		return err
	}
	if o.alertsMD != "" {
		if err := atomicfile.Write(o.alertsMD, func(w io.Writer) error {
			return gpu.WriteAlertsMarkdown(w, res.Rules, res.Firings, &res.Summary)
		}); err != nil {
			return err
		}
	}
	if o.format == "json" {
		err = writeJSONLine(e.stdout, monitorJSON(res, o.out))
	} else {
		printMonitorSummary(e.stdout, res, o.interval)
	}
	if err != nil {
		return err
	}
	if child != nil {
		return childErr
	}
	if o.duration > 0 && ctx.Err() != nil {
		return ctx.Err() // interrupted before the duration was up: 130
	}
	return nil
}

// childProcess is the command gpu monitor runs.
type childProcess struct {
	cmd    *exec.Cmd
	argv   []string
	done   context.Context // done when the command has exited
	waited chan error
	stop   func()
	e      *env
}

func startChild(e *env, argv []string) (*childProcess, error) {
	c := exec.Command(argv[0], argv[1:]...)
	c.Stdout, c.Stderr = e.stdout, e.stderr
	ownProcessGroup(c)
	sigs := e.signals
	stopNotify := func() {}
	if sigs == nil {
		sigs = make(chan os.Signal, 2)
		signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
		stopNotify = func() { signal.Stop(sigs) }
	}
	if err := c.Start(); err != nil {
		stopNotify()
		return nil, fmt.Errorf("starting %s: %w", argv[0], err)
	}
	done, cancel := context.WithCancel(context.Background())
	p := &childProcess{cmd: c, argv: argv, done: done, waited: make(chan error, 1), e: e}
	go func() {
		p.waited <- c.Wait()
		cancel()
	}()
	go func() {
		for {
			select {
			case s := <-sigs:
				e.log.Info("forwarding signal", "signal", s.String(), "pid", c.Process.Pid)
				_ = c.Process.Signal(s)
			case <-done.Done():
				return
			}
		}
	}()
	p.stop = stopNotify
	return p, nil
}

// wait waits for the command and turns its exit status into sophia-eval's.
func (p *childProcess) wait() error {
	err := <-p.waited
	p.stop()
	if err == nil {
		return nil
	}
	var xe *exec.ExitError
	if !errors.As(err, &xe) {
		return err
	}
	code := exitStatus(xe.ProcessState)
	fmt.Fprintf(p.e.stderr, "sophia-eval: %s exited with status %d\n", p.argv[0], code)
	return silentExit(code)
}

func printMonitorSummary(w io.Writer, res *gpu.MonitorResult, interval time.Duration) {
	s := res.Summary
	fmt.Fprintf(w, "monitored %s for %s (%d samples, every %s)\n", plural(len(s.Devices), "GPU"),
		s.End.Sub(s.Start).Round(time.Millisecond), s.Rounds, interval)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "GPU\tutil mean\tutil max\tmem util mean\tpeak memory\tmax temp\tmax power\tenergy\tnew ECC\t")
	f := func(v float64, format string) string {
		if v != v {
			return "n/a"
		}
		return fmt.Sprintf(format, v)
	}
	for _, d := range s.Devices {
		mem := "n/a"
		if d.PeakMemoryUsed == d.PeakMemoryUsed {
			mem = humanBytes(int64(d.PeakMemoryUsed))
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", d.Device,
			f(d.MeanUtil, "%.1f %%"), f(d.MaxUtil, "%.0f %%"), f(d.MeanMemUtil, "%.1f %%"), mem,
			f(d.MaxTempC, "%.0f °C"), f(d.MaxPowerW, "%.1f W"), f(d.EnergyJ/3.6e6, "%.4f kWh"), f(d.NewECC, "%.0f"))
	}
	tw.Flush()
	fmt.Fprintf(w, "alerts: %s", plural(len(res.Firings), "firing"))
	if len(res.Firings) > 0 {
		active := 0
		for _, a := range res.Firings {
			if a.Resolved.IsZero() {
				active++
			}
		}
		fmt.Fprintf(w, " (%d still active at the end)", active)
	}
	fmt.Fprintln(w)
}

func monitorJSON(res *gpu.MonitorResult, out string) any {
	type devJSON struct {
		Device         int      `json:"device"`
		Samples        int      `json:"samples"`
		MeanUtil       *float64 `json:"mean_util"`
		MaxUtil        *float64 `json:"max_util"`
		MeanMemUtil    *float64 `json:"mean_mem_util"`
		PeakMemoryUsed *float64 `json:"peak_memory_used"`
		MaxTempC       *float64 `json:"max_temperature_c"`
		MaxPowerW      *float64 `json:"max_power_w"`
		EnergyJ        *float64 `json:"energy_j"`
		EnergySource   string   `json:"energy_source"`
		NewECC         *float64 `json:"new_ecc_errors"`
	}
	type alertJSON struct {
		Rule     string     `json:"rule"`
		Device   int        `json:"device"`
		Since    time.Time  `json:"since"`
		Fired    time.Time  `json:"fired"`
		Value    float64    `json:"value"`
		Resolved *time.Time `json:"resolved"`
	}
	s := res.Summary
	out2 := struct {
		Start   time.Time   `json:"start"`
		End     time.Time   `json:"end"`
		Samples int         `json:"samples"`
		Series  string      `json:"series,omitempty"`
		Devices []devJSON   `json:"devices"`
		Rules   []string    `json:"rules"`
		Alerts  []alertJSON `json:"alerts"`
	}{Start: s.Start.UTC(), End: s.End.UTC(), Samples: s.Rounds, Series: out, Devices: []devJSON{}, Rules: []string{}, Alerts: []alertJSON{}}
	for _, d := range s.Devices {
		out2.Devices = append(out2.Devices, devJSON{d.Device, d.Samples, num(d.MeanUtil), num(d.MaxUtil), num(d.MeanMemUtil),
			num(d.PeakMemoryUsed), num(d.MaxTempC), num(d.MaxPowerW), num(d.EnergyJ), d.EnergySource, num(d.NewECC)})
	}
	for _, r := range res.Rules {
		out2.Rules = append(out2.Rules, r.String())
	}
	for _, a := range res.Firings {
		aj := alertJSON{Rule: a.Rule.String(), Device: a.Device, Since: a.Since.UTC(), Fired: a.Fired.UTC(), Value: a.Value}
		if !a.Resolved.IsZero() {
			r := a.Resolved.UTC()
			aj.Resolved = &r
		}
		out2.Alerts = append(out2.Alerts, aj)
	}
	return out2
}
