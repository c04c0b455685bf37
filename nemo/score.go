package nemo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sophia-ai/sophia-eval/bleu"
	"github.com/sophia-ai/sophia-eval/internal/nprand"
	"github.com/sophia-ai/sophia-eval/internal/pyfloat"
	"github.com/sophia-ai/sophia-eval/internal/pystr"
	"github.com/sophia-ai/sophia-eval/rouge"
	"github.com/sophia-ai/sophia-eval/winrate"
)

// Errors of Score and Sample.
var (
	// ErrScoreInput means an input cannot be scored: no items, an item without a
	// reference, a bad exclude list or judgments file.
	ErrScoreInput = errors.New("nemo: invalid score input")
	// ErrMismatch means the fine-tuned and the baseline predictions do not cover
	// the same items: different counts, an id on one side only, a repeated id,
	// different inputs or references for an item.
	ErrMismatch = errors.New("nemo: fine-tuned and baseline predictions do not match")
	// ErrScoreConfig means invalid ScoreOptions: an unknown metric, a gate that
	// cannot be evaluated (min_delta without a baseline).
	ErrScoreConfig = errors.New("nemo: invalid score options")
)

// Metric names, as in lora.yaml's evaluation.metrics.
const (
	MetricBLEU    = "bleu"
	MetricWinRate = "winrate"
)

// DefaultScoreSeed is the seed of the bootstraps, sacreBLEU's default.
const DefaultScoreSeed = 12345

// DefaultTieMargin is the margin of sentence ROUGE-L F within which the two
// systems draw an item, when the win rate comes from per-item scores.
const DefaultTieMargin = 0.01

// rougeVersion is the rouge-score version the rouge package reproduces.
const rougeVersion = "0.1.2"

// ScoreInput names the files Score reads.
type ScoreInput struct {
	// Predictions is the fine-tuned model's predictions file (required): NeMo's
	// JSONL or any format ReadOptions reads.
	Predictions string
	// References is a file of references, one item per prediction in order, for
	// predictions files without them (plain text). Default: the predictions' own
	// references (ReadOptions.RefField).
	References string
	// Baseline is the baseline model's predictions on the same items. Optional.
	Baseline string
	// Judgments is a file of pairwise judgments of the fine-tuned model against the
	// baseline in any format winrate reads; the win rate is computed from it
	// instead of from per-item scores. Optional.
	Judgments string
	// Exclude is a list of items to leave out (see docs/score.md): ids one per
	// line, or the JSON lines of sophia-eval audit data --results. Optional.
	Exclude string
	// Open opens a named input. Default (nil): os.Open.
	Open func(name string) (io.ReadCloser, error)
}

func (in *ScoreInput) opener() opener {
	if in.Open != nil {
		return in.Open
	}
	return openFile
}

// ScoreOptions says what Score computes. The zero value scores BLEU and ROUGE-L
// (and the win rate when there is a baseline or judgments) with the references'
// defaults, 1000 bootstrap resamples and seed 12345, without gates.
type ScoreOptions struct {
	// Read says how the prediction files are read.
	Read ReadOptions
	// Metrics are "bleu", "rouge1" … "rouge9", "rougeL", "rougeLsum" and
	// "winrate", in report order. Default: bleu, rougeL, and winrate when a
	// baseline or judgments are given. Metrics that Gates name are added.
	Metrics []string
	// Gates are the acceptance gates (lora.yaml's evaluation.gates): Min bounds
	// the fine-tuned value, MinDelta the fine-tuned minus the baseline value, on
	// the scales of docs/score.md. Default: none.
	Gates []Gate
	// BLEU configures BLEU. Default: sacreBLEU's (13a, exp smoothing).
	BLEU bleu.Config
	// ROUGE configures ROUGE; its Types are ignored (they come from Metrics).
	// Default: rouge-score's (no stemming).
	ROUGE rouge.Config
	// WinMetric is the per-item score that decides who wins an item when there are
	// no judgments: "rougeL" (sentence ROUGE-L F) or "bleu" (sentence BLEU).
	// Default: "rougeL".
	WinMetric string
	// TieMargin is the score difference within which an item is a draw. Default
	// (nil): DefaultTieMargin for rougeL, 1 BLEU point for bleu.
	TieMargin *float64
	// JudgeFormat is the format of the judgments file (a winrate.Format name).
	// Default: detected.
	JudgeFormat string
	// JudgeModel names the fine-tuned model in the judgments when they compare it
	// with the baseline under other names. Default: the first model named.
	JudgeModel string
	// Bootstrap is the number of bootstrap resamples. Default: 1000.
	Bootstrap int
	// Seed seeds every bootstrap: numpy's default_rng(Seed), as sacreBLEU.
	// Default (0): DefaultScoreSeed. (sacreBLEU's paired test is unseeded for 0,
	// so 0 is not a seed of its own.)
	Seed uint64
	// Workers is the number of goroutines of the scorers: 0 = GOMAXPROCS.
	Workers int
	// Logger receives progress at Debug level. Default: nil, which discards.
	Logger *slog.Logger
	// Now gives the report's date. Default: time.Now.
	Now func() time.Time
}

