package rouge

import (
	"encoding/binary"
	"math/bits"
)

// ngramTable counts the n-grams of a prediction, keyed by their token ids packed into
// one uint64 (0 marks an empty slot).
type ngramTable struct {
	slots []ngramEntry
	used  []int32
	shift uint
	slow  map[string]*ngramEntry // n-grams too wide to pack
}

type ngramEntry struct {
	key   uint64
	count int32 // occurrences in the prediction
	taken int32 // occurrences matched in the target so far
}

func (g *ngramTable) reset(n int) {
	for _, i := range g.used {
		g.slots[i] = ngramEntry{}
	}
	g.used = g.used[:0]
	size := 16
	for size < 2*n {
		size *= 2
	}
	if len(g.slots) < size {
		g.slots = make([]ngramEntry, size)
		g.shift = uint(64 - bits.TrailingZeros(uint(size)))
	}
}

// find returns the slot of key, or the empty slot where it would go.
func (g *ngramTable) find(key uint64) int {
	mask := uint64(len(g.slots) - 1)
	for i := (key * 0x9E3779B97F4A7C15) >> g.shift; ; i = (i + 1) & mask {
		if k := g.slots[i].key; k == key || k == 0 {
			return int(i)
		}
	}
}

// overlap returns the number of n-grams target and prediction share, each counted as
// often as it occurs in both (rouge-score's sum of min(count_target,
// count_prediction)), and the n-gram counts of target and prediction. Token ids are
// at most vocab.
func (g *ngramTable) overlap(target, pred []uint32, n, vocab int) (hits, nt, np int) {
	nt, np = max(len(target)-n+1, 0), max(len(pred)-n+1, 0)
	if nt == 0 || np == 0 {
		return 0, nt, np
	}
	width := bits.Len32(uint32(vocab))
	if width*n > 64 {
		return g.overlapSlow(target, pred, n), nt, np
	}
	g.reset(np)
	for i := 0; i+n <= len(pred); i++ {
		key := pack(pred[i:i+n], width)
		slot := g.find(key)
		e := &g.slots[slot]
		if e.key == 0 {
			e.key = key
			g.used = append(g.used, int32(slot))
		}
		e.count++
	}
	for i := 0; i+n <= len(target); i++ {
		if e := &g.slots[g.find(pack(target[i:i+n], width))]; e.key != 0 && e.taken < e.count {
			e.taken++
			hits++
		}
	}
	return hits, nt, np
}

// pack packs ids (each ≥ 1 and < 1<<width) into one key.
func pack(ids []uint32, width int) uint64 {
	var k uint64
	for _, id := range ids {
		k = k<<uint(width) | uint64(id)
	}
	return k
}

func (g *ngramTable) overlapSlow(target, pred []uint32, n int) int {
	if g.slow == nil {
		g.slow = make(map[string]*ngramEntry)
	}
	clear(g.slow)
	key := func(ids []uint32) string {
		b := make([]byte, 0, 4*len(ids))
		for _, id := range ids {
			b = binary.LittleEndian.AppendUint32(b, id)
		}
		return string(b)
	}
	for i := 0; i+n <= len(pred); i++ {
		k := key(pred[i : i+n])
		e := g.slow[k]
		if e == nil {
			e = &ngramEntry{}
			g.slow[k] = e
		}
		e.count++
	}
	hits := 0
	for i := 0; i+n <= len(target); i++ {
		if e := g.slow[key(target[i:i+n])]; e != nil && e.taken < e.count {
			e.taken++
			hits++
		}
	}
	return hits
}
