package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/sophia-ai/sophia-eval/bleu"
	"github.com/sophia-ai/sophia-eval/internal/corpus"
	"github.com/sophia-ai/sophia-eval/internal/pyfloat"
	"github.com/sophia-ai/sophia-eval/internal/shard"
)

// Default JSONL fields of hypothesis and reference files (NeMo and NeMo 2 prediction
// files).
var (
	hypFields = []string{"pred", "prediction"}
	refFields = []string{"label"}
)

type bleuOptions struct {
	refs        []string
	inputs      []string
	tokenize    string
	lowercase   bool
	smooth      string
	smoothValue float64
	sentence    bool
	numRefs     int
	format      string
	scoreOnly   bool
	width       int
	short       bool
	confidence  bool
	confidenceN int
	pairedBS    bool
	pairedAR    bool
	pairedBSN   int
	pairedARN   int
	pairedJobs  int
	seed        string
	workers     int
	noColor     bool
	quiet       bool
	force       bool
	metrics     []string
	missingRef  string
	hypField    string
	refField    string
	field       string
	inputFormat string
	plainJSON   bool
	encoding    string
	noInputs    bool
	version     bool
}

func newBLEUCmd(e *env) *cobra.Command {
	o := &bleuOptions{}
	cmd := &cobra.Command{
		Use:   "bleu [flags] REF... [-i HYP...]",
		Short: "Score hypotheses with sacreBLEU-exact BLEU",
		Long: `Score hypotheses against references with BLEU, exactly as sacreBLEU 2.6.0 does:
the same numbers, the same output and the same exit codes, for the same options.

References are files given as arguments, one file per reference (or one file with
--num-refs N tab-separated references per line). Hypotheses come from -i/--input,
one file per system (the first is the baseline of the paired tests), or from stdin
with one tab-separated field per system.

Any input may be plain text (one segment per line), JSONL (the field is chosen
with --hyp-field/--ref-field; NeMo's "pred"/"label" and NeMo 2's
"prediction"/"label" are found without flags; a list of strings is several
references), Arrow IPC or Parquet (a string column), each optionally gzip- or
zstd-compressed: the format is detected from the content.

sacreBLEU's short flags (-tok, -lc, -sl, -nr, -ci, -pbsn, ...) and its "-i a b c"
form are accepted as they are.

Exit codes: 0 ok; 1 error (unreadable input, different numbers of lines, bad
usage); 17 wrong number of tab-separated references or systems (as sacreBLEU);
130 interrupted.`,
		Example: `  # corpus BLEU of one system, sacreBLEU's JSON
  sophia-eval bleu ref.txt -i hyp.txt

  # two references, intl tokenizer, text output with the short signature
  sophia-eval bleu ref1.txt ref2.txt -i hyp.txt -tok intl -f text --short

  # baseline against two systems with the paired bootstrap test
  sophia-eval bleu ref.txt -i base.txt sys1.txt sys2.txt --paired-bs

  # NeMo prediction file: hypotheses from "pred", references from "label"
  sophia-eval bleu predictions.jsonl -i predictions.jsonl`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.refs = args
			return runBLEU(cmd.Context(), e, cmd, o)
		},
	}
	f := cmd.Flags()
	f.SortFlags = false
	f.StringArrayVarP(&o.inputs, "input", "i", nil, "hypothesis `FILE`, repeatable, one per system (default: stdin)")
	f.StringVar(&o.tokenize, "tokenize", "13a", "tokenizer: 13a, intl, char, zh, none (-tok)")
	f.BoolVar(&o.lowercase, "lowercase", false, "lowercase with Python's rules before tokenizing (-lc)")
	f.StringVarP(&o.smooth, "smooth-method", "s", "exp", "smoothing: exp, floor, add-k, none")
	f.Float64Var(&o.smoothValue, "smooth-value", 0, "value for floor (default 0.1) and add-k (default 1) (-sv)")
	f.BoolVar(&o.sentence, "sentence-level", false, "print BLEU of every segment, with effective order (-sl)")
	f.IntVar(&o.numRefs, "num-refs", 1, "read N tab-separated references per line of a single reference file (-nr)")
	f.StringVarP(&o.format, "format", "f", "json", "output format: json, text, latex (SACREBLEU_FORMAT overrides)")
	f.BoolVarP(&o.scoreOnly, "score-only", "b", false, "print only the score")
	f.IntVarP(&o.width, "width", "w", 1, "decimal places of the scores")
	f.BoolVar(&o.short, "short", false, "short signature (-sh)")
	f.BoolVar(&o.confidence, "confidence", false, "bootstrap 95% confidence interval of a single system (-ci)")
	f.IntVar(&o.confidenceN, "confidence-n", 1000, "bootstrap resamples for --confidence (-cin)")
	f.BoolVar(&o.pairedBS, "paired-bs", false, "paired bootstrap resampling test against the first system (-pbs)")
	f.BoolVar(&o.pairedAR, "paired-ar", false, "paired approximate randomization test against the first system (-par)")
	f.IntVar(&o.pairedBSN, "paired-bs-n", 1000, "resamples of --paired-bs (-pbsn)")
	f.IntVar(&o.pairedARN, "paired-ar-n", 10000, "trials of --paired-ar (-parn)")
	f.StringVar(&o.seed, "seed", "", "seed of the resampling: a number or \"none\" (default: $SACREBLEU_SEED, else 12345)")
	f.IntVar(&o.workers, "workers", 0, "goroutines used for scoring (0 = all cores)")
	f.StringVar(&o.missingRef, "missing-ref", "", "reference text that means \"no reference for this segment\" (default: none)")
	f.StringVar(&o.hypField, "hyp-field", "", "JSONL field or column of the hypotheses (default: pred, prediction)")
	f.StringVar(&o.refField, "ref-field", "", "JSONL field or column of the references (default: label)")
	f.StringVar(&o.field, "field", "", "JSONL field or column for hypotheses and references alike")
	f.StringVar(&o.inputFormat, "input-format", "auto", "input format: auto, text, jsonl, arrow, parquet")
	f.BoolVar(&o.plainJSON, "sacrebleu-json", false, "print exactly sacreBLEU's JSON, without the extra keys (score_exact, counts, ...)")
	f.BoolVar(&o.noColor, "no-color", false, "no ANSI colours in tables (also NO_COLOR) (-nc)")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "accepted for sacreBLEU compatibility (sophia-eval prints no info messages)")
	f.BoolVar(&o.force, "force", false, "do not warn about hypotheses that look tokenized")
	f.StringSliceVarP(&o.metrics, "metrics", "m", []string{"bleu"}, "metrics to compute (only bleu)")
	f.IntVarP(&o.pairedJobs, "paired-jobs", "j", 1, "accepted for sacreBLEU compatibility; use --workers")
	f.StringVarP(&o.encoding, "encoding", "e", "utf-8", "input encoding; only utf-8 is supported")
	f.BoolVar(&o.version, "version", false, "print the sacreBLEU version reproduced and exit (-V)")
	f.BoolVar(&o.noInputs, "no-inputs", false, "an -i without files (sacreBLEU prints an empty result)")
	_ = f.MarkHidden("no-inputs")
	return cmd
}

