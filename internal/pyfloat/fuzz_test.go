package pyfloat

import (
	"encoding/binary"
	"math"
	"math/big"
	"strconv"
	"strings"
	"testing"
)

// FuzzRepr checks that Repr round-trips, uses the shortest digits and follows
// Python's layout rules.
func FuzzRepr(f *testing.F) {
	for _, x := range []float64{0, 1, 0.1, 1e16, 1e-5, 9999999999999998, 5e-324, math.MaxFloat64, 123.456, math.Inf(1), math.NaN()} {
		f.Add(math.Float64bits(x))
		f.Add(math.Float64bits(-x))
	}
	f.Fuzz(func(t *testing.T, b uint64) {
		x := math.Float64frombits(b)
		s := Repr(x)
		if math.IsNaN(x) || math.IsInf(x, 0) {
			if want := strings.ToLower(strconv.FormatFloat(x, 'g', -1, 64)); strings.TrimPrefix(want, "+") != s {
				t.Fatalf("Repr(%v) = %q", x, s)
			}
			return
		}
		if JSON(x) != s {
			t.Fatalf("JSON(%v) = %q, Repr %q", x, JSON(x), s)
		}
		y, err := strconv.ParseFloat(s, 64)
		if err != nil || math.Float64bits(y) != b {
			t.Fatalf("Repr(%v) = %q does not read back (%v, %v)", x, s, y, err)
		}
		// Same significant digits as strconv's shortest form.
		short := strconv.FormatFloat(math.Abs(x), 'e', -1, 64)
		mant, expStr, _ := strings.Cut(short, "e")
		exp, _ := strconv.Atoi(expStr)
		wantDigits := strings.Replace(mant, ".", "", 1)
		body := strings.TrimPrefix(s, "-")
		if strings.HasPrefix(s, "-") != math.Signbit(x) {
			t.Fatalf("Repr(%v) = %q: wrong sign", x, s)
		}
		if m, e, ok := strings.Cut(body, "e"); ok {
			if exp >= -4 && exp < 16 {
				t.Fatalf("Repr(%v) = %q: exponent %d should be positional", x, s, exp)
			}
			if len(e) < 3 || (e[0] != '+' && e[0] != '-') {
				t.Fatalf("Repr(%v) = %q: bad exponent", x, s)
			}
			if got := strings.Replace(m, ".", "", 1); got != wantDigits || strings.HasSuffix(m, ".") {
				t.Fatalf("Repr(%v) = %q: digits %q, want %q", x, s, got, wantDigits)
			}
			return
		}
		if exp < -4 || exp >= 16 {
			t.Fatalf("Repr(%v) = %q: exponent %d should be scientific", x, s, exp)
		}
		ip, fp, ok := strings.Cut(body, ".")
		if !ok || ip == "" || fp == "" {
			t.Fatalf("Repr(%v) = %q: no digits on both sides of the point", x, s)
		}
		if len(ip) > 1 && ip[0] == '0' {
			t.Fatalf("Repr(%v) = %q: leading zero", x, s)
		}
		if len(fp) > 1 && strings.HasSuffix(fp, "0") {
			t.Fatalf("Repr(%v) = %q: trailing zero", x, s)
		}
	})
}

// FuzzFormatFixed compares FormatFixed with an independent exact rounding
// (math/big, ties to even) and checks RoundFixed against it.
func FuzzFormatFixed(f *testing.F) {
	for _, x := range []float64{0, 0.5, 1.5, 2.5, 0.125, 2.675, 1.005, 99.95, -0.001, 1e22, 5e-324} {
		f.Add(math.Float64bits(x), uint8(2))
		f.Add(math.Float64bits(-x), uint8(0))
	}
	f.Fuzz(func(t *testing.T, b uint64, p uint8) {
		x := math.Float64frombits(b)
		prec := int(p % 40)
		s := FormatFixed(x, prec)
		if math.IsNaN(x) || math.IsInf(x, 0) {
			if s != Repr(x) {
				t.Fatalf("FormatFixed(%v) = %q", x, s)
			}
			return
		}
		want := new(big.Float).SetFloat64(x).Text('f', prec)
		if math.Signbit(x) && !strings.HasPrefix(want, "-") {
			want = "-" + want // big.Float drops the sign of a zero result
		}
		if s != want {
			t.Fatalf("FormatFixed(%v, %d) = %q, want %q", x, prec, s, want)
		}
		r := RoundFixed(x, prec)
		if y, _ := strconv.ParseFloat(s, 64); math.Float64bits(y) != math.Float64bits(r) {
			t.Fatalf("RoundFixed(%v, %d) = %v, want float(%q)", x, prec, r, s)
		}
	})
}

// FuzzStatisticsMean compares the exact accumulator with math/big rationals.
func FuzzStatisticsMean(f *testing.F) {
	seed := func(xs ...float64) []byte {
		b := make([]byte, 8*len(xs))
		for i, x := range xs {
			binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(x))
		}
		return b
	}
	f.Add(seed(1, 2, 3))
	f.Add(seed(math.MaxFloat64, -math.MaxFloat64, 5e-324))
	f.Add(seed(0.1, 0.2, 0.3, -0.6))
	f.Add(seed(5e-324, 0))
	f.Fuzz(func(t *testing.T, data []byte) {
		n := len(data) / 8
		if n == 0 || n > 64 {
			// The big.Rat reference slows down with many values of very different
			// magnitudes (GCDs of 2000-bit numbers); 64 values exercise the
			// accumulator's carries as well as more.
			return
		}
		xs := make([]float64, n)
		sum := new(big.Rat)
		finite := true
		for i := range xs {
			xs[i] = math.Float64frombits(binary.LittleEndian.Uint64(data[8*i:]))
			if math.IsNaN(xs[i]) || math.IsInf(xs[i], 0) {
				finite = false
				continue
			}
			sum.Add(sum, new(big.Rat).SetFloat64(xs[i]))
		}
		got := StatisticsMean(xs)
		if !finite {
			if !math.IsNaN(got) && !math.IsInf(got, 0) {
				t.Fatalf("StatisticsMean(%v) = %v, want non-finite", xs, got)
			}
			return
		}
		// Python: an exactly zero mean is +0.0; a nonzero mean that rounds to zero
		// keeps its sign (statistics.mean([-5e-324, 0.0]) is -0.0).
		sign := sum.Sign()
		want, _ := sum.Quo(sum, new(big.Rat).SetInt64(int64(n))).Float64()
		switch {
		case sign == 0:
			want = 0
		case want == 0:
			want = math.Copysign(0, float64(sign))
		}
		if math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("StatisticsMean(%v) = %v, want %v", xs, got, want)
		}
	})
}
