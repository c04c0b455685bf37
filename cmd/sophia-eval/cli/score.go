package cli

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sophia-ai/sophia-eval/bleu"
	"github.com/sophia-ai/sophia-eval/nemo"
	"github.com/sophia-ai/sophia-eval/rouge"
)

// scoreInputFlags are the input flags score and sample share.
type scoreInputFlags struct {
	baseline   string
	references string
	exclude    string
	config     string
	read       nemo.ReadOptions
	workers    int
	seed       uint64
	format     string
}

func (f *scoreInputFlags) add(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.StringVar(&f.baseline, "baseline", "", "baseline model's predictions `FILE` on the same items (default: the config's evaluation.baseline_predictions)")
	fs.StringVar(&f.config, "config", "", "lora.yaml `FILE` whose evaluation section gives metrics, gates and the baseline")
	fs.StringVar(&f.references, "references", "", "references `FILE`, one item per prediction, for prediction files without labels (plain text)")
	fs.StringVar(&f.exclude, "exclude", "", "`FILE` of items to leave out: ids one per line, or audit data --results JSONL (items not clean)")
	fs.StringVar(&f.read.PredField, "pred-field", "", "field or column of the predictions (default: pred, prediction)")
	fs.StringVar(&f.read.RefField, "ref-field", "", "field or column of the references (default: label)")
	fs.StringVar(&f.read.IDField, "id-field", "", "field naming each item, used to match the baseline (default: id, when present)")
	fs.StringVar(&f.read.InputField, "input-field", "", "field of the prompt (default: input, when present)")
	fs.StringVar(&f.read.Format, "input-format", "auto", "input format: auto, text, jsonl, arrow, parquet")
	fs.Uint64Var(&f.seed, "seed", nemo.DefaultScoreSeed, "seed of the random draws (numpy's default_rng, as sacreBLEU); not 0")
	fs.IntVar(&f.workers, "workers", 0, "goroutines used for scoring (0 = all cores)")
	fs.StringVarP(&f.format, "format", "f", "text", "output format on stdout: text or json")
}

func (f *scoreInputFlags) check() error {
	if err := checkFormat(f.format); err != nil {
		return err
	}
	if f.seed == 0 {
		return errors.New("invalid --seed 0: sacreBLEU's paired test is unseeded with 0; give a positive seed")
	}
	return nil
}

// loadConfig reads --config, if given, and returns its evaluation section.
func (f *scoreInputFlags) loadConfig() (metrics []string, gates []nemo.Gate, err error) {
	if f.config == "" {
		return nil, nil, nil
	}
	c, err := nemo.Load(f.config)
	if err != nil {
		return nil, nil, err
	}
	metrics, gates, baseline := nemo.ScoreOptionsFromConfig(c)
	if f.baseline == "" {
		f.baseline = baseline
	}
	return metrics, gates, nil
}

type scoreOptions struct {
	scoreInputFlags
	judgments   string
	judgeFormat string
	judgeModel  string
	metrics     []string
	rougeTypes  []string
	winMetric   string
	tieMargin   float64
	bootstrap   int
	tokenize    string
	lowercase   bool
	stem        bool
	noGates     bool
	outDir      string
}

