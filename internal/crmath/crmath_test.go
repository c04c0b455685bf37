package crmath

import (
	"flag"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

var randomN = flag.Int("crmath.n", 0,
	"TestRandom: random arguments per family (0: 100000, 10000 with -short, 2000 under -race)")

func bitsOf(x float64) string { return fmt.Sprintf("%v [%016x]", x, math.Float64bits(x)) }

func TestSpecialCases(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	tests := []struct {
		name string
		f    func(float64) float64
		x    float64
		want float64
	}{
		{"Log(+Inf)", Log, inf, inf},
		{"Log(-Inf)", Log, -inf, nan},
		{"Log(NaN)", Log, nan, nan},
		{"Log(+0)", Log, 0, -inf},
		{"Log(-0)", Log, math.Copysign(0, -1), -inf},
		{"Log(-1)", Log, -1, nan},
		{"Log(-min)", Log, -math.SmallestNonzeroFloat64, nan},
		{"Log(1)", Log, 1, 0},
		{"Log(min)", Log, math.SmallestNonzeroFloat64, -744.4400719213812},
		{"Log(max)", Log, math.MaxFloat64, 709.782712893384},
		{"Log(e)", Log, math.E, 1},
		{"Exp(+Inf)", Exp, inf, inf},
		{"Exp(-Inf)", Exp, -inf, 0},
		{"Exp(NaN)", Exp, nan, nan},
		{"Exp(+0)", Exp, 0, 1},
		{"Exp(-0)", Exp, math.Copysign(0, -1), 1},
		{"Exp(1)", Exp, 1, math.E},
		{"Exp(largest finite)", Exp, 709.782712893384, 0x1.fffffffffff2ap+1023},
		{"Exp(overflow)", Exp, math.Nextafter(709.782712893384, 1000), inf},
		{"Exp(1000)", Exp, 1000, inf},
		{"Exp(near smallest normal)", Exp, -708.3964185322641, 2.2250738585072626e-308},
		{"Exp(subnormal)", Exp, -708.3964185322642, 2.2250738585070097e-308},
		{"Exp(smallest subnormal)", Exp, -745.1332191019411, math.SmallestNonzeroFloat64},
		{"Exp(underflow)", Exp, -745.1332191019412, 0},
		{"Exp(-1000)", Exp, -1000, 0},
		{"Exp(2^-54)", Exp, 0x1p-54, 1},
		{"Exp(2^-53)", Exp, 0x1p-53, 1 + 0x1p-52},
		{"Exp(-2^-54)", Exp, -0x1p-54, 1},
		{"Exp(-2^-53)", Exp, -0x1p-53, 1 - 0x1p-53},
		{"Exp(min)", Exp, math.SmallestNonzeroFloat64, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.f(tt.x); !same(got, tt.want) {
				t.Errorf("got %s, want %s", bitsOf(got), bitsOf(tt.want))
			}
		})
	}
	if math.Signbit(Log(1)) || math.Signbit(Exp(-1000)) {
		t.Error("Log(1) or Exp(-1000) is -0")
	}
}

// checkAll compares Log (or Exp) with the reference on xs, in parallel, and
// reports at most 10 mismatches.
func checkAll(t *testing.T, name string, f, ref func(float64) float64, xs []float64) {
	t.Helper()
	var bad atomic.Int64
	var mu sync.Mutex
	var msgs []string
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(xs); i += workers {
				x := xs[i]
				if got, want := f(x), ref(x); !same(got, want) {
					if bad.Add(1) <= 10 {
						mu.Lock()
						msgs = append(msgs, fmt.Sprintf("%s(%s) = %s, want %s", name, bitsOf(x), bitsOf(got), bitsOf(want)))
						mu.Unlock()
					}
				}
			}
		})
	}
	wg.Wait()
	for _, m := range msgs {
		t.Error(m)
	}
	if n := bad.Load(); n > 0 {
		t.Errorf("%s: %d of %d arguments wrong", name, n, len(xs))
	}
}

