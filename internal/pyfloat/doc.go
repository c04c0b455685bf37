// Package pyfloat reproduces, bit for bit, the float formatting and the
// averages that sacreBLEU's output depends on:
//
//	repr(x), json.dumps(x)   Repr, JSON
//	f"{x:.{prec}f}"          FormatFixed
//	float(f"{x:.{prec}f}")   RoundFixed
//	np.sum(a), np.mean(a)    NumpySum, NumpyMean (float64, 1-D)
//	statistics.mean(xs)      StatisticsMean
//
// The references are CPython 3.11 and NumPy 1.24. Every function is pure and
// safe for concurrent use.
package pyfloat
