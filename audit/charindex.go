package audit

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"slices"
	"sort"
	"unicode"
	"unicode/utf8"
)

// Character mode does not keep a fingerprint of every window of n characters,
// which would be one per character of the training data. It keeps anchors:
//
// Every window W = c[s:s+n] of a text's characters c chooses one anchor: of the
// k positions s..s+k-1, the one whose m-gram (m = n-k+1 characters) has the
// least polynomial hash, the rightmost of equal ones. Those k m-grams all lie inside
// W, so the choice depends on W's characters alone, and wherever W occurs in the
// training data it chose the anchor at the same offset j = anchor - s. For each
// position that some training window chose, the index keeps a record: the
// m-gram's fingerprint, and the characters around the m-gram that those windows
// cover (at most k-1 before it, the nearest first, and at most k-1 after it;
// positions no such window covers are 0, which no character is). An evaluation
// window occurs in the training data if and only if a record with its anchor's
// fingerprint has its j characters before the m-gram and its k-1-j characters
// after it (a 64-bit fingerprint standing for the m-gram's characters, as the
// word mode's stand for whole n-grams).
//
// In random text a position is chosen by about one window in (k+1)/2, so the
// index holds some 2/(k+1) records per training character instead of one
// fingerprint, each record a key and a reference (16 bytes) and 2(k-1)
// characters of one byte (ASCII) or two, and both indexing and checking look up
// one record per anchor instead of one fingerprint per window.

// charParams are the anchor parameters of windows of n characters.
type charParams struct {
	n, k, m int
	ctx     int // k-1: the characters kept on each side of an anchor's m-gram
	pw      uint64
}

// newCharParams returns the parameters of windows of n characters whose
// anchors are chosen among their first k positions.
func newCharParams(n, k int) charParams {
	m := n - k + 1
	return charParams{n: n, k: k, m: m, ctx: k - 1, pw: rollPow(m)}
}

// charK is the k of windows of n characters: as large as a record's context
// allows (fewer records), with m-grams of at least 19 characters where n allows,
// and at most half the window for small n (n = 50: k = 32, m = 19).
func charK(n int) int { return min(maxCtx+1, max(1, n/2, n-18)) }

// charK3 is the k of index file format 3 (n = 50: k = 24, m = 27).
func charK3(n int) int { return min(ctx3+1, max(1, n/2)) }

// ctx3 is the characters on each side of a record in an index file of format
// 3, whatever its k (zeros beyond k-1).
const ctx3 = 23

// fold16 is the character as a record stores it: the code point itself in the
// Basic Multilingual Plane, other code points folded into the surrogate range,
// which no character of a valid string occupies.
func fold16(r uint32) uint16 {
	if r < 0x10000 {
		return uint16(r)
	}
	return 0xD800 | uint16(r*0x9E3779B1>>21)
}

// anchor is a position chosen by the windows first..last of a text, the doc'th
// of a batch.
type anchor struct {
	pos         int
	key         uint64
	first, last int
	doc         int32
	wide        bool // the text has characters outside ASCII
}

// charDoc analyses texts in character mode; its buffers are reused.
type charDoc struct {
	anch  []anchor
	runes []uint32 // the code points of the normalisation
	text8 []byte   // the same as bytes, where they are ASCII (record8), when keep8
	keep8 bool
	gs    []uint64 // its m-grams' polynomial hashes
}

// chars writes the code points of the normalisation of s to runes (at least
// len(s) long) and returns their number, and whether any is not ASCII. ASCII
// goes without a branch on the byte's class: every byte is written, and the
// count only moves past the kept ones.
func chars(s string, runes []uint32) (n int, wide bool) {
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			i++
			l := uint32(charLower[c])
			runes[n] = l
			n += int((l + 0xff) >> 8) // 1 for a kept character, else 0
			continue
		}
		r, next, ok := wideChar(s, i)
		i = next
		if ok {
			runes[n] = r
			wide = wide || r >= utf8.RuneSelf
			n++
		}
	}
	return n, wide
}

// chars8 is chars that also writes each character's low byte to text8.
func chars8(s string, runes []uint32, text8 []byte) (n int, wide bool) {
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			i++
			l := charLower[c]
			runes[n], text8[n] = uint32(l), l
			n += int((uint(l) + 0xff) >> 8)
			continue
		}
		r, next, ok := wideChar(s, i)
		i = next
		if ok {
			runes[n], text8[n] = r, byte(r)
			wide = wide || r >= utf8.RuneSelf
			n++
		}
	}
	return n, wide
}

