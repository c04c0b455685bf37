package checkpoint

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Sentinels of the checks Diff makes between two checkpoints of one training run.
var (
	ErrTensorMissing    = errors.New("checkpoint: tensor missing from the newer checkpoint")
	ErrTensorAdded      = errors.New("checkpoint: tensor not in the older checkpoint")
	ErrShapeChanged     = errors.New("checkpoint: tensor shape changed")
	ErrDTypeChanged     = errors.New("checkpoint: tensor dtype changed")
	ErrWeightsUnchanged = errors.New("checkpoint: no tensor changed")
	ErrNewNonFinite     = errors.New("checkpoint: tensor has new NaN or infinite values")
	ErrNormJump         = errors.New("checkpoint: tensor L2 norm jumped")
)

// Stable codes of Diff's findings.
const (
	CodeTensorMissing    = "tensor_missing"
	CodeTensorAdded      = "tensor_added"
	CodeShapeChanged     = "shape_changed"
	CodeDTypeChanged     = "dtype_changed"
	CodeWeightsUnchanged = "weights_unchanged"
	CodeNewNonFinite     = "new_nonfinite"
	CodeNormJump         = "norm_jump"
)

// DefaultNormFactor is the L2-norm ratio Diff flags when DiffConfig.NormFactor is 0.
const DefaultNormFactor = 10

// DiffConfig says how two checkpoints are compared. The zero value is valid.
type DiffConfig struct {
	// NormFactor is the factor by which a tensor's L2 norm may grow or shrink between
	// two checkpoints before Diff warns (norm_jump); a norm that falls to 0 is always
	// flagged. It must be 0 or greater than 1: Diff takes any other value as the
	// default, DiffPaths and Watch reject it. Default: 10.
	NormFactor float64
}

func (d DiffConfig) check() error {
	f := d.NormFactor
	if f == 0 || f > 1 && !math.IsInf(f, 1) {
		return nil
	}
	return fmt.Errorf("checkpoint: DiffConfig.NormFactor %v: it must be 0 (the default, %d) or a finite number greater than 1", f, DefaultNormFactor)
}

func (d DiffConfig) normFactor() float64 {
	if d.check() != nil || d.NormFactor == 0 {
		return DefaultNormFactor
	}
	return d.NormFactor
}

// DiffSummary counts what changed between two checkpoints.
type DiffSummary struct {
	// Common is the number of tensors present in both checkpoints.
	Common int
	// Changed and Unchanged split the common tensors by content digest (Unchanged are
	// frozen: bit-identical bytes). Both are 0 when the digests were not known.
	Changed, Unchanged int
	// Missing tensors are only in the older checkpoint, Added ones only in the newer.
	Missing, Added int
	// DigestsCompared is set when both reports carried content digests
	// (Config.Digest) for the common tensors.
	DigestsCompared bool
	// NormsCompared is set when both reports carried statistics (Config.Stats).
	NormsCompared bool
}

// DiffReport is the comparison of two validated checkpoints.
type DiffReport struct {
	// Prev and Next are the reports of the older and the newer checkpoint.
	Prev, Next *Report
	// Findings of Diff, in the order Diff returns them.
	Findings []Finding
	Summary  DiffSummary
}

// Valid reports whether the comparison found no finding of severity Error.
func (d *DiffReport) Valid() bool {
	for i := range d.Findings {
		if d.Findings[i].Severity == Error {
			return false
		}
	}
	return true
}

