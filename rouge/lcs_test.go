package rouge

import (
	"math/rand/v2"
	"testing"
)

// dpTable is rouge-score's _lcs_table.
func dpTable(a, b []uint32) [][]int {
	t := make([][]int, len(a)+1)
	for i := range t {
		t[i] = make([]int, len(b)+1)
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			if a[i-1] == b[j-1] {
				t[i][j] = t[i-1][j-1] + 1
			} else {
				t[i][j] = max(t[i-1][j], t[i][j-1])
			}
		}
	}
	return t
}

// dpBacktrack is rouge-score's _backtrack_norec.
func dpBacktrack(r, c []uint32) []bool {
	t := dpTable(r, c)
	mark := make([]bool, len(r))
	i, j := len(r), len(c)
	for i > 0 && j > 0 {
		switch {
		case r[i-1] == c[j-1]:
			mark[i-1] = true
			i--
			j--
		case t[i][j-1] > t[i-1][j]:
			j--
		default:
			i--
		}
	}
	return mark
}

func randIDs(rng *rand.Rand, n, vocab int) []uint32 {
	s := make([]uint32, n)
	for i := range s {
		s[i] = 1 + uint32(rng.IntN(vocab))
	}
	return s
}

func checkLCS(t *testing.T, s *lcsState, a, b []uint32, vocab int) {
	t.Helper()
	want := dpTable(a, b)[len(a)][len(b)]
	if got := s.lcsLength(a, b, vocab); got != want {
		t.Fatalf("lcsLength(%v, %v) = %d, want %d", a, b, got, want)
	}
	mark := make([]bool, len(a))
	w := (len(a) + 63) / 64
	s.setPattern(a, vocab, w)
	s.markLCS(a, b, mark)
	s.clearPattern(a, w)
	wantMark := dpBacktrack(a, b)
	for i := range mark {
		if mark[i] != wantMark[i] {
			t.Fatalf("markLCS(%v, %v) = %v, want %v", a, b, mark, wantMark)
		}
	}
}

// TestLCSAgainstDP compares the bit-parallel LCS and backtrack with rouge-score's
// table on random sequences of every length up to 200 (one to four words) and small
// vocabularies, where ties are everywhere.
func TestLCSAgainstDP(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var s lcsState
	for trial := range 3000 {
		vocab := 1 + rng.IntN(8)
		if trial%5 == 0 {
			vocab = 1 + rng.IntN(100)
		}
		a := randIDs(rng, rng.IntN(200), vocab)
		b := randIDs(rng, rng.IntN(200), vocab)
		if trial%3 == 0 {
			a = randIDs(rng, rng.IntN(70), vocab)
		}
		checkLCS(t, &s, a, b, vocab)
	}
	// Word boundaries exactly.
	for _, n := range []int{63, 64, 65, 127, 128, 129, 192} {
		a := randIDs(rng, n, 3)
		checkLCS(t, &s, a, a, 3)
		checkLCS(t, &s, a, randIDs(rng, n, 3), 3)
	}
}

func FuzzLCS(f *testing.F) {
	f.Add([]byte{1, 2, 3}, []byte{3, 2, 1}, uint8(3))
	f.Add(make([]byte, 70), make([]byte, 130), uint8(1))
	f.Fuzz(func(t *testing.T, x, y []byte, v uint8) {
		vocab := 1 + int(v%16)
		conv := func(b []byte) []uint32 {
			s := make([]uint32, min(len(b), 300))
			for i := range s {
				s[i] = 1 + uint32(b[i])%uint32(vocab)
			}
			return s
		}
		var s lcsState
		checkLCS(t, &s, conv(x), conv(y), vocab)
	})
}
