package rouge

import "math/bits"

// The LCS computations run on token ids. They use the bit-parallel algorithm of
// Allison and Dix as written by Hyyrö ("Bit-parallel LCS-length computation
// revisited", 2004): with the pattern a as bit positions and PM[y] the positions where
// a holds token y, one step per token y of the text b updates
//
//	U = V & PM[y];  V = (V + U) | (V - U)
//
// from V = all ones; afterwards the LCS of a[:i] and b[:j] is the number of zero bits
// among the i lowest bits of V after j steps. As U is a subset of V, V - U is V &^ U;
// only the addition carries from word to word.

// lcsState holds the reusable buffers of the LCS computations.
type lcsState struct {
	pm   []uint64 // PM[y] for y in 0..vocab, words per entry
	v    []uint64
	rows []uint64 // the V of every step, for the backtrack
}

// setPattern fills PM for pattern a with w words per entry (the caller clears it with
// clearPattern).
func (s *lcsState) setPattern(a []uint32, vocab, w int) {
	if need := (vocab + 1) * w; len(s.pm) < need {
		s.pm = make([]uint64, need)
	}
	for i, y := range a {
		s.pm[int(y)*w+i/64] |= 1 << (uint(i) % 64)
	}
}

func (s *lcsState) clearPattern(a []uint32, w int) {
	for _, y := range a {
		clear(s.pm[int(y)*w : int(y)*w+w])
	}
}

// lcsLength returns the length of a longest common subsequence of a and b, whose ids
// are at most vocab.
func (s *lcsState) lcsLength(a, b []uint32, vocab int) int {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	if len(a) > len(b) {
		a, b = b, a
	}
	m := len(a)
	w := (m + 63) / 64
	s.setPattern(a, vocab, w)
	defer s.clearPattern(a, w)
	if w == 1 {
		v := ^uint64(0)
		for _, y := range b {
			u := v & s.pm[y]
			v = (v + u) | (v &^ u)
		}
		return m - bits.OnesCount64(v&lowMask(m))
	}
	if cap(s.v) < w {
		s.v = make([]uint64, w)
	}
	v := s.v[:w]
	for k := range v {
		v[k] = ^uint64(0)
	}
	for _, y := range b {
		pm := s.pm[int(y)*w : int(y)*w+w]
		var carry uint64
		for k := range v {
			u := v[k] & pm[k]
			sum, c := bits.Add64(v[k], u, carry)
			v[k] = sum | (v[k] &^ u)
			carry = c
		}
	}
	ones := 0
	for k := 0; k < w-1; k++ {
		ones += bits.OnesCount64(v[k])
	}
	ones += bits.OnesCount64(v[w-1] & lowMask(m-64*(w-1)))
	return m - ones
}

// lowMask returns a mask of the n lowest bits, 1 ≤ n ≤ 64.
func lowMask(n int) uint64 {
	if n >= 64 {
		return ^uint64(0)
	}
	return 1<<uint(n) - 1
}

// markLCS marks in mark the indices into r of one longest common subsequence of r
// and c, the one rouge-score's backtrack reads off its DP table t: from (i, j) =
// (len(r), len(c)), take a matching pair; otherwise step back in c if
// t[i][j-1] > t[i-1][j], else step back in r. The pattern must be r, set with
// setPattern(r, vocab, (len(r)+63)/64).
//
// Without a match at (i, j), t[i][j] = max(t[i-1][j], t[i][j-1]) and t[i-1][j] ≥
// t[i][j]-1, so the backtrack steps back in r exactly when t[i-1][j] = t[i][j], that is
// when bit i-1 of row j is set. At column j it therefore skips down r over the set bits
// that are not matches of c[j-1], to the highest position below i that is a match or a
// clear bit: a match is taken, a clear bit sends it one step back in c. Every column
// costs a few word operations, and the backtrack stops after the last of the LCS's
// matches.
func (s *lcsState) markLCS(r, c []uint32, mark []bool) {
	a, b := len(r), len(c)
	if a == 0 || b == 0 {
		return
	}
	w := (a + 63) / 64
	if need := (b + 1) * w; cap(s.rows) < need {
		s.rows = make([]uint64, need)
	}
	rows := s.rows[:(b+1)*w]
	if w == 1 {
		v := ^uint64(0)
		rows[0] = v
		for j, y := range c {
			u := v & s.pm[y]
			v = (v + u) | (v &^ u)
			rows[j+1] = v
		}
		left := a - bits.OnesCount64(v&lowMask(a))
		i := a
		for j := b; left > 0; j-- {
			pm := s.pm[c[j-1]]
			cand := (^rows[j] | pm) & lowMask(i)
			// cand is not 0: the LCS of r[:i] and c[:j] is left > 0, so row j has a
			// clear bit below i.
			p := 63 - bits.LeadingZeros64(cand)
			if pm>>uint(p)&1 != 0 {
				mark[p] = true
				left--
				i = p
			} else {
				i = p + 1
			}
		}
		return
	}
	for k := range w {
		rows[k] = ^uint64(0)
	}
	for j, y := range c {
		prev, next := rows[j*w:j*w+w], rows[(j+1)*w:(j+2)*w]
		pm := s.pm[int(y)*w : int(y)*w+w]
		var carry uint64
		for k := range w {
			u := prev[k] & pm[k]
			sum, cy := bits.Add64(prev[k], u, carry)
			next[k] = sum | (prev[k] &^ u)
			carry = cy
		}
	}
	left := a
	last := rows[b*w : b*w+w]
	for k := range w {
		m := ^uint64(0)
		if k == w-1 {
			m = lowMask(a - 64*(w-1))
		}
		left -= bits.OnesCount64(last[k] & m)
	}
	i := a
	for j := b; left > 0; j-- {
		row := rows[j*w : j*w+w]
		pm := s.pm[int(c[j-1])*w : int(c[j-1])*w+w]
		// The highest position below i that is a match or a clear bit.
		p := -1
		for k := (i - 1) / 64; k >= 0 && p < 0; k-- {
			cand := ^row[k] | pm[k]
			if k == (i-1)/64 {
				cand &= lowMask(i - 64*k)
			}
			if cand != 0 {
				p = 64*k + 63 - bits.LeadingZeros64(cand)
			}
		}
		if pm[p/64]>>uint(p%64)&1 != 0 {
			mark[p] = true
			left--
			i = p
		} else {
			i = p + 1
		}
	}
}
