package crmath

import (
	"fmt"
	"math"
	"math/big"
)

// The test reference: log and exp with math/big by methods other than the
// slow paths', and a rounding check of its own. refExp halves x until it is
// below 2^-12, sums the Taylor series and squares back; refLog uses the
// series of log1p(x-1) near 1 and otherwise one Newton step on refExp from
// math.Log(x). A candidate float64 is accepted only when the interval of
// the big result ± its error bound lies strictly between the midpoints to
// its neighbours; the precision doubles until that happens.

// refExpBig returns exp(x), |x| < 2^11, with a relative error below 2^-p.
func refExpBig(x float64, p uint) *big.Float {
	_, ex := math.Frexp(x) // |x| < 2^ex
	s := max(0, ex+12)     // |x/2^s| < 2^-12
	w := p + uint(s) + 24  // each squaring doubles the relative error
	r := new(big.Float).SetPrec(w).SetFloat64(x)
	r.SetMantExp(r, -s)
	sum := new(big.Float).SetPrec(w).SetInt64(1)
	term := new(big.Float).SetPrec(w).SetInt64(1)
	k := new(big.Float).SetPrec(w)
	for i := int64(1); ; i++ {
		term.Mul(term, r)
		term.Quo(term, k.SetInt64(i))
		if term.Sign() == 0 || term.MantExp(nil) < -int(w)-8 {
			break
		}
		sum.Add(sum, term)
	}
	for range s {
		sum.Mul(sum, sum)
	}
	return sum
}

// refLogBig returns log(x), x positive and finite, with a relative error
// below 2^-p.
func refLogBig(x float64, p uint) *big.Float {
	w := p + 64
	if x >= 15.0/16 && x <= 17.0/16 {
		// log1p(d) = d - d²/2 + d³/3 - ..., |d| <= 1/16, exact d.
		d := new(big.Float).SetPrec(w).SetFloat64(x)
		d.Sub(d, big.NewFloat(1))
		return log1pSeries(d, w)
	}
	// log(x) = y0 + log1p(x·exp(-y0) - 1), |x·exp(-y0) - 1| < 2^-40, and
	// |log(x)| > 1/17. (math.Log is not used on x itself: on amd64 it
	// returns log(2^-1023) for every subnormal x.)
	m, k := math.Frexp(x)
	y0 := math.Log(m) + float64(k)*math.Ln2
	t := refExpBig(-y0, w)
	t.Mul(t, new(big.Float).SetPrec(w).SetFloat64(x))
	t.Sub(t, big.NewFloat(1))
	l := log1pSeries(t, w)
	return l.Add(l, new(big.Float).SetPrec(w).SetFloat64(y0))
}

func log1pSeries(d *big.Float, w uint) *big.Float {
	sum := new(big.Float).SetPrec(w).Set(d)
	if d.Sign() == 0 {
		return sum
	}
	pow := new(big.Float).SetPrec(w).Set(d)
	term := new(big.Float).SetPrec(w)
	k := new(big.Float).SetPrec(w)
	stop := d.MantExp(nil) - int(w) - 8
	if d.MantExp(nil) > -3 {
		panic("log1pSeries: |d| > 1/16")
	}
	for i := int64(2); ; i++ {
		pow.Mul(pow, d)
		term.Quo(pow, k.SetInt64(i))
		if term.Sign() == 0 || term.MantExp(nil) < stop {
			return sum
		}
		if i%2 == 0 {
			sum.Sub(sum, term)
		} else {
			sum.Add(sum, term)
		}
	}
}

// decided reports whether every value within a relative distance 2^-p of y
// (y >= 0) rounds to f: whether the interval lies strictly between the
// midpoints from f to its neighbours.
func decided(y *big.Float, p uint, f float64) bool {
	w := y.Prec() + 64
	d := new(big.Float).SetPrec(w).SetMantExp(y, -int(p))
	d.Abs(d)
	lo := new(big.Float).SetPrec(w).Sub(y, d)
	hi := new(big.Float).SetPrec(w).Add(y, d)
	mid := func(a, b float64) *big.Float { // (a+b)/2, exact
		m := new(big.Float).SetPrec(2100).SetFloat64(a)
		m.Add(m, new(big.Float).SetFloat64(b))
		return m.SetMantExp(m, -1)
	}
	// upper is the midpoint from MaxFloat64 to 2^1024, where rounding
	// overflows.
	upper := new(big.Float).SetPrec(2100).SetMantExp(big.NewFloat(1), 1024)
	upper.Add(upper, big.NewFloat(math.MaxFloat64)).SetMantExp(upper, -1)
	switch {
	case math.IsInf(f, 1):
		return lo.Cmp(upper) > 0
	case f == math.MaxFloat64:
		return lo.Cmp(mid(f, math.Nextafter(f, 0))) > 0 && hi.Cmp(upper) < 0
	}
	return lo.Cmp(mid(f, math.Nextafter(f, math.Inf(-1)))) > 0 && hi.Cmp(mid(f, math.Nextafter(f, math.Inf(1)))) < 0
}

// refRound returns the float64 nearest to the value that eval(p) bounds.
func refRound(eval func(p uint) *big.Float, name string) float64 {
	for p := uint(128); p <= 4096; p *= 2 {
		y := eval(p)
		f, _ := y.Float64()
		if decided(y, p, f) {
			return f
		}
	}
	panic(fmt.Sprintf("reference %s undecided at 4096 bits", name))
}

// refLog returns log(x) correctly rounded, with the special cases of Log.
func refLog(x float64) float64 {
	switch {
	case x != x || x < 0:
		return math.NaN()
	case x == 0:
		return math.Inf(-1)
	case math.IsInf(x, 1):
		return x
	case x == 1:
		return 0
	}
	return refRound(func(p uint) *big.Float { return refLogBig(x, p) }, fmt.Sprintf("log(%x)", x))
}

// refExp returns exp(x) correctly rounded, with the special cases of Exp.
func refExp(x float64) float64 {
	switch {
	case x != x:
		return x
	case x == 0:
		return 1
	case x > 1000:
		return math.Inf(1)
	case x < -1000:
		return 0
	}
	return refRound(func(p uint) *big.Float { return refExpBig(x, p) }, fmt.Sprintf("exp(%x)", x))
}
