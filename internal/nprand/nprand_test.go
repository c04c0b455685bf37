package nprand

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The vectors come from /usr/bin/python3 testdata/gen/nprand_vectors.py
// (numpy 1.24.2); see that script for what each section holds.

type jsonState struct {
	StateHi   uint64 `json:"state_hi"`
	StateLo   uint64 `json:"state_lo"`
	IncHi     uint64 `json:"inc_hi"`
	IncLo     uint64 `json:"inc_lo"`
	HasUint32 bool   `json:"has_uint32"`
	Uinteger  uint32 `json:"uinteger"`
}

func (s jsonState) State() State {
	return State{s.StateHi, s.StateLo, s.IncHi, s.IncLo, s.HasUint32, s.Uinteger}
}

type vectors struct {
	Numpy string `json:"numpy"`
	Seeds []struct {
		Seed        string    `json:"seed"`
		Words       []uint32  `json:"words"`
		Pool        []uint32  `json:"pool"`
		State32     []uint32  `json:"state32"`
		State64     []uint64  `json:"state64"`
		Initial     jsonState `json:"initial"`
		Raw         []uint64  `json:"raw"`
		Uint32      []uint32  `json:"uint32"`
		AfterUint32 jsonState `json:"after_uint32"`
	} `json:"seeds"`
	Choice []struct {
		Seed   uint64    `json:"seed"`
		N      uint64    `json:"n"`
		Rows   int       `json:"rows"`
		Cols   int       `json:"cols"`
		Values []uint64  `json:"values"`
		After  jsonState `json:"after"`
	} `json:"choice"`
	Bools []struct {
		Seed  uint64    `json:"seed"`
		Rows  int       `json:"rows"`
		Cols  int       `json:"cols"`
		Bits  string    `json:"bits"`
		After jsonState `json:"after"`
	} `json:"bools"`
	Sequences []struct {
		Seed  uint64 `json:"seed"`
		Calls []struct {
			Op     string    `json:"op"`
			N      uint64    `json:"n"`
			Rows   int       `json:"rows"`
			Cols   int       `json:"cols"`
			Values []uint64  `json:"values"`
			Bits   string    `json:"bits"`
			After  jsonState `json:"after"`
		} `json:"calls"`
	} `json:"sequences"`
	Advance []struct {
		Seed    uint64    `json:"seed"`
		DeltaHi uint64    `json:"delta_hi"`
		DeltaLo uint64    `json:"delta_lo"`
		After   jsonState `json:"after"`
		Raw     []uint64  `json:"raw"`
	} `json:"advance"`
	Large []struct {
		Op           string    `json:"op"`
		Seed         uint64    `json:"seed"`
		N            uint64    `json:"n"`
		Rows         int       `json:"rows"`
		SHA256       string    `json:"sha256"`
		Sum          int64     `json:"sum"`
		Xor          int64     `json:"xor"`
		Trials       int       `json:"trials"`
		Boot         int       `json:"boot"`
		BoolSHA256   string    `json:"bool_sha256"`
		BoolCount    int       `json:"bool_count"`
		AfterBool    jsonState `json:"after_bool"`
		ChoiceSHA256 string    `json:"choice_sha256"`
		After        jsonState `json:"after"`
	} `json:"large"`
}

func loadVectors(t *testing.T) *vectors {
	t.Helper()
	b, err := os.ReadFile("testdata/vectors.json")
	require.NoError(t, err)
	var v vectors
	require.NoError(t, json.Unmarshal(b, &v))
	require.Equal(t, "1.24.2", v.Numpy)
	return &v
}

// bitString renders bools as numpy's vectors do: "1" for true.
func bitString(bs []bool) string {
	b := make([]byte, len(bs))
	for i, v := range bs {
		b[i] = '0'
		if v {
			b[i] = '1'
		}
	}
	return string(b)
}

// fillRows draws rows×cols values from b one row at a time.
func fillRows(b *Bounded, rows, cols int) []uint64 {
	out := make([]uint64, 0, rows*cols)
	row := make([]uint64, cols)
	for range rows {
		b.FillUint64(row)
		out = append(out, row...)
	}
	return out
}

// boolRows draws rows×cols bools from b one row at a time.
func boolRows(b *Bools, rows, cols int) []bool {
	out := make([]bool, 0, rows*cols)
	row := make([]bool, cols)
	for range rows {
		b.Fill(row)
		out = append(out, row...)
	}
	return out
}