// wideChar decodes the character that starts with the non-ASCII byte s[i]: its
// code point lowercased, where the next one starts, and whether it is kept.
func wideChar(s string, i int) (uint32, int, bool) {
	r, size := utf8.DecodeRuneInString(s[i:])
	if r == utf8.RuneError && size == 1 || !keepChar(r) {
		return 0, i + size, false
	}
	return uint32(unicode.ToLower(r)), i + size, true
}

// recPad is the zero characters before and after a batch's text that record8
// may read (and mask off).
const recPad = maxCtx + 1

var zeroPad [recPad]byte

// reset empties d for the next batch of texts, docs, which will start pad zero
// characters into runes and, with keep8, text8, with room for them all.
func (d *charDoc) reset(pad int, docs []Doc, keep8 bool) {
	size := 0
	for i := range docs {
		size += len(docs[i].Text)
	}
	d.runes = slices.Grow(d.runes[:0], pad+size+recPad)[:pad]
	clear(d.runes)
	d.keep8 = keep8
	if keep8 {
		d.text8 = slices.Grow(d.text8[:0], pad+size+recPad)[:pad]
		clear(d.text8)
	}
	d.anch = slices.Grow(d.anch[:0], size/14) // about 0.06 anchors per byte
}

// analyze appends to d.runes the code points of the normalisation of s and to
// d.anch its anchors, marked with doc, their positions relative to the text's
// first code point. It returns the text's fingerprint (textHash) and its
// number of characters. It makes three tight passes: the characters, the m-grams'
// fingerprints, the anchors.
func (d *charDoc) analyze(s string, p *charParams, doc int32) (uint64, int) {
	// The characters.
	base := len(d.runes)
	all := slices.Grow(d.runes, len(s))
	runes := all[base : base+len(s)]
	var all8 []byte
	var n int
	var wide bool
	if d.keep8 {
		all8 = slices.Grow(d.text8, len(s))
		n, wide = chars8(s, runes, all8[base:base+len(s)])
	} else {
		n, wide = chars(s, runes)
	}
	runes = runes[:n]
	d.runes = all[:base+n]
	if d.keep8 {
		d.text8 = all8[:base+n]
	}
	m, k := p.m, p.k
	if n < p.n {
		return textHash(runes, nil, m), n
	}
	// The m-grams' polynomial hashes, unmixed: the anchors are chosen by
	// them, and only an anchor's is mixed into its key.
	gs := slices.Grow(d.gs[:0], n-m+1)[:n-m+1]
	var r uint64
	for _, v := range runes[:m] {
		r = r*rollBase + uint64(v)
	}
	gs[0] = r
	// gs[j+1] = gs[j]*B + e[j], e[j] = c[j+m] - c[j]*B^m, two at a time:
	// gs[j+2] = gs[j]*B² + e[j]*B + e[j+1] depends on gs[j] through one
	// multiplication and one addition, half the chain of one at a time
	// (the same values, modulo 2^64).
	rb := uint64(rollBase)
	pwB, b2 := p.pw*rb, rb*rb // B^m, B²
	in, out, g := runes[m:], runes[:n-m], gs[1:]
	j := 0
	for ; j+1 < len(in); j += 2 {
		e0 := uint64(in[j]) - uint64(out[j])*pwB
		e1 := uint64(in[j+1]) - uint64(out[j+1])*pwB
		g[j] = r*rb + e0
		r = r*b2 + (e0*rb + e1)
		g[j+1] = r
	}
	if j < len(in) {
		g[j] = r*rb + uint64(in[j]) - uint64(out[j])*pwB
	}
	d.gs = gs
	dh := textHash(runes, gs, m)
	// The anchors: for each window t, the rightmost least of gs[t:t+k].
	anch := d.anch
	minPos, minKey := 0, gs[0]
	for j := 1; j < k; j++ {
		if gs[j] <= minKey {
			minPos, minKey = j, gs[j]
		}
	}
	a0 := len(anch)
	cur := anchor{pos: minPos, key: minKey, doc: doc}
	for j, g := range gs[k:] {
		t := j + 1 // the window; g is its last candidate's, at j+k
		if g <= minKey {
			minPos, minKey = j+k, g // further right, so it wins ties
		} else if minPos < t {
			// Rescan the window, without branches on the data (the
			// running minimum changes at unpredictable places).
			w := gs[t : t+k]
			mp, mk := 0, w[0]
			for x := 1; x < len(w); x++ {
				g := w[x]
				le := g <= mk
				if le {
					mk = g
				}
				if le {
					mp = x
				}
			}
			minPos, minKey = t+mp, mk
		}
		if minPos != cur.pos {
			cur.last = t - 1
			anch = append(anch, cur)
			cur = anchor{pos: minPos, key: minKey, first: t, doc: doc}
		}
	}
	cur.last = len(gs) - k
	anch = append(anch, cur)
	for i := range anch[a0:] {
		anch[a0+i].key = mix(anch[a0+i].key)
		anch[a0+i].wide = wide
	}
	d.anch = anch
	return dh, n
}