// ScoreReport is the result of Score: the metrics of the fine-tuned model against
// the baseline, the gates and the per-item scores.
type ScoreReport struct {
	// Date is when the scores were computed.
	Date time.Time `json:"date"`
	// Predictions, References, Baseline, Judgments and Exclude name the inputs.
	Predictions string `json:"predictions"`
	References  string `json:"references,omitempty"`
	Baseline    string `json:"baseline,omitempty"`
	Judgments   string `json:"judgments,omitempty"`
	Exclude     string `json:"exclude,omitempty"`
	// Items is the number of items scored, after exclusion.
	Items int `json:"items"`
	// ItemsRead is the number of items in the predictions file.
	ItemsRead int `json:"items_read"`
	// Excluded is the number of items left out; ExcludeUnmatched the number of
	// excluded names that matched no item.
	Excluded         int `json:"excluded"`
	ExcludeUnmatched int `json:"exclude_unmatched"`
	// Matching is how baseline items were matched: "id", "order", or "" without a
	// baseline.
	Matching string `json:"matching,omitempty"`
	// Bootstrap and Seed are the resampling settings.
	Bootstrap int    `json:"bootstrap"`
	Seed      uint64 `json:"seed"`
	// Metrics hold one result per metric, in the order asked.
	Metrics []MetricResult `json:"metrics"`
	// Gates hold one result per gate, in config order.
	Gates []GateResult `json:"gates"`
	// Verdict is "accepted" (every gate passed), "rejected" (some failed) or
	// "no gates".
	Verdict string `json:"verdict"`
	// PerItem holds every scored item.
	PerItem []ItemScore `json:"-"`
	// RougeTypes are the ROUGE types of ItemScore.Rouge, in order.
	RougeTypes []string `json:"-"`
}

// Verdicts of a ScoreReport.
const (
	VerdictAccepted = "accepted"
	VerdictRejected = "rejected"
	VerdictNoGates  = "no gates"
)

// MetricResult is one metric of the fine-tuned model and the baseline. Values are
// on the metric's scale: BLEU in sacreBLEU points (0–100), ROUGE as rouge-score's
// F-measure (0–1), the win rate as a fraction (0–1).
type MetricResult struct {
	// Metric is the metric's name.
	Metric string `json:"metric"`
	// FineTuned and Baseline are the corpus values; Baseline is nil without a
	// baseline. The baseline's win rate is 0.5 (itself).
	FineTuned float64  `json:"finetuned"`
	Baseline  *float64 `json:"baseline,omitempty"`
	// Difference is FineTuned − Baseline.
	Difference *float64 `json:"difference,omitempty"`
	// Low and High bound the 95% interval that IntervalOf names: "difference"
	// (BLEU and ROUGE with a baseline), "finetuned" (without one) or "winrate".
	Low        float64 `json:"low"`
	High       float64 `json:"high"`
	IntervalOf string  `json:"interval_of"`
	// IntervalMethod says how the interval was computed.
	IntervalMethod string `json:"interval_method"`
	// PValue is the p-value of the paired test against the baseline; nil when
	// there is none or the test is undefined.
	PValue       *float64 `json:"p_value,omitempty"`
	PValueMethod string   `json:"p_value_method,omitempty"`
	// Signature says how the value was computed (sacreBLEU's signature for BLEU).
	Signature string `json:"signature"`
	// FineTunedMean, FineTunedCI, BaselineMean and BaselineCI are sacreBLEU's
	// bootstrap mean and 95% half-width of each system (BLEU only).
	FineTunedMean *float64 `json:"finetuned_mean,omitempty"`
	FineTunedCI   *float64 `json:"finetuned_ci,omitempty"`
	BaselineMean  *float64 `json:"baseline_mean,omitempty"`
	BaselineCI    *float64 `json:"baseline_ci,omitempty"`
	// Wins, Losses and Ties count the items (win rate only).
	Wins   *int64 `json:"wins,omitempty"`
	Losses *int64 `json:"losses,omitempty"`
	Ties   *int64 `json:"ties,omitempty"`
	// Resamples is the bootstrap distribution of the difference (or, without a
	// baseline, of the value), in resample order; the plot draws it.
	Resamples []float64 `json:"-"`
}

