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

// packed holds per-segment statistics for resampling: each segment's row of
// cols = 2+2·order columns ([hyp_len, ref_len, correct_1..N, total_1..N], sacreBLEU's
// layout) is stored in words uint64 words, with 64/width columns per word (lowest
// first). Narrow lanes mean fewer additions per row: rows are summed as words, and a
// lane cannot overflow into its neighbour as long as at most flush rows are added
// before the lanes are spread into 64-bit sums.
type packed struct {
	cols  int
	width uint // bits per column: 16, 32 or 64
	words int  // words per row
	flush int  // rows that may be added to one word sum
	data  []uint64
}

// pack lays out the segments of every system with one lane width, each system on its
// own or, when joint is set, all systems side by side in one row, so that one resampled
// index reads every system's statistics from adjacent memory. Rows are summed in runs
// of at most flush rows; with totals set, every sum covers at most all segments
// of two systems (the randomization test's pseudo-systems) and is never flushed, so
// the lanes must hold such totals. Otherwise (resampling), 16-bit lanes are used when
// at least 16 rows fit in them.
func (sc *Scorer) pack(totals, joint bool, systems ...SegmentStats) []packed {
	cols := 2 + 2*sc.cfg.MaxOrder
	var maxv, big int64
	nseg := 0
	for _, segs := range systems {
		n := segs.Len()
		nseg = max(nseg, n)
		for c := range cols {
			var m, total int64
			for i := range n {
				v := int64(segs.Rows[i*cols+c])
				m = max(m, v)
				total += v
			}
			maxv = max(maxv, m)
			big = max(big, min(m*int64(n), 2*total))
		}
	}
	width, flush := uint(64), nseg
	switch {
	case !totals && maxv <= (1<<16-1)/16:
		width, flush = 16, int((1<<16-1)/max(maxv, 1))
	case big < 1<<31:
		width = 32
	}
	per := int(64 / width)
	layout := func(cols int) packed {
		return packed{cols: cols, width: width, words: (cols + per - 1) / per, flush: max(flush, 1)}
	}
	// put stores the row of segment i of s at column off of row i of p.
	put := func(p *packed, i, off int, s *SegmentStats) {
		for c, v := range s.Rows[i*cols : (i+1)*cols] {
			at := off + c
			p.data[i*p.words+at/per] |= uint64(v) << (uint(at%per) * width)
		}
	}
	if joint {
		p := layout(len(systems) * cols)
		p.data = make([]uint64, nseg*p.words)
		for k := range systems {
			for i := range systems[k].Len() {
				put(&p, i, k*cols, &systems[k])
			}
		}
		return []packed{p}
	}
	out := make([]packed, len(systems))
	for k := range systems {
		p := layout(cols)
		p.data = make([]uint64, systems[k].Len()*p.words)
		for i := range systems[k].Len() {
			put(&p, i, 0, &systems[k])
		}
		out[k] = p
	}
	return out
}

// spread adds the lanes of the word sums sum to the column sums dst.
func (p *packed) spread(dst []int64, sum []uint64) {
	per := int(64 / p.width)
	mask := uint64(1)<<p.width - 1
	if p.width == 64 {
		mask = ^uint64(0)
	}
	for c := range dst {
		dst[c] += int64(sum[c/per] >> (uint(c%per) * p.width) & mask)
	}
}

