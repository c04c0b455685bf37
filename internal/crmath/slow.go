package crmath

import (
	"math"
	"math/big"
	"sync"
)

// The slow paths evaluate log and exp with math/big at p+guard bits, with a
// relative error far below 2^-p, and accept the result once every value
// within 2^-p of it rounds to the same float64 (Ziv's strategy); otherwise
// they double p. The exact value of log(x) (x ≠ 1) or exp(x) (x ≠ 0) is
// transcendental, so it is never a rounding boundary and the loop ends; in
// practice the first round always decides, since no float64 argument is
// known to need more than about 120 bits.

const (
	slowPrec  = 192 // the first p
	slowGuard = 32  // guard bits: the evaluations below lose fewer than 20
)

// logSlow returns log(x) correctly rounded for positive finite x.
func logSlow(x float64) float64 {
	if x == 1 {
		return 0
	}
	for p := uint(slowPrec); ; p *= 2 {
		if y, ok := roundBig(bigLog(x, p+slowGuard), p); ok {
			return y
		}
	}
}

// expSlow returns exp(x) correctly rounded for finite x in (expMin, expMax).
func expSlow(x float64) float64 {
	if x == 0 {
		return 1
	}
	for p := uint(slowPrec); ; p *= 2 {
		if y, ok := roundBig(bigExp(x, p+slowGuard), p); ok {
			return y
		}
	}
}

// roundBig returns the float64 nearest to y, and whether every value within
// a relative distance 2^-p of y rounds to it too.
func roundBig(y *big.Float, p uint) (float64, bool) {
	d := new(big.Float).SetMantExp(y, -int(p))
	d.Abs(d)
	lo := new(big.Float).SetPrec(y.Prec()).SetMode(big.ToNegativeInf).Sub(y, d)
	hi := new(big.Float).SetPrec(y.Prec()).SetMode(big.ToPositiveInf).Add(y, d)
	a, _ := lo.Float64()
	b, _ := hi.Float64()
	return b, a == b
}

func newFloat(w uint) *big.Float { return new(big.Float).SetPrec(w) }

// bigLog returns log(x) for positive finite x, with a relative error below
// 2^(12-w): x = 2^k·m with m in [3/4, 3/2), log(m) = 2·atanh((m-1)/(m+1))
// by its series (|u| <= 1/5), plus k·log(2).
func bigLog(x float64, w uint) *big.Float {
	m, k := math.Frexp(x)
	if m < 0.75 {
		m, k = 2*m, k-1
	}
	bm := newFloat(w).SetFloat64(m)
	one := newFloat(w).SetInt64(1)
	u := newFloat(w).Sub(bm, one)
	u.Quo(u, bm.Add(bm, one))
	s := atanhSeries(u, w)
	s.Add(s, s)
	if k != 0 {
		kl := newFloat(w).SetInt64(int64(k))
		s.Add(s, kl.Mul(kl, bigLn2(w)))
	}
	return s
}

// atanhSeries returns u + u³/3 + u⁵/5 + ..., for |u| <= 1/3, to a relative
// error of about 2^(8-w).
func atanhSeries(u *big.Float, w uint) *big.Float {
	u2 := newFloat(w).Mul(u, u)
	pow := newFloat(w).Set(u)
	sum := newFloat(w).Set(u)
	term := newFloat(w)
	div := newFloat(w)
	stop := u.MantExp(nil) - int(w) - 4
	for k := int64(3); pow.Sign() != 0; k += 2 {
		pow.Mul(pow, u2)
		term.Quo(pow, div.SetInt64(k))
		if term.MantExp(nil) < stop {
			break
		}
		sum.Add(sum, term)
	}
	return sum
}

// bigExp returns exp(x) for finite x with |x| < 750, with a relative error
// below 2^(20-w): r = x - k·log(2) with |r| <= 0.35, exp(r/256) by its
// Taylor series, squared 8 times, times 2^k.
func bigExp(x float64, w uint) *big.Float {
	const halvings = 8
	k := math.RoundToEven(x / math.Ln2)
	r := newFloat(w + 16).SetFloat64(k)
	r.Mul(r, bigLn2(w+16))
	r.Sub(newFloat(w+16).SetFloat64(x), r)
	r.SetMantExp(r, -halvings).SetPrec(w)

	sum := newFloat(w).SetInt64(1)
	term := newFloat(w).SetInt64(1)
	div := newFloat(w)
	for i := int64(1); ; i++ {
		term.Mul(term, r)
		term.Quo(term, div.SetInt64(i))
		if term.Sign() == 0 || term.MantExp(nil) < -int(w)-4 {
			break
		}
		sum.Add(sum, term)
	}
	for range halvings {
		sum.Mul(sum, sum)
	}
	return sum.SetMantExp(sum, int(k))
}

// ln2Cached is log(2) to ln2CachePrec bits, computed on first use.
var ln2Cached = sync.OnceValue(func() *big.Float { return computeLn2(ln2CachePrec) })

const ln2CachePrec = 2048

// bigLn2 returns log(2) rounded to w bits.
func bigLn2(w uint) *big.Float {
	if w+8 > ln2CachePrec {
		return computeLn2(w)
	}
	return newFloat(w).Set(ln2Cached())
}

// computeLn2 returns log(2) = 2·atanh(1/3) to about w bits.
func computeLn2(w uint) *big.Float {
	w += 16
	u := newFloat(w).SetInt64(1)
	u.Quo(u, newFloat(w).SetInt64(3))
	s := atanhSeries(u, w)
	return s.Add(s, s)
}
