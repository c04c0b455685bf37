package audit

import (
	"math/bits"
	"slices"
)

// partBits partitions a fingerprint set by the top bits of the fingerprints, so
// that partitions can be filled in parallel, each by one goroutine.
const (
	partBits  = 8
	numParts  = 1 << partBits
	partShift = 64 - partBits
	minSlots  = 1 << 10
)

// part is one partition of a fingerprint set: an ordered linear-probing hash
// table of non-zero uint64 fingerprints, 0 marking an empty slot.
//
// Its size S is the smallest power of two of at least minSlots with n <= 3S/4,
// so it holds between 8/0.75 and 8/0.375 bytes per fingerprint. The home slot
// of a key is given by the log2(S) bits of the key below the partition bits,
// so the order of the homes is the order of the keys. The keys are stored in
// increasing order, each at its home or, when that is taken, right after the
// key before it; a cluster that runs past slot S-1 continues in slots after S
// (there is no wrap-around). The table therefore depends only on the set of
// keys, not on the order in which they were added, and a lookup can stop at the
// first empty slot or the first greater key.
//
// Keys are added in bulk: add appends them to pend, and flush sorts pend and
// merges it with the table into a new table, sequentially, instead of probing
// the table at random once per key.
type part struct {
	slots []uint64
	n     int
	pend  []uint64 // keys added since the last flush, in any order, repeats allowed
}

// tableBits returns log2 of the size S of a table of len slots (S <= len < 2S).
func tableBits(len int) uint {
	return uint(bits.Len(uint(len)) - 1)
}

// sizeBits returns log2 of the size of the table of n keys.
func sizeBits(n int) uint {
	tb := uint(bits.Len(uint(minSlots)) - 1)
	for 4*n > 3<<tb {
		tb++
	}
	return tb
}

// home returns the home slot of k in a table of size 1<<tb.
func home(k uint64, tb uint) uint64 {
	return k << partBits >> (64 - tb)
}

func (p *part) has(k uint64) bool {
	if p.n == 0 {
		return false
	}
	slots := p.slots
	for i := home(k, tableBits(len(slots))); i < uint64(len(slots)); i++ {
		v := slots[i]
		if v == k {
			return true
		}
		if v-1 >= k { // empty (0 wraps to the largest value) or a greater key
			return false
		}
	}
	return false
}

// pendMin is the least number of pending keys at which add merges them into the
// table; above it, add merges when the pending keys are as many as the table
// holds, so each key is merged a bounded number of times on average. (A
// variable so that tests can make the merges frequent.)
var pendMin = 1 << 15

// add adds keys to p, merging them into the table (with sc as scratch space)
// once enough are pending. The table is only complete after flush.
func (p *part) add(keys []uint64, sc *scratch) {
	limit := max(pendMin, p.n)
	p.pend = append(growPending(p.pend, len(keys), 1024, limit), keys...)
	if len(p.pend) >= limit {
		p.flush(sc)
	}
}

// growPending returns s with room for add more elements of pending keys that
// are merged once limit are pending: the room doubles (append grows large
// slices by a quarter, which copies them over and over), from at least least
// elements, but never beyond what the limit can need.
func growPending[T any](s []T, add, least, limit int) []T {
	if n := len(s) + add; n > cap(s) {
		s = append(make([]T, 0, min(max(2*cap(s), n, least), limit+add)), s...)
	}
	return s
}

// scratch is the reusable working space of part.flush.
type scratch struct {
	tmp, dense []uint64
	count      []int32
	c          cscratch // of the character index's partitions
}

// flush merges the pending keys into the table.
func (p *part) flush(sc *scratch) {
	if len(p.pend) == 0 {
		return
	}
	keys := sortKeys(p.pend, sc)
	p.pend = p.pend[:0]
	if p.n == 0 {
		p.slots = layout(keys, sizeBits(len(keys)), p.slots)
		p.n = len(keys)
		return
	}
	dense := sc.dense[:0]
	{
		// Merge the table's keys, in increasing order in slot order, with
		// the sorted new keys, dropping the ones already held.
		i := 0
		for _, v := range p.slots {
			if v == 0 {
				continue
			}
			for i < len(keys) && keys[i] < v {
				dense = append(dense, keys[i])
				i++
			}
			if i < len(keys) && keys[i] == v {
				i++
			}
			dense = append(dense, v)
		}
		dense = append(dense, keys[i:]...)
	}
	sc.dense = dense
	tb := sizeBits(len(dense))
	var buf []uint64
	if len(p.slots) > 0 && tableBits(len(p.slots)) == tb {
		buf = p.slots
	}
	p.slots = layout(dense, tb, buf)
	p.n = len(dense)
}

