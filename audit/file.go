package audit

import (
	"bufio"
	"encoding/binary"
	"errors"
	"hash"
	"io"
	"slices"

	"github.com/zeebo/xxh3"
)

// The index file format, version 4. All integers are little-endian.
//
//	magic    [16]byte  "sophia-audit-idx"
//	version  uint32    4
//	mode     uint32    0 = word n-grams, 1 = character windows
//	n        uint32    words or characters per n-gram
//	parts    uint32    number of partitions of each set (256)
//	texts    uint64    training texts indexed
//	bytes    uint64    training bytes indexed
//	in word mode, the n-grams as a set (below); in character mode, the
//	anchor records (see charindex.go), as parts partitions:
//	  count  uint64    records
//	  keys   count × uint64, in increasing order (repeats allowed)
//	  chars  count × 2c × uint16: each record's characters, before the
//	                   m-gram in [0:c], after it in [c:2c], c = k-1 the
//	                   context of the window size n (charK); records with
//	                   the same key in increasing order of their characters
//	then the whole texts as a set, parts partitions:
//	  slots  uint64    0, or the table size S plus the slots its last
//	                   cluster runs past the end (fewer than S); S is the
//	                   smallest power of two >= 1024 with count <= 3/4 S
//	  count  uint64    fingerprints held
//	  table  slots × uint64, 0 = empty slot, the fingerprints in increasing
//	                   order, each at its home slot (the log2(S) bits below
//	                   the partition bits) or right after the one before it
//	checksum uint64    XXH3-64 of every byte before it
//
// Version 3 chose anchors among at most k = 24 positions (charK3) and stored
// 23 characters on each side of every record (zeros beyond k-1); its files are
// read, with its k. Version 2 kept character mode as a set of fingerprints of
// every window; its word-mode files are the same as version 4's and are read,
// its character-mode files are refused. Version 1 laid the tables out in insertion order, with the
// home slot in the low bits; its files are refused. A refusal says to build the
// index again.
const (
	indexMagic   = "sophia-audit-idx"
	indexVersion = 4
	// maxSlots bounds a partition's table (2^36 slots = 512 GiB).
	maxSlots = 1 << 36
)

// WriteTo writes the index in its file format. The same index gives the same
// bytes whatever the worker count that built it.
func (ix *Index) WriteTo(w io.Writer) (int64, error) {
	cw := &countWriter{w: bufio.NewWriterSize(w, 1<<20), h: xxh3.New()}
	var hdr [16 + 4*4 + 2*8]byte
	copy(hdr[:], indexMagic)
	// A character index loaded from a version 3 file keeps its k, which
	// only that version's files say (charK3); it is saved in that version.
	version, side := uint32(indexVersion), ix.cp.ctx
	if ix.chars && ix.cp.k != charK(ix.n) {
		version, side = 3, ctx3
	}
	binary.LittleEndian.PutUint32(hdr[16:], version)
	mode := uint32(0)
	if ix.chars {
		mode = 1
	}
	binary.LittleEndian.PutUint32(hdr[20:], mode)
	binary.LittleEndian.PutUint32(hdr[24:], uint32(ix.n))
	binary.LittleEndian.PutUint32(hdr[28:], numParts)
	binary.LittleEndian.PutUint64(hdr[32:], uint64(ix.Texts))
	binary.LittleEndian.PutUint64(hdr[40:], uint64(ix.Bytes))
	cw.Write(hdr[:])
	buf := make([]byte, 0, 1<<16)
	sets := []*set{&ix.grams, &ix.docs}
	if ix.chars {
		sets = sets[1:]
		for i := range ix.cs.parts {
			p := &ix.cs.parts[i]
			cw.Write(binary.LittleEndian.AppendUint64(buf[:0], uint64(len(p.keys))))
			cw.writeUint64s(buf, p.keys)
			for j := 0; j < len(p.keys); {
				buf = buf[:0]
				for ; j < len(p.keys) && len(buf)+4*side <= cap(buf); j++ {
					c := ix.cs.st.chars(ix.cs.ref(i, j))
					for _, v := range c[:side] {
						buf = binary.LittleEndian.AppendUint16(buf, v)
					}
					for _, v := range c[maxCtx : maxCtx+side] {
						buf = binary.LittleEndian.AppendUint16(buf, v)
					}
				}
				cw.Write(buf)
			}
		}
	}
	for _, s := range sets {
		for i := range s.parts {
			p := &s.parts[i]
			buf = binary.LittleEndian.AppendUint64(buf[:0], uint64(len(p.slots)))
			buf = binary.LittleEndian.AppendUint64(buf, uint64(p.n))
			cw.Write(buf)
			cw.writeUint64s(buf, p.slots)
		}
	}
	sum := cw.h.Sum64()
	cw.Write(binary.LittleEndian.AppendUint64(buf[:0], sum))
	if cw.err == nil {
		cw.err = cw.w.Flush()
	}
	return cw.n, cw.err
}