func newScoreCmd(e *env) *cobra.Command {
	o := &scoreOptions{}
	cmd := &cobra.Command{
		Use:   "score [flags] PREDICTIONS",
		Short: "Score a fine-tune against its baseline: BLEU, ROUGE, win rate, intervals, tests, acceptance gates",
		Long: `Score the fine-tuned model's predictions, compare them with the baseline model's
on the same items and apply the acceptance gates of lora.yaml.

PREDICTIONS is NeMo's *_inputs_preds_labels.jsonl ("input", "pred", "label"),
NeMo 2's ("prediction", "label"), or any format sophia-eval reads (text, JSONL,
Arrow, Parquet; gzip or zstd) with --pred-field/--ref-field, or plain text with
--references. --baseline items are matched by "id" when both files have one,
otherwise by order (their inputs, when both have them, must agree); their
references must equal the fine-tuned file's.

Metrics (--metrics, or the config's evaluation.metrics): bleu (sacreBLEU,
paired bootstrap), rouge1 … rouge9, rougeL, rougeLsum (rouge-score F-measure,
paired bootstrap of the mean difference), winrate (from --judgments, else from
per-item sentence ROUGE-L with a tie margin; Wilson interval, sign test). Every
bootstrap draws numpy's default_rng(--seed).choice(n, (B, n)), as sacreBLEU.

Writes, atomically, into --out-dir: finetune_metrics.md, finetune_metrics.json,
finetune_items.parquet (per-item scores) and finetune_bootstrap.png; prints the
table (text) or the JSON to stdout. docs/score.md has the details.

Exit codes: 0 every gate passed (or none); 2 a gate failed (named on stderr);
1 error (unreadable or mismatched inputs, bad usage); 130 interrupted.`,
		Example: `  # the runbook's acceptance step: metrics, gates and baseline from lora.yaml
  sophia-eval score results/sophia_lora_test_inputs_preds_labels.jsonl --config config/finetune/lora.yaml

  # against a baseline, on the items the data audit found clean
  sophia-eval score preds.jsonl --baseline baseline.jsonl --exclude contaminated.txt

  # ROUGE-1/2/Lsum too, JSON on stdout, outputs elsewhere
  sophia-eval score preds.jsonl --baseline base.jsonl --rouge-types rouge1,rouge2,rougeLsum --format json --out-dir out/`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runScore(cmd, e, o, args[0])
		},
	}
	o.add(cmd)
	f := cmd.Flags()
	f.StringVar(&o.judgments, "judgments", "", "pairwise judgments `FILE` (any format winrate reads) for the win rate")
	f.StringVar(&o.judgeFormat, "judge-format", "auto", "format of --judgments: auto, alpaca_eval, arena, arena_hard, simple, scores")
	f.StringVar(&o.judgeModel, "judge-model", "", "the fine-tuned model's name in --judgments (default: the first model named)")
	f.StringSliceVar(&o.metrics, "metrics", nil, "metrics: bleu, rouge1 … rouge9, rougeL, rougeLsum, winrate (default: the config's, else bleu,rougeL and winrate with a baseline)")
	f.StringSliceVar(&o.rougeTypes, "rouge-types", nil, "more ROUGE types to report: rouge1, rouge2, rougeLsum, …")
	f.StringVar(&o.winMetric, "win-metric", "rougeL", "per-item score that decides the win rate without judgments: rougeL or bleu")
	f.Float64Var(&o.tieMargin, "tie-margin", nemo.DefaultTieMargin, "per-item score difference within which an item is a draw (default 0.01 for rougeL, 1 for bleu)")
	f.IntVar(&o.bootstrap, "bootstrap-samples", bleu.DefaultBootstrap, "bootstrap resamples")
	f.StringVar(&o.tokenize, "tokenize", "13a", "BLEU tokenizer: 13a, intl, char, zh, none")
	f.BoolVar(&o.lowercase, "lowercase", false, "lowercase before BLEU")
	f.BoolVar(&o.stem, "stem", false, "Porter-stem ROUGE tokens (rouge-score's use_stemmer)")
	f.BoolVar(&o.noGates, "no-gates", false, "ignore the config's gates")
	f.StringVar(&o.outDir, "out-dir", nemo.DefaultScoreDir, "directory of the output files (\"\" writes none)")
	return cmd
}

func runScore(cmd *cobra.Command, e *env, o *scoreOptions, predictions string) error {
	if err := o.check(); err != nil {
		return err
	}
	metrics, gates, err := o.loadConfig()
	if err != nil {
		return err
	}
	if len(o.metrics) > 0 {
		metrics = o.metrics
	}
	if len(o.rougeTypes) > 0 {
		if len(metrics) == 0 {
			metrics = nemo.DefaultMetrics(o.baseline != "", o.judgments != "")
		}
		for _, t := range o.rougeTypes {
			if !slices.Contains(metrics, t) {
				metrics = append(metrics, t)
			}
		}
	}
	if o.noGates {
		gates = nil
	}
	opts := nemo.ScoreOptions{
		Read: o.read, Metrics: metrics, Gates: gates,
		BLEU:      bleu.Config{Tokenize: o.tokenize, Lowercase: o.lowercase},
		ROUGE:     rouge.Config{Stem: o.stem},
		WinMetric: o.winMetric, JudgeFormat: o.judgeFormat, JudgeModel: o.judgeModel,
		Bootstrap: o.bootstrap, Seed: o.seed, Workers: o.workers, Logger: e.log, Now: e.clock,
	}
	if o.bootstrap < 1 {
		return fmt.Errorf("invalid --bootstrap-samples %d: want 1 or more", o.bootstrap)
	}
	if cmd.Flags().Changed("tie-margin") {
		opts.TieMargin = &o.tieMargin
	}
	in := nemo.ScoreInput{Predictions: predictions, References: o.references, Baseline: o.baseline, Judgments: o.judgments, Exclude: o.exclude}
	rep, err := nemo.Score(cmd.Context(), in, opts)
	if err != nil {
		return err
	}
	if o.outDir != "" {
		paths, err := rep.WriteFiles(o.outDir)
		if err != nil {
			return err
		}
		for _, p := range paths {
			fmt.Fprintf(e.stderr, "wrote %s\n", p)
		}
	}
	out := cmd.OutOrStdout()
	if o.format == "json" {
		err = rep.WriteJSON(out)
	} else {
		err = rep.WriteMarkdown(out)
	}
	if err != nil {
		return err
	}
	if failed := rep.Failed(); len(failed) > 0 {
		msgs := make([]string, len(failed))
		for i, g := range failed {
			msgs[i] = g.String()
		}
		return &exitError{code: ExitFindings, err: fmt.Errorf("acceptance gate failed: %s", strings.Join(msgs, "; "))}
	}
	return nil
}
