package audit

import "math/bits"

// partBits partitions a fingerprint set by the top bits of the fingerprints, so
// that partitions can be filled in parallel, each by one goroutine.
const (
	partBits  = 8
	numParts  = 1 << partBits
	partShift = 64 - partBits
	minSlots  = 1 << 10
)

// part is an open-addressing hash set of non-zero uint64 fingerprints with linear
// probing; 0 marks an empty slot. It grows by doubling when it is 3/4 full, so it
// holds between 8/0.75 and 8/0.375 bytes per fingerprint.
type part struct {
	slots []uint64
	n     int
}

func (p *part) insert(k uint64) {
	if 4*(p.n+1) > 3*len(p.slots) {
		p.grow()
	}
	mask := uint64(len(p.slots) - 1)
	for i := k & mask; ; i = (i + 1) & mask {
		switch p.slots[i] {
		case 0:
			p.slots[i] = k
			p.n++
			return
		case k:
			return
		}
	}
}

func (p *part) grow() {
	old := p.slots
	n := 2 * len(old)
	if n < minSlots {
		n = minSlots
	}
	p.slots = make([]uint64, n)
	mask := uint64(n - 1)
	for _, k := range old {
		if k == 0 {
			continue
		}
		i := k & mask
		for p.slots[i] != 0 {
			i = (i + 1) & mask
		}
		p.slots[i] = k
	}
}

func (p *part) has(k uint64) bool {
	if p.n == 0 {
		return false
	}
	mask := uint64(len(p.slots) - 1)
	for i := k & mask; ; i = (i + 1) & mask {
		switch p.slots[i] {
		case 0:
			return false
		case k:
			return true
		}
	}
}

// set is a fingerprint set cut into numParts partitions by the top bits.
type set struct {
	parts [numParts]part
}

func (s *set) has(k uint64) bool { return s.parts[k>>partShift].has(k) }

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

// touchAhead is how far ahead insertAll touches the slots of the keys to come.
const touchAhead = 16

// touchBlock is how many keys ahead hasAll touches in one tight loop.
const touchBlock = 32

// touchSink keeps the touching loads from being optimised away.
var touchSink uint64

// insertAll inserts keys, all of this partition, in order: the table comes out
// as if insert had been called for each key. While it inserts a key it touches
// the slot of the key touchAhead places further, so that the memory system
// fetches the slots of the coming keys while the current one is probed.
func (p *part) insertAll(keys []uint64) {
	var sink uint64
	slots := p.slots
	mask := uint64(len(slots) - 1)
	n := p.n
	for i, k := range keys {
		if 4*(n+1) > 3*len(slots) {
			p.n = n
			p.grow()
			slots = p.slots
			mask = uint64(len(slots) - 1)
		}
		if j := i + touchAhead; j < len(keys) {
			sink |= slots[keys[j]&mask]
		}
		for s := k & mask; ; s = (s + 1) & mask {
			v := slots[s]
			if v == 0 {
				slots[s] = k
				n++
				break
			}
			if v == k {
				break
			}
		}
	}
	p.n = n
	if sink == 1 {
		touchSink++
	}
}

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
		mask := uint64(len(slots) - 1)
		// Order the partition's keys by the region of the table they start
		// in, about one region per key, so that the table is walked from
		// its start to its end.
		tb := bits.Len(uint(len(slots))) - 1
		shift := tb - min(tb, bits.Len(uint(len(pk))))
		nb := len(slots) >> shift
		if cap(buf.count) < nb+1 {
			buf.count = make([]int, nb+1)
		}
		count := buf.count[:nb+1]
		clear(count)
		for _, k := range pk {
			count[(k&mask)>>shift+1]++
		}
		for b := 1; b <= nb; b++ {
			count[b] += count[b-1]
		}
		ok, oa := buf.keys2[:len(pk)], buf.at2[:len(pk)]
		for i, k := range pk {
			b := (k & mask) >> shift
			j := count[b]
			count[b] = j + 1
			ok[j], oa[j] = k, pa[i]
		}
		for i, k := range ok {
			if i%touchBlock == 0 {
				// Touch the slots of the next block of keys in a tight loop,
				// so that many of the loads are in flight at once.
				for _, kj := range ok[min(i+touchBlock, len(ok)):min(i+2*touchBlock, len(ok))] {
					sink |= slots[kj&mask]
				}
			}
			found := false
			for x := k & mask; ; x = (x + 1) & mask {
				v := slots[x]
				if v == k {
					found = true
					break
				}
				if v == 0 {
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
				sink |= p.slots[kj&uint64(len(p.slots)-1)]
			}
		}
		hit[i] = s.has(k)
	}
	if sink == 1 {
		touchSink++
	}
}
