package pyfloat

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
)

// sumOf returns one ExactSum of xs.
func sumOf(xs []float64) ExactSum {
	var s ExactSum
	for _, x := range xs {
		s.Add(x)
	}
	return s
}

// mergeRandomly sums xs in shards cut at random places and merges the shard
// sums along a random binary tree, in a random order.
func mergeRandomly(src *rand.Rand, xs []float64) ExactSum {
	var parts []ExactSum
	for len(xs) > 0 {
		k := 1 + src.IntN(len(xs))
		if src.IntN(2) == 0 {
			k = min(k, 1+src.IntN(8))
		}
		parts = append(parts, sumOf(xs[:k]))
		xs = xs[k:]
	}
	if src.IntN(4) == 0 {
		parts = append(parts, ExactSum{}) // empty shards are harmless
	}
	for len(parts) > 1 {
		i := src.IntN(len(parts))
		j := src.IntN(len(parts) - 1)
		if j >= i {
			j++
		}
		parts[i].Merge(parts[j])
		parts[j] = parts[len(parts)-1]
		parts = parts[:len(parts)-1]
	}
	if len(parts) == 0 {
		return ExactSum{}
	}
	return parts[0]
}

func TestExactSumZero(t *testing.T) {
	var s ExactSum
	sameFloat(t, 0, s.Float64())
	sameFloat(t, 0, s.Mean(3))
	assert.True(t, math.IsNaN(s.Mean(0)))
	assert.True(t, math.IsNaN(s.Mean(-1)))
	s.Add(math.Copysign(0, -1))
	sameFloat(t, 0, s.Float64(), "fsum([-0.0]) is 0.0")
	s.Merge(ExactSum{})
	sameFloat(t, 0, s.Float64())
}

func TestExactSumNonFinite(t *testing.T) {
	inf := math.Inf(1)
	tests := []struct {
		xs   []float64
		want float64
	}{
		{[]float64{1, inf, 2}, inf},
		{[]float64{-inf, 1, -inf}, -inf},
		{[]float64{inf, 1, -inf}, math.NaN()},
		{[]float64{1, math.NaN(), inf}, math.NaN()},
	}
	src := rand.New(rand.NewPCG(3, 4))
	for _, tt := range tests {
		s := sumOf(tt.xs)
		sameFloat(t, tt.want, s.Float64(), "%v", tt.xs)
		sameFloat(t, tt.want, s.Mean(int64(len(tt.xs))), "%v", tt.xs)
		for range 20 {
			m := mergeRandomly(src, tt.xs)
			sameFloat(t, tt.want, m.Float64(), "%v merged", tt.xs)
		}
	}
}

// TestExactSumGroupings merges shards of seeded inputs in random groupings:
// the sum and the mean are those of one ExactSum, and the mean is
// StatisticsMean's.
func TestExactSumGroupings(t *testing.T) {
	src := rand.New(rand.NewPCG(1, 2))
	for _, kind := range []string{"bleu", "cancel", "wide", "decimal", "ints", "bits"} {
		for _, n := range []int{1, 2, 7, 100, 1000} {
			t.Run(fmt.Sprintf("%s/n=%d", kind, n), func(t *testing.T) {
				xs := derive(t, kind, uint64(n)*31+7, n)
				one := sumOf(xs)
				wantSum, wantMean := one.Float64(), one.Mean(int64(n))
				sameFloat(t, StatisticsMean(xs), wantMean, "StatisticsMean")
				for range 25 {
					m := mergeRandomly(src, xs)
					sameFloat(t, wantSum, m.Float64(), "Float64")
					sameFloat(t, wantMean, m.Mean(int64(n)), "Mean")
				}
			})
		}
	}
}

