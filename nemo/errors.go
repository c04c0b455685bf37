package nemo

import (
	"errors"
	"fmt"

	"github.com/sophia-ai/sophia-eval/internal/severity"
)

// Sentinels of the checks. Each Finding wraps exactly one; test with errors.Is.
var (
	ErrMissing        = errors.New("nemo: required value missing")
	ErrRange          = errors.New("nemo: value out of range")
	ErrParallel       = errors.New("nemo: GPU count not divisible by tensor x pipeline parallel size")
	ErrBatch          = errors.New("nemo: global batch not divisible by micro batch x data-parallel size")
	ErrWeights        = errors.New("nemo: sampling weights do not match the train files")
	ErrInterval       = errors.New("nemo: interval outside the number of steps")
	ErrTargetModule   = errors.New("nemo: target module not valid for the NeMo version")
	ErrContainer      = errors.New("nemo: container tag is not a known NeMo release")
	ErrFile           = errors.New("nemo: data file missing or unreadable")
	ErrJSONL          = errors.New("nemo: data file is not JSONL with the input and label keys")
	ErrLeak           = errors.New("nemo: evaluation item appears verbatim in the training data")
	ErrInventory      = errors.New("nemo: dataset not properly listed in the data inventory")
	ErrTemplate       = errors.New("nemo: launch command does not run on this NeMo version")
	ErrEvaluation     = errors.New("nemo: evaluation settings invalid")
	ErrArtifacts      = errors.New("nemo: artifact settings invalid")
	ErrAlphaRatio     = errors.New("nemo: lora alpha/rank ratio far from the usual 1-2")
	ErrSmallEval      = errors.New("nemo: evaluation set is very small")
	ErrNoValidation   = errors.New("nemo: no validation set")
	ErrCheckpointStep = errors.New("nemo: checkpoint interval not applied by this NeMo version")
)

// Finding codes, stable for machines.
const (
	CodeMissing        = "missing"
	CodeRange          = "out_of_range"
	CodeParallel       = "parallel_layout"
	CodeBatch          = "batch_not_divisible"
	CodeWeights        = "sampling_weights"
	CodeInterval       = "interval_beyond_steps"
	CodeTargetModule   = "target_module"
	CodeContainer      = "container_tag"
	CodeFileMissing    = "file_missing"
	CodeJSONL          = "jsonl"
	CodeLeak           = "eval_leak"
	CodeInventory      = "inventory"
	CodeTemplate       = "command_template"
	CodeEvaluation     = "evaluation"
	CodeArtifacts      = "artifacts"
	CodeAlphaRatio     = "alpha_ratio"
	CodeSmallEval      = "small_eval_set"
	CodeNoValidation   = "no_validation_set"
	CodeCheckpointStep = "checkpoint_interval"
)

// Severity says whether a finding fails the check.
// Its String is "warning" or "error", and it marshals as that text.
type Severity = severity.Level

const (
	// Warning: legal but suspicious; does not change the exit status.
	Warning = severity.Warning
	// Error: a hard check failed (exit status 2 of sophia-eval nemo check).
	Error = severity.Error
)

// Finding is one problem found in a lora.yaml or the files it names.
type Finding struct {
	Severity Severity
	// Code is a stable, machine-readable name of the rule ("batch_not_divisible").
	Code string
	// Path is the config path of the offending key ("lora.rank", "data.train[1].file");
	// "" when the finding is about the whole config.
	Path string
	// Line and Column locate Path in lora.yaml; 0 when the key is absent.
	Line, Column int
	// File is the data file the finding is about, and FileLine the 1-based line in
	// it (0 when no single line applies).
	File     string
	FileLine int
	// Err wraps one of the package's sentinels and says what is wrong.
	Err error
}

// Error describes the finding with its location.
func (f *Finding) Error() string {
	loc := f.Path
	if f.Line > 0 {
		loc += fmt.Sprintf(" (line %d)", f.Line)
	}
	if f.File != "" {
		if loc != "" {
			loc += ": "
		}
		loc += f.File
		if f.FileLine > 0 {
			loc += fmt.Sprintf(":%d", f.FileLine)
		}
	}
	msg := f.Message()
	if loc == "" {
		return msg
	}
	return loc + ": " + msg
}

// Unwrap returns the wrapped error, so errors.Is reaches the sentinel.
func (f *Finding) Unwrap() error { return f.Err }

// Message is the finding's text without its location.
func (f *Finding) Message() string {
	if f.Err == nil {
		return ""
	}
	return f.Err.Error()
}

// detailError is a sentinel with the specifics of one finding.
type detailError struct {
	sentinel error
	msg      string
}

func (e *detailError) Error() string { return e.msg }
func (e *detailError) Unwrap() error { return e.sentinel }

// HasErrors reports whether any finding is an Error.
func HasErrors(fs []Finding) bool {
	for _, f := range fs {
		if f.Severity == Error {
			return true
		}
	}
	return false
}

// findings collects findings and fills their positions from the config.
type findings struct {
	c   *Config
	out []Finding
}

func (fs *findings) add(sev Severity, code, path string, sentinel error, format string, args ...any) *Finding {
	f := Finding{Severity: sev, Code: code, Path: path,
		Err: &detailError{sentinel: sentinel, msg: fmt.Sprintf(format, args...)}}
	if p, ok := fs.c.Pos[path]; ok {
		f.Line, f.Column = p.Line, p.Column
	} else if p, ok := fs.c.Pos[parentPath(path)]; ok {
		f.Line, f.Column = p.Line, p.Column
	}
	fs.out = append(fs.out, f)
	return &fs.out[len(fs.out)-1]
}

func parentPath(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '.' || p[i] == '[' {
			return p[:i]
		}
	}
	return ""
}
