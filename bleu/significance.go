package bleu

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/sophia-ai/sophia-eval/internal/nprand"
	"github.com/sophia-ai/sophia-eval/internal/pyfloat"
	"github.com/sophia-ai/sophia-eval/internal/shard"
)

// Defaults of the statistical tests, as in sacreBLEU.
const (
	DefaultBootstrap = 1000    // bootstrap resamples
	DefaultTrials    = 10000   // approximate-randomization trials
	DefaultSeed      = "12345" // seed of the random stream
)

// Resample configures a bootstrap or randomization test.
type Resample struct {
	// N is the number of bootstrap resamples or randomization trials. Default (when
	// 0): DefaultBootstrap, or DefaultTrials for PairedAR.
	N int
	// Seed is the seed of numpy's default_rng, as sacreBLEU's SACREBLEU_SEED: a
	// non-negative integer, or "none" for an unseeded, irreproducible stream.
	// Default: DefaultSeed.
	Seed string
}

// seed parses r.Seed. It returns the generator constructor and the seed as the
// signature spells it.
func (r Resample) seed() (seed uint64, random bool, sig string, err error) {
	s := r.Seed
	if s == "" {
		s = DefaultSeed
	}
	if strings.EqualFold(s, "none") {
		return 0, true, "none", nil
	}
	seed, err = strconv.ParseUint(strings.ReplaceAll(strings.TrimSpace(s), "_", ""), 10, 64)
	if err != nil {
		return 0, false, "", fmt.Errorf("%w: seed %q is not a non-negative integer or \"none\"", ErrConfig, r.Seed)
	}
	return seed, false, strings.ToLower(s), nil
}

func newGenerator(seed uint64, random bool) *nprand.Generator {
	if random {
		return nprand.NewUnseeded()
	}
	return nprand.New(seed)
}

// Interval is a bootstrap estimate of a system's score.
type Interval struct {
	// Mean is the mean of the resampled scores.
	Mean float64
	// CI is the half-width of the 95% interval: half the distance between the
	// resampled scores at ranks ⌊n/40⌋ and n-1-⌊n/40⌋.
	CI float64
	// Scores are the resampled scores, in resample order.
	Scores []float64
	// N is the number of resamples and Seed the seed as the signature shows it.
	N    int
	Seed string
}

// PairedResult is one system's row of a paired test. Nil fields were not computed.
type PairedResult struct {
	Score  float64  // corpus BLEU
	PValue *float64 // p-value against the baseline; nil for the baseline itself
	Mean   *float64 // bootstrap mean (paired bootstrap only)
	CI     *float64 // bootstrap 95% CI half-width (paired bootstrap only)
}

// Paired is the result of a paired significance test.
type Paired struct {
	Baseline PairedResult
	Systems  []PairedResult
	// N is the number of resamples or trials and Seed the seed as the signature
	// shows it.
	N    int
	Seed string
}

// packed holds per-segment statistics as rows of 2+2·order int32 columns:
// [hyp_len, ref_len, correct_1..N, total_1..N], sacreBLEU's layout.
type packed struct {
	cols int
	data []int32
}

func (sc *Scorer) pack(segs []Stats) packed {
	order := sc.cfg.MaxOrder
	p := packed{cols: 2 + 2*order, data: make([]int32, 0, len(segs)*(2+2*order))}
	for _, s := range segs {
		p.data = append(p.data, int32(s.HypLen), int32(s.RefLen))
		for n := range order {
			p.data = append(p.data, int32(s.Correct[n]))
		}
		for n := range order {
			p.data = append(p.data, int32(s.Total[n]))
		}
	}
	return p
}

// scoreSums scores summed statistics in sacreBLEU's resampling arithmetic: the sums
// are float32 in sacreBLEU, which is exact for the whole numbers below 2^24 that
// counts are, and add-k adds k in float32.
func (sc *Scorer) scoreSums(sum []int64, f32 bool) float64 {
	order := sc.cfg.MaxOrder
	var counts, totals, prec [MaxOrderLimit]float64
	for n := range order {
		counts[n] = float64(sum[2+n])
		totals[n] = float64(sum[2+order+n])
	}
	var bp float64
	return scoreInto(sc.cfg, counts[:order], totals[:order], prec[:order], float64(sum[0]), float64(sum[1]), f32, &bp)
}

// resampleBlock is the number of resamples a worker scores at a time.
const resampleBlock = 16

