package nprand

import (
	"crypto/rand"
	"encoding/binary"
	"math"
	"math/bits"
)

// Generator is numpy.random.Generator over a [PCG64] bit generator, the
// object numpy.random.default_rng returns. It is not safe for concurrent use.
type Generator struct {
	bg PCG64
}

// New returns numpy.random.default_rng(seed) for a seed below 2^64.
func New(seed uint64) *Generator {
	return &Generator{bg: *NewPCG64(seed)}
}

// NewFromSeedSequence returns numpy.random.default_rng(seq), a Generator whose
// PCG64 is seeded from seq. Use it, with [SeedSequenceFromWords], for Python
// integer seeds of 2^64 or more.
func NewFromSeedSequence(seq SeedSequence) *Generator {
	return &Generator{bg: *NewPCG64FromSeedSequence(seq)}
}

// NewUnseeded returns a Generator seeded from 128 bits of operating-system
// entropy, as numpy.random.default_rng(None) is. Its draws cannot be
// reproduced.
func NewUnseeded() *Generator {
	var b [16]byte
	rand.Read(b[:]) // never returns an error; crashes the program instead
	w := make([]uint32, 0, 4)
	for i := 0; i < 4; i++ {
		w = append(w, binary.LittleEndian.Uint32(b[4*i:]))
	}
	for len(w) > 1 && w[len(w)-1] == 0 { // a Python int has no leading zero words
		w = w[:len(w)-1]
	}
	return NewFromSeedSequence(SeedSequenceFromWords(w))
}

// BitGenerator returns the Generator's bit generator (Generator.bit_generator).
// Draws made through it advance the Generator's stream.
func (g *Generator) BitGenerator() *PCG64 { return &g.bg }

// Bounded streams the values of one numpy call
//
//	rng.integers(0, n, size=..., dtype=np.int64)   // or, the same draws,
//	rng.choice(n, size=..., replace=True)
//
// in row-major order. Consecutive Fill calls continue the same stream, so S
// calls of Fill with n-element rows give exactly the flattened S×n matrix that
// rng.choice(n, size=(S, n)) returns, and leave the Generator in the same
// state. Any number of Bounded values may be created over one Generator: the
// numpy algorithm keeps no per-call state, so interleaving them is the same as
// making the corresponding numpy calls in the same order.
//
// As in numpy's random_bounded_uint64_fill with rng = n-1: n = 1 draws
// nothing; n-1 < 2^32-1 uses Lemire's method on 32-bit words (two per 64-bit
// output, low half first, the high half buffered in the [PCG64]); n = 2^32
// returns raw 32-bit words; larger n uses Lemire's method on 64-bit outputs.
type Bounded struct {
	p      *PCG64
	n      uint64
	excl32 uint32 // n when n < 2^32
	thr32  uint32 // 2^32 mod n: the Lemire rejection threshold
	thr64  uint64 // 2^64 mod n
}

// NewBounded returns a stream of integers drawn uniformly from [0, n) by g.
// Creating it draws nothing. With n = 0 there is no such integer: Fill then
// panics unless dst is empty (numpy allows only empty output for an empty
// range too).
func (g *Generator) NewBounded(n uint64) *Bounded {
	b := &Bounded{p: &g.bg, n: n}
	switch {
	case n <= 1:
	case n <= math.MaxUint32:
		b.excl32 = uint32(n)
		b.thr32 = -uint32(n) % uint32(n)
	case n > 1<<32:
		b.thr64 = -n % n
	}
	return b
}

// N returns the exclusive upper bound of the stream.
func (b *Bounded) N() uint64 { return b.n }

// Next returns the next value of the stream.
func (b *Bounded) Next() uint64 {
	var v [1]uint64
	fillBounded(b, v[:])
	return v[0]
}

// Fill writes the next len(dst) values of the stream to dst. It panics if
// n-1 does not fit in int. It does not allocate.
func (b *Bounded) Fill(dst []int) {
	if b.n-1 > math.MaxInt && b.n != 0 {
		panic("nprand: bound too large for int")
	}
	fillBounded(b, dst)
}

