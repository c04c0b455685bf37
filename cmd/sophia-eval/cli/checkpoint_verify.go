package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sophia-ai/sophia-eval/checkpoint"
)

type verifyOptions struct {
	format          string
	stats           bool
	hash            bool
	workers         int
	allowNonFinite  bool
	maxDecompressed string
	progress        string
	quiet           bool
	manifest        string
}

// progressThreshold is the file size above which a progress bar is drawn.
const progressThreshold = 256 << 20

func newCheckpointVerifyCmd(e *env) *cobra.Command {
	o := &verifyOptions{}
	cmd := &cobra.Command{
		Use:   "verify [flags] PATH...",
		Short: "Validate checkpoints: structure, NaN/Inf, statistics, SHA-256",
		Long: `Validate each PATH, a file or a directory whose layout is detected by content:
  - a safetensors file (every rule of the reference reader, in its order, with
    its accept/reject decisions; NaN, +Inf and -Inf counted per tensor);
  - a gzip- or zstd-compressed safetensors file;
  - a Hugging Face sharded checkpoint directory (*.safetensors.index.json);
  - a PEFT LoRA adapter directory (adapter_config.json + adapter_model.safetensors);
  - a NeMo 1.x .nemo archive, a NeMo 2.0 checkpoint directory, a torch.save zip.
Each file is read once: the NaN/Inf scan, --stats and --hash share that read.

Findings are errors (the checkpoint is invalid) or warnings (the reference
loaders accept it, but it is suspicious or against the format's text: leading
whitespace in the header, "__metadata__": null, unknown tensor fields, BOOL
bytes other than 0/1, a missing "format" metadata entry). NaN and infinite
values are errors unless --allow-nonfinite.

--format json prints one JSON object per PATH, one per line: path, kind, valid,
size, findings (severity, code, file, tensor, offset, message), tensors (name,
dtype, shape, nbytes, nan, pos_inf, neg_inf, and stats with --stats), sha256
with --hash. A progress bar goes to stderr for files over 256 MB when stderr is
a terminal.

Exit codes: 0 every PATH valid (warnings allowed); 2 an error finding in any
PATH; 1 a PATH could not be read or bad usage; 130 interrupted.`,
		Example: `  sophia-eval checkpoint verify model.safetensors
  sophia-eval checkpoint verify --hash --stats --format json out/adapter/ > report.jsonl
  sophia-eval checkpoint verify results/checkpoints/*.safetensors.zst`,
		Args: func(cmd *cobra.Command, args []string) error {
			if o.manifest == "" {
				return cobra.MinimumNArgs(1)(cmd, args)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runVerify(cmd.Context(), e, o, args)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.format, "format", "f", "text", "output format: text or json")
	f.BoolVar(&o.stats, "stats", false, "compute per-tensor statistics: min, max, mean, std, zero fraction, L2 norm")
	f.BoolVar(&o.hash, "hash", false, "compute each file's SHA-256 (the Hugging Face Hub's LFS object id)")
	f.IntVar(&o.workers, "workers", 0, "scanning goroutines per file (0 = all cores)")
	f.BoolVar(&o.allowNonFinite, "allow-nonfinite", false, "report NaN and infinite values as warnings, not errors")
	f.StringVar(&o.maxDecompressed, "max-decompressed", "1TiB", "limit on the decompressed size of gzip/zstd checkpoints")
	f.StringVar(&o.progress, "progress", "auto", "progress bar on stderr: auto (terminal and large files), always, never")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "text output: print only invalid paths and their findings")
	f.StringVar(&o.manifest, "manifest", "", "check files against this SHA256SUMS (coreutils format) instead: each PATH is a directory the listed names are relative to (default: the checksum file's directory)")
	return cmd
}

func (o *verifyOptions) config() (checkpoint.Config, error) {
	c := checkpoint.Config{Stats: o.stats, Hash: o.hash, Workers: o.workers, AllowNonFinite: o.allowNonFinite}
	if o.workers < 0 {
		return c, fmt.Errorf("invalid --workers %d: want 0 or more", o.workers)
	}
	n, err := parseSize(o.maxDecompressed)
	if err != nil {
		return c, fmt.Errorf("invalid --max-decompressed: %w", err)
	}
	c.MaxDecompressed = n
	return c, nil
}

func runVerify(ctx context.Context, e *env, o *verifyOptions, paths []string) error {
	if err := checkFormat(o.format); err != nil {
		return err
	}
	switch o.progress {
	case "auto", "always", "never":
	default:
		return fmt.Errorf("invalid --progress %q: want auto, always or never", o.progress)
	}
	c, err := o.config()
	if err != nil {
		return err
	}
	c.Logger = e.log
	if o.manifest != "" {
		dirs := paths
		if len(dirs) == 0 {
			dirs = []string{filepath.Dir(o.manifest)}
		}
		allValid := true
		for _, d := range dirs {
			valid, err := runVerifyManifest(ctx, e, o, d)
			if err != nil {
				return err
			}
			allValid = allValid && valid
		}
		if !allValid {
			return silentExit(ExitFindings)
		}
		return nil
	}
	readErr, invalid := false, false
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return err
		}
		cc := c
		var bar *progressBar
		if o.showProgress(e, p) {
			bar = newProgressBar(e.stderr, filepath.Base(p))
			cc.Progress = bar.update
		}
		rep, err := checkpoint.ValidatePath(ctx, p, cc)
		bar.finish()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			readErr = true
			var pe *fs.PathError
			if errors.As(err, &pe) && pe.Path == p {
				err = pe.Err
			}
			fmt.Fprintf(e.stderr, "sophia-eval: %s: %v\n", p, err)
			continue
		}
		if !rep.Valid() {
			invalid = true
		}
		if o.format == "json" {
			if err := writeJSONLine(e.stdout, reportJSON(rep, o.stats)); err != nil {
				return err
			}
			continue
		}
		printReport(e.stdout, rep, o.quiet)
	}
	switch {
	case readErr:
		return silentExit(ExitError)
	case invalid:
		return silentExit(ExitFindings)
	}
	return nil
}