func neighbours(x float64, k int) []float64 {
	xs := []float64{x}
	lo, hi := x, x
	for range k {
		lo, hi = math.Nextafter(lo, math.Inf(-1)), math.Nextafter(hi, math.Inf(1))
		xs = append(xs, lo, hi)
	}
	return xs
}

// logEdges are the arguments where Log's reduction changes its ways: around
// 1, powers of 2, the boundaries of logTab's intervals in several binades,
// subnormals and the ends of the range.
func logEdges() []float64 {
	xs := neighbours(1, 3000)
	for e := -1074; e <= 1023; e++ {
		xs = append(xs, neighbours(math.Ldexp(1, e), 2)...)
	}
	for j := range logSize + 1 {
		m := 1 + float64(j)/logSize
		for _, e := range []int{-1074, -1060, -1022, -2, -1, 0, 1, 2, 1023} {
			if x := math.Ldexp(m, e); x > 0 && !math.IsInf(x, 0) {
				xs = append(xs, neighbours(x, 2)...)
			}
		}
	}
	for i := range uint64(2000) {
		xs = append(xs, math.Float64frombits(1+i), math.Float64frombits(0x000fffffffffffff-i))
	}
	xs = append(xs, neighbours(math.MaxFloat64, 0)...)
	xs = append(xs, neighbours(math.Sqrt2, 20)...)
	xs = append(xs, neighbours(1/math.Sqrt2, 20)...)
	xs = append(xs, neighbours(math.E, 20)...)
	// sacreBLEU's precisions: every 100*c/t with c <= t <= 200.
	for t := 1; t <= 200; t++ {
		for c := 0; c <= t; c++ {
			xs = append(xs, float64(100*c)/float64(t))
		}
	}
	return xs
}

// expEdges are the arguments near 0, the thresholds of overflow, subnormal
// results and underflow, the points where the rounding of x·256/log(2)
// changes, and BLEU's brevity penalties.
func expEdges() []float64 {
	var xs []float64
	for e := -1074; e <= 9; e++ {
		x := math.Ldexp(1, e)
		xs = append(xs, neighbours(x, 1)...)
		xs = append(xs, neighbours(-x, 1)...)
	}
	for _, x := range []float64{709.782712893384, -708.3964185322641, -745.1332191019411, -744.4400719213812, expMax, expMin} {
		xs = append(xs, neighbours(x, 3000)...)
	}
	l := math.Ln2 / expSize
	for n := -275000; n <= 262200; n += 97 {
		xs = append(xs, neighbours((float64(n)+0.5)*l, 2)...)
		xs = append(xs, neighbours(float64(n)*l, 2)...)
	}
	for i := -746; i <= 710; i++ {
		xs = append(xs, float64(i))
	}
	for s := 1; s <= 60; s++ {
		for r := s + 1; r <= 26*s; r++ {
			xs = append(xs, 1-float64(r)/float64(s))
		}
	}
	return xs
}

func TestEdges(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("about 400 000 reference evaluations")
	}
	checkAll(t, "Log", Log, refLog, logEdges())
	checkAll(t, "Exp", Exp, refExp, expEdges())
}

// TestRandom compares Log and Exp with the reference on random arguments:
// random positive doubles (all binades alike), BLEU's ranges, and more.
func TestRandom(t *testing.T) {
	n := *randomN
	switch {
	case n > 0:
	case raceEnabled:
		n = 2000
	case testing.Short():
		n = 10000
	default:
		n = 100000
	}
	rng := rand.New(rand.NewPCG(11, 12))
	gen := func(f func() float64) []float64 {
		xs := make([]float64, n)
		for i := range xs {
			xs[i] = f()
		}
		return xs
	}
	uniform := func(lo, hi float64) func() float64 {
		return func() float64 { return lo + (hi-lo)*rng.Float64() }
	}
	logFamilies := []struct {
		name string
		f    func() float64
	}{
		{"positive doubles", func() float64 { return math.Float64frombits(1 + rng.Uint64N(0x7ff0000000000000-1)) }},
		{"[0.01, 100)", uniform(0.01, 100)},
		{"near 1", func() float64 { return 1 + (2*rng.Float64()-1)*math.Ldexp(1, -rng.IntN(53)) }},
		{"subnormals", func() float64 { return math.Float64frombits(1 + rng.Uint64N(1<<52-1)) }},
	}
	for _, fam := range logFamilies {
		t.Run("Log/"+fam.name, func(t *testing.T) { checkAll(t, "Log", Log, refLog, gen(fam.f)) })
	}
	expFamilies := []struct {
		name string
		f    func() float64
	}{
		{"[-746, 709.79)", uniform(-746, 709.79)},
		{"[-25, 5)", uniform(-25, 5)},
		{"small", func() float64 { return (2*rng.Float64() - 1) * math.Ldexp(1, -rng.IntN(1075)) }},
		{"doubles", func() float64 { return math.Float64frombits(rng.Uint64()) }},
	}
	for _, fam := range expFamilies {
		t.Run("Exp/"+fam.name, func(t *testing.T) { checkAll(t, "Exp", Exp, refExp, gen(fam.f)) })
	}
}

