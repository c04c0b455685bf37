package cli

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/sophia-ai/sophia-eval/internal/atomicfile"
	"github.com/sophia-ai/sophia-eval/nemo"
)

type sampleOptions struct {
	scoreInputFlags
	n      int
	metric string
	out    string
}

func newSampleCmd(e *env) *cobra.Command {
	o := &sampleOptions{}
	cmd := &cobra.Command{
		Use:   "sample [flags] PREDICTIONS",
		Short: "Draw the human-review sample: dialogues across the score range, with fields for the reviewer",
		Long: `Draw the runbook's human-review sample from the fine-tuned model's predictions
(and the baseline's, shown beside them): -n items (50), seeded, stratified over
the score range. The items are sorted by the fine-tuned prediction's sentence
ROUGE-L F (--metric bleu: sentence BLEU), ties in file order, cut into n strata
of consecutive ranks, and one item is drawn from each (numpy's
default_rng(--seed).integers(size) per stratum, lowest first). With fewer items
than n, all of them are taken, in score order.

Writes --out (orchestration_journal/models/finetune_reviews.md) atomically: per
item its id or line, scores, input, predictions, reference and empty fields for
the reviewer's verdict (accept / reject / unsure) and notes. Inputs are read as
by sophia-eval score (--baseline, --config, --exclude, field flags).

Exit codes: 0 ok; 1 error; 130 interrupted.`,
		Example: `  sophia-eval sample results/predictions.jsonl --baseline results/baseline/predictions.jsonl
  sophia-eval sample preds.jsonl -n 20 --seed 7 --out review.md`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.check(); err != nil {
				return err
			}
			if _, _, err := o.loadConfig(); err != nil {
				return err
			}
			if o.n < 1 {
				return fmt.Errorf("invalid -n %d: want 1 or more", o.n)
			}
			in := nemo.ScoreInput{Predictions: args[0], References: o.references, Baseline: o.baseline, Exclude: o.exclude}
			s, err := nemo.Sample(cmd.Context(), in, nemo.SampleOptions{
				Read: o.read, N: o.n, Seed: o.seed, Metric: o.metric, Workers: o.workers, Now: e.clock,
			})
			if err != nil {
				return err
			}
			if o.out == "-" {
				return s.WriteMarkdown(cmd.OutOrStdout())
			}
			if err := os.MkdirAll(filepath.Dir(o.out), 0o755); err != nil {
				return err
			}
			if err := atomicfile.Write(o.out, s.WriteMarkdown); err != nil {
				return err
			}
			if o.format == "json" {
				_, err = fmt.Fprintf(cmd.OutOrStdout(), "{\"file\": %q, \"items\": %d, \"drawn\": %d, \"seed\": %d}\n", o.out, s.Items, len(s.Drawn), s.Seed)
				return err
			}
			note := ""
			if len(s.Drawn) < s.N {
				note = fmt.Sprintf(" (all of them: fewer than %d)", s.N)
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "wrote %s: %d of %d items%s\n", o.out, len(s.Drawn), s.Items, note)
			return err
		},
	}
	o.add(cmd)
	f := cmd.Flags()
	f.IntVarP(&o.n, "n", "n", nemo.DefaultSampleSize, "number of items")
	f.StringVar(&o.metric, "metric", "rougeL", "score the strata are cut by: rougeL or bleu")
	f.StringVarP(&o.out, "out", "o", filepath.Join(nemo.DefaultScoreDir, nemo.ReviewSampleMarkdown), "output `FILE` (- for stdout)")
	return cmd
}
