package audit

import (
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
// fingerprint, each record 8 + 4(k-1) bytes, and both indexing and checking
// look up one record per anchor instead of one fingerprint per window.

// charParams are the anchor parameters of windows of n characters.
type charParams struct {
	n, k, m int
	ctx     int // k-1: the characters kept on each side of an anchor's m-gram
	pw      uint64
}

func newCharParams(n int) charParams {
	k := min(24, max(1, n/2))
	m := n - k + 1
	return charParams{n: n, k: k, m: m, ctx: k - 1, pw: rollPow(m)}
}

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
}

// charDoc analyses texts in character mode; its buffers are reused.
type charDoc struct {
	anch  []anchor
	runes []uint32 // the code points of the normalisation
	gs    []uint64 // its m-grams' polynomial hashes
}

// analyze appends to d.runes the code points of the normalisation of s and to
// d.anch its anchors, marked with doc, their positions relative to the text's
// first code point. It returns the text's fingerprint (textHash) and its
// number of characters. It makes three tight passes: the characters, the m-grams'
// fingerprints, the anchors.
func (d *charDoc) analyze(s string, p *charParams, doc int32) (uint64, int) {
	// The characters. ASCII without a branch on the byte's class: every
	// byte is written, and the count only moves past the kept ones.
	base := len(d.runes)
	all := slices.Grow(d.runes, len(s))
	runes := all[base : base+len(s)]
	n := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			l := uint32(charLower[c])
			runes[n] = l
			n += int((l + 0xff) >> 8) // 1 for a kept character, else 0
			continue
		}
		ru, sz := utf8.DecodeRuneInString(s[i:])
		i += sz
		if ru == utf8.RuneError && sz == 1 || !keepChar(ru) {
			continue
		}
		runes[n] = uint32(unicode.ToLower(ru))
		n++
	}
	runes = runes[:n]
	d.runes = all[:base+n]
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
	pw := p.pw
	for j, v := range runes[m:] {
		r = (r-uint64(runes[j])*pw)*rollBase + uint64(v)
		gs[j+1] = r
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
	}
	d.anch = anch
	return dh, n
}

// maxCtx is the most characters a record keeps on each side of its m-gram
// (k is at most 24).
const maxCtx = 23

// recChars are a record's characters: before the m-gram, the nearest first,
// in [0:ctx]; after it in [maxCtx:maxCtx+ctx]; 0 for the rest.
type recChars [2 * maxCtx]uint16

// crec is a record: the anchor's m-gram fingerprint and its characters.
type crec struct {
	key uint64
	c   recChars
}

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

// record sets r to the record of anchor a of the text whose code points are
// c: the characters before the m-gram as far as window a.first reaches, and
// after it as far as window a.last reaches.
func (p *charParams) record(r *crec, c []uint32, a *anchor) {
	r.key = a.key
	left := c[a.pos-min(p.ctx, a.pos-a.first) : a.pos]
	for i, j := 0, len(left)-1; j >= 0; i, j = i+1, j-1 {
		r.c[i] = fold16(left[j])
	}
	right := c[a.pos+p.m : a.last+p.n] // up to window a.last's end
	for i, v := range right {
		r.c[maxCtx+i] = fold16(v)
	}
}

// cpart is one partition of the character index: records sorted by key, then
// by their characters, without repeats; dir[b] is the first record whose key's
// bucket (the bits below the partition bits) is b or more.
//
// Records arrive in chunks (one per training batch), which the partition keeps
// as they are until the next merge; only their keys and a reference to each
// (chunk number << chunkBits | place in the chunk) are copied into pkeys and
// prefs, so that sorting them moves 12 bytes per record instead of 68.
type cpart struct {
	keys   []uint64
	cs     []recChars
	dir    []uint32
	chunks [][]crec
	pkeys  []uint64
	prefs  []uint32
}

// chunkBits is the bits of a pending reference that give the place in its
// chunk; a partition merges before it holds more than 1<<(32-chunkBits) chunks.
const (
	chunkBits = 20
	maxChunk  = 1 << chunkBits
	maxChunks = 1 << (32 - chunkBits)
)

// cscratch is the reusable working space of cpart.flush.
type cscratch struct {
	keys  []uint64
	refs  []uint32
	count []int32
}

// add adds the records of chunk to p, which keeps chunk, merging the pending
// records into the sorted ones once enough are pending.
func (p *cpart) add(chunk []crec, sc *cscratch) {
	for len(chunk) > 0 {
		c := chunk[:min(len(chunk), maxChunk)]
		chunk = chunk[len(c):]
		id := uint32(len(p.chunks)) << chunkBits
		p.chunks = append(p.chunks, c)
		limit := max(pendMin, len(p.keys))
		p.pkeys = growPending(p.pkeys, len(c), 256, limit)
		p.prefs = growPending(p.prefs, len(c), 256, limit)
		for i := range c {
			p.pkeys = append(p.pkeys, c[i].key)
			p.prefs = append(p.prefs, id|uint32(i))
		}
		if len(p.pkeys) >= limit || len(p.chunks) == maxChunks {
			p.flush(sc)
		}
	}
}

