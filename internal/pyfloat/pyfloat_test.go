package pyfloat

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sophia-ai/sophia-eval/internal/nprand"
)

// The vectors come from /usr/bin/python3 testdata/gen/pyfloat_vectors.py
// (CPython 3.11.2, numpy 1.24.2).

// hexFloat is a float64 stored as the hex digits of its bits.
type hexFloat float64

func (h *hexFloat) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	u, err := strconv.ParseUint(s, 16, 64)
	*h = hexFloat(math.Float64frombits(u))
	return err
}

type meanRecord struct {
	Sum      hexFloat  `json:"sum"`
	NpMean   *hexFloat `json:"np_mean"`
	StatMean *hexFloat `json:"stat_mean"`
}

type vectors struct {
	Numpy   string `json:"numpy"`
	Python  string `json:"python"`
	Precs   []int  `json:"precs"`
	Formats []struct {
		X     hexFloat `json:"x"`
		Repr  string   `json:"repr"`
		JSON  string   `json:"json"`
		Fixed []string `json:"fixed"`
	} `json:"formats"`
	FormatHashes []struct {
		Kind  string            `json:"kind"`
		Seed  uint64            `json:"seed"`
		N     int               `json:"n"`
		Repr  string            `json:"repr"`
		JSON  string            `json:"json"`
		Fixed map[string]string `json:"fixed"`
	} `json:"format_hashes"`
	Means []struct {
		Kind string `json:"kind"`
		Seed uint64 `json:"seed"`
		N    int    `json:"n"`
		meanRecord
	} `json:"means"`
	Explicit []struct {
		Runs [][2]json.RawMessage `json:"runs"`
		meanRecord
	} `json:"explicit"`
}

func loadVectors(t testing.TB) *vectors {
	t.Helper()
	b, err := os.ReadFile("testdata/vectors.json")
	require.NoError(t, err)
	var v vectors
	require.NoError(t, json.Unmarshal(b, &v))
	require.Equal(t, "1.24.2", v.Numpy)
	require.Equal(t, "3.11.2", v.Python)
	return &v
}

// derive mirrors derive() in testdata/gen/pyfloat_vectors.py: floats from numpy's raw PCG64
// output for default_rng(seed), by transforms that are exact in both languages.
func derive(t testing.TB, kind string, seed uint64, n int) []float64 {
	p := nprand.New(seed).BitGenerator()
	out := make([]float64, n)
	for i := range out {
		r := p.Uint64()
		var x float64
		switch kind {
		case "bits":
			x = math.Float64frombits(r)
		case "bleu":
			x = float64(r>>11) * 0x1p-53 * 100
		case "decimal":
			pow := uint64(1)
			for range 1 + (r>>59)%17 {
				pow *= 10
			}
			d, e := r%pow, int64((r>>20)%64)-32
			var err error
			x, err = strconv.ParseFloat(fmt.Sprintf("%de%d", d, e), 64)
			require.NoError(t, err)
		case "cancel":
			x = float64(r>>11) * math.Ldexp(1, int(r&127)-100)
			if r&1024 != 0 {
				x = -x
			}
		case "wide":
			if e := int(r&2047) - 1100; e >= -1074 {
				x = float64(r>>11) * math.Ldexp(1, e)
			}
			if r&4096 != 0 {
				x = -x
			}
		case "ints":
			x = float64(r % 200)
		default:
			t.Fatalf("unknown kind %q", kind)
		}
		out[i] = x
	}
	return out
}

// sameFloat reports whether a and b are the same float64, NaNs matching NaNs.
func sameFloat(t *testing.T, want, got float64, msgAndArgs ...any) {
	t.Helper()
	if math.IsNaN(want) && math.IsNaN(got) {
		return
	}
	assert.Equal(t, math.Float64bits(want), math.Float64bits(got),
		append([]any{"want %v (%x), got %v (%x)", want, math.Float64bits(want), got, math.Float64bits(got)}, msgAndArgs...)...)
}

func TestFormats(t *testing.T) {
	v := loadVectors(t)
	for _, tt := range v.Formats {
		x := float64(tt.X)
		t.Run(tt.Repr, func(t *testing.T) {
			assert.Equal(t, tt.Repr, Repr(x))
			assert.Equal(t, tt.JSON, JSON(x))
			for i, p := range v.Precs {
				assert.Equal(t, tt.Fixed[i], FormatFixed(x, p), "prec %d", p)
				want, err := strconv.ParseFloat(tt.Fixed[i], 64) // Python's float() spelling
				if err != nil {
					require.True(t, math.IsNaN(x) || math.IsInf(x, 0))
					continue
				}
				sameFloat(t, want, RoundFixed(x, p), "RoundFixed prec %d", p)
			}
		})
	}
}