// GateResult is one acceptance gate applied.
type GateResult struct {
	Metric   string   `json:"metric"`
	Min      *float64 `json:"min,omitempty"`
	MinDelta *float64 `json:"min_delta,omitempty"`
	// Value and Difference are the metric's fine-tuned value and difference.
	Value      float64  `json:"value"`
	Difference *float64 `json:"difference,omitempty"`
	Pass       bool     `json:"pass"`
}

// String describes the gate, e.g. "bleu: difference 0.31 < min_delta 0.5".
func (g GateResult) String() string {
	var parts []string
	f := func(x float64) string { return strconv.FormatFloat(x, 'g', 6, 64) }
	if g.Min != nil {
		op := "≥"
		if g.Value < *g.Min {
			op = "<"
		}
		parts = append(parts, fmt.Sprintf("value %s %s min %s", f(g.Value), op, f(*g.Min)))
	}
	if g.MinDelta != nil && g.Difference != nil {
		op := "≥"
		if *g.Difference < *g.MinDelta {
			op = "<"
		}
		parts = append(parts, fmt.Sprintf("difference %s %s min_delta %s", f(*g.Difference), op, f(*g.MinDelta)))
	}
	return g.Metric + ": " + strings.Join(parts, ", ")
}

// ItemScore is the per-item scores of one item.
type ItemScore struct {
	// ID is the item's id ("" when the file has none); Line its line (or row) in
	// the predictions file.
	ID   string
	Line int64
	// Input, Prediction, BaselinePrediction and References are the texts.
	Input, Prediction, BaselinePrediction string
	References                            []string
	// BLEU and BaselineBLEU are sentence BLEU (effective order, as sacreBLEU's
	// sentence_score).
	BLEU, BaselineBLEU float64
	// Rouge and BaselineRouge are the F-measures of ScoreReport.RougeTypes.
	Rouge, BaselineRouge []float64
	// Outcome is the item's win-rate outcome from the fine-tuned side (1 win, 0
	// loss, 0.5 draw, or a judge's probability); NaN when it has none.
	Outcome float64
}

// Failed returns the gates that failed.
func (r *ScoreReport) Failed() []GateResult {
	var out []GateResult
	for _, g := range r.Gates {
		if !g.Pass {
			out = append(out, g)
		}
	}
	return out
}

// Metric returns the result of the named metric.
func (r *ScoreReport) Metric(name string) (MetricResult, bool) {
	for _, m := range r.Metrics {
		if m.Metric == name {
			return m, true
		}
	}
	return MetricResult{}, false
}

// ScoreOptionsFromConfig returns the metrics, gates and baseline file of the
// config's evaluation section; the baseline path is resolved against c.Dir.
func ScoreOptionsFromConfig(c *Config) (metrics []string, gates []Gate, baseline string) {
	baseline = c.Evaluation.BaselinePredictions
	if baseline != "" {
		baseline = c.Resolve(baseline)
	}
	return slices.Clone(c.Evaluation.Metrics), slices.Clone(c.Evaluation.Gates), baseline
}

// isRouge reports whether m names a ROUGE type.
func isRouge(m string) bool {
	if m == "rougeL" || m == "rougeLsum" {
		return true
	}
	return len(m) == 6 && strings.HasPrefix(m, "rouge") && m[5] >= '1' && m[5] <= '9'
}

// DefaultMetrics are the metrics Score computes when ScoreOptions.Metrics is
// empty: BLEU and ROUGE-L, and the win rate with a baseline or judgments.
func DefaultMetrics(haveBaseline, haveJudgments bool) []string {
	ms := []string{MetricBLEU, "rougeL"}
	if haveBaseline || haveJudgments {
		ms = append(ms, MetricWinRate)
	}
	return ms
}

// resolved are ScoreOptions with the defaults filled in.
type resolved struct {
	metrics    []string
	rougeTypes []string
	winMetric  string
	margin     float64
	seed       uint64
	n          int
}