// maxCtx is the most characters a record keeps on each side of its m-gram
// (k is at most 32).
const maxCtx = 31

// recChars are a record's characters: before the m-gram, the nearest first,
// in [0:ctx]; after it in [maxCtx:maxCtx+ctx]; 0 for the rest. A record whose
// characters are all ASCII keeps them in a rec8, one byte each.
type (
	recChars [2 * maxCtx]uint16
	rec8     [2 * maxCtx]uint8
)

// textHash is the fingerprint of a whole text in character mode, for exact
// duplicates: a polynomial hash of the hashes of its m-grams at 0, m, 2m, ...
// (gs, when the text has any) and of its code points after the last of them,
// and of their count.
func textHash(runes []uint32, gs []uint64, m int) uint64 {
	var h uint64
	i := 0
	if len(gs) > 0 {
		for ; i+m <= len(runes); i += m {
			h = h*0xC2B2AE3D27D4EB4F + gs[i]
		}
	}
	for _, v := range runes[i:] {
		h = h*0xC2B2AE3D27D4EB4F + uint64(v)
	}
	return mix(h ^ uint64(len(runes))*0x5bd1e9955bd1e995)
}

// record sets r, zero, to the characters of anchor a's record; c are the
// code points of a's text: the characters before the m-gram as far as window
// a.first reaches, and after it as far as window a.last reaches.
func (p *charParams) record(r *recChars, c []uint32, a *anchor) {
	left := c[a.pos-min(p.ctx, a.pos-a.first) : a.pos]
	for i, j := 0, len(left)-1; j >= 0; i, j = i+1, j-1 {
		r[i] = fold16(left[j])
	}
	right := c[a.pos+p.m : a.last+p.n] // up to window a.last's end
	for i, v := range right {
		r[maxCtx+i] = fold16(v)
	}
}

// record8 is record for a narrow record (a's characters all ASCII), from
// the characters' bytes t, where a's text starts at base and which has recPad
// characters before and after its texts: the characters are read eight at a
// time, those outside the record's reach masked off, without a branch.
func (p *charParams) record8(r *rec8, t []byte, base int, a *anchor) {
	le := binary.LittleEndian
	// Before: the nearest first, so each group of eight reversed; the
	// fourth group (characters 23-30) overlaps the third by one.
	pos, left := base+a.pos, min(p.ctx, a.pos-a.first)
	le.PutUint64(r[0:], bits.ReverseBytes64(le.Uint64(t[pos-8:]))&lowBytes(left))
	le.PutUint64(r[8:], bits.ReverseBytes64(le.Uint64(t[pos-16:]))&lowBytes(left-8))
	le.PutUint64(r[16:], bits.ReverseBytes64(le.Uint64(t[pos-24:]))&lowBytes(left-16))
	le.PutUint64(r[23:], bits.ReverseBytes64(le.Uint64(t[pos-31:]))&lowBytes(left-23))
	// After, up to window a.last's end.
	at, right := pos+p.m, a.last+p.n-(a.pos+p.m)
	le.PutUint64(r[maxCtx:], le.Uint64(t[at:])&lowBytes(right))
	le.PutUint64(r[maxCtx+8:], le.Uint64(t[at+8:])&lowBytes(right-8))
	le.PutUint64(r[maxCtx+16:], le.Uint64(t[at+16:])&lowBytes(right-16))
	le.PutUint64(r[maxCtx+23:], le.Uint64(t[at+23:])&lowBytes(right-23))
}

