package checkpoint

import (
	"encoding/binary"
	"math"
)

// counts are the content counts of a run of elements of one tensor.
type counts struct {
	nan, posInf, negInf int64
	badBool             int64
	// firstBad is the file offset of the first NaN or infinite element (or, for BOOL,
	// the first byte other than 0 or 1); -1 when there is none.
	firstBad int64
}

func (c *counts) merge(o *counts) {
	c.nan += o.nan
	c.posInf += o.posInf
	c.negInf += o.negInf
	c.badBool += o.badBool
	if c.firstBad < 0 || (o.firstBad >= 0 && o.firstBad < c.firstBad) {
		c.firstBad = o.firstBad
	}
}

func (c *counts) bad(off int64) {
	if c.firstBad < 0 || off < c.firstBad {
		c.firstBad = off
	}
}

// SWAR constants: for a lane holding an IEEE-style value, ((x & m) + a) & h has the
// lane's top bit set exactly when the exponent field is all ones (NaN or Inf).
const (
	f32M = 0x7F800000_7F800000
	f32A = 0x00800000_00800000
	f32H = 0x80000000_80000000
	f16M = 0x7C007C00_7C007C00
	f16A = 0x04000400_04000400
	f16H = 0x80008000_80008000
	b16M = 0x7F807F80_7F807F80
	b16A = 0x00800080_00800080
	f64M = 0x7FF00000_00000000
	f64A = 0x00100000_00000000
	f64H = 0x80000000_00000000
	e5M  = 0x7C7C7C7C_7C7C7C7C
	e5A  = 0x04040404_04040404
	lo7  = 0x7F7F7F7F_7F7F7F7F
	ones = 0x01010101_01010101
	hi8  = 0x80808080_80808080
)

// findMaskAdd returns the offset of the first 32-byte block of b that may hold a
// value with an all-ones exponent under (m, a, h), or the offset of the tail shorter
// than 32 bytes when there is none.
func findMaskAdd(b []byte, m, a, h uint64) int {
	i := 0
	for ; len(b)-i >= 32; i += 32 {
		w := b[i : i+32 : i+32]
		x0 := binary.LittleEndian.Uint64(w[0:8])
		x1 := binary.LittleEndian.Uint64(w[8:16])
		x2 := binary.LittleEndian.Uint64(w[16:24])
		x3 := binary.LittleEndian.Uint64(w[24:32])
		if (((x0&m)+a)|((x1&m)+a)|((x2&m)+a)|((x3&m)+a))&h != 0 {
			return i
		}
	}
	return i
}

// findE8M0 finds blocks that may hold 0xFF bytes.
func findE8M0(b []byte) int {
	i := 0
	for ; len(b)-i >= 32; i += 32 {
		w := b[i : i+32 : i+32]
		x0 := binary.LittleEndian.Uint64(w[0:8])
		x1 := binary.LittleEndian.Uint64(w[8:16])
		x2 := binary.LittleEndian.Uint64(w[16:24])
		x3 := binary.LittleEndian.Uint64(w[24:32])
		if (((x0&lo7)+ones)&x0|((x1&lo7)+ones)&x1|((x2&lo7)+ones)&x2|((x3&lo7)+ones)&x3)&hi8 != 0 {
			return i
		}
	}
	return i
}

// findByte80 finds blocks that may hold 0x80 bytes (the FNUZ NaN).
func findByte80(b []byte) int {
	i := 0
	for ; len(b)-i >= 32; i += 32 {
		w := b[i : i+32 : i+32]
		x0 := binary.LittleEndian.Uint64(w[0:8]) ^ hi8
		x1 := binary.LittleEndian.Uint64(w[8:16]) ^ hi8
		x2 := binary.LittleEndian.Uint64(w[16:24]) ^ hi8
		x3 := binary.LittleEndian.Uint64(w[24:32]) ^ hi8
		// A byte of y is zero exactly when the top bit of ^(((y&lo7)+lo7)|y) is set.
		z := ^(((x0 & lo7) + lo7) | x0) | ^(((x1 & lo7) + lo7) | x1) |
			^(((x2 & lo7) + lo7) | x2) | ^(((x3 & lo7) + lo7) | x3)
		if z&hi8 != 0 {
			return i
		}
	}
	return i
}

// findBadBool finds blocks with bytes other than 0 and 1.
func findBadBool(b []byte) int {
	i := 0
	for ; len(b)-i >= 32; i += 32 {
		w := b[i : i+32 : i+32]
		x := binary.LittleEndian.Uint64(w[0:8]) | binary.LittleEndian.Uint64(w[8:16]) |
			binary.LittleEndian.Uint64(w[16:24]) | binary.LittleEndian.Uint64(w[24:32])
		if x&0xFEFEFEFE_FEFEFEFE != 0 {
			return i
		}
	}
	return i
}

// scanContent adds the NaN, Inf and bad-BOOL counts of the whole elements in b, a
// run of elements of dtype d that starts at file offset off, to c.
func scanContent(d DType, b []byte, off int64, c *counts) {
	var find func([]byte) int
	switch d {
	case F32, C64:
		find = func(b []byte) int { return findMaskAdd(b, f32M, f32A, f32H) }
	case F16:
		find = func(b []byte) int { return findMaskAdd(b, f16M, f16A, f16H) }
	case BF16:
		find = func(b []byte) int { return findMaskAdd(b, b16M, b16A, f16H) }
	case F64:
		find = func(b []byte) int { return findMaskAdd(b, f64M, f64A, f64H) }
	case F8E5M2:
		find = func(b []byte) int { return findMaskAdd(b, e5M, e5A, hi8) }
	case F8E4M3:
		find = func(b []byte) int { return findMaskAdd(b, lo7, ones, hi8) }
	case F8E8M0:
		find = findE8M0
	case F8E4M3FNUZ, F8E5M2FNUZ:
		find = findByte80
	case BOOL:
		find = findBadBool
	default:
		return // integers and sub-byte floats have no NaN or Inf
	}
	for len(b) > 0 {
		i := find(b)
		j := min(i+32, len(b))
		classify(d, b[i:j], off+int64(i), c)
		b = b[j:]
		off += int64(j)
	}
}

