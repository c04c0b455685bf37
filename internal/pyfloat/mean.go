package pyfloat

import (
	"math"
	"math/big"
)

// The exact sum of float64 values is kept as an integer multiple of 2^-1074
// (the smallest subnormal), in signed 32-bit limbs held in int64 slots so
// that additions need no carry propagation. A finite float64 is m × 2^s ×
// 2^-1074 with m < 2^53 and s ≤ 2045, so it spans at most three limbs, and
// a 2^-1074-scaled value needs fewer than 2098 bits.
const (
	accLimbs    = 67      // 67 × 32 bits: 2098 bits plus room for carries
	accFlushLen = 1 << 30 // additions between carry propagations (each < 2^32)
)

// exactAcc is an exact accumulator for float64 sums.
type exactAcc struct {
	limb [accLimbs]int64
	adds int
}

// add adds a finite x to the accumulator exactly.
func (acc *exactAcc) add(x float64) {
	b := math.Float64bits(x)
	m := b & (1<<52 - 1)
	s := int(b>>52) & 0x7ff // biased exponent
	if s == 0 {
		if m == 0 {
			return // ±0
		}
		s = 1 // subnormal: m × 2^-1074
	} else {
		m |= 1 << 52
	}
	s-- // now x = ±m × 2^(s-1074)
	k, r := s>>5, uint(s&31)
	lo := m << r
	hi := int64(0)
	if r > 0 {
		hi = int64(m >> (64 - r))
	}
	l0, l1 := int64(lo&0xffffffff), int64(lo>>32)
	if b>>63 != 0 {
		l0, l1, hi = -l0, -l1, -hi
	}
	acc.limb[k] += l0
	acc.limb[k+1] += l1
	acc.limb[k+2] += hi
	if acc.adds++; acc.adds == accFlushLen {
		acc.carry()
	}
}

// carry propagates carries so that every limb but the top one is in [0, 2^32).
func (acc *exactAcc) carry() {
	for i := 0; i < accLimbs-1; i++ {
		c := acc.limb[i] >> 32 // floor division by 2^32
		acc.limb[i] -= c << 32
		acc.limb[i+1] += c
	}
	acc.adds = 0
}

// int returns the accumulated sum in units of 2^-1074.
func (acc *exactAcc) int() *big.Int {
	acc.carry()
	top := accLimbs - 1
	for top > 0 && acc.limb[top] == 0 {
		top--
	}
	n := big.NewInt(acc.limb[top])
	var l big.Int
	for i := top - 1; i >= 0; i-- {
		n.Lsh(n, 32)
		n.Add(n, l.SetInt64(acc.limb[i]))
	}
	return n
}

// StatisticsMean returns Python's statistics.mean(xs) for floats: the exact
// mean of the values, correctly rounded (ties to even) to a float64, as
// CPython 3.11 computes it with fractions. An exactly zero mean is +0.0; a nonzero mean that rounds to zero keeps its sign, as in Python. If any value
// is not finite, the result is, as in Python, the float sum of the
// non-finite values in order divided by len(xs): ±Inf, or NaN when it holds
// a NaN or infinities of both signs. Python raises StatisticsError for no
// data; StatisticsMean returns NaN.
//
// The sum is exact and needs no sorting: it runs in O(len(xs)) time and
// allocates only for the final division. It is [ExactSum.Mean] of the sum
// of xs, so sums of shards merged with [ExactSum.Merge] give the same mean.
func StatisticsMean(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	var s ExactSum
	for _, x := range xs {
		s.Add(x)
	}
	return s.Mean(int64(len(xs)))
}
