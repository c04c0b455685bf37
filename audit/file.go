package audit

import (
	"bufio"
	"encoding/binary"
	"errors"
	"hash"
	"io"

	"github.com/zeebo/xxh3"
)

// The index file format, version 2. All integers are little-endian.
//
//	magic    [16]byte  "sophia-audit-idx"
//	version  uint32    2
//	mode     uint32    0 = word n-grams, 1 = character windows
//	n        uint32    words or characters per n-gram
//	parts    uint32    number of partitions of each set (256)
//	texts    uint64    training texts indexed
//	bytes    uint64    training bytes indexed
//	then two sets, the n-grams and the whole texts, each as parts partitions:
//	  slots  uint64    0, or the table size S plus the slots its last
//	                   cluster runs past the end (fewer than S); S is the
//	                   smallest power of two >= 1024 with count <= 3/4 S
//	  count  uint64    fingerprints held
//	  table  slots × uint64, 0 = empty slot, the fingerprints in increasing
//	                   order, each at its home slot (the log2(S) bits below
//	                   the partition bits) or right after the one before it
//	checksum uint64    XXH3-64 of every byte before it
//
// Version 1 (up to this change) laid the tables out in insertion order, with
// the home slot in the low bits; its files are refused, with a message to build
// the index again.
const (
	indexMagic   = "sophia-audit-idx"
	indexVersion = 2
	// maxSlots bounds a partition's table (2^36 slots = 512 GiB).
	maxSlots = 1 << 36
)

// WriteTo writes the index in its file format. The same index gives the same
// bytes whatever the worker count that built it.
func (ix *Index) WriteTo(w io.Writer) (int64, error) {
	cw := &countWriter{w: bufio.NewWriterSize(w, 1<<20), h: xxh3.New()}
	var hdr [16 + 4*4 + 2*8]byte
	copy(hdr[:], indexMagic)
	binary.LittleEndian.PutUint32(hdr[16:], indexVersion)
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
	for _, s := range []*set{&ix.grams, &ix.docs} {
		for i := range s.parts {
			p := &s.parts[i]
			buf = binary.LittleEndian.AppendUint64(buf[:0], uint64(len(p.slots)))
			buf = binary.LittleEndian.AppendUint64(buf, uint64(p.n))
			cw.Write(buf)
			for j := 0; j < len(p.slots); {
				buf = buf[:0]
				for ; j < len(p.slots) && len(buf) < cap(buf); j++ {
					buf = binary.LittleEndian.AppendUint64(buf, p.slots[j])
				}
				cw.Write(buf)
			}
		}
	}
	sum := cw.h.Sum64()
	cw.Write(binary.LittleEndian.AppendUint64(buf[:0], sum))
	if cw.err == nil {
		cw.err = cw.w.Flush()
	}
	return cw.n, cw.err
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
	if v := binary.LittleEndian.Uint32(hdr[16:]); v != indexVersion {
		return nil, details(ErrIndexFormat, "audit: index file format version %d, this version reads only version %d: build the index again from the training data", v, indexVersion)
	}
	mode, n := binary.LittleEndian.Uint32(hdr[20:]), binary.LittleEndian.Uint32(hdr[24:])
	if mode > 1 || n < 1 || n > 1<<16 || binary.LittleEndian.Uint32(hdr[28:]) != numParts {
		return nil, details(ErrIndexFormat, "audit: bad index header")
	}
	ix := &Index{chars: mode == 1, n: int(n),
		Texts: int64(binary.LittleEndian.Uint64(hdr[32:])), Bytes: int64(binary.LittleEndian.Uint64(hdr[40:]))}
	buf := make([]byte, 1<<16)
	for _, s := range []*set{&ix.grams, &ix.docs} {
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