// classify counts exactly, element by element.
func classify(d DType, b []byte, off int64, c *counts) {
	switch d {
	case F32, C64:
		for i := 0; i+4 <= len(b); i += 4 {
			x := binary.LittleEndian.Uint32(b[i:])
			if x&0x7F800000 == 0x7F800000 {
				c.bad(off + int64(i))
				switch {
				case x&0x007FFFFF != 0:
					c.nan++
				case x>>31 == 0:
					c.posInf++
				default:
					c.negInf++
				}
			}
		}
	case F16:
		for i := 0; i+2 <= len(b); i += 2 {
			x := binary.LittleEndian.Uint16(b[i:])
			if x&0x7C00 == 0x7C00 {
				c.bad(off + int64(i))
				switch {
				case x&0x03FF != 0:
					c.nan++
				case x>>15 == 0:
					c.posInf++
				default:
					c.negInf++
				}
			}
		}
	case BF16:
		for i := 0; i+2 <= len(b); i += 2 {
			x := binary.LittleEndian.Uint16(b[i:])
			if x&0x7F80 == 0x7F80 {
				c.bad(off + int64(i))
				switch {
				case x&0x007F != 0:
					c.nan++
				case x>>15 == 0:
					c.posInf++
				default:
					c.negInf++
				}
			}
		}
	case F64:
		for i := 0; i+8 <= len(b); i += 8 {
			x := binary.LittleEndian.Uint64(b[i:])
			if x&0x7FF00000_00000000 == 0x7FF00000_00000000 {
				c.bad(off + int64(i))
				switch {
				case x&0x000FFFFF_FFFFFFFF != 0:
					c.nan++
				case x>>63 == 0:
					c.posInf++
				default:
					c.negInf++
				}
			}
		}
	case F8E5M2:
		for i, x := range b {
			if x&0x7C == 0x7C {
				c.bad(off + int64(i))
				switch {
				case x&0x03 != 0:
					c.nan++
				case x>>7 == 0:
					c.posInf++
				default:
					c.negInf++
				}
			}
		}
	case F8E4M3:
		for i, x := range b {
			if x&0x7F == 0x7F {
				c.bad(off + int64(i))
				c.nan++
			}
		}
	case F8E8M0:
		for i, x := range b {
			if x == 0xFF {
				c.bad(off + int64(i))
				c.nan++
			}
		}
	case F8E4M3FNUZ, F8E5M2FNUZ:
		for i, x := range b {
			if x == 0x80 {
				c.bad(off + int64(i))
				c.nan++
			}
		}
	case BOOL:
		for i, x := range b {
			if x > 1 {
				c.bad(off + int64(i))
				c.badBool++
			}
		}
	}
}

// elementValue decoders for statistics.

var f16Table = func() *[1 << 16]float32 {
	var t [1 << 16]float32
	for i := range t {
		t[i] = f16ToF32(uint16(i))
	}
	return &t
}()

func f16ToF32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1F
	man := uint32(h) & 0x3FF
	switch exp {
	case 0:
		// Zero or subnormal: man * 2^-24.
		v := float32(man) * (1.0 / (1 << 24))
		if sign != 0 {
			v = -v
		}
		return v
	case 0x1F:
		return math.Float32frombits(sign | 0x7F800000 | man<<13)
	}
	return math.Float32frombits(sign | (exp+112)<<23 | man<<13)
}

// fp8 tables: value of each byte for the 8-bit float types.
var fp8Tables = func() map[DType]*[256]float64 {
	m := map[DType]*[256]float64{}
	for _, d := range []DType{F8E5M2, F8E4M3, F8E8M0, F8E4M3FNUZ, F8E5M2FNUZ} {
		var t [256]float64
		for i := range t {
			t[i] = fp8Value(d, byte(i))
		}
		m[d] = &t
	}
	return m
}()

func fp8Value(d DType, x byte) float64 {
	switch d {
	case F8E8M0:
		if x == 0xFF {
			return math.NaN()
		}
		return math.Ldexp(1, int(x)-127)
	case F8E4M3FNUZ, F8E5M2FNUZ:
		if x == 0x80 {
			return math.NaN()
		}
	}
	var ebits, bias int
	switch d {
	case F8E5M2:
		ebits, bias = 5, 15
	case F8E4M3:
		ebits, bias = 4, 7
	case F8E4M3FNUZ:
		ebits, bias = 4, 8
	case F8E5M2FNUZ:
		ebits, bias = 5, 16
	}
	mbits := 7 - ebits
	sign := 1.0
	if x&0x80 != 0 {
		sign = -1
	}
	e := int(x>>mbits) & (1<<ebits - 1)
	m := int(x) & (1<<mbits - 1)
	switch {
	case d == F8E5M2 && e == 31:
		if m != 0 {
			return math.NaN()
		}
		return math.Inf(int(sign))
	case d == F8E4M3 && e == 15 && m == 7:
		return math.NaN()
	}
	if e == 0 {
		return sign * math.Ldexp(float64(m), 1-bias-mbits)
	}
	return sign * math.Ldexp(float64(m|1<<mbits), e-bias-mbits)
}

// f4Values are the 16 FP4 E2M1 values.
var f4Values = [16]float64{0, 0.5, 1, 1.5, 2, 3, 4, 6, -0.0, -0.5, -1, -1.5, -2, -3, -4, -6}
