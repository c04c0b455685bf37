package cli

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sophia-ai/sophia-eval/internal/corpus"
	"github.com/sophia-ai/sophia-eval/internal/pyfloat"
	"github.com/sophia-ai/sophia-eval/rouge"
)

type rougeOptions struct {
	refs        []string
	input       string
	types       []string
	stem        bool
	tokenizer   string
	split       string
	bootstrap   int
	confidence  float64
	seed        uint32
	perSample   string
	format      string
	workers     int
	predField   string
	refField    string
	inputFormat string
	missingRef  string
}

func newRougeCmd(e *env) *cobra.Command {
	o := &rougeOptions{}
	cmd := &cobra.Command{
		Use:   "rouge [flags] (PREDICTIONS.jsonl | REF... -i PRED)",
		Short: "Score predictions with rouge-score-exact ROUGE-1/2/L/Lsum",
		Long: `Score predictions against references with ROUGE, exactly as Google's
rouge-score 0.1.2 (what HuggingFace evaluate wraps) does: the same tokenizer,
stemmer, rougeL and rougeLsum, multi-reference choice and bootstrap.

Inputs, in any format sophia-eval reads (text, JSONL, Arrow, Parquet; gzip or
zstd; detected from the content):
  sophia-eval rouge preds.jsonl          predictions and references from the same
                                         records: "pred"/"prediction" and "label"
                                         (--pred-field, --ref-field)
  sophia-eval rouge REF... -i PRED       reference files (one per reference) and a
                                         prediction file
A reference field holding a list of strings is several references for that item;
the score of each type is that of the reference with the best F-measure (the
first on ties), as rouge-score's score_multi. rougeLsum splits sentences on "\n"
inside the texts (JSONL keeps them; plain text files cannot hold them).

The result is the plain mean of the per-item scores (correctly rounded). With
--bootstrap N, also rouge-score's BootstrapAggregator: low, mid and high of N
resamples, drawn from numpy's legacy random stream seeded with --seed, so the
numbers equal rouge-score's after np.random.seed(SEED). Note that rouge-score's
"mid" (what HuggingFace evaluate reports) is a bootstrap median, not the mean.

Exit codes: 0 ok; 1 error (unreadable input, different numbers of items, bad
usage); 130 interrupted.`,
		Example: `  # a NeMo prediction file, the four usual types
  sophia-eval rouge predictions.jsonl

  # rougeL and rougeLsum with stemming, bootstrap interval, per-item scores
  sophia-eval rouge preds.jsonl --types rougeL,rougeLsum --stem --bootstrap 1000 --per-sample items.jsonl

  # references and predictions in separate files, JSON for scripts
  sophia-eval rouge refs.jsonl -i preds.jsonl --format json`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.refs = args
			return runRouge(cmd.Context(), e, o)
		},
	}
	f := cmd.Flags()
	f.SortFlags = false
	f.StringVarP(&o.input, "input", "i", "", "prediction `FILE` (without it, the single argument holds predictions and references)")
	f.StringSliceVar(&o.types, "types", rouge.DefaultTypes, "ROUGE types: rouge1 … rouge9, rougeL, rougeLsum")
	f.BoolVar(&o.stem, "stem", false, "stem tokens longer than 3 characters with NLTK's Porter stemmer (rouge-score's use_stemmer)")
	f.StringVar(&o.tokenizer, "tokenizer", "default", "tokenizer: default (rouge-score's: ASCII a-z0-9 only) or unicode (words of every script)")
	f.StringVar(&o.split, "split", "newline", "rougeLsum sentences: newline (rouge-score's) or rules (also after . ! ?)")
	f.IntVar(&o.bootstrap, "bootstrap", 0, "bootstrap resamples for the low/mid/high interval (0: none; rouge-score uses 1000)")
	f.Float64Var(&o.confidence, "confidence", 0.95, "confidence level of the bootstrap interval")
	f.Uint32Var(&o.seed, "seed", 0, "seed of numpy's legacy random stream for the bootstrap (np.random.seed)")
	f.StringVar(&o.perSample, "per-sample", "", "write every item's scores to `FILE` (.jsonl, or .parquet)")
	f.StringVarP(&o.format, "format", "f", "text", "output format: text or json")
	f.IntVar(&o.workers, "workers", 0, "goroutines used for scoring (0 = all cores)")
	f.StringVar(&o.predField, "pred-field", "", "JSONL field or column of the predictions (default: pred, prediction)")
	f.StringVar(&o.refField, "ref-field", "", "JSONL field or column of the references (default: label)")
	f.StringVar(&o.inputFormat, "input-format", "auto", "input format: auto, text, jsonl, arrow, parquet")
	f.StringVar(&o.missingRef, "missing-ref", "", "reference text that means \"no reference\" (default: none)")
	return cmd
}

