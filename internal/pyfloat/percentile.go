package pyfloat

import "math"

// Percentile returns np.percentile(a, q) with numpy 1.24's default "linear"
// method, bit for bit, where sorted holds the values of the 1-D float64 array
// a in ascending order:
//
//	quantile = q / 100
//	v = (N-1) · quantile                      // the virtual index, N = len(sorted)
//	v ≥ N-1:  a = b = sorted[N-1], g = v + 1  // numpy's previous index is -1 there
//	else:     i = floor(v), a = sorted[i], b = sorted[i+1], g = v - float64(i)
//	g < 0.5:  a + (b-a)·g
//	g ≥ 0.5:  b - (b-a)·(1-g)
//
// Each operation is rounded to float64 as numpy's ufuncs do (no fused
// multiply-add). Following numpy, a NaN sorts last and makes the result NaN,
// infinities can give NaN (b-a is NaN when both are infinite), and the
// maximum of a -0.0 array can come out as +0.0.
//
// sorted must be in ascending order with NaNs last (as np.sort leaves them).
// numpy uses a partition rather than a sort, which returns the same order
// statistics, except that it may pick a +0.0 where a sort placed a -0.0 or
// the reverse. Where numpy raises (no values; quantile q/100 outside [0, 1],
// or NaN), Percentile returns NaN. It does not allocate.
func Percentile(sorted []float64, q float64) float64 {
	n := len(sorted)
	quantile := q / 100
	if n == 0 || !(quantile >= 0 && quantile <= 1) {
		return math.NaN()
	}
	last := sorted[n-1]
	if math.IsNaN(last) {
		return math.NaN()
	}
	top := float64(n - 1)
	v := float64(top * quantile)
	if v >= top {
		return lerp(last, last, v+1)
	}
	i := int(math.Floor(v))
	// g = v - float64(i), not v - floor(v): numpy subtracts the integer index,
	// so v = -0.0 (from q = -0.0) gives g = -0.0.
	return lerp(sorted[i], sorted[i+1], v-float64(i))
}

// lerp is numpy's _lerp(a, b, t): both forms are computed with every product
// rounded, the second one where t ≥ 0.5.
func lerp(a, b, t float64) float64 {
	d := b - a
	if t >= 0.5 {
		return b - float64(d*float64(1-t))
	}
	return a + float64(d*t)
}

// ConfidenceQ returns the percentiles that rouge-score's BootstrapAggregator
// passes to np.percentile for a confidence interval ci, computed as it does
// in float64:
//
//	delta = (1 - ci) / 2
//	q = 100 * np.array([delta, 0.5, 1 - delta])
//
// so the low, mid and high bounds are [Percentile](sorted, q[0]), q[1] (50)
// and q[2]. Note that q[0]/100, the quantile numpy then uses, need not equal
// delta.
func ConfidenceQ(ci float64) [3]float64 {
	delta := (1 - ci) / 2
	return [3]float64{100 * delta, 100 * 0.5, 100 * (1 - delta)}
}