// bleuFail prints sacreBLEU-style error lines and returns an error with code.
func bleuFail(e *env, code int, lines ...string) error {
	for _, l := range lines {
		fmt.Fprintf(e.stderr, "sophia-eval: %s\n", l)
	}
	return silentExit(code)
}

func (o *bleuOptions) corpusConfig(fields []string, field string) (corpus.Config, error) {
	c := corpus.Config{Fields: fields}
	if o.field != "" {
		c.Field = o.field
	}
	if field != "" {
		c.Field = field
	}
	switch strings.ToLower(o.inputFormat) {
	case "auto", "":
		c.Format = corpus.Auto
	case "text", "txt":
		c.Format = corpus.Text
	case "jsonl":
		c.Format = corpus.JSONL
	case "arrow":
		c.Format = corpus.Arrow
	case "parquet":
		c.Format = corpus.Parquet
	default:
		return c, fmt.Errorf("invalid --input-format %q: want auto, text, jsonl, arrow or parquet", o.inputFormat)
	}
	return c, nil
}

func runBLEU(ctx context.Context, e *env, cmd *cobra.Command, o *bleuOptions) error {
	if o.version {
		_, err := fmt.Fprintf(e.stdout, "sacrebleu %s\n", bleu.Version)
		return err
	}
	if enc := strings.ToLower(strings.ReplaceAll(o.encoding, "_", "-")); enc != "utf-8" && enc != "utf8" {
		return fmt.Errorf("unsupported --encoding %q: inputs must be UTF-8", o.encoding)
	}
	switch v := strings.ToLower(e.getenv("SACREBLEU_FORMAT")); v {
	case "json", "text", "latex":
		o.format = v
	}
	switch o.format {
	case "json", "text", "latex":
	default:
		return fmt.Errorf("invalid --format %q: want json, text or latex", o.format)
	}
	for _, m := range o.metrics {
		if strings.ToLower(m) != "bleu" {
			return fmt.Errorf("metric %q is not supported: sophia-eval bleu computes BLEU only", m)
		}
	}
	if o.pairedBS && o.pairedAR {
		return errors.New("--paired-bs and --paired-ar cannot be used together")
	}
	if o.width < 0 {
		return fmt.Errorf("invalid --width %d: must be 0 or more", o.width)
	}
	if o.seed == "" {
		o.seed = e.getenv("SACREBLEU_SEED")
	}
	// sacreBLEU colours its tables, but colorama strips the codes unless stdout is a
	// terminal.
	color := !o.noColor && e.getenv("NO_COLOR") == ""
	tty := e.isTerminal(e.stdout)
	if color && tty {
		// colorama resets the terminal's colours when sacreBLEU exits.
		defer io.WriteString(e.stdout, ansiReset)
	}
	paired := o.pairedBS || o.pairedAR

	if o.numRefs != 1 && len(o.refs) > 1 {
		return bleuFail(e, ExitError,
			"The --num-refs argument allows you to provide any number of tab-delimited references in a single file.",
			"You can only use it with externally provided references, however (i.e., not with `-t`),",
			"and you cannot then provide multiple reference files.")
	}
	if len(o.refs) == 0 {
		return bleuFail(e, ExitError,
			"If manual references given, make sure to provide them before the -i/--input argument to avoid confusion.",
			"sophia-eval has no built-in test sets: give the reference files as arguments.")
	}
	if o.numRefs < 1 {
		return fmt.Errorf("invalid --num-refs %d: must be 1 or more", o.numRefs)
	}
	smoothValue := o.smoothValue
	if !cmd.Flags().Changed("smooth-value") {
		smoothValue = 0
	} else if smoothValue == 0 && (o.smooth == bleu.SmoothFloor || o.smooth == bleu.SmoothAddK) {
		return fmt.Errorf("invalid --smooth-value 0 for %s: use --smooth-method none", o.smooth)
	}
	cfg := bleu.Config{
		Tokenize:       o.tokenize,
		Lowercase:      o.lowercase,
		Smooth:         o.smooth,
		SmoothValue:    smoothValue,
		EffectiveOrder: o.sentence,
		Workers:        o.workers,
		Logger:         e.log,
	}
	sc, err := bleu.New(cfg)
	if err != nil {
		return err
	}

	refCfg, err := o.corpusConfig(refFields, o.refField)
	if err != nil {
		return err
	}
	hypCfg, err := o.corpusConfig(hypFields, o.hypField)
	if err != nil {
		return err
	}
	if o.noInputs && len(o.inputs) == 0 {
		// sacreBLEU's "-i" with no file scores no system.
		if o.format != "json" {
			return errors.New("-i/--input needs at least one file")
		}
		_, err := io.WriteString(e.stdout, "[]\n")
		return err
	}

	start := time.Now()
	perSegment := o.confidence || paired
	var (
		names    []string
		totals   []bleu.Stats
		segStats []bleu.SegmentStats
	)
	if len(o.inputs) == 0 {
		// Systems on stdin, one tab-separated field each.
		refs, err := openRefs(e, o.refSpec(refCfg))
		if err != nil {
			return err
		}
		defer refs.close()
		var systems [][]string
		names, systems, err = readStdinSystems(e, o)
		if err != nil {
			return err
		}
		refSegs, err := refs.readAll()
		if err != nil {
			return bleuReadError(e, err)
		}
		if err := o.checkModes(e, len(systems)); err != nil {
			return err
		}
		for _, sys := range systems {
			if len(sys) != len(refSegs) {
				return bleuFail(e, ExitError, "System and reference streams have different lengths.")
			}
		}
		if o.sentence {
			src, err := bleu.Segments(systems[0], refSegs)
			if err != nil {
				return err
			}
			return o.printSentences(ctx, e, sc, src)
		}
		for _, sys := range systems {
			src, err := bleu.Segments(sys, refSegs)
			if err != nil {
				return err
			}
			total, segs, err := sc.CorpusStats(ctx, src, perSegment)
			if err != nil {
				return bleuReadError(e, err)
			}
			totals, segStats = append(totals, total), append(segStats, segs)
		}
	} else {
		names, err = o.systemNames(e)
		if err != nil {
			return err
		}
		if err := o.checkModes(e, len(names)); err != nil {
			return err
		}
		if o.sentence {
			src, closeSrc, err := openSystem(e, o.refSpec(refCfg), names[0], hypCfg, nil)
			if err != nil {
				return err
			}
			defer closeSrc()
			return o.printSentences(ctx, e, sc, src)
		}
		totals, segStats, err = scoreFiles(ctx, e, o, cfg, names, hypCfg, refCfg, perSegment)
		if err != nil {
			return err
		}
	}
	for _, st := range totals {
		o.warnTokenized(e, st)
	}
	e.log.Debug("scored systems", "systems", len(totals), "elapsed", time.Since(start))
	if paired {
		if len(o.inputs) > 0 {
			names[0] = "Baseline: " + names[0]
		} else {
			names[0] = "Baseline"
		}
	}

	if len(totals) == 1 {
		score := sc.Score(totals[0])
		var ci *bleu.Interval
		if o.confidence && o.confidenceN > 1 {
			iv, err := sc.Bootstrap(ctx, segStats[0], bleu.Resample{N: o.confidenceN, Seed: o.seed})
			if err != nil {
				return err
			}
			score.Signature.Bootstrap = o.confidenceN
			score.Signature.Seed = iv.Seed
			ci = &iv
		}
		return o.printSingle(e, score, ci)
	}

	rows := make([]bleuRow, len(totals))
	table := bleuTable{Format: o.format, Width: o.width, Color: color, StripANSI: !tty}
	sig := sc.Score(totals[0]).Signature
	if !paired {
		for i := range totals {
			rows[i] = bleuRow{Name: names[i], Score: sc.Score(totals[i]).Score}
		}
	} else {
		var res bleu.Paired
		if o.pairedBS {
			// sacreBLEU shows the -pbsn value as given, but runs the default for 0.
			table.Paired, table.N = "bs", o.pairedBSN
			n := max(o.pairedBSN, 0)
			res, err = sc.PairedBootstrap(ctx, segStats[0], segStats[1:], bleu.Resample{N: n, Seed: o.seed})
			sig.Bootstrap = res.N
		} else {
			table.Paired, table.N = "ar", o.pairedARN
			n := max(o.pairedARN, 0)
			res, err = sc.PairedAR(ctx, segStats[0], segStats[1:], bleu.Resample{N: n, Seed: o.seed})
			sig.Trials = res.N
		}
		if err != nil {
			return err
		}
		sig.Seed = res.Seed
		all := append([]bleu.PairedResult{res.Baseline}, res.Systems...)
		for i, r := range all {
			rows[i] = bleuRow{Name: names[i], Score: r.Score, Mean: r.Mean, CI: r.CI, PValue: r.PValue}
		}
	}
	e.log.Debug("tests done", "elapsed", time.Since(start))
	table.Signature = sig.String()
	if o.short {
		table.Signature = sig.Short()
	}
	return writeBLEUTable(e.stdout, rows, table)
}

