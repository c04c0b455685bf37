package nemo

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/sophia-ai/sophia-eval/internal/nprand"
)

// DefaultSampleSize is the number of dialogues of the human-review sample.
const DefaultSampleSize = 50

// SampleOptions says how the review sample is drawn. The zero value draws 50 items
// with seed 12345, stratified by the fine-tuned model's sentence ROUGE-L.
type SampleOptions struct {
	// Read says how the prediction files are read.
	Read ReadOptions
	// N is the number of items. Default: DefaultSampleSize.
	N int
	// Seed seeds the draw. Default (0): DefaultScoreSeed.
	Seed uint64
	// Metric orders the items: "rougeL" (sentence ROUGE-L F) or "bleu" (sentence
	// BLEU), of the fine-tuned prediction. Default: "rougeL".
	Metric string
	// Workers is the number of goroutines of the scorers: 0 = GOMAXPROCS.
	Workers int
	// Now gives the sample's date. Default: time.Now.
	Now func() time.Time
}

// ReviewSample is the human-review sample: items drawn across the score range,
// with their texts and scores.
type ReviewSample struct {
	Date                           time.Time
	Predictions, Baseline, Exclude string
	// Items is the number of items the sample was drawn from (after exclusion),
	// Excluded the number left out.
	Items, Excluded int
	N               int
	Seed            uint64
	Metric          string
	// Drawn are the sampled items in order of their score, lowest first; Stratum[i]
	// is Drawn[i]'s stratum (0-based) and Rank[i] its 1-based rank by score among
	// all items.
	Drawn   []ItemScore
	Stratum []int
	Rank    []int
}

// Sample draws the human-review sample from the fine-tuned predictions of in (and
// the baseline's, shown beside them): the items are scored (sentence BLEU and
// ROUGE-L), sorted by the fine-tuned model's score of o.Metric (ties by position
// in the file), cut into N strata of consecutive ranks — stratum k holds ranks
// ⌊k·M/N⌋ to ⌊(k+1)·M/N⌋−1 of M items — and one item is drawn uniformly from each,
// with numpy's default_rng(Seed).integers(size) per stratum in order. With fewer
// than N items, all of them are taken. in.Judgments is ignored.
func Sample(ctx context.Context, in ScoreInput, o SampleOptions) (*ReviewSample, error) {
	n := o.N
	if n == 0 {
		n = DefaultSampleSize
	}
	if n < 1 {
		return nil, fmt.Errorf("%w: sample size %d", ErrScoreConfig, n)
	}
	seed := o.Seed
	if seed == 0 {
		seed = DefaultScoreSeed
	}
	metric := o.Metric
	if metric == "" {
		metric = "rougeL"
	}
	if metric != "rougeL" && metric != MetricBLEU {
		return nil, fmt.Errorf("%w: sample metric %q (want rougeL or bleu)", ErrScoreConfig, metric)
	}
	in.Judgments = ""
	// Score computes everything the sample shows; a single resample keeps the
	// bootstraps cheap.
	rep, err := Score(ctx, in, ScoreOptions{Read: o.Read, Metrics: []string{MetricBLEU, "rougeL"}, Bootstrap: 1, Seed: seed, Workers: o.Workers, Now: o.Now})
	if err != nil {
		return nil, err
	}
	s := &ReviewSample{
		Date: rep.Date, Predictions: in.Predictions, Baseline: in.Baseline, Exclude: in.Exclude,
		Items: rep.Items, Excluded: rep.Excluded, N: n, Seed: seed, Metric: metric,
	}
	k := slices.Index(rep.RougeTypes, "rougeL")
	score := func(it *ItemScore) float64 {
		if metric == MetricBLEU {
			return it.BLEU
		}
		return it.Rouge[k]
	}
	order := make([]int, len(rep.PerItem))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(score(&rep.PerItem[a]), score(&rep.PerItem[b])) })
	m := len(order)
	strata := min(n, m)
	g := nprand.New(seed)
	for st := range strata {
		lo, hi := st*m/strata, (st+1)*m/strata
		pick := lo
		if n < m {
			pick = lo + int(g.NewBounded(uint64(hi-lo)).Next())
		}
		s.Drawn = append(s.Drawn, rep.PerItem[order[pick]])
		s.Stratum = append(s.Stratum, st)
		s.Rank = append(s.Rank, pick+1)
	}
	return s, nil
}

