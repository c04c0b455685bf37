package checkpoint

import (
	"encoding/binary"
	"math"
)

// Stats summarise the values of one tensor. NaN and infinite values are left out of
// Min, Max, Mean, Std and L2Norm and counted in the Tensor's NaN and Inf fields;
// ZeroFraction counts them in its denominator. Complex values count each part as
// one value. BOOL values are 0 or 1 (any nonzero byte is 1).
type Stats struct {
	// Finite is the number of finite values; Min, Max, Mean and Std are 0 when it
	// is 0.
	Finite   int64
	Min, Max float64
	Mean     float64
	// Std is the population standard deviation (ddof 0, as numpy's default).
	Std          float64
	ZeroFraction float64
	L2Norm       float64
}

// statAcc accumulates statistics of a run of values; runs merge in order.
type statAcc struct {
	total    int64 // values, non-finite included
	n        int64 // finite values
	zeros    int64
	min, max float64
	mean, m2 float64 // Chan et al. running mean and sum of squared deviations
	sumsq    float64
}

// segAcc is the single-pass accumulator of one segment, shifted by its first
// finite value for accuracy.
type segAcc struct {
	total, n, zeros int64
	min, max        float64
	shift           float64
	s1, s2          float64
	sumsq           float64
}

func (s *segAcc) add(v float64) {
	s.total++
	if v == 0 {
		s.zeros++
	}
	if v-v != 0 { // NaN or ±Inf
		return
	}
	if s.n == 0 {
		s.shift, s.min, s.max = v, v, v
	}
	s.n++
	if v < s.min {
		s.min = v
	}
	if v > s.max {
		s.max = v
	}
	d := v - s.shift
	s.s1 += d
	s.s2 += d * d
	s.sumsq += v * v
}

// mergeSeg folds a segment into the running statistics.
func (a *statAcc) mergeSeg(s *segAcc) {
	var o statAcc
	o.total, o.n, o.zeros, o.sumsq = s.total, s.n, s.zeros, s.sumsq
	o.min, o.max = s.min, s.max
	if s.n > 0 {
		n := float64(s.n)
		o.mean = s.shift + s.s1/n
		o.m2 = math.Max(s.s2-s.s1*s.s1/n, 0)
	}
	a.merge(&o)
}

func (a *statAcc) merge(o *statAcc) {
	a.total += o.total
	a.zeros += o.zeros
	a.sumsq += o.sumsq
	if o.n == 0 {
		return
	}
	if a.n == 0 {
		a.n, a.min, a.max, a.mean, a.m2 = o.n, o.min, o.max, o.mean, o.m2
		return
	}
	na, nb := float64(a.n), float64(o.n)
	n := na + nb
	delta := o.mean - a.mean
	a.mean += delta * nb / n
	a.m2 += o.m2 + delta*delta*na*nb/n
	a.n += o.n
	a.min = math.Min(a.min, o.min)
	a.max = math.Max(a.max, o.max)
}

func (a *statAcc) stats() *Stats {
	s := &Stats{Finite: a.n, L2Norm: math.Sqrt(a.sumsq)}
	if a.total > 0 {
		s.ZeroFraction = float64(a.zeros) / float64(a.total)
	}
	if a.n > 0 {
		s.Min, s.Max, s.Mean = a.min, a.max, a.mean
		s.Std = math.Sqrt(a.m2 / float64(a.n))
	}
	return s
}

// hasStats reports whether statistics are computed for d (not for the 6-bit floats,
// whose packing the format leaves open).
func hasStats(d DType) bool { return d != F6E2M3 && d != F6E3M2 && d != InvalidDType }

// statSegment adds the values of the whole elements in b (dtype d) to s.
func statSegment(d DType, b []byte, s *segAcc) {
	switch d {
	case BOOL:
		for _, x := range b {
			if x != 0 {
				s.add(1)
			} else {
				s.add(0)
			}
		}
	case U8:
		for _, x := range b {
			s.add(float64(x))
		}
	case I8:
		for _, x := range b {
			s.add(float64(int8(x)))
		}
	case F4:
		for _, x := range b {
			s.add(f4Values[x&0xF])
			s.add(f4Values[x>>4])
		}
	case F8E5M2, F8E4M3, F8E8M0, F8E4M3FNUZ, F8E5M2FNUZ:
		t := fp8Tables[d]
		for _, x := range b {
			s.add(t[x])
		}
	case I16:
		for i := 0; i+2 <= len(b); i += 2 {
			s.add(float64(int16(binary.LittleEndian.Uint16(b[i:]))))
		}
	case U16:
		for i := 0; i+2 <= len(b); i += 2 {
			s.add(float64(binary.LittleEndian.Uint16(b[i:])))
		}
	case F16:
		for i := 0; i+2 <= len(b); i += 2 {
			s.add(float64(f16Table[binary.LittleEndian.Uint16(b[i:])]))
		}
	case BF16:
		for i := 0; i+2 <= len(b); i += 2 {
			s.add(float64(math.Float32frombits(uint32(binary.LittleEndian.Uint16(b[i:])) << 16)))
		}
	case I32:
		for i := 0; i+4 <= len(b); i += 4 {
			s.add(float64(int32(binary.LittleEndian.Uint32(b[i:]))))
		}
	case U32:
		for i := 0; i+4 <= len(b); i += 4 {
			s.add(float64(binary.LittleEndian.Uint32(b[i:])))
		}
	case F32, C64:
		for i := 0; i+4 <= len(b); i += 4 {
			s.add(float64(math.Float32frombits(binary.LittleEndian.Uint32(b[i:]))))
		}
	case F64:
		for i := 0; i+8 <= len(b); i += 8 {
			s.add(math.Float64frombits(binary.LittleEndian.Uint64(b[i:])))
		}
	case I64:
		for i := 0; i+8 <= len(b); i += 8 {
			s.add(float64(int64(binary.LittleEndian.Uint64(b[i:]))))
		}
	case U64:
		for i := 0; i+8 <= len(b); i += 8 {
			s.add(float64(binary.LittleEndian.Uint64(b[i:])))
		}
	}
}
