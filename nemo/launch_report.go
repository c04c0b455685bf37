package nemo

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strings"
	"time"

	"github.com/sophia-ai/sophia-eval/checkpoint"
	"github.com/sophia-ai/sophia-eval/gpu"
)

// Status of a checkpoint in a RunReport.
const (
	StatusValid      = "valid"      // validated without an error finding
	StatusInvalid    = "invalid"    // validated with error findings (NaN, truncated, ...)
	StatusError      = "error"      // could not be validated (unknown layout, unreadable)
	StatusUnfinished = "unfinished" // its -unfinished marker was still there at the end
	StatusRemoved    = "removed"    // deleted (top k) before it could be validated
	StatusPending    = "pending"    // found, not processed yet (only while running)
)

// RunReport is what Launch reports about a run; launch_report.json is its JSON
// encoding and launch_report.md its Markdown rendering.
type RunReport struct {
	Run       string `json:"run"`
	Container string `json:"container"`
	NeMo      string `json:"nemo"`
	// Stage is how far the launch got: check, preflight, render, start, train, done.
	Stage      string   `json:"stage"`
	RunDir     string   `json:"run_dir"`
	ConfigFile string   `json:"config_file"`
	Argv       []string `json:"argv"`
	Command    string   `json:"command"`
	LogFile    string   `json:"log_file"`
	Resume     bool     `json:"resume"`
	// Start and End are when the trainer started and ended.
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// ExitCode is the trainer's exit code (128+N when signal N ended it); -1 when
	// it did not start.
	ExitCode int `json:"exit_code"`
	// Interrupted is set when the launch was interrupted and asked the trainer to
	// stop; Killed when the trainer had to be killed after the grace period.
	Interrupted bool `json:"interrupted"`
	Killed      bool `json:"killed"`
	// Checkpoints in the order they were found.
	Checkpoints []*CheckpointResult `json:"checkpoints"`
	// CheckpointErrors counts the checkpoints that failed: invalid, not
	// validatable, or with an error in the comparison with the previous one.
	CheckpointErrors int                `json:"checkpoint_errors"`
	Predictions      []PredictionRecord `json:"predictions"`
	// Check holds the config check's findings (warnings when the run started).
	Check []FindingRecord `json:"check"`
	// Preflight is the GPU pre-flight's report; nil when it did not run.
	Preflight *gpu.Report `json:"-"`
	// GPU summarises the GPU samples, written to GPUSeries; GPUNote says why there
	// are none.
	GPU       *gpu.Summary `json:"gpu,omitempty"`
	GPUSeries string       `json:"gpu_series,omitempty"`
	GPUNote   string       `json:"gpu_note,omitempty"`
	Notes     []string     `json:"notes"`
	// Events are every event of the launch, in order.
	Events []EventRecord `json:"events"`
}

// TrainerFailed reports whether the trainer ran and exited with a code other than 0.
func (r *RunReport) TrainerFailed() bool { return r.ExitCode != 0 }

// CheckpointFailed reports whether a checkpoint failed (CheckpointErrors > 0).
func (r *RunReport) CheckpointFailed() bool { return r.CheckpointErrors > 0 }

// CheckpointResult is one checkpoint of the run and its verdict.
type CheckpointResult struct {
	Path string `json:"path"`
	Name string `json:"name"`
	// Step is the step in its name, -1 when none.
	Step int64 `json:"step"`
	// Found is when the watch first saw it, Checked when it was validated.
	Found   time.Time `json:"found"`
	Checked time.Time `json:"checked,omitzero"`
	// Status is one of the Status constants.
	Status  string `json:"status"`
	Kind    string `json:"kind,omitempty"`
	Size    int64  `json:"size"`
	Tensors int    `json:"tensors"`
	// NaN and Inf count the non-finite values over all tensors.
	NaN      int64           `json:"nan"`
	Inf      int64           `json:"inf"`
	Findings []FindingRecord `json:"findings"`
	// Error says why it could not be validated (StatusError).
	Error string `json:"error,omitempty"`
	// Waiting is the last reason the watch waited for it.
	Waiting string `json:"waiting,omitempty"`
	// Compared is the comparison with the previous valid checkpoint.
	Compared *Comparison `json:"compared,omitempty"`
	// Exists says whether it was still on disk when the run ended (NeMo deletes
	// checkpoints that leave the top k).
	Exists bool `json:"exists"`
}