func (o *verifyOptions) showProgress(e *env, path string) bool {
	switch o.progress {
	case "never":
		return false
	case "always":
		return true
	}
	if !e.isTerminal(e.stderr) {
		return false
	}
	var size int64
	filepath.WalkDir(path, func(_ string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				size += fi.Size()
			}
		}
		return nil
	})
	return size > progressThreshold
}

// parseSize reads a byte count with an optional unit: 500MB, 2GiB, 1TiB, 1e9.
func parseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	units := []struct {
		suffix string
		mult   float64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10},
		{"TB", 1e12}, {"GB", 1e9}, {"MB", 1e6}, {"kB", 1e3}, {"KB", 1e3}, {"B", 1}}
	mult := 1.0
	for _, u := range units {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	var v float64
	if _, err := fmt.Sscanf(t, "%g", &v); err != nil || v <= 0 || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%q is not a positive size (like 500MB or 2GiB)", s)
	}
	return int64(v * mult), nil
}

type findingJSON struct {
	Severity string `json:"severity"`
	Code     string `json:"code"`
	File     string `json:"file,omitempty"`
	Tensor   string `json:"tensor"`
	Offset   int64  `json:"offset"`
	Message  string `json:"message"`
}

type statsJSON struct {
	Finite       int64    `json:"finite"`
	Min          *float64 `json:"min"`
	Max          *float64 `json:"max"`
	Mean         *float64 `json:"mean"`
	Std          *float64 `json:"std"`
	ZeroFraction float64  `json:"zero_fraction"`
	L2Norm       float64  `json:"l2_norm"`
}

type tensorJSON struct {
	Name    string     `json:"name"`
	DType   string     `json:"dtype"`
	Shape   []uint64   `json:"shape"`
	NBytes  uint64     `json:"nbytes"`
	File    string     `json:"file,omitempty"`
	Scanned bool       `json:"scanned"`
	NaN     int64      `json:"nan"`
	PosInf  int64      `json:"pos_inf"`
	NegInf  int64      `json:"neg_inf"`
	BadBool int64      `json:"bad_bool,omitempty"`
	Stats   *statsJSON `json:"stats,omitempty"`
}

