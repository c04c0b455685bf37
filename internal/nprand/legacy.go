package nprand

import (
	"errors"
	"math"
)

// MT19937 parameters (Matsumoto and Nishimura, 1998).
const (
	mtN       = 624        // state words
	mtM       = 397        // middle word offset of the twist
	mtMatrixA = 0x9908b0df // twist matrix
	mtUpper   = 0x80000000 // most significant bit of a word
	mtLower   = 0x7fffffff // the 31 bits below it
)

// ErrLegacyState reports an [MT19937State] whose position is outside [0, 624].
var ErrLegacyState = errors.New("nprand: MT19937 position out of range")

// RandomState is NumPy's legacy global random stream, numpy.random.RandomState
// (the object behind np.random.seed and np.random.choice), restricted to the
// draws rouge-score's BootstrapAggregator makes. Its bit generator is MT19937
// with numpy's legacy seeding; the legacy stream is frozen by numpy, so it is
// the same in every numpy release since 1.16 (the reference is 1.24.2).
//
// The zero value is not useful; use [NewRandomState] or [RandomState.SetSeed].
// A RandomState is not safe for concurrent use.
type RandomState struct {
	key [mtN]uint32
	pos int // next word of key to output; mtN means the block is spent
}

// MT19937State is the complete state of a [RandomState]: the key and pos
// entries of numpy's RandomState.get_state(). The Gaussian cache that
// get_state also returns is not kept, since no draw here uses it.
type MT19937State struct {
	Key [mtN]uint32
	Pos int // in [0, 624]; 624 means the next draw twists the key first
}

// NewRandomState returns numpy.random.RandomState(seed), the state that
// np.random.seed(seed) gives the global stream.
func NewRandomState(seed uint32) *RandomState {
	r := &RandomState{}
	r.SetSeed(seed)
	return r
}

// SetSeed reseeds r as np.random.seed(seed) does for an integer seed (numpy
// accepts 0 ≤ seed < 2^32): MT19937's init_genrand fills the key with
// key[0] = seed, key[i] = 1812433253·(key[i-1] ^ key[i-1]>>30) + i (mod 2^32),
// and the first draw twists it.
func (r *RandomState) SetSeed(seed uint32) {
	r.key[0] = seed
	for i := 1; i < mtN; i++ {
		prev := r.key[i-1]
		r.key[i] = 1812433253*(prev^prev>>30) + uint32(i)
	}
	r.pos = mtN
}

// State returns r's complete state.
func (r *RandomState) State() MT19937State {
	return MT19937State{Key: r.key, Pos: r.pos}
}

// SetState replaces r's state with s, as RandomState.set_state does. It
// returns [ErrLegacyState], and leaves r unchanged, if s.Pos is outside [0, 624].
func (r *RandomState) SetState(s MT19937State) error {
	if s.Pos < 0 || s.Pos > mtN {
		return ErrLegacyState
	}
	r.key, r.pos = s.Key, s.Pos
	return nil
}

// twist computes the next block of 624 key words in place (MT19937's
// generation step) and rewinds the position.
func (r *RandomState) twist() {
	k := &r.key
	mix := func(a, b, m uint32) uint32 {
		y := a&mtUpper | b&mtLower
		return m ^ y>>1 ^ -(y&1)&mtMatrixA
	}
	i := 0
	for ; i < mtN-mtM; i++ {
		k[i] = mix(k[i], k[i+1], k[i+mtM])
	}
	for ; i < mtN-1; i++ {
		k[i] = mix(k[i], k[i+1], k[i+mtM-mtN])
	}
	k[mtN-1] = mix(k[mtN-1], k[0], k[mtM-1])
	r.pos = 0
}

// temper is MT19937's output function of one key word.
func temper(y uint32) uint32 {
	y ^= y >> 11
	y ^= y << 7 & 0x9d2c5680
	y ^= y << 15 & 0xefc60000
	return y ^ y>>18
}

// Uint32 returns the next 32-bit output of the stream (numpy's legacy
// rk_random, the bit generator's next_uint32).
func (r *RandomState) Uint32() uint32 {
	if r.pos == mtN {
		r.twist()
	}
	y := r.key[r.pos]
	r.pos++
	return temper(y)
}

// Uint64 returns the next 64-bit output as MT19937's next_uint64 does: two
// 32-bit outputs, the first one in the high half.
func (r *RandomState) Uint64() uint64 {
	hi := r.Uint32()
	return uint64(hi)<<32 | uint64(r.Uint32())
}

// FillChoice writes to dst the values of one numpy call
//
//	np.random.choice(np.arange(n), size=len(dst))   // replace=True, p=None
//
// which are the same draws as np.random.choice(n, size=len(dst)) and
// np.random.randint(0, n, size=len(dst)). Consecutive calls continue the
// stream, as consecutive numpy calls on the global RandomState do.
//
// numpy's legacy bounded integers are a masked rejection sampler: with
// rng = n-1 and mask the smallest 2^k-1 ≥ rng, each value is the first draw
// d with d&mask ≤ rng, taken as d&mask. For rng < 2^32 the draws are
// [RandomState.Uint32]; above that, [RandomState.Uint64]. n = 1 gives zeros
// and draws nothing.
//
// FillChoice does not allocate. With n ≤ 0 there is no population: like
// numpy, which raises ValueError, FillChoice then panics unless dst is empty.
func (r *RandomState) FillChoice(n int, dst []int) {
	switch {
	case len(dst) == 0:
	case n <= 0:
		panic("nprand: choice from an empty population")
	case n == 1:
		clear(dst)
	case uint64(n-1) <= math.MaxUint32:
		rng := uint32(n - 1)
		r.fillMasked32(rng, mask32(rng), dst)
	default:
		rng := uint64(n - 1)
		mask := uint64(mask32(uint32(rng>>32)))<<32 | math.MaxUint32
		for i := range dst {
			v := r.Uint64() & mask
			for v > rng {
				v = r.Uint64() & mask
			}
			dst[i] = int(v)
		}
	}
}

// mask32 returns the smallest 2^k-1 that is ≥ x.
func mask32(x uint32) uint32 {
	x |= x >> 1
	x |= x >> 2
	x |= x >> 4
	x |= x >> 8
	return x | x>>16
}

// fillMasked32 fills dst with masked 32-bit rejection draws of range
// [0, rng], scanning the current key block without re-checking its end on
// every draw. An accepted value is written before the test, so the loop
// has no data-dependent branch.
func (r *RandomState) fillMasked32(rng, mask uint32, dst []int) {
	i, pos := 0, r.pos
	for i < len(dst) {
		if pos == mtN {
			r.twist()
			pos = 0
		}
		blk := r.key[pos:]
		j := 0
		for ; j < len(blk) && i < len(dst); j++ {
			v := temper(blk[j]) & mask
			dst[i] = int(v)
			// i++ when v ≤ rng: the sign bit of rng-v in 64 bits, flipped.
			i += int((uint64(rng)-uint64(v))>>63 ^ 1)
		}
		pos += j
	}
	r.pos = pos
}