// bootstrapScores draws n resamples of the segments with numpy's
// rng.choice(len(segs), size=(n, len(segs))) and returns, for each system in sys, the
// scores of its statistics summed over each resample. All systems see the same
// resamples, as in sacreBLEU's paired bootstrap.
func (sc *Scorer) bootstrapScores(ctx context.Context, g *nprand.Generator, n int, sys []packed) ([][]float64, error) {
	nseg := len(sys[0].data) / sys[0].cols
	cols := sys[0].cols
	out := make([][]float64, len(sys))
	for i := range out {
		out[i] = make([]float64, n)
	}
	draw := g.NewBounded(uint64(nseg))
	type block struct {
		first, count int
		idx          []int32
	}
	done := 0
	fill := func(b *block) (bool, error) {
		if done >= n {
			return false, nil
		}
		b.first, b.count = done, min(resampleBlock, n-done)
		if cap(b.idx) < b.count*nseg {
			b.idx = make([]int32, resampleBlock*nseg)
		}
		b.idx = b.idx[:b.count*nseg]
		draw.FillInt32(b.idx)
		done += b.count
		return true, nil
	}
	work := func(b *block) struct{} {
		sum := make([]int64, cols)
		for r := range b.count {
			row := b.idx[r*nseg : (r+1)*nseg]
			for s, p := range sys {
				clear(sum)
				for _, i := range row {
					seg := p.data[int(i)*cols : int(i)*cols+cols]
					for c, v := range seg {
						sum[c] += int64(v)
					}
				}
				out[s][b.first+r] = sc.scoreSums(sum, true)
			}
		}
		return struct{}{}
	}
	err := shard.Run(ctx, sc.cfg.Workers, func() *block { return new(block) }, fill, work, func(struct{}) {})
	return out, err
}

// estimateCI returns sacreBLEU's significance.estimate_ci of scores: numpy's mean of
// the sorted scores and the 95% half-width.
func estimateCI(scores []float64) (mean, ci float64) {
	sorted := slices.Clone(scores)
	slices.Sort(sorted)
	lo := len(sorted) / 40
	hi := len(sorted) - lo - 1
	return pyfloat.NumpyMean(sorted), 0.5 * (sorted[hi] - sorted[lo])
}

// Bootstrap estimates the 95% confidence interval of a single system's score from its
// per-segment statistics (from CorpusStats) with sacreBLEU's bootstrap: resample
// indices from numpy's default_rng(seed), and the mean as Python's statistics.mean.
func (sc *Scorer) Bootstrap(ctx context.Context, segs []Stats, r Resample) (Interval, error) {
	if r.N == 0 {
		r.N = DefaultBootstrap
	}
	if r.N < 1 || len(segs) == 0 {
		return Interval{}, fmt.Errorf("%w: bootstrap needs resamples and segments (got %d and %d)", ErrConfig, r.N, len(segs))
	}
	seed, random, sig, err := r.seed()
	if err != nil {
		return Interval{}, err
	}
	scores, err := sc.bootstrapScores(ctx, newGenerator(seed, random), r.N, []packed{sc.pack(segs)})
	if err != nil {
		return Interval{}, err
	}
	iv := Interval{Scores: scores[0], N: r.N, Seed: sig}
	_, iv.CI = estimateCI(iv.Scores)
	iv.Mean = pyfloat.StatisticsMean(iv.Scores)
	return iv, nil
}

func (sc *Scorer) checkPaired(base []Stats, systems [][]Stats, r *Resample, def int) error {
	if r.N == 0 {
		r.N = def
	}
	if r.N < 1 {
		return fmt.Errorf("%w: %d resamples or trials", ErrConfig, r.N)
	}
	if len(base) == 0 {
		return fmt.Errorf("%w: no segments", ErrConfig)
	}
	for i, s := range systems {
		if len(s) != len(base) {
			return fmt.Errorf("%w: baseline has %d segments, system %d has %d", ErrLengthMismatch, len(base), i+1, len(s))
		}
	}
	return nil
}

func merged(segs []Stats) Stats {
	var t Stats
	for _, s := range segs {
		t.Merge(s)
	}
	return t
}

func ptr(x float64) *float64 { return &x }

