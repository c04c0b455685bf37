// Package intern maps the tokens of one segment to small integer ids, fast: the
// scorers compare ids instead of strings. Tokens live in a byte buffer with at least
// len(Padding) bytes after the last one, so that the first 8 bytes of any token can
// be read with one load.
package intern

import (
	"bytes"
	"encoding/binary"
	"math/bits"
)

// Padding is what a token buffer must hold after its last token.
var Padding [8]byte

// Len returns the number of distinct tokens, which is also the largest id.
func (v *Table) Len() int { return v.n }

// Table interns tokens as ids 1, 2, ... in order of first appearance. Tokens of up to
// 8 bytes are compared as one word; longer ones by their bytes, kept in an arena. The
// zero value is ready after Reset. A Table is not safe for concurrent use.
type Table struct {
	slots []slot
	used  []int32
	arena []byte
	n     int
}

type slot struct {
	word uint64 // the first 8 bytes, zero-padded
	hash uint64
	off  uint32 // in arena, for tokens longer than 8 bytes
	len  uint32
	id   uint32 // 0 = empty
}

// Reset forgets every token.
func (v *Table) Reset() {
	for _, i := range v.used {
		v.slots[i] = slot{}
	}
	v.used = v.used[:0]
	v.n = 0
	v.arena = v.arena[:0]
	if v.slots == nil {
		v.slots = make([]slot, 64)
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

// Intern returns the id of the token buf[off:end], whose first 8 bytes, zero-padded,
// are word (see NextToken and Word), adding it if it is new.
func (v *Table) Intern(buf []byte, off, end int, word uint64) uint32 {
	h := tokenHash(buf, off, end, word)
	n := uint32(end - off)
	mask := uint64(len(v.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &v.slots[i]
		if s.id == 0 {
			if 2*(v.n+1) > len(v.slots) {
				v.grow()
				return v.Intern(buf, off, end, word)
			}
			v.n++
			*s = slot{word: word, hash: h, len: n, id: uint32(v.n)}
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

// Lookup returns the id of the token buf[off:end], or 0 if it was not interned.
// word is the token's first 8 bytes, zero-padded.
func (v *Table) Lookup(buf []byte, off, end int, word uint64) uint32 {
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

func (v *Table) grow() {
	old := v.slots
	v.slots = make([]slot, 2*len(old))
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

const (
	spaces = 0x2020202020202020
	ones   = 0x0101010101010101
	highs  = 0x8080808080808080
)

// NextToken returns the end of the token that starts at off in buf[:n] (tokens are
// separated by single spaces, and buf has pad bytes after n) and the token's first 8
// bytes as a zero-padded little-endian word. A space within the first 8 bytes is found
// with one word operation.
func NextToken(buf []byte, n, off int) (end int, word uint64) {
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

// Word returns the first 8 bytes of the token buf[off:end], zero-padded, as NextToken
// does; buf must hold Padding after end.
func Word(buf []byte, off, end int) uint64 {
	word := binary.LittleEndian.Uint64(buf[off : off+8])
	if k := end - off; k < 8 {
		word &= 1<<(8*uint(k)) - 1
	}
	return word
}
