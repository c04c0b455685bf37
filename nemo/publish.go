package nemo

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sophia-ai/sophia-eval/checkpoint"
)

// Names in a run directory and in a published version directory.
const (
	// PublishManifestName is the JSON manifest Publish writes at the top of a version
	// directory, next to checkpoint.SumsFileName and checkpoint.ManifestFileName.
	PublishManifestName = "release.json"
	// PublishFormat is the version of the release.json format.
	PublishFormat = 1
	// LaunchReportName is the report nemo launch writes into the run directory.
	LaunchReportName = "launch_report.json"
	// HParamsName is the config NeMo's exp_manager writes into the run directory.
	HParamsName = "hparams.yaml"
	// DefaultMetricsFile is where sophia-eval score writes the metrics as JSON,
	// relative to the working directory.
	DefaultMetricsFile = "orchestration_journal/models/finetune_metrics.json"
)

// Sentinels of Publish and FindFinalAdapter.
var (
	ErrVersionExists  = errors.New("nemo: version already published")
	ErrInvalidAdapter = errors.New("nemo: adapter failed validation")
	ErrNoCheckpoint   = errors.New("nemo: no final adapter found in the run directory")
)

// Selection says how the final adapter of a run was chosen.
type Selection string

// The rules of FindFinalAdapter, in the order it tries them, and the explicit
// choice.
const (
	// SelectedNeMo: the .nemo adapter NeMo 1.x writes at the end of training
	// (save_nemo_on_train_end; with save_best_model, the default of the fine-tuning
	// config, it holds the best checkpoint by the monitored loss).
	SelectedNeMo Selection = "nemo"
	// SelectedLast: the checkpoint NeMo saves last (save_last), named ...-last.
	SelectedLast Selection = "last"
	// SelectedLatestStep: the checkpoint with the highest step in its name.
	SelectedLatestStep Selection = "latest_step"
	// SelectedGiven: the checkpoint named by PublishOptions.Checkpoint.
	SelectedGiven Selection = "given"
)

// FinalAdapter is the checkpoint of a run that Publish versions.
type FinalAdapter struct {
	// Path of the checkpoint file or directory.
	Path     string    `json:"path"`
	Selected Selection `json:"selected"`
	// Step is the training step in the name ("step=1000"), -1 when it has none.
	Step int64 `json:"step"`
	// LossName and Loss are the monitored loss in the name ("val_loss=1.234");
	// "" and nil when it has none.
	LossName string   `json:"loss_name,omitempty"`
	Loss     *float64 `json:"loss,omitempty"`
}

var (
	stepRe = regexp.MustCompile(`(?:^|[-_])step=(\d+)`)
	hfStep = regexp.MustCompile(`^checkpoint-(\d+)$`)
	lossRe = regexp.MustCompile(`(?:^|-)([A-Za-z_]*loss[A-Za-z_]*)=(-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|nan|inf)`)
)

// ckptStem is a checkpoint's name without the extension and -EMA suffix, the name
// NeMo's -unfinished marker is made of.
func ckptStem(name string) (stem string, ema bool) {
	for _, ext := range []string{".ckpt", ".nemo", ".safetensors"} {
		name = strings.TrimSuffix(name, ext)
	}
	stem, ema = strings.CutSuffix(name, "-EMA")
	return stem, ema
}

// candidate is one checkpoint of a run.
type candidate struct {
	FinalAdapter
	name string
	last bool
	ema  bool
}

func parseCandidate(dir, name string) candidate {
	stem, ema := ckptStem(name)
	c := candidate{FinalAdapter: FinalAdapter{Path: filepath.Join(dir, name), Step: -1}, name: name, ema: ema}
	c.last = strings.HasSuffix(stem, "-last")
	if m := stepRe.FindStringSubmatch(stem); m != nil {
		c.Step, _ = strconv.ParseInt(m[1], 10, 64)
	} else if m := hfStep.FindStringSubmatch(stem); m != nil {
		c.Step, _ = strconv.ParseInt(m[1], 10, 64)
	}
	if m := lossRe.FindStringSubmatch(stem); m != nil {
		if v, err := strconv.ParseFloat(m[2], 64); err == nil {
			c.LossName, c.Loss = m[1], &v
		}
	}
	return c
}