// TestFormatHashes compares Repr, JSON and FormatFixed with Python on
// hundreds of thousands of values, through digests.
func TestFormatHashes(t *testing.T) {
	v := loadVectors(t)
	for _, tt := range v.FormatHashes {
		t.Run(tt.Kind, func(t *testing.T) {
			if testing.Short() && tt.N > 100_000 {
				t.Skip("large digest skipped in -short mode")
			}
			xs := derive(t, tt.Kind, tt.Seed, tt.N)
			digest := func(f func(float64) string, keep func(float64) bool) string {
				h := sha256.New()
				first := true
				for _, x := range xs {
					if !keep(x) {
						continue
					}
					if !first {
						h.Write([]byte{'\n'})
					}
					first = false
					h.Write([]byte(f(x)))
				}
				return hex.EncodeToString(h.Sum(nil))
			}
			all := func(float64) bool { return true }
			assert.Equal(t, tt.Repr, digest(Repr, all), "repr")
			assert.Equal(t, tt.JSON, digest(JSON, all), "json")
			for ps, want := range tt.Fixed {
				p, err := strconv.Atoi(ps)
				require.NoError(t, err)
				got := digest(func(x float64) string { return FormatFixed(x, p) },
					func(x float64) bool { return math.Abs(x) < 1e30 || math.IsNaN(x) })
				assert.Equal(t, want, got, "fixed prec %d", p)
			}
		})
	}
}

func checkMeans(t *testing.T, xs []float64, rec meanRecord) {
	t.Helper()
	sameFloat(t, float64(rec.Sum), NumpySum(xs), "NumpySum")
	if rec.NpMean != nil {
		sameFloat(t, float64(*rec.NpMean), NumpyMean(xs), "NumpyMean")
	}
	if rec.StatMean != nil {
		sameFloat(t, float64(*rec.StatMean), StatisticsMean(xs), "StatisticsMean")
	}
}

func TestMeans(t *testing.T) {
	v := loadVectors(t)
	for _, tt := range v.Means {
		t.Run(fmt.Sprintf("%s/n=%d", tt.Kind, tt.N), func(t *testing.T) {
			checkMeans(t, derive(t, tt.Kind, tt.Seed, tt.N), tt.meanRecord)
		})
	}
}

func TestMeansExplicit(t *testing.T) {
	v := loadVectors(t)
	for i, tt := range v.Explicit {
		var xs []float64
		for _, run := range tt.Runs {
			var x hexFloat
			var k int
			require.NoError(t, json.Unmarshal(run[0], &x))
			require.NoError(t, json.Unmarshal(run[1], &k))
			for range k {
				xs = append(xs, float64(x))
			}
		}
		t.Run(strconv.Itoa(i), func(t *testing.T) { checkMeans(t, xs, tt.meanRecord) })
	}
}

func TestEmpty(t *testing.T) {
	sameFloat(t, 0, NumpySum(nil))
	assert.True(t, math.IsNaN(NumpyMean(nil)))
	assert.True(t, math.IsNaN(StatisticsMean(nil)))
	assert.Panics(t, func() { FormatFixed(1, -1) })
	assert.Panics(t, func() { RoundFixed(1, -1) })
	assert.Panics(t, func() { RoundFixed(math.Inf(1), -1) })
}

// TestStatisticsMeanExact checks the exact accumulator on sums that need carries
// through many limbs and on long inputs.
func TestStatisticsMeanExact(t *testing.T) {
	const maxF = math.MaxFloat64
	tiny := math.SmallestNonzeroFloat64
	tests := []struct {
		name string
		xs   []float64
		want float64
	}{
		{"max cancels", []float64{maxF, tiny, -maxF}, tiny / 3},
		{"tiny cancels", []float64{tiny, -tiny}, 0},
		{"max twice", []float64{maxF, maxF}, maxF},
		{"negative", []float64{-1, -2, -3, -4}, -2.5},
		{"borrow chain", []float64{1, -tiny}, 0.5},
		{"sign sum", []float64{-0.5, 0.25}, -0.125},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { sameFloat(t, tt.want, StatisticsMean(tt.xs)) })
	}
	// 3 million copies of a value with a full mantissa: the mean is exact.
	x := 1 / 3.0
	xs := make([]float64, 3_000_000)
	for i := range xs {
		xs[i] = x
		if i%2 == 1 {
			xs[i] = -x * 2
		}
	}
	sameFloat(t, -x/2, StatisticsMean(xs))
}

func TestStatisticsMeanCarryFlush(t *testing.T) {
	var acc exactAcc
	acc.adds = accFlushLen - 2
	for range 5 {
		acc.add(math.MaxFloat64)
		acc.add(-math.MaxFloat64)
	}
	assert.Zero(t, acc.int().Sign())
	assert.Less(t, acc.adds, 5)
}

func TestAppend(t *testing.T) {
	assert.Equal(t, "x=1e+16", string(AppendRepr([]byte("x="), 1e16)))
	assert.Equal(t, "x=-Infinity", string(AppendJSON([]byte("x="), math.Inf(-1))))
	assert.Equal(t, "nan", Repr(math.Copysign(math.NaN(), -1)))
	assert.Equal(t, "nan", FormatFixed(math.Copysign(math.NaN(), -1), 2))
	assert.Equal(t, "-0.00", FormatFixed(-0.001, 2))
	assert.True(t, math.Signbit(RoundFixed(-0.001, 2)))
}
