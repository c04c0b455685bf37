package audit

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

// touchGroup is how many keys insertAll and hasAll look up at once: their slots
// are loaded first, independently, so that the memory system fetches them in
// parallel instead of one cache miss after another.
const touchGroup = 8

// touchSink keeps the touching loads from being optimised away.
var touchSink uint64

// insertAll inserts keys, all of this partition.
func (p *part) insertAll(keys []uint64) {
	var sink uint64
	for len(keys) > 0 {
		g := keys[:min(touchGroup, len(keys))]
		keys = keys[len(g):]
		if 4*(p.n+len(g)) <= 3*len(p.slots) {
			mask := uint64(len(p.slots) - 1)
			for _, k := range g {
				sink |= p.slots[k&mask]
			}
		}
		for _, k := range g {
			p.insert(k)
		}
	}
	if sink == 1 {
		touchSink++
	}
}

// hasAll sets hit[i] to whether keys[i] is in s.
func (s *set) hasAll(keys []uint64, hit []bool) {
	var sink uint64
	for i := 0; i < len(keys); i += touchGroup {
		g := keys[i:min(i+touchGroup, len(keys))]
		for _, k := range g {
			p := &s.parts[k>>partShift]
			if len(p.slots) > 0 {
				sink |= p.slots[k&uint64(len(p.slots)-1)]
			}
		}
		for j, k := range g {
			hit[i+j] = s.has(k)
		}
	}
	if sink == 1 {
		touchSink++
	}
}