// lowBytes is the mask of the low n bytes of a uint64 (none for n <= 0, all
// for n >= 8).
func lowBytes(n int) uint64 {
	return byteMasks[min(max(n, 0), 8)]
}

var byteMasks = [9]uint64{0, 0xff, 0xffff, 0xffffff, 0xffffffff, 0xffffffffff, 0xffffffffffff, 0xffffffffffffff, ^uint64(0)}

// narrow reports whether the characters of anchor a's record are all ASCII.
func (p *charParams) narrow(c []uint32, a *anchor) bool {
	if !a.wide {
		return true
	}
	or := uint32(0)
	for _, v := range c[a.pos-min(p.ctx, a.pos-a.first) : a.pos] {
		or |= v
	}
	for _, v := range c[a.pos+p.m : a.last+p.n] {
		or |= v
	}
	return or < utf8.RuneSelf
}

// slabs hold the characters of records: a reference (ref) to record i of slab s
// is s<<32 | i, with wideRef set for a record of wide[s], clear for one of
// narrow[s].
type slabs struct {
	narrow [][]rec8
	wide   [][]recChars
}

const wideRef = 1 << 63

// ref returns the reference to record i of slab s, wide or not.
func ref(s int, i uint32, wide bool) uint64 {
	r := uint64(s)<<32 | uint64(i)
	if wide {
		r |= wideRef
	}
	return r
}

// at returns the record r refers to: one of the two is nil.
func (s *slabs) at(r uint64) (*rec8, *recChars) {
	if r&wideRef != 0 {
		return nil, &s.wide[r>>32&^(wideRef>>32)][uint32(r)]
	}
	return &s.narrow[r>>32][uint32(r)], nil
}

// chars returns the characters of the record r refers to.
func (s *slabs) chars(r uint64) recChars {
	n, w := s.at(r)
	if w != nil {
		return *w
	}
	var c recChars
	for i, v := range n {
		c[i] = uint16(v)
	}
	return c
}

// cmp orders records by their characters.
func (s *slabs) cmp(a, b uint64) int {
	an, aw := s.at(a)
	bn, bw := s.at(b)
	switch {
	case an != nil && bn != nil:
		return bytes.Compare(an[:], bn[:])
	case aw != nil && bw != nil:
		return slices.Compare(aw[:], bw[:])
	}
	x, y := s.chars(a), s.chars(b)
	return slices.Compare(x[:], y[:])
}

// bytes is the memory the slabs take.
func (s *slabs) bytes() int64 {
	var n int64
	for _, sl := range s.narrow {
		n += 2 * maxCtx * int64(cap(sl))
	}
	for _, sl := range s.wide {
		n += 4 * maxCtx * int64(cap(sl))
	}
	return n
}

// records returns the number of records the slabs hold.
func (s *slabs) records() int64 {
	var n int64
	for _, sl := range s.narrow {
		n += int64(len(sl))
	}
	for _, sl := range s.wide {
		n += int64(len(sl))
	}
	return n
}

// cpart is one partition of the character index: the keys of its records,
// sorted, then by the records' characters, without repeats; refs[i] is where
// record i's characters are (a reference into the charSet's slabs); dir[b] is
// the first record whose key's bucket (the bits below the partition bits) is b
// or more.
//
// The characters stay where the batch that made them wrote them (a slab of the
// charSet, in text order): only the keys and references are sorted and merged,
// 16 bytes per record. Records added since the last merge are pending in pkeys
// and prefs.
type cpart struct {
	keys  []uint64
	refs  []uint64 // nil: record i is narrow slab p's i'th (charSet.ref)
	dir   []uint32
	pkeys []uint64
	prefs []uint64
}

// cscratch is the reusable working space of cpart.flush, and the slabs of the
// records its partitions refer to.
type cscratch struct {
	keys  []uint64
	refs  []uint64
	count []int32
	st    slabs
}

// batchWide marks the place of a batch's record in its wide slab; shifted
// into a reference's high half it is wideRef.
const batchWide = wideRef >> 32

