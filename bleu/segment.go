package bleu

import (
	"bytes"
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
//
// The hypothesis tokens are interned as small ids (1, 2, ...); reference tokens are
// only looked up, and a token the hypothesis does not have gets id 0, which no
// hypothesis n-gram contains. Each hypothesis n-gram is packed into one uint64 key.
type scratch struct {
	lower []byte // lowercased input
	text  []byte // tokenized text of the segment being prepared, plus padding
	hyp   []uint32
	ref   []uint32
	vocab vocab
	uni   unigrams
	grams gramTable
	slow  map[string]*gramEntry // n-gram keys that do not fit in 64 bits
}

// pad is the number of zero bytes kept after w.text, so that a token of up to 8 bytes
// can be loaded with one 8-byte read.
const pad = 8

// tokenize lowercases (optionally), right-strips and tokenizes s into w.text and
// returns the tokens as one string of tokens separated by single spaces, followed by
// pad zero bytes in the buffer.
func (w *scratch) tokenize(sc *Scorer, s string) []byte {
	if sc.cfg.Lowercase {
		w.lower = pystr.AppendLower(w.lower[:0], s)
		s = bytesString(w.lower)
	}
	s = pystr.TrimRightSpace(s)
	w.text = sc.tok.Append(w.text[:0], s)
	n := len(w.text)
	w.text = append(w.text, 0, 0, 0, 0, 0, 0, 0, 0)
	return w.text[:n]
}

// internHyp tokenizes the hypothesis and interns its tokens into w.hyp.
func (w *scratch) internHyp(sc *Scorer, s string) {
	text := w.tokenize(sc, s)
	w.hyp = w.hyp[:0]
	for off := 0; off < len(text); {
		end, word := nextToken(w.text, len(text), off)
		w.hyp = append(w.hyp, w.vocab.intern(w.text, off, end, word))
		off = end + 1
	}
}

// lookupRef tokenizes a reference into w.ref as hypothesis token ids (0 for tokens the
// hypothesis lacks).
func (w *scratch) lookupRef(sc *Scorer, s string) {
	text := w.tokenize(sc, s)
	w.ref = w.ref[:0]
	for off := 0; off < len(text); {
		end, word := nextToken(w.text, len(text), off)
		w.ref = append(w.ref, w.vocab.lookup(w.text, off, end, word))
		off = end + 1
	}
}

const (
	spaces = 0x2020202020202020
	ones   = 0x0101010101010101
	highs  = 0x8080808080808080
)

// nextToken returns the end of the token that starts at off in buf[:n] (tokens are
// separated by single spaces, and buf has pad bytes after n) and the token's first 8
// bytes as a zero-padded little-endian word. A space within the first 8 bytes is found
// with one word operation.
func nextToken(buf []byte, n, off int) (end int, word uint64) {
	word = binary.LittleEndian.Uint64(buf[off : off+8])
	x := word ^ spaces
	if t := (x - ones) &^ x & highs; t != 0 {
		// The lowest flagged byte is the first space (borrows only flag bytes above a
		// real zero byte).
		end = off + bits.TrailingZeros64(t)/8
		if end > n {
			end = n
		}
	} else if off+8 >= n {
		end = n
	} else if i := bytes.IndexByte(buf[off+8:n], ' '); i >= 0 {
		end = off + 8 + i
	} else {
		end = n
	}
	if k := end - off; k < 8 {
		word &= 1<<(8*uint(k)) - 1
	}
	return end, word
}

func (w *scratch) segment(sc *Scorer, hyp string, refs []string) Stats {
	order := sc.cfg.MaxOrder
	var st Stats
	st.Segments = 1
	st.MinRefs, st.MaxRefs = len(refs), len(refs)
	if strings.HasSuffix(hyp, " .") {
		st.TokenizedPeriods = 1
	}

	w.vocab.reset()
	w.internHyp(sc, hyp)
	hypLen := len(w.hyp)
	st.HypLen = int64(hypLen)
	for n := 1; n <= order && n <= hypLen; n++ {
		st.Total[n-1] = int64(hypLen - n + 1)
	}

	width := bits.Len32(uint32(w.vocab.n))
	slow := width*order > 64
	g := &w.grams
	if hypLen > 0 && !slow {
		// Unigrams are counted in arrays indexed by token id. Longer n-grams go to
		// the table: ids are ≥ 1 and < 1<<width, so n-grams of different orders never
		// share a key.
		w.uni.reset(w.vocab.n)
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
	for id := 1; id <= w.vocab.n; id++ {
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

// vocab interns the hypothesis tokens of one segment as ids 1, 2, ... Tokens of up to 8
// bytes are compared as one word; longer ones by their bytes, kept in arena.
type vocab struct {
	slots []vocabSlot
	used  []int32
	arena []byte
	n     int
}

type vocabSlot struct {
	word uint64 // the first 8 bytes, zero-padded
	hash uint64
	off  uint32 // in arena, for tokens longer than 8 bytes
	len  uint32
	id   uint32 // 0 = empty
}

func (v *vocab) reset() {
	for _, i := range v.used {
		v.slots[i] = vocabSlot{}
	}
	v.used = v.used[:0]
	v.n = 0
	v.arena = v.arena[:0]
	if v.slots == nil {
		v.slots = make([]vocabSlot, 64)
	}
}

// tokenHash hashes the token buf[off:end] whose first 8 bytes, zero-padded, are word.
func tokenHash(buf []byte, off, end int, word uint64) uint64 {
	const m = 0x9E3779B97F4A7C15
	var h uint64
	if n := end - off; n <= 8 {
		h = (word ^ uint64(n)<<59) * m
	} else {
		h = hashBytes(buf[off:end])
	}
	return h ^ h>>29
}

func (v *vocab) intern(buf []byte, off, end int, word uint64) uint32 {
	h := tokenHash(buf, off, end, word)
	n := uint32(end - off)
	mask := uint64(len(v.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &v.slots[i]
		if s.id == 0 {
			if 2*(v.n+1) > len(v.slots) {
				v.grow()
				return v.intern(buf, off, end, word)
			}
			v.n++
			*s = vocabSlot{word: word, hash: h, len: n, id: uint32(v.n)}
			if n > 8 {
				s.off = uint32(len(v.arena))
				v.arena = append(v.arena, buf[off:end]...)
			}
			v.used = append(v.used, int32(i))
			return s.id
		}
		if s.hash == h && s.len == n && s.word == word &&
			(n <= 8 || string(v.arena[s.off:s.off+n]) == string(buf[off:end])) {
			return s.id
		}
	}
}

// lookup returns the id of the token buf[off:end], or 0 if it was not interned.
// word is the token's first 8 bytes, zero-padded.
func (v *vocab) lookup(buf []byte, off, end int, word uint64) uint32 {
	h := tokenHash(buf, off, end, word)
	n := uint32(end - off)
	mask := uint64(len(v.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &v.slots[i]
		if s.id == 0 {
			return 0
		}
		if s.hash == h && s.len == n && s.word == word &&
			(n <= 8 || string(v.arena[s.off:s.off+n]) == string(buf[off:end])) {
			return s.id
		}
	}
}

func (v *vocab) grow() {
	old := v.slots
	v.slots = make([]vocabSlot, 2*len(old))
	v.used = v.used[:0]
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
		v.used = append(v.used, int32(i))
	}
}

// hashBytes is a fast non-cryptographic hash of a byte string.
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