// warnTokenized prints sacreBLEU's warning about hypotheses that look tokenized.
func (o *bleuOptions) warnTokenized(e *env, st bleu.Stats) {
	if o.force || st.TokenizedPeriods < 100 {
		return
	}
	fmt.Fprintln(e.stderr, "sophia-eval: That's 100 lines that end in a tokenized period ('.')")
	fmt.Fprintln(e.stderr, "sophia-eval: It looks like you forgot to detokenize your test data, which may hurt your score.")
	fmt.Fprintln(e.stderr, "sophia-eval: If you insist your data is detokenized, or don't care, you can suppress this message with the `force` parameter.")
}

// bleuReadError maps the errors of reading and scoring to sacreBLEU's exit codes.
func bleuReadError(e *env, err error) error {
	var fe *fieldCountError
	switch {
	case errors.As(err, &fe):
		return bleuFail(e, 17, fe.Error())
	case errors.Is(err, errEmpty):
		return bleuFail(e, ExitError, "Test set None contains no sentence")
	case errors.Is(err, errLengths):
		return bleuFail(e, ExitError, "System and reference streams have different lengths.")
	}
	return err
}

// printSingle prints the corpus score of one system in sacreBLEU's single-system
// format, with the bootstrap interval when ci is set.
func (o *bleuOptions) printSingle(e *env, s bleu.Score, ci *bleu.Interval) error {
	w := o.width
	num := strconv.FormatFloat(s.Score, 'f', w, 64)
	var conf string
	if ci != nil && ci.Mean > 0 {
		conf = "μ = " + strconv.FormatFloat(ci.Mean, 'f', w, 64) + " ± " + strconv.FormatFloat(ci.CI, 'f', w, 64)
		num += " (" + conf + ")"
	}
	out := bufio.NewWriter(e.stdout)
	if o.scoreOnly {
		fmt.Fprintln(out, num)
		return out.Flush()
	}
	if o.format != "json" {
		sig := s.Signature.String()
		if o.short {
			sig = s.Signature.Short()
		}
		line := "BLEU|" + sig + " = " + num + " " + s.Verbose()
		if conf != "" && !o.noColor && e.getenv("NO_COLOR") == "" && e.isTerminal(e.stdout) {
			line = strings.Replace(line, "("+conf+")", ansiCyan+"("+conf+")"+ansiReset, 1)
		}
		fmt.Fprintln(out, line)
		return out.Flush()
	}
	j := newPyJSON(out, 1)
	j.open('{')
	j.key("name").str("BLEU")
	j.key("score").raw(pyfloat.Repr(roundTo(s.Score, w)))
	j.key("signature").str(s.Signature.String())
	if conf != "" {
		j.key("confidence_mean").raw(pyfloat.Repr(roundTo(ci.Mean, w)))
		j.key("confidence_var").raw(pyfloat.Repr(roundTo(ci.CI, w)))
		j.key("confidence").str(conf)
	}
	j.key("verbose_score").str(s.Verbose())
	for _, f := range s.Signature.Fields() {
		j.key(f.Key).str(f.Value)
	}
	if !o.plainJSON {
		j.key("score_exact").raw(pyfloat.Repr(s.Score))
		j.key("counts").counts(s.Counts)
		j.key("totals").counts(s.Totals)
		j.key("precisions").floats(s.Precisions)
		j.key("bp").raw(pyfloat.Repr(s.BP))
		j.key("ratio").raw(pyfloat.Repr(s.Ratio()))
		j.key("sys_len").raw(strconv.FormatInt(s.SysLen, 10))
		j.key("ref_len").raw(strconv.FormatInt(s.RefLen, 10))
	}
	j.close('}')
	out.WriteByte('\n')
	return out.Flush()
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// roundTo is Python's float(f"{x:.{w}f}").
func roundTo(x float64, w int) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'f', w, 64), 64)
	return v
}

