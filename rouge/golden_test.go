package rouge_test

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sophia-ai/sophia-eval/rouge"
)

// A goldenCase is one line of testdata/rouge/cases.jsonl, made by rouge-score 0.1.2
// (testdata/gen/rouge_golden.py).
type goldenCase struct {
	Name      string                 `json:"name"`
	Types     []string               `json:"types"`
	Stem      bool                   `json:"stem"`
	Items     []goldenItem           `json:"items"`
	Corpus    string                 `json:"corpus"`
	Start     int                    `json:"start"`
	Stop      int                    `json:"stop"`
	Scores    []map[string][]float64 `json:"scores"`
	Refs      []map[string]int       `json:"refs"`
	Mean      map[string][]float64   `json:"mean"`
	Aggregate []struct {
		Types    []string                        `json:"types"`
		Seed     uint32                          `json:"seed"`
		NSamples int                             `json:"n_samples"`
		CI       float64                         `json:"ci"`
		Result   map[string]map[string][]float64 `json:"result"`
		Error    *struct{ Type, Message string } `json:"error"`
	} `json:"aggregate"`
	Error *struct{ Type, Message string } `json:"error"`
}

type goldenItem struct {
	Prediction string          `json:"prediction"`
	Label      json.RawMessage `json:"label"`
}

func (it goldenItem) refs(t *testing.T) []string {
	var one string
	if json.Unmarshal(it.Label, &one) == nil {
		return []string{one}
	}
	var many []string
	require.NoError(t, json.Unmarshal(it.Label, &many))
	return many
}

const goldenDir = "../testdata/rouge"

func readJSONL[T any](t *testing.T, path string) []T {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var out []T
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<26)
	for sc.Scan() {
		var v T
		require.NoError(t, json.Unmarshal(sc.Bytes(), &v))
		out = append(out, v)
	}
	require.NoError(t, sc.Err())
	return out
}

func triple(s rouge.Score) []float64 { return []float64{s.Precision, s.Recall, s.FMeasure} }

// TestGoldens compares every item's scores (==), the chosen reference, the plain mean
// and every bootstrap aggregate with rouge-score's.
func TestGoldens(t *testing.T) {
	cases := readJSONL[goldenCase](t, filepath.Join(goldenDir, "cases.jsonl"))
	require.NotEmpty(t, cases)
	corpora := map[string][]goldenItem{}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			items := c.Items
			if c.Corpus != "" {
				if corpora[c.Corpus] == nil {
					corpora[c.Corpus] = readJSONL[goldenItem](t, filepath.Join(goldenDir, c.Corpus))
				}
				items = corpora[c.Corpus][c.Start:c.Stop]
			}
			sc, err := rouge.New(rouge.Config{Types: c.Types, Stem: c.Stem})
			if c.Error != nil {
				if err != nil {
					require.ErrorContains(t, err, strings.ToLower(c.Error.Message[:1])+c.Error.Message[1:])
					return
				}
				// rouge-score raises while scoring: an item without references.
				preds, refs := split(t, items)
				src, err := rouge.Pairs(preds, refs)
				require.NoError(t, err)
				_, _, err = sc.CorpusStats(context.Background(), src, false)
				require.ErrorIs(t, err, rouge.ErrNoReference, "rouge-score: %s", c.Error.Message)
				return
			}
			require.NoError(t, err)
			preds, refs := split(t, items)
			src, err := rouge.Pairs(preds, refs)
			require.NoError(t, err)
			st, got, err := sc.CorpusStats(context.Background(), src, true)
			require.NoError(t, err)
			require.Equal(t, len(c.Scores), got.Len())
			for i, want := range c.Scores {
				for k, ty := range sc.Types() {
					require.Equal(t, want[ty], triple(got.Score(i, k)), "item %d %s", i, ty)
					if c.Refs != nil && c.Refs[i] != nil {
						require.Equal(t, int32(c.Refs[i][ty]), got.Refs[i*len(c.Types)+k], "item %d %s reference", i, ty)
					}
				}
			}
			mean := st.Mean()
			for k, ty := range sc.Types() {
				require.Equal(t, c.Mean[ty], triple(mean[k]), "mean %s", ty)
			}
			for _, agg := range c.Aggregate {
				if agg.NSamples == 0 {
					// rouge-score rejects n_samples=0; here Samples 0 means the
					// default, 1000 (BootstrapConfig's zero value).
					continue
				}
				asc, err := rouge.New(rouge.Config{Types: agg.Types, Stem: c.Stem})
				require.NoError(t, err)
				src, _ := rouge.Pairs(preds, refs)
				_, aitems, err := asc.CorpusStats(context.Background(), src, true)
				require.NoError(t, err)
				iv, err := rouge.Bootstrap(aitems, rouge.BootstrapConfig{Samples: agg.NSamples, Confidence: agg.CI, Seed: agg.Seed})
				if agg.Error != nil {
					require.ErrorIs(t, err, rouge.ErrConfig, "rouge-score: %s", agg.Error.Message)
					continue
				}
				require.NoError(t, err)
				for k, ty := range agg.Types {
					w := agg.Result[ty]
					require.Equal(t, w["low"], triple(iv[k].Low), "seed %d n %d ci %v %s low", agg.Seed, agg.NSamples, agg.CI, ty)
					require.Equal(t, w["mid"], triple(iv[k].Mid), "seed %d n %d ci %v %s mid", agg.Seed, agg.NSamples, agg.CI, ty)
					require.Equal(t, w["high"], triple(iv[k].High), "seed %d n %d ci %v %s high", agg.Seed, agg.NSamples, agg.CI, ty)
				}
			}
		})
	}
}

func split(t *testing.T, items []goldenItem) ([]string, [][]string) {
	preds := make([]string, len(items))
	refs := make([][]string, len(items))
	for i, it := range items {
		preds[i] = it.Prediction
		refs[i] = it.refs(t)
	}
	return preds, refs
}
