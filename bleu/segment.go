package bleu

import (
	"encoding/binary"
	"math/bits"
	"strings"
	"unsafe"

	"github.com/sophia-ai/sophia-eval/internal/pystr"
)

// Segment returns the statistics of one hypothesis against its references. refs holds
// the references present for this segment; sacreBLEU's None ("no reference here") is
// expressed by leaving it out. An empty string is a real reference of length 0, as in
// sacreBLEU.
//
// A segment with no reference at all has no defined BLEU (sacreBLEU fails on it); its
// Stats count the hypothesis n-grams as unmatched with a reference length of 0, and the
// corpus functions reject it with ErrNoReference.
//
// Segment is safe for concurrent use and does not allocate once its internal buffers
// have grown to the segment sizes seen.
func (sc *Scorer) Segment(hyp string, refs []string) Stats {
	w := sc.getScratch()
	st := w.segment(sc, hyp, refs)
	sc.putScratch(w)
	return st
}

// scratch holds the reusable buffers of one goroutine's segment computations.
type scratch struct {
	lower []byte // lowercased input
	text  []byte // tokenized hypothesis followed by tokenized references
	ids   []uint32
	refs  []span // token-id ranges of each reference in ids
	vocab vocab
	grams gramTable
	slow  map[string]*gramEntry // n-gram keys that do not fit in 64 bits
}

type span struct{ lo, hi int }

// prepare lowercases (optionally), right-strips and tokenizes s, appending the tokens
// to w.text, interning them, and appending their ids to w.ids. It returns the number of
// tokens.
func (w *scratch) prepare(sc *Scorer, s string) int {
	if sc.cfg.Lowercase {
		w.lower = pystr.AppendLower(w.lower[:0], s)
		s = bytesString(w.lower)
	}
	s = pystr.TrimRightSpace(s)
	start := len(w.text)
	w.text = sc.tok.Append(w.text, s)
	toks := w.text[start:]
	n := 0
	for len(toks) > 0 {
		i := 0
		for i < len(toks) && toks[i] != ' ' {
			i++
		}
		if i > 0 {
			w.ids = append(w.ids, w.vocab.intern(toks[:i]))
			n++
		}
		if i < len(toks) {
			i++
		}
		toks = toks[i:]
	}
	return n
}

func (w *scratch) segment(sc *Scorer, hyp string, refs []string) Stats {
	order := sc.cfg.MaxOrder
	var st Stats
	st.Segments = 1
	st.MinRefs, st.MaxRefs = len(refs), len(refs)
	if strings.HasSuffix(hyp, " .") {
		st.TokenizedPeriods = 1
	}

	w.text = w.text[:0]
	w.ids = w.ids[:0]
	w.refs = w.refs[:0]
	w.vocab.reset()

	hypLen := w.prepare(sc, hyp)
	closest, closestDiff := 0, -1
	for _, r := range refs {
		lo := len(w.ids)
		n := w.prepare(sc, r)
		w.refs = append(w.refs, span{lo, lo + n})
		d := n - hypLen
		if d < 0 {
			d = -d
		}
		if closestDiff < 0 || d < closestDiff || (d == closestDiff && n < closest) {
			closest, closestDiff = n, d
		}
	}
	st.HypLen = int64(hypLen)
	st.RefLen = int64(closest)
	for n := 1; n <= order && n <= hypLen; n++ {
		st.Total[n-1] = int64(hypLen - n + 1)
	}
	if hypLen == 0 || len(refs) == 0 {
		return st
	}

	hypIDs := w.ids[:hypLen]
	width := bits.Len32(uint32(w.vocab.n))
	if width*order > 64 {
		w.slowMatches(&st, order, hypIDs)
		return st
	}

	// Every n-gram is packed into one uint64: ids are ≥ 1 and < 1<<width, so n-grams
	// of different orders never share a key.
	g := &w.grams
	g.reset(hypLen * order)
	for i := range hypIDs {
		var key uint64
		for n := 1; n <= order && i+n <= hypLen; n++ {
			key = key<<width | uint64(hypIDs[i+n-1])
			g.addHyp(key, n)
		}
	}
	for r, sp := range w.refs {
		ids := w.ids[sp.lo:sp.hi]
		stamp := int32(r + 1)
		for i := range ids {
			var key uint64
			for n := 1; n <= order && i+n <= len(ids); n++ {
				key = key<<width | uint64(ids[i+n-1])
				g.addRef(key, stamp)
			}
		}
	}
	for _, slot := range g.used {
		e := &g.slots[slot]
		st.Correct[e.order-1] += int64(min(e.hyp, e.max))
	}
	return st
}

