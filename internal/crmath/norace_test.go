//go:build !race

package crmath

const raceEnabled = false