// finish flushes p and releases its pending buffer.
func (p *part) finish(sc *scratch) {
	p.flush(sc)
	p.pend = nil
}

// layout returns the table of size 1<<tb of the sorted distinct keys, reusing
// buf when it is a table of that size.
func layout(keys []uint64, tb uint, buf []uint64) []uint64 {
	size := 1 << tb
	var slots []uint64
	if cap(buf) >= size {
		slots = buf[:size]
		clear(slots)
	} else {
		slots = make([]uint64, size, size+size/64+16)
	}
	sh := 64 - tb
	pos := 0
	for _, k := range keys {
		if h := int(k << partBits >> sh); pos < h {
			pos = h
		}
		if pos < len(slots) {
			slots[pos] = k
		} else {
			slots = append(slots, k) // pos == len(slots): the last cluster runs on
		}
		pos++
	}
	return slots
}

// bucketStarts distributes keys, all of one partition, into about one bucket
// per key by their top bits below the partition bits: a key's bucket is
// k<<partBits>>sh. It returns in count (made in *buf) the start of each bucket
// (count[len(count)-1] = len(keys)), sh, and the size of the largest bucket.
func bucketStarts(keys []uint64, buf *[]int32) (count []int32, sh uint, most int32) {
	b := uint(min(max(bits.Len(uint(len(keys))), 4), 20))
	sh = 64 - b
	nb := 1 << b
	if cap(*buf) < nb+1 {
		*buf = make([]int32, nb+1)
	}
	count = (*buf)[:nb+1]
	clear(count)
	for _, k := range keys {
		count[k<<partBits>>sh+1]++
	}
	for i := 1; i <= nb; i++ {
		most = max(most, count[i])
		count[i] += count[i-1]
	}
	return count, sh, most
}

// sortKeys sorts keys, all of one partition, in place and returns them without
// repeats. It distributes them into about one bucket per key by their top bits
// below the partition bits (a counting sort into sc.tmp), then sorts each
// bucket, most of which hold at most a few keys.
func sortKeys(keys []uint64, sc *scratch) []uint64 {
	n := len(keys)
	if n < 2 {
		return keys
	}
	count, sh, most := bucketStarts(keys, &sc.count)
	nb := len(count) - 1
	if cap(sc.tmp) < n {
		sc.tmp = make([]uint64, n)
	}
	tmp := sc.tmp[:n]
	for _, k := range keys {
		j := k << partBits >> sh
		tmp[count[j]] = k
		count[j]++
	}
	if most <= 32 {
		// The keys are in order but within buckets: one insertion sort
		// pass moves each key at most past the rest of its bucket.
		for i := 1; i < len(tmp); i++ {
			k := tmp[i]
			j := i
			for ; j > 0 && k < tmp[j-1]; j-- {
				tmp[j] = tmp[j-1]
			}
			tmp[j] = k
		}
		return dedup(keys[:0], tmp)
	}
	// count[j] is now the end of bucket j.
	start := int32(0)
	for _, end := range count[:nb] {
		switch m := end - start; {
		case m <= 1:
		case m <= 32:
			bk := tmp[start:end]
			for i := 1; i < len(bk); i++ {
				for j := i; j > 0 && bk[j] < bk[j-1]; j-- {
					bk[j], bk[j-1] = bk[j-1], bk[j]
				}
			}
		default:
			slices.Sort(tmp[start:end])
		}
		start = end
	}
	return dedup(keys[:0], tmp)
}

// dedup appends the sorted keys to out without repeats.
func dedup(out, keys []uint64) []uint64 {
	var last uint64 // no key is 0
	for _, k := range keys {
		if k != last {
			out = append(out, k)
			last = k
		}
	}
	return out
}

// set is a fingerprint set cut into numParts partitions by the top bits.
type set struct {
	parts [numParts]part
}

func (s *set) has(k uint64) bool { return s.parts[k>>partShift].has(k) }

// addAll adds keys to s and completes the tables (for tests).
func (s *set) addAll(keys []uint64) {
	var sc scratch
	for _, k := range keys {
		s.parts[k>>partShift].pend = append(s.parts[k>>partShift].pend, k)
	}
	for i := range s.parts {
		s.parts[i].finish(&sc)
	}
}

func (s *set) len() int64 {
	var n int64
	for i := range s.parts {
		n += int64(s.parts[i].n)
	}
	return n
}

