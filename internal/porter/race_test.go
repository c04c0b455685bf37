//go:build race

package porter

// raceEnabled shrinks the comparisons with the slow reference, which the race
// detector slows down about tenfold.
const raceEnabled = true
