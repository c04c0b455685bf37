package nprand

import "math/bits"

// The 128-bit multiplier of PCG64 (PCG_DEFAULT_MULTIPLIER_128).
const (
	multHi uint64 = 2549297995355413924
	multLo uint64 = 4865540595714422341
)

// PCG64 is numpy.random.PCG64: a 128-bit linear congruential generator with
// the XSL-RR output function, plus numpy's one-word buffer that serves
// 32-bit requests from the two halves of a 64-bit output. The zero value is
// not useful; use [NewPCG64], [NewPCG64FromSeedSequence] or [PCG64.SetState].
type PCG64 struct {
	hi, lo       uint64 // LCG state
	incHi, incLo uint64 // LCG increment (always odd)
	hasUint32    bool   // a buffered high half is waiting
	uinteger     uint32 // the buffered high half
}

// State is the complete state of a [PCG64], with the fields of numpy's
// PCG64.state dictionary: the 128-bit state and increment split into 64-bit
// halves, and the buffered 32-bit half.
type State struct {
	StateHi, StateLo uint64
	IncHi, IncLo     uint64
	HasUint32        bool
	Uinteger         uint32
}

// NewPCG64 returns numpy.random.PCG64(seed) for a seed below 2^64.
func NewPCG64(seed uint64) *PCG64 {
	return NewPCG64FromSeedSequence(NewSeedSequence(seed))
}

// NewPCG64FromSeedSequence returns numpy.random.PCG64(seq): it draws four
// 64-bit words w from seq and seeds the LCG with initstate = w[0]:w[1] and
// initseq = w[2]:w[3] (high word first), as pcg64_set_seed does.
func NewPCG64FromSeedSequence(seq SeedSequence) *PCG64 {
	var w [4]uint64
	seq.GenerateState64(w[:])
	p := &PCG64{}
	p.seed(w[0], w[1], w[2], w[3])
	return p
}

// seed is pcg_setseq_128_srandom_r followed by numpy's buffer reset.
func (p *PCG64) seed(stateHi, stateLo, seqHi, seqLo uint64) {
	p.hi, p.lo = 0, 0
	p.incHi = seqHi<<1 | seqLo>>63
	p.incLo = seqLo<<1 | 1
	p.step()
	var c uint64
	p.lo, c = bits.Add64(p.lo, stateLo, 0)
	p.hi, _ = bits.Add64(p.hi, stateHi, c)
	p.step()
	p.hasUint32, p.uinteger = false, 0
}

// step advances the LCG by one: state = state*mult + inc (mod 2^128).
func (p *PCG64) step() {
	p.hi, p.lo = lcgStep(p.hi, p.lo, p.incHi, p.incLo)
}

// lcgStep returns state*mult + inc (mod 2^128) for state hi:lo.
func lcgStep(hi, lo, incHi, incLo uint64) (uint64, uint64) {
	ph, pl := bits.Mul64(lo, multLo)
	ph += hi*multLo + lo*multHi
	var c uint64
	pl, c = bits.Add64(pl, incLo, 0)
	ph, _ = bits.Add64(ph, incHi, c)
	return ph, pl
}

// output is the XSL-RR output function of a 128-bit state.
func output(hi, lo uint64) uint64 {
	return bits.RotateLeft64(hi^lo, -int(hi>>58))
}

// Uint64 returns the next 64-bit output (numpy's next_uint64, or one value of
// PCG64.random_raw). It neither uses nor clears the buffered 32-bit half.
func (p *PCG64) Uint64() uint64 {
	p.step()
	return output(p.hi, p.lo)
}

// Uint32 returns the next 32-bit output as numpy's next_uint32 does: the
// buffered high half if one is waiting, otherwise the low half of a new
// 64-bit output, whose high half is then buffered.
func (p *PCG64) Uint32() uint32 {
	if p.hasUint32 {
		p.hasUint32 = false
		return p.uinteger
	}
	x := p.Uint64()
	p.hasUint32, p.uinteger = true, uint32(x>>32)
	return uint32(x)
}

// Advance jumps the LCG ahead by the 128-bit delta deltaHi:deltaLo steps, as
// PCG64.advance(delta) does, and like numpy drops any buffered 32-bit half.
// Advancing by 2^128 - k goes back k steps.
func (p *PCG64) Advance(deltaHi, deltaLo uint64) {
	accMulHi, accMulLo := uint64(0), uint64(1)
	accAddHi, accAddLo := uint64(0), uint64(0)
	curMulHi, curMulLo := multHi, multLo
	curAddHi, curAddLo := p.incHi, p.incLo
	for deltaHi|deltaLo != 0 {
		if deltaLo&1 != 0 {
			accMulHi, accMulLo = mul128(accMulHi, accMulLo, curMulHi, curMulLo)
			accAddHi, accAddLo = mul128(accAddHi, accAddLo, curMulHi, curMulLo)
			accAddHi, accAddLo = add128(accAddHi, accAddLo, curAddHi, curAddLo)
		}
		mh, ml := add128(curMulHi, curMulLo, 0, 1)
		curAddHi, curAddLo = mul128(mh, ml, curAddHi, curAddLo)
		curMulHi, curMulLo = mul128(curMulHi, curMulLo, curMulHi, curMulLo)
		deltaLo = deltaLo>>1 | deltaHi<<63
		deltaHi >>= 1
	}
	p.hi, p.lo = mul128(accMulHi, accMulLo, p.hi, p.lo)
	p.hi, p.lo = add128(p.hi, p.lo, accAddHi, accAddLo)
	p.hasUint32, p.uinteger = false, 0
}

// mul128 returns a*b mod 2^128.
func mul128(aHi, aLo, bHi, bLo uint64) (uint64, uint64) {
	h, l := bits.Mul64(aLo, bLo)
	return h + aHi*bLo + aLo*bHi, l
}

// add128 returns a+b mod 2^128.
func add128(aHi, aLo, bHi, bLo uint64) (uint64, uint64) {
	l, c := bits.Add64(aLo, bLo, 0)
	h, _ := bits.Add64(aHi, bHi, c)
	return h, l
}

// State returns the generator's complete state.
func (p *PCG64) State() State {
	return State{
		StateHi: p.hi, StateLo: p.lo,
		IncHi: p.incHi, IncLo: p.incLo,
		HasUint32: p.hasUint32, Uinteger: p.uinteger,
	}
}

// SetState replaces the generator's state with s, as assigning
// PCG64.state does. Like numpy it does not check s: the increment of a
// state numpy produced is always odd.
func (p *PCG64) SetState(s State) {
	p.hi, p.lo = s.StateHi, s.StateLo
	p.incHi, p.incLo = s.IncHi, s.IncLo
	p.hasUint32, p.uinteger = s.HasUint32, s.Uinteger
}