// quote writes text as a Markdown block quote, every line prefixed.
func quote(w *bufio.Writer, text string) {
	if text == "" {
		w.WriteString("> *(empty)*\n")
		return
	}
	for _, l := range strings.Split(text, "\n") {
		w.WriteString(strings.TrimRight("> "+l, " "))
		w.WriteByte('\n')
	}
}

// WriteMarkdown writes the sample as finetune_reviews.md: a header saying how it
// was drawn, then per item its id or line, scores, input, fine-tuned prediction,
// baseline prediction, reference(s), and empty fields for the reviewer's verdict
// (accept, reject, unsure) and notes.
func (s *ReviewSample) WriteMarkdown(w io.Writer) error {
	bw := bufio.NewWriter(w)
	p := func(format string, a ...any) { fmt.Fprintf(bw, format, a...) }
	metric := "sentence ROUGE-L F"
	if s.Metric == MetricBLEU {
		metric = "sentence BLEU"
	}
	p("# Human review sample\n\n")
	p("- Date: %s\n", s.Date.UTC().Format("2006-01-02 15:04:05 UTC"))
	p("- Fine-tuned predictions: `%s`\n", s.Predictions)
	if s.Baseline != "" {
		p("- Baseline predictions: `%s`\n", s.Baseline)
	}
	if s.Exclude != "" {
		p("- Excluded: %s listed in `%s`\n", plural(s.Excluded, "item"), s.Exclude)
	}
	if len(s.Drawn) < s.N {
		p("- Sample: all %d items (fewer than the %d asked for), in order of the fine-tuned model's %s, lowest first\n", len(s.Drawn), s.N, metric)
	} else {
		p("- Sample: %d of %d items, seed %d, stratified by the fine-tuned model's %s: the items sorted by score are cut into %d strata of consecutive ranks and one item is drawn from each; lowest scores first\n",
			len(s.Drawn), s.Items, s.Seed, metric, len(s.Drawn))
	}
	p("- How to review: tick one verdict per item (`[x]`) and write notes below it.\n")
	for i, it := range s.Drawn {
		name := fmt.Sprintf("line %d", it.Line)
		if it.ID != "" {
			name = fmt.Sprintf("%s (line %d)", it.ID, it.Line)
		}
		p("\n---\n\n## %d. %s\n\n", i+1, name)
		p("Rank %d of %d by %s (stratum %d of %d).\n\n", s.Rank[i], s.Items, metric, s.Stratum[i]+1, len(s.Drawn))
		if s.Baseline != "" {
			p("| Score | Fine-tuned | Baseline |\n|---|---:|---:|\n")
			p("| sentence BLEU | %.2f | %.2f |\n", it.BLEU, it.BaselineBLEU)
			p("| ROUGE-L F | %.4f | %.4f |\n\n", it.Rouge[0], it.BaselineRouge[0])
		} else {
			p("| Score | Fine-tuned |\n|---|---:|\n")
			p("| sentence BLEU | %.2f |\n", it.BLEU)
			p("| ROUGE-L F | %.4f |\n\n", it.Rouge[0])
		}
		if it.Input != "" {
			p("**Input**\n\n")
			quote(bw, it.Input)
			p("\n")
		}
		p("**Fine-tuned prediction**\n\n")
		quote(bw, it.Prediction)
		if s.Baseline != "" {
			p("\n**Baseline prediction**\n\n")
			quote(bw, it.BaselinePrediction)
		}
		for k, r := range it.References {
			if len(it.References) > 1 {
				p("\n**Reference %d**\n\n", k+1)
			} else {
				p("\n**Reference**\n\n")
			}
			quote(bw, r)
		}
		p("\n**Verdict:**\n\n- [ ] accept\n- [ ] reject\n- [ ] unsure\n\n**Notes:**\n\n")
	}
	return bw.Flush()
}