// rec returns the pending record ref refers to.
func (p *cpart) rec(ref uint32) *crec {
	return &p.chunks[ref>>chunkBits][ref&(maxChunk-1)]
}

// cmpRec orders records by key, then characters.
func cmpRec(ka uint64, ca *recChars, kb uint64, cb *recChars) int {
	switch {
	case ka < kb:
		return -1
	case ka > kb:
		return 1
	}
	return slices.Compare(ca[:], cb[:])
}

// pendSort sorts pending records by key, then characters.
type pendSort struct {
	p    *cpart
	keys []uint64
	refs []uint32
}

func (s pendSort) Len() int { return len(s.keys) }
func (s pendSort) Less(i, j int) bool {
	if s.keys[i] != s.keys[j] { // without reading the records
		return s.keys[i] < s.keys[j]
	}
	return slices.Compare(s.p.rec(s.refs[i]).c[:], s.p.rec(s.refs[j]).c[:]) < 0
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
		sc.keys, sc.refs = make([]uint64, n), make([]uint32, n)
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
			b := pendSort{p, keys[start:end], refs[start:end]}
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
	// ones, within memory already in use, instead of into new arrays, whose
	// pages the system would have to fault in and clear at every merge.
	held := len(p.keys)
	need := held + n
	if cap(p.keys) < need {
		c := need // the first merge: perhaps the only one
		if held > 0 {
			c += need / 2 // room for the next merges
		}
		nk, ncs := make([]uint64, held, c), make([]recChars, held, c)
		copy(nk, p.keys)
		copy(ncs, p.cs)
		p.keys, p.cs = nk, ncs
	}
	hk, hc := p.keys[:need], p.cs[:need]
	w := need     // hk[w:] and hc[w:] are merged
	i := held - 1 // the held records not moved yet are hk[:i+1]
	for x := n - 1; x >= 0; x-- {
		k, c := keys[x], &p.rec(refs[x]).c
		j := i
		for j >= 0 && cmpRec(hk[j], &hc[j], k, c) > 0 {
			j--
		}
		if run := i - j; run > 0 { // greater held records, in one move
			copy(hk[w-run:w], hk[j+1:i+1])
			copy(hc[w-run:w], hc[j+1:i+1])
			w -= run
		}
		i = j
		if i >= 0 && hk[i] == k && hc[i] == *c || w < need && hk[w] == k && hc[w] == *c {
			continue // held already, or a repeat of the one just placed
		}
		w--
		hk[w], hc[w] = k, *c
	}
	// hk[:i+1] stayed in place; repeats dropped leave a gap before hk[w:].
	if i+1 < w {
		copy(hk[i+1:], hk[w:need])
		copy(hc[i+1:], hc[w:need])
	}
	size := i + 1 + need - w
	p.keys, p.cs = p.keys[:size], p.cs[:size]
	clear(p.chunks)
	p.chunks, p.pkeys, p.prefs = p.chunks[:0], p.pkeys[:0], p.prefs[:0]
}

// finish flushes p, releases its pending buffer and builds its directory.
func (p *cpart) finish(sc *cscratch) {
	p.flush(sc)
	p.chunks, p.pkeys, p.prefs = nil, nil, nil
	p.trim()
	p.buildDir()
}

// trim gives back the room p's arrays keep to grow (and that of repeats
// dropped) when it is more than an eighth of what they hold.
func (p *cpart) trim() {
	if cap(p.keys) > len(p.keys)+len(p.keys)/8 {
		p.keys = slices.Clone(p.keys)
	}
	if cap(p.cs) > len(p.cs)+len(p.cs)/8 {
		p.cs = slices.Clone(p.cs)
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
		ix.cp = newCharParams(n)
	}
	return ix
}

// charSet is the character index's records, cut into numParts partitions by
// the top bits of their keys.
type charSet struct {
	parts [numParts]cpart
}

func (s *charSet) len() int64 {
	var n int64
	for i := range s.parts {
		n += int64(len(s.parts[i].keys))
	}
	return n
}

func (s *charSet) bytes() int64 {
	var n int64
	for i := range s.parts {
		p := &s.parts[i]
		n += 8*int64(cap(p.keys)) + 2*maxCtx*2*int64(cap(p.cs)) + 4*int64(len(p.dir))
	}
	return n
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
// training data through a's records, part.keys[lo:hi] of its partition; c are the code points of a's text.
func (s *charSet) matches(p *charParams, c []uint32, a *anchor, hit []bool, lo, hi int) {
	part := &s.parts[a.key>>partShift]
	for r := lo; r < hi; r++ {
		rec := &part.cs[r]
		// L: the characters before the m-gram that agree, nearest first;
		// R: those after it.
		L := 0
		for L < p.ctx && L < a.pos && rec[L] == fold16(c[a.pos-1-L]) {
			L++
		}
		R := 0
		at := a.pos + p.m
		for R < p.ctx && at+R < len(c) && rec[maxCtx+R] == fold16(c[at+R]) {
			R++
		}
		// Window s needs a.pos-s characters before and ctx-(a.pos-s) after.
		from, to := max(a.first, a.pos-L), min(a.last, a.pos-p.ctx+R)
		for w := from; w <= to; w++ {
			hit[w] = true
		}
	}
}
