package winrate

import (
	"errors"
	"fmt"
	"math"
)

// Sentinel errors.
var (
	ErrConfig   = errors.New("winrate: invalid configuration")
	ErrFormat   = errors.New("winrate: unknown input format")
	ErrRecord   = errors.New("winrate: invalid record")
	ErrOutcome  = errors.New("winrate: outcome out of range")
	ErrNoData   = errors.New("winrate: no comparisons")
	ErrMismatch = errors.New("winrate: model and baseline scores differ in length")
)

// Comparison is one judgment of a model against a baseline on one item.
type Comparison struct {
	// Item identifies what was compared (an instruction, a question id); may be "".
	Item string
	// Model and Baseline name the two systems.
	Model, Baseline string
	// Outcome is in [0, 1], from the model's side: 1 the model won, 0 the baseline
	// won, 0.5 a draw; a value between is a judge's probability that the model's
	// output is better (AlpacaEval's weighted annotators).
	Outcome float64
	// ModelLen and BaselineLen are the lengths of the two outputs in characters
	// (Unicode code points, as Python's len), or -1 when unknown.
	ModelLen, BaselineLen int
	// Category is an optional group (AlpacaEval's dataset, Arena-Hard's category).
	Category string
}

// Flip returns c seen from the baseline's side.
func (c Comparison) Flip() Comparison {
	c.Model, c.Baseline = c.Baseline, c.Model
	c.ModelLen, c.BaselineLen = c.BaselineLen, c.ModelLen
	c.Outcome = 1 - c.Outcome
	return c
}

// validOutcome reports whether x is in [0, 1].
func validOutcome(x float64) bool { return x >= 0 && x <= 1 }

// HeadToHead returns the comparisons between model and baseline, each oriented so
// that Comparison.Model is model (those recorded the other way round are flipped).
// Comparisons of other pairs are left out.
func HeadToHead(cs []Comparison, model, baseline string) []Comparison {
	var out []Comparison
	for _, c := range cs {
		switch {
		case c.Model == model && c.Baseline == baseline:
			out = append(out, c)
		case c.Model == baseline && c.Baseline == model:
			out = append(out, c.Flip())
		}
	}
	return out
}

// Pair is an ordered (model, baseline) pair.
type Pair struct{ Model, Baseline string }

// Pairs returns the distinct pairs of cs in order of first appearance, as recorded
// (a pair and its reverse are both listed when both occur).
func Pairs(cs []Comparison) []Pair {
	seen := map[Pair]bool{}
	var out []Pair
	for _, c := range cs {
		p := Pair{c.Model, c.Baseline}
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

// FromScores turns per-item metric scores of a model and a baseline (for example
// sentence BLEU or ROUGE-L of each system's prediction) into comparisons: the model
// wins an item when its score exceeds the baseline's by more than margin, loses it
// when the baseline's exceeds the model's by more than margin, and draws otherwise.
// items may be nil; otherwise it names the items. A NaN score is an error.
func FromScores(model, baseline string, modelScores, baselineScores []float64, items []string, margin float64) ([]Comparison, error) {
	if len(modelScores) != len(baselineScores) || items != nil && len(items) != len(modelScores) {
		return nil, fmt.Errorf("%w: %d model scores, %d baseline scores", ErrMismatch, len(modelScores), len(baselineScores))
	}
	if !(margin >= 0) || math.IsInf(margin, 0) {
		return nil, fmt.Errorf("%w: tie margin %v must be finite and 0 or more", ErrConfig, margin)
	}
	out := make([]Comparison, len(modelScores))
	for i, m := range modelScores {
		b := baselineScores[i]
		if math.IsNaN(m) || math.IsNaN(b) {
			return nil, fmt.Errorf("%w: item %d: NaN score", ErrRecord, i+1)
		}
		c := Comparison{Model: model, Baseline: baseline, Outcome: scoreOutcome(m, b, margin), ModelLen: -1, BaselineLen: -1}
		if items != nil {
			c.Item = items[i]
		}
		out[i] = c
	}
	return out, nil
}

func scoreOutcome(m, b, margin float64) float64 {
	switch {
	case m-b > margin:
		return 1
	case b-m > margin:
		return 0
	}
	return 0.5
}
