package bleu_test

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sophia-ai/sophia-eval/bleu"
	"github.com/sophia-ai/sophia-eval/internal/benchcorpus"
)

// propertyCorpus is a seeded corpus of a few shards' worth of segments, so that the
// shard boundaries and the worker pool are exercised.
func propertyCorpus(t testing.TB) (hyps, refs, refs2 []string) {
	n := 3*bleu.ShardSize + 123
	if testing.Short() {
		n = bleu.ShardSize + 17
	}
	c := benchcorpus.Generate(7, n)
	return c.Hyp, c.Ref, c.Sys2
}

func TestMergeAnyGrouping(t *testing.T) {
	hyps, refs, _ := propertyCorpus(t)
	sc, err := bleu.New(bleu.Config{Workers: 1})
	require.NoError(t, err)
	segs := make([]bleu.Stats, len(hyps))
	var inOrder bleu.Stats
	for i := range hyps {
		segs[i] = sc.Segment(hyps[i], []string{refs[i]})
		inOrder.Merge(segs[i])
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 5 {
		// Random groups merged in random order.
		perm := rng.Perm(len(segs))
		var total bleu.Stats
		for len(perm) > 0 {
			k := 1 + rng.IntN(min(len(perm), 500))
			var group bleu.Stats
			for _, i := range perm[:k] {
				group.Merge(segs[i])
			}
			total.Merge(group)
			perm = perm[k:]
		}
		require.Equal(t, inOrder, total, "trial %d", trial)
		require.Equal(t, sc.Score(inOrder), sc.Score(total))
	}
	var empty bleu.Stats
	empty.Merge(inOrder)
	require.Equal(t, inOrder, empty, "merging into the zero Stats")
	inOrder.Merge(bleu.Stats{})
	require.Equal(t, empty, inOrder, "merging the zero Stats")
}

// sliceSource streams segments one at a time, as a file reader would.
type sliceSource struct {
	hyps, refs []string
	i          int
	buf        [1]string
}

func (s *sliceSource) Next() (string, []string, error) {
	if s.i == len(s.hyps) {
		return "", nil, io.EOF
	}
	s.buf[0] = s.refs[s.i]
	s.i++
	return s.hyps[s.i-1], s.buf[:], nil
}

func TestWorkersAndStreamingAgree(t *testing.T) {
	hyps, refs, refs2 := propertyCorpus(t)
	ctx := context.Background()
	for _, cfg := range []bleu.Config{{}, {Tokenize: "intl", Lowercase: true}, {Tokenize: "char", Smooth: bleu.SmoothAddK}} {
		var want bleu.Score
		for i, workers := range []int{1, 2, 3, 8} {
			cfg.Workers = workers
			sc, err := bleu.New(cfg)
			require.NoError(t, err)
			got, err := sc.Corpus(ctx, hyps, refs, refs2)
			require.NoError(t, err)
			if i == 0 {
				want = got
			}
			require.Equal(t, want, got, "workers=%d", workers)

			streamed, err := sc.CorpusFrom(ctx, &sliceSource{hyps: hyps, refs: refs})
			require.NoError(t, err)
			oneRef, err := sc.Corpus(ctx, hyps, refs)
			require.NoError(t, err)
			require.Equal(t, oneRef, streamed, "streaming vs in memory, workers=%d", workers)

			st, segs, err := sc.CorpusStats(ctx, &sliceSource{hyps: hyps, refs: refs}, true)
			require.NoError(t, err)
			require.Equal(t, len(hyps), segs.Len())
			for k := range segs.Len() {
				want := sc.Segment(hyps[k], []string{refs[k]})
				want.MinRefs, want.MaxRefs, want.TokenizedPeriods = 0, 0, 0
				if segs.At(k) != want {
					t.Fatalf("segment %d statistics differ from Segment, workers=%d", k, workers)
				}
			}
			sum := segs.Sum()
			sum.MinRefs, sum.MaxRefs, sum.TokenizedPeriods = st.MinRefs, st.MaxRefs, st.TokenizedPeriods
			require.Equal(t, st, sum, "the rows add up to the corpus statistics")
			require.Equal(t, oneRef, sc.Score(st))
		}
	}
}

func TestSentencesInOrder(t *testing.T) {
	hyps, refs, _ := propertyCorpus(t)
	perSeg := make([][]string, len(hyps))
	for i := range refs {
		perSeg[i] = []string{refs[i]}
	}
	for _, workers := range []int{1, 4} {
		sc, err := bleu.New(bleu.Config{EffectiveOrder: true, Workers: workers})
		require.NoError(t, err)
		next := 0
		err = sc.Sentences(context.Background(), hyps, perSeg, func(i int, s bleu.Score) error {
			require.Equal(t, next, i)
			require.Equal(t, sc.Sentence(hyps[i], perSeg[i]), s)
			next++
			return nil
		})
		require.NoError(t, err)
		require.Equal(t, len(hyps), next)

		stop := errors.New("stop")
		calls := 0
		err = sc.Sentences(context.Background(), hyps, perSeg, func(int, bleu.Score) error {
			calls++
			if calls == 10 {
				return stop
			}
			return nil
		})
		require.ErrorIs(t, err, stop)
		require.Equal(t, 10, calls, "no call after the callback's error")
	}
}

func TestResamplingIndependentOfWorkers(t *testing.T) {
	c := benchcorpus.Generate(11, 600)
	ctx := context.Background()
	var want []any
	for i, workers := range []int{1, 2, 5} {
		sc, err := bleu.New(bleu.Config{Workers: workers})
		require.NoError(t, err)
		_, base, err := sc.CorpusStats(ctx, mustStreams(t, c.Hyp, c.Ref), true)
		require.NoError(t, err)
		_, sys, err := sc.CorpusStats(ctx, mustStreams(t, c.Sys2, c.Ref), true)
		require.NoError(t, err)
		iv, err := sc.Bootstrap(ctx, base, bleu.Resample{N: 100})
		require.NoError(t, err)
		bs, err := sc.PairedBootstrap(ctx, base, []bleu.SegmentStats{sys}, bleu.Resample{N: 100, Seed: "7"})
		require.NoError(t, err)
		ar, err := sc.PairedAR(ctx, base, []bleu.SegmentStats{sys}, bleu.Resample{N: 300})
		require.NoError(t, err)
		got := []any{iv, bs, ar}
		if i == 0 {
			want = got
		}
		require.Equal(t, want, got, "workers=%d", workers)
	}
}

func mustStreams(t *testing.T, hyps []string, refs ...[]string) bleu.Source {
	t.Helper()
	src, err := bleu.Streams(hyps, refs...)
	require.NoError(t, err)
	return src
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	for _, c := range []bleu.Config{
		{Tokenize: "ja-mecab"}, {Smooth: "laplace"}, {Smooth: bleu.SmoothFloor, SmoothValue: -1},
		{MaxOrder: bleu.MaxOrderLimit + 1}, {MaxOrder: -1}, {Workers: -2},
	} {
		_, err := bleu.New(c)
		require.Error(t, err, "%+v", c)
		require.True(t, errors.Is(err, bleu.ErrConfig) || errors.Is(err, bleu.ErrUnknownTokenizer), "%v", err)
	}
	sc, err := bleu.New(bleu.Config{})
	require.NoError(t, err)
	_, err = sc.Corpus(ctx, []string{"a", "b"}, []string{"a"})
	require.ErrorIs(t, err, bleu.ErrLengthMismatch)
	_, err = sc.Corpus(ctx, []string{"a"})
	require.ErrorIs(t, err, bleu.ErrNoReference)
	src, err := bleu.Segments([]string{"a", "b"}, [][]string{{"a"}, nil})
	require.NoError(t, err)
	_, err = sc.CorpusFrom(ctx, src)
	require.ErrorIs(t, err, bleu.ErrNoReference)
	require.ErrorContains(t, err, "segment 2")

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	hyps, refs, _ := propertyCorpus(t)
	_, err = sc.Corpus(cancelled, hyps, refs)
	require.ErrorIs(t, err, context.Canceled)

	_, err = sc.Bootstrap(ctx, bleu.SegmentStats{}, bleu.Resample{})
	require.ErrorIs(t, err, bleu.ErrConfig)
	var one bleu.SegmentStats
	one.Append(sc.Segment("a", []string{"a"}))
	_, err = sc.Bootstrap(ctx, one, bleu.Resample{Seed: "twelve"})
	require.ErrorIs(t, err, bleu.ErrConfig)
	_, err = sc.Bootstrap(ctx, bleu.SegmentStats{Order: 3, Rows: make([]int32, 8)}, bleu.Resample{})
	require.ErrorIs(t, err, bleu.ErrConfig, "order mismatch")
}

// TestPairedSeedZero checks sacreBLEU's seed-0 quirk: the paired systems are drawn
// unseeded, but the baseline's interval keeps seed 0.
func TestPairedSeedZero(t *testing.T) {
	c := benchcorpus.Generate(5, 300)
	ctx := context.Background()
	sc, err := bleu.New(bleu.Config{})
	require.NoError(t, err)
	_, base, err := sc.CorpusStats(ctx, mustStreams(t, c.Hyp, c.Ref), true)
	require.NoError(t, err)
	_, sys, err := sc.CorpusStats(ctx, mustStreams(t, c.Sys2, c.Ref), true)
	require.NoError(t, err)
	iv, err := sc.Bootstrap(ctx, base, bleu.Resample{N: 200, Seed: "0"})
	require.NoError(t, err)
	res, err := sc.PairedBootstrap(ctx, base, []bleu.SegmentStats{sys}, bleu.Resample{N: 200, Seed: "0"})
	require.NoError(t, err)
	require.Equal(t, "0", res.Seed)
	require.Equal(t, iv.CI, *res.Baseline.CI, "the baseline's interval uses seed 0")
	seeded, err := sc.PairedBootstrap(ctx, base, []bleu.SegmentStats{sys}, bleu.Resample{N: 200, Seed: "1"})
	require.NoError(t, err)
	require.NotEqual(t, seeded.Systems[0].Mean, res.Systems[0].Mean)
}