// TestExactSumMergeCarry merges accumulators whose limbs are close to the
// carry limit, and merges a sum into itself many times over.
func TestExactSumMergeCarry(t *testing.T) {
	build := func(x float64) ExactSum {
		var s ExactSum
		s.acc.adds = accFlushLen - 1
		s.Add(x)
		s.Add(x)
		assert.Less(t, s.acc.adds, 3, "the carries were propagated")
		for range 60 {
			s.Merge(s) // doubles: 2^61·x in the end
		}
		return s
	}
	s := build(math.MaxFloat64)
	want, _ := new(big.Float).SetFloat64(math.MaxFloat64).Int(nil)
	want.Lsh(want, 61+1074)
	acc := s.acc
	assert.Zero(t, acc.int().Cmp(want))
	sameFloat(t, math.Inf(1), s.Float64())
	sameFloat(t, math.MaxFloat64, s.Mean(1<<61))

	neg := build(-math.MaxFloat64)
	sameFloat(t, -math.MaxFloat64, neg.Mean(1<<61))
	neg.Merge(s)
	neg.Add(math.MaxFloat64)
	neg.Add(5e-324)
	neg.Add(-math.MaxFloat64)
	sameFloat(t, 5e-324, neg.Float64())
}

func TestExactSumAllocs(t *testing.T) {
	xs := benchData(100)
	var s ExactSum
	assert.Zero(t, testing.AllocsPerRun(10, func() {
		for _, x := range xs {
			s.Add(x)
		}
		s.Merge(s)
	}))
}

// FuzzExactSum checks, for up to 64 values of any kind, that Float64 and Mean
// are the exactly rounded sum and mean (math/big), whatever the grouping of
// the merges, and that Mean equals StatisticsMean.
func FuzzExactSum(f *testing.F) {
	seed := func(xs ...float64) []byte {
		b := make([]byte, 8*len(xs))
		for i, x := range xs {
			binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(x))
		}
		return b
	}
	f.Add(uint64(1), seed(1, 2, 3))
	f.Add(uint64(2), seed(math.MaxFloat64, -math.MaxFloat64, 5e-324))
	f.Add(uint64(3), seed(0.1, 0.2, 0.3, -0.6))
	f.Add(uint64(4), seed(math.MaxFloat64, 0x1p970))
	f.Add(uint64(5), seed(math.Inf(1), 1, math.Inf(-1)))
	f.Add(uint64(6), seed(math.Copysign(5e-324, -1), 0))
	f.Fuzz(func(t *testing.T, grouping uint64, data []byte) {
		n := len(data) / 8
		if n > 64 {
			return // the big.Rat reference is slow on many wide values
		}
		xs := make([]float64, n)
		sum := new(big.Rat)
		finite := true
		for i := range xs {
			xs[i] = math.Float64frombits(binary.LittleEndian.Uint64(data[8*i:]))
			if math.IsNaN(xs[i]) || math.IsInf(xs[i], 0) {
				finite = false
				continue
			}
			sum.Add(sum, new(big.Rat).SetFloat64(xs[i]))
		}
		one := sumOf(xs)
		m := mergeRandomly(rand.New(rand.NewPCG(grouping, 0)), xs)
		for _, s := range []*ExactSum{&one, &m} {
			if !finite {
				if g := s.Float64(); !math.IsNaN(g) && !math.IsInf(g, 0) {
					t.Fatalf("sum of %v = %v, want non-finite", xs, g)
				}
				continue
			}
			want, _ := sum.Float64()
			if sum.Sign() == 0 {
				want = 0
			}
			if g := s.Float64(); math.Float64bits(g) != math.Float64bits(want) {
				t.Fatalf("sum of %v = %v, want %v", xs, g, want)
			}
		}
		if n == 0 {
			return
		}
		a, b := one.Mean(int64(n)), m.Mean(int64(n))
		c := StatisticsMean(xs)
		if math.IsNaN(a) && math.IsNaN(b) && math.IsNaN(c) {
			return
		}
		if math.Float64bits(a) != math.Float64bits(b) || math.Float64bits(a) != math.Float64bits(c) {
			t.Fatalf("mean of %v: one %v, merged %v, StatisticsMean %v", xs, a, b, c)
		}
	})
}
