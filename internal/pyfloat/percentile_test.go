package pyfloat

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sophia-ai/sophia-eval/internal/nprand"
)

// The vectors come from /usr/bin/python3 testdata/gen/pyfloat_percentile_vectors.py
// (CPython 3.11.2, numpy 1.24.2).

type percentileVectors struct {
	Numpy      string     `json:"numpy"`
	Python     string     `json:"python"`
	ExplicitQ  []hexFloat `json:"explicit_q"`
	Confidence []struct {
		CI hexFloat    `json:"ci"`
		Q  [3]hexFloat `json:"q"`
	} `json:"confidence"`
	Explicit []struct {
		Values  []hexFloat  `json:"values"`
		Results []*hexFloat `json:"results"` // nil where numpy raises
	} `json:"explicit"`
	Derived []struct {
		Kind   string     `json:"kind"`
		Seed   uint64     `json:"seed"`
		N      int        `json:"n"`
		SHA256 string     `json:"sha256"`
		Rouge  []hexFloat `json:"rouge"`
	} `json:"derived"`
	Fsum []struct {
		Kind string   `json:"kind"`
		Seed uint64   `json:"seed"`
		N    int      `json:"n"`
		Fsum hexFloat `json:"fsum"`
	} `json:"fsum"`
	FsumExplicit []struct {
		Values []hexFloat `json:"values"`
		Fsum   *hexFloat  `json:"fsum"` // nil where fsum raises OverflowError
	} `json:"fsum_explicit"`
}

func loadPercentileVectors(t testing.TB) *percentileVectors {
	t.Helper()
	b, err := os.ReadFile("testdata/percentile_vectors.json")
	require.NoError(t, err)
	var v percentileVectors
	require.NoError(t, json.Unmarshal(b, &v))
	require.Equal(t, "1.24.2", v.Numpy)
	require.Equal(t, "3.11.2", v.Python)
	return &v
}

func floats(h []hexFloat) []float64 {
	out := make([]float64, len(h))
	for i, x := range h {
		out[i] = float64(x)
	}
	return out
}

// roughCIs are the intervals whose percentiles the vectors list for every
// derived array.
var rougeCIs = []float64{0.95, 0.9, 0.99}

// qGrid mirrors q_grid in the generator: the q values every derived array is
// checked at.
func qGrid(t testing.TB, cis []float64) []float64 {
	var qs []float64
	for i := range 101 {
		qs = append(qs, float64(i))
	}
	for i := range 100 {
		qs = append(qs, float64(i)+0.5)
	}
	p := nprand.New(777).BitGenerator()
	for range 300 {
		qs = append(qs, float64(p.Uint64()>>11)*0x1p-53*100)
	}
	for _, ci := range cis {
		q := ConfidenceQ(ci)
		qs = append(qs, q[:]...)
	}
	return qs
}

func TestConfidenceQ(t *testing.T) {
	v := loadPercentileVectors(t)
	require.NotEmpty(t, v.Confidence)
	for _, tt := range v.Confidence {
		got := ConfidenceQ(float64(tt.CI))
		for k := range 3 {
			sameFloat(t, float64(tt.Q[k]), got[k], "ci %v q[%d]", float64(tt.CI), k)
		}
	}
}

func TestPercentileExplicit(t *testing.T) {
	v := loadPercentileVectors(t)
	require.NotEmpty(t, v.Explicit)
	qs := floats(v.ExplicitQ)
	for _, tt := range v.Explicit {
		xs := floats(tt.Values)
		require.Len(t, tt.Results, len(qs))
		for k, q := range qs {
			got := Percentile(xs, q)
			if tt.Results[k] == nil {
				assert.True(t, math.IsNaN(got), "Percentile(%v, %v) = %v, numpy raises", xs, q, got)
				continue
			}
			sameFloat(t, float64(*tt.Results[k]), got, "Percentile(%v, %v)", xs, q)
		}
	}
}

func TestPercentileDerived(t *testing.T) {
	v := loadPercentileVectors(t)
	require.NotEmpty(t, v.Derived)
	var cis []float64
	for _, c := range v.Confidence {
		cis = append(cis, float64(c.CI))
	}
	qs := qGrid(t, cis)
	for _, tt := range v.Derived {
		t.Run(fmt.Sprintf("%s/n=%d", tt.Kind, tt.N), func(t *testing.T) {
			xs := derive(t, tt.Kind, tt.Seed, tt.N)
			slices.Sort(xs)
			b := make([]byte, 8*len(qs))
			for k, q := range qs {
				binary.LittleEndian.PutUint64(b[8*k:], math.Float64bits(Percentile(xs, q)))
			}
			sum := sha256.Sum256(b)
			assert.Equal(t, tt.SHA256, hex.EncodeToString(sum[:]))
			require.Len(t, tt.Rouge, 3*len(rougeCIs))
			for i, ci := range rougeCIs {
				q := ConfidenceQ(ci)
				for k := range 3 {
					sameFloat(t, float64(tt.Rouge[3*i+k]), Percentile(xs, q[k]), "ci %v q[%d]", ci, k)
				}
			}
		})
	}
}