// checkpointsDir returns the run's checkpoints directory: RUN_DIR/checkpoints, or,
// where NeMo made version subdirectories (NeMo 2's timestamped log directories),
// the checkpoints directory of the last version in name order.
func checkpointsDir(runDir string) (string, error) {
	d := filepath.Join(runDir, "checkpoints")
	if fi, err := os.Stat(d); err == nil && fi.IsDir() {
		return d, nil
	}
	entries, err := os.ReadDir(runDir)
	if err != nil {
		return "", err
	}
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		d := filepath.Join(runDir, e.Name(), "checkpoints")
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			return d, nil
		}
	}
	return "", fmt.Errorf("%w: %s has no checkpoints directory", ErrNoCheckpoint, runDir)
}

// FindFinalAdapter returns the final adapter of the NeMo run directory runDir
// (<output_dir>/<name>/), whose checkpoints are in runDir/checkpoints (or in
// runDir/<version>/checkpoints, the last version in name order). name is the run
// name (run.name; "" means the base name of runDir). In that order it takes:
//
//  1. the .nemo adapter, <name>.nemo, or the only .nemo file (SelectedNeMo);
//  2. the checkpoint NeMo saved last, a .ckpt file or a directory whose name ends
//     in -last (SelectedLast);
//  3. the checkpoint with the highest step in its name (SelectedLatestStep); among
//     checkpoints of the same step the one with the lower monitored loss, then the
//     first by name.
//
// Checkpoints are *.ckpt and *.safetensors files and directories whose name carries
// a step ("...-step=1000-...", "checkpoint-1000") or ends in -last. Hidden names,
// -unfinished markers and checkpoints that still have one are left out; an -EMA copy
// is taken only where there is no other checkpoint of the same rank. Several .nemo
// files none of which is <name>.nemo, and checkpoints none of which has a step or
// the -last suffix, are ambiguous: the error says so, and the caller names the
// checkpoint.
func FindFinalAdapter(runDir, name string) (*FinalAdapter, error) {
	if name == "" {
		name = runName(runDir)
	}
	dir, err := checkpointsDir(runDir)
	if err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	present := map[string]bool{}
	for _, e := range entries {
		present[e.Name()] = true
	}
	var nemos, ckpts []candidate
	for _, e := range entries {
		n := e.Name()
		if strings.HasPrefix(n, ".") || strings.HasSuffix(n, "-unfinished") {
			continue
		}
		if stem, _ := ckptStem(n); present[stem+"-unfinished"] {
			continue
		}
		isDir := e.IsDir()
		if e.Type()&fs.ModeSymlink != 0 {
			if fi, err := os.Stat(filepath.Join(dir, n)); err == nil {
				isDir = fi.IsDir()
			}
		}
		c := parseCandidate(dir, n)
		switch {
		case !isDir && strings.HasSuffix(n, ".nemo"):
			nemos = append(nemos, c)
		case !isDir && (strings.HasSuffix(n, ".ckpt") || strings.HasSuffix(n, ".safetensors")):
			ckpts = append(ckpts, c)
		case isDir && (c.Step >= 0 || c.last):
			ckpts = append(ckpts, c)
		}
	}
	if len(nemos) > 0 {
		for _, c := range nemos {
			if c.name == name+".nemo" {
				c.Selected = SelectedNeMo
				return &c.FinalAdapter, nil
			}
		}
		if len(nemos) == 1 {
			nemos[0].Selected = SelectedNeMo
			return &nemos[0].FinalAdapter, nil
		}
		return nil, fmt.Errorf("%w: %s holds %d .nemo files and none is %s.nemo: name one with --checkpoint", ErrNoCheckpoint, dir, len(nemos), name)
	}
	if len(ckpts) == 0 {
		return nil, fmt.Errorf("%w: no .nemo adapter and no checkpoint in %s", ErrNoCheckpoint, dir)
	}
	// Best first: -last, higher step, non-EMA, lower loss, name.
	slices.SortFunc(ckpts, func(a, b candidate) int {
		switch {
		case a.last != b.last:
			return boolOrder(a.last)
		case a.Step != b.Step:
			if a.Step > b.Step {
				return -1
			}
			return 1
		case a.ema != b.ema:
			return boolOrder(!a.ema)
		case lossOf(a) != lossOf(b):
			if lossOf(a) < lossOf(b) {
				return -1
			}
			return 1
		}
		return strings.Compare(a.name, b.name)
	})
	best := ckpts[0]
	switch {
	case best.last:
		best.Selected = SelectedLast
	case best.Step >= 0:
		best.Selected = SelectedLatestStep
	case len(ckpts) == 1:
		best.Selected = SelectedLatestStep
	default:
		return nil, fmt.Errorf("%w: %s holds %d checkpoints without a step or -last in their names: name one with --checkpoint", ErrNoCheckpoint, dir, len(ckpts))
	}
	return &best.FinalAdapter, nil
}