func runRouge(ctx context.Context, e *env, o *rougeOptions) error {
	if o.format != "text" && o.format != "json" {
		return fmt.Errorf("invalid --format %q: want text or json", o.format)
	}
	if o.bootstrap < 0 {
		return fmt.Errorf("invalid --bootstrap %d: want 0 (none) or a number of resamples", o.bootstrap)
	}
	if !(o.confidence >= 0 && o.confidence <= 1) {
		return fmt.Errorf("invalid --confidence %v: must be in [0, 1]", o.confidence)
	}
	switch {
	case o.input == "" && len(o.refs) != 1:
		return errors.New("give one file holding predictions and references, or reference files and -i PREDICTIONS")
	case o.input != "" && len(o.refs) == 0:
		return errors.New("give the reference files as arguments before -i")
	}
	for _, t := range o.types {
		if t == "" {
			return errors.New("invalid --types: an empty type name (want rouge1 … rouge9, rougeL, rougeLsum)")
		}
	}
	if len(o.types) == 0 {
		return errors.New("--types names no type")
	}
	format, err := corpus.ParseFormat(o.inputFormat)
	if err != nil {
		return err
	}
	sc, err := rouge.New(rouge.Config{
		Types: o.types, Stem: o.stem, Tokenizer: o.tokenizer, Split: o.split,
		Workers: o.workers, Logger: e.log,
	})
	if err != nil {
		return err
	}
	predCfg := corpus.Config{Format: format, Field: o.predField, Fields: hypFields, KeepTrailingSpace: true}
	refCfg := corpus.Config{Format: format, Field: o.refField, Fields: refFields, KeepTrailingSpace: true}

	start := time.Now()
	predName, refFiles := o.input, o.refs
	var stdin []byte
	if o.input == "" {
		predName, refFiles = o.refs[0], o.refs
		if predName == "-" {
			// Predictions and references come from the same records: read stdin
			// once and give each reader its own copy.
			if stdin, err = io.ReadAll(e.stdin); err != nil {
				return fmt.Errorf("reading <stdin>: %w", err)
			}
		}
	}
	src, closeSrc, err := openRougeSource(e, predName, refFiles, predCfg, refCfg, o.missingRef, stdin)
	if err != nil {
		return err
	}
	defer closeSrc()
	keep := o.bootstrap > 0 || o.perSample != ""
	st, items, err := sc.CorpusStats(ctx, src, keep)
	if err != nil {
		return rougeReadError(e, err)
	}
	if st.Items == 0 {
		return fmt.Errorf("%s: no items to score", predName)
	}
	e.log.Debug("scored", "items", st.Items, "elapsed", time.Since(start))
	if sc.Index("rougeLsum") >= 0 && st.Newlines == 0 && o.split == rouge.SplitNewline {
		fmt.Fprintln(e.stderr, "sophia-eval: warning: no prediction or reference holds a line break, so rougeLsum equals rougeL"+
			" (rouge-score splits sentences on \"\\n\"; --split rules also splits after . ! ?)")
	}

	var intervals []rouge.Interval
	if o.bootstrap > 0 {
		intervals, err = rouge.Bootstrap(items, rouge.BootstrapConfig{Samples: o.bootstrap, Confidence: o.confidence, Seed: o.seed})
		if err != nil {
			return err
		}
	}
	if o.perSample != "" {
		if err := writePerSample(o.perSample, items); err != nil {
			return err
		}
	}
	if o.format == "json" {
		return writeRougeJSON(e.stdout, sc.Types(), st.Mean(), intervals)
	}
	return writeRougeText(e.stdout, o, sc.Types(), &st, intervals)
}

// openRougeSource opens the predictions and the references as one source. When the
// references come from the prediction file itself and that is stdin, data holds it.
func openRougeSource(e *env, predName string, refFiles []string, predCfg, refCfg corpus.Config,
	missing string, data []byte) (*bleuSource, func(), error) {
	if data == nil {
		return openSystem(e, refSpec{files: refFiles, missing: missing, cfg: refCfg}, predName, predCfg, nil)
	}
	pr, err := corpus.NewReader(bytes.NewReader(data), "<stdin>", predCfg)
	if err != nil {
		return nil, nil, err
	}
	rr, err := corpus.NewReader(bytes.NewReader(data), "<stdin>", refCfg)
	if err != nil {
		pr.Close()
		return nil, nil, err
	}
	rs := &refSet{readers: []*corpus.Reader{rr}, numRefs: 1, missing: missing}
	return &bleuSource{hyp: pr, refs: rs}, func() { pr.Close(); rs.close() }, nil
}