// FillInt32 is Fill for int32 values; it panics if n > 2^31.
func (b *Bounded) FillInt32(dst []int32) {
	if b.n-1 > math.MaxInt32 && b.n != 0 {
		panic("nprand: bound too large for int32")
	}
	fillBounded(b, dst)
}

// FillUint16 is Fill for uint16 values; it panics if n > 2^16.
func (b *Bounded) FillUint16(dst []uint16) {
	if b.n-1 > math.MaxUint16 && b.n != 0 {
		panic("nprand: bound too large for uint16")
	}
	fillBounded(b, dst)
}

// FillUint64 is Fill for uint64 values; it accepts every n.
func (b *Bounded) FillUint64(dst []uint64) { fillBounded(b, dst) }

// fillBounded is random_bounded_uint64_fill with off = 0 and rng = b.n-1.
func fillBounded[T int | int32 | uint16 | uint64](b *Bounded, dst []T) {
	if len(dst) == 0 {
		return
	}
	switch n := b.n; {
	case n == 0:
		panic("nprand: integers from an empty range")
	case n == 1:
		clear(dst)
	case n <= math.MaxUint32:
		fillLemire32(b.p, b.excl32, b.thr32, dst)
	case n == 1<<32:
		for i := range dst {
			dst[i] = T(b.p.Uint32())
		}
	default:
		for i := range dst {
			dst[i] = T(lemire64(b.p, n, b.thr64))
		}
	}
}

// fillLemire32 is numpy's buffered_bounded_lemire_uint32 applied len(dst)
// times with rng_excl = excl: each value is the high word of a 32-bit draw
// times excl, redrawn while the low word is below thr (numpy's cheaper
// pre-check, low word < excl, only decides whether to look at thr, so a draw
// is rejected exactly when its low word is below thr). The 32-bit draws are
// the low then the high half of each 64-bit output.
//
// Long fills compute the LCG four steps at a time on four independent lanes
// (state k+4 from state k), which lets the processor overlap the 128-bit
// multiplications; the draws and the final state are the same as one step at
// a time.
func fillLemire32[T int | int32 | uint16 | uint64](p *PCG64, excl, thr uint32, dst []T) {
	hi, lo, incHi, incLo := p.hi, p.lo, p.incHi, p.incLo
	has, buf := p.hasUint32, p.uinteger
	i := 0
	// One draw at a time until no half is buffered (or for short fills).
	for i < len(dst) && (has || len(dst)-i < 16) {
		var r uint32
		if has {
			r, has = buf, false
		} else {
			hi, lo = lcgStep(hi, lo, incHi, incLo)
			x := output(hi, lo)
			r, buf, has = uint32(x), uint32(x>>32), true
		}
		m := uint64(r) * uint64(excl)
		if uint32(m) < thr {
			continue // rejected: the next draw replaces it
		}
		dst[i] = T(m >> 32)
		i++
	}
	if i < len(dst) {
		// Four lanes hold the states of four consecutive outputs; each batch
		// moves every lane four steps on: s' = m4·s + c4.
		m4h, m4l, c4h, c4l := jump4(incHi, incLo)
		var lh, ll [4]uint64
		h, l := hi, lo
		for j := range 4 {
			h, l = lcgStep(h, l, incHi, incLo)
			lh[j], ll[j] = h, l
		}
		e := uint64(excl)
		for {
			x0, x1 := output(lh[0], ll[0]), output(lh[1], ll[1])
			x2, x3 := output(lh[2], ll[2]), output(lh[3], ll[3])
			m0, m1 := uint64(uint32(x0))*e, (x0>>32)*e
			m2, m3 := uint64(uint32(x1))*e, (x1>>32)*e
			m4, m5 := uint64(uint32(x2))*e, (x2>>32)*e
			m6, m7 := uint64(uint32(x3))*e, (x3>>32)*e
			if len(dst)-i > 8 && min(uint32(m0), uint32(m1), uint32(m2), uint32(m3),
				uint32(m4), uint32(m5), uint32(m6), uint32(m7)) >= thr {
				// No draw of the batch is rejected and the fill goes on after it.
				d := dst[i : i+8 : i+8]
				d[0], d[1], d[2], d[3] = T(m0>>32), T(m1>>32), T(m2>>32), T(m3>>32)
				d[4], d[5], d[6], d[7] = T(m4>>32), T(m5>>32), T(m6>>32), T(m7>>32)
				i += 8
			} else {
				x := [4]uint64{x0, x1, x2, x3}
				for k := range 8 {
					m := uint64(uint32(x[k/2]>>(32*uint(k%2)))) * e
					if uint32(m) < thr {
						continue
					}
					dst[i] = T(m >> 32)
					i++
					if i == len(dst) {
						// The state is that of the output the last draw came
						// from; numpy keeps its high half in the buffer even
						// once it has been used.
						j := k / 2
						p.hi, p.lo = lh[j], ll[j]
						p.hasUint32, p.uinteger = k%2 == 0, uint32(x[j]>>32)
						return
					}
				}
			}
			for j := range 4 {
				lh[j], ll[j] = lcgJump(lh[j], ll[j], m4h, m4l, c4h, c4l)
			}
		}
	}
	p.hi, p.lo = hi, lo
	p.hasUint32, p.uinteger = has, buf
}

