package pyfloat

import (
	"math"
	"math/big"
)

// ExactSum is the exact sum of float64 values, from which a correctly
// rounded sum or mean is read. It gives the same answer whatever the order
// of the additions and however partial sums are grouped, so per-shard sums
// merged with [ExactSum.Merge] in any grouping give bit-identical results,
// the same as one ExactSum fed every value: this is what makes Python's
// statistics.mean (see [StatisticsMean]) and math.fsum reproducible from
// shards.
//
// Non-finite values are kept apart, as Python's statistics.mean does: their
// float sum, in order, replaces the exact sum. That is ±Inf, or NaN if a NaN
// or infinities of both signs were added, in any grouping (only a NaN's
// payload may depend on the grouping).
//
// The zero value is an empty sum, ready to use. An ExactSum is about 560
// bytes, needs no allocation, and is not safe for concurrent use; Float64 and
// Mean do not modify it and may be called concurrently with each other.
type ExactSum struct {
	acc       exactAcc
	nonFinite float64 // float sum of the non-finite values added
	hasNonFin bool    // some value added was not finite
}

// Add adds x to the sum, exactly if x is finite.
func (s *ExactSum) Add(x float64) {
	if math.Float64bits(x)&(0x7ff<<52) == 0x7ff<<52 { // ±Inf or NaN
		s.nonFinite += x
		s.hasNonFin = true
		return
	}
	s.acc.add(x)
}

// Merge adds the values summed in o to s. o is passed by value and left
// unchanged.
func (s *ExactSum) Merge(o ExactSum) {
	s.acc.merge(&o.acc)
	if o.hasNonFin {
		s.nonFinite += o.nonFinite
		s.hasNonFin = true
	}
}

// Float64 returns the sum correctly rounded (ties to even) to a float64, as
// Python's math.fsum does: an exactly zero sum is +0.0 (also when only
// negative zeros were added). Where fsum raises OverflowError (a partial sum
// or the result beyond the float64 range), Float64 returns the correctly
// rounded sum, ±Inf if it is beyond the range. If a non-finite value was
// added, the result is the float sum of the non-finite values.
func (s *ExactSum) Float64() float64 {
	return s.Mean(1)
}

// Mean returns the sum divided by n, correctly rounded (ties to even) to a
// float64: [StatisticsMean](xs) equals Mean(len(xs)) of the sum of xs. An
// exactly zero mean is +0.0; a nonzero mean that rounds to zero keeps its
// sign. If a non-finite value was added, the result is the float sum of the
// non-finite values divided by float64(n). Mean returns NaN for n ≤ 0.
//
// Mean allocates a few big integers; it takes a few microseconds.
func (s *ExactSum) Mean(n int64) float64 {
	if n <= 0 {
		return math.NaN()
	}
	if s.hasNonFin {
		return s.nonFinite / float64(n)
	}
	acc := s.acc // a copy: int normalizes its receiver
	num := acc.int()
	if num.Sign() == 0 {
		return 0
	}
	// num·2^-1074 / n. Dropping common factors of two first keeps the
	// rational's normalization cheap; the value is unchanged.
	shift := min(num.TrailingZeroBits(), 1074)
	num.Rsh(num, shift)
	den := new(big.Int).Lsh(big.NewInt(n), 1074-shift)
	f, _ := new(big.Rat).SetFrac(num, den).Float64()
	return f
}

// merge adds the exact sum held in o to acc, and normalizes o.
func (acc *exactAcc) merge(o *exactAcc) {
	acc.carry()
	o.carry()
	for i := range acc.limb {
		acc.limb[i] += o.limb[i]
	}
	// Every limb but the top one is now below 2^33: the weight of two adds.
	acc.adds = 2
}