func (o *ScoreOptions) resolve(haveBaseline, haveJudgments bool) (resolved, error) {
	r := resolved{seed: o.Seed, n: o.Bootstrap, winMetric: o.WinMetric}
	if r.seed == 0 {
		r.seed = DefaultScoreSeed
	}
	if r.n == 0 {
		r.n = bleu.DefaultBootstrap
	}
	if r.n < 1 {
		return r, fmt.Errorf("%w: %d bootstrap resamples", ErrScoreConfig, r.n)
	}
	if r.winMetric == "" {
		r.winMetric = "rougeL"
	}
	switch r.winMetric {
	case "rougeL":
		r.margin = DefaultTieMargin
	case MetricBLEU:
		r.margin = 1
	default:
		return r, fmt.Errorf("%w: win metric %q (want rougeL or bleu)", ErrScoreConfig, r.winMetric)
	}
	if o.TieMargin != nil {
		if !(*o.TieMargin >= 0) {
			return r, fmt.Errorf("%w: tie margin %v", ErrScoreConfig, *o.TieMargin)
		}
		r.margin = *o.TieMargin
	}
	ms := o.Metrics
	if len(ms) == 0 {
		ms = DefaultMetrics(haveBaseline, haveJudgments)
	}
	for _, g := range o.Gates {
		ms = append(ms, g.Metric)
	}
	for _, m := range ms {
		if slices.Contains(r.metrics, m) {
			continue
		}
		switch {
		case m == MetricBLEU:
		case isRouge(m):
			r.rougeTypes = append(r.rougeTypes, m)
		case m == MetricWinRate:
			if !haveBaseline && !haveJudgments {
				return r, fmt.Errorf("%w: the win rate needs a baseline or judgments", ErrScoreConfig)
			}
		default:
			return r, fmt.Errorf("%w: unknown metric %q (want bleu, rouge1 … rouge9, rougeL, rougeLsum or winrate)", ErrScoreConfig, m)
		}
		r.metrics = append(r.metrics, m)
	}
	if !haveJudgments && slices.Contains(r.metrics, MetricWinRate) && r.winMetric == "rougeL" && !slices.Contains(r.rougeTypes, "rougeL") {
		r.rougeTypes = append(r.rougeTypes, "rougeL")
	}
	for _, g := range o.Gates {
		if g.Min == nil && g.MinDelta == nil {
			return r, fmt.Errorf("%w: gate on %q has neither min nor min_delta", ErrScoreConfig, g.Metric)
		}
		if g.MinDelta != nil && !haveBaseline && !(g.Metric == MetricWinRate && haveJudgments) {
			return r, fmt.Errorf("%w: gate on %q has min_delta, which needs a baseline", ErrScoreConfig, g.Metric)
		}
	}
	return r, nil
}

