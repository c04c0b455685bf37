// Package benchcorpus generates deterministic, English news-like parallel corpora for
// the benchmarks and the bench/compare-bleu and bench/compare-rouge scripts, so that no
// large file has to be committed.
//
// A corpus is made of references, hypotheses that are noisy copies of them (words
// dropped, substituted, inserted and swapped) scoring about 35.7 BLEU, and a second system
// for the paired tests: the references with every 7th line replaced by the hypothesis,
// as in the measurements of sacreBLEU in the BLEU specification.
//
// The text has what matters to the tokenizers and the scorer: about 12.2 13a tokens per
// hypothesis line and 13.0 per reference line (the specification's corpus has 1.23 M
// and 1.29 M per 100 000 lines), with a long tail of longer lines, a
// Zipf-distributed vocabulary of about 30 000 words, punctuation, numbers (1,200 3.5 12%
// $40), capitalised names, quotes, brackets, hyphenated and possessive words, a few
// non-ASCII words and symbols, and occasional HTML entities (&amp; &quot;) that 13a
// unescapes.
//
// Line i depends only on the seed and i, so a corpus of n lines is the n-line prefix of
// any longer corpus with the same seed, and lines are generated in parallel.
//
// For ROUGE and the bench/compare-rouge script, [GenerateSummaries] makes corpora of
// multi-sentence summary pairs of a chosen mean length (see [Summaries]), written as
// NeMo prediction files by [Summaries.WriteNeMo].
package benchcorpus

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
)

// File names written by WriteFiles, as in the BLEU specification's measurements.
const (
	HypFile  = "hyp.txt"              // hypotheses (the baseline system)
	RefFile  = "ref.0.txt"            // references
	Sys2File = "sys2.txt"             // second system for the paired tests
	NeMoFile = "predictions.jsonl.gz" // the corpus as a gzip'd NeMo prediction file
)

// Sys2Every is the period of the second system: line i of Sys2 is the hypothesis when
// i%Sys2Every == Sys2Every-1 (every 7th line), the reference otherwise.
const Sys2Every = 7

// Corpus is a generated parallel corpus. The three slices have the same length.
type Corpus struct {
	Hyp  []string // system output: noisy copies of Ref
	Ref  []string // references
	Sys2 []string // second system: Ref with every Sys2Every-th line taken from Hyp
}

// Generate returns the corpus of the given number of lines for seed. The same seed and
// line count always give the same corpus; the corpus for n lines is the first n lines of
// the corpus for any m > n. It uses every core and takes about 0.15 s per 100 000 lines
// on two.
func Generate(seed int64, lines int) *Corpus {
	lines = max(lines, 0)
	c := &Corpus{
		Hyp:  make([]string, lines),
		Ref:  make([]string, lines),
		Sys2: make([]string, lines),
	}
	workers := min(runtime.GOMAXPROCS(0), max(1, lines/1000))
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := lines*w/workers, lines*(w+1)/workers
		wg.Go(func() {
			g := newGen()
			for i := lo; i < hi; i++ {
				c.Hyp[i], c.Ref[i] = g.line(seed, i)
				c.Sys2[i] = c.Ref[i]
				if i%Sys2Every == Sys2Every-1 {
					c.Sys2[i] = c.Hyp[i]
				}
			}
		})
	}
	wg.Wait()
	return c
}

// Len returns the number of lines.
func (c *Corpus) Len() int { return len(c.Hyp) }

// Head returns the corpus of the first n lines (all of them if n is larger), sharing
// the strings of c. It equals Generate(seed, n) for the seed c was generated with.
func (c *Corpus) Head(n int) *Corpus {
	n = min(max(n, 0), c.Len())
	return &Corpus{Hyp: c.Hyp[:n], Ref: c.Ref[:n], Sys2: c.Sys2[:n]}
}

// InputBytes returns the size of the hypothesis and reference files: the bytes that
// scoring one system reads, newlines included.
func (c *Corpus) InputBytes() int64 {
	var n int64
	for i := range c.Hyp {
		n += int64(len(c.Hyp[i]) + len(c.Ref[i]) + 2)
	}
	return n
}