// add adds the records keys[i] of slab s to p, idx[i] their places in it
// (batchWide set for the wide slab), merging the pending records into the
// sorted ones once enough are pending.
func (p *cpart) add(keys []uint64, idx []uint32, s int, sc *cscratch) {
	limit := max(pendMin, len(p.keys))
	p.pkeys = append(growPending(p.pkeys, len(keys), 256, limit), keys...)
	p.prefs = growPending(p.prefs, len(keys), 256, limit)
	base := uint64(s) << 32
	for _, i := range idx {
		p.prefs = append(p.prefs, base|uint64(i&^batchWide)|uint64(i&batchWide)<<32)
	}
	if len(p.pkeys) >= limit {
		p.flush(sc)
	}
}

// pendSort sorts pending records by key, then characters.
type pendSort struct {
	sc   *cscratch
	keys []uint64
	refs []uint64
}

func (s pendSort) Len() int { return len(s.keys) }
func (s pendSort) Less(i, j int) bool {
	if s.keys[i] != s.keys[j] { // without reading the records
		return s.keys[i] < s.keys[j]
	}
	return s.sc.st.cmp(s.refs[i], s.refs[j]) < 0
}
func (s pendSort) Swap(i, j int) {
	s.keys[i], s.keys[j] = s.keys[j], s.keys[i]
	s.refs[i], s.refs[j] = s.refs[j], s.refs[i]
}

// flush merges the pending records into the sorted ones.
func (p *cpart) flush(sc *cscratch) {
	n := len(p.pkeys)
	if n == 0 {
		return
	}
	// Order the pending records: a counting sort by the top bits of their
	// keys below the partition bits, then each bucket sorted by key, and
	// records of equal keys by their characters.
	count, sh, _ := bucketStarts(p.pkeys, &sc.count)
	nb := len(count) - 1
	if cap(sc.keys) < n {
		sc.keys, sc.refs = make([]uint64, n), make([]uint64, n)
	}
	keys, refs := sc.keys[:n], sc.refs[:n]
	for i, k := range p.pkeys {
		j := k << partBits >> sh
		keys[count[j]], refs[count[j]] = k, p.prefs[i]
		count[j]++
	}
	start := int32(0)
	for _, end := range count[:nb] {
		if end-start > 1 {
			b := pendSort{sc, keys[start:end], refs[start:end]}
			if b.Len() <= 16 {
				for i := 1; i < b.Len(); i++ {
					for j := i; j > 0 && b.Less(j, j-1); j-- {
						b.Swap(j, j-1)
					}
				}
			} else { // many equal keys: repeated text
				sort.Sort(b)
			}
		}
		start = end
	}
	// Merge with the records held, dropping repeats, from the end
	// backwards in place: the held records move up to make room for the new
	// ones, within memory already in use.
	held := len(p.keys)
	need := held + n
	if cap(p.keys) < need {
		c := need // the first merge: perhaps the only one
		if held > 0 {
			c += need / 2 // room for the next merges
		}
		nk, nr := make([]uint64, held, c), make([]uint64, held, c)
		copy(nk, p.keys)
		copy(nr, p.refs)
		p.keys, p.refs = nk, nr
	}
	hk, hr := p.keys[:need], p.refs[:need]
	same := func(ka uint64, ra uint64, kb uint64, rb uint64) bool {
		return ka == kb && sc.st.cmp(ra, rb) == 0
	}
	w := need     // hk[w:] and hr[w:] are merged
	i := held - 1 // the held records not moved yet are hk[:i+1]
	for x := n - 1; x >= 0; x-- {
		k, r := keys[x], refs[x]
		j := i
		for j >= 0 && (hk[j] > k || hk[j] == k && sc.st.cmp(hr[j], r) > 0) {
			j--
		}
		if run := i - j; run > 0 { // greater held records, in one move
			copy(hk[w-run:w], hk[j+1:i+1])
			copy(hr[w-run:w], hr[j+1:i+1])
			w -= run
		}
		i = j
		if i >= 0 && same(hk[i], hr[i], k, r) || w < need && same(hk[w], hr[w], k, r) {
			continue // held already, or a repeat of the one just placed
		}
		w--
		hk[w], hr[w] = k, r
	}
	// hk[:i+1] stayed in place; repeats dropped leave a gap before hk[w:].
	if i+1 < w {
		copy(hk[i+1:], hk[w:need])
		copy(hr[i+1:], hr[w:need])
	}
	size := i + 1 + need - w
	p.keys, p.refs = p.keys[:size], p.refs[:size]
	p.pkeys, p.prefs = p.pkeys[:0], p.prefs[:0]
}