// runName is the base name of the run directory ("." and ".." resolved).
func runName(runDir string) string {
	if abs, err := filepath.Abs(runDir); err == nil {
		runDir = abs
	}
	return filepath.Base(runDir)
}

func boolOrder(first bool) int {
	if first {
		return -1
	}
	return 1
}

func lossOf(c candidate) float64 {
	if c.Loss == nil || math.IsNaN(*c.Loss) {
		return math.Inf(1)
	}
	return *c.Loss
}

// PublishOptions says what Publish versions and where. The zero value publishes the
// run's final adapter as sophia-finetune-<today> under DefaultRegistry.
type PublishOptions struct {
	// ConfigFile is the run's lora.yaml. When set it is loaded (Load) and copied, its
	// run.name names the run, artifacts.registry (resolved against the file's
	// directory) and artifacts.version are the defaults of Registry and Version, and
	// the base model, LoRA settings and container are recorded. Default: none.
	ConfigFile string
	// Registry is the directory versions are published into. Default: the config's
	// artifacts.registry (resolved against the config's directory); without a
	// config, DefaultRegistry in WorkDir.
	Registry string
	// Version is the version name, sophia-finetune-<date> with the date as
	// YYYY-MM-DD or YYYYMMDD. Default: the config's artifacts.version, else
	// sophia-finetune-<Time's date>.
	Version string
	// Checkpoint is the adapter to publish, a file or a directory. Default:
	// FindFinalAdapter.
	Checkpoint string
	// RenderedConfig is the NeMo config nemo render wrote. Default: the config_file
	// that the run's launch report names, else DefaultRenderOut or its .py launcher
	// (LauncherFile) in WorkDir, whichever exists (both: the one of the config's NeMo
	// generation, else the YAML); none found is a note, not an error.
	RenderedConfig string
	// Metrics is the metrics JSON of sophia-eval score, embedded in the manifest and
	// copied. Default: DefaultMetricsFile in WorkDir when it exists.
	Metrics string
	// WorkDir is the directory the defaults of Registry, RenderedConfig and Metrics
	// and the relative paths of the launch report are resolved in. Default: the
	// working directory.
	WorkDir string
	// Time is the publication time, and its date the default version's date.
	// Default: time.Now().
	Time time.Time
	// DryRun validates the adapter and returns what would be published, without
	// writing anything. Files then have no SHA-256.
	DryRun bool
	// Validate configures the adapter's validation (workers, NaN/Inf policy,
	// logger). Default: the zero checkpoint.Config.
	Validate checkpoint.Config
	// Logger receives debug logs. Default: none.
	Logger *slog.Logger
}

// Published is the result of Publish.
type Published struct {
	// Dir is the version directory: Registry/Version.
	Dir string
	// Manifest is what release.json holds.
	Manifest *PublishManifest
	// Report is the adapter's validation report; nil when the adapter could not be
	// validated.
	Report *checkpoint.Report
	// DryRun is set when nothing was written.
	DryRun bool
}

// PublishManifest is release.json: what a version is and how it came about.
type PublishManifest struct {
	// Format is PublishFormat.
	Format int `json:"format"`
	// Version is the version name, sophia-finetune-<date>.
	Version string `json:"version"`
	// Date is the version's date, YYYY-MM-DD.
	Date string `json:"date"`
	// PublishedAt is the publication time, RFC 3339.
	PublishedAt string        `json:"published_at"`
	Source      PublishSource `json:"source"`
	// BaseModel, LoRA and Container are from the config; nil and "" without one.
	BaseModel *PublishBaseModel `json:"base_model"`
	LoRA      *PublishLoRA      `json:"lora"`
	Container string            `json:"container,omitempty"`
	Adapter   PublishAdapter    `json:"adapter"`
	// Validation summarises the adapter's validation report.
	Validation PublishValidation `json:"validation"`
	// Files are the files of the version directory except release.json,
	// SHA256SUMS and manifest.json, in byte order of their paths.
	Files []PublishFile `json:"files"`
	// Metrics is the content of the metrics JSON; null when there was none.
	Metrics json.RawMessage `json:"metrics"`
	// Notes say what was not found or not recorded.
	Notes []string `json:"notes,omitempty"`
}