// printSentences prints sacreBLEU's sentence-level lines, one per segment, always as
// text. The lines are formatted on the worker goroutines.
func (o *bleuOptions) printSentences(ctx context.Context, e *env, sc *bleu.Scorer, src bleu.Source) error {
	out := bufio.NewWriterSize(e.stdout, 1<<16)
	// The signature changes only with the number of references of a segment.
	var sigs [8]string
	for n := range sigs {
		sigs[n] = o.signature(sc.Signature(bleu.Stats{MinRefs: n, MaxRefs: n}))
	}
	err := sc.SentencesTo(ctx, src, out, func(dst []byte, _ int64, s *bleu.Score) []byte {
		sig := ""
		if n := s.Signature.NRefs; n >= 0 && n < len(sigs) {
			sig = sigs[n]
		} else {
			sig = o.signature(s.Signature)
		}
		return append(s.AppendFormat(dst, o.width, o.scoreOnly, sig), '\n')
	})
	if err != nil {
		return bleuReadError(e, err)
	}
	return out.Flush()
}

// refSpec describes the reference files.
func (o *bleuOptions) refSpec(c corpus.Config) refSpec {
	return refSpec{files: o.refs, numRefs: o.numRefs, missing: o.missingRef, cfg: c}
}

// signature is the long or (--short) short form of sig.
func (o *bleuOptions) signature(sig bleu.Signature) string {
	if o.short {
		return sig.Short()
	}
	return sig.String()
}

