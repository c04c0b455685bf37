package crmath

import (
	"math"
	"math/rand/v2"
	"testing"
)

var sinkF float64

// benchInputs returns n arguments drawn from [lo, hi), in a fixed order.
func benchInputs(n int, lo, hi float64) []float64 {
	rng := rand.New(rand.NewPCG(3, 4))
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = lo + (hi-lo)*rng.Float64()
	}
	return xs
}

func benchFunc(b *testing.B, f func(float64) float64, xs []float64) {
	b.ReportAllocs()
	var s float64
	i := 0
	for b.Loop() {
		s += f(xs[i%len(xs)])
		i++
	}
	sinkF = s
}

// BenchmarkLog covers BLEU's precisions, in [0.01, 100], and all positive
// normal numbers (as random bit patterns).
func BenchmarkLog(b *testing.B) {
	bleu := benchInputs(4096, 0.01, 100)
	wide := make([]float64, 4096)
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range wide {
		wide[i] = math.Float64frombits(rng.Uint64N(0x7fe0000000000000) + 0x0010000000000000)
	}
	for _, in := range []struct {
		name string
		xs   []float64
	}{{"bleu", bleu}, {"wide", wide}} {
		b.Run("crmath/"+in.name, func(b *testing.B) { benchFunc(b, Log, in.xs) })
		b.Run("math/"+in.name, func(b *testing.B) { benchFunc(b, math.Log, in.xs) })
	}
}

// BenchmarkExp covers BLEU's arguments, in [-25, 5], and the whole range
// with a finite nonzero result.
func BenchmarkExp(b *testing.B) {
	bleu := benchInputs(4096, -25, 5)
	wide := benchInputs(4096, -745, 709)
	for _, in := range []struct {
		name string
		xs   []float64
	}{{"bleu", bleu}, {"wide", wide}} {
		b.Run("crmath/"+in.name, func(b *testing.B) { benchFunc(b, Exp, in.xs) })
		b.Run("math/"+in.name, func(b *testing.B) { benchFunc(b, math.Exp, in.xs) })
	}
}

// BenchmarkSlow measures the big-float fallbacks, taken about once in 2^18
// calls.
func BenchmarkSlow(b *testing.B) {
	b.Run("log", func(b *testing.B) { benchFunc(b, logSlow, benchInputs(64, 0.01, 100)) })
	b.Run("exp", func(b *testing.B) { benchFunc(b, expSlow, benchInputs(64, -25, 5)) })
}