// jump4 returns the multiplier mult^4 and the increment inc·(mult^3 + mult^2 +
// mult + 1) of four LCG steps, mod 2^128.
func jump4(incHi, incLo uint64) (mh, ml, ch, cl uint64) {
	mh, ml = multHi, multLo
	ch, cl = incHi, incLo
	for range 3 {
		// c = c·mult + inc; m = m·mult, as in stepping four times.
		ch, cl = mul128(ch, cl, multHi, multLo)
		ch, cl = add128(ch, cl, incHi, incLo)
		mh, ml = mul128(mh, ml, multHi, multLo)
	}
	return mh, ml, ch, cl
}

// lcgJump returns state·m + c (mod 2^128) for state hi:lo.
func lcgJump(hi, lo, mh, ml, ch, cl uint64) (uint64, uint64) {
	ph, pl := mul128(hi, lo, mh, ml)
	return add128(ph, pl, ch, cl)
}

// lemire64 is numpy's bounded_lemire_uint64 with rng_excl = n and
// threshold thr = 2^64 mod n.
func lemire64(p *PCG64, n, thr uint64) uint64 {
	h, l := bits.Mul64(p.Uint64(), n)
	if l < n {
		for l < thr {
			h, l = bits.Mul64(p.Uint64(), n)
		}
	}
	return h
}

// Bools streams the values of one numpy call
//
//	rng.integers(2, size=..., dtype=bool)
//
// in row-major order. numpy's random_bounded_bool_fill draws one 32-bit word
// (from the [PCG64], so it may be the buffered high half of an earlier 64-bit
// output) and returns its bits least significant first, 32 bools per word.
// That bit buffer lives in the Bools value: consecutive Fill calls continue
// one numpy call, and a new Bools starts a new call, dropping the unused bits.
// Between Fill calls of one Bools, draw nothing else from the Generator,
// since numpy cannot interleave other draws within one call.
type Bools struct {
	p    *PCG64
	buf  uint32
	bcnt int // bits of buf left after the current one
}

// NewBools starts a stream of uniform bools drawn by g. It draws nothing until
// the first value is needed.
func (g *Generator) NewBools() *Bools { return &Bools{p: &g.bg} }

// Next returns the next bool of the stream.
func (b *Bools) Next() bool {
	if b.bcnt == 0 {
		b.buf = b.p.Uint32()
		b.bcnt = 31
	} else {
		b.buf >>= 1
		b.bcnt--
	}
	return b.buf&1 != 0
}

// Fill writes the next len(dst) bools of the stream to dst. It does not
// allocate.
func (b *Bools) Fill(dst []bool) {
	i := 0
	// Finish the current word.
	for ; i < len(dst) && b.bcnt > 0; i++ {
		dst[i] = b.Next()
	}
	// Whole words: 32 bools each, least significant bit first.
	for ; len(dst)-i >= 32; i += 32 {
		w := b.p.Uint32()
		out := dst[i : i+32 : i+32]
		for j := range out {
			out[j] = w>>j&1 != 0
		}
		b.buf, b.bcnt = w>>31, 0
	}
	for ; i < len(dst); i++ {
		dst[i] = b.Next()
	}
}
