package nprand

import (
	"fmt"
	"testing"
)

var sinkU64 uint64

// BenchmarkChoice draws sacreBLEU's bootstrap index matrix,
// rng.choice(n, size=(1000, n)), row by row.
func BenchmarkChoice(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("1000x%d", n), func(b *testing.B) {
			row := make([]int, n)
			b.SetBytes(int64(8 * n * 1000))
			b.ReportAllocs()
			for b.Loop() {
				bd := New(12345).NewBounded(uint64(n))
				for range 1000 {
					bd.Fill(row)
				}
			}
		})
	}
	b.Run("int32/1000x10000", func(b *testing.B) {
		row := make([]int32, 10000)
		b.SetBytes(4 * 10000 * 1000)
		b.ReportAllocs()
		for b.Loop() {
			bd := New(12345).NewBounded(10000)
			for range 1000 {
				bd.FillInt32(row)
			}
		}
	})
}

// BenchmarkBools draws sacreBLEU's AR mask, rng.integers(2, size=(10000, n), dtype=bool).
func BenchmarkBools(b *testing.B) {
	const n = 3000
	row := make([]bool, n)
	b.SetBytes(10000 * n)
	b.ReportAllocs()
	for b.Loop() {
		bs := New(12345).NewBools()
		for range 10000 {
			bs.Fill(row)
		}
	}
}

// BenchmarkUint64 measures the raw PCG64 output.
func BenchmarkUint64(b *testing.B) {
	p := NewPCG64(12345)
	b.SetBytes(8)
	b.ReportAllocs()
	for b.Loop() {
		sinkU64 += p.Uint64()
	}
}
