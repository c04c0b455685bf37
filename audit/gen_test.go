package audit

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// genWords returns n distinct pseudo-words from seed: no word repeats, so no
// n-gram of a test text can match another by chance.
func genWords(seed uint64, n int) []string {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	seen := map[string]bool{}
	out := make([]string, 0, n)
	for len(out) < n {
		var b strings.Builder
		for range 3 + r.IntN(6) {
			b.WriteByte(byte('a' + r.IntN(26)))
		}
		w := b.String()
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

// genCorpus returns seeded English-like lines from a vocabulary of 5000 words
// (with capitals, commas and full stops), totalling about size bytes.
func genCorpus(seed uint64, size int) []string {
	r := rand.New(rand.NewPCG(seed, 1))
	vocab := genWords(seed+1, 5000)
	var lines []string
	total := 0
	for total < size {
		var b strings.Builder
		nw := 20 + r.IntN(120)
		for i := range nw {
			if i > 0 {
				b.WriteByte(' ')
			}
			w := vocab[int(r.ExpFloat64()*600)%len(vocab)]
			if i == 0 {
				w = strings.ToUpper(w[:1]) + w[1:]
			}
			b.WriteString(w)
			switch r.IntN(12) {
			case 0:
				b.WriteByte(',')
			case 1:
				b.WriteByte('.')
			}
		}
		b.WriteString(fmt.Sprintf(" (%d).", r.IntN(1000)))
		lines = append(lines, b.String())
		total += b.Len() + 1
	}
	return lines
}