// Diff compares two validated checkpoints of one training run, prev the older, and
// returns what looks wrong with next:
//   - a tensor of prev missing from next (tensor_missing) or new in next
//     (tensor_added): errors;
//   - a tensor whose shape or dtype changed (shape_changed, dtype_changed): errors;
//   - a tensor that had no NaN or infinite value in prev and has some in next
//     (new_nonfinite): an error;
//   - a tensor whose L2 norm grew or shrank by more than DiffConfig.NormFactor, or
//     fell to 0 (norm_jump): a warning per tensor. A norm that leaves 0, like the
//     zero-initialised B matrices of LoRA after the first steps, is not flagged;
//   - every common tensor bit-identical to prev (weights_unchanged): one warning,
//     "no tensor changed since <prev>", because training did not move the weights.
//
// Tensors are matched by name (by file and name where a name occurs in several
// files of a layout). The content checks need reports made with Config.Stats
// (norms) and Config.Digest (unchanged weights) and tensors that were scanned;
// checks whose data is missing are skipped (Compare's DiffSummary says which ran).
// A tensor whose bytes are non-empty and whose digest is 0 counts as having no
// digest. Findings carry the newer checkpoint's File and Tensor and Offset -1.
func Diff(prev, next *Report, c DiffConfig) []Finding {
	return Compare(prev, next, c).Findings
}

// Compare is Diff returning the findings with a summary.
func Compare(prev, next *Report, c DiffConfig) *DiffReport {
	d := &DiffReport{Prev: prev, Next: next}
	if prev == nil || next == nil {
		return d
	}
	factor := c.normFactor()
	pm := diffIndex(prev)
	nm := diffIndex(next)
	sum := &d.Summary
	digests, norms := true, true

	for i := range prev.Tensors {
		t := &prev.Tensors[i]
		if _, ok := nm[diffKey(t, pm)]; !ok {
			sum.Missing++
			d.Findings = append(d.Findings, diffFinding(Error, CodeTensorMissing, t, ErrTensorMissing,
				"tensor %q (%s %v) of %s is missing", t.Name, t.DType, t.Shape, reportName(prev)))
		}
	}
	for i := range next.Tensors {
		t := &next.Tensors[i]
		p, ok := pm[diffKey(t, nm)]
		if !ok {
			sum.Added++
			d.Findings = append(d.Findings, diffFinding(Error, CodeTensorAdded, t, ErrTensorAdded,
				"tensor %q (%s %v) is not in %s", t.Name, t.DType, t.Shape, reportName(prev)))
			continue
		}
		sum.Common++
		same := true
		if !slices.Equal(p.Shape, t.Shape) {
			same = false
			d.Findings = append(d.Findings, diffFinding(Error, CodeShapeChanged, t, ErrShapeChanged,
				"tensor %q: shape %v, was %v", t.Name, t.Shape, p.Shape))
		}
		if p.DType != t.DType {
			same = false
			d.Findings = append(d.Findings, diffFinding(Error, CodeDTypeChanged, t, ErrDTypeChanged,
				"tensor %q: dtype %s, was %s", t.Name, t.DType, p.DType))
		}
		if p.Scanned && t.Scanned {
			if pb, nb := p.NaN+p.PosInf+p.NegInf, t.NaN+t.PosInf+t.NegInf; pb == 0 && nb > 0 {
				d.Findings = append(d.Findings, diffFinding(Error, CodeNewNonFinite, t, ErrNewNonFinite,
					"tensor %q has %d NaN, %d +Inf and %d -Inf values; it had none in %s",
					t.Name, t.NaN, t.PosInf, t.NegInf, reportName(prev)))
			}
		}
		if !hasDigest(p) || !hasDigest(t) {
			digests = false
		} else if same && p.Digest == t.Digest {
			sum.Unchanged++
		} else {
			sum.Changed++
		}
		if !p.Scanned || !t.Scanned || p.Stats == nil || t.Stats == nil {
			if hasStats(p.DType) && hasStats(t.DType) {
				norms = false
			}
			continue
		}
		if same {
			if f, ok := normJump(p, t, factor); ok {
				d.Findings = append(d.Findings, f)
			}
		}
	}
	sum.DigestsCompared = digests && sum.Common > 0
	sum.NormsCompared = norms && sum.Common > 0
	if !sum.DigestsCompared {
		sum.Changed, sum.Unchanged = 0, 0
	} else if sum.Changed == 0 {
		what := fmt.Sprintf("all %d tensors are bit-identical", sum.Unchanged)
		if sum.Unchanged == 1 {
			what = "its one tensor is bit-identical"
		}
		d.Findings = append(d.Findings, newFinding(Warning, CodeWeightsUnchanged, "", -1, ErrWeightsUnchanged,
			"no tensor changed since %s (%s)", reportName(prev), what))
	}
	return d
}