// rougeReadError maps the errors of reading to messages.
func rougeReadError(e *env, err error) error {
	switch {
	case errors.Is(err, errEmpty):
		return errors.New("no items to score")
	case errors.Is(err, errLengths):
		return errors.New("predictions and references have different numbers of items")
	}
	return err
}

// writeRougeJSON prints {"rouge1": {"mean": {...}, "low": ..., "mid": ..., "high": ...}, ...}.
func writeRougeJSON(w io.Writer, types []string, mean []rouge.Score, iv []rouge.Interval) error {
	out := bufio.NewWriter(w)
	j := newPyJSON(out, 2)
	score := func(name string, s rouge.Score) {
		j.key(name)
		j.open('{')
		j.key("precision").raw(pyfloat.JSON(s.Precision))
		j.key("recall").raw(pyfloat.JSON(s.Recall))
		j.key("fmeasure").raw(pyfloat.JSON(s.FMeasure))
		j.close('}')
	}
	j.open('{')
	for k, t := range types {
		j.key(t)
		j.open('{')
		score("mean", mean[k])
		if iv != nil {
			score("low", iv[k].Low)
			score("mid", iv[k].Mid)
			score("high", iv[k].High)
		}
		j.close('}')
	}
	j.close('}')
	out.WriteByte('\n')
	return out.Flush()
}

// writeRougeText prints a readable table.
func writeRougeText(w io.Writer, o *rougeOptions, types []string, st *rouge.Stats, iv []rouge.Interval) error {
	out := bufio.NewWriter(w)
	refs := "one reference each"
	if st.MultiRef > 0 {
		refs = fmt.Sprintf("%d with several references (best F-measure per type)", st.MultiRef)
	}
	stem := "no stemming"
	if o.stem {
		stem = "Porter stemming"
	}
	fmt.Fprintf(out, "ROUGE of %d items, %s; %s tokenizer, %s\n\n", st.Items, refs, o.tokenizer, stem)
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', 4, 64) }
	mean := st.Mean()
	if iv == nil {
		fmt.Fprintf(out, "%-10s %10s %10s %10s\n", "type", "precision", "recall", "fmeasure")
		for k, t := range types {
			fmt.Fprintf(out, "%-10s %10s %10s %10s\n", t, f(mean[k].Precision), f(mean[k].Recall), f(mean[k].FMeasure))
		}
		return out.Flush()
	}
	fmt.Fprintf(out, "%-10s %-10s %8s %8s %8s %8s\n", "type", "measure", "mean", "low", "mid", "high")
	for k, t := range types {
		rows := []struct {
			name string
			get  func(rouge.Score) float64
		}{
			{"precision", func(s rouge.Score) float64 { return s.Precision }},
			{"recall", func(s rouge.Score) float64 { return s.Recall }},
			{"fmeasure", func(s rouge.Score) float64 { return s.FMeasure }},
		}
		for r, row := range rows {
			name := t
			if r > 0 {
				name = ""
			}
			fmt.Fprintf(out, "%-10s %-10s %8s %8s %8s %8s\n", name, row.name, f(row.get(mean[k])),
				f(row.get(iv[k].Low)), f(row.get(iv[k].Mid)), f(row.get(iv[k].High)))
		}
	}
	fmt.Fprintf(out, "\nlow/mid/high: %d bootstrap resamples, %s%% interval, seed %d (rouge-score's BootstrapAggregator; mid is a median)\n",
		o.bootstrap, strconv.FormatFloat(100*o.confidence, 'f', -1, 64), o.seed)
	return out.Flush()
}

// perSampleJSONL writes one JSON object per item.
func perSampleJSONL(w io.Writer, items *rouge.Items) error {
	out := bufio.NewWriterSize(w, 1<<16)
	var b []byte
	for i := range items.Len() {
		b = append(b[:0], `{"index": `...)
		b = strconv.AppendInt(b, int64(i), 10)
		for k, t := range items.Types {
			s := items.Score(i, k)
			b = append(b, ", "...)
			b = strconv.AppendQuote(b, t)
			b = append(b, `: {"precision": `...)
			b = pyfloat.AppendJSON(b, s.Precision)
			b = append(b, `, "recall": `...)
			b = pyfloat.AppendJSON(b, s.Recall)
			b = append(b, `, "fmeasure": `...)
			b = pyfloat.AppendJSON(b, s.FMeasure)
			if items.NRefs[i] > 1 {
				b = append(b, `, "reference": `...)
				b = strconv.AppendInt(b, int64(items.Refs[i*len(items.Types)+k]), 10)
			}
			b = append(b, '}')
		}
		b = append(b, "}\n"...)
		if _, err := out.Write(b); err != nil {
			return err
		}
	}
	return out.Flush()
}

func isParquetName(name string) bool { return strings.HasSuffix(strings.ToLower(name), ".parquet") }
