package benchcorpus

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"io"
	"runtime"
	"strings"
	"sync"
)

// Summary corpora, for ROUGE: reference summaries of several sentences and predictions
// that paraphrase them.

// Mean reference lengths, in rouge-score tokens, of the two summary corpora of the
// ROUGE specification's measurements (§3: about 117 and 547 tokens).
const (
	SummaryTokens     = 120
	LongSummaryTokens = 550
)

// SummariesFile is the file name bench/gencorpus gives a summary corpus written as a
// NeMo prediction file.
const SummariesFile = "summaries.jsonl"

// Summaries is a generated corpus of summary pairs. Pred and Ref have the same length.
//
// A reference is a news-like summary: sentences joined with "\n" (rouge-score's
// rougeLsum splits on it), with the vocabulary of [Generate] (a Zipf-distributed word
// list, numbers, names, a few non-ASCII words and hyphenated or possessive words) and,
// for about 28% of the words, a form of an inflection family ("rise", "rises",
// "rising", "risen"; "economy", "economic", "economist") so that stemming matters.
// Reference lengths are uniform in [0.4·t, 1.6·t] rouge-score tokens for a mean of t;
// sentences have t/6 tokens on average (at least 12, at most 30), so a ~120-token
// summary has 2 to 14 sentences (6.6 on average) and a ~550-token one 6 to 34 (18.7).
// One reference in 33 is a single line (its sentences joined with spaces), which
// rougeLsum reads as one sentence.
//
// A prediction is a paraphrase-like noisy copy of its reference: sentences are dropped
// (7%), split (4%), merged with the previous one (8%), swapped with a neighbour (8%)
// or followed by a new sentence (8%); within sentences, words are dropped (7%),
// substituted (10%), inflected differently (30% of the family words: "prices rose"
// becomes "prices rising"), inserted (3%) or swapped (5%). One prediction in 20 is a
// single line. Without stemming rougeL F is about 0.67 and rougeLsum about 0.73 at
// ~120 tokens; stemming adds about 0.04 to both.
//
// Pair i depends only on the seed, the mean length and i, so a corpus of n pairs is
// the n-pair prefix of any longer corpus with the same seed and mean length.
type Summaries struct {
	Pred []string // predictions
	Ref  []string // reference summaries, sentences separated by "\n"
}

// GenerateSummaries returns the corpus of the given number of summary pairs whose
// references have tokens rouge-score tokens on average (SummaryTokens,
// LongSummaryTokens or any other value of at least 10). The same arguments always
// give the same corpus; the corpus of n pairs is the first n pairs of the corpus of
// any m > n. It uses every core and takes about 0.15 s per million reference
// tokens on two.
func GenerateSummaries(seed int64, pairs, tokens int) *Summaries {
	pairs = max(pairs, 0)
	tokens = max(tokens, 10)
	s := &Summaries{Pred: make([]string, pairs), Ref: make([]string, pairs)}
	workers := min(runtime.GOMAXPROCS(0), max(1, pairs*tokens/100000))
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := pairs*w/workers, pairs*(w+1)/workers
		wg.Go(func() {
			g := newSumGen()
			for i := lo; i < hi; i++ {
				s.Pred[i], s.Ref[i] = g.pair(seed, i, tokens)
			}
		})
	}
	wg.Wait()
	return s
}

// Len returns the number of pairs.
func (s *Summaries) Len() int { return len(s.Ref) }

// Head returns the corpus of the first n pairs (all of them if n is larger), sharing
// the strings of s.
func (s *Summaries) Head(n int) *Summaries {
	n = min(max(n, 0), s.Len())
	return &Summaries{Pred: s.Pred[:n], Ref: s.Ref[:n]}
}

// InputBytes returns the bytes of the predictions and the references: the text that
// scoring reads, for b.SetBytes.
func (s *Summaries) InputBytes() int64 {
	var n int64
	for i := range s.Ref {
		n += int64(len(s.Pred[i]) + len(s.Ref[i]))
	}
	return n
}

// SummaryPrompt starts the "input" field of the NeMo records WriteNeMo writes.
const SummaryPrompt = "Summarize the following news report in a few sentences.\n\n"

