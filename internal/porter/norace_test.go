//go:build !race

package porter

const raceEnabled = false