// WriteFiles writes HypFile, RefFile and Sys2File into dir, one segment per line, each
// line ending in "\n". It creates dir if needed.
func (c *Corpus) WriteFiles(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, f := range []struct {
		name  string
		lines []string
	}{{HypFile, c.Hyp}, {RefFile, c.Ref}, {Sys2File, c.Sys2}} {
		if err := writeFile(filepath.Join(dir, f.name), func(w io.Writer) error {
			return WriteLines(w, f.lines)
		}); err != nil {
			return err
		}
	}
	return nil
}

// WriteLines writes lines to w, each followed by "\n".
func WriteLines(w io.Writer, lines []string) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	for _, l := range lines {
		bw.WriteString(l)
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// WriteNeMo writes c as a NeMo prediction file, one JSON object per line with the keys
// "input" (a prompt made from the reference), "pred" (the hypothesis) and "label" (the
// reference), as NeMo's generate step writes them.
func (c *Corpus) WriteNeMo(w io.Writer) error {
	type record struct {
		Input string `json:"input"`
		Pred  string `json:"pred"`
		Label string `json:"label"`
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for i := range c.Hyp {
		err := enc.Encode(record{
			Input: "Rewrite the following news sentence in plain English: " + c.Ref[i],
			Pred:  c.Hyp[i],
			Label: c.Ref[i],
		})
		if err != nil {
			return err
		}
	}
	return bw.Flush()
}

// WriteNeMoFile writes c as a NeMo prediction file (see WriteNeMo) named name,
// gzip-compressed at the fastest level when name ends in ".gz".
func (c *Corpus) WriteNeMoFile(name string) error {
	return writeFile(name, func(w io.Writer) error {
		if !strings.HasSuffix(name, ".gz") {
			return c.WriteNeMo(w)
		}
		zw, err := gzip.NewWriterLevel(w, gzip.BestSpeed)
		if err != nil {
			return err
		}
		if err := c.WriteNeMo(zw); err != nil {
			return err
		}
		return zw.Close()
	})
}

func writeFile(name string, write func(io.Writer) error) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// vocabulary is the shared word list and its Zipf distribution.
type vocabulary struct {
	words []string // by rank
	wdist alias    // Zipf distribution of the ranks of words
	names []string
	ndist alias
}

// syllables is the distribution of the number of syllables of synthetic words.
var syllables = []int{1, 1, 1, 1, 1, 2, 2, 2, 2, 3}

// vocabSize is the number of distinct ordinary words.
const vocabSize = 30000

// zipfS is the exponent of the rank-frequency law.
const zipfS = 1.0

var vocab = sync.OnceValue(func() *vocabulary {
	v := &vocabulary{}
	seen := make(map[string]bool)
	add := func(w string) {
		if !seen[w] {
			seen[w] = true
			v.words = append(v.words, w)
		}
	}
	for _, w := range common {
		add(w)
	}
	// The synthetic tail does not depend on the corpus seed: every corpus draws from
	// the same vocabulary.
	rng := rand.New(rand.NewPCG(0x5EED, 0xB1E0))
	for len(v.words) < vocabSize {
		var b strings.Builder
		for k := syllables[rng.IntN(len(syllables))]; k > 0; k-- {
			for _, part := range [][]string{onsets, nuclei, codas} {
				if p := part[rng.IntN(len(part))]; p != "-" {
					b.WriteString(p)
				}
			}
		}
		if t := tails[rng.IntN(len(tails))]; t != "-" {
			b.WriteString(t)
		}
		if b.Len() >= 3 {
			add(b.String())
		}
	}
	v.wdist = newZipf(len(v.words))
	v.names = names
	v.ndist = newZipf(len(names))
	return v
})

// alias is Walker's alias table of a discrete distribution: it draws in O(1).
type alias struct {
	prob  []float64
	alias []int32
}

// newZipf returns the alias table of P(r) ∝ 1/(r+1)^zipfS for r in [0, n).
func newZipf(n int) alias {
	w := make([]float64, n)
	sum := 0.0
	for r := range w {
		w[r] = 1 / math.Pow(float64(r+1), zipfS)
		sum += w[r]
	}
	a := alias{prob: make([]float64, n), alias: make([]int32, n)}
	var small, large []int32
	for r := range w {
		w[r] *= float64(n) / sum
		if w[r] < 1 {
			small = append(small, int32(r))
		} else {
			large = append(large, int32(r))
		}
	}
	for len(small) > 0 && len(large) > 0 {
		s, l := small[len(small)-1], large[len(large)-1]
		small = small[:len(small)-1]
		a.prob[s], a.alias[s] = w[s], l
		w[l] -= 1 - w[s]
		if w[l] < 1 {
			large = large[:len(large)-1]
			small = append(small, l)
		}
	}
	// What is left has probability 1 up to rounding.
	for _, r := range append(small, large...) {
		a.prob[r], a.alias[r] = 1, r
	}
	return a
}

func (a *alias) draw(rng *rand.Rand) int {
	i := rng.IntN(len(a.prob))
	if rng.Float64() < a.prob[i] {
		return i
	}
	return int(a.alias[i])
}

// gen generates lines; it is used by one goroutine.
type gen struct {
	v    *vocabulary
	pcg  *rand.PCG
	rng  *rand.Rand
	ref  []string
	hyp  []string
	buf  strings.Builder
	nbuf []byte
}

func newGen() *gen {
	pcg := rand.NewPCG(0, 0)
	return &gen{v: vocab(), pcg: pcg, rng: rand.New(pcg)}
}

// splitmix64 scrambles x (the finaliser of SplitMix64).
func splitmix64(x uint64) uint64 {
	x += 0x9E3779B97F4A7C15
	x = (x ^ x>>30) * 0xBF58476D1CE4E5B9
	x = (x ^ x>>27) * 0x94D049BB133111EB
	return x ^ x>>31
}

func (g *gen) word() string { return g.v.words[g.v.wdist.draw(g.rng)] }

func (g *gen) name() string { return g.v.names[g.v.ndist.draw(g.rng)] }

var currencies = []string{"$", "$", "€", "£"}

// number returns a number as news text writes it.
func (g *gen) number() string {
	r := g.rng
	b := g.nbuf[:0]
	switch x := r.IntN(10); {
	case x < 3: // a year
		b = strconv.AppendInt(b, int64(1950+r.IntN(80)), 10)
	case x < 5:
		b = strconv.AppendInt(b, int64(1+r.IntN(999)), 10)
	case x < 6:
		b = strconv.AppendInt(b, int64(r.IntN(100)), 10)
		b = append(b, '.')
		b = strconv.AppendInt(b, int64(1+r.IntN(9)), 10)
	case x < 7:
		b = strconv.AppendInt(b, int64(1+r.IntN(99)), 10)
		b = append(b, ',')
		b = append(b, byte('0'+r.IntN(10)), byte('0'+r.IntN(10)), '0')
	case x < 9:
		b = strconv.AppendInt(b, int64(1+r.IntN(99)), 10)
		b = append(b, '%')
	default: // an amount of money
		b = append(b, currencies[r.IntN(len(currencies))]...)
		b = strconv.AppendInt(b, int64(1+r.IntN(500)), 10)
	}
	g.nbuf = b
	return string(b)
}

// line returns the hypothesis and the reference of line i.
func (g *gen) line(seed int64, i int) (hyp, ref string) {
	g.pcg.Seed(splitmix64(uint64(seed)), splitmix64(uint64(i)^0x6A09E667F3BCC908))
	r := g.rng

	// The reference: a sequence of words, each possibly carrying punctuation.
	n := 4 + r.IntN(7) + r.IntN(8)
	if r.IntN(100) < 3 {
		n += 8 + r.IntN(25)
	}
	g.ref = g.ref[:0]
	for range n {
		var w string
		switch x := r.IntN(1000); {
		case x < 40:
			w = g.number()
		case x < 100:
			w = g.name()
			if x%6 == 0 {
				w += "'s"
			}
		case x < 106:
			w = foreign[r.IntN(len(foreign))]
		case x < 114:
			w = g.word() + "-" + g.word()
		case x < 120:
			w = g.word() + "'s"
		default:
			w = g.word()
		}
		if r.IntN(100) < 6 && len(g.ref) > 0 {
			g.ref[len(g.ref)-1] += ","
		}
		g.ref = append(g.ref, w)
	}
	switch x := r.IntN(1000); {
	case x < 50 && n >= 4: // a quotation
		a := r.IntN(n - 2)
		b := a + 1 + r.IntN(n-a-1)
		q := `"`
		if x < 8 {
			q = "&quot;"
		}
		g.ref[a] = q + g.ref[a]
		g.ref[b] += q
	case x < 60 && n >= 3: // brackets
		a := r.IntN(n - 1)
		g.ref[a] = "(" + g.ref[a]
		g.ref[a+1] += ")"
	case x < 66: // an escaped ampersand, as in "Johnson &amp; Johnson"
		a := r.IntN(n)
		g.ref = append(g.ref[:a+1], g.ref[a:]...)
		g.ref[a+1] = "&amp;"
	}
	end := "."
	switch x := r.IntN(100); {
	case x < 4:
		end = "?"
	case x < 6:
		end = "!"
	case x < 8:
		end = "..."
	}

	// The hypothesis: a noisy copy of the reference.
	g.noise(g.ref)
	hend := end
	if r.IntN(100) < 5 {
		hend = ""
	}
	return g.join(g.hyp, hend), g.join(g.ref, end)
}

// noise sets g.hyp to a noisy copy of words: each word is dropped (8%), substituted
// (23%) or kept, followed by an inserted word (4%), and neighbours are swapped (6%).
func (g *gen) noise(words []string) {
	r := g.rng
	g.hyp = g.hyp[:0]
	for _, w := range words {
		switch x := r.IntN(100); {
		case x < 8: // dropped
		case x < 31: // substituted
			g.hyp = append(g.hyp, g.word())
		default:
			g.hyp = append(g.hyp, w)
		}
		if r.IntN(100) < 4 {
			g.hyp = append(g.hyp, g.word())
		}
	}
	for j := 0; j+1 < len(g.hyp); j++ {
		if r.IntN(100) < 6 {
			g.hyp[j], g.hyp[j+1] = g.hyp[j+1], g.hyp[j]
			j++
		}
	}
}

// RefStreams returns k reference streams for c in sacreBLEU's layout (stream j holds
// the j-th reference of every segment): c.Ref first, then k-1 noisy copies of it made
// like the hypotheses, so that each stream is a plausible alternative translation.
// The result depends only on seed, k and the references.
func (c *Corpus) RefStreams(seed int64, k int) [][]string {
	streams := [][]string{c.Ref}
	for j := 1; j < k; j++ {
		s := make([]string, len(c.Ref))
		g := newGen()
		var words []string
		for i, ref := range c.Ref {
			g.pcg.Seed(splitmix64(uint64(seed)^uint64(j)<<48), splitmix64(uint64(i)^0xBB67AE8584CAA73B))
			words = append(words[:0], strings.Split(ref, " ")...)
			g.noise(words)
			s[i] = g.join(g.hyp, "")
		}
		streams = append(streams, s)
	}
	return streams
}

// join writes words separated by spaces, with the first letter capitalised and end
// appended.
func (g *gen) join(words []string, end string) string {
	b := &g.buf
	b.Reset()
	size := len(words) + len(end)
	for _, w := range words {
		size += len(w)
	}
	b.Grow(size)
	for k, w := range words {
		if k > 0 {
			b.WriteByte(' ')
		}
		if k == 0 && w != "" && 'a' <= w[0] && w[0] <= 'z' {
			b.WriteByte(w[0] - 'a' + 'A')
			w = w[1:]
		}
		b.WriteString(w)
	}
	b.WriteString(end)
	return b.String()
}