// Score scores the fine-tuned predictions of in, against the baseline's when there
// is one, and applies the gates of o. It reads every input, matches the baseline's
// items to the fine-tuned ones (by id when both files have ids, otherwise by order,
// checking inputs and references agree), leaves out the excluded items, and
// computes each metric with its interval, paired test and signature
// (docs/score.md says how). Failed gates are not an error: see
// ScoreReport.Verdict and Failed.
func Score(ctx context.Context, in ScoreInput, o ScoreOptions) (*ScoreReport, error) {
	if in.Predictions == "" {
		return nil, fmt.Errorf("%w: no predictions file", ErrScoreInput)
	}
	res, err := o.resolve(in.Baseline != "", in.Judgments != "")
	if err != nil {
		return nil, err
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	rep := &ScoreReport{
		Date: now(), Predictions: in.Predictions, References: in.References, Baseline: in.Baseline,
		Judgments: in.Judgments, Exclude: in.Exclude, Bootstrap: res.n, Seed: res.seed, RougeTypes: res.rougeTypes,
	}
	tuned, base, excluded, err := loadSystems(ctx, &in, o.Read, rep)
	if err != nil {
		return nil, err
	}
	log.Debug("predictions read", "items", len(tuned.preds), "excluded", rep.Excluded)

	sc, err := newItemScorers(o, res)
	if err != nil {
		return nil, err
	}
	tunedScores, err := sc.scoreSystem(ctx, tuned.preds, tuned.labels)
	if err != nil {
		return nil, fmt.Errorf("scoring %s: %w", tuned.name, err)
	}
	var baseScores *systemScores
	if base != nil {
		if baseScores, err = sc.scoreSystem(ctx, base.preds, tuned.labels); err != nil {
			return nil, fmt.Errorf("scoring %s: %w", base.name, err)
		}
	}
	rep.PerItem = perItem(tuned, base, tunedScores, baseScores, len(res.rougeTypes))

	for _, m := range res.metrics {
		var mr MetricResult
		switch {
		case m == MetricBLEU:
			mr, err = sc.bleuMetric(ctx, tunedScores, baseScores, res)
		case isRouge(m):
			mr = rougeMetric(m, slices.Index(res.rougeTypes, m), sc.rouge.Config(), tunedScores, baseScores, res)
		case m == MetricWinRate:
			mr, err = winRateMetric(&in, o, res, rep, excluded)
		}
		if err != nil {
			return nil, err
		}
		log.Debug("metric done", "metric", m, "value", mr.FineTuned)
		rep.Metrics = append(rep.Metrics, mr)
	}
	rep.applyGates(o.Gates)
	return rep, nil
}

// loadSystems reads the fine-tuned and baseline predictions, aligns them and
// applies the exclusion. It returns the excluded names (for judgments).
func loadSystems(ctx context.Context, in *ScoreInput, ro ReadOptions, rep *ScoreReport) (tuned, base *system, excluded map[string]bool, err error) {
	open := in.opener()
	if tuned, err = readSystem(ctx, open, in.Predictions, ro); err != nil {
		return nil, nil, nil, err
	}
	if in.References != "" {
		if err := readReferences(ctx, open, tuned, in.References, ro); err != nil {
			return nil, nil, nil, err
		}
	}
	if tuned.labels == nil {
		return nil, nil, nil, fmt.Errorf("%w: %s has no references (field %q); give a references file", ErrScoreInput, tuned.name, strings.Join(labelFields, ", "))
	}
	for i, l := range tuned.labels {
		if len(l) == 0 {
			return nil, nil, nil, fmt.Errorf("%w: %s: the item has no reference", ErrScoreInput, tuned.where(i))
		}
	}
	rep.ItemsRead = len(tuned.preds)
	if in.Baseline != "" {
		if base, err = readSystem(ctx, open, in.Baseline, ro); err != nil {
			return nil, nil, nil, err
		}
		if rep.Matching, err = align(tuned, base); err != nil {
			return nil, nil, nil, err
		}
		if base.labels != nil {
			for i := range base.labels {
				if !slices.Equal(base.labels[i], tuned.labels[i]) {
					return nil, nil, nil, fmt.Errorf("%w: item %s has a different reference in %s (%s)", ErrMismatch, tuned.item(i), base.name, base.where(i))
				}
			}
		}
	}
	if in.Exclude != "" {
		names, err := readExclude(open, in.Exclude)
		if err != nil {
			return nil, nil, nil, err
		}
		excluded = make(map[string]bool, len(names))
		for _, n := range names {
			excluded[n] = true
		}
		keep, unmatched := excludeMask(tuned, names)
		rep.ExcludeUnmatched = unmatched
		tuned.keep(keep)
		if base != nil {
			base.keep(keep)
		}
	}
	rep.Items = len(tuned.preds)
	rep.Excluded = rep.ItemsRead - rep.Items
	if rep.Items == 0 {
		return nil, nil, nil, fmt.Errorf("%w: no items to score in %s", ErrScoreInput, tuned.name)
	}
	return tuned, base, excluded, nil
}

// itemScorers are the scorers of a Score call.
type itemScorers struct {
	bleu, sentence *bleu.Scorer
	rouge          *rouge.Scorer // nil without ROUGE types
}

func newItemScorers(o ScoreOptions, res resolved) (*itemScorers, error) {
	bc := o.BLEU
	bc.Workers, bc.Logger = o.Workers, o.Logger
	b, err := bleu.New(bc)
	if err != nil {
		return nil, err
	}
	bc.EffectiveOrder = true
	s, err := bleu.New(bc)
	if err != nil {
		return nil, err
	}
	sc := &itemScorers{bleu: b, sentence: s}
	if len(res.rougeTypes) > 0 {
		rc := o.ROUGE
		rc.Types, rc.Workers, rc.Logger = res.rougeTypes, o.Workers, o.Logger
		if sc.rouge, err = rouge.New(rc); err != nil {
			return nil, err
		}
	}
	return sc, nil
}

// systemScores are one system's statistics and per-item scores.
type systemScores struct {
	bleuTotal bleu.Stats
	bleuSegs  bleu.SegmentStats
	sentence  []float64   // sentence BLEU per item
	rougeMean []float64   // corpus mean F per type
	rougeF    [][]float64 // [type][item] F-measure
}

func (sc *itemScorers) scoreSystem(ctx context.Context, preds []string, refs [][]string) (*systemScores, error) {
	// BLEU reads its texts right-stripped, as sacreBLEU reads files.
	hyps := make([]string, len(preds))
	for i, p := range preds {
		hyps[i] = pystr.TrimRightSpace(p)
	}
	brefs := make([][]string, len(refs))
	for i, rs := range refs {
		brefs[i] = make([]string, len(rs))
		for k, r := range rs {
			brefs[i][k] = pystr.TrimRightSpace(r)
		}
	}
	src, err := bleu.Segments(hyps, brefs)
	if err != nil {
		return nil, err
	}
	s := &systemScores{}
	if s.bleuTotal, s.bleuSegs, err = sc.bleu.CorpusStats(ctx, src, true); err != nil {
		return nil, err
	}
	s.sentence = make([]float64, s.bleuSegs.Len())
	for i := range s.sentence {
		s.sentence[i] = sc.sentence.Score(s.bleuSegs.At(i)).Score
	}
	if sc.rouge != nil {
		rsrc, err := rouge.Pairs(preds, refs)
		if err != nil {
			return nil, err
		}
		st, items, err := sc.rouge.CorpusStats(ctx, rsrc, true)
		if err != nil {
			return nil, err
		}
		for _, m := range st.Mean() {
			s.rougeMean = append(s.rougeMean, m.FMeasure)
		}
		s.rougeF = make([][]float64, len(items.Types))
		for k := range items.Types {
			f := make([]float64, items.Len())
			for i := range f {
				f[i] = items.Score(i, k).FMeasure
			}
			s.rougeF[k] = f
		}
	}
	return s, nil
}

func perItem(tuned, base *system, ts, bs *systemScores, types int) []ItemScore {
	out := make([]ItemScore, len(tuned.preds))
	for i := range out {
		it := &out[i]
		it.Line, it.Prediction, it.References, it.BLEU, it.Outcome = tuned.lines[i], tuned.preds[i], tuned.labels[i], ts.sentence[i], math.NaN()
		if tuned.ids != nil {
			it.ID = tuned.ids[i]
		}
		if tuned.inputs != nil {
			it.Input = tuned.inputs[i]
		} else if base != nil && base.inputs != nil {
			it.Input = base.inputs[i]
		}
		it.Rouge = make([]float64, types)
		for k := range types {
			it.Rouge[k] = ts.rougeF[k][i]
		}
		if base != nil {
			it.BaselinePrediction, it.BaselineBLEU = base.preds[i], bs.sentence[i]
			it.BaselineRouge = make([]float64, types)
			for k := range types {
				it.BaselineRouge[k] = bs.rougeF[k][i]
			}
		}
	}
	return out
}

// resampleMeans returns the means of values over n bootstrap resamples drawn as
// numpy's default_rng(seed).choice(len(values), size=(n, len(values))): the same
// resamples as sacreBLEU's bootstrap of a corpus of that size.
func resampleMeans(values []float64, n int, seed uint64) []float64 {
	m := len(values)
	draw := nprand.New(seed).NewBounded(uint64(m))
	idx := make([]int, m)
	buf := make([]float64, m)
	out := make([]float64, n)
	for b := range out {
		draw.Fill(idx)
		for j, i := range idx {
			buf[j] = values[i]
		}
		out[b] = pyfloat.NumpyMean(buf)
	}
	return out
}

// rankInterval is sacreBLEU's 95% interval of resampled values: the values at ranks
// ⌊n/40⌋ and n−1−⌊n/40⌋ of the sorted resamples.
func rankInterval(resamples []float64) (lo, hi float64) {
	s := slices.Sorted(slices.Values(resamples))
	k := len(s) / 40
	return s[k], s[len(s)-1-k]
}

// pairedP is sacreBLEU's paired bootstrap p-value, given the resampled differences
// and the actual one: (1 + #{|d_b| − mean|d| > |actual|}) / (n + 1).
func pairedP(diffs []float64, actual float64) float64 {
	abs := make([]float64, len(diffs))
	for i, d := range diffs {
		abs[i] = math.Abs(d)
	}
	mean := pyfloat.NumpyMean(abs)
	count := 0
	for _, d := range abs {
		if d-mean > math.Abs(actual) {
			count++
		}
	}
	return float64(count+1) / float64(len(diffs)+1)
}

func ptr[T any](v T) *T { return &v }

func (sc *itemScorers) bleuMetric(ctx context.Context, ts, bs *systemScores, res resolved) (MetricResult, error) {
	seed := strconv.FormatUint(res.seed, 10)
	r := bleu.Resample{N: res.n, Seed: seed}
	score := sc.bleu.Score(ts.bleuTotal)
	sig := score.Signature
	sig.Bootstrap, sig.Seed = res.n, seed
	mr := MetricResult{Metric: MetricBLEU, FineTuned: score.Score, Signature: sig.String()}
	tunedIv, err := sc.bleu.Bootstrap(ctx, ts.bleuSegs, r)
	if err != nil {
		return mr, err
	}
	if bs == nil {
		mr.FineTunedMean, mr.FineTunedCI = ptr(tunedIv.Mean), ptr(tunedIv.CI)
		mr.Low, mr.High = rankInterval(tunedIv.Scores)
		mr.IntervalOf, mr.IntervalMethod = "finetuned", fmt.Sprintf("bootstrap, %d resamples, percentile ranks ⌊n/40⌋ and n−1−⌊n/40⌋", res.n)
		mr.Resamples = tunedIv.Scores
		return mr, nil
	}
	paired, err := sc.bleu.PairedBootstrap(ctx, bs.bleuSegs, []bleu.SegmentStats{ts.bleuSegs}, r)
	if err != nil {
		return mr, err
	}
	baseIv, err := sc.bleu.Bootstrap(ctx, bs.bleuSegs, r)
	if err != nil {
		return mr, err
	}
	// Bootstrap and PairedBootstrap draw the same resamples for a seed other
	// than 0, so the differences are those of the paired test.
	diffs := make([]float64, res.n)
	for i := range diffs {
		diffs[i] = tunedIv.Scores[i] - baseIv.Scores[i]
	}
	sys := paired.Systems[0]
	base := paired.Baseline.Score
	mr.Baseline, mr.Difference = ptr(base), ptr(score.Score-base)
	mr.FineTunedMean, mr.FineTunedCI = sys.Mean, sys.CI
	mr.BaselineMean, mr.BaselineCI = paired.Baseline.Mean, paired.Baseline.CI
	mr.Low, mr.High = rankInterval(diffs)
	mr.IntervalOf = "difference"
	mr.IntervalMethod = fmt.Sprintf("paired bootstrap, %d resamples, percentile ranks ⌊n/40⌋ and n−1−⌊n/40⌋", res.n)
	mr.PValue, mr.PValueMethod = sys.PValue, "paired bootstrap (sacreBLEU --paired-bs)"
	mr.Resamples = diffs
	return mr, nil
}

func rougeMetric(name string, k int, rc rouge.Config, ts, bs *systemScores, res resolved) MetricResult {
	yn := map[bool]string{true: "yes", false: "no"}
	mr := MetricResult{
		Metric: name, FineTuned: ts.rougeMean[k],
		Signature: fmt.Sprintf("rouge-score:%s|type:%s|measure:f|stem:%s|tok:%s|split:%s|mean:plain|bs:%d|seed:%d",
			rougeVersion, name, yn[rc.Stem], rc.Tokenizer, rc.Split, res.n, res.seed),
	}
	method := fmt.Sprintf("bootstrap of the mean, %d resamples, percentile ranks ⌊n/40⌋ and n−1−⌊n/40⌋", res.n)
	if bs == nil {
		mr.Resamples = resampleMeans(ts.rougeF[k], res.n, res.seed)
		mr.Low, mr.High = rankInterval(mr.Resamples)
		mr.IntervalOf, mr.IntervalMethod = "finetuned", method
		return mr
	}
	d := make([]float64, len(ts.rougeF[k]))
	for i := range d {
		d[i] = ts.rougeF[k][i] - bs.rougeF[k][i]
	}
	mr.Baseline, mr.Difference = ptr(bs.rougeMean[k]), ptr(ts.rougeMean[k]-bs.rougeMean[k])
	mr.Resamples = resampleMeans(d, res.n, res.seed)
	mr.Low, mr.High = rankInterval(mr.Resamples)
	mr.IntervalOf, mr.IntervalMethod = "difference", "paired "+method
	mr.PValue, mr.PValueMethod = ptr(pairedP(mr.Resamples, *mr.Difference)), "paired bootstrap of the mean difference"
	return mr
}

// winRateMetric computes the win rate from the judgments, or from the per-item
// scores of rep.PerItem (whose outcomes it fills in).
func winRateMetric(in *ScoreInput, o ScoreOptions, res resolved, rep *ScoreReport, excluded map[string]bool) (MetricResult, error) {
	var cs []winrate.Comparison
	var sig string
	if in.Judgments != "" {
		var err error
		cs, sig, err = readJudgments(in, o, excluded)
		if err != nil {
			return MetricResult{}, err
		}
		at := make(map[string]int, len(rep.PerItem))
		for i, it := range rep.PerItem {
			if it.ID != "" {
				at[it.ID] = i
			}
		}
		for _, c := range cs {
			if i, ok := at[c.Item]; ok {
				rep.PerItem[i].Outcome = c.Outcome
			}
		}
	} else {
		k := slices.Index(rep.RougeTypes, "rougeL")
		model, base := make([]float64, len(rep.PerItem)), make([]float64, len(rep.PerItem))
		for i, it := range rep.PerItem {
			if res.winMetric == MetricBLEU {
				model[i], base[i] = it.BLEU, it.BaselineBLEU
			} else {
				model[i], base[i] = it.Rouge[k], it.BaselineRouge[k]
			}
		}
		var err error
		if cs, err = winrate.FromScores("finetuned", "baseline", model, base, nil, res.margin); err != nil {
			return MetricResult{}, err
		}
		for i, c := range cs {
			rep.PerItem[i].Outcome = c.Outcome
		}
		judge := "sentence rougeL F"
		if res.winMetric == MetricBLEU {
			judge = "sentence BLEU"
		}
		sig = fmt.Sprintf("judge:%s|tie:%s", judge, strconv.FormatFloat(res.margin, 'g', -1, 64))
	}
	ws, err := winrate.New(winrate.Config{})
	if err != nil {
		return MetricResult{}, err
	}
	st := winrate.StatsOf(cs)
	s := ws.Score(st)
	outcomes := make([]float64, len(cs))
	for i, c := range cs {
		outcomes[i] = c.Outcome - 0.5
	}
	mr := MetricResult{
		Metric: MetricWinRate, FineTuned: s.WinRate / 100, Baseline: ptr(0.5), Difference: ptr(s.WinRate/100 - 0.5),
		Low: s.Wilson.Low / 100, High: s.Wilson.High / 100, IntervalOf: "winrate",
		IntervalMethod: "Wilson score interval of the discrete win rate (draws count half)",
		PValueMethod:   "exact sign test, draws left out",
		Signature:      sig + "|draw:0.5|ci:wilson|test:sign",
		Wins:           ptr(s.NWins), Losses: ptr(s.NWinsBase), Ties: ptr(s.NDraws),
		Resamples: resampleMeans(outcomes, res.n, res.seed),
	}
	if !math.IsNaN(s.SignTest.P) {
		mr.PValue = ptr(s.SignTest.P)
	}
	return mr, nil
}

// readJudgments reads the judgments of the fine-tuned model against the baseline,
// without the excluded items, oriented from the fine-tuned side.
func readJudgments(in *ScoreInput, o ScoreOptions, excluded map[string]bool) ([]winrate.Comparison, string, error) {
	format, err := winrate.ParseFormat(o.JudgeFormat)
	if err != nil {
		return nil, "", err
	}
	f, err := in.opener()(in.Judgments)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	cs, info, err := winrate.Read(f, in.Judgments, winrate.ReadConfig{Format: format})
	if err != nil {
		return nil, "", err
	}
	pairs := winrate.Pairs(cs)
	if len(pairs) == 0 {
		return nil, "", fmt.Errorf("%w: %s holds no judgments", ErrScoreInput, in.Judgments)
	}
	model, base := pairs[0].Model, pairs[0].Baseline
	if o.JudgeModel != "" && o.JudgeModel != model {
		if o.JudgeModel != base {
			return nil, "", fmt.Errorf("%w: %s does not name the model %q", ErrScoreInput, in.Judgments, o.JudgeModel)
		}
		model, base = base, model
	}
	for _, p := range pairs[1:] {
		if (p.Model != model || p.Baseline != base) && (p.Model != base || p.Baseline != model) {
			return nil, "", fmt.Errorf("%w: %s compares more than two models (%s vs %s, %s vs %s)", ErrScoreInput, in.Judgments, model, base, p.Model, p.Baseline)
		}
	}
	cs = winrate.HeadToHead(cs, model, base)
	kept := cs[:0]
	for _, c := range cs {
		if !excluded[c.Item] || c.Item == "" {
			kept = append(kept, c)
		}
	}
	if len(kept) == 0 {
		return nil, "", fmt.Errorf("%w: no judgments left in %s", ErrScoreInput, in.Judgments)
	}
	return kept, fmt.Sprintf("judge:%s(%s)|model:%s|baseline:%s", in.Judgments, info.Format, model, base), nil
}

func (r *ScoreReport) applyGates(gates []Gate) {
	r.Gates = []GateResult{}
	for _, g := range gates {
		m, _ := r.Metric(g.Metric)
		gr := GateResult{Metric: g.Metric, Min: g.Min, MinDelta: g.MinDelta, Value: m.FineTuned, Difference: m.Difference, Pass: true}
		if g.Min != nil && m.FineTuned < *g.Min {
			gr.Pass = false
		}
		if g.MinDelta != nil && (m.Difference == nil || *m.Difference < *g.MinDelta) {
			gr.Pass = false
		}
		r.Gates = append(r.Gates, gr)
	}
	switch {
	case len(r.Gates) == 0:
		r.Verdict = VerdictNoGates
	case len(r.Failed()) > 0:
		r.Verdict = VerdictRejected
	default:
		r.Verdict = VerdictAccepted
	}
}
