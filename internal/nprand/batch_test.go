package nprand

import (
	"math/rand/v2"
	"testing"
)

// refFillLemire32 is the one-draw-at-a-time definition of numpy's bounded fill.
func refFillLemire32(p *PCG64, excl, thr uint32, dst []uint64) {
	for i := range dst {
		for {
			m := uint64(p.Uint32()) * uint64(excl)
			if uint32(m) >= thr {
				dst[i] = m >> 32
				break
			}
		}
	}
}

// TestFillBatchedMatchesSingle checks the four-lane batched fill against single
// steps, with bounds whose rejection rates range from none to about one half, and
// fills that start and end anywhere within a batch.
func TestFillBatchedMatchesSingle(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	bounds := []uint32{2, 3, 7, 1000, 10000, 1<<31 + 1, 3 << 30, 1<<32 - 1}
	for trial := range 300 {
		n := bounds[trial%len(bounds)]
		if trial%3 == 0 {
			n = 2 + rng.Uint32N(1<<32-3)
		}
		thr := -n % n
		a, b := New(uint64(trial)), New(uint64(trial))
		// Some fills leave a buffered half behind.
		for range rng.IntN(3) {
			a.BitGenerator().Uint32()
			b.BitGenerator().Uint32()
		}
		for range 4 {
			size := rng.IntN(200)
			got, want := make([]uint64, size), make([]uint64, size)
			fillLemire32(a.BitGenerator(), n, thr, got)
			refFillLemire32(b.BitGenerator(), n, thr, want)
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("n=%d size=%d: value %d is %d, want %d", n, size, i, got[i], want[i])
				}
			}
			if a.BitGenerator().State() != b.BitGenerator().State() {
				t.Fatalf("n=%d size=%d: state %+v, want %+v", n, size, a.BitGenerator().State(), b.BitGenerator().State())
			}
		}
	}
}