// finish flushes p, releases its pending buffer and builds its directory.
func (p *cpart) finish(sc *cscratch) {
	p.flush(sc)
	p.pkeys, p.prefs = nil, nil
	p.trim()
	p.buildDir()
}

// trim gives back the room p's arrays keep to grow (and that of repeats
// dropped) when it is more than an eighth of what they hold.
func (p *cpart) trim() {
	if cap(p.keys) > len(p.keys)+len(p.keys)/8 {
		p.keys = slices.Clone(p.keys)
		if p.refs != nil {
			p.refs = slices.Clone(p.refs)
		}
	}
}

// dirBits is log2 of the number of buckets of the directory of n records.
func dirBits(n int) uint {
	if n < 2 {
		return 0
	}
	return uint(bits.Len(uint(n)) - 1)
}

func (p *cpart) buildDir() {
	db := dirBits(len(p.keys))
	nb := 1 << db
	dir := make([]uint32, nb+1)
	for _, k := range p.keys {
		dir[(k<<partBits>>1>>(63-db))+1]++
	}
	for i := 1; i <= nb; i++ {
		dir[i] += dir[i-1]
	}
	p.dir = dir
}

// newIndex returns an empty index of windows of n words or characters.
func newIndex(chars bool, n int) *Index {
	ix := &Index{chars: chars, n: n}
	if chars {
		ix.cp = newCharParams(n, charK(n))
	}
	return ix
}

// charSet is the character index's records, cut into numParts partitions by
// the top bits of their keys. Their characters are in slabs: while building,
// two slabs per batch of training texts (narrow and wide records), in text
// order; after loading or compacting, slabs p hold partition p's, in key order.
type charSet struct {
	parts [numParts]cpart
	st    slabs
}

// ref returns the reference to record i of partition p.
func (s *charSet) ref(p, i int) uint64 {
	if r := s.parts[p].refs; r != nil {
		return r[i]
	}
	return ref(p, uint32(i), false) // every record narrow
}

func (s *charSet) len() int64 {
	var n int64
	for i := range s.parts {
		n += int64(len(s.parts[i].keys))
	}
	return n
}

func (s *charSet) bytes() int64 {
	n := s.st.bytes()
	for i := range s.parts {
		p := &s.parts[i]
		n += 8*int64(cap(p.keys)+cap(p.refs)) + 4*int64(len(p.dir))
	}
	return n
}

// place appends characters c to slab s of st, narrow or wide as they are, and
// returns their reference.
func (st *slabs) place(s int, c *recChars) uint64 {
	or := uint16(0)
	for _, v := range c {
		or |= v
	}
	if or >= utf8.RuneSelf {
		st.wide[s] = append(st.wide[s], *c)
		return ref(s, uint32(len(st.wide[s])-1), true)
	}
	var n rec8
	for x, v := range c {
		n[x] = uint8(v)
	}
	st.narrow[s] = append(st.narrow[s], n)
	return ref(s, uint32(len(st.narrow[s])-1), false)
}

// partSlabs returns slabs for a loaded or compacted index, one pair per
// partition, filled by place and ended by trim.
func partSlabs() slabs {
	return slabs{narrow: make([][]rec8, numParts), wide: make([][]recChars, numParts)}
}

// trim ends the placing of partition p's records into slabs p of st: it
// gives back the room their slabs keep when it is more than an eighth, and
// drops refs when every record is narrow (record i is then narrow[p][i]).
func (st *slabs) trim(p int, refs []uint64) []uint64 {
	if len(st.wide[p]) == 0 {
		refs = nil
	}
	if s := st.narrow[p]; cap(s) > len(s)+len(s)/8 {
		st.narrow[p] = slices.Clone(s)
	}
	if s := st.wide[p]; cap(s) > len(s)+len(s)/8 {
		st.wide[p] = slices.Clone(s)
	}
	return refs
}