// normJump flags a norm that grew or shrank by more than factor, or fell to 0.
func normJump(p, t *Tensor, factor float64) (Finding, bool) {
	a, b := p.Stats.L2Norm, t.Stats.L2Norm
	var why string
	switch {
	case math.IsNaN(a) || math.IsNaN(b) || a == 0:
		return Finding{}, false
	case b == 0:
		why = "fell to 0"
	case math.IsInf(a, 0) && math.IsInf(b, 0):
		return Finding{}, false
	case b/a > factor:
		why = fmt.Sprintf("grew %.3g-fold", b/a)
	case a/b > factor:
		why = fmt.Sprintf("shrank %.3g-fold", a/b)
	default:
		return Finding{}, false
	}
	return diffFinding(Warning, CodeNormJump, t, ErrNormJump,
		"tensor %q: L2 norm %.6g, was %.6g: it %s (limit %g)", t.Name, b, a, why, factor), true
}

func diffFinding(sev Severity, code string, t *Tensor, sentinel error, detail string, args ...any) Finding {
	f := newFinding(sev, code, t.Name, -1, sentinel, detail, args...)
	f.File = t.File
	return f
}

// hasDigest reports whether t carries a content digest.
func hasDigest(t *Tensor) bool { return t.Scanned && (t.Digest != 0 || t.NBytes() == 0) }

// diffIndex maps the tensors of r by diffKey.
func diffIndex(r *Report) map[string]*Tensor {
	n := make(map[string]int, len(r.Tensors))
	for i := range r.Tensors {
		n[r.Tensors[i].Name]++
	}
	m := make(map[string]*Tensor, len(r.Tensors))
	for i := range r.Tensors {
		t := &r.Tensors[i]
		key := t.Name
		if n[t.Name] > 1 {
			key = t.File + "\x00" + t.Name
		}
		m[key] = t
	}
	return m
}

// diffKey is the key of t in the other report's index: the name, or file and name
// when the name is ambiguous there.
func diffKey(t *Tensor, own map[string]*Tensor) string {
	if _, ok := own[t.Name]; ok {
		return t.Name
	}
	return t.File + "\x00" + t.Name
}

func reportName(r *Report) string {
	if r.Path == "" {
		return "the previous checkpoint"
	}
	return r.Path
}

// DiffPaths validates the checkpoints at a (the older) and b (the newer) with
// ValidatePath, statistics and digests switched on whatever c says, and compares
// them with Compare. Like Watch, it validates a directory that is no layout
// ValidatePath knows but holds *.safetensors files file by file (KindDirectory). The reports' own findings stay in DiffReport.Prev and Next.
// The error is non-nil when either checkpoint could not be validated (an
// unreadable file, an unknown layout, a cancelled ctx) or d is invalid.
func DiffPaths(ctx context.Context, a, b string, c Config, d DiffConfig) (*DiffReport, error) {
	if err := d.check(); err != nil {
		return nil, err
	}
	c.Stats, c.Digest = true, true
	prev, err := ValidatePath(ctx, a, c)
	if err != nil {
		return nil, errorNaming(a, err)
	}
	next, err := ValidatePath(ctx, b, c)
	if err != nil {
		return nil, errorNaming(b, err)
	}
	return Compare(prev, next, d), nil
}

// errorNaming wraps err with path unless its text names path already.
func errorNaming(path string, err error) error {
	if err == nil || strings.Contains(err.Error(), path) {
		return err
	}
	return fmt.Errorf("%s: %w", path, err)
}