func TestSeedSequenceAndPCG64(t *testing.T) {
	v := loadVectors(t)
	for _, tt := range v.Seeds {
		t.Run(tt.Seed, func(t *testing.T) {
			if seed, err := strconv.ParseUint(tt.Seed, 10, 64); err == nil {
				assert.Equal(t, tt.Words, IntWords(nil, seed))
				assert.Equal(t, tt.Initial.State(), NewPCG64(seed).State())
			}
			ss := SeedSequenceFromWords(tt.Words)
			pool := ss.Pool()
			assert.Equal(t, tt.Pool, pool[:])
			s32 := make([]uint32, len(tt.State32))
			ss.GenerateState32(s32)
			assert.Equal(t, tt.State32, s32)
			s64 := make([]uint64, len(tt.State64))
			ss.GenerateState64(s64)
			assert.Equal(t, tt.State64, s64)

			p := NewPCG64FromSeedSequence(ss)
			require.Equal(t, tt.Initial.State(), p.State())
			raw := make([]uint64, len(tt.Raw))
			for i := range raw {
				raw[i] = p.Uint64()
			}
			assert.Equal(t, tt.Raw, raw)

			g := NewFromSeedSequence(ss)
			u := make([]uint32, len(tt.Uint32))
			for i := range u {
				u[i] = g.BitGenerator().Uint32()
			}
			assert.Equal(t, tt.Uint32, u)
			assert.Equal(t, tt.AfterUint32.State(), g.BitGenerator().State())
		})
	}
}

func TestChoice(t *testing.T) {
	v := loadVectors(t)
	for _, tt := range v.Choice {
		t.Run(fmt.Sprintf("seed=%d/n=%d/%dx%d", tt.Seed, tt.N, tt.Rows, tt.Cols), func(t *testing.T) {
			g := New(tt.Seed)
			got := fillRows(g.NewBounded(tt.N), tt.Rows, tt.Cols)
			assert.Equal(t, tt.Values, got)
			assert.Equal(t, tt.After.State(), g.BitGenerator().State())

			// One call for the whole matrix, and value by value, agree.
			g = New(tt.Seed)
			all := make([]uint64, tt.Rows*tt.Cols)
			g.NewBounded(tt.N).FillUint64(all)
			assert.Equal(t, tt.Values, all)
			g = New(tt.Seed)
			b := g.NewBounded(tt.N)
			for i := range all {
				all[i] = b.Next()
			}
			assert.Equal(t, tt.Values, all)
			assert.Equal(t, tt.After.State(), g.BitGenerator().State())

			if tt.N <= 1<<31 {
				g = New(tt.Seed)
				i32 := make([]int32, len(all))
				g.NewBounded(tt.N).FillInt32(i32)
				for i, x := range i32 {
					require.Equal(t, tt.Values[i], uint64(x))
				}
				g = New(tt.Seed)
				in := make([]int, len(all))
				g.NewBounded(tt.N).Fill(in)
				for i, x := range in {
					require.Equal(t, tt.Values[i], uint64(x))
				}
			}
		})
	}
}

func TestBools(t *testing.T) {
	v := loadVectors(t)
	for _, tt := range v.Bools {
		t.Run(fmt.Sprintf("seed=%d/%dx%d", tt.Seed, tt.Rows, tt.Cols), func(t *testing.T) {
			g := New(tt.Seed)
			assert.Equal(t, tt.Bits, bitString(boolRows(g.NewBools(), tt.Rows, tt.Cols)))
			assert.Equal(t, tt.After.State(), g.BitGenerator().State())

			// Value by value, and in uneven chunks, agree with row by row.
			g = New(tt.Seed)
			b := g.NewBools()
			got := make([]bool, tt.Rows*tt.Cols)
			for i := range got {
				got[i] = b.Next()
			}
			assert.Equal(t, tt.Bits, bitString(got))
			g = New(tt.Seed)
			b = g.NewBools()
			for i, step := 0, 1; i < len(got); i, step = i+step, step*2+1 {
				b.Fill(got[i:min(i+step, len(got))])
			}
			assert.Equal(t, tt.Bits, bitString(got))
			assert.Equal(t, tt.After.State(), g.BitGenerator().State())
		})
	}
}

func TestSequences(t *testing.T) {
	v := loadVectors(t)
	for i, seq := range v.Sequences {
		t.Run(fmt.Sprintf("%d/seed=%d", i, seq.Seed), func(t *testing.T) {
			g := New(seq.Seed)
			for j, c := range seq.Calls {
				switch c.Op {
				case "choice":
					assert.Equal(t, c.Values, fillRows(g.NewBounded(c.N), c.Rows, c.Cols), "call %d", j)
				case "bool":
					assert.Equal(t, c.Bits, bitString(boolRows(g.NewBools(), c.Rows, c.Cols)), "call %d", j)
				case "raw":
					got := make([]uint64, len(c.Values))
					for k := range got {
						got[k] = g.BitGenerator().Uint64()
					}
					assert.Equal(t, c.Values, got, "call %d", j)
				case "uint32":
					got := make([]uint64, len(c.Values))
					for k := range got {
						got[k] = uint64(g.BitGenerator().Uint32())
					}
					assert.Equal(t, c.Values, got, "call %d", j)
				default:
					t.Fatalf("unknown op %q", c.Op)
				}
				require.Equal(t, c.After.State(), g.BitGenerator().State(), "state after call %d (%s)", j, c.Op)
			}
		})
	}
}

