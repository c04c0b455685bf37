package pyfloat

import (
	"fmt"
	"testing"
)

var (
	sinkF float64
	sinkS string
)

func benchData(n int) []float64 {
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = float64((i*7919)%10007) / 100.37
	}
	return xs
}

func BenchmarkStatisticsMean(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			xs := benchData(n)
			b.SetBytes(int64(8 * n))
			b.ReportAllocs()
			for b.Loop() {
				sinkF = StatisticsMean(xs)
			}
		})
	}
}

func BenchmarkNumpyMean(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			xs := benchData(n)
			b.SetBytes(int64(8 * n))
			b.ReportAllocs()
			for b.Loop() {
				sinkF = NumpyMean(xs)
			}
		})
	}
}

func BenchmarkRepr(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		sinkS = Repr(37.45678901234)
	}
}