// slowMatches counts matches with string keys, for segments whose vocabulary is too
// large to pack an n-gram into 64 bits.
func (w *scratch) slowMatches(st *Stats, order int, hypIDs []uint32) {
	if w.slow == nil {
		w.slow = make(map[string]*gramEntry)
	}
	clear(w.slow)
	var key []byte
	keyOf := func(ids []uint32) []byte {
		key = key[:0]
		for _, id := range ids {
			key = binary.LittleEndian.AppendUint32(key, id)
		}
		return key
	}
	for i := range hypIDs {
		for n := 1; n <= order && i+n <= len(hypIDs); n++ {
			k := keyOf(hypIDs[i : i+n])
			e := w.slow[string(k)]
			if e == nil {
				e = &gramEntry{order: int32(n)}
				w.slow[string(k)] = e
			}
			e.hyp++
		}
	}
	for r, sp := range w.refs {
		ids := w.ids[sp.lo:sp.hi]
		stamp := int32(r + 1)
		for i := range ids {
			for n := 1; n <= order && i+n <= len(ids); n++ {
				if e := w.slow[string(keyOf(ids[i:i+n]))]; e != nil {
					e.countRef(stamp)
				}
			}
		}
	}
	for _, e := range w.slow {
		st.Correct[e.order-1] += int64(min(e.hyp, e.max))
	}
}

// bytesString returns the bytes of b as a string without copying. The caller must not
// change b while the string is in use.
func bytesString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// vocab interns the tokens of one segment as small integer ids, starting at 1.
type vocab struct {
	slots []vocabSlot
	arena []byte
	n     int
}

type vocabSlot struct {
	hash uint64
	off  uint32
	len  uint32
	id   uint32 // 0 = empty
}

func (v *vocab) reset() {
	if v.n > 0 {
		clear(v.slots)
	}
	v.n = 0
	v.arena = v.arena[:0]
	if v.slots == nil {
		v.slots = make([]vocabSlot, 64)
	}
}

func (v *vocab) intern(tok []byte) uint32 {
	h := hashBytes(tok)
	mask := uint64(len(v.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &v.slots[i]
		if s.id == 0 {
			if 2*(v.n+1) > len(v.slots) {
				v.grow()
				return v.intern(tok)
			}
			v.n++
			*s = vocabSlot{hash: h, off: uint32(len(v.arena)), len: uint32(len(tok)), id: uint32(v.n)}
			v.arena = append(v.arena, tok...)
			return s.id
		}
		if s.hash == h && string(v.arena[s.off:s.off+s.len]) == string(tok) {
			return s.id
		}
	}
}

func (v *vocab) grow() {
	old := v.slots
	v.slots = make([]vocabSlot, 2*len(old))
	mask := uint64(len(v.slots) - 1)
	for _, s := range old {
		if s.id == 0 {
			continue
		}
		i := s.hash & mask
		for v.slots[i].id != 0 {
			i = (i + 1) & mask
		}
		v.slots[i] = s
	}
}

// hashBytes is a fast non-cryptographic hash of a short byte string.
func hashBytes(b []byte) uint64 {
	const m = 0x9E3779B97F4A7C15
	h := uint64(len(b)) * m
	for len(b) >= 8 {
		h = (h ^ binary.LittleEndian.Uint64(b)) * m
		h ^= h >> 29
		b = b[8:]
	}
	if len(b) > 0 {
		var t uint64
		for i, c := range b {
			t |= uint64(c) << (8 * i)
		}
		h = (h ^ t) * m
		h ^= h >> 29
	}
	h *= m
	return h ^ h>>32
}

// gramEntry counts one distinct hypothesis n-gram.
type gramEntry struct {
	key   uint64
	order int32
	hyp   int32 // occurrences in the hypothesis
	cur   int32 // occurrences in the reference being scanned
	max   int32 // highest count in any one reference
	stamp int32 // which reference cur belongs to
}

func (e *gramEntry) countRef(stamp int32) {
	if e.stamp != stamp {
		e.stamp, e.cur = stamp, 0
	}
	e.cur++
	if e.cur > e.max {
		e.max = e.cur
	}
}

// gramTable is an open-addressing table of the distinct hypothesis n-grams of one
// segment, keyed by packed n-gram keys (0 marks an empty slot).
type gramTable struct {
	slots []gramEntry
	used  []int32
	shift uint
}

func (g *gramTable) reset(n int) {
	for _, i := range g.used {
		g.slots[i] = gramEntry{}
	}
	g.used = g.used[:0]
	size := 16
	for size < 2*n {
		size *= 2
	}
	if len(g.slots) < size {
		g.slots = make([]gramEntry, size)
		g.shift = uint(64 - bits.TrailingZeros(uint(size)))
	}
}

func (g *gramTable) index(key uint64) uint64 { return (key * 0x9E3779B97F4A7C15) >> g.shift }

func (g *gramTable) addHyp(key uint64, order int) {
	mask := uint64(len(g.slots) - 1)
	for i := g.index(key); ; i = (i + 1) & mask {
		e := &g.slots[i]
		if e.key == key {
			e.hyp++
			return
		}
		if e.key == 0 {
			*e = gramEntry{key: key, order: int32(order), hyp: 1}
			g.used = append(g.used, int32(i))
			return
		}
	}
}

func (g *gramTable) addRef(key uint64, stamp int32) {
	mask := uint64(len(g.slots) - 1)
	for i := g.index(key); ; i = (i + 1) & mask {
		e := &g.slots[i]
		if e.key == key {
			e.countRef(stamp)
			return
		}
		if e.key == 0 {
			return
		}
	}
}