// TestFallback runs the fast paths on many arguments, checks Log and Exp on
// those where the fast path declines, and logs how often it does.
func TestFallback(t *testing.T) {
	n := 4 << 20
	if testing.Short() || raceEnabled {
		n = 1 << 18
	}
	rng := rand.New(rand.NewPCG(13, 14))
	var logX, expX []float64
	for range n {
		x := 0.01 + 99.99*rng.Float64()
		if _, ok := logFast(x); !ok {
			logX = append(logX, x)
		}
		x = math.Float64frombits(0x0010000000000000 + rng.Uint64N(0x7fe0000000000000))
		if _, ok := logFast(x); !ok {
			logX = append(logX, x)
		}
		x = -25 + 30*rng.Float64()
		if _, ok := expFast(x); !ok {
			expX = append(expX, x)
		}
		x = -746 + 1455.79*rng.Float64()
		if _, ok := expFast(x); !ok {
			expX = append(expX, x)
		}
	}
	t.Logf("fast path declined %d of %d logs, %d of %d exps", len(logX), 2*n, len(expX), 2*n)
	if len(logX) > 2*n>>14 || len(expX) > 2*n>>14 {
		t.Errorf("the fast paths decline too often")
	}
	checkAll(t, "Log", Log, refLog, logX)
	checkAll(t, "Exp", Exp, refExp, expX)
}

// TestSlowPaths checks the big-float paths directly, on random arguments and
// on the ends of the range.
func TestSlowPaths(t *testing.T) {
	n := 3000
	if testing.Short() || raceEnabled {
		n = 200
	}
	rng := rand.New(rand.NewPCG(15, 16))
	var logX, expX []float64
	for range n {
		logX = append(logX, math.Float64frombits(1+rng.Uint64N(0x7ff0000000000000-1)), 0.01+99.99*rng.Float64())
		expX = append(expX, -745.9+1455.6*rng.Float64(), -25+30*rng.Float64())
	}
	logX = append(logX, math.SmallestNonzeroFloat64, math.MaxFloat64, 1, math.Nextafter(1, 0), math.Nextafter(1, 2))
	for _, x := range []float64{709.782712893384, -708.3964185322641, -745.1332191019411} {
		expX = append(expX, neighbours(x, 3)...)
	}
	expX = append(expX, 0, 0x1p-1074, -0x1p-1074, 0x1p-53, -0x1p-54)
	checkAll(t, "logSlow", logSlow, refLog, logX)
	checkAll(t, "expSlow", expSlow, refExp, expX)
}