// writeUint64s writes v, little-endian, through buf (its capacity a multiple
// of 8) a buffer at a time.
func (c *countWriter) writeUint64s(buf []byte, v []uint64) {
	for j := 0; j < len(v); {
		buf = buf[:0]
		for ; j < len(v) && len(buf) < cap(buf); j++ {
			buf = binary.LittleEndian.AppendUint64(buf, v[j])
		}
		c.Write(buf)
	}
}

type countWriter struct {
	w   *bufio.Writer
	h   hash.Hash64
	n   int64
	err error
}

func (c *countWriter) Write(b []byte) {
	if c.err != nil {
		return
	}
	c.h.Write(b)
	n, err := c.w.Write(b)
	c.n += int64(n)
	c.err = err
}

// ReadIndex reads an index written by WriteTo. A file that is not one, is of
// another version, is truncated or fails its checksum gives ErrIndexFormat.
// Memory is allocated as the data arrives, so a corrupt header cannot make it
// allocate more than the input holds.
func ReadIndex(r io.Reader) (*Index, error) {
	h := xxh3.New()
	br := bufio.NewReaderSize(r, 1<<20)
	read := func(b []byte) error {
		if _, err := io.ReadFull(br, b); err != nil {
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				return details(ErrIndexFormat, "audit: index file truncated")
			}
			return err
		}
		h.Write(b)
		return nil
	}
	var hdr [48]byte
	if err := read(hdr[:]); err != nil {
		return nil, err
	}
	if string(hdr[:16]) != indexMagic {
		return nil, details(ErrIndexFormat, "audit: not an index file (bad magic)")
	}
	v := binary.LittleEndian.Uint32(hdr[16:])
	mode, n := binary.LittleEndian.Uint32(hdr[20:]), binary.LittleEndian.Uint32(hdr[24:])
	if v != indexVersion && v != 3 && !(v == 2 && mode == 0) {
		return nil, details(ErrIndexFormat, "audit: index file format version %d, this version reads versions 3 and %d: build the index again from the training data", v, indexVersion)
	}
	if mode > 1 || n < 1 || n > 1<<16 || binary.LittleEndian.Uint32(hdr[28:]) != numParts {
		return nil, details(ErrIndexFormat, "audit: bad index header")
	}
	ix := newIndex(mode == 1, int(n))
	side := ix.cp.ctx // the characters each side of a record in the file
	if v == 3 && ix.chars {
		ix.cp, side = newCharParams(int(n), charK3(int(n))), ctx3
	}
	ix.Texts, ix.Bytes = int64(binary.LittleEndian.Uint64(hdr[32:])), int64(binary.LittleEndian.Uint64(hdr[40:]))
	buf := make([]byte, 1<<16)
	sets := []*set{&ix.grams, &ix.docs}
	if ix.chars {
		sets = sets[1:]
		ix.cs.st = partSlabs()
		for i := range ix.cs.parts {
			if err := readRecords(read, buf, &ix.cs.parts[i], &ix.cs.st, i, ix.cp.ctx, side); err != nil {
				return nil, err
			}
		}
	}
	for _, s := range sets {
		for i := range s.parts {
			p := &s.parts[i]
			if err := read(buf[:16]); err != nil {
				return nil, err
			}
			slots, cnt := binary.LittleEndian.Uint64(buf), binary.LittleEndian.Uint64(buf[8:])
			var tb uint
			if slots != 0 || cnt != 0 {
				if slots > 2*maxSlots || cnt > maxSlots {
					return nil, details(ErrIndexFormat, "audit: bad index table size")
				}
				tb = tableBits(int(slots))
				if slots == 0 || tb != sizeBits(int(cnt)) {
					return nil, details(ErrIndexFormat, "audit: bad index table size")
				}
			}
			p.n = int(cnt)
			var got, last uint64
			var gap uint64 // one past the last empty slot
			for left := slots; left > 0; {
				k := min(left, uint64(len(buf)/8))
				if err := read(buf[:8*k]); err != nil {
					return nil, err
				}
				for j := range k {
					v := binary.LittleEndian.Uint64(buf[8*j:])
					at := uint64(len(p.slots))
					if v == 0 {
						gap = at + 1
					} else {
						// Every key must be found by a lookup: in its
						// partition, greater than the key before it,
						// and no empty slot between its home and it.
						got++
						if v>>partShift != uint64(i) || v <= last {
							return nil, details(ErrIndexFormat, "audit: fingerprint out of place")
						}
						if h := home(v, tb); h > at || h < gap {
							return nil, details(ErrIndexFormat, "audit: fingerprint out of place")
						}
						last = v
					}
					p.slots = append(p.slots, v)
				}
				left -= k
			}
			if got != cnt {
				return nil, details(ErrIndexFormat, "audit: index table count mismatch")
			}
		}
	}
	want := h.Sum64()
	var sum [8]byte
	if _, err := io.ReadFull(br, sum[:]); err != nil {
		return nil, details(ErrIndexFormat, "audit: index file truncated")
	}
	if binary.LittleEndian.Uint64(sum[:]) != want {
		return nil, details(ErrIndexFormat, "audit: index checksum mismatch")
	}
	if _, err := br.ReadByte(); !errors.Is(err, io.EOF) {
		return nil, details(ErrIndexFormat, "audit: trailing data after the index")
	}
	return ix, nil
}

