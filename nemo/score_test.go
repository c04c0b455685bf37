package nemo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sophia-ai/sophia-eval/bleu"
	"github.com/sophia-ai/sophia-eval/rouge"
	"github.com/sophia-ai/sophia-eval/winrate"
)

const (
	scoreDir   = "testdata/score"
	tunedFile  = scoreDir + "/predictions.jsonl"
	baseFile   = scoreDir + "/baseline.jsonl"       // same items, other order, with ids
	base2File  = scoreDir + "/baseline_nemo2.jsonl" // NeMo 2 fields, no ids, same order
	excludeTxt = scoreDir + "/exclude.txt"          // q03, q07 and an unknown q99
	auditJSONL = scoreDir + "/audit_results.jsonl"  // q04 partially, q12 fully contaminated
)

var fixedNow = func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) }

// scoreGolden compares got with testdata/score/name, or rewrites it with -update.
func scoreGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join(scoreDir, name)
	if *update {
		require.NoError(t, os.WriteFile(p, got, 0o644))
		return
	}
	want, err := os.ReadFile(p)
	require.NoError(t, err, "run go test ./nemo -run 'TestScoreGolden|TestSampleGolden' -update to create it")
	assert.Equal(t, string(want), string(got))
}

func fptr(x float64) *float64 { return &x }

// readPairs reads the preds and labels of a NeMo JSONL fixture, in file order.
func readPairs(t *testing.T, name string) (ids, preds []string, refs [][]string) {
	t.Helper()
	data, err := os.ReadFile(name)
	require.NoError(t, err)
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var r struct{ ID, Pred, Prediction, Label string }
		require.NoError(t, json.Unmarshal([]byte(line), &r))
		ids, preds, refs = append(ids, r.ID), append(preds, r.Pred+r.Prediction), append(refs, []string{r.Label})
	}
	return ids, preds, refs
}

func TestScoreGolden(t *testing.T) {
	gates := []Gate{{Metric: "bleu", MinDelta: fptr(0.5)}, {Metric: "winrate", Min: fptr(0.5)}, {Metric: "rougeL", Min: fptr(0.9)}}
	rep, err := Score(context.Background(),
		ScoreInput{Predictions: tunedFile, Baseline: baseFile, Exclude: excludeTxt},
		ScoreOptions{Gates: gates, Now: fixedNow})
	require.NoError(t, err)
	var md bytes.Buffer
	require.NoError(t, rep.WriteMarkdown(&md))
	scoreGolden(t, "finetune_metrics.md.golden", md.Bytes())

	assert.Equal(t, "id", rep.Matching)
	assert.Equal(t, 20, rep.ItemsRead)
	assert.Equal(t, 18, rep.Items)
	assert.Equal(t, 2, rep.Excluded)
	assert.Equal(t, 1, rep.ExcludeUnmatched)
	assert.Equal(t, VerdictRejected, rep.Verdict)
	require.Len(t, rep.Failed(), 1)
	assert.Equal(t, "rougeL", rep.Failed()[0].Metric)

	// The table's numbers are the scorers' own, on the clean subset.
	ids, tuned, refs := readPairs(t, tunedFile)
	bids, bpreds, _ := readPairs(t, baseFile)
	byID := map[string]string{}
	for i, id := range bids {
		byID[id] = bpreds[i]
	}
	var keptTuned, keptBase []string
	var keptRefs [][]string
	for i, id := range ids {
		if id == "q03" || id == "q07" {
			continue
		}
		keptTuned, keptBase, keptRefs = append(keptTuned, tuned[i]), append(keptBase, byID[id]), append(keptRefs, refs[i])
	}
	bs, err := bleu.New(bleu.Config{})
	require.NoError(t, err)
	corpusBLEU := func(hyps []string) float64 {
		src, err := bleu.Segments(hyps, keptRefs)
		require.NoError(t, err)
		s, err := bs.CorpusFrom(context.Background(), src)
		require.NoError(t, err)
		return s.Score
	}
	rs, err := rouge.New(rouge.Config{Types: []string{"rougeL"}})
	require.NoError(t, err)
	meanRougeL := func(preds []string) float64 {
		src, err := rouge.Pairs(preds, keptRefs)
		require.NoError(t, err)
		m, err := rs.Corpus(context.Background(), src)
		require.NoError(t, err)
		return m[0].FMeasure
	}
	b, _ := rep.Metric("bleu")
	assert.Equal(t, corpusBLEU(keptTuned), b.FineTuned)
	assert.Equal(t, corpusBLEU(keptBase), *b.Baseline)
	assert.Contains(t, b.Signature, "nrefs:1|bs:1000|seed:12345|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0")
	r, _ := rep.Metric("rougeL")
	assert.Equal(t, meanRougeL(keptTuned), r.FineTuned)
	assert.Equal(t, meanRougeL(keptBase), *r.Baseline)
	assert.InDelta(t, r.FineTuned-*r.Baseline, *r.Difference, 1e-15)
	assert.Less(t, r.Low, *r.Difference)
	assert.Greater(t, r.High, *r.Difference)

	// The BLEU p-value and means are sacreBLEU's paired bootstrap on these items.
	segs := func(hyps []string) bleu.SegmentStats {
		src, err := bleu.Segments(hyps, keptRefs)
		require.NoError(t, err)
		_, s, err := bs.CorpusStats(context.Background(), src, true)
		require.NoError(t, err)
		return s
	}
	paired, err := bs.PairedBootstrap(context.Background(), segs(keptBase), []bleu.SegmentStats{segs(keptTuned)}, bleu.Resample{})
	require.NoError(t, err)
	assert.Equal(t, *paired.Systems[0].PValue, *b.PValue)
	assert.Equal(t, *paired.Systems[0].Mean, *b.FineTunedMean)
	assert.Equal(t, *paired.Baseline.CI, *b.BaselineCI)

	// The win rate is winrate's on per-item ROUGE-L with a 0.01 margin.
	w, _ := rep.Metric("winrate")
	var model, base []float64
	for _, it := range rep.PerItem {
		model, base = append(model, it.Rouge[0]), append(base, it.BaselineRouge[0])
	}
	cs, err := winrate.FromScores("m", "b", model, base, nil, 0.01)
	require.NoError(t, err)
	ws, _ := winrate.New(winrate.Config{})
	s := ws.Score(winrate.StatsOf(cs))
	assert.Equal(t, s.WinRate/100, w.FineTuned)
	assert.Equal(t, s.SignTest.P, *w.PValue)
	assert.Equal(t, s.Wilson.Low/100, w.Low)
}