// TestTables checks tables.go against the reference: the exactness of r in
// Log, every table value to the last bit and the split constants.
func TestTables(t *testing.T) {
	const p = 300
	ln2 := refLogBig(2, p)
	bf := func(x float64) *big.Float { return new(big.Float).SetPrec(p).SetFloat64(x) }
	// dd returns v rounded to a double-double.
	dd := func(v *big.Float) (hi, lo float64) {
		hi, _ = v.Float64()
		lo, _ = new(big.Float).SetPrec(p).Sub(v, bf(hi)).Float64()
		return hi, lo
	}
	isMultiple := func(x float64, e int) bool { // x is a multiple of 2^e
		f, _ := new(big.Float).SetMantExp(bf(x), -e).Int(nil)
		return new(big.Float).SetInt(f).Cmp(new(big.Float).SetMantExp(bf(x), -e)) == 0
	}
	for j, en := range logTab {
		if !isMultiple(en.c, -9) || en.c < 0.5 || en.c > 1 || en.k < 0 || en.k > 1 {
			t.Errorf("logTab[%d] = %+v: bad c or k", j, en)
		}
		for _, m := range []float64{1 + float64(j)/logSize, math.Nextafter(1+float64(j+1)/logSize, 0)} {
			r := new(big.Float).SetPrec(p).Mul(bf(m), bf(en.c))
			r.Sub(r, bf(1))
			if r.Abs(r).Cmp(bf(0x1p-8)) >= 0 {
				t.Errorf("logTab[%d]: |m·c-1| >= 2^-8 at m = %v", j, m)
			}
		}
		v := refLogBig(math.Ldexp(en.c, en.k), p)
		if hi, lo := dd(v.Neg(v)); hi != en.hi || lo != en.lo {
			t.Errorf("logTab[%d] = %x + %x, want %x + %x", j, en.hi, en.lo, hi, lo)
		}
	}
	if logTab[0].c != 1 || logTab[0].k != 0 || logTab[logSize-1].c != 0.5 || logTab[logSize-1].k != 1 {
		t.Error("the intervals next to 1 must have a zero table value")
	}
	for j, en := range expTab {
		// 2^(j/256) by Newton's method on v^256 = 2^j from en.hi.
		v := bf(en.hi)
		for range 4 {
			pw := new(big.Float).SetPrec(p).Set(v)
			for range 8 {
				pw.Mul(pw, pw)
			}
			// v -= (v^256 - 2^j) / (256·v^255) = (v - 2^j·v/v^256)/256
			corr := new(big.Float).SetPrec(p).Quo(new(big.Float).SetMantExp(v, j), pw)
			corr.Sub(v, corr)
			v.Sub(v, corr.SetMantExp(corr, -8))
		}
		if hi, lo := dd(v); hi != en.hi || lo != en.lo {
			t.Errorf("expTab[%d] = %x + %x, want %x + %x", j, en.hi, en.lo, hi, lo)
		}
	}
	// ln2Hi has 42 bits, ln2Lo is the rounded rest.
	if !isMultiple(ln2Hi, -42) {
		t.Error("ln2Hi is not a multiple of 2^-42")
	}
	if lo, _ := new(big.Float).SetPrec(p).Sub(ln2, bf(ln2Hi)).Float64(); lo != ln2Lo {
		t.Errorf("ln2Lo = %x is not the rounded log(2) - ln2Hi", ln2Lo)
	}
	l := new(big.Float).SetPrec(p).SetMantExp(ln2, -8)
	if !isMultiple(expL1, -42) {
		t.Error("expL1 is not a multiple of 2^-42")
	}
	rest := new(big.Float).SetPrec(p).Sub(l, bf(expL1))
	if h, lo := dd(rest); h != expL2 || lo != expL3 {
		t.Errorf("expL2, expL3 = %x, %x, want %x, %x", expL2, expL3, h, lo)
	}
	if inv, _ := new(big.Float).SetPrec(p).Quo(bf(expSize), ln2).Float64(); inv != expInvL {
		t.Errorf("expInvL = %x, want %x", expInvL, inv)
	}
}

// TestReference checks the reference itself on values known independently.
func TestReference(t *testing.T) {
	tests := []struct {
		name      string
		got, want float64
	}{
		{"log(2)", refLog(2), math.Ln2},
		{"log(10)", refLog(10), math.Ln10},
		{"exp(1)", refExp(1), math.E},
		{"exp(-745.1332191019411)", refExp(-745.1332191019411), math.SmallestNonzeroFloat64},
		{"log(max)", refLog(math.MaxFloat64), 709.782712893384},
	}
	for _, tt := range tests {
		if !same(tt.got, tt.want) {
			t.Errorf("%s = %s, want %s", tt.name, bitsOf(tt.got), bitsOf(tt.want))
		}
	}
}
