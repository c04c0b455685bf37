package pyfloat

import (
	"math"
	"strconv"
)

// Repr returns Python's repr(x) (and str(x)) for a float: the shortest decimal
// string that reads back as x, in positional notation when the decimal
// exponent is in [-4, 16), and otherwise in scientific notation with a signed
// exponent of at least two digits. Examples: "0.0", "-0.0", "100.0",
// "0.0001", "1e-05", "1e+16", "1.5e+300", "5e-324", "inf", "-inf", "nan".
// A NaN prints as "nan" whatever its sign bit.
func Repr(x float64) string {
	var buf [32]byte
	return string(AppendRepr(buf[:0], x))
}

// AppendRepr appends [Repr](x) to dst and returns the extended slice.
func AppendRepr(dst []byte, x float64) []byte {
	switch {
	case math.IsNaN(x):
		return append(dst, "nan"...)
	case math.IsInf(x, 1):
		return append(dst, "inf"...)
	case math.IsInf(x, -1):
		return append(dst, "-inf"...)
	}
	// strconv's shortest round-trip digits, as "-d.ddde±dd".
	var tmp [32]byte
	e := strconv.AppendFloat(tmp[:0], x, 'e', -1, 64)
	if e[0] == '-' {
		dst = append(dst, '-')
		e = e[1:]
	}
	var digits [17]byte
	nd := 0
	i := 0
	for ; e[i] != 'e'; i++ {
		if e[i] != '.' {
			digits[nd] = e[i]
			nd++
		}
	}
	exp, _ := strconv.Atoi(string(e[i+1:])) // "+dd" or "-ddd"
	return appendPyDigits(dst, digits[:nd], exp)
}

// appendPyDigits lays out the significant digits d (value d[0].d[1:] × 10^exp)
// by the rules of Python's float_repr_style "short" with the 'r' format code.
func appendPyDigits(dst, d []byte, exp int) []byte {
	if exp < -4 || exp >= 16 {
		dst = append(dst, d[0])
		if len(d) > 1 {
			dst = append(dst, '.')
			dst = append(dst, d[1:]...)
		}
		dst = append(dst, 'e')
		if exp < 0 {
			dst = append(dst, '-')
			exp = -exp
		} else {
			dst = append(dst, '+')
		}
		if exp < 10 {
			dst = append(dst, '0')
		}
		return strconv.AppendInt(dst, int64(exp), 10)
	}
	point := exp + 1 // digits before the decimal point
	switch {
	case point <= 0:
		dst = append(dst, '0', '.')
		for range -point {
			dst = append(dst, '0')
		}
		return append(dst, d...)
	case point >= len(d):
		dst = append(dst, d...)
		for range point - len(d) {
			dst = append(dst, '0')
		}
		return append(dst, '.', '0')
	default:
		dst = append(dst, d[:point]...)
		dst = append(dst, '.')
		return append(dst, d[point:]...)
	}
}

// JSON returns x as Python's json.dumps writes a float (allow_nan=True, the
// default): [Repr] for finite values, and "NaN", "Infinity" and "-Infinity"
// otherwise. Those three are not valid JSON, but they are what Python emits.
func JSON(x float64) string {
	var buf [32]byte
	return string(AppendJSON(buf[:0], x))
}

// AppendJSON appends [JSON](x) to dst and returns the extended slice.
func AppendJSON(dst []byte, x float64) []byte {
	switch {
	case math.IsNaN(x):
		return append(dst, "NaN"...)
	case math.IsInf(x, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(x, -1):
		return append(dst, "-Infinity"...)
	}
	return AppendRepr(dst, x)
}

// FormatFixed returns Python's f"{x:.{prec}f}" (format(x, f".{prec}f")): x
// rounded to prec decimal places, correctly from its exact binary value with
// ties to even (f"{2.5:.0f}" is "2", f"{0.125:.2f}" is "0.12"). The sign of a
// negative zero or of a negative value that rounds to zero is kept
// ("-0.00"); infinities are "inf" and "-inf"; a NaN is "nan" whatever its sign
// bit. FormatFixed panics if prec is negative, where Python raises ValueError.
func FormatFixed(x float64, prec int) string {
	if prec < 0 {
		panic("pyfloat: negative precision")
	}
	switch {
	case math.IsNaN(x):
		return "nan"
	case math.IsInf(x, 1):
		return "inf"
	case math.IsInf(x, -1):
		return "-inf"
	}
	return strconv.FormatFloat(x, 'f', prec, 64)
}

// RoundFixed returns Python's float(f"{x:.{prec}f}"), the way sacreBLEU
// rounds a score to the output width before json.dumps writes it: the exact
// binary value is rounded once, to decimal, and that decimal is read back.
// A negative zero stays negative; infinities and NaNs are returned unchanged.
// It panics if prec is negative.
func RoundFixed(x float64, prec int) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		if prec < 0 {
			panic("pyfloat: negative precision")
		}
		return x
	}
	y, err := strconv.ParseFloat(FormatFixed(x, prec), 64)
	if err != nil { // impossible: FormatFixed of a finite value always parses
		panic("pyfloat: " + err.Error())
	}
	return y
}
