package nprand

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The vectors come from /usr/bin/python3 testdata/gen/nprand_legacy_vectors.py
// (numpy 1.24.2); see that script for what each section holds.

type legacyState struct {
	Pos       int    `json:"pos"`
	KeySHA256 string `json:"key_sha256"`
}

type legacyVectors struct {
	Numpy string `json:"numpy"`
	Raw   []struct {
		Seed        uint32      `json:"seed"`
		Initial     legacyState `json:"initial"`
		Key0        []uint32    `json:"key0"`
		First       []uint32    `json:"first"`
		AroundTwist []uint32    `json:"around_twist"`
		SHA256      string      `json:"sha256"`
		Sum         uint64      `json:"sum"`
		After       legacyState `json:"after"`
	} `json:"raw"`
	Choice []struct {
		Seed  uint32 `json:"seed"`
		N     int    `json:"n"`
		Calls []struct {
			SHA256 string      `json:"sha256"`
			Sum    int64       `json:"sum"`
			Values []int       `json:"values"`
			Head   []int       `json:"head"`
			After  legacyState `json:"after"`
		} `json:"calls"`
	} `json:"choice"`
	Rouge []struct {
		Seed  uint32 `json:"seed"`
		Types []struct {
			N       int         `json:"n"`
			Samples int         `json:"samples"`
			SHA256  string      `json:"sha256"`
			Sum     int64       `json:"sum"`
			After   legacyState `json:"after"`
		} `json:"types"`
		Tail  []uint32    `json:"tail"`
		After legacyState `json:"after"`
	} `json:"rouge"`
	Large []struct {
		Seed   uint32      `json:"seed"`
		N      uint64      `json:"n"`
		Values []uint64    `json:"values"`
		Tail   []uint32    `json:"tail"`
		After  legacyState `json:"after"`
	} `json:"large"`
	Bench struct {
		Seed   uint32      `json:"seed"`
		N      int         `json:"n"`
		Calls  int         `json:"calls"`
		SHA256 string      `json:"sha256"`
		Sum    int64       `json:"sum"`
		After  legacyState `json:"after"`
	} `json:"bench"`
}

func loadLegacyVectors(t *testing.T) *legacyVectors {
	t.Helper()
	b, err := os.ReadFile("testdata/legacy_vectors.json")
	require.NoError(t, err)
	var v legacyVectors
	require.NoError(t, json.Unmarshal(b, &v))
	require.Equal(t, "1.24.2", v.Numpy)
	return &v
}

// stateOf summarizes r's state as the vectors do.
func stateOf(r *RandomState) legacyState {
	s := r.State()
	var b [4 * mtN]byte
	for i, k := range s.Key {
		binary.LittleEndian.PutUint32(b[4*i:], k)
	}
	sum := sha256.Sum256(b[:])
	return legacyState{Pos: s.Pos, KeySHA256: hex.EncodeToString(sum[:])}
}

// hashInts adds v to h as little-endian int64 values and returns their sum.
func hashInts(h hash.Hash, v []int) int64 {
	b := make([]byte, 8*len(v))
	var sum int64
	for i, x := range v {
		binary.LittleEndian.PutUint64(b[8*i:], uint64(x))
		sum += int64(x)
	}
	h.Write(b)
	return sum
}

func TestLegacyRaw(t *testing.T) {
	v := loadLegacyVectors(t)
	require.NotEmpty(t, v.Raw)
	for _, tt := range v.Raw {
		t.Run(fmt.Sprint(tt.Seed), func(t *testing.T) {
			r := NewRandomState(tt.Seed)
			assert.Equal(t, tt.Initial, stateOf(r))
			key := r.State().Key
			assert.Equal(t, tt.Key0, key[:len(tt.Key0)])
			out := make([]uint32, 100000)
			for i := range out {
				out[i] = r.Uint32()
			}
			assert.Equal(t, tt.First, out[:len(tt.First)])
			assert.Equal(t, tt.AroundTwist, out[620:630])
			b := make([]byte, 4*len(out))
			var sum uint64
			for i, x := range out {
				binary.LittleEndian.PutUint32(b[4*i:], x)
				sum += uint64(x)
			}
			d := sha256.Sum256(b)
			assert.Equal(t, tt.SHA256, hex.EncodeToString(d[:]))
			assert.Equal(t, tt.Sum, sum)
			assert.Equal(t, tt.After, stateOf(r))
		})
	}
}

func TestLegacyChoice(t *testing.T) {
	v := loadLegacyVectors(t)
	require.NotEmpty(t, v.Choice)
	for _, tt := range v.Choice {
		t.Run(fmt.Sprintf("seed=%d/n=%d", tt.Seed, tt.N), func(t *testing.T) {
			r := NewRandomState(tt.Seed)
			got := make([]int, tt.N)
			for k, c := range tt.Calls {
				r.FillChoice(tt.N, got)
				if c.Values != nil {
					require.Equal(t, c.Values, got, "call %d", k)
				} else {
					require.Equal(t, c.Head, got[:len(c.Head)], "call %d", k)
				}
				h := sha256.New()
				assert.Equal(t, c.Sum, hashInts(h, got), "call %d", k)
				assert.Equal(t, c.SHA256, hex.EncodeToString(h.Sum(nil)), "call %d", k)
				assert.Equal(t, c.After, stateOf(r), "call %d", k)
			}
		})
	}
}

