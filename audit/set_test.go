package audit

import (
	"math/rand/v2"
	"testing"
)

// TestHasAllGrouped checks the grouped lookups of hasAll against has, with
// enough keys for the grouping and half of them present.
func TestHasAllGrouped(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	var s set
	keys := make([]uint64, 3*minGrouped)
	var in []uint64
	for i := range keys {
		keys[i] = r.Uint64() | 1
		if i%2 == 0 {
			in = append(in, keys[i])
		}
	}
	s.addAll(in)
	keys = append(keys, keys[:100]...) // repeated keys
	hit := make([]bool, len(keys))
	var buf lookupBuf
	for range 2 { // the second pass reuses buf
		s.hasAll(keys, hit, &buf)
		for i, k := range keys {
			if hit[i] != s.has(k) || hit[i] != (i%len(keys[:3*minGrouped])%2 == 0) {
				t.Fatalf("key %d: hit %v, has %v", i, hit[i], s.has(k))
			}
		}
	}
}
