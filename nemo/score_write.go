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

	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/schema"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/sophia-ai/sophia-eval/internal/atomicfile"
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

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
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
	p("- Fine-tuned predictions: `%s` (%s)\n", r.Predictions, plural(r.ItemsRead, "item", "items"))
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
		p("- Excluded: %s listed in `%s`", plural(r.Excluded, "item", "items"), r.Exclude)
		if r.ExcludeUnmatched > 0 {
			p(" (%s matched no item)", plural(r.ExcludeUnmatched, "name", "names"))
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
	str := func(name string) schema.Node {
		n, err := schema.NewPrimitiveNodeLogical(name, parquet.Repetitions.Optional, schema.StringLogicalType{}, parquet.Types.ByteArray, -1, -1)
		if err != nil {
			panic(err) // fixed names and types
		}
		return n
	}
	prim := func(name string, rep parquet.Repetition, t parquet.Type) schema.Node {
		n, err := schema.NewPrimitiveNode(name, rep, t, -1, -1)
		if err != nil {
			panic(err) // fixed names and types
		}
		return n
	}
	dbl := func(name string, optional bool) schema.Node {
		rep := parquet.Repetitions.Required
		if optional {
			rep = parquet.Repetitions.Optional
		}
		return prim(name, rep, parquet.Types.Double)
	}
	items := r.PerItem
	type col struct {
		node schema.Node
		get  func(*ItemScore) (float64, bool)
	}
	cols := []col{
		{dbl("bleu_finetuned", false), func(it *ItemScore) (float64, bool) { return it.BLEU, true }},
		{dbl("bleu_baseline", true), func(it *ItemScore) (float64, bool) { return it.BaselineBLEU, r.Baseline != "" }},
	}
	for k, t := range r.RougeTypes {
		cols = append(cols,
			col{dbl(t+"_finetuned", false), func(it *ItemScore) (float64, bool) { return it.Rouge[k], true }},
			col{dbl(t+"_baseline", true), func(it *ItemScore) (float64, bool) {
				if it.BaselineRouge == nil {
					return 0, false
				}
				return it.BaselineRouge[k], true
			}})
	}
	cols = append(cols, col{dbl("outcome", true), func(it *ItemScore) (float64, bool) { return it.Outcome, !math.IsNaN(it.Outcome) }})

	fields := schema.FieldList{str("id"), prim("line", parquet.Repetitions.Required, parquet.Types.Int64)}
	for _, c := range cols {
		fields = append(fields, c.node)
	}
	root, err := schema.NewGroupNode("schema", parquet.Repetitions.Required, fields, -1)
	if err != nil {
		return err
	}
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Zstd))
	// The Parquet writer closes a sink that is an io.Closer; the file is the
	// caller's to sync and close.
	pw, err := file.NewParquetWriterWithError(struct{ io.Writer }{w}, root, file.WithWriterProps(props))
	if err != nil {
		return err
	}
	rg, err := pw.AppendRowGroupChecked()
	if err != nil {
		return err
	}
	n := len(items)
	cw, err := rg.NextColumn()
	if err != nil {
		return err
	}
	ids := make([]parquet.ByteArray, 0, n)
	defs := make([]int16, n)
	for i := range items {
		if items[i].ID != "" {
			ids = append(ids, parquet.ByteArray(items[i].ID))
			defs[i] = 1
		}
	}
	if _, err := cw.(*file.ByteArrayColumnChunkWriter).WriteBatch(ids, defs, nil); err != nil {
		return err
	}
	if cw, err = rg.NextColumn(); err != nil {
		return err
	}
	lines := make([]int64, n)
	for i := range items {
		lines[i] = items[i].Line
	}
	if _, err := cw.(*file.Int64ColumnChunkWriter).WriteBatch(lines, nil, nil); err != nil {
		return err
	}
	vals := make([]float64, 0, n)
	for _, c := range cols {
		if cw, err = rg.NextColumn(); err != nil {
			return err
		}
		vals = vals[:0]
		for i := range items {
			v, ok := c.get(&items[i])
			defs[i] = 0
			if ok {
				vals = append(vals, v)
				defs[i] = 1
			}
		}
		d := defs
		if c.node.RepetitionType() == parquet.Repetitions.Required {
			d = nil
		}
		if _, err := cw.(*file.Float64ColumnChunkWriter).WriteBatch(vals, d, nil); err != nil {
			return err
		}
	}
	if err := rg.Close(); err != nil {
		return err
	}
	return pw.Close()
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