// PublishSource says where a version came from. Paths are as found or given.
type PublishSource struct {
	RunDir         string       `json:"run_dir"`
	RunName        string       `json:"run_name"`
	Checkpoint     FinalAdapter `json:"checkpoint"`
	Config         string       `json:"config,omitempty"`
	RenderedConfig string       `json:"rendered_config,omitempty"`
	HParams        string       `json:"hparams,omitempty"`
	LaunchReport   string       `json:"launch_report,omitempty"`
	Metrics        string       `json:"metrics,omitempty"`
}

// PublishBaseModel is the base model the adapter was trained on.
type PublishBaseModel struct {
	Path             string `json:"path"`
	Recipe           string `json:"recipe,omitempty"`
	TensorParallel   int    `json:"tensor_parallel"`
	PipelineParallel int    `json:"pipeline_parallel"`
}

// PublishLoRA are the adapter's settings from lora.yaml.
type PublishLoRA struct {
	Rank          int      `json:"rank"`
	Alpha         float64  `json:"alpha"`
	Dropout       float64  `json:"dropout"`
	TargetModules []string `json:"target_modules"`
}

// PublishAdapter describes the published adapter.
type PublishAdapter struct {
	// Path in the version directory: adapter/<name of the checkpoint>.
	Path string `json:"path"`
	// Kind is the layout checkpoint.ValidatePath detected.
	Kind checkpoint.Kind `json:"kind"`
	// Size is the number of bytes of its files.
	Size int64 `json:"size"`
	// SHA256 is set for a single-file adapter.
	SHA256  string `json:"sha256,omitempty"`
	Tensors int    `json:"tensors"`
	// Metadata is what the validator read from the adapter (the PEFT settings of a
	// .nemo, the safetensors __metadata__).
	Metadata map[string]string `json:"metadata,omitempty"`
}

// PublishValidation summarises an adapter's validation report.
type PublishValidation struct {
	Valid    bool             `json:"valid"`
	Errors   int              `json:"errors"`
	Warnings int              `json:"warnings"`
	Findings []PublishFinding `json:"findings"`
}

// PublishFinding is one validation finding.
type PublishFinding struct {
	Severity string `json:"severity"`
	Code     string `json:"code"`
	File     string `json:"file,omitempty"`
	Tensor   string `json:"tensor,omitempty"`
	Message  string `json:"message"`
}

// Roles of published files.
const (
	RoleAdapter        = "adapter"
	RoleHParams        = "hparams"
	RoleRenderedConfig = "nemo_config"
	RoleLoRAConfig     = "lora_config"
	RoleLaunchReport   = "launch_report"
	RoleMetrics        = "metrics"
)

// PublishFile is one file of a version.
type PublishFile struct {
	// Path relative to the version directory, with forward slashes.
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256,omitempty"`
	// Role is one of the Role constants.
	Role string `json:"role"`
}

// item is one file or tree to copy into the version directory.
type item struct {
	src, dst, role string // dst relative, slash-separated
}