// Failed reports whether the checkpoint is invalid, could not be validated, or
// its comparison with the previous one found an error.
func (c *CheckpointResult) Failed() bool {
	return c.Status == StatusInvalid || c.Status == StatusError || (c.Compared != nil && !c.Compared.Valid)
}

func (c *CheckpointResult) setReport(r *checkpoint.Report, now time.Time) {
	c.Checked, c.Kind, c.Size, c.Tensors = now, string(r.Kind), r.Size, len(r.Tensors)
	c.NaN, c.Inf = 0, 0
	for _, t := range r.Tensors {
		c.NaN += t.NaN
		c.Inf += t.PosInf + t.NegInf
	}
	c.Findings = checkpointFindings(r.Findings)
	c.Status = StatusValid
	if !r.Valid() {
		c.Status = StatusInvalid
	}
}

// Comparison is a checkpoint compared with the previous valid one.
type Comparison struct {
	Prev      string          `json:"prev"`
	Valid     bool            `json:"valid"`
	Changed   int             `json:"changed"`
	Unchanged int             `json:"unchanged"`
	Missing   int             `json:"missing"`
	Added     int             `json:"added"`
	Findings  []FindingRecord `json:"findings"`
}

func comparisonOf(d *checkpoint.DiffReport) *Comparison {
	s := d.Summary
	return &Comparison{Prev: d.Prev.Path, Valid: d.Valid(), Changed: s.Changed, Unchanged: s.Unchanged,
		Missing: s.Missing, Added: s.Added, Findings: checkpointFindings(d.Findings)}
}

// FindingRecord is a finding of a check, a checkpoint validation or a comparison,
// as the report writes it.
type FindingRecord struct {
	Severity string `json:"severity"`
	Code     string `json:"code"`
	// Where is the finding's location: a config key or a tensor and file.
	Where   string `json:"where,omitempty"`
	Message string `json:"message"`
}

func checkpointFindings(fs []checkpoint.Finding) []FindingRecord {
	out := []FindingRecord{}
	for i := range fs {
		f := &fs[i]
		var where []string
		if f.File != "" {
			where = append(where, f.File)
		}
		if f.Tensor != "" {
			where = append(where, f.Tensor)
		}
		msg := ""
		if f.Err != nil {
			msg = f.Err.Error()
		}
		out = append(out, FindingRecord{Severity: f.Severity.String(), Code: f.Code, Where: strings.Join(where, " "), Message: msg})
	}
	return out
}

func findingRecords(fs []Finding) []FindingRecord {
	out := []FindingRecord{}
	for i := range fs {
		f := &fs[i]
		out = append(out, FindingRecord{Severity: f.Severity.String(), Code: f.Code, Where: f.Path, Message: f.Message()})
	}
	return out
}

// PredictionRecord is a predictions file the run was to write.
type PredictionRecord struct {
	Path   string `json:"path"`
	Exists bool   `json:"exists"`
}

// EventRecord is one event of the launch.
type EventRecord struct {
	Time time.Time `json:"time"`
	// Kind is the checkpoint event's kind (found, waiting, validated, compared,
	// error); "" for a message of the launch.
	Kind    string `json:"kind,omitempty"`
	Path    string `json:"path,omitempty"`
	Step    int64  `json:"step,omitempty"`
	Message string `json:"message"`
}

// watchMessage describes a checkpoint event in one line.
func watchMessage(ev *checkpoint.Event) string {
	switch ev.Kind {
	case checkpoint.EventFound, checkpoint.EventWaiting:
		if ev.Reason != "" {
			return ev.Kind.String() + ": " + ev.Reason
		}
		return ev.Kind.String()
	case checkpoint.EventValidated:
		r := ev.Report
		var nan, inf int64
		for _, t := range r.Tensors {
			nan += t.NaN
			inf += t.PosInf + t.NegInf
		}
		verdict := "valid"
		if !r.Valid() {
			verdict = "INVALID"
		}
		msg := fmt.Sprintf("%s: %s, %d tensors, %d NaN, %d Inf", verdict, r.Kind, len(r.Tensors), nan, inf)
		for i := range r.Findings {
			if r.Findings[i].Severity == checkpoint.Error {
				msg += "; " + r.Findings[i].Error()
				break
			}
		}
		return msg
	case checkpoint.EventCompared:
		d := ev.Diff
		verdict := "ok"
		if !d.Valid() {
			verdict = "FAILED"
		}
		return fmt.Sprintf("compared with %s: %s (%d changed, %d unchanged, %d missing, %d added, %d findings)",
			d.Prev.Path, verdict, d.Summary.Changed, d.Summary.Unchanged, d.Summary.Missing, d.Summary.Added, len(d.Findings))
	case checkpoint.EventError:
		return "error: " + ev.Err.Error()
	}
	return ev.Kind.String()
}

