package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/sophia-ai/sophia-eval/winrate"
)

type winrateOptions struct {
	files        []string
	baseline     string
	model        string
	confidence   float64
	bootstrap    int
	seed         uint64
	format       string
	inputFormat  string
	tieMargin    float64
	strongWeight int
	ratings      bool
	elo          bool
	anchor       string
	anchorRating float64
	lc           bool
}

func newWinrateCmd(e *env) *cobra.Command {
	o := &winrateOptions{}
	cmd := &cobra.Command{
		Use:   "winrate [flags] FILE...",
		Short: "Win rate of a model against a baseline, with AlpacaEval's figures, intervals and tests",
		Long: `Compute how often a model beats a baseline from pairwise judgments, with the
definitions of AlpacaEval, Chatbot Arena and Arena-Hard.

Inputs (JSON array or JSONL; the format is detected from the first record's keys,
or named with --input-format):
  alpaca_eval  AlpacaEval annotations.json: generator_1 is the baseline,
               generator_2 the model, preference 1 (baseline), 2 (model), 1.5 or
               0 (draw), a value between from a logprob judge; null/NaN dropped
  arena        battles: model_a, model_b, winner (model_a, model_b, tie,
               tie (bothbad))
  arena_hard   judgments: uid, model, games = two judgments with positions
               swapped (A>>B ... B>>A); a strong preference counts 3 times;
               the baseline is the record's "baseline" or --baseline
  simple       {"id", "model", "baseline", "outcome"}, outcome in [0, 1] from
               the model's side
  scores       {"id", "model_score", "baseline_score"}: per-item metric scores
               (e.g. sentence BLEU); a difference up to --tie-margin is a draw

Without --model and --baseline, every model is compared with the baseline all
records share, or the single pair in the data is reported.

Figures, as AlpacaEval's leaderboard computes them: win_rate (mean outcome, a
draw counts half), standard_error (ddof 1), discrete_win_rate, n_wins,
n_wins_base, n_draws, n_total, all rates in percent; then the normal, Wilson
and Clopper-Pearson intervals at --confidence, a seeded bootstrap interval with
--bootstrap N, the exact sign test of wins against losses and a paired t-test of
the outcomes against 0.5.

With --ratings, Bradley-Terry ratings of every model instead, as FastChat fits
them (ties as half, scale 400, base 10, average 1000, optional --anchor), with
percentile intervals from --bootstrap rounds (default 100) seeded with --seed,
the rank by non-overlapping intervals, and with --baseline the predicted win
rate against it (Arena-Hard v0.1's score). With --elo, FastChat's online Elo
(K 4) over the battles in file order.

Exit codes: 0 ok; 1 error (unreadable input, a bad record, bad usage); 130
interrupted.`,
		Example: `  # AlpacaEval annotations: the leaderboard's figures
  sophia-eval winrate results/my-model/weighted_alpaca_eval_gpt4_turbo/annotations.json

  # Arena battles, one pair, a 90 % bootstrap interval, JSON for scripts
  sophia-eval winrate battles.jsonl --model tuned --baseline base --confidence 0.9 --bootstrap 1000 --format json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.files = args
			return runWinrate(cmd.Context(), e, o)
		},
	}
	f := cmd.Flags()
	f.SortFlags = false
	f.StringVar(&o.baseline, "baseline", "", "baseline `MODEL` (Arena-Hard: the baseline of records without one; default \"baseline\")")
	f.StringVar(&o.model, "model", "", "model `MODEL` compared with the baseline (default: every model)")
	f.Float64Var(&o.confidence, "confidence", 0.95, "confidence level of the intervals")
	f.IntVar(&o.bootstrap, "bootstrap", 0, "bootstrap resamples for a percentile interval (0: none)")
	f.Uint64Var(&o.seed, "seed", 0, "seed of the bootstrap's random stream")
	f.StringVarP(&o.format, "format", "f", "text", "output format: text or json")
	f.StringVar(&o.inputFormat, "input-format", "auto", "input format: auto, alpaca_eval, arena, arena_hard, simple, scores")
	f.Float64Var(&o.tieMargin, "tie-margin", 0, "scores input: a score difference up to this is a draw")
	f.IntVar(&o.strongWeight, "strong-weight", 3, "arena_hard input: outcomes a strong preference (>>) counts")
	f.BoolVar(&o.lc, "length-controlled", false, "also the length-controlled win rate (AlpacaEval's GLM, minimal variant; needs output lengths)")
	f.BoolVar(&o.ratings, "ratings", false, "Bradley-Terry ratings of every model instead (100 bootstrap rounds unless --bootstrap)")
	f.BoolVar(&o.elo, "elo", false, "online Elo ratings of every model instead, battles in file order")
	f.StringVar(&o.anchor, "anchor", "", "--ratings: shift ratings so that `MODEL` has --anchor-rating")
	f.Float64Var(&o.anchorRating, "anchor-rating", 1000, "--ratings: the anchor's rating")
	return cmd
}

// winrateResult is one model against one baseline.
type winrateResult struct {
	pair      winrate.Pair
	score     winrate.Score
	bootstrap *winrate.Interval
	lc        *winrate.LengthResult
}

func runWinrate(ctx context.Context, e *env, o *winrateOptions) error {
	if err := checkFormat(o.format); err != nil {
		return err
	}
	if o.bootstrap < 0 {
		return fmt.Errorf("invalid --bootstrap %d: want 0 (none) or a number of resamples", o.bootstrap)
	}
	if !(o.confidence > 0 && o.confidence < 1) {
		return fmt.Errorf("invalid --confidence %v: must be in (0, 1)", o.confidence)
	}
	if o.strongWeight < 1 {
		return fmt.Errorf("invalid --strong-weight %d: must be 1 or more", o.strongWeight)
	}
	format, err := winrate.ParseFormat(o.inputFormat)
	if err != nil {
		return err
	}
	rc := winrate.ReadConfig{Format: format, Baseline: o.baseline, StrongWeight: o.strongWeight, TieMargin: o.tieMargin}
	if o.ratings && o.elo {
		return errors.New("give --ratings or --elo, not both")
	}
	// Bradley-Terry needs only the counts of distinct battles: the files are
	// streamed into them, so a battle log of any length fits in memory.
	var battles winrate.Battles
	var all []winrate.Comparison
	add := func(c winrate.Comparison) error {
		if o.ratings {
			return battles.Add(c)
		}
		all = append(all, c)
		return nil
	}
	for _, name := range o.files {
		var info winrate.ReadInfo
		before := battles.Len() + int64(len(all))
		if name == "-" {
			info, err = winrate.Scan(e.stdin, "<stdin>", rc, add)
		} else {
			info, err = winrate.ScanFile(name, rc, add)
		}
		if err != nil {
			return err
		}
		if info.Dropped > 0 {
			fmt.Fprintf(e.stderr, "sophia-eval: %s: %d records without a judgment left out\n", name, info.Dropped)
		}
		e.log.Debug("read", "file", name, "format", info.Format, "records", info.Records,
			"comparisons", battles.Len()+int64(len(all))-before)
	}
	if o.ratings || o.elo {
		return runRatings(ctx, e, o, all, &battles)
	}
	pairs, err := choosePairs(all, o.model, o.baseline)
	if err != nil {
		return err
	}
	sc, err := winrate.New(winrate.Config{Confidence: o.confidence, Bootstrap: o.bootstrap, Seed: o.seed})
	if err != nil {
		return err
	}
	results := make([]winrateResult, 0, len(pairs))
	for _, p := range pairs {
		cs := winrate.HeadToHead(all, p.Model, p.Baseline)
		r := winrateResult{pair: p, score: sc.Score(winrate.StatsOf(cs))}
		if o.bootstrap > 0 {
			xs := make([]float64, len(cs))
			for i, c := range cs {
				xs[i] = c.Outcome
			}
			iv, err := sc.Bootstrap(ctx, xs)
			if err != nil {
				return err
			}
			r.bootstrap = &iv
		}
		if o.lc {
			lc, err := winrate.LengthControlled(ctx, cs, winrate.LengthConfig{})
			if err != nil {
				return fmt.Errorf("%s against %s: %w", p.Model, p.Baseline, err)
			}
			r.lc = &lc
		}
		results = append(results, r)
	}
	if o.format == "json" {
		return writeWinrateJSON(e.stdout, results)
	}
	return writeWinrateText(e.stdout, o, results)
}

// choosePairs decides which (model, baseline) pairs to report.
func choosePairs(cs []winrate.Comparison, model, baseline string) ([]winrate.Pair, error) {
	var out []winrate.Pair
	seen := map[winrate.Pair]bool{}
	add := func(p winrate.Pair) {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	switch {
	case model != "" && baseline != "":
		if len(winrate.HeadToHead(cs, model, baseline)) > 0 {
			add(winrate.Pair{Model: model, Baseline: baseline})
		}
	case baseline != "" || model != "":
		for _, c := range cs {
			switch {
			case baseline != "" && c.Baseline == baseline:
				add(winrate.Pair{Model: c.Model, Baseline: baseline})
			case baseline != "" && c.Model == baseline:
				add(winrate.Pair{Model: c.Baseline, Baseline: baseline})
			case model != "" && c.Model == model:
				add(winrate.Pair{Model: model, Baseline: c.Baseline})
			case model != "" && c.Baseline == model:
				add(winrate.Pair{Model: model, Baseline: c.Model})
			}
		}
	default:
		pairs := winrate.Pairs(cs)
		base := ""
		for i, p := range pairs {
			if i == 0 {
				base = p.Baseline
			} else if p.Baseline != base {
				base = ""
				break
			}
		}
		switch {
		case base != "":
			out = pairs
		case len(pairs) == 2 && pairs[0].Model == pairs[1].Baseline && pairs[0].Baseline == pairs[1].Model:
			out = pairs[:1]
		default:
			return nil, errors.New("the comparisons involve several baselines: name one with --baseline (and --model)")
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no comparisons of %s", describePair(model, baseline))
	}
	return out, nil
}

func describePair(model, baseline string) string {
	switch {
	case model == "":
		return fmt.Sprintf("any model against %q", baseline)
	case baseline == "":
		return fmt.Sprintf("%q against any baseline", model)
	}
	return fmt.Sprintf("%q against %q", model, baseline)
}

// jsonFloat is a float that is written as null when it is not finite.
type jsonFloat float64

func (f jsonFloat) MarshalJSON() ([]byte, error) {
	x := float64(f)
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, x, 'g', -1, 64), nil
}

func ivJSON(iv winrate.Interval) [2]jsonFloat {
	return [2]jsonFloat{jsonFloat(iv.Low), jsonFloat(iv.High)}
}

type winrateJSON struct {
	Model           string        `json:"model"`
	Baseline        string        `json:"baseline"`
	WinRate         jsonFloat     `json:"win_rate"`
	StandardError   jsonFloat     `json:"standard_error"`
	NWins           int64         `json:"n_wins"`
	NWinsBase       int64         `json:"n_wins_base"`
	NDraws          int64         `json:"n_draws"`
	NTotal          int64         `json:"n_total"`
	DiscreteWinRate jsonFloat     `json:"discrete_win_rate"`
	Confidence      float64       `json:"confidence"`
	NormalCI        [2]jsonFloat  `json:"normal_ci"`
	WilsonCI        [2]jsonFloat  `json:"wilson_ci"`
	ClopperPearson  [2]jsonFloat  `json:"clopper_pearson_ci"`
	BootstrapCI     *[2]jsonFloat `json:"bootstrap_ci,omitempty"`
	SignTestP       jsonFloat     `json:"sign_test_p"`
	PairedTStat     jsonFloat     `json:"paired_t_statistic"`
	PairedTP        jsonFloat     `json:"paired_t_p"`
	LCWinRate       *jsonFloat    `json:"length_controlled_winrate,omitempty"`
	LCStdErr        *jsonFloat    `json:"lc_standard_error,omitempty"`
}

// writeWinrateJSON prints a JSON array with one object per pair, under
// AlpacaEval's names and scale.
func writeWinrateJSON(w io.Writer, results []winrateResult) error {
	out := make([]winrateJSON, len(results))
	for i, r := range results {
		s := r.score
		out[i] = winrateJSON{
			Model: r.pair.Model, Baseline: r.pair.Baseline,
			WinRate: jsonFloat(s.WinRate), StandardError: jsonFloat(s.StandardError),
			NWins: s.NWins, NWinsBase: s.NWinsBase, NDraws: s.NDraws, NTotal: s.NTotal,
			DiscreteWinRate: jsonFloat(s.DiscreteWinRate), Confidence: s.Confidence,
			NormalCI: ivJSON(s.Normal), WilsonCI: ivJSON(s.Wilson), ClopperPearson: ivJSON(s.ClopperPearson),
			SignTestP: jsonFloat(s.SignTest.P), PairedTStat: jsonFloat(s.PairedT.Statistic), PairedTP: jsonFloat(s.PairedT.P),
		}
		if r.bootstrap != nil {
			b := ivJSON(*r.bootstrap)
			out[i].BootstrapCI = &b
		}
		if r.lc != nil {
			w, se := jsonFloat(r.lc.WinRate), jsonFloat(r.lc.StandardError)
			out[i].LCWinRate, out[i].LCStdErr = &w, &se
		}
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// writeWinrateText prints one block per pair.
func writeWinrateText(w io.Writer, o *winrateOptions, results []winrateResult) error {
	out := bufio.NewWriter(w)
	f2 := func(x float64) string {
		if math.IsNaN(x) {
			return "n/a"
		}
		return strconv.FormatFloat(x, 'f', 2, 64)
	}
	iv := func(v winrate.Interval) string { return "[" + f2(v.Low) + ", " + f2(v.High) + "]" }
	p := func(x float64) string {
		if math.IsNaN(x) {
			return "n/a"
		}
		return strconv.FormatFloat(x, 'g', 3, 64)
	}
	level := strconv.FormatFloat(100*o.confidence, 'f', -1, 64) + " %"
	for i, r := range results {
		s := r.score
		if i > 0 {
			out.WriteByte('\n')
		}
		fmt.Fprintf(out, "%s vs %s: %d comparisons\n", r.pair.Model, r.pair.Baseline, s.NTotal)
		fmt.Fprintf(out, "  %-22s %s %% ± %s (standard error)\n", "win rate", f2(s.WinRate), f2(s.StandardError))
		fmt.Fprintf(out, "  %-22s %s %%\n", "discrete win rate", f2(s.DiscreteWinRate))
		if r.lc != nil {
			fmt.Fprintf(out, "  %-22s %s %% (minimal GLM: length and model terms, C %s)\n", "length-controlled", f2(r.lc.WinRate), p(r.lc.C))
		}
		fmt.Fprintf(out, "  %-22s %d / %d / %d\n", "wins / losses / draws", s.NWins, s.NWinsBase, s.NDraws)
		fmt.Fprintf(out, "  %-22s normal %s  Wilson %s  Clopper-Pearson %s\n", level+" intervals", iv(s.Normal), iv(s.Wilson), iv(s.ClopperPearson))
		if r.bootstrap != nil {
			fmt.Fprintf(out, "  %-22s %s (%d resamples, seed %d)\n", "bootstrap", iv(*r.bootstrap), o.bootstrap, o.seed)
		}
		fmt.Fprintf(out, "  %-22s p = %s (wins against losses, draws left out)\n", "sign test", p(s.SignTest.P))
		fmt.Fprintf(out, "  %-22s t = %s, p = %s (outcomes against 0.5)\n", "paired t-test", f2(s.PairedT.Statistic), p(s.PairedT.P))
	}
	return out.Flush()
}

type ratingJSON struct {
	Model    string     `json:"model"`
	Rating   jsonFloat  `json:"rating"`
	Low      *jsonFloat `json:"rating_q_low,omitempty"`
	High     *jsonFloat `json:"rating_q_high,omitempty"`
	Rank     int        `json:"rank"`
	Battles  int64      `json:"num_battles"`
	Predict  *jsonFloat `json:"win_rate_vs_baseline,omitempty"`
	Baseline string     `json:"baseline,omitempty"`
}

// runRatings prints Bradley-Terry or online Elo ratings of every model.
// With --ratings the battles come counted in bt; with --elo, in order in cs.
func runRatings(ctx context.Context, e *env, o *winrateOptions, cs []winrate.Comparison, bt *winrate.Battles) error {
	var models []winrate.Rating
	var predict func(a, b float64) float64
	base := math.NaN()
	rounds := o.bootstrap
	if rounds == 0 {
		rounds = 100
	}
	if o.elo {
		var err error
		if models, err = winrate.OnlineElo(cs, winrate.EloConfig{}); err != nil {
			return err
		}
	} else {
		r, err := winrate.FitBattles(ctx, bt, winrate.RatingConfig{
			Anchor: o.anchor, AnchorRating: o.anchorRating, Rounds: rounds, Confidence: o.confidence, Seed: o.seed,
		})
		if err != nil {
			return err
		}
		if !r.Converged {
			fmt.Fprintln(e.stderr, "sophia-eval: warning: some model never lost or never won against the others; its rating has no finite maximum-likelihood value")
		}
		models, predict = r.Models, r.WinRate
		if o.anchor != "" {
			if _, ok := r.Find(o.anchor); !ok {
				fmt.Fprintf(e.stderr, "sophia-eval: warning: anchor %q has no battles; ratings are not anchored\n", o.anchor)
			}
		}
		if o.baseline != "" {
			m, ok := r.Find(o.baseline)
			if !ok {
				return fmt.Errorf("baseline %q has no battles", o.baseline)
			}
			base = m.Rating
		}
	}
	if o.format == "json" {
		out := make([]ratingJSON, len(models))
		for i, m := range models {
			out[i] = ratingJSON{Model: m.Model, Rating: jsonFloat(m.Rating), Rank: m.Rank, Battles: m.Battles}
			if !math.IsNaN(m.Low) {
				lo, hi := jsonFloat(m.Low), jsonFloat(m.High)
				out[i].Low, out[i].High = &lo, &hi
			}
			if !math.IsNaN(base) {
				p := jsonFloat(predict(m.Rating, base))
				out[i].Predict, out[i].Baseline = &p, o.baseline
			}
		}
		b, err := json.MarshalIndent(out, "", "  ")
		if err != nil {
			return err
		}
		_, err = e.stdout.Write(append(b, '\n'))
		return err
	}
	w := bufio.NewWriter(e.stdout)
	f1 := func(x float64) string { return strconv.FormatFloat(x, 'f', 1, 64) }
	fmt.Fprintf(w, "%4s  %-30s %9s %20s %9s", "rank", "model", "rating", "interval", "battles")
	if !math.IsNaN(base) {
		fmt.Fprintf(w, " %12s", "win rate")
	}
	w.WriteByte('\n')
	for _, m := range models {
		iv := ""
		if !math.IsNaN(m.Low) {
			iv = "[" + f1(m.Low) + ", " + f1(m.High) + "]"
		}
		fmt.Fprintf(w, "%4d  %-30s %9s %20s %9d", m.Rank, m.Model, f1(m.Rating), iv, m.Battles)
		if !math.IsNaN(base) {
			fmt.Fprintf(w, " %10s %%", strconv.FormatFloat(predict(m.Rating, base), 'f', 2, 64))
		}
		w.WriteByte('\n')
	}
	if o.elo {
		fmt.Fprintln(w, "\nonline Elo (K 4, scale 400, base 10, initial 1000), battles in file order")
	} else {
		fmt.Fprintf(w, "\nBradley-Terry (scale 400, base 10, average 1000); %s %% intervals from %d bootstrap rounds, seed %d\n",
			strconv.FormatFloat(100*o.confidence, 'f', -1, 64), rounds, o.seed)
	}
	return w.Flush()
}