// Publish versions the final adapter of the NeMo run directory runDir with its
// configs (runbook step 5) as Registry/Version:
//
//	adapter/<checkpoint name>       the adapter, a file or a directory tree
//	configs/hparams.yaml            runDir/hparams.yaml, when present
//	configs/<rendered config>       sophia_lora.yaml (NeMo 1.x) or sophia_lora.py (NeMo 2)
//	configs/lora.yaml               the ConfigFile, when given
//	reports/launch_report.json      runDir/launch_report.json, when present
//	reports/finetune_metrics.json   the metrics JSON, when present
//	release.json                    PublishManifest
//	SHA256SUMS, manifest.json       checkpoint.WriteManifest of the directory
//
// The version is built in a temporary directory in the registry
// (.<version>.tmp-<random>) and renamed into place at the end, so it appears
// complete or not at all; on any failure the temporary directory is removed. The
// copied adapter is validated with checkpoint.ValidatePath: an error finding, or a
// layout the validator does not know, refuses the version (ErrInvalidAdapter; the
// Published result carries the report). A version that exists is never touched
// (ErrVersionExists): one that exists is refused before anything is read, and
// one that appears while publishing makes the final rename fail (os.Rename does
// not replace a directory). SHA256SUMS lists every file but itself and
// manifest.json, release.json included, and the sums WriteManifest reads back
// must equal those computed while copying. A cancelled ctx stops the work and
// removes the temporary directory.
//
// Publish writes nothing when DryRun is set; it then validates the adapter where
// it is and lists the files without sums.
func Publish(ctx context.Context, runDir string, opts PublishOptions) (*Published, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	fi, err := os.Stat(runDir)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("run directory %s is not a directory", runDir)
	}
	at := opts.Time
	if at.IsZero() {
		at = time.Now()
	}
	inWork := func(p string) string {
		if p == "" || filepath.IsAbs(p) || opts.WorkDir == "" {
			return p
		}
		return filepath.Join(opts.WorkDir, p)
	}

	var cfg *Config
	if opts.ConfigFile != "" {
		if cfg, err = Load(opts.ConfigFile); err != nil {
			return nil, err
		}
	}
	name := runName(runDir)
	if cfg != nil && cfg.Run.Name != "" {
		name = cfg.Run.Name
	}
	registry := opts.Registry
	if registry == "" {
		registry = inWork(DefaultRegistry)
		if cfg != nil && cfg.Artifacts.Registry != "" {
			registry = cfg.Resolve(cfg.Artifacts.Registry)
		}
	}
	version := opts.Version
	if version == "" && cfg != nil {
		version = cfg.Artifacts.Version
	}
	if version == "" {
		version = "sophia-finetune-" + at.Format(time.DateOnly)
	}
	date, err := versionDate(version)
	if err != nil {
		return nil, err
	}
	final := filepath.Join(registry, version)
	if _, err := os.Lstat(final); err == nil {
		return nil, fmt.Errorf("%w: %s exists; it is left as it is (choose another version)", ErrVersionExists, final)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}

	m := &PublishManifest{Format: PublishFormat, Version: version, Date: date, PublishedAt: at.Format(time.RFC3339),
		Source: PublishSource{RunDir: runDir, RunName: name}, Validation: PublishValidation{Findings: []PublishFinding{}},
		Files: []PublishFile{}, Metrics: json.RawMessage("null")}
	items, adapter, err := collect(runDir, name, cfg, opts, inWork, m)
	if err != nil {
		return nil, err
	}

	vcfg := opts.Validate
	vcfg.Hash = true
	if vcfg.Logger == nil {
		vcfg.Logger = opts.Logger
	}
	if opts.DryRun {
		rep, err := validateAdapter(ctx, adapter.Path, adapter.Path, vcfg)
		pub := &Published{Dir: final, Manifest: m, Report: rep, DryRun: true}
		if rep != nil {
			recordValidation(m, rep)
		}
		if err != nil {
			return pub, err
		}
		for _, it := range items {
			files, err := listTree(it.src, it.dst, it.role)
			if err != nil {
				return nil, err
			}
			m.Files = append(m.Files, files...)
		}
		finishFiles(m)
		return pub, nil
	}

	if err := os.MkdirAll(registry, 0o755); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(registry, "."+version+".tmp-")
	if err != nil {
		return nil, err
	}
	done := false
	defer func() {
		if !done {
			os.RemoveAll(tmp)
		}
	}()
	// MkdirTemp makes the directory private; a version gets the registry's mode.
	if rfi, err := os.Stat(registry); err != nil {
		return nil, err
	} else if err := os.Chmod(tmp, rfi.Mode().Perm()); err != nil {
		return nil, err
	}
	log.Debug("publishing", "run", runDir, "adapter", adapter.Path, "tmp", tmp)
	for _, it := range items {
		files, err := copyTree(ctx, it.src, filepath.Join(tmp, filepath.FromSlash(it.dst)), it.dst, it.role)
		if err != nil {
			return nil, err
		}
		m.Files = append(m.Files, files...)
	}
	finishFiles(m)

	// The copy is what is published, so the copy is validated.
	rep, err := validateAdapter(ctx, filepath.Join(tmp, filepath.FromSlash(m.Adapter.Path)), adapter.Path, vcfg)
	pub := &Published{Dir: final, Manifest: m, Report: rep}
	if rep != nil {
		recordValidation(m, rep)
	}
	if err != nil {
		return pub, err
	}

	js, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	js = append(js, '\n')
	if err := writeFileAtomic(filepath.Join(tmp, PublishManifestName), js); err != nil {
		return nil, err
	}
	mcfg := vcfg
	mcfg.Progress = nil
	cm, err := checkpoint.WriteManifest(ctx, tmp, checkpoint.ManifestConfig{Config: mcfg})
	if err != nil {
		return nil, err
	}
	if err := sameSums(m.Files, cm.Files); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, final); err != nil {
		if _, serr := os.Lstat(final); serr == nil {
			return nil, fmt.Errorf("%w: %s appeared while publishing; it is left as it is", ErrVersionExists, final)
		}
		return nil, err
	}
	done = true
	log.Debug("published", "dir", final, "files", len(m.Files))
	return pub, nil
}

