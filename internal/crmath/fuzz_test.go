package crmath

import (
	"math"
	"testing"
)

// FuzzLogExp compares Log and Exp with the big-float reference. The fuzzed
// word is used as a float64 bit pattern for both functions and, mapped
// linearly onto [-746, 709.79), once more for Exp, whose interesting
// arguments are a small part of all bit patterns.
//
//	go test ./internal/crmath -run '^$' -fuzz FuzzLogExp -fuzztime 60s
func FuzzLogExp(f *testing.F) {
	for _, x := range []float64{
		0, 1, math.Nextafter(1, 0), math.Nextafter(1, 2), 2, 0.5, math.E, 100, 0.01, 37.5,
		math.SmallestNonzeroFloat64, 0x1p-1022, math.MaxFloat64, math.Inf(1), math.NaN(),
		709.782712893384, -708.3964185322641, -745.1332191019411, -20.845238095238095,
		1 + 0x1p-8, 1.4140625, 1 / math.Sqrt2, 0x1p-54,
	} {
		f.Add(math.Float64bits(x))
		f.Add(math.Float64bits(-x))
	}
	f.Fuzz(func(t *testing.T, b uint64) {
		x := math.Float64frombits(b)
		if got, want := Log(x), refLog(x); !same(got, want) {
			t.Errorf("Log(%s) = %s, want %s", bitsOf(x), bitsOf(got), bitsOf(want))
		}
		if got, want := Exp(x), refExp(x); !same(got, want) {
			t.Errorf("Exp(%s) = %s, want %s", bitsOf(x), bitsOf(got), bitsOf(want))
		}
		z := -746 + 1455.79*(float64(b>>11)*0x1p-53)
		if got, want := Exp(z), refExp(z); !same(got, want) {
			t.Errorf("Exp(%s) = %s, want %s", bitsOf(z), bitsOf(got), bitsOf(want))
		}
	})
}
