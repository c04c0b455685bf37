//go:build !race

package bleu

// tokenizeRace is true when the tests run with the race detector, which slows the
// exhaustive tokenizer tests down tenfold; they then cover shorter strings.
const tokenizeRace = false