// checkModes rejects the combinations of systems and modes that sacreBLEU rejects.
func (o *bleuOptions) checkModes(e *env, systems int) error {
	paired := o.pairedBS || o.pairedAR
	if o.sentence {
		if systems > 1 {
			return bleuFail(e, ExitError, "Only one system can be evaluated in sentence-level mode.")
		}
		if o.confidence || paired {
			return bleuFail(e, ExitError, "Statistical tests are unavailable in sentence-level mode.")
		}
	}
	if paired && systems == 1 {
		return bleuFail(e, ExitError, "Paired tests require multiple input systems given to --input (-i).")
	}
	if systems > 1 && o.confidence {
		return bleuFail(e, ExitError, "Use paired tests (--paired) for multiple systems.")
	}
	return nil
}

// systemNames returns the hypothesis files, without a repeated baseline in the paired
// tests, and fails on any other repeated name, as sacreBLEU does.
func (o *bleuOptions) systemNames(e *env) ([]string, error) {
	paired := o.pairedBS || o.pairedAR
	var names []string
	for _, name := range o.inputs {
		if slices.Contains(names, name) {
			if paired && name == names[0] {
				e.log.Info("ignoring system that is also the baseline", "system", name)
				continue
			}
			return nil, bleuFail(e, ExitError,
				fmt.Sprintf("%s already used to name a system.", pyQuote(name)),
				"Make sure to have a different basename for each system.")
		}
		names = append(names, name)
	}
	return names, nil
}