// WriteNeMo writes s as a NeMo prediction file, one JSON object per line with the keys
// "input" (SummaryPrompt followed by the reference, standing in for the article),
// "pred" (the prediction) and "label" (the reference), as NeMo's generate step writes
// them. Line breaks inside the texts are written as \n escapes.
func (s *Summaries) WriteNeMo(w io.Writer) error {
	type record struct {
		Input string `json:"input"`
		Pred  string `json:"pred"`
		Label string `json:"label"`
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for i := range s.Ref {
		if err := enc.Encode(record{Input: SummaryPrompt + s.Ref[i], Pred: s.Pred[i], Label: s.Ref[i]}); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// WriteNeMoFile writes s as a NeMo prediction file (see WriteNeMo) named name,
// gzip-compressed at the fastest level when name ends in ".gz".
func (s *Summaries) WriteNeMoFile(name string) error {
	return writeFile(name, func(w io.Writer) error {
		if !strings.HasSuffix(name, ".gz") {
			return s.WriteNeMo(w)
		}
		zw, err := gzip.NewWriterLevel(w, gzip.BestSpeed)
		if err != nil {
			return err
		}
		if err := s.WriteNeMo(zw); err != nil {
			return err
		}
		return zw.Close()
	})
}

// sword is a word of a summary.
type sword struct {
	s   string
	fam int32 // index into families, or -1
	tok int32 // rouge-score tokens in s
}

// span is a sentence: words[lo:hi] and its final punctuation.
type span struct {
	lo, hi int
	end    string
}

// sumGen generates summary pairs; it is used by one goroutine.
type sumGen struct {
	*gen
	fdist    alias // Zipf distribution of the families
	refW     []sword
	refS     []span
	hypW     []sword
	hypS     []span
	sentMean int
}

var familyDist = sync.OnceValue(func() alias { return newZipf(len(families)) })

func newSumGen() *sumGen { return &sumGen{gen: newGen(), fdist: familyDist()} }

// countTokens returns the number of rouge-score tokens of s: maximal runs of ASCII
// letters and digits (the generator's text has no other characters that lowercase
// to them).
func countTokens(s string) int32 {
	var n int32
	in := false
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		alnum := 'a' <= c && c <= 'z' || '0' <= s[i] && s[i] <= '9'
		if alnum && !in {
			n++
		}
		in = alnum
	}
	return n
}

func (g *sumGen) plain(s string) sword { return sword{s: s, fam: -1, tok: countTokens(s)} }

// word draws one word of a summary.
func (g *sumGen) word() sword {
	r := g.rng
	switch x := r.IntN(1000); {
	case x < 280:
		f := g.fdist.draw(r)
		forms := families[f]
		w := forms[r.IntN(len(forms))]
		return sword{s: w, fam: int32(f), tok: 1}
	case x < 310:
		return g.plain(g.number())
	case x < 370:
		w := g.name()
		if x%6 == 0 {
			w += "'s"
		}
		return g.plain(w)
	case x < 374:
		return g.plain(foreign[r.IntN(len(foreign))])
	case x < 384:
		return g.plain(g.gen.word() + "-" + g.gen.word())
	case x < 392:
		return g.plain(g.gen.word() + "'s")
	default:
		return g.plain(g.gen.word())
	}
}

// sentence appends words of about n tokens to dst, with commas and sometimes a
// quotation, and returns it.
func (g *sumGen) sentence(dst []sword, n int) []sword {
	r := g.rng
	lo := len(dst)
	for t := 0; t < n; {
		w := g.word()
		if r.IntN(100) < 6 && len(dst) > lo {
			dst[len(dst)-1].s += ","
		}
		dst = append(dst, w)
		t += int(w.tok)
	}
	if k := len(dst) - lo; k >= 4 && r.IntN(100) < 3 {
		a := lo + r.IntN(k-2)
		b := a + 1 + r.IntN(lo+k-a-1)
		dst[a].s = `"` + dst[a].s
		dst[b].s += `"`
	}
	return dst
}

// end draws the final punctuation of a sentence.
func (g *sumGen) end() string {
	switch x := g.rng.IntN(100); {
	case x < 3:
		return "?"
	case x < 5:
		return "!"
	}
	return "."
}

// sentLen draws the token count of a sentence: uniform in [S/3, 5S/3].
func (g *sumGen) sentLen() int {
	return g.sentMean/3 + g.rng.IntN(g.sentMean*4/3+1)
}

// pair returns the prediction and the reference of pair i.
func (g *sumGen) pair(seed int64, i, tokens int) (pred, ref string) {
	g.pcg.Seed(splitmix64(uint64(seed)^0x3C6EF372FE94F82B), splitmix64(uint64(i)^uint64(tokens)<<40^0xA54FF53A5F1D36F1))
	r := g.rng
	g.sentMean = min(max(tokens/6, 12), 30)

	// The reference: sentences until the drawn length; the last one takes what is
	// left.
	target := tokens*2/5 + r.IntN(tokens*6/5+1)
	g.refW, g.refS = g.refW[:0], g.refS[:0]
	for total := 0; total < target; {
		n := g.sentLen()
		if rem := target - total; rem < n+g.sentMean/3 {
			n = rem
		}
		lo := len(g.refW)
		g.refW = g.sentence(g.refW, n)
		for _, w := range g.refW[lo:] {
			total += int(w.tok)
		}
		g.refS = append(g.refS, span{lo, len(g.refW), g.end()})
	}

	// The prediction.
	g.hypW, g.hypS = g.hypW[:0], g.hypS[:0]
	for _, s := range g.refS {
		if r.IntN(100) < 7 && len(g.refS) > 1 {
			continue // dropped
		}
		merge := len(g.hypS) > 0 && r.IntN(100) < 8
		lo := len(g.hypW)
		if merge {
			g.hypW = append(g.hypW, g.plain("and"))
		}
		g.noise(g.refW[s.lo:s.hi])
		switch hi := len(g.hypW); {
		case merge:
			last := &g.hypS[len(g.hypS)-1]
			last.hi, last.end = hi, s.end
		case hi-lo >= 10 && r.IntN(100) < 4: // split in two
			mid := lo + (hi-lo)/3 + r.IntN((hi-lo)/3)
			g.hypS = append(g.hypS, span{lo, mid, "."}, span{mid, hi, s.end})
		case hi > lo:
			g.hypS = append(g.hypS, span{lo, hi, s.end})
		}
		if r.IntN(100) < 8 { // a new sentence
			lo := len(g.hypW)
			g.hypW = g.sentence(g.hypW, g.sentLen())
			g.hypS = append(g.hypS, span{lo, len(g.hypW), g.end()})
		}
	}
	if len(g.hypS) == 0 {
		lo := len(g.hypW)
		g.hypW = g.sentence(g.hypW, g.sentLen())
		g.hypS = append(g.hypS, span{lo, len(g.hypW), "."})
	}
	for j := 0; j+1 < len(g.hypS); j++ {
		if r.IntN(100) < 8 {
			g.hypS[j], g.hypS[j+1] = g.hypS[j+1], g.hypS[j]
			j++
		}
	}
	hsep, rsep := "\n", "\n"
	if r.IntN(100) < 5 {
		hsep = " "
	}
	if r.IntN(100) < 3 {
		rsep = " "
	}
	return g.joinSents(g.hypW, g.hypS, hsep), g.joinSents(g.refW, g.refS, rsep)
}

// noise appends a noisy copy of words to g.hypW.
func (g *sumGen) noise(words []sword) {
	r := g.rng
	lo := len(g.hypW)
	for _, w := range words {
		switch x := r.IntN(100); {
		case x < 7: // dropped
		case x < 17: // substituted
			g.hypW = append(g.hypW, g.word())
		case w.fam >= 0 && x < 47: // another form of the same word
			forms := families[w.fam]
			g.hypW = append(g.hypW, sword{s: forms[r.IntN(len(forms))], fam: w.fam, tok: 1})
		default:
			g.hypW = append(g.hypW, w)
		}
		if r.IntN(100) < 3 {
			g.hypW = append(g.hypW, g.word())
		}
	}
	h := g.hypW[lo:]
	for j := 0; j+1 < len(h); j++ {
		if r.IntN(100) < 5 {
			h[j], h[j+1] = h[j+1], h[j]
			j++
		}
	}
}

// joinSents writes the sentences, each capitalised and ended, separated by sep.
func (g *sumGen) joinSents(words []sword, sents []span, sep string) string {
	b := &g.buf
	b.Reset()
	for k, s := range sents {
		if k > 0 {
			b.WriteString(sep)
		}
		for j, w := range words[s.lo:s.hi] {
			if j > 0 {
				b.WriteByte(' ')
			}
			t := w.s
			if j == 0 && t != "" && 'a' <= t[0] && t[0] <= 'z' {
				b.WriteByte(t[0] - 'a' + 'A')
				t = t[1:]
			}
			b.WriteString(t)
		}
		b.WriteString(s.end)
	}
	return b.String()
}
