package winrate

import "math/bits"

// xoshiro is the xoshiro256++ generator of Blackman and Vigna: four words of
// state, a few shifts, rotations and xors a draw. It implements rand.Source.
// Every bootstrap resample gets its own generator, seeded from the
// configuration's seed and the resample's number, so a resample draws the same
// values whichever goroutine computes it.
type xoshiro struct{ s0, s1, s2, s3 uint64 }

// splitmix64 advances *x and returns the next output of Vigna's SplitMix64, the
// recommended way to fill xoshiro's state from one word.
func splitmix64(x *uint64) uint64 {
	*x += 0x9e3779b97f4a7c15
	z := *x
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// reseed sets the state for stream (a resample's number) of seed. Four
// successive SplitMix64 outputs are never all zero, the one state xoshiro must
// avoid.
func (g *xoshiro) reseed(seed, stream uint64) {
	x := seed
	x = splitmix64(&x) ^ stream
	g.s0 = splitmix64(&x)
	g.s1 = splitmix64(&x)
	g.s2 = splitmix64(&x)
	g.s3 = splitmix64(&x)
}

// Uint64 returns the next 64 random bits.
func (g *xoshiro) Uint64() uint64 {
	r := bits.RotateLeft64(g.s0+g.s3, 23) + g.s0
	t := g.s1 << 17
	g.s2 ^= g.s0
	g.s3 ^= g.s1
	g.s1 ^= g.s2
	g.s0 ^= g.s3
	g.s2 ^= t
	g.s3 = bits.RotateLeft64(g.s3, 45)
	return r
}

// below returns a uniform integer in [0, n), n > 0, by Lemire's nearly
// divisionless method: the high word of a 64×64-bit product, redrawn only when
// the low word falls below 2^64 mod n (the division runs only when the low word
// is below n, which is rare for small n).
func (g *xoshiro) below(n uint64) uint64 {
	hi, lo := bits.Mul64(g.Uint64(), n)
	if lo < n {
		thr := -n % n
		for lo < thr {
			hi, lo = bits.Mul64(g.Uint64(), n)
		}
	}
	return hi
}

// gatherSum returns the sum of len(vals) values drawn uniformly with replacement
// from vals, with random bits from g. Below 2^32 values every 64-bit draw gives
// two indices (Lemire's method on each 32-bit half); a half whose low product
// word falls below 2^32 mod n is redrawn with [xoshiro.below]. The sum runs in
// two accumulators, in a fixed order, so a generator state gives one result.
func gatherSum(vals []float64, g *xoshiro) float64 {
	n := len(vals)
	if uint64(n) >= 1<<32 {
		var s float64
		for range n {
			s += vals[g.below(uint64(n))]
		}
		return s
	}
	n64 := uint64(n)
	thr := uint32(-uint32(n) % uint32(n))
	var a, b float64
	// The generator's state lives in locals inside the loop (Uint64 written
	// out), so it stays in registers.
	s0, s1, s2, s3 := g.s0, g.s1, g.s2, g.s3
	i := 0
	for ; i+1 < n; i += 2 {
		r := bits.RotateLeft64(s0+s3, 23) + s0
		t := s1 << 17
		s2 ^= s0
		s3 ^= s1
		s1 ^= s2
		s0 ^= s3
		s2 ^= t
		s3 = bits.RotateLeft64(s3, 45)
		m0 := (r & 0xffffffff) * n64
		m1 := (r >> 32) * n64
		if uint32(m0) < thr || uint32(m1) < thr {
			g.s0, g.s1, g.s2, g.s3 = s0, s1, s2, s3
			if uint32(m0) < thr {
				m0 = g.below(n64) << 32
			}
			if uint32(m1) < thr {
				m1 = g.below(n64) << 32
			}
			s0, s1, s2, s3 = g.s0, g.s1, g.s2, g.s3
		}
		a += vals[m0>>32]
		b += vals[m1>>32]
	}
	g.s0, g.s1, g.s2, g.s3 = s0, s1, s2, s3
	if i < n {
		a += vals[g.below(n64)]
	}
	return a + b
}