// collect finds what Publish copies: the adapter, the configs and the reports. It
// fills m's source, adapter path, config-derived fields and notes.
func collect(runDir, name string, cfg *Config, opts PublishOptions, inWork func(string) string, m *PublishManifest) ([]item, *FinalAdapter, error) {
	note := func(format string, args ...any) { m.Notes = append(m.Notes, fmt.Sprintf(format, args...)) }

	// The adapter.
	var adapter *FinalAdapter
	var err error
	if opts.Checkpoint != "" {
		if _, err := os.Stat(opts.Checkpoint); err != nil {
			return nil, nil, err
		}
		a := parseCandidate(filepath.Dir(opts.Checkpoint), filepath.Base(opts.Checkpoint)).FinalAdapter
		a.Path, a.Selected = opts.Checkpoint, SelectedGiven
		adapter = &a
	} else if adapter, err = FindFinalAdapter(runDir, name); err != nil {
		return nil, nil, err
	}
	m.Source.Checkpoint = *adapter
	items := []item{{adapter.Path, "adapter/" + filepath.Base(filepath.Clean(adapter.Path)), RoleAdapter}}
	m.Adapter.Path = items[0].dst

	// The configs and reports.
	optional := func(p string) bool {
		_, err := os.Stat(p)
		return err == nil
	}
	if p := filepath.Join(runDir, HParamsName); optional(p) {
		items = append(items, item{p, "configs/" + HParamsName, RoleHParams})
		m.Source.HParams = p
	} else {
		note("no %s in the run directory", HParamsName)
	}
	launchReport := filepath.Join(runDir, LaunchReportName)
	if !optional(launchReport) {
		launchReport = ""
		note("no %s in the run directory", LaunchReportName)
	}
	rendered := opts.RenderedConfig
	if rendered == "" {
		rendered, err = findRenderedConfig(launchReport, cfg, inWork)
		if err != nil {
			return nil, nil, err
		}
	}
	if rendered != "" {
		items = append(items, item{rendered, "configs/" + filepath.Base(rendered), RoleRenderedConfig})
		m.Source.RenderedConfig = rendered
	} else {
		note("no rendered NeMo config found (%s or %s): none copied", DefaultRenderOut, LauncherFile(DefaultRenderOut))
	}
	if cfg != nil {
		items = append(items, item{opts.ConfigFile, "configs/lora.yaml", RoleLoRAConfig})
		m.Source.Config = opts.ConfigFile
		m.BaseModel = &PublishBaseModel{Path: cfg.Resolve(cfg.BaseModel.Path), Recipe: cfg.BaseModel.Recipe,
			TensorParallel: cfg.BaseModel.TensorParallel, PipelineParallel: cfg.BaseModel.PipelineParallel}
		m.LoRA = &PublishLoRA{Rank: cfg.LoRA.Rank, Alpha: cfg.LoRA.Alpha, Dropout: cfg.LoRA.Dropout,
			TargetModules: append([]string{}, cfg.LoRA.TargetModules...)}
		m.Container = cfg.Resources.Container
	} else {
		note("no lora.yaml given: base model and LoRA settings are not recorded")
	}
	if launchReport != "" {
		items = append(items, item{launchReport, "reports/" + LaunchReportName, RoleLaunchReport})
		m.Source.LaunchReport = launchReport
	}
	metrics := opts.Metrics
	if metrics == "" {
		if p := inWork(DefaultMetricsFile); optional(p) {
			metrics = p
		} else {
			note("no metrics file %s: the version does not record its acceptance", DefaultMetricsFile)
		}
	}
	if metrics != "" {
		b, err := os.ReadFile(metrics)
		if err != nil {
			return nil, nil, err
		}
		if !json.Valid(b) {
			return nil, nil, fmt.Errorf("metrics file %s is not valid JSON", metrics)
		}
		m.Metrics = json.RawMessage(b)
		items = append(items, item{metrics, "reports/" + filepath.Base(metrics), RoleMetrics})
		m.Source.Metrics = metrics
	}
	if err := checkDistinct(items); err != nil {
		return nil, nil, err
	}
	return items, adapter, nil

}