// compact moves the records into two slabs per partition, in key order, when
// the slabs hold more than an eighth more records than the partitions refer
// to: the repeats that merging dropped.
func (s *charSet) compact() {
	if n := s.len(); s.st.records() <= n+n/8 {
		return
	}
	st := partSlabs()
	for i := range s.parts {
		p := &s.parts[i]
		st.narrow[i] = make([]rec8, 0, len(p.keys)) // most are ASCII
		refs := make([]uint64, len(p.keys))
		for j := range refs {
			c := s.st.chars(s.ref(i, j))
			refs[j] = st.place(i, &c)
		}
		p.refs = st.trim(i, refs)
	}
	s.st = st
}

// anchorStarts distributes anch into 1<<b buckets by the top b bits of their
// keys: it returns in count (made in *buf) the start of each bucket
// (count[1<<b] = len(anch)).
func anchorStarts(anch []anchor, b uint, buf *[]int32) []int32 {
	if cap(*buf) < 1<<b+1 {
		*buf = make([]int32, 1<<b+1)
	}
	count := (*buf)[:1<<b+1]
	clear(count)
	for i := range anch {
		count[anch[i].key>>(64-b)+1]++
	}
	for i := 1; i < len(count); i++ {
		count[i] += count[i-1]
	}
	return count
}

// findBuf is the working space of findAll, kept for reuse.
type findBuf struct {
	lo, hi, order []int32
	sorted        []uint64
	count         []int32
}

// findAll returns for each anchor i the records with its key, part.keys[lo[i]:
// hi[i]] of its partition. The anchors are first put in the order of their
// keys' top bits (a counting sort), so that the lookups walk the directories
// and the keys from start to end instead of at random.
func (s *charSet) findAll(anch []anchor, fb *findBuf) (lo, hi []int32) {
	n := len(anch)
	if cap(fb.lo) < n {
		fb.lo, fb.hi, fb.order, fb.sorted = make([]int32, n), make([]int32, n), make([]int32, n), make([]uint64, n)
	}
	lo, hi, order, sorted := fb.lo[:n], fb.hi[:n], fb.order[:n], fb.sorted[:n]
	b := uint(min(max(bits.Len(uint(n)), 8), 22))
	count := anchorStarts(anch, b, &fb.count)
	for i := range anch {
		k := anch[i].key
		j := k >> (64 - b)
		order[count[j]], sorted[count[j]] = int32(i), k
		count[j]++
	}
	for x, k := range sorted {
		i := order[x]
		p := &s.parts[k>>partShift]
		if len(p.keys) == 0 {
			lo[i], hi[i] = 0, 0
			continue
		}
		keys := p.keys
		d := k << partBits >> 1 >> (63 - dirBits(len(keys)))
		j, e := p.dir[d], p.dir[d+1]
		for j < e && keys[j] < k {
			j++
		}
		x := j
		for x < e && keys[x] == k {
			x++
		}
		lo[i], hi[i] = int32(j), int32(x)
	}
	return lo, hi
}

// matches sets hit[s] for the windows s in a.first..a.last that occur in the
// training data through a's records, part.keys[lo:hi] of its partition; c are
// the code points of a's text.
func (s *charSet) matches(p *charParams, c []uint32, a *anchor, hit []bool, lo, hi int) {
	part := int(a.key >> partShift)
	for r := lo; r < hi; r++ {
		if n, w := s.st.at(s.ref(part, r)); w == nil {
			matchRec(p, c, a, hit, (*[2 * maxCtx]uint8)(n))
		} else {
			matchRec(p, c, a, hit, (*[2 * maxCtx]uint16)(w))
		}
	}
}

// matchRec sets hit[s] for the windows s of anchor a that record rec has.
func matchRec[T uint8 | uint16](p *charParams, c []uint32, a *anchor, hit []bool, rec *[2 * maxCtx]T) {
	// L: the characters before the m-gram that agree, nearest first;
	// R: those after it.
	L := 0
	for L < p.ctx && L < a.pos && uint16(rec[L]) == fold16(c[a.pos-1-L]) {
		L++
	}
	R := 0
	at := a.pos + p.m
	for R < p.ctx && at+R < len(c) && uint16(rec[maxCtx+R]) == fold16(c[at+R]) {
		R++
	}
	// Window s needs a.pos-s characters before and ctx-(a.pos-s) after.
	from, to := max(a.first, a.pos-L), min(a.last, a.pos-p.ctx+R)
	for w := from; w <= to; w++ {
		hit[w] = true
	}
}
