package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/sophia-ai/sophia-eval/bleu"
	"github.com/sophia-ai/sophia-eval/internal/corpus"
	"github.com/sophia-ai/sophia-eval/internal/pyfloat"
	"github.com/sophia-ai/sophia-eval/internal/sample"
	"github.com/sophia-ai/sophia-eval/rouge"
	"github.com/sophia-ai/sophia-eval/winrate"
)

func newDemoCmd(e *env) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Score the embedded sample predictions, to see sophia-eval at work",
		Long: `demo scores a small sample corpus that is built into the binary: the
predictions of a fine-tuned model and of its baseline on 20 customer-support
questions, in NeMo's JSONL prediction format ("input", "pred", "label").

It prints the three metrics of the runbook's acceptance step for both models:
corpus BLEU (sacreBLEU's defaults) with the paired bootstrap test of the
fine-tuned model against the baseline, the mean ROUGE-L F-measure (rouge-score's
defaults), and the win rate of the fine-tuned model over the baseline when each
item is judged by its sentence ROUGE-L (a tie within 0.01), with its Wilson
interval and sign test. Nothing is read from disk and nothing is written.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "text" && format != "json" {
				return fmt.Errorf("invalid --format %q: want text or json", format)
			}
			return runDemo(cmd.Context(), e, format)
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "text", "output format: text or json")
	return cmd
}

func runDemo(ctx context.Context, e *env, format string) error {
	sc, err := bleu.New(bleu.Config{Logger: e.log})
	if err != nil {
		return err
	}
	read := func(r io.Reader, name string, fields []string) ([]corpus.Item, error) {
		cr, err := corpus.NewReader(r, name, corpus.Config{Fields: fields})
		if err != nil {
			return nil, err
		}
		defer cr.Close()
		return cr.ReadAll(ctx)
	}
	tuned, err := read(sample.Predictions(), "predictions.jsonl", hypFields)
	if err != nil {
		return err
	}
	base, err := read(sample.Baseline(), "baseline.jsonl", hypFields)
	if err != nil {
		return err
	}
	labels, err := read(sample.Predictions(), "predictions.jsonl", refFields)
	if err != nil {
		return err
	}
	refs := make([][]string, len(labels))
	for i, it := range labels {
		refs[i] = it.Texts
	}
	stats := func(items []corpus.Item) (bleu.Stats, bleu.SegmentStats, error) {
		hyps := make([]string, len(items))
		for i, it := range items {
			hyps[i] = hypText(it)
		}
		src, err := bleu.Segments(hyps, refs)
		if err != nil {
			return bleu.Stats{}, bleu.SegmentStats{}, err
		}
		return sc.CorpusStats(ctx, src, true)
	}
	tunedTotal, tunedSegs, err := stats(tuned)
	if err != nil {
		return err
	}
	baseTotal, baseSegs, err := stats(base)
	if err != nil {
		return err
	}
	test, err := sc.PairedBootstrap(ctx, baseSegs, []bleu.SegmentStats{tunedSegs}, bleu.Resample{})
	if err != nil {
		return err
	}
	tunedScore, baseScore := sc.Score(tunedTotal), sc.Score(baseTotal)
	sys := test.Systems[0]

	// ROUGE-L of each model, and the per-item ROUGE-L as a judge for the win rate.
	rs, err := rouge.New(rouge.Config{Types: []string{"rougeL"}, Logger: e.log})
	if err != nil {
		return err
	}
	rougeL := func(items []corpus.Item) (float64, []float64, error) {
		preds := make([]string, len(items))
		for i, it := range items {
			preds[i] = hypText(it)
		}
		src, err := rouge.Pairs(preds, refs)
		if err != nil {
			return 0, nil, err
		}
		st, per, err := rs.CorpusStats(ctx, src, true)
		if err != nil {
			return 0, nil, err
		}
		f := make([]float64, per.Len())
		for i := range f {
			f[i] = per.Score(i, 0).FMeasure
		}
		return st.Mean()[0].FMeasure, f, nil
	}
	tunedRouge, tunedItems, err := rougeL(tuned)
	if err != nil {
		return err
	}
	baseRouge, baseItems, err := rougeL(base)
	if err != nil {
		return err
	}
	const margin = 0.01
	cmp, err := winrate.FromScores("fine-tuned", "baseline", tunedItems, baseItems, nil, margin)
	if err != nil {
		return err
	}
	ws, err := winrate.New(winrate.Config{})
	if err != nil {
		return err
	}
	win := ws.Score(winrate.StatsOf(cmp))

	out := bufio.NewWriter(e.stdout)
	if format == "json" {
		j := newPyJSON(out, 1)
		j.open('{')
		j.key("segments").raw(strconv.Itoa(len(refs)))
		j.key("signature").str(tunedScore.Signature.String())
		j.key("bleu_finetuned").raw(pyfloat.Repr(tunedScore.Score))
		j.key("bleu_baseline").raw(pyfloat.Repr(baseScore.Score))
		j.key("paired_bs_n").raw(strconv.Itoa(test.N))
		j.key("paired_bs_seed").str(test.Seed)
		j.key("p_value").raw(pyfloat.Repr(*sys.PValue))
		j.key("finetuned_mean").raw(pyfloat.Repr(*sys.Mean))
		j.key("finetuned_ci").raw(pyfloat.Repr(*sys.CI))
		j.key("rougeL_finetuned").raw(pyfloat.Repr(tunedRouge))
		j.key("rougeL_baseline").raw(pyfloat.Repr(baseRouge))
		j.key("win_rate").raw(pyfloat.Repr(win.WinRate))
		j.key("n_wins").raw(strconv.FormatInt(win.NWins, 10))
		j.key("n_wins_base").raw(strconv.FormatInt(win.NWinsBase, 10))
		j.key("n_draws").raw(strconv.FormatInt(win.NDraws, 10))
		j.key("wilson_ci").raw("[" + pyfloat.Repr(win.Wilson.Low) + ", " + pyfloat.Repr(win.Wilson.High) + "]")
		j.key("sign_test_p").raw(pyfloat.Repr(win.SignTest.P))
		j.close('}')
		out.WriteByte('\n')
		return out.Flush()
	}
	fmt.Fprintf(out, "Sample: %d customer-support answers in NeMo's prediction format, fine-tuned model vs baseline\n\n", len(refs))
	fmt.Fprintf(out, "fine-tuned  %s\n", tunedScore)
	fmt.Fprintf(out, "baseline    %s\n\n", baseScore)
	verdict := "not significant"
	if *sys.PValue <= 0.05 {
		verdict = "significant"
	}
	fmt.Fprintf(out, "Paired bootstrap (%d resamples, seed %s): fine-tuned %.1f (μ = %.1f ± %.1f) vs baseline %.1f, p = %.4f (%s at 0.05)\n",
		test.N, test.Seed, sys.Score, *sys.Mean, *sys.CI, baseScore.Score, *sys.PValue, verdict)
	fmt.Fprintf(out, "\nROUGE-L (mean F):   fine-tuned %.4f   baseline %.4f\n", tunedRouge, baseRouge)
	fmt.Fprintf(out, "Win rate by item ROUGE-L (tie within %.2f): %.1f %% (%d wins, %d losses, %d draws), 95 %% Wilson [%.1f, %.1f], sign test p = %.2g\n",
		margin, win.WinRate, win.NWins, win.NWinsBase, win.NDraws, win.Wilson.Low, win.Wilson.High, win.SignTest.P)
	fmt.Fprintln(out, "\nScore your own files: sophia-eval bleu REF.txt -i HYP.txt, sophia-eval rouge preds.jsonl,")
	fmt.Fprintln(out, "sophia-eval winrate annotations.json; check a checkpoint: sophia-eval checkpoint verify PATH")
	return out.Flush()
}