// scoreFiles computes the statistics of every hypothesis file against the references,
// streaming each file with the references (which every system reads on its own), all
// systems at once. The errors are reported as sacreBLEU reports them, for the first
// system in order that has one.
func scoreFiles(ctx context.Context, e *env, o *bleuOptions, cfg bleu.Config, names []string,
	hypCfg, refCfg corpus.Config, perSegment bool) ([]bleu.Stats, []bleu.SegmentStats, error) {
	cfg.Workers = max(1, shard.Workers(o.workers)/len(names))
	sc, err := bleu.New(cfg)
	if err != nil {
		return nil, nil, err
	}
	// Several systems read the references once, into memory (their per-segment
	// statistics take memory in proportion anyway, for the tests); one system
	// streams them.
	var mem [][]string
	if len(names) > 1 {
		refs, err := openRefs(e, o.refSpec(refCfg))
		if err != nil {
			return nil, nil, err
		}
		mem, err = refs.readAll()
		refs.close()
		if err != nil {
			return nil, nil, bleuReadError(e, err)
		}
		if mem == nil {
			mem = [][]string{}
		}
	}
	totals := make([]bleu.Stats, len(names))
	segs := make([]bleu.SegmentStats, len(names))
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			src, closeSrc, err := openSystem(e, o.refSpec(refCfg), name, hypCfg, mem)
			if err != nil {
				errs[i] = err
				return
			}
			defer closeSrc()
			t0 := time.Now()
			totals[i], segs[i], errs[i] = sc.CorpusStats(ctx, src, perSegment)
			e.log.Debug("scored system", "system", name, "elapsed", time.Since(t0))
		}()
	}
	wg.Wait()
	for i, err := range errs {
		switch {
		case err != nil:
			return nil, nil, bleuReadError(e, err)
		case totals[i].Segments == 0:
			return nil, nil, bleuFail(e, ExitError, "Test set None contains no sentence")
		}
	}
	return totals, segs, nil
}