func TestPercentileEdge(t *testing.T) {
	assert.True(t, math.IsNaN(Percentile(nil, 50)))
	assert.True(t, math.IsNaN(Percentile([]float64{1}, math.NaN())))
	assert.True(t, math.IsNaN(Percentile([]float64{1}, math.Inf(1))))
	sameFloat(t, 1, Percentile([]float64{1}, math.Copysign(5e-324, -1)), "q/100 is -0.0")
	xs := []float64{1, 2, 3}
	assert.Zero(t, testing.AllocsPerRun(10, func() { sinkF = Percentile(xs, 37.5) }))
}

// TestLerpForms pins the two forms of numpy's _lerp where they differ.
func TestLerpForms(t *testing.T) {
	a, b, g := 0.12, 1.33, 0.7
	sameFloat(t, 0.9670000000000001, lerp(a, b, g), "b - (b-a)·(1-g) for g ≥ 0.5")
	sameFloat(t, 0.967, a+(b-a)*g, "the other form differs")
	sameFloat(t, a+(b-a)*0.3, lerp(a, b, 0.3))
	sameFloat(t, a+(b-a)*0.49999999999999994, lerp(a, b, 0.49999999999999994))
	sameFloat(t, b-(b-a)*0.5, lerp(a, b, 0.5))
}

func TestFsum(t *testing.T) {
	v := loadPercentileVectors(t)
	require.NotEmpty(t, v.Fsum)
	for _, tt := range v.Fsum {
		t.Run(fmt.Sprintf("%s/n=%d", tt.Kind, tt.N), func(t *testing.T) {
			xs := derive(t, tt.Kind, tt.Seed, tt.N)
			var s ExactSum
			for _, x := range xs {
				s.Add(x)
			}
			sameFloat(t, float64(tt.Fsum), s.Float64())
			// The same from shards of 1000, merged in reverse.
			var parts []ExactSum
			for c := range slices.Chunk(xs, 1000) {
				var p ExactSum
				for _, x := range c {
					p.Add(x)
				}
				parts = append(parts, p)
			}
			var m ExactSum
			for _, p := range slices.Backward(parts) {
				m.Merge(p)
			}
			sameFloat(t, float64(tt.Fsum), m.Float64(), "merged")
		})
	}
	for _, tt := range v.FsumExplicit {
		var s ExactSum
		for _, x := range tt.Values {
			s.Add(float64(x))
		}
		if tt.Fsum != nil {
			sameFloat(t, float64(*tt.Fsum), s.Float64(), "fsum(%v)", floats(tt.Values))
		}
	}
}

func BenchmarkPercentile(b *testing.B) {
	xs := benchData(1000)
	slices.Sort(xs)
	q := ConfidenceQ(0.95)
	b.ReportAllocs()
	for b.Loop() {
		for _, x := range q {
			sinkF += Percentile(xs, x)
		}
	}
}

// FuzzPercentile checks properties of Percentile on sorted finite values of
// moderate size (b-a cannot overflow): the result lies between the minimum
// and the maximum, q = 0 and q = 100 give them, and it does not decrease as
// q grows (numpy's two-form lerp is monotonic).
func FuzzPercentile(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, 25.0, 75.0)
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0x80}, 0.0, 100.0)
	f.Add(make([]byte, 24), 2.5, 97.5)
	f.Fuzz(func(t *testing.T, data []byte, q1, q2 float64) {
		var xs []float64
		for i := 0; i+8 <= len(data); i += 8 {
			x := math.Float64frombits(binary.LittleEndian.Uint64(data[i:]))
			if math.IsNaN(x) || math.Abs(x) > 1e300 {
				continue
			}
			xs = append(xs, x)
		}
		p1 := Percentile(xs, q1) // no panic, whatever the input
		if len(xs) == 0 || !(q1 >= 0 && q1 <= 100 && q2 >= 0 && q2 <= 100) {
			return
		}
		slices.Sort(xs)
		p1, p2 := Percentile(xs, q1), Percentile(xs, q2)
		lo, hi := xs[0], xs[len(xs)-1]
		for _, p := range []float64{p1, p2} {
			if !(p >= lo && p <= hi) {
				t.Fatalf("Percentile(%v) = %v outside [%v, %v]", xs, p, lo, hi)
			}
		}
		if q1 <= q2 && p1 > p2 {
			t.Fatalf("Percentile(%v): q %v -> %v but q %v -> %v", xs, q1, p1, q2, p2)
		}
		if Percentile(xs, 0) != lo || Percentile(xs, 100) != hi {
			t.Fatalf("Percentile(%v) at 0 and 100: %v %v", xs, Percentile(xs, 0), Percentile(xs, 100))
		}
	})
}
