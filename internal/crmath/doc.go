// Package crmath provides the natural logarithm and exponential correctly
// rounded: [Log] and [Exp] return the float64 nearest to the exact value
// (ties to even, which never occur for finite arguments other than the exact
// cases Log(1) = 0 and Exp(0) = 1), for every float64 argument, including
// subnormal arguments and results.
//
// # Relation to glibc and sacreBLEU
//
// sacreBLEU computes its scores with CPython's math.log and math.exp, which
// return the C library's log and exp. glibc's (2.36 was measured) are not
// correctly rounded everywhere: they err by up to about 0.52 ulp, and on 18
// million arguments of the kinds BLEU uses (TestGlibcLocal) they returned
// the wrong neighbour for about 1 argument in 10 000 for log and 1 in 1 300
// for exp. There this package returns the correctly rounded value and so
// differs from glibc, and from sacreBLEU, in the last bit; on all the other
// arguments tested it equals glibc. Go's [math.Log] and [math.Exp], by contrast,
// differ from glibc on 3% of BLEU's precisions (log) and 13% of its exp
// arguments; math.Log is moreover wrong for subnormal arguments on amd64
// (golang/go#56600).
//
// # Method
//
// Both functions first try a fast path in double-double arithmetic (table
// driven argument reduction with exact FMA products, tables generated from
// math/big by gen_tables.go) with a relative error below 2^-72, and return
// its result when that error cannot change the rounding. Otherwise, about
// once in 2^18 calls, a slow path redoes the computation with math/big at
// 192 bits or more, raising the precision until the rounding is certain
// (Ziv's strategy). The fast path takes a few nanoseconds and allocates
// nothing; the slow path takes tens of microseconds and allocates.
//
// Every function is pure and safe for concurrent use.
package crmath

//go:generate go run gen_tables.go