// TestLegacyRouge replays BootstrapAggregator.aggregate(): for each score type
// in turn, n_samples choice calls from one stream.
func TestLegacyRouge(t *testing.T) {
	v := loadLegacyVectors(t)
	require.NotEmpty(t, v.Rouge)
	for _, tt := range v.Rouge {
		t.Run(fmt.Sprint(tt.Seed), func(t *testing.T) {
			r := NewRandomState(tt.Seed)
			for k, ty := range tt.Types {
				idx := make([]int, ty.N)
				h := sha256.New()
				var sum int64
				for range ty.Samples {
					r.FillChoice(ty.N, idx)
					sum += hashInts(h, idx)
				}
				assert.Equal(t, ty.Sum, sum, "type %d", k)
				assert.Equal(t, ty.SHA256, hex.EncodeToString(h.Sum(nil)), "type %d", k)
				assert.Equal(t, ty.After, stateOf(r), "type %d", k)
			}
			for _, w := range tt.Tail {
				assert.Equal(t, w, r.Uint32())
			}
			assert.Equal(t, tt.After, stateOf(r))
		})
	}
}

func TestLegacyLarge(t *testing.T) {
	if math.MaxInt < math.MaxInt64 {
		t.Skip("populations of 2^32 or more need a 64-bit int")
	}
	v := loadLegacyVectors(t)
	require.NotEmpty(t, v.Large)
	for _, tt := range v.Large {
		t.Run(fmt.Sprintf("seed=%d/n=%d", tt.Seed, tt.N), func(t *testing.T) {
			r := NewRandomState(tt.Seed)
			got := make([]int, len(tt.Values))
			r.FillChoice(int(tt.N), got)
			for i, x := range got {
				assert.Equal(t, tt.Values[i], uint64(x), "index %d", i)
			}
			for _, w := range tt.Tail {
				assert.Equal(t, w, r.Uint32())
			}
			assert.Equal(t, tt.After, stateOf(r))
		})
	}
}

// TestLegacyLong checks the benchmark's workload, 1000 calls of n = 10000.
func TestLegacyLong(t *testing.T) {
	v := loadLegacyVectors(t)
	b := v.Bench
	r := NewRandomState(b.Seed)
	idx := make([]int, b.N)
	h := sha256.New()
	var sum int64
	for range b.Calls {
		r.FillChoice(b.N, idx)
		sum += hashInts(h, idx)
	}
	assert.Equal(t, b.Sum, sum)
	assert.Equal(t, b.SHA256, hex.EncodeToString(h.Sum(nil)))
	assert.Equal(t, b.After, stateOf(r))
}

// TestLegacySpecAid is the debugging aid of specs/rouge.md §1.8.
func TestLegacySpecAid(t *testing.T) {
	r := NewRandomState(42)
	got := make([]int, 7)
	r.FillChoice(7, got)
	assert.Equal(t, []int{6, 3, 4, 6, 2, 4, 4}, got)
}

// TestFillChoiceSplit checks that the block-scanning fill equals the
// one-draw-at-a-time definition, however the output is cut into calls.
func TestFillChoiceSplit(t *testing.T) {
	src := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		n := 1 + src.IntN(5000)
		if src.IntN(4) == 0 {
			n = 1 << src.IntN(31)
			n += src.IntN(3) - 1
			n = max(n, 1)
		}
		seed := src.Uint32()
		total := src.IntN(3000)
		want := make([]int, total)
		ref := NewRandomState(seed)
		rng := uint32(n - 1)
		for i := range want {
			if rng == 0 {
				continue
			}
			for {
				v := ref.Uint32() & mask32(rng)
				if v <= rng {
					want[i] = int(v)
					break
				}
			}
		}
		r := NewRandomState(seed)
		got := make([]int, 0, total)
		for len(got) < total {
			k := min(src.IntN(700), total-len(got))
			part := make([]int, k)
			r.FillChoice(n, part)
			got = append(got, part...)
		}
		require.Equal(t, want, got, "seed %d n %d", seed, n)
		require.Equal(t, ref.State(), r.State(), "seed %d n %d", seed, n)
	}
}

func TestFillChoiceEdge(t *testing.T) {
	r := NewRandomState(7)
	before := r.State()
	r.FillChoice(0, nil)
	r.FillChoice(-3, []int{})
	ones := []int{5, 5, 5}
	r.FillChoice(1, ones)
	assert.Equal(t, []int{0, 0, 0}, ones)
	assert.Equal(t, before, r.State(), "n = 1 and empty calls draw nothing")
	assert.PanicsWithValue(t, "nprand: choice from an empty population", func() {
		r.FillChoice(0, make([]int, 1))
	})
}

func TestLegacyState(t *testing.T) {
	r := NewRandomState(99)
	r.Uint32()
	s := r.State()
	want := []uint32{r.Uint32(), r.Uint32()}
	q := &RandomState{}
	require.NoError(t, q.SetState(s))
	assert.Equal(t, want, []uint32{q.Uint32(), q.Uint32()})
	for _, pos := range []int{-1, mtN + 1} {
		bad := s
		bad.Pos = pos
		assert.ErrorIs(t, q.SetState(bad), ErrLegacyState)
	}
	assert.Equal(t, r.State(), q.State(), "a rejected state leaves q unchanged")
	r.SetSeed(99)
	assert.Equal(t, NewRandomState(99).State(), r.State())
}

func TestMask32(t *testing.T) {
	for _, tt := range []struct{ in, want uint32 }{
		{1, 1}, {2, 3}, {3, 3}, {4, 7}, {6, 7}, {99, 127}, {65535, 65535},
		{65536, 131071}, {1<<31 - 1, 1<<31 - 1}, {1 << 31, math.MaxUint32},
	} {
		assert.Equal(t, tt.want, mask32(tt.in), "mask32(%d)", tt.in)
	}
}

func TestFillChoiceAllocs(t *testing.T) {
	r := NewRandomState(1)
	dst := make([]int, 1000)
	assert.Zero(t, testing.AllocsPerRun(10, func() { r.FillChoice(333, dst) }))
}
