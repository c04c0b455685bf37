package rouge_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sophia-ai/sophia-eval/rouge"
)

// corpus makes n seeded items with multi-line texts and, for every third, two or three
// references.
func corpus(seed uint64, n int) (preds []string, refs [][]string) {
	rng := rand.New(rand.NewPCG(seed, 1))
	words := strings.Fields("the a cat dog sat ran on in mat house running runs happiness happy nations national cries ties days news sky dying 1990s")
	text := func() string {
		var sents []string
		for range rng.IntN(5) {
			var ws []string
			for range rng.IntN(20) {
				ws = append(ws, words[rng.IntN(len(words))])
			}
			sents = append(sents, strings.Join(ws, " ")+".")
		}
		return strings.Join(sents, "\n")
	}
	for i := range n {
		preds = append(preds, text())
		r := []string{text()}
		if i%3 == 0 {
			for range 1 + rng.IntN(2) {
				r = append(r, text())
			}
		}
		refs = append(refs, r)
	}
	return preds, refs
}

func TestWorkersAndMergeAgree(t *testing.T) {
	n := 3*rouge.ShardSize + 17
	if testing.Short() {
		n = rouge.ShardSize + 5
	}
	preds, refs := corpus(3, n)
	ctx := context.Background()
	var wantMean []rouge.Score
	var wantItems *rouge.Items
	for i, workers := range []int{1, 2, 5} {
		sc, err := rouge.New(rouge.Config{Types: []string{"rouge1", "rouge2", "rougeL", "rougeLsum"}, Stem: true, Workers: workers})
		require.NoError(t, err)
		src, err := rouge.Pairs(preds, refs)
		require.NoError(t, err)
		st, items, err := sc.CorpusStats(ctx, src, true)
		require.NoError(t, err)
		require.Equal(t, int64(n), st.Items)
		if i == 0 {
			wantMean, wantItems = st.Mean(), items
			// Every item's scores are Segment's.
			for k := range n {
				r := sc.Segment(preds[k], refs[k])
				for ty := range r.Scores {
					require.Equal(t, r.Scores[ty], items.Score(k, ty))
					require.Equal(t, int32(r.Refs[ty]), items.Refs[k*len(r.Scores)+ty])
				}
			}
			// Stats merged from shards in another grouping give the same mean.
			var merged rouge.Stats
			for lo := 0; lo < n; lo += 100 {
				hi := min(lo+100, n)
				src, _ := rouge.Pairs(preds[lo:hi], refs[lo:hi])
				part, _, err := sc.CorpusStats(ctx, src, false)
				require.NoError(t, err)
				merged.Merge(&part)
			}
			require.Equal(t, wantMean, merged.Mean())
			continue
		}
		require.Equal(t, wantMean, st.Mean(), "workers=%d", workers)
		require.Equal(t, wantItems, items, "workers=%d", workers)
	}
}

func TestErrors(t *testing.T) {
	for _, tt := range []struct {
		types []string
		msg   string
	}{
		{[]string{"rouge0"}, "rougen requires positive n: rouge0"},
		{[]string{"rouge10"}, "invalid rouge type: rouge10"},
		{[]string{"ROUGE1"}, "invalid rouge type: ROUGE1"},
	} {
		_, err := rouge.New(rouge.Config{Types: tt.types})
		require.ErrorIs(t, err, rouge.ErrConfig)
		require.ErrorContains(t, err, tt.msg)
	}
	for _, c := range []rouge.Config{{Tokenizer: "spacy"}, {Split: "nltk"}, {Workers: -1}} {
		_, err := rouge.New(c)
		require.ErrorIs(t, err, rouge.ErrConfig)
	}
	sc, err := rouge.New(rouge.Config{})
	require.NoError(t, err)
	src, err := rouge.Pairs([]string{"a", "b"}, [][]string{{"a"}, nil})
	require.NoError(t, err)
	_, _, err = sc.CorpusStats(context.Background(), src, false)
	require.ErrorIs(t, err, rouge.ErrNoReference)
	require.ErrorContains(t, err, "item 2")
	_, err = rouge.Pairs([]string{"a"}, nil)
	require.ErrorIs(t, err, rouge.ErrLengthMismatch)

	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	preds, refs := corpus(1, 1000)
	src, _ = rouge.Pairs(preds, refs)
	_, _, err = sc.CorpusStats(cancelled, src, false)
	require.True(t, errors.Is(err, context.Canceled))

	var items rouge.Items
	_, err = rouge.Bootstrap(&items, rouge.BootstrapConfig{})
	require.ErrorIs(t, err, rouge.ErrConfig)
	_, err = rouge.Bootstrap(&items, rouge.BootstrapConfig{Samples: 10, Confidence: 1.5})
	require.ErrorIs(t, err, rouge.ErrConfig)
}

// TestEdgeCases pins rouge-score's zero cases.
func TestEdgeCases(t *testing.T) {
	sc, err := rouge.New(rouge.Config{Types: []string{"rouge1", "rouge2", "rougeL", "rougeLsum"}})
	require.NoError(t, err)
	zero := []rouge.Score{{}, {}, {}, {}}
	require.Equal(t, zero, sc.Segment("", []string{"a b c"}).Scores)
	require.Equal(t, zero, sc.Segment("a b c", []string{""}).Scores)
	require.Equal(t, zero, sc.Segment("!!!", []string{"???"}).Scores)
	r := sc.Segment("a", []string{"a"})
	require.Equal(t, rouge.Score{Precision: 1, Recall: 1, FMeasure: 1}, r.Scores[0])
	require.Equal(t, rouge.Score{}, r.Scores[1], "fewer tokens than n")
	// rouge-score's (2·P·R)/(P+R) in that order: 0.666…665, not …666.
	r = sc.Segment("the the the the", []string{"the cat the dog the"})
	require.Equal(t, 0.6666666666666665, r.Scores[0].FMeasure)
	// No reference: zeros (the corpus functions reject it).
	require.Equal(t, zero, sc.Segment("a", nil).Scores)
}