func TestAdvance(t *testing.T) {
	v := loadVectors(t)
	for _, tt := range v.Advance {
		t.Run(fmt.Sprintf("seed=%d/delta=%d:%d", tt.Seed, tt.DeltaHi, tt.DeltaLo), func(t *testing.T) {
			p := NewPCG64(tt.Seed)
			p.Uint32()
			p.Advance(tt.DeltaHi, tt.DeltaLo)
			require.Equal(t, tt.After.State(), p.State())
			for _, want := range tt.Raw {
				assert.Equal(t, want, p.Uint64())
			}
		})
	}
	// Advancing by k equals k steps; by 2^128-k undoes them.
	p, q := NewPCG64(7), NewPCG64(7)
	for range 1234 {
		p.Uint64()
	}
	q.Advance(0, 1234)
	assert.Equal(t, p.State(), q.State())
	q.Advance(^uint64(0), ^uint64(0)-1233) // 2^128 - 1234
	assert.Equal(t, NewPCG64(7).State(), q.State())
}

func TestSetState(t *testing.T) {
	p := NewPCG64(12345)
	p.Uint32()
	s := p.State()
	want := p.Uint64()
	var q PCG64
	q.SetState(s)
	assert.Equal(t, want, q.Uint64())
}

// TestLarge checks the long streams sacreBLEU draws (1000×10000 choice, AR
// masks) against digests of numpy's output.
func TestLarge(t *testing.T) {
	v := loadVectors(t)
	for _, tt := range v.Large {
		name := fmt.Sprintf("%s/seed=%d/n=%d", tt.Op, tt.Seed, tt.N)
		t.Run(name, func(t *testing.T) {
			if testing.Short() && tt.N*uint64(max(tt.Rows, tt.Trials)) > 5e6 {
				t.Skip("large draw skipped in -short mode")
			}
			g := New(tt.Seed)
			switch tt.Op {
			case "choice":
				sum, xor, digest := choiceDigest(g, tt.N, tt.Rows)
				assert.Equal(t, tt.SHA256, digest)
				assert.Equal(t, tt.Sum, sum)
				assert.Equal(t, tt.Xor, xor)
			case "ar":
				h := sha256.New()
				b := g.NewBools()
				row := make([]bool, tt.N)
				buf := make([]byte, tt.N)
				count := 0
				for range tt.Trials {
					b.Fill(row)
					for i, x := range row {
						buf[i] = 0
						if x {
							buf[i] = 1
							count++
						}
					}
					h.Write(buf)
				}
				assert.Equal(t, tt.BoolSHA256, hex.EncodeToString(h.Sum(nil)))
				assert.Equal(t, tt.BoolCount, count)
				require.Equal(t, tt.AfterBool.State(), g.BitGenerator().State())
				if tt.Boot > 0 {
					_, _, digest := choiceDigest(g, tt.N, tt.Boot)
					assert.Equal(t, tt.ChoiceSHA256, digest)
				}
			}
			assert.Equal(t, tt.After.State(), g.BitGenerator().State())
		})
	}
}

// choiceDigest draws rows×n indices row by row and returns their sum, xor
// and the SHA-256 of their int64 little-endian bytes.
func choiceDigest(g *Generator, n uint64, rows int) (sum, xor int64, digest string) {
	h := sha256.New()
	b := g.NewBounded(n)
	row := make([]int, n)
	buf := make([]byte, 8*n)
	for range rows {
		b.Fill(row)
		for i, x := range row {
			sum += int64(x)
			xor ^= int64(x)
			binary.LittleEndian.PutUint64(buf[8*i:], uint64(x))
		}
		h.Write(buf)
	}
	return sum, xor, hex.EncodeToString(h.Sum(nil))
}

func TestEdgeCases(t *testing.T) {
	g := New(1)
	before := g.BitGenerator().State()
	// n = 1 and empty output draw nothing.
	dst := []int{5, 5, 5}
	g.NewBounded(1).Fill(dst)
	assert.Equal(t, []int{0, 0, 0}, dst)
	g.NewBounded(0).Fill(nil)
	g.NewBounded(10).Fill(nil)
	g.NewBools().Fill(nil)
	assert.Equal(t, before, g.BitGenerator().State())

	assert.Panics(t, func() { g.NewBounded(0).Fill(make([]int, 1)) })
	assert.Panics(t, func() { g.NewBounded(1<<31 + 1).FillInt32(make([]int32, 1)) })
	assert.NotPanics(t, func() { g.NewBounded(1 << 31).FillInt32(make([]int32, 1)) })
	assert.Equal(t, uint64(10), g.NewBounded(10).N())

	assert.Equal(t, []uint32{0}, IntWords(nil, 0))
	assert.Equal(t, []uint32{7, 1}, IntWords(nil, 1<<32+7))
	assert.Equal(t, NewSeedSequence(12345), SeedSequenceFromWords([]uint32{12345}))

	// Unseeded generators work and differ.
	a, b := NewUnseeded(), NewUnseeded()
	assert.NotEqual(t, a.BitGenerator().Uint64(), b.BitGenerator().Uint64())
}

func TestFillAllocs(t *testing.T) {
	g := New(12345)
	b := g.NewBounded(10000)
	row := make([]int, 10000)
	bs := g.NewBools()
	mask := make([]bool, 10000)
	allocs := testing.AllocsPerRun(10, func() {
		b.Fill(row)
		bs.Fill(mask)
	})
	assert.Zero(t, allocs)
}