func (s *set) bytes() int64 {
	var n int64
	for i := range s.parts {
		n += 8 * int64(len(s.parts[i].slots))
	}
	return n
}

// touchAhead is how far ahead hasAllDirect touches the slots of the keys to come.
const touchAhead = 16

// touchBlock is how many keys ahead hasAll touches in one tight loop.
const touchBlock = 32

// touchSink keeps the touching loads from being optimised away.
var touchSink uint64

// hasAll sets hit[i] to whether keys[i] is in s. The keys are first grouped by
// partition (a counting sort that keeps their order within a partition), so that
// the lookups visit one partition's table at a time instead of the whole set at
// random; within a partition they are ordered again by the region of the table
// they start in, and the slots of the next touchBlock keys are touched in a
// tight loop before the current touchBlock are probed. Fewer than minGrouped
// keys are looked up directly. buf is scratch space, kept for reuse.
func (s *set) hasAll(keys []uint64, hit []bool, buf *lookupBuf) {
	if len(keys) < minGrouped || len(keys) > 1<<31-1 {
		s.hasAllDirect(keys, hit)
		return
	}
	var start [numParts + 1]int
	for _, k := range keys {
		start[k>>partShift+1]++
	}
	for p := 1; p <= numParts; p++ {
		start[p] += start[p-1]
	}
	if cap(buf.keys) < len(keys) {
		buf.keys = make([]uint64, len(keys))
		buf.at = make([]int32, len(keys))
		buf.keys2 = make([]uint64, len(keys))
		buf.at2 = make([]int32, len(keys))
	}
	sk, at := buf.keys[:len(keys)], buf.at[:len(keys)]
	next := start
	for i, k := range keys {
		p := k >> partShift
		j := next[p]
		next[p] = j + 1
		sk[j], at[j] = k, int32(i)
	}
	var sink uint64
	for p := range numParts {
		pk, pa := sk[start[p]:start[p+1]], at[start[p]:start[p+1]]
		slots := s.parts[p].slots
		if len(slots) == 0 || s.parts[p].n == 0 {
			for _, i := range pa {
				hit[i] = false
			}
			continue
		}
		// Order the partition's keys by the region of the table they start
		// in, about one region per key, so that the table is walked from
		// its start to its end.
		tb := tableBits(len(slots))
		hs := 64 - tb
		rb := min(tb, uint(bits.Len(uint(len(pk)))))
		rs := 64 - rb
		nb := 1 << rb
		if cap(buf.count) < nb+1 {
			buf.count = make([]int, nb+1)
		}
		count := buf.count[:nb+1]
		clear(count)
		for _, k := range pk {
			count[k<<partBits>>rs+1]++
		}
		for b := 1; b <= nb; b++ {
			count[b] += count[b-1]
		}
		ok, oa := buf.keys2[:len(pk)], buf.at2[:len(pk)]
		for i, k := range pk {
			b := k << partBits >> rs
			j := count[b]
			count[b] = j + 1
			ok[j], oa[j] = k, pa[i]
		}
		for i, k := range ok {
			if i%touchBlock == 0 {
				// Touch the slots of the next block of keys in a tight loop,
				// so that many of the loads are in flight at once.
				for _, kj := range ok[min(i+touchBlock, len(ok)):min(i+2*touchBlock, len(ok))] {
					sink |= slots[kj<<partBits>>hs]
				}
			}
			found := false
			for x := k << partBits >> hs; x < uint64(len(slots)); x++ {
				v := slots[x]
				if v == k {
					found = true
					break
				}
				if v-1 >= k {
					break
				}
			}
			hit[oa[i]] = found
		}
	}
	if sink == 1 {
		touchSink++
	}
}

// minGrouped is the least number of keys hasAll groups by partition.
const minGrouped = 4096

// lookupBuf is the scratch space of hasAll.
type lookupBuf struct {
	keys, keys2 []uint64
	at, at2     []int32
	count       []int
}

// hasAllDirect is hasAll without the grouping, for few keys.
func (s *set) hasAllDirect(keys []uint64, hit []bool) {
	var sink uint64
	for i, k := range keys {
		if j := i + touchAhead; j < len(keys) {
			kj := keys[j]
			if p := &s.parts[kj>>partShift]; len(p.slots) > 0 {
				sink |= p.slots[home(kj, tableBits(len(p.slots)))]
			}
		}
		hit[i] = s.has(k)
	}
	if sink == 1 {
		touchSink++
	}
}
