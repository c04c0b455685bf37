package bleu

import (
	"encoding/binary"
	"math/bits"
	"strings"
	"unsafe"

	"github.com/sophia-ai/sophia-eval/internal/intern"
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
//
// The hypothesis tokens are interned as small ids (1, 2, ...); reference tokens are
// only looked up, and a token the hypothesis does not have gets id 0, which no
// hypothesis n-gram contains. Each hypothesis n-gram is packed into one uint64 key.
type scratch struct {
	lower []byte // lowercased input
	text  []byte // tokenized text of the segment being prepared, plus padding
	hyp   []uint32
	ref   []uint32
	vocab intern.Table
	uni   unigrams
	grams gramTable
	slow  map[string]*gramEntry // n-gram keys that do not fit in 64 bits
}

// tokenize lowercases (optionally), right-strips and tokenizes s into w.text and
// returns the tokens as one string of tokens separated by single spaces, followed by
// intern.Padding in the buffer.
func (w *scratch) tokenize(sc *Scorer, s string) []byte {
	if sc.cfg.Lowercase {
		w.lower = pystr.AppendLower(w.lower[:0], s)
		s = bytesString(w.lower)
	}
	s = pystr.TrimRightSpace(s)
	w.text = sc.tok.Append(w.text[:0], s)
	n := len(w.text)
	w.text = append(w.text, intern.Padding[:]...)
	return w.text[:n]
}

// internHyp tokenizes the hypothesis and interns its tokens into w.hyp.
func (w *scratch) internHyp(sc *Scorer, s string) {
	text := w.tokenize(sc, s)
	w.hyp = w.hyp[:0]
	for off := 0; off < len(text); {
		end, word := intern.NextToken(w.text, len(text), off)
		w.hyp = append(w.hyp, w.vocab.Intern(w.text, off, end, word))
		off = end + 1
	}
}

// lookupRef tokenizes a reference into w.ref as hypothesis token ids (0 for tokens the
// hypothesis lacks).
func (w *scratch) lookupRef(sc *Scorer, s string) {
	text := w.tokenize(sc, s)
	w.ref = w.ref[:0]
	for off := 0; off < len(text); {
		end, word := intern.NextToken(w.text, len(text), off)
		w.ref = append(w.ref, w.vocab.Lookup(w.text, off, end, word))
		off = end + 1
	}
}

func (w *scratch) segment(sc *Scorer, hyp string, refs []string) Stats {
	order := sc.cfg.MaxOrder
	var st Stats
	st.Segments = 1
	st.MinRefs, st.MaxRefs = len(refs), len(refs)
	if strings.HasSuffix(hyp, " .") {
		st.TokenizedPeriods = 1
	}

	w.vocab.Reset()
	w.internHyp(sc, hyp)
	hypLen := len(w.hyp)
	st.HypLen = int64(hypLen)
	for n := 1; n <= order && n <= hypLen; n++ {
		st.Total[n-1] = int64(hypLen - n + 1)
	}

	width := bits.Len32(uint32(w.vocab.Len()))
	slow := width*order > 64
	g := &w.grams
	if hypLen > 0 && !slow {
		// Unigrams are counted in arrays indexed by token id. Longer n-grams go to
		// the table: ids are ≥ 1 and < 1<<width, so n-grams of different orders never
		// share a key.
		w.uni.reset(w.vocab.Len())
		g.reset(hypLen * (order - 1))
		for i, id := range w.hyp {
			w.uni.hyp[id]++
			key := uint64(id)
			for n := 2; n <= order && i+n <= hypLen; n++ {
				key = key<<width | uint64(w.hyp[i+n-1])
				g.addHyp(key, n)
			}
		}
	} else if hypLen > 0 {
		w.slowHyp(order)
	}

	closest, closestDiff := 0, -1
	for r, ref := range refs {
		w.lookupRef(sc, ref)
		n := len(w.ref)
		d := n - hypLen
		if d < 0 {
			d = -d
		}
		if closestDiff < 0 || d < closestDiff || (d == closestDiff && n < closest) {
			closest, closestDiff = n, d
		}
		if hypLen == 0 {
			continue
		}
		stamp := int32(r + 1)
		if slow {
			w.slowRef(order, stamp)
			continue
		}
		ids := w.ref
		for i, id := range ids {
			// An n-gram the hypothesis lacks has no extension the hypothesis has, so
			// the scan from i stops at the first miss (or at an unknown token).
			if id == 0 {
				continue
			}
			w.uni.countRef(id, stamp)
			key := uint64(id)
			for n := 2; n <= order && i+n <= len(ids); n++ {
				id := ids[i+n-1]
				if id == 0 {
					break
				}
				key = key<<width | uint64(id)
				if !g.addRef(key, stamp) {
					break
				}
			}
		}
	}
	st.RefLen = int64(closest)
	if hypLen == 0 || len(refs) == 0 {
		return st
	}
	if slow {
		for _, e := range w.slow {
			st.Correct[e.order-1] += int64(min(e.hyp, e.max))
		}
		return st
	}
	for id := 1; id <= w.vocab.Len(); id++ {
		st.Correct[0] += int64(min(w.uni.hyp[id], w.uni.max[id]))
	}
	for _, slot := range g.used {
		e := &g.slots[slot]
		st.Correct[e.order-1] += int64(min(e.hyp, e.max))
	}
	return st
}

// unigrams counts the hypothesis tokens of a segment by id (1..n), and their
// highest count in any one reference.
type unigrams struct {
	hyp, cur, max, stamp []int32
}

func (u *unigrams) reset(n int) {
	if cap(u.hyp) < n+1 {
		u.hyp = make([]int32, n+1, 2*n+2)
		u.cur = make([]int32, n+1, 2*n+2)
		u.max = make([]int32, n+1, 2*n+2)
		u.stamp = make([]int32, n+1, 2*n+2)
		return
	}
	u.hyp, u.cur, u.max, u.stamp = u.hyp[:n+1], u.cur[:n+1], u.max[:n+1], u.stamp[:n+1]
	clear(u.hyp)
	clear(u.max)
	clear(u.stamp)
}

func (u *unigrams) countRef(id uint32, stamp int32) {
	if u.stamp[id] != stamp {
		u.stamp[id], u.cur[id] = stamp, 0
	}
	u.cur[id]++
	u.max[id] = max(u.max[id], u.cur[id])
}

// slowHyp counts the hypothesis n-grams with string keys, for segments whose
// vocabulary is too large to pack an n-gram into 64 bits.
func (w *scratch) slowHyp(order int) {
	if w.slow == nil {
		w.slow = make(map[string]*gramEntry)
	}
	clear(w.slow)
	for i := range w.hyp {
		for n := 1; n <= order && i+n <= len(w.hyp); n++ {
			k := idKey(w.hyp[i : i+n])
			e := w.slow[k]
			if e == nil {
				e = &gramEntry{order: int32(n)}
				w.slow[k] = e
			}
			e.hyp++
		}
	}
}

func (w *scratch) slowRef(order int, stamp int32) {
	for i := range w.ref {
		for n := 1; n <= order && i+n <= len(w.ref); n++ {
			if w.ref[i+n-1] == 0 {
				break
			}
			e := w.slow[idKey(w.ref[i:i+n])]
			if e == nil {
				break
			}
			e.countRef(stamp)
		}
	}
}

func idKey(ids []uint32) string {
	b := make([]byte, 0, 4*len(ids))
	for _, id := range ids {
		b = binary.LittleEndian.AppendUint32(b, id)
	}
	return string(b)
}

// bytesString returns the bytes of b as a string without copying. The caller must not
// change b while the string is in use.
func bytesString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
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

// addRef counts a reference occurrence of key and reports whether the hypothesis has
// that n-gram.
func (g *gramTable) addRef(key uint64, stamp int32) bool {
	mask := uint64(len(g.slots) - 1)
	for i := g.index(key); ; i = (i + 1) & mask {
		e := &g.slots[i]
		if e.key == key {
			e.countRef(stamp)
			return true
		}
		if e.key == 0 {
			return false
		}
	}
}
