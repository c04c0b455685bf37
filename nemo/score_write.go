package nemo

import (
	"bufio"
	"encoding/json"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/sophia-ai/sophia-eval/internal/atomicfile"
	"github.com/sophia-ai/sophia-eval/internal/pqwrite"
)

// Names of the files WriteFiles writes, and the directory the runbook keeps them in.
const (
	DefaultScoreDir      = "orchestration_journal/models"
	MetricsMarkdown      = "finetune_metrics.md"
	MetricsJSON          = "finetune_metrics.json"
	ItemsParquet         = "finetune_items.parquet"
	BootstrapPlot        = "finetune_bootstrap.png"
	ReviewSampleMarkdown = "finetune_reviews.md"
)

// WriteFiles writes the report into dir (created if needed), each file
// atomically: MetricsMarkdown, MetricsJSON, ItemsParquet and BootstrapPlot. It
// returns the paths written.
func (r *ScoreReport) WriteFiles(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	outs := []struct {
		name  string
		write func(io.Writer) error
	}{
		{MetricsMarkdown, r.WriteMarkdown},
		{MetricsJSON, r.WriteJSON},
		{ItemsParquet, r.WriteParquet},
		{BootstrapPlot, r.WritePlot},
	}
	var paths []string
	for _, o := range outs {
		p := filepath.Join(dir, o.name)
		if err := atomicfile.Write(p, o.write); err != nil {
			return paths, fmt.Errorf("writing %s: %w", p, err)
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// metricTitle is the metric's name in the Markdown table.
func metricTitle(m string) string {
	switch {
	case m == MetricBLEU:
		return "BLEU"
	case m == MetricWinRate:
		return "Win rate"
	case isRouge(m):
		return "ROUGE-" + strings.TrimPrefix(m, "rouge") + " F"
	}
	return m
}

// decimals is how many decimals the Markdown shows of a metric's values.
func decimals(m string) int {
	switch m {
	case MetricBLEU:
		return 2
	case MetricWinRate:
		return 3
	}
	return 4
}

// mdCell escapes the characters that end a Markdown table cell.
func mdCell(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ")
}

// plural is "n word", with an s unless n is 1.
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// WriteMarkdown writes the report as finetune_metrics.md: a short header (date,
// files, item counts, exclusions, verdict), the table (metric, fine-tuned,
// baseline, difference, interval, p-value, gate, signature) and notes on the
// methods.
func (r *ScoreReport) WriteMarkdown(w io.Writer) error {
	bw := bufio.NewWriter(w)
	p := func(format string, a ...any) { fmt.Fprintf(bw, format, a...) }
	p("# Fine-tune metrics\n\n")
	p("- Date: %s\n", r.Date.UTC().Format("2006-01-02 15:04:05 UTC"))
	p("- Fine-tuned predictions: `%s` (%s)\n", r.Predictions, plural(r.ItemsRead, "item"))
	if r.References != "" {
		p("- References: `%s`\n", r.References)
	}
	if r.Baseline != "" {
		p("- Baseline predictions: `%s` (matched by %s)\n", r.Baseline, r.Matching)
	} else {
		p("- Baseline predictions: none\n")
	}
	if r.Judgments != "" {
		p("- Judgments: `%s`\n", r.Judgments)
	}
	if r.Exclude != "" {
		p("- Excluded: %s listed in `%s`", plural(r.Excluded, "item"), r.Exclude)
		if r.ExcludeUnmatched > 0 {
			p(" (%s matched no item)", plural(r.ExcludeUnmatched, "name"))
		}
		p("; the scores are on the clean subset\n")
	}
	p("- Items scored: %d\n", r.Items)
	p("- Bootstrap: %d resamples, seed %d\n", r.Bootstrap, r.Seed)
	switch r.Verdict {
	case VerdictNoGates:
		p("- Verdict: no gates\n")
	default:
		p("- Verdict: **%s** (%d of %d gates pass)\n", r.Verdict, len(r.Gates)-len(r.Failed()), len(r.Gates))
	}
	p("\n| Metric | Fine-tuned | Baseline | Difference | 95%% interval | p-value | Gate | Signature |\n")
	p("|---|---:|---:|---:|---|---:|---|---|\n")
	for _, m := range r.Metrics {
		d := decimals(m.Metric)
		num := func(x float64) string { return fmt.Sprintf("%.*f", d, x) }
		tuned, base, diff, pv := num(m.FineTuned), "—", "—", "—"
		if m.FineTunedMean != nil {
			tuned += fmt.Sprintf(" (μ %.*f ± %.*f)", d, *m.FineTunedMean, d, *m.FineTunedCI)
		}
		if m.Baseline != nil {
			base = num(*m.Baseline)
			if m.BaselineMean != nil {
				base += fmt.Sprintf(" (μ %.*f ± %.*f)", d, *m.BaselineMean, d, *m.BaselineCI)
			}
		}
		if m.Difference != nil {
			diff = fmt.Sprintf("%+.*f", d, *m.Difference)
		}
		if m.PValue != nil {
			pv = formatP(*m.PValue)
		}
		of := map[string]string{"difference": "of the difference", "finetuned": "of the fine-tuned value", "winrate": "of the win rate"}[m.IntervalOf]
		iv := fmt.Sprintf("[%.*f, %.*f] %s", d, m.Low, d, m.High, of)
		p("| %s | %s | %s | %s | %s | %s | %s | `%s` |\n", metricTitle(m.Metric), tuned, base, diff, iv, pv, mdCell(r.gateCell(m.Metric)), mdCell(m.Signature))
	}
	p("\nMethods:\n\n")
	for _, m := range r.Metrics {
		p("- %s: interval: %s", metricTitle(m.Metric), m.IntervalMethod)
		if m.PValueMethod != "" {
			p("; p-value: %s", m.PValueMethod)
		}
		if m.Wins != nil {
			p("; %d wins, %d losses, %d draws", *m.Wins, *m.Losses, *m.Ties)
		}
		p(".\n")
	}
	p("\nScales: BLEU in sacreBLEU points (0–100), ROUGE as rouge-score's F-measure (0–1), the win rate as a fraction (0–1; the baseline against itself is 0.5). Gates compare on these scales.\n")
	return bw.Flush()
}

// gateCell describes the gates on metric for the table.
func (r *ScoreReport) gateCell(metric string) string {
	var parts []string
	for _, g := range r.Gates {
		if g.Metric != metric {
			continue
		}
		var b []string
		if g.Min != nil {
			b = append(b, fmt.Sprintf("min %g", *g.Min))
		}
		if g.MinDelta != nil {
			b = append(b, fmt.Sprintf("min_delta %g", *g.MinDelta))
		}
		verdict := "pass"
		if !g.Pass {
			verdict = "**fail**"
		}
		parts = append(parts, strings.Join(b, ", ")+": "+verdict)
	}
	if len(parts) == 0 {
		return "—"
	}
	return strings.Join(parts, "; ")
}

// WriteJSON writes the report as finetune_metrics.json: the fields of ScoreReport
// (without the per-item scores), indented.
func (r *ScoreReport) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

// WriteParquet writes the per-item scores as Parquet, one row per scored item,
// zstd-compressed: id (string, null without ids), line (int64), bleu_finetuned
// and bleu_baseline (sentence BLEU), for each ROUGE type T T_finetuned and
// T_baseline (F-measure), and outcome (the win-rate outcome from the fine-tuned
// side). Baseline columns and outcome are null where there is no value.
func (r *ScoreReport) WriteParquet(w io.Writer) error {
	items := r.PerItem
	n := len(items)
	ids, hasID, lines := make([]string, n), make([]bool, n), make([]int64, n)
	for i := range items {
		ids[i], hasID[i], lines[i] = items[i].ID, items[i].ID != "", items[i].Line
	}
	cols := []pqwrite.Column{pqwrite.String("id", ids, hasID), pqwrite.Int64("line", lines, nil)}
	// dbl is a column of get's values, optional when some item may have none.
	dbl := func(name string, optional bool, get func(*ItemScore) (float64, bool)) {
		vals, ok := make([]float64, n), make([]bool, n)
		for i := range items {
			vals[i], ok[i] = get(&items[i])
		}
		if !optional {
			ok = nil
		}
		cols = append(cols, pqwrite.Float64(name, vals, ok))
	}
	dbl("bleu_finetuned", false, func(it *ItemScore) (float64, bool) { return it.BLEU, true })
	dbl("bleu_baseline", true, func(it *ItemScore) (float64, bool) { return it.BaselineBLEU, r.Baseline != "" })
	for k, t := range r.RougeTypes {
		dbl(t+"_finetuned", false, func(it *ItemScore) (float64, bool) { return it.Rouge[k], true })
		dbl(t+"_baseline", true, func(it *ItemScore) (float64, bool) {
			if it.BaselineRouge == nil {
				return 0, false
			}
			return it.BaselineRouge[k], true
		})
	}
	dbl("outcome", true, func(it *ItemScore) (float64, bool) { return it.Outcome, !math.IsNaN(it.Outcome) })
	return pqwrite.Write(w, cols...)
}

// WritePlot draws the bootstrap distribution of each metric's difference (of its
// value, without a baseline) as a histogram, one panel per metric, with a line at
// 0 and the report's interval, and writes it as PNG.
func (r *ScoreReport) WritePlot(w io.Writer) error {
	var plots [][]*plot.Plot
	for _, m := range r.Metrics {
		if len(m.Resamples) == 0 {
			continue
		}
		p := plot.New()
		lo, hi := m.Low, m.High
		what := "difference (fine-tuned − baseline)"
		switch m.IntervalOf {
		case "finetuned":
			what = "fine-tuned value"
		case "winrate":
			what = "win rate − 0.5"
			lo, hi = lo-0.5, hi-0.5
		}
		p.Title.Text = fmt.Sprintf("%s, %d bootstrap resamples", metricTitle(m.Metric), len(m.Resamples))
		p.X.Label.Text = what + "; dashed: 95% interval"
		p.Y.Label.Text = "resamples"
		vals := plotter.Values(m.Resamples)
		h, err := plotter.NewHist(vals, 30)
		if err != nil {
			return err
		}
		if v, same := plotter.Range(vals); v == same {
			// All resamples are equal (every item won, say): one narrow bar.
			h.Bins = []plotter.HistogramBin{{Min: v - 0.005, Max: v + 0.005, Weight: float64(len(vals))}}
			h.Width = 0.01
		}
		h.FillColor = color.RGBA{R: 120, G: 150, B: 200, A: 255}
		top := 0.0
		for _, b := range h.Bins {
			top = max(top, b.Weight)
		}
		p.Add(h)
		vline := func(x float64, c color.Color, dashed bool) error {
			l, err := plotter.NewLine(plotter.XYs{{X: x, Y: 0}, {X: x, Y: top * 1.05}})
			if err != nil {
				return err
			}
			l.Color, l.Width = c, vg.Points(1.5)
			if dashed {
				l.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
			}
			p.Add(l)
			return nil
		}
		if err := vline(0, color.RGBA{R: 200, A: 255}, false); err != nil {
			return err
		}
		ci := color.RGBA{G: 90, B: 40, A: 255}
		if err := vline(lo, ci, true); err != nil {
			return err
		}
		if err := vline(hi, ci, true); err != nil {
			return err
		}
		plots = append(plots, []*plot.Plot{p})
	}
	if len(plots) == 0 {
		p := plot.New()
		p.Title.Text = "no bootstrap distributions"
		plots = [][]*plot.Plot{{p}}
	}
	const width, panel = 16 * vg.Centimeter, 7 * vg.Centimeter
	img := vgimg.NewWith(vgimg.UseWH(width, panel*vg.Length(len(plots))), vgimg.UseDPI(96))
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: len(plots), Cols: 1, PadX: vg.Millimeter, PadY: 3 * vg.Millimeter, PadTop: 2 * vg.Millimeter, PadBottom: 2 * vg.Millimeter, PadLeft: 2 * vg.Millimeter, PadRight: 4 * vg.Millimeter}
	canvases := plot.Align(plots, tiles, dc)
	for i := range plots {
		plots[i][0].Draw(canvases[i][0])
	}
	_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(w)
	return err
}

// formatP formats a p-value with four decimals, or in scientific notation below
// 0.0001.
func formatP(p float64) string {
	if p < 1e-4 {
		return fmt.Sprintf("%.1e", p)
	}
	return fmt.Sprintf("%.4f", p)
}
