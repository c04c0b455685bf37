//go:build race

package crmath

// raceEnabled shrinks the reference comparisons, which the race detector
// slows down about tenfold.
const raceEnabled = true