// versionDate checks a version name and returns its date as YYYY-MM-DD.
func versionDate(version string) (string, error) {
	sub := versionName.FindStringSubmatch(version)
	if sub == nil {
		return "", fmt.Errorf("%w: version %q is not sophia-finetune-<date> (YYYY-MM-DD or YYYYMMDD)", ErrArtifacts, version)
	}
	d := strings.ReplaceAll(sub[1], "-", "")
	t, err := time.Parse("20060102", d)
	if err != nil {
		return "", fmt.Errorf("%w: version %q: %s is not a date", ErrArtifacts, version, sub[1])
	}
	return t.Format(time.DateOnly), nil
}

// findRenderedConfig finds the rendered NeMo config: the one the launch report
// names, else the default output of nemo render.
func findRenderedConfig(launchReport string, cfg *Config, inWork func(string) string) (string, error) {
	if launchReport != "" {
		b, err := os.ReadFile(launchReport)
		if err != nil {
			return "", err
		}
		var r struct {
			ConfigFile string `json:"config_file"`
			Render     struct {
				ConfigFile string `json:"config_file"`
			} `json:"render"`
		}
		if err := json.Unmarshal(b, &r); err != nil {
			return "", fmt.Errorf("reading %s: %w", launchReport, err)
		}
		if p := cmp.Or(r.ConfigFile, r.Render.ConfigFile); p != "" {
			p = inWork(p)
			if _, err := os.Stat(p); err != nil {
				return "", fmt.Errorf("the rendered config %s that %s names: %w", p, launchReport, err)
			}
			return p, nil
		}
	}
	yamlOut, pyOut := inWork(DefaultRenderOut), inWork(LauncherFile(DefaultRenderOut))
	order := []string{yamlOut, pyOut}
	if cfg != nil {
		if rel, err := LookupRelease(cfg.Resources.Container); err == nil && rel.Gen == 2 {
			order = []string{pyOut, yamlOut}
		}
	}
	for _, p := range order {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", nil
}

// checkDistinct refuses two sources that would land on the same path.
func checkDistinct(items []item) error {
	seen := map[string]string{}
	for _, it := range items {
		if prev, ok := seen[it.dst]; ok {
			return fmt.Errorf("%s and %s would both be published as %s", prev, it.src, it.dst)
		}
		seen[it.dst] = it.src
	}
	return nil
}

// validateAdapter validates the adapter at p; an error finding or an unknown
// layout is ErrInvalidAdapter. Errors and the report name the adapter as name.
func validateAdapter(ctx context.Context, p, name string, c checkpoint.Config) (*checkpoint.Report, error) {
	rep, err := checkpoint.ValidatePath(ctx, p, c)
	if err != nil && p != name {
		// Name the adapter, not its copy in the temporary directory.
		msg := strings.ReplaceAll(err.Error(), p, name)
		err = &relabeled{strings.TrimPrefix(msg, name+": "), err}
	}
	if errors.Is(err, checkpoint.ErrUnknownLayout) {
		return nil, fmt.Errorf("%w: %s: %w", ErrInvalidAdapter, name, err)
	}
	if err != nil {
		return nil, err
	}
	rep.Path = name
	if !rep.Valid() {
		return rep, fmt.Errorf("%w: %s: %w", ErrInvalidAdapter, name, rep.Err())
	}
	return rep, nil
}

// relabeled is err with another message.
type relabeled struct {
	msg string
	err error
}

func (e *relabeled) Error() string { return e.msg }
func (e *relabeled) Unwrap() error { return e.err }

func recordValidation(m *PublishManifest, rep *checkpoint.Report) {
	m.Adapter.Kind, m.Adapter.Tensors, m.Adapter.Metadata = rep.Kind, len(rep.Tensors), rep.Metadata
	m.Adapter.SHA256 = rep.SHA256
	v := PublishValidation{Valid: rep.Valid(), Findings: []PublishFinding{}}
	for i := range rep.Findings {
		f := &rep.Findings[i]
		if f.Severity == checkpoint.Error {
			v.Errors++
		} else {
			v.Warnings++
		}
		v.Findings = append(v.Findings, PublishFinding{Severity: f.Severity.String(), Code: f.Code, File: f.File,
			Tensor: f.Tensor, Message: f.Message()})
	}
	m.Validation = v
}

// finishFiles sorts the manifest's files and sums the adapter's size.
func finishFiles(m *PublishManifest) {
	slices.SortFunc(m.Files, func(a, b PublishFile) int { return strings.Compare(a.Path, b.Path) })
	m.Adapter.Size = 0
	for _, f := range m.Files {
		if f.Role == RoleAdapter {
			m.Adapter.Size += f.Size
		}
	}
}

// sameSums checks that WriteManifest read back what was copied.
func sameSums(copied []PublishFile, written []checkpoint.ManifestFile) error {
	got := make(map[string]checkpoint.ManifestFile, len(written))
	for _, f := range written {
		got[f.Path] = f
	}
	for _, f := range copied {
		w, ok := got[f.Path]
		if !ok {
			return fmt.Errorf("%s missing from the checksums of the copy", f.Path)
		}
		if w.SHA256 != f.SHA256 || w.Size != f.Size {
			return fmt.Errorf("%s: read back %d bytes with SHA-256 %s, copied %d bytes with %s", f.Path, w.Size, w.SHA256, f.Size, f.SHA256)
		}
	}
	return nil
}

// walkTree calls fn for each regular file of the file or directory src, with its
// path relative to src ("" for src itself). Symbolic links to regular files are
// followed; other links, and anything but regular files and directories, are
// errors.
func walkTree(src string, fn func(p, rel string, size int64) error) error {
	fi, err := os.Stat(src)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("%s is not a regular file", src)
		}
		return fn(src, "", fi.Size())
	}
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		fi, err := os.Stat(p)
		if err != nil {
			return err
		}
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("%s is not a regular file", p)
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		return fn(p, filepath.ToSlash(rel), fi.Size())
	})
}