// PairedBootstrap runs sacreBLEU's paired bootstrap resampling test of each system
// against the baseline (Koehn, 2004): every system and the baseline are scored on the
// same r.N resamples; the p-value of a system is the share of resamples whose
// centred absolute score difference exceeds the actual difference.
func (sc *Scorer) PairedBootstrap(ctx context.Context, base []Stats, systems [][]Stats, r Resample) (Paired, error) {
	if err := sc.checkPaired(base, systems, &r, DefaultBootstrap); err != nil {
		return Paired{}, err
	}
	seed, random, _, err := r.seed()
	if err != nil {
		return Paired{}, err
	}
	res := Paired{N: r.N, Seed: seedString(seed, random)}

	all := make([]packed, 0, 1+len(systems))
	all = append(all, sc.pack(base))
	for _, s := range systems {
		all = append(all, sc.pack(s))
	}
	// sacreBLEU seeds the generator of the paired test with None when the seed is 0;
	// the baseline's interval always uses the seed as given.
	scores, err := sc.bootstrapScores(ctx, newGenerator(seed, random || seed == 0), r.N, all)
	if err != nil {
		return Paired{}, err
	}
	baseScores := scores[0]
	if seed == 0 && !random {
		// The baseline's own resampling used seed 0.
		b, err := sc.bootstrapScores(ctx, nprand.New(0), r.N, all[:1])
		if err != nil {
			return Paired{}, err
		}
		baseScores = b[0]
	}
	baseScore := sc.Score(merged(base)).Score
	m, ci := estimateCI(baseScores)
	res.Baseline = PairedResult{Score: baseScore, Mean: ptr(m), CI: ptr(ci)}

	diffs := make([]float64, r.N)
	for k, s := range systems {
		sysScore := sc.Score(merged(s)).Score
		delta := abs(baseScore - sysScore)
		sysScores := scores[k+1]
		for i := range diffs {
			diffs[i] = abs(sysScores[i] - scores[0][i])
		}
		mean := pyfloat.NumpyMean(diffs)
		count := 0
		for _, d := range diffs {
			if d-mean > delta {
				count++
			}
		}
		m, ci := estimateCI(sysScores)
		res.Systems = append(res.Systems, PairedResult{
			Score:  sysScore,
			PValue: ptr(float64(count+1) / float64(r.N+1)),
			Mean:   ptr(m),
			CI:     ptr(ci),
		})
	}
	return res, nil
}

// PairedAR runs sacreBLEU's paired approximate randomization test of each system
// against the baseline (Riezler and Maxwell, 2005): in each of r.N trials every
// segment's statistics are swapped between the two systems with probability 1/2; the
// p-value is the share of trials whose absolute score difference exceeds the actual
// one.
func (sc *Scorer) PairedAR(ctx context.Context, base []Stats, systems [][]Stats, r Resample) (Paired, error) {
	if err := sc.checkPaired(base, systems, &r, DefaultTrials); err != nil {
		return Paired{}, err
	}
	seed, random, _, err := r.seed()
	if err != nil {
		return Paired{}, err
	}
	res := Paired{N: r.N, Seed: seedString(seed, random)}
	baseScore := sc.Score(merged(base)).Score
	res.Baseline = PairedResult{Score: baseScore}
	bp := sc.pack(base)
	cols := bp.cols
	nseg := len(base)
	for _, s := range systems {
		sysScore := sc.Score(merged(s)).Score
		delta := abs(baseScore - sysScore)
		sp := sc.pack(s)
		// Pseudo-system A takes the baseline's statistics where the mask is set and
		// the system's elsewhere; B is the complement, so B = base + sys - A.
		both := make([]int64, cols)
		diff := make([]int32, len(bp.data))
		for i := range bp.data {
			both[i%cols] += int64(bp.data[i]) + int64(sp.data[i])
			diff[i] = bp.data[i] - sp.data[i]
		}
		sysTotal := make([]int64, cols)
		for i, v := range sp.data {
			sysTotal[i%cols] += int64(v)
		}
		// Only segments where the systems differ change the sums.
		var differ []int32
		for i := range nseg {
			for _, v := range diff[i*cols : (i+1)*cols] {
				if v != 0 {
					differ = append(differ, int32(i))
					break
				}
			}
		}
		g := newGenerator(seed, random || seed == 0)
		bools := g.NewBools()
		type block struct {
			count int
			mask  []bool
		}
		done := 0
		count := 0
		fill := func(b *block) (bool, error) {
			if done >= r.N {
				return false, nil
			}
			b.count = min(resampleBlock*4, r.N-done)
			if cap(b.mask) < b.count*nseg {
				b.mask = make([]bool, resampleBlock*4*nseg)
			}
			b.mask = b.mask[:b.count*nseg]
			bools.Fill(b.mask)
			done += b.count
			return true, nil
		}
		work := func(b *block) int {
			a := make([]int64, cols)
			bb := make([]int64, cols)
			c := 0
			for t := range b.count {
				mask := b.mask[t*nseg : (t+1)*nseg]
				copy(a, sysTotal)
				for _, i := range differ {
					if mask[i] {
						d := diff[int(i)*cols : int(i)*cols+cols]
						for k, v := range d {
							a[k] += int64(v)
						}
					}
				}
				for k := range bb {
					bb[k] = both[k] - a[k]
				}
				if abs(sc.scoreSums(a, false)-sc.scoreSums(bb, false)) > delta {
					c++
				}
			}
			return c
		}
		err := shard.Run(ctx, sc.cfg.Workers, func() *block { return new(block) }, fill, work, func(c int) { count += c })
		if err != nil {
			return Paired{}, err
		}
		res.Systems = append(res.Systems, PairedResult{
			Score:  sysScore,
			PValue: ptr(float64(count+1) / float64(r.N+1)),
		})
	}
	return res, nil
}

// seedString is the seed as sacreBLEU's paired tests put it in the signature.
func seedString(seed uint64, random bool) string {
	if random {
		return "none"
	}
	return strconv.FormatUint(seed, 10)
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