// sumRows sets dst (p.cols columns) to the column sums of the rows idx. sum is
// scratch space of p.words words.
func sumRows[I int32 | uint16](p *packed, dst []int64, sum []uint64, idx []I) {
	clear(dst)
	data, words := p.data, p.words
	for len(idx) > 0 {
		run := idx[:min(p.flush, len(idx))]
		idx = idx[len(run):]
		switch words {
		case 3:
			// One system at order 4 in 16-bit lanes: keep the sums in registers.
			var s0, s1, s2 uint64
			for _, i := range run {
				r := data[int(i)*3 : int(i)*3+3 : int(i)*3+3]
				s0 += r[0]
				s1 += r[1]
				s2 += r[2]
			}
			sum[0], sum[1], sum[2] = s0, s1, s2
		case 5:
			// Two systems at order 4 in 16-bit lanes, or one in 32-bit lanes.
			var s0, s1, s2, s3, s4 uint64
			for _, i := range run {
				r := data[int(i)*5 : int(i)*5+5 : int(i)*5+5]
				s0 += r[0]
				s1 += r[1]
				s2 += r[2]
				s3 += r[3]
				s4 += r[4]
			}
			sum[0], sum[1], sum[2], sum[3], sum[4] = s0, s1, s2, s3, s4
		default:
			clear(sum)
			for _, i := range run {
				r := data[int(i)*words : int(i)*words+words]
				for l, v := range r {
					sum[l] += v
				}
			}
		}
		p.spread(dst, sum)
	}
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
// rng.choice(len(segs), size=(n, len(segs))) and returns, for each system of all (see
// pack: the systems side by side), the
// scores of its statistics summed over each resample. All systems see the same
// resamples, as in sacreBLEU's paired bootstrap.
func (sc *Scorer) bootstrapScores(ctx context.Context, g *nprand.Generator, n int, all packed) ([][]float64, error) {
	k := all.cols / (2 + 2*sc.cfg.MaxOrder) // systems side by side
	nseg := len(all.data) / all.words
	out := make([][]float64, k)
	for i := range out {
		out[i] = make([]float64, n)
	}
	draw := g.NewBounded(uint64(nseg))
	// Indices are uint16 when they fit, which halves the memory they pass through.
	small := nseg <= 1<<16
	type block struct {
		first, count int
		idx          []int32
		idx16        []uint16
	}
	done := 0
	fill := func(b *block) (bool, error) {
		if done >= n {
			return false, nil
		}
		b.first, b.count = done, min(resampleBlock, n-done)
		if small {
			if cap(b.idx16) < b.count*nseg {
				b.idx16 = make([]uint16, resampleBlock*nseg)
			}
			b.idx16 = b.idx16[:b.count*nseg]
			draw.FillUint16(b.idx16)
		} else {
			if cap(b.idx) < b.count*nseg {
				b.idx = make([]int32, resampleBlock*nseg)
			}
			b.idx = b.idx[:b.count*nseg]
			draw.FillInt32(b.idx)
		}
		done += b.count
		return true, nil
	}
	work := func(b *block) struct{} {
		sum := make([]uint64, all.words)
		cols := make([]int64, all.cols)
		per := all.cols / k
		for r := range b.count {
			if small {
				sumRows(&all, cols, sum, b.idx16[r*nseg:(r+1)*nseg])
			} else {
				sumRows(&all, cols, sum, b.idx[r*nseg:(r+1)*nseg])
			}
			for s := range k {
				out[s][b.first+r] = sc.scoreSums(cols[s*per:(s+1)*per], true)
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
func (sc *Scorer) Bootstrap(ctx context.Context, segs SegmentStats, r Resample) (Interval, error) {
	if r.N == 0 {
		r.N = DefaultBootstrap
	}
	if err := sc.checkSegs(segs); err != nil {
		return Interval{}, err
	}
	if r.N < 1 || segs.Len() == 0 {
		return Interval{}, fmt.Errorf("%w: bootstrap needs resamples and segments (got %d and %d)", ErrConfig, r.N, segs.Len())
	}
	seed, random, sig, err := r.seed()
	if err != nil {
		return Interval{}, err
	}
	scores, err := sc.bootstrapScores(ctx, newGenerator(seed, random), r.N, sc.pack(false, true, segs)[0])
	if err != nil {
		return Interval{}, err
	}
	iv := Interval{Scores: scores[0], N: r.N, Seed: sig}
	_, iv.CI = estimateCI(iv.Scores)
	iv.Mean = pyfloat.StatisticsMean(iv.Scores)
	return iv, nil
}

// checkSegs checks that segs has the Scorer's order.
func (sc *Scorer) checkSegs(segs SegmentStats) error {
	if segs.order() != sc.cfg.MaxOrder || len(segs.Rows)%segs.Cols() != 0 {
		return fmt.Errorf("%w: segment statistics of order %d (%d values), scorer of order %d",
			ErrConfig, segs.order(), len(segs.Rows), sc.cfg.MaxOrder)
	}
	return nil
}

func (sc *Scorer) checkPaired(base SegmentStats, systems []SegmentStats, r *Resample, def int) error {
	if r.N == 0 {
		r.N = def
	}
	if r.N < 1 {
		return fmt.Errorf("%w: %d resamples or trials", ErrConfig, r.N)
	}
	for _, s := range append([]SegmentStats{base}, systems...) {
		if err := sc.checkSegs(s); err != nil {
			return err
		}
	}
	if base.Len() == 0 {
		return fmt.Errorf("%w: no segments", ErrConfig)
	}
	for i, s := range systems {
		if s.Len() != base.Len() {
			return fmt.Errorf("%w: baseline has %d segments, system %d has %d", ErrLengthMismatch, base.Len(), i+1, s.Len())
		}
	}
	return nil
}

func ptr(x float64) *float64 { return &x }

// PairedBootstrap runs sacreBLEU's paired bootstrap resampling test of each system
// against the baseline (Koehn, 2004): every system and the baseline are scored on the
// same r.N resamples; the p-value of a system is the share of resamples whose
// centred absolute score difference exceeds the actual difference.
func (sc *Scorer) PairedBootstrap(ctx context.Context, base SegmentStats, systems []SegmentStats, r Resample) (Paired, error) {
	if err := sc.checkPaired(base, systems, &r, DefaultBootstrap); err != nil {
		return Paired{}, err
	}
	seed, random, _, err := r.seed()
	if err != nil {
		return Paired{}, err
	}
	res := Paired{N: r.N, Seed: seedString(seed, random)}

	all := sc.pack(false, true, append([]SegmentStats{base}, systems...)...)[0]
	// sacreBLEU seeds the generator of the paired test with None when the seed is 0;
	// the baseline's interval always uses the seed as given.
	scores, err := sc.bootstrapScores(ctx, newGenerator(seed, random || seed == 0), r.N, all)
	if err != nil {
		return Paired{}, err
	}
	baseScores := scores[0]
	if seed == 0 && !random {
		// The baseline's own resampling used seed 0.
		b, err := sc.bootstrapScores(ctx, nprand.New(0), r.N, sc.pack(false, true, base)[0])
		if err != nil {
			return Paired{}, err
		}
		baseScores = b[0]
	}
	baseScore := sc.Score(base.Sum()).Score
	m, ci := estimateCI(baseScores)
	res.Baseline = PairedResult{Score: baseScore, Mean: ptr(m), CI: ptr(ci)}

	diffs := make([]float64, r.N)
	for k, s := range systems {
		sysScore := sc.Score(s.Sum()).Score
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
func (sc *Scorer) PairedAR(ctx context.Context, base SegmentStats, systems []SegmentStats, r Resample) (Paired, error) {
	if err := sc.checkPaired(base, systems, &r, DefaultTrials); err != nil {
		return Paired{}, err
	}
	seed, random, _, err := r.seed()
	if err != nil {
		return Paired{}, err
	}
	res := Paired{N: r.N, Seed: seedString(seed, random)}
	baseScore := sc.Score(base.Sum()).Score
	res.Baseline = PairedResult{Score: baseScore}
	for _, s := range systems {
		sysScore := sc.Score(s.Sum()).Score
		count, err := sc.arCount(ctx, base, s, r.N, newGenerator(seed, random || seed == 0), abs(baseScore-sysScore))
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

// arTrialBlock is the number of randomization trials a worker handles at a time.
const arTrialBlock = 1024

// arCount runs the randomization trials of one system against the baseline and
// returns how many trials' absolute score difference exceeds delta.
//
// The swap masks are numpy's rng.integers(2, size=(trials, n), dtype=bool): the bits of
// successive 32-bit draws, least significant first, row after row. Pseudo-system A
// takes the baseline's statistics where the mask is set and the system's elsewhere,
// and B is the complement, so B = base + sys - A. A is summed eight segments at a
// time: for each group of eight segments a table holds A's sums for all 256 masks of
// the group, and each trial adds one table entry per group.
func (sc *Scorer) arCount(ctx context.Context, base, sys SegmentStats, trials int, g *nprand.Generator, delta float64) (int, error) {
	pk := sc.pack(true, false, base, sys)
	pb, ps := pk[0], pk[1]
	nseg := base.Len()
	lanes, cols := pb.words, pb.cols
	both := make([]int64, cols)
	for _, segs := range []SegmentStats{base, sys} {
		for i, v := range segs.Rows {
			both[i%cols] += int64(v)
		}
	}
	groups := (nseg + 7) / 8
	words := (nseg + 63) / 64
	bitsrc := bitStream{p: g.BitGenerator()}

	type block struct {
		count int
		masks []uint64 // count rows of words words, each a trial's mask from bit 0
	}
	done := 0
	fill := func(b *block) (bool, error) {
		if done >= trials {
			return false, nil
		}
		b.count = min(arTrialBlock, trials-done)
		if cap(b.masks) < arTrialBlock*words {
			b.masks = make([]uint64, arTrialBlock*words)
		}
		b.masks = b.masks[:b.count*words]
		for t := range b.count {
			row := b.masks[t*words : (t+1)*words]
			for k := range row {
				n := min(64, nseg-64*k)
				row[k] = bitsrc.read(n)
			}
		}
		done += b.count
		return true, nil
	}
	work := func(b *block) int {
		acc := make([]uint64, b.count*lanes)
		table := make([]uint64, 256*lanes)
		for grp := range groups {
			// table[m] = A's lane sums over this group's segments for mask byte m.
			clear(table[:lanes])
			for j := 0; j < 8; j++ {
				i := 8*grp + j
				var rowB, rowS []uint64
				if i < nseg {
					rowB = pb.data[i*lanes : (i+1)*lanes]
					rowS = ps.data[i*lanes : (i+1)*lanes]
				}
				// Entries with bit j set extend those without it.
				lo := 1 << j
				for m := 0; m < lo; m++ {
					src := table[m*lanes : (m+1)*lanes]
					dst := table[(m+lo)*lanes : (m+lo+1)*lanes]
					for l := range src {
						v := src[l]
						if rowB != nil {
							dst[l] = v + rowB[l]
							src[l] = v + rowS[l]
						} else {
							dst[l] = v
						}
					}
				}
			}
			word, shift := grp/8, uint(8*(grp%8))
			if lanes == 5 {
				for t := range b.count {
					m := int(b.masks[t*words+word]>>shift&0xFF) * 5
					e := table[m : m+5 : m+5]
					a := acc[t*5 : t*5+5 : t*5+5]
					a[0] += e[0]
					a[1] += e[1]
					a[2] += e[2]
					a[3] += e[3]
					a[4] += e[4]
				}
				continue
			}
			for t := range b.count {
				m := int(b.masks[t*words+word] >> shift & 0xFF)
				e := table[m*lanes : (m+1)*lanes]
				a := acc[t*lanes : (t+1)*lanes]
				for l, v := range e {
					a[l] += v
				}
			}
		}
		cnt := 0
		colsA := make([]int64, cols)
		colsB := make([]int64, cols)
		for t := range b.count {
			clear(colsA)
			pb.spread(colsA, acc[t*lanes:(t+1)*lanes])
			for c := range colsB {
				colsB[c] = both[c] - colsA[c]
			}
			if abs(sc.scoreSums(colsA, false)-sc.scoreSums(colsB, false)) > delta {
				cnt++
			}
		}
		return cnt
	}
	count := 0
	err := shard.Run(ctx, sc.cfg.Workers, func() *block { return new(block) }, fill, work, func(c int) { count += c })
	return count, err
}

// bitStream reads numpy's boolean draws as bits: each 32-bit draw gives 32 bools,
// least significant bit first.
type bitStream struct {
	p   *nprand.PCG64
	buf uint64
	n   int // bits in buf
}

// read returns the next k ≤ 64 bits, the first in bit 0.
func (b *bitStream) read(k int) uint64 {
	for b.n < k && b.n <= 32 {
		b.buf |= uint64(b.p.Uint32()) << uint(b.n)
		b.n += 32
	}
	if b.n >= k {
		v := b.buf
		if k < 64 {
			v &= 1<<uint(k) - 1
			b.buf >>= uint(k)
		} else {
			b.buf = 0
		}
		b.n -= k
		return v
	}
	// 33 ≤ k ≤ 64 with 33..63 bits short of k: take what is buffered, then a draw.
	v := b.buf
	have := b.n
	w := uint64(b.p.Uint32())
	v |= w << uint(have)
	rest := k - have // bits taken from w
	if rest < 32 {
		b.buf = w >> uint(rest)
		b.n = 32 - rest
	} else {
		b.buf, b.n = 0, 0
	}
	if k < 64 {
		v &= 1<<uint(k) - 1
	}
	return v
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
