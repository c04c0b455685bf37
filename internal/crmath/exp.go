package crmath

import "math"

const (
	expSize = 256

	// Exp(x) is +Inf for x >= expMax and +0 for x <= expMin; both bounds have
	// a margin (the thresholds are about 709.7827 and -745.1332).
	expMax = 709.79
	expMin = -746.0

	shifter = 0x1.8p52 // adding it rounds a float64 below 2^51 to an integer
)

// The Taylor coefficients of exp(r) - 1 = r + r²/2 + r³·(exp3 + r·(exp4 +
// r·(exp5 + ...))), rounded.
const (
	exp3 = float64(1.0 / 6)
	exp4 = float64(1.0 / 24)
	exp5 = float64(1.0 / 120)
	exp6 = float64(1.0 / 720)
	exp7 = float64(1.0 / 5040)
)

// An expEntry is 2^(j/256) as a double-double.
type expEntry struct{ hi, lo float64 }

// Exp returns e**x, the base-e exponential of x, correctly rounded: the
// float64 nearest to the exact value, subnormal results included.
//
// Special cases are the same as for [math.Exp] and C's exp:
//
//	Exp(+Inf) = +Inf
//	Exp(-Inf) = 0
//	Exp(NaN) = NaN
//
// Exp(x) is finite for x <= 709.782712893384 and +Inf above; it is positive
// for x >= -745.1332191019411 (Exp of that is 5e-324) and 0 below. Exp(±0) = 1
// is the only exact finite result. Exp equals glibc's exp (CPython's
// math.exp, which raises OverflowError instead of returning +Inf) except
// where glibc is not correctly rounded, about one argument in 1 300 (see the
// package documentation).
func Exp(x float64) float64 {
	if y, ok := expFast(x); ok {
		return y
	}
	return expSlow(x)
}

// expFast returns exp(x) and true when it can guarantee correct rounding,
// and false otherwise.
//
// x = n·log(2)/256 + r with n = round(x·256/log(2)) and |r| <= (1/2 +
// 2^-35)·log(2)/256 (the product x·256/log(2) is rounded), r = rh + rl to
// about 2^-110 from a three-part log(2)/256; exp(x) = 2^(n>>8)·2^((n&255)/256)·exp(r), with the
// middle factor from expTab and exp(r) - 1 = rh + rh²/2 (double-double) +
// rh³·(degree-4 Taylor polynomial) + rl·(1+rh).
//
// Relative error budget: truncation < 2^-91; the rh³ polynomial < 2^-81;
// products and sums of the low parts < 2^-80; table < 2^-105. Total < 2^-78.
func expFast(x float64) (float64, bool) {
	if !(x > expMin && x < expMax) {
		switch {
		case x != x:
			return x, true
		case x > 0:
			return math.Inf(1), true
		default:
			return 0, true
		}
	}
	kd := x*expInvL + shifter
	n := int64(math.Float64bits(kd)) - int64(math.Float64bits(shifter))
	kd -= shifter

	// r = x - kd·log(2)/256 = rh + rl; kd·expL1 is exact and so is a
	// (Sterbenz), |kd| < 2^19.
	a := x - kd*expL1
	b := float64(kd * expL2) // float64(): see logFast
	be := math.FMA(kd, expL2, -b)
	rh := a - b
	rl := twoSumErr(a, -b, rh) - (be + kd*expL3)

	// exp(r) - 1 = p + pl.
	s := rh * rh
	sl := math.FMA(rh, rh, -s) // rh² = s + sl exactly
	h := 0.5 * s
	p := rh + h
	pl := (rh - p) + h // Fast2Sum: |rh| >= h
	poly := rh * s * (exp3 + rh*(exp4+rh*(exp5+rh*(exp6+rh*exp7))))
	pl += rl + (0.5*sl + rh*rl + poly)

	// 2^(j/256)·exp(r) = T + T·(p+pl) = hi + lo.
	en := &expTab[uint64(n)%expSize]
	u := float64(en.hi * p)
	ue := math.FMA(en.hi, p, -u)
	hi := en.hi + u
	lo := (en.hi - hi) + u // Fast2Sum: en.hi >= 1 > |u|
	lo += ue + (en.hi*pl + en.lo + en.lo*p)
	y := hi + lo
	lo = (hi - y) + lo // Fast2Sum

	m := n >> 8 // exp(x) = 2^m·(y+lo), y in [0.99, 2)
	if uint64(m+1021) > 2043 {
		return expScale(y, lo, m)
	}
	if y == y+lo*roundTest {
		return math.Float64frombits(math.Float64bits(y) + uint64(m)<<52), true
	}
	return 0, false
}

// expScale returns 2^m·(y+lo) correctly rounded, or false, when that may
// overflow (m > 1022) or be subnormal (m < -1021).
func expScale(y, lo float64, m int64) (float64, bool) {
	ey := int64(math.Float64bits(y)>>52) - 1023 // -1 or 0
	if m > 0 || ey+m >= -1022 {
		if y != y+lo*roundTest {
			return 0, false
		}
		if m > 0 { // 2^(m-1)·y is finite; doubling it overflows to +Inf if it must
			return math.Float64frombits(math.Float64bits(y)+uint64(m-1)<<52) * 2, true
		}
		return math.Float64frombits(math.Float64bits(y) + uint64(m)<<52), true
	}
	// Subnormal or zero: round (y+lo)·2^(m+1074), below 2^52, to an integer n;
	// the result is n·2^-1074, whose bits are n. The relative error 2^-72 is
	// below 2^-20 in these units, and d is computed to within 2^-53.
	f := math.Float64frombits(uint64(m+1074+1023) << 52) // m+1074 in [-3, 52]
	ys, ls := y*f, lo*f
	n := math.RoundToEven(ys)
	d := (ys - n) + ls // ys - n is exact
	const tol = 0x1p-19
	switch {
	case math.Abs(d) < 0.5-tol:
	case d > 0.5+tol:
		n++
	case d < -0.5-tol:
		n--
	default:
		return 0, false
	}
	return math.Float64frombits(uint64(n)), true
}
