package crmath

import "math"

const (
	logBits = 8
	logSize = 1 << logBits

	signBit   = 1 << 63
	fracMask  = 1<<52 - 1
	oneBits   = 0x3ff0000000000000 // math.Float64bits(1)
	infBits   = 0x7ff0000000000000 // math.Float64bits(+Inf)
	minNormal = 0x0010000000000000 // math.Float64bits(0x1p-1022)

	// roundTest is the factor of Ziv's rounding test hi == hi+lo·roundTest.
	// The test passes only if the exact value y rounds to hi whenever
	// |y - (hi+lo)| <= 2^-72·|y|, the error bound of both fast paths (their
	// comments count the error; the actual bound is below 2^-74). The slow
	// path is taken about once in 2^18 calls.
	roundTest = 1 + 0x1p-18

	third   = float64(1.0 / 3) // 1/3 = third + thirdLo
	thirdLo = 1.0/3 - third    // to about 2^-108
)

// The Taylor coefficients of log1p(r) = r - r²/2 + r³/3 + r⁴·(log4 +
// r·(log5 + r·(log6 + ...))), rounded.
const (
	log4  = -1.0 / 4
	log5  = float64(1.0 / 5)
	log6  = float64(-1.0 / 6)
	log7  = float64(1.0 / 7)
	log8  = -1.0 / 8
	log9  = float64(1.0 / 9)
	log10 = float64(-1.0 / 10)
)

// A logEntry is one interval of significands of logTab.
type logEntry struct {
	c      float64 // a multiple of 2^-9 near 1/m
	k      int     // 0, or 1 if the interval lies above sqrt(2)
	hi, lo float64 // -log(2^k·c) as a double-double
}

// Log returns the natural logarithm of x correctly rounded: the float64
// nearest to the exact value.
//
// Special cases are the same as for [math.Log] and C's log:
//
//	Log(+Inf) = +Inf
//	Log(±0) = -Inf
//	Log(x < 0) = NaN
//	Log(NaN) = NaN
//
// Log(1) = +0 is the only exact finite result. Log equals glibc's log
// (CPython's math.log) except where glibc is not correctly rounded, about
// one argument in 10 000 (see the package documentation).
func Log(x float64) float64 {
	if y, ok := logFast(x); ok {
		return y
	}
	return logSlow(x)
}

// logFast returns log(x) and true when it can guarantee correct rounding,
// and false otherwise.
//
// x = 2^e·m with m in [1, 2) and log(x) = (e+k)·log(2) - log(2^k·c) +
// log1p(r), where c and k come from logTab[top 8 bits of m] and r = m·c - 1
// is computed exactly by one FMA, with |r| < 2^-8. log1p(r) is r - r²/2 +
// r³/3 in double-double plus r⁴·(a degree-6 Taylor polynomial) in double.
// The interval of significands that holds 1 from above has c = 1 and the one
// that holds 1 from below has 2c = 1, both with a zero table value, so for x
// near 1 the result is log1p(r) alone, with full relative accuracy; for any
// other x, |log(x)| > 2^-9 and the table value does not cancel.
//
// Relative error budget (|y| = |log(x)|): truncation of the series < 2^-82;
// rounding of the r⁴ polynomial < 2^-75; r³/3 < 2^-100; table and log(2)
// < 2^-94; sums of the low parts < 2^-77. Total < 2^-74.
func logFast(x float64) (float64, bool) {
	t := math.Float64bits(x)
	e := -1023
	if t-minNormal >= infBits-minNormal { // not a positive normal number
		switch {
		case x == 0:
			return math.Inf(-1), true
		case t < minNormal: // positive subnormal
			t = math.Float64bits(x * 0x1p52)
			e -= 52
		case t == infBits || x != x:
			return x, true
		default: // x < 0
			return math.NaN(), true
		}
	}
	e += int(t >> 52)
	en := &logTab[(t>>(52-logBits))%logSize]
	m := math.Float64frombits(t&fracMask | oneBits)
	r := math.FMA(m, en.c, -1) // exact: m·c - 1 is a multiple of 2^-61 below 2^-8
	ef := float64(e + en.k)

	// log1p(r) = p + pl. Products whose rounded value takes part in an
	// error-free transformation are wrapped in float64(), which forbids the
	// compiler to fuse them into a later addition (it may on arm64 and
	// others; it never does on amd64).
	s := r * r
	sl := math.FMA(r, r, -s) // r² = s + sl exactly
	c3 := s * r
	c3l := math.FMA(s, r, -c3) + sl*r // r³ = c3 + c3l
	t3 := float64(c3 * third)
	t3l := math.FMA(c3, third, -t3) + (c3l*third + c3*thirdLo) // r³/3 = t3 + t3l
	q := s * s * (log4 + r*(log5+r*(log6+r*(log7+r*(log8+r*(log9+r*log10))))))
	h := -0.5 * s
	p := r + h
	pl := (r - p) + h // Fast2Sum: |r| >= |h|
	p2 := p + t3
	pl += (p - p2) + t3 // Fast2Sum: |p| >= |t3|
	pl += t3l + (q - 0.5*sl)

	// Add ef·log(2) - log(2^k·c); ef·ln2Hi is exact.
	a := ef * ln2Hi
	A := a + en.hi
	Ae := twoSumErr(a, en.hi, A)
	B := A + p2
	Be := twoSumErr(A, p2, B)
	lo := pl + (Be + Ae + en.lo + ef*ln2Lo)
	hi := B + lo
	lo = (B - hi) + lo // Fast2Sum: |B| >= |lo|
	if hi == hi+lo*roundTest {
		return hi, true
	}
	return 0, false
}

// twoSumErr returns the rounding error of s = a + b (Knuth's TwoSum):
// a + b = s + twoSumErr(a, b, s) exactly.
func twoSumErr(a, b, s float64) float64 {
	bb := s - a
	return (a - (s - bb)) + (b - bb)
}
