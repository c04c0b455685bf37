package nprand

import (
	"fmt"
	"testing"
)

// BenchmarkFillChoice draws rouge-score's bootstrap indices for one score
// type, 1000 calls of np.random.choice(np.arange(n), size=n), and the raw
// stream. SetBytes counts 8 bytes per index.
func BenchmarkFillChoice(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("1000x%d", n), func(b *testing.B) {
			idx := make([]int, n)
			r := &RandomState{}
			b.SetBytes(int64(8 * n * 1000))
			b.ReportAllocs()
			for b.Loop() {
				r.SetSeed(12345)
				for range 1000 {
					r.FillChoice(n, idx)
				}
			}
		})
	}
}

// BenchmarkLegacyUint32 measures the raw MT19937 output.
func BenchmarkLegacyUint32(b *testing.B) {
	r := NewRandomState(12345)
	var s uint32
	b.SetBytes(4)
	b.ReportAllocs()
	for b.Loop() {
		s += r.Uint32()
	}
	sinkU64 += uint64(s)
}