// WriteJSON writes r as one indented JSON document.
func (r *RunReport) WriteJSON(w io.Writer) error {
	type preflight struct {
		Passed   bool            `json:"passed"`
		Findings []FindingRecord `json:"findings"`
	}
	type gpuSummary struct {
		Start   time.Time        `json:"start"`
		End     time.Time        `json:"end"`
		Rounds  int              `json:"rounds"`
		Devices []map[string]any `json:"devices"`
	}
	out := struct {
		*RunReport
		Preflight *preflight  `json:"preflight,omitempty"`
		GPU       *gpuSummary `json:"gpu,omitempty"`
	}{RunReport: r}
	if r.Preflight != nil {
		p := &preflight{Passed: !r.Preflight.Failed(), Findings: []FindingRecord{}}
		for i := range r.Preflight.Findings {
			f := &r.Preflight.Findings[i]
			where := ""
			if f.Device >= 0 {
				where = fmt.Sprintf("gpu %d", f.Device)
			}
			p.Findings = append(p.Findings, FindingRecord{Severity: f.Severity.String(), Code: f.Code, Where: where, Message: f.Err.Error()})
		}
		out.Preflight = p
	}
	if s := r.GPU; s != nil {
		// NaN (a metric a device never reported) is null.
		g := &gpuSummary{Start: s.Start, End: s.End, Rounds: s.Rounds, Devices: []map[string]any{}}
		for _, d := range s.Devices {
			num := func(v float64) any {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return nil
				}
				return v
			}
			g.Devices = append(g.Devices, map[string]any{
				"device": d.Device, "samples": d.Samples, "mean_util": num(d.MeanUtil), "max_util": num(d.MaxUtil),
				"peak_memory_used": num(d.PeakMemoryUsed), "max_temperature_c": num(d.MaxTempC),
				"max_power_w": num(d.MaxPowerW), "energy_j": num(d.EnergyJ), "new_ecc_errors": num(d.NewECC),
			})
		}
		out.GPU = g
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

// WriteMarkdown writes r as a Markdown document for people.
func (r *RunReport) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Launch report: %s\n\n", r.Run)
	verdict := "succeeded"
	switch {
	case r.Interrupted:
		verdict = "interrupted"
	case r.TrainerFailed():
		verdict = fmt.Sprintf("FAILED (trainer exit code %d)", r.ExitCode)
	}
	if r.CheckpointFailed() {
		verdict += fmt.Sprintf("; %d checkpoint(s) FAILED validation", r.CheckpointErrors)
	}
	fmt.Fprintf(&b, "**Run %s.**\n\n", verdict)
	b.WriteString("| | |\n|---|---|\n")
	row := func(k, v string) { fmt.Fprintf(&b, "| %s | %s |\n", k, mdCell(v)) }
	row("container", fmt.Sprintf("%s (NeMo %s)", r.Container, r.NeMo))
	row("command", "`"+r.Command+"`")
	row("config", r.ConfigFile)
	row("run directory", r.RunDir)
	row("log", r.LogFile)
	row("resume", fmt.Sprint(r.Resume))
	row("start", r.Start.UTC().Format(time.RFC3339))
	row("end", r.End.UTC().Format(time.RFC3339))
	if !r.Start.IsZero() && !r.End.IsZero() {
		row("duration", r.End.Sub(r.Start).Round(time.Millisecond).String())
	}
	row("exit code", fmt.Sprint(r.ExitCode))
	row("interrupted", fmt.Sprint(r.Interrupted))
	row("killed after grace period", fmt.Sprint(r.Killed))

	fmt.Fprintf(&b, "\n## Checkpoints\n\n")
	if len(r.Checkpoints) == 0 {
		b.WriteString("No checkpoint was written.\n")
	} else {
		b.WriteString("| checkpoint | step | status | tensors | NaN | Inf | compared with previous | kept |\n|---|---:|---|---:|---:|---:|---|---|\n")
		for _, c := range r.Checkpoints {
			cmp := "—"
			if c.Compared != nil {
				cmp = fmt.Sprintf("ok (%d changed, %d unchanged)", c.Compared.Changed, c.Compared.Unchanged)
				if !c.Compared.Valid {
					cmp = "FAILED"
				}
			}
			fmt.Fprintf(&b, "| %s | %d | %s | %d | %d | %d | %s | %v |\n", mdCell(c.Name), c.Step, c.Status, c.Tensors, c.NaN, c.Inf, cmp, c.Exists)
		}
		for _, c := range r.Checkpoints {
			if len(c.Findings) == 0 && c.Error == "" && (c.Compared == nil || len(c.Compared.Findings) == 0) {
				continue
			}
			fmt.Fprintf(&b, "\n### %s\n\n", mdCell(c.Name))
			if c.Error != "" {
				fmt.Fprintf(&b, "- error: %s\n", mdCell(c.Error))
			}
			for _, f := range c.Findings {
				fmt.Fprintf(&b, "- %s `%s` %s %s\n", f.Severity, f.Code, mdCell(f.Where), mdCell(f.Message))
			}
			if c.Compared != nil {
				for _, f := range c.Compared.Findings {
					fmt.Fprintf(&b, "- compared with %s: %s `%s` %s %s\n", mdCell(c.Compared.Prev), f.Severity, f.Code, mdCell(f.Where), mdCell(f.Message))
				}
			}
		}
	}
	if len(r.Predictions) > 0 {
		b.WriteString("\n## Predictions\n\n")
		for _, p := range r.Predictions {
			state := "written"
			if !p.Exists {
				state = "missing"
			}
			fmt.Fprintf(&b, "- %s (%s)\n", mdCell(p.Path), state)
		}
	}
	b.WriteString("\n## GPUs\n\n")
	if r.Preflight != nil {
		state := "passed"
		if r.Preflight.Failed() {
			state = "FAILED"
		}
		fmt.Fprintf(&b, "Pre-flight %s.\n", state)
		for i := range r.Preflight.Findings {
			fmt.Fprintf(&b, "- %s\n", mdCell(r.Preflight.Findings[i].Error()))
		}
		b.WriteString("\n")
	}
	if s := r.GPU; s != nil {
		fmt.Fprintf(&b, "%d sample rounds, series in %s.\n\n", s.Rounds, r.GPUSeries)
		b.WriteString("| GPU | mean util % | max util % | peak memory GiB | max temp °C | max power W |\n|---:|---:|---:|---:|---:|---:|\n")
		for _, d := range s.Devices {
			fmt.Fprintf(&b, "| %d | %s | %s | %s | %s | %s |\n", d.Device, mdNum(d.MeanUtil, 1), mdNum(d.MaxUtil, 0),
				mdNum(d.PeakMemoryUsed/(1<<30), 1), mdNum(d.MaxTempC, 0), mdNum(d.MaxPowerW, 1))
		}
	} else {
		fmt.Fprintf(&b, "No GPU samples: %s.\n", r.GPUNote)
	}
	if len(r.Check) > 0 || len(r.Notes) > 0 {
		b.WriteString("\n## Notes\n\n")
		for _, f := range r.Check {
			fmt.Fprintf(&b, "- check %s `%s` %s: %s\n", f.Severity, f.Code, f.Where, mdCell(f.Message))
		}
		for _, n := range r.Notes {
			fmt.Fprintf(&b, "- %s\n", mdCell(n))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func mdNum(v float64, prec int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "n/a"
	}
	return fmt.Sprintf("%.*f", prec, v)
}

// String describes the event in one line: the message, or "checkpoint NAME:
// what happened" for a checkpoint event.
func (e LaunchEvent) String() string {
	if e.Watch == nil {
		return e.Message
	}
	return "checkpoint " + filepath.Base(e.Watch.Path) + ": " + watchMessage(e.Watch)
}