func joinRel(dst, rel string) string {
	if rel == "" {
		return dst
	}
	return dst + "/" + rel
}

// listTree lists what copyTree would copy, without sums.
func listTree(src, dst, role string) ([]PublishFile, error) {
	var out []PublishFile
	err := walkTree(src, func(_, rel string, size int64) error {
		out = append(out, PublishFile{Path: joinRel(dst, rel), Size: size, Role: role})
		return nil
	})
	return out, err
}

// copyTree copies the file or directory src to dstPath (dst relative to the
// version directory) and returns the copied files with the SHA-256 of the bytes
// written.
func copyTree(ctx context.Context, src, dstPath, dst, role string) ([]PublishFile, error) {
	var out []PublishFile
	err := walkTree(src, func(p, rel string, _ int64) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		to := dstPath
		if rel != "" {
			to = filepath.Join(dstPath, filepath.FromSlash(rel))
		}
		sum, n, err := copyFile(ctx, p, to)
		if err != nil {
			return err
		}
		out = append(out, PublishFile{Path: joinRel(dst, rel), Size: n, SHA256: sum, Role: role})
		return nil
	})
	return out, err
}

// ctxReader stops reading when ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (r ctxReader) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	return r.r.Read(p)
}

// copyFile copies src to dst (created, with its directories), syncs it and
// returns the hex SHA-256 and size of what it wrote.
func copyFile(ctx context.Context, src, dst string) (string, int64, error) {
	in, err := os.Open(src)
	if err != nil {
		return "", 0, err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return "", 0, err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return "", 0, err
	}
	h := sha256.New()
	n, err := io.CopyBuffer(io.MultiWriter(out, h), ctxReader{ctx, in}, make([]byte, 1<<20))
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", 0, fmt.Errorf("copying %s: %w", src, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}
