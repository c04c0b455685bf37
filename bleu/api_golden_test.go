package bleu_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sophia-ai/sophia-eval/bleu"
)

// apiCase is one line of testdata/bleu/api/cases.jsonl, made by sacreBLEU's Python API
// (testdata/gen/bleu_api.py).
type apiCase struct {
	Name   string `json:"name"`
	Mode   string `json:"mode"`
	Config struct {
		Tokenize       string   `json:"tokenize"`
		Lowercase      bool     `json:"lowercase"`
		SmoothMethod   string   `json:"smooth_method"`
		SmoothValue    *float64 `json:"smooth_value"`
		MaxNgramOrder  int      `json:"max_ngram_order"`
		EffectiveOrder bool     `json:"effective_order"`
	} `json:"config"`
	Hyps   json.RawMessage   `json:"hyps"`
	Refs   []json.RawMessage `json:"refs"`
	Error  string            `json:"error"`
	Result *struct {
		Score          float64   `json:"score"`
		Counts         []float64 `json:"counts"`
		Totals         []float64 `json:"totals"`
		Precisions     []float64 `json:"precisions"`
		BP             float64   `json:"bp"`
		SysLen         int64     `json:"sys_len"`
		RefLen         int64     `json:"ref_len"`
		Signature      string    `json:"signature"`
		SignatureShort string    `json:"signature_short"`
		Format         string    `json:"format"`
		FormatWidth3   string    `json:"format_width3"`
	} `json:"result"`
}

const goldenDir = "../testdata/bleu"

// readSegments reads a golden stream: a path (split on "\n" only, nothing stripped,
// no extra segment after a final newline) or an inline list whose null items are
// absent references.
func readSegments(t *testing.T, raw json.RawMessage) []*string {
	t.Helper()
	var path string
	if json.Unmarshal(raw, &path) == nil {
		b, err := os.ReadFile(filepath.Join(goldenDir, path))
		require.NoError(t, err)
		s := strings.TrimSuffix(string(b), "\n")
		var out []*string
		for _, l := range strings.Split(s, "\n") {
			out = append(out, &l)
		}
		return out
	}
	var list []*string
	require.NoError(t, json.Unmarshal(raw, &list))
	return list
}

func loadAPICases(t *testing.T) []apiCase {
	t.Helper()
	f, err := os.Open(filepath.Join(goldenDir, "api", "cases.jsonl"))
	require.NoError(t, err)
	defer f.Close()
	var cases []apiCase
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var c apiCase
		require.NoError(t, json.Unmarshal(sc.Bytes(), &c))
		cases = append(cases, c)
	}
	require.NoError(t, sc.Err())
	require.NotEmpty(t, cases)
	return cases
}

// TestAPIGoldens compares corpus and sentence scores with sacreBLEU's API on every
// case of testdata/bleu/api/cases.jsonl.
func TestAPIGoldens(t *testing.T) {
	for _, c := range loadAPICases(t) {
		t.Run(c.Name, func(t *testing.T) {
			cfg := bleu.Config{
				Tokenize:       c.Config.Tokenize,
				Lowercase:      c.Config.Lowercase,
				Smooth:         c.Config.SmoothMethod,
				MaxOrder:       c.Config.MaxNgramOrder,
				EffectiveOrder: c.Config.EffectiveOrder,
			}
			if c.Config.SmoothValue != nil {
				cfg.SmoothValue = *c.Config.SmoothValue
			}
			sc, err := bleu.New(cfg)
			require.NoError(t, err)

			hypPtrs := readSegments(t, c.Hyps)
			hyps := make([]string, len(hypPtrs))
			for i, h := range hypPtrs {
				hyps[i] = *h
			}
			refs := make([][]string, len(hyps))
			for _, raw := range c.Refs {
				stream := readSegments(t, raw)
				require.Len(t, stream, len(hyps), "reference stream length")
				for i, r := range stream {
					if r != nil {
						refs[i] = append(refs[i], *r)
					}
				}
			}

			var got bleu.Score
			if c.Mode == "sentence" {
				require.Len(t, hyps, 1)
				if len(refs[0]) == 0 {
					require.NotEmpty(t, c.Error)
					return
				}
				got = sc.Sentence(hyps[0], refs[0])
			} else {
				src, err := bleu.Segments(hyps, refs)
				require.NoError(t, err)
				got, err = sc.CorpusFrom(context.Background(), src)
				if c.Result == nil || hasEmpty(refs) {
					// sacreBLEU raises TypeError for a segment without any
					// reference, or (empty hypothesis) adds -1 to ref_len; both
					// are ErrNoReference here.
					require.True(t, errors.Is(err, bleu.ErrNoReference), "want ErrNoReference, got %v", err)
					return
				}
				require.NoError(t, err)
			}
			want := c.Result
			require.NotNil(t, want, "sacreBLEU raised %s", c.Error)
			assert.Equal(t, want.Score, got.Score, "score (bit for bit)")
			assert.Equal(t, want.Counts, got.Counts, "counts")
			assert.Equal(t, want.Totals, got.Totals, "totals")
			require.Len(t, got.Precisions, len(want.Precisions))
			for i := range want.Precisions {
				assert.Equal(t, want.Precisions[i], got.Precisions[i], "precision %d", i+1)
			}
			assert.Equal(t, want.BP, got.BP, "bp")
			assert.Equal(t, want.SysLen, got.SysLen, "sys_len")
			assert.Equal(t, want.RefLen, got.RefLen, "ref_len")
			assert.Equal(t, want.Signature, got.Signature.String(), "signature")
			assert.Equal(t, want.SignatureShort, got.Signature.Short(), "short signature")
			assert.Equal(t, want.Format, got.Format(2, false, ""), "format()")
			assert.Equal(t, want.FormatWidth3, got.Format(3, false, ""), "format(width=3)")
		})
	}
}

func hasEmpty(refs [][]string) bool {
	for _, r := range refs {
		if len(r) == 0 {
			return true
		}
	}
	return false
}
