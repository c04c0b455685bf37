package checkpoint

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

var scanDTypes = []DType{F32, C64, F16, BF16, F64, F8E5M2, F8E4M3, F8E8M0, F8E4M3FNUZ, F8E5M2FNUZ, BOOL}

// The SWAR fast path must count exactly what the per-element classifier counts.
func TestScanMatchesClassify(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	for _, d := range scanDTypes {
		for iter := 0; iter < 300; iter++ {
			b := make([]byte, rng.IntN(700)*8)
			for i := range b {
				b[i] = byte(rng.IntN(256))
			}
			// Sparse hits over mostly clean data are the interesting case for the
			// block skipping; dense random bytes exercise the fallback.
			if iter%2 == 0 {
				for i := range b {
					b[i] &= 0x3F
				}
				for k := rng.IntN(5); k > 0 && len(b) > 0; k-- {
					b[rng.IntN(len(b))] = byte(rng.IntN(256))
				}
			}
			var got, want counts
			got.firstBad, want.firstBad = -1, -1
			scanContent(d, b, 100, &got)
			classify(d, b, 100, &want)
			require.Equal(t, want, got, "%s iteration %d", d, iter)
		}
	}
}

func FuzzScan(f *testing.F) {
	f.Add(uint8(0), []byte{0x7f, 0x80, 0xff, 0x00, 0x7c, 0x01, 0x02, 0x03})
	f.Fuzz(func(t *testing.T, k uint8, b []byte) {
		d := scanDTypes[int(k)%len(scanDTypes)]
		b = b[:len(b)/8*8]
		var got, want counts
		got.firstBad, want.firstBad = -1, -1
		scanContent(d, b, 0, &got)
		classify(d, b, 0, &want)
		if got != want {
			t.Fatalf("%s: scan %+v, classify %+v", d, got, want)
		}
	})
}