type reportJSONT struct {
	Path        string            `json:"path"`
	Kind        string            `json:"kind"`
	Valid       bool              `json:"valid"`
	Size        int64             `json:"size"`
	Compression string            `json:"compression,omitempty"`
	SHA256      string            `json:"sha256,omitempty"`
	Metadata    map[string]string `json:"metadata,omitempty"`
	Findings    []findingJSON     `json:"findings"`
	Tensors     []tensorJSON      `json:"tensors"`
	Files       []reportJSONT     `json:"files,omitempty"`
}

func reportJSON(r *checkpoint.Report, stats bool) reportJSONT {
	out := reportJSONT{Path: r.Path, Kind: string(r.Kind), Valid: r.Valid(), Size: r.Size,
		Compression: r.Compression, SHA256: r.SHA256, Metadata: r.Metadata,
		Findings: findingsJSON(r.Findings), Tensors: []tensorJSON{}}
	for i := range r.Tensors {
		t := &r.Tensors[i]
		shape := t.Shape
		if shape == nil {
			shape = []uint64{}
		}
		tj := tensorJSON{Name: t.Name, DType: t.DType.String(), Shape: shape, NBytes: t.NBytes(), File: t.File,
			Scanned: t.Scanned, NaN: t.NaN, PosInf: t.PosInf, NegInf: t.NegInf, BadBool: t.BadBool}
		if stats && t.Stats != nil {
			s := t.Stats
			tj.Stats = &statsJSON{Finite: s.Finite, ZeroFraction: s.ZeroFraction, L2Norm: s.L2Norm}
			if s.Finite > 0 {
				tj.Stats.Min, tj.Stats.Max, tj.Stats.Mean, tj.Stats.Std = &s.Min, &s.Max, &s.Mean, &s.Std
			}
		}
		out.Tensors = append(out.Tensors, tj)
	}
	for _, f := range r.Files {
		out.Files = append(out.Files, reportJSON(f, stats))
	}
	return out
}

func writeJSONLine(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	_, err = w.Write(b)
	return err
}

// printReport writes the text summary of one report.
func printReport(w io.Writer, r *checkpoint.Report, quiet bool) {
	valid := r.Valid()
	if quiet && valid {
		return
	}
	var nan, inf int64
	var nbytes uint64
	for i := range r.Tensors {
		t := &r.Tensors[i]
		nan += t.NaN
		inf += t.PosInf + t.NegInf
		nbytes += t.NBytes()
	}
	verdict := "valid"
	if !valid {
		verdict = "INVALID"
	}
	kind := string(r.Kind)
	if r.Compression != "" {
		kind += ", " + r.Compression
	}
	fmt.Fprintf(w, "%s: %s (%s, %s, %s of tensor data", r.Path, verdict, kind, plural(len(r.Tensors), "tensor"), humanBytes(int64(nbytes)))
	if nan+inf > 0 {
		fmt.Fprintf(w, ", %d NaN, %d Inf", nan, inf)
	}
	fmt.Fprint(w, ")\n")
	if r.SHA256 != "" {
		fmt.Fprintf(w, "  sha256 %s\n", r.SHA256)
	}
	printFindings(w, r.Findings)
}

// findingPlace is the part of a finding's location its message does not say.
func findingPlace(f *checkpoint.Finding) string {
	var parts []string
	if f.File != "" && !strings.Contains(f.Message(), f.File) {
		parts = append(parts, f.File)
	}
	if f.Tensor != "" && !strings.Contains(f.Message(), fmt.Sprintf("%q", f.Tensor)) {
		parts = append(parts, fmt.Sprintf("tensor %q", f.Tensor))
	}
	if f.Offset >= 0 {
		parts = append(parts, fmt.Sprintf("byte %d", f.Offset))
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