func TestScoreMatchByOrderEqualsByID(t *testing.T) {
	byID, err := Score(context.Background(), ScoreInput{Predictions: tunedFile, Baseline: baseFile}, ScoreOptions{Now: fixedNow})
	require.NoError(t, err)
	byOrder, err := Score(context.Background(), ScoreInput{Predictions: tunedFile, Baseline: base2File}, ScoreOptions{Now: fixedNow})
	require.NoError(t, err)
	assert.Equal(t, "id", byID.Matching)
	assert.Equal(t, "order", byOrder.Matching, "the NeMo 2 baseline has no ids")
	require.Len(t, byOrder.Metrics, 3)
	for i := range byID.Metrics {
		a, b := byID.Metrics[i], byOrder.Metrics[i]
		assert.Equal(t, a.Metric, b.Metric)
		assert.Equal(t, *a.Baseline, *b.Baseline, a.Metric)
		assert.Equal(t, a.Resamples, b.Resamples, a.Metric)
	}
}

func writeTemp(t *testing.T, name string, lines ...string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o644))
	return p
}

func TestScoreMismatch(t *testing.T) {
	tuned := writeTemp(t, "tuned.jsonl",
		`{"id": "a", "input": "x", "pred": "one two", "label": "one two three"}`,
		`{"id": "b", "input": "y", "pred": "four five", "label": "four five six"}`)
	noID := writeTemp(t, "noid.jsonl",
		`{"input": "x", "pred": "one", "label": "one two three"}`,
		`{"input": "y", "pred": "four", "label": "four five six"}`)
	tests := []struct {
		name, tuned, base string
		want              []string
	}{
		{"id missing in baseline", tuned, writeTemp(t, "b.jsonl",
			`{"id": "a", "pred": "one", "label": "one two three"}`,
			`{"id": "c", "pred": "four", "label": "four five six"}`),
			[]string{"b.jsonl has no item with id \"b\"", "tuned.jsonl:2"}},
		{"extra id in baseline", tuned, writeTemp(t, "b.jsonl",
			`{"id": "a", "pred": "one", "label": "one two three"}`,
			`{"id": "b", "pred": "four", "label": "four five six"}`,
			`{"id": "z", "pred": "four", "label": "four five six"}`),
			[]string{"tuned.jsonl has no item with id \"z\"", "b.jsonl:3"}},
		{"repeated id", tuned, writeTemp(t, "b.jsonl",
			`{"id": "a", "pred": "one", "label": "one two three"}`,
			`{"id": "a", "pred": "four", "label": "four five six"}`),
			[]string{`id "a" appears twice`, "lines 1 and 2"}},
		{"different reference", tuned, writeTemp(t, "b.jsonl",
			`{"id": "b", "pred": "four", "label": "four five SIX"}`,
			`{"id": "a", "pred": "one", "label": "one two three"}`),
			[]string{`item "b" (`, "tuned.jsonl:2", "different reference", "b.jsonl:1"}},
		{"different count by order", noID, writeTemp(t, "b.jsonl",
			`{"pred": "one", "label": "one two three"}`),
			[]string{"noid.jsonl has 2 items", "b.jsonl has 1", "by order"}},
		{"different inputs by order", noID, writeTemp(t, "b.jsonl",
			`{"input": "y", "pred": "four", "label": "four five six"}`,
			`{"input": "x", "pred": "one", "label": "one two three"}`),
			[]string{"item 1 has different inputs", "noid.jsonl:1", "b.jsonl:1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Score(context.Background(), ScoreInput{Predictions: tt.tuned, Baseline: tt.base}, ScoreOptions{})
			require.ErrorIs(t, err, ErrMismatch)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestScoreInputErrors(t *testing.T) {
	good := writeTemp(t, "p.jsonl", `{"pred": "a b", "label": "a b c"}`)
	tests := []struct {
		name    string
		in      ScoreInput
		o       ScoreOptions
		wantErr error
		want    string
	}{
		{"no reference", ScoreInput{Predictions: writeTemp(t, "p.jsonl", `{"pred": "a", "label": []}`)}, ScoreOptions{}, ErrScoreInput, "p.jsonl:1"},
		{"plain text without references", ScoreInput{Predictions: writeTemp(t, "p.txt", "a b")}, ScoreOptions{}, ErrScoreInput, "no references"},
		{"unknown metric", ScoreInput{Predictions: good}, ScoreOptions{Metrics: []string{"meteor"}}, ErrScoreConfig, `"meteor"`},
		{"win rate without baseline", ScoreInput{Predictions: good}, ScoreOptions{Metrics: []string{"winrate"}}, ErrScoreConfig, "baseline"},
		{"min_delta without baseline", ScoreInput{Predictions: good}, ScoreOptions{Gates: []Gate{{Metric: "bleu", MinDelta: fptr(1)}}}, ErrScoreConfig, "min_delta"},
		{"all excluded", ScoreInput{Predictions: good, Exclude: writeTemp(t, "x.txt", "eval.jsonl:1")}, ScoreOptions{}, ErrScoreInput, "no items"},
		{"audit record without verdict", ScoreInput{Predictions: good, Exclude: writeTemp(t, "x.jsonl", `{"id": "a"}`)}, ScoreOptions{}, ErrScoreInput, "x.jsonl:1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Score(context.Background(), tt.in, tt.o)
			require.ErrorIs(t, err, tt.wantErr)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestScorePlainTextWithReferences(t *testing.T) {
	hyp := writeTemp(t, "hyp.txt", "the cat sat on the mat", "it rains")
	ref := writeTemp(t, "ref.txt", "the cat is on the mat", "it is raining")
	rep, err := Score(context.Background(), ScoreInput{Predictions: hyp, References: ref}, ScoreOptions{})
	require.NoError(t, err)
	sc, _ := bleu.New(bleu.Config{})
	want, err := sc.Corpus(context.Background(), []string{"the cat sat on the mat", "it rains"}, []string{"the cat is on the mat", "it is raining"})
	require.NoError(t, err)
	b, _ := rep.Metric("bleu")
	assert.Equal(t, want.Score, b.FineTuned)
	assert.Nil(t, b.Baseline)
	assert.Equal(t, "finetuned", b.IntervalOf)
	assert.LessOrEqual(t, b.Low, b.High)
	assert.Equal(t, VerdictNoGates, rep.Verdict)
}

func TestScoreExclude(t *testing.T) {
	tests := []struct {
		name      string
		exclude   string
		excluded  int
		unmatched int
		gone      []string
	}{
		{"plain list", excludeTxt, 2, 1, []string{"q03", "q07"}},
		{"audit results", auditJSONL, 2, 0, []string{"q04", "q12"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := Score(context.Background(), ScoreInput{Predictions: tunedFile, Baseline: baseFile, Exclude: tt.exclude}, ScoreOptions{Now: fixedNow})
			require.NoError(t, err)
			assert.Equal(t, tt.excluded, rep.Excluded)
			assert.Equal(t, 20-tt.excluded, rep.Items)
			assert.Equal(t, tt.unmatched, rep.ExcludeUnmatched)
			for _, it := range rep.PerItem {
				assert.NotContains(t, tt.gone, it.ID)
			}
			var md bytes.Buffer
			require.NoError(t, rep.WriteMarkdown(&md))
			assert.Contains(t, md.String(), fmt.Sprintf("Excluded: %d items", tt.excluded))
			assert.Contains(t, md.String(), "clean subset")
		})
	}

	// Without ids, audit's FILE:LINE names select lines of the predictions file.
	rep, err := Score(context.Background(),
		ScoreInput{Predictions: base2File, Exclude: writeTemp(t, "x.txt", "data/eval.jsonl:2", "data/eval.jsonl:5", "no-line")},
		ScoreOptions{})
	require.NoError(t, err)
	assert.Equal(t, 2, rep.Excluded)
	assert.Equal(t, 1, rep.ExcludeUnmatched)
	for _, it := range rep.PerItem {
		assert.NotContains(t, []int64{2, 5}, it.Line)
	}
}

func TestScoreGates(t *testing.T) {
	tests := []struct {
		name    string
		gates   []Gate
		verdict string
		failed  []string
	}{
		{"none", nil, VerdictNoGates, nil},
		{"pass", []Gate{{Metric: "bleu", Min: fptr(40), MinDelta: fptr(0.5)}, {Metric: "winrate", Min: fptr(0.5)}}, VerdictAccepted, nil},
		{"bleu fails", []Gate{{Metric: "bleu", MinDelta: fptr(60)}, {Metric: "winrate", Min: fptr(0.5)}}, VerdictRejected, []string{"bleu"}},
		{"rouge2 gate adds the metric", []Gate{{Metric: "rouge2", Min: fptr(0.99)}}, VerdictRejected, []string{"rouge2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := Score(context.Background(), ScoreInput{Predictions: tunedFile, Baseline: baseFile}, ScoreOptions{Gates: tt.gates, Bootstrap: 100})
			require.NoError(t, err)
			assert.Equal(t, tt.verdict, rep.Verdict)
			var failed []string
			for _, g := range rep.Failed() {
				failed = append(failed, g.Metric)
				assert.Contains(t, g.String(), "<")
			}
			assert.Equal(t, tt.failed, failed)
			for _, g := range tt.gates {
				_, ok := rep.Metric(g.Metric)
				assert.True(t, ok, g.Metric)
			}
		})
	}
}

func TestScoreJudgments(t *testing.T) {
	// Simple-format judgments under other names; q05 is excluded.
	var lines []string
	for i := 1; i <= 20; i++ {
		outcome := 1.0
		if i%4 == 0 {
			outcome = 0
		}
		lines = append(lines, fmt.Sprintf(`{"id": "q%02d", "model": "sophia-ft", "baseline": "sophia-base", "outcome": %v}`, i, outcome))
	}
	j := writeTemp(t, "judgments.jsonl", lines...)
	rep, err := Score(context.Background(),
		ScoreInput{Predictions: tunedFile, Baseline: baseFile, Judgments: j, Exclude: writeTemp(t, "x.txt", "q05")},
		ScoreOptions{Gates: []Gate{{Metric: "winrate", Min: fptr(0.8)}}})
	require.NoError(t, err)
	w, ok := rep.Metric("winrate")
	require.True(t, ok)
	assert.Equal(t, int64(14), *w.Wins)
	assert.Equal(t, int64(5), *w.Losses)
	assert.InDelta(t, 14.0/19, w.FineTuned, 1e-12)
	assert.Equal(t, VerdictRejected, rep.Verdict)
	assert.Contains(t, w.Signature, "model:sophia-ft|baseline:sophia-base")
	for _, it := range rep.PerItem {
		want := 1.0
		if it.ID == "q04" || it.ID == "q08" || it.ID == "q12" || it.ID == "q16" || it.ID == "q20" {
			want = 0
		}
		assert.Equal(t, want, it.Outcome, it.ID)
	}
}

func TestScoreDeterministic(t *testing.T) {
	run := func(seed uint64) []byte {
		rep, err := Score(context.Background(), ScoreInput{Predictions: tunedFile, Baseline: baseFile},
			ScoreOptions{Seed: seed, Metrics: []string{"bleu", "rougeL", "rouge1"}, Now: fixedNow, Bootstrap: 200})
		require.NoError(t, err)
		var b bytes.Buffer
		require.NoError(t, rep.WriteJSON(&b))
		return b.Bytes()
	}
	a := run(7)
	assert.Equal(t, a, run(7), "the same seed gives the same report")
	assert.NotEqual(t, a, run(8), "another seed draws other resamples")
}

func TestScoreOutputs(t *testing.T) {
	rep, err := Score(context.Background(), ScoreInput{Predictions: tunedFile, Baseline: baseFile, Exclude: excludeTxt},
		ScoreOptions{Metrics: []string{"bleu", "rougeL", "rougeLsum", "winrate"}, Now: fixedNow})
	require.NoError(t, err)
	dir := filepath.Join(t.TempDir(), "orchestration_journal", "models")
	paths, err := rep.WriteFiles(dir)
	require.NoError(t, err)
	require.Len(t, paths, 4)

	// JSON: the report's fields.
	var j map[string]any
	data, err := os.ReadFile(filepath.Join(dir, MetricsJSON))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &j))
	assert.Equal(t, float64(18), j["items"])
	assert.Len(t, j["metrics"], 4)

	// Parquet: one row per scored item with the per-item scores.
	f, err := os.Open(filepath.Join(dir, ItemsParquet))
	require.NoError(t, err)
	defer f.Close()
	tbl, err := pqarrow.ReadTable(context.Background(), f, nil, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	require.NoError(t, err)
	defer tbl.Release()
	require.Equal(t, int64(18), tbl.NumRows())
	col := func(name string) arrow.Array { return tbl.Column(tbl.Schema().FieldIndices(name)[0]).Data().Chunk(0) }
	ids := col("id").(*array.String)
	bleuFT := col("bleu_finetuned").(*array.Float64)
	rougeBase := col("rougeLsum_baseline").(*array.Float64)
	outcome := col("outcome").(*array.Float64)
	for i, it := range rep.PerItem {
		assert.Equal(t, it.ID, ids.Value(i))
		assert.Equal(t, it.BLEU, bleuFT.Value(i))
		assert.Equal(t, it.BaselineRouge[1], rougeBase.Value(i))
		assert.Equal(t, it.Outcome, outcome.Value(i))
	}
	assert.Equal(t, "q01", ids.Value(0))
	assert.Equal(t, "q04", ids.Value(2), "q03 is excluded")

	// PNG: decodes, one panel per metric.
	pf, err := os.Open(filepath.Join(dir, BootstrapPlot))
	require.NoError(t, err)
	defer pf.Close()
	img, err := png.Decode(pf)
	require.NoError(t, err)
	b := img.Bounds()
	assert.Equal(t, 605, b.Dx(), "16 cm at 96 dpi")
	assert.InDelta(t, 4*264.6, float64(b.Dy()), 4, "7 cm per panel")

	// A failed write leaves no partial file: the directory must be writable.
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 4, "no temporary files left")
}

func TestSampleGolden(t *testing.T) {
	s, err := Sample(context.Background(), ScoreInput{Predictions: tunedFile, Baseline: baseFile}, SampleOptions{N: 5, Now: fixedNow})
	require.NoError(t, err)
	var md bytes.Buffer
	require.NoError(t, s.WriteMarkdown(&md))
	scoreGolden(t, "finetune_reviews.md.golden", md.Bytes())

	require.Len(t, s.Drawn, 5)
	// One item per stratum of 4 consecutive ranks, lowest first.
	for i, r := range s.Rank {
		assert.Equal(t, i, (r-1)/4, "rank %d in stratum %d", r, i)
	}
	for i := 1; i < len(s.Drawn); i++ {
		assert.LessOrEqual(t, s.Drawn[i-1].Rouge[0], s.Drawn[i].Rouge[0])
	}
}

func TestSample(t *testing.T) {
	t.Run("fewer items than n: all, in score order", func(t *testing.T) {
		s, err := Sample(context.Background(), ScoreInput{Predictions: tunedFile, Exclude: excludeTxt}, SampleOptions{})
		require.NoError(t, err)
		assert.Len(t, s.Drawn, 18)
		var md bytes.Buffer
		require.NoError(t, s.WriteMarkdown(&md))
		assert.Contains(t, md.String(), "all 18 items (fewer than the 50 asked for)")
		assert.NotContains(t, md.String(), "Baseline prediction")
		assert.Equal(t, 18*3, strings.Count(md.String(), "- [ ] "), "three verdict boxes per item")
	})
	t.Run("seeded", func(t *testing.T) {
		draw := func(seed uint64) []int {
			s, err := Sample(context.Background(), ScoreInput{Predictions: tunedFile}, SampleOptions{N: 6, Seed: seed})
			require.NoError(t, err)
			return s.Rank
		}
		assert.Equal(t, draw(3), draw(3))
		differs := false
		for seed := uint64(4); seed < 10 && !differs; seed++ {
			differs = fmt.Sprint(draw(seed)) != fmt.Sprint(draw(3))
		}
		assert.True(t, differs, "other seeds draw other items")
	})
	t.Run("bad options", func(t *testing.T) {
		_, err := Sample(context.Background(), ScoreInput{Predictions: tunedFile}, SampleOptions{N: -1})
		require.ErrorIs(t, err, ErrScoreConfig)
		_, err = Sample(context.Background(), ScoreInput{Predictions: tunedFile}, SampleOptions{Metric: "meteor"})
		require.ErrorIs(t, err, ErrScoreConfig)
	})
}

func TestScoreOptionsFromConfig(t *testing.T) {
	c, err := Load("testdata/lora.yaml")
	require.NoError(t, err)
	metrics, gates, baseline := ScoreOptionsFromConfig(c)
	assert.Equal(t, []string{"bleu", "rougeL", "winrate"}, metrics)
	require.Len(t, gates, 2)
	assert.Equal(t, filepath.Join("testdata", "results", "baseline", "predictions.jsonl"), baseline)
}

// genPredictions writes n generated items of the fine-tuned model and a baseline,
// seeded, and returns their paths and total size.
func genPredictions(tb testing.TB, n int) (tuned, base string, size int64) {
	tb.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	words := strings.Fields("the a to of and in is you your we our for on with can please order account password refund delivery invoice support team days email settings")
	sentence := func(k int) string {
		w := make([]string, k)
		for i := range w {
			w[i] = words[r.IntN(len(words))]
		}
		return strings.Join(w, " ")
	}
	var tb1, tb2 bytes.Buffer
	for i := range n {
		label := sentence(8 + r.IntN(20))
		lw := strings.Fields(label)
		tunedPred := strings.Join(lw[:len(lw)*3/4], " ") + " " + sentence(3)
		basePred := sentence(10 + r.IntN(10))
		input := fmt.Sprintf("question %d: %s", i, sentence(10))
		fmt.Fprintf(&tb1, `{"id": "e%d", "input": %q, "pred": %q, "label": %q}`+"\n", i, input, tunedPred, label)
		fmt.Fprintf(&tb2, `{"id": "e%d", "input": %q, "pred": %q, "label": %q}`+"\n", i, input, basePred, label)
	}
	dir := tb.TempDir()
	tuned, base = filepath.Join(dir, "tuned.jsonl"), filepath.Join(dir, "base.jsonl")
	require.NoError(tb, os.WriteFile(tuned, tb1.Bytes(), 0o644))
	require.NoError(tb, os.WriteFile(base, tb2.Bytes(), 0o644))
	return tuned, base, int64(tb1.Len() + tb2.Len())
}

// BenchmarkScore scores 10 000 generated items against a baseline: BLEU, ROUGE-L
// and the win rate with 1000 bootstrap resamples, gates, and every output file.
func BenchmarkScore(b *testing.B) {
	n := 10000
	if testing.Short() {
		n = 1000
	}
	tuned, base, size := genPredictions(b, n)
	dir := b.TempDir()
	gates := []Gate{{Metric: "bleu", MinDelta: fptr(0.5)}, {Metric: "winrate", Min: fptr(0.5)}}
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		rep, err := Score(context.Background(), ScoreInput{Predictions: tuned, Baseline: base}, ScoreOptions{Gates: gates})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := rep.WriteFiles(dir); err != nil {
			b.Fatal(err)
		}
		if math.IsNaN(rep.Metrics[0].FineTuned) {
			b.Fatal("NaN")
		}
	}
}
