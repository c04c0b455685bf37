// Package pyfloat reproduces, bit for bit, the float formatting, averages and
// percentiles that sacreBLEU's and rouge-score's output depends on:
//
//	repr(x), json.dumps(x)   Repr, JSON
//	f"{x:.{prec}f}"          FormatFixed
//	float(f"{x:.{prec}f}")   RoundFixed
//	np.sum(a), np.mean(a)    NumpySum, NumpyMean (float64, 1-D)
//	statistics.mean(xs)      StatisticsMean
//	math.fsum, exact means   ExactSum (mergeable: per-shard sums combine exactly)
//	np.percentile(a, q)      Percentile (linear method), ConfidenceQ (rouge-score's q)
//
// The references are CPython 3.11 and NumPy 1.24. Every function is pure and
// safe for concurrent use; an ExactSum is a value like any other.
package pyfloat
