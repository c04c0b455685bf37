package nprand

// Constants of numpy's SeedSequence (numpy/random/bit_generator.pyx).
const (
	poolSize = 4 // DEFAULT_POOL_SIZE, in 32-bit words

	initA    uint32 = 0x43b0d7e5
	multA    uint32 = 0x931e8875
	initB    uint32 = 0x8b51f9dd
	multB    uint32 = 0x58f38ded
	mixMultL uint32 = 0xca01f9dd
	mixMultR uint32 = 0x4973f715
	xshift          = 16 // half the bits of a uint32
)

// SeedSequence is numpy.random.SeedSequence(entropy) with the default pool
// size of 4 words, no spawn key and no children spawned: the only form that
// default_rng(seed) creates. The zero value is not a valid SeedSequence; use
// [NewSeedSequence] or [SeedSequenceFromWords].
type SeedSequence struct {
	pool [poolSize]uint32
}

// NewSeedSequence returns numpy.random.SeedSequence(seed) for a non-negative
// integer seed below 2^64. Larger Python integers are supported through
// [SeedSequenceFromWords].
func NewSeedSequence(seed uint64) SeedSequence {
	var w [2]uint32
	return SeedSequenceFromWords(IntWords(w[:0], seed))
}

// IntWords appends to dst the 32-bit words numpy uses as the entropy of the
// Python integer seed: least significant word first, with no leading zero
// words, and the single word 0 for seed 0. It returns the extended slice.
func IntWords(dst []uint32, seed uint64) []uint32 {
	if seed == 0 {
		return append(dst, 0)
	}
	for seed > 0 {
		dst = append(dst, uint32(seed))
		seed >>= 32
	}
	return dst
}

// SeedSequenceFromWords returns the SeedSequence whose assembled entropy is
// words: for a Python integer, its 32-bit words least significant first (as
// [IntWords] writes them); for a sequence of integers, their words in order.
// An empty words behaves like numpy given an empty entropy array.
func SeedSequenceFromWords(words []uint32) SeedSequence {
	var s SeedSequence
	h := initA
	hashmix := func(v uint32) uint32 {
		v ^= h
		h *= multA
		v *= h
		return v ^ v>>xshift
	}
	mix := func(x, y uint32) uint32 {
		r := mixMultL*x - mixMultR*y
		return r ^ r>>xshift
	}
	for i := range s.pool {
		var w uint32
		if i < len(words) {
			w = words[i]
		}
		s.pool[i] = hashmix(w)
	}
	for src := range s.pool {
		for dst := range s.pool {
			if src != dst {
				s.pool[dst] = mix(s.pool[dst], hashmix(s.pool[src]))
			}
		}
	}
	for src := poolSize; src < len(words); src++ {
		for dst := range s.pool {
			s.pool[dst] = mix(s.pool[dst], hashmix(words[src]))
		}
	}
	return s
}

// Pool returns the mixed entropy pool (SeedSequence.pool).
func (s SeedSequence) Pool() [poolSize]uint32 { return s.pool }

// GenerateState32 fills dst as SeedSequence.generate_state(len(dst), np.uint32) does.
func (s SeedSequence) GenerateState32(dst []uint32) {
	h := initB
	for i := range dst {
		v := s.pool[i%poolSize]
		v ^= h
		h *= multB
		v *= h
		dst[i] = v ^ v>>xshift
	}
}

// GenerateState64 fills dst as SeedSequence.generate_state(len(dst), np.uint64)
// does: 2*len(dst) 32-bit words, paired little-endian (the first word of each
// pair is the low half).
func (s SeedSequence) GenerateState64(dst []uint64) {
	h := initB
	next := func(i int) uint64 {
		v := s.pool[i%poolSize]
		v ^= h
		h *= multB
		v *= h
		return uint64(v ^ v>>xshift)
	}
	for i := range dst {
		lo := next(2 * i)
		dst[i] = lo | next(2*i+1)<<32
	}
}