// readRecords reads partition i of a character index into p, and its records'
// characters (side on each side of the m-gram in the file) into slabs i of st,
// checking that the records are in order, in their partition, and hold no
// characters beyond ctx on either side.
func readRecords(read func([]byte) error, buf []byte, p *cpart, st *slabs, i, ctx, side int) error {
	if err := read(buf[:8]); err != nil {
		return err
	}
	cnt := binary.LittleEndian.Uint64(buf)
	if cnt > maxSlots {
		return details(ErrIndexFormat, "audit: bad index record count")
	}
	for left := cnt; left > 0; {
		k := min(left, uint64(len(buf)/8))
		if err := read(buf[:8*k]); err != nil {
			return err
		}
		for j := range k {
			v := binary.LittleEndian.Uint64(buf[8*j:])
			if v>>partShift != uint64(i) || len(p.keys) > 0 && v < p.keys[len(p.keys)-1] {
				return details(ErrIndexFormat, "audit: index record out of place")
			}
			p.keys = append(p.keys, v)
		}
		left -= k
	}
	st.narrow[i] = make([]rec8, 0, cnt) // as many keys as that were there
	p.refs = make([]uint64, 0, cnt)
	var last recChars
	size := 4 * side
	for left := cnt; left > 0; {
		k := min(left, uint64(len(buf)/max(size, 1)))
		if err := read(buf[:size*int(k)]); err != nil {
			return err
		}
		for j := range k {
			var c recChars
			b := buf[int(j)*size:]
			for x := range side {
				c[x] = binary.LittleEndian.Uint16(b[2*x:])
				c[maxCtx+x] = binary.LittleEndian.Uint16(b[2*(side+x):])
			}
			for x := ctx; x < side; x++ {
				if c[x] != 0 || c[maxCtx+x] != 0 {
					return details(ErrIndexFormat, "audit: index record out of place")
				}
			}
			r := len(p.refs)
			if r > 0 && p.keys[r] == p.keys[r-1] && slices.Compare(c[:], last[:]) <= 0 {
				return details(ErrIndexFormat, "audit: index record out of place")
			}
			p.refs = append(p.refs, st.place(i, &c))
			last = c
		}
		left -= k
	}
	p.refs = st.trim(i, p.refs)
	p.trim()
	p.buildDir()
	return nil
}
