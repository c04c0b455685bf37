package rouge

import (
	"sync"

	"github.com/sophia-ai/sophia-eval/internal/intern"
	"github.com/sophia-ai/sophia-eval/internal/porter"
)

// Score is a ROUGE precision, recall and F-measure, as rouge-score's Score.
type Score struct {
	Precision, Recall, FMeasure float64
}

// fmeasure is rouge-score's scoring.fmeasure, in its order of operations.
func fmeasure(p, r float64) float64 {
	if p+r > 0 {
		return float64(2*p*r) / (p + r)
	}
	return 0
}

func newScore(p, r float64) Score { return Score{p, r, fmeasure(p, r)} }

// Result is the ROUGE of one item: one Score per type of the Scorer, in its order.
type Result struct {
	Scores []Score
	// Refs[k] is the index of the reference chosen for type k: the one with the
	// highest F-measure, the first on ties, as rouge-score's score_multi.
	Refs []int
}

// Scorer computes ROUGE for one Config. A Scorer is safe for concurrent use.
type Scorer struct {
	cfg   Config
	types []rougeType
	lsum  bool // rougeLsum is asked for
	pool  sync.Pool
}

// New returns a Scorer for c. The zero Config gives rouge-score's RougeScorer for
// rouge1, rouge2, rougeL and rougeLsum; an invalid Config is an error wrapping
// ErrConfig, with rouge-score's message for an invalid type.
func New(c Config) (*Scorer, error) {
	c, types, err := c.withDefaults()
	if err != nil {
		return nil, err
	}
	sc := &Scorer{cfg: c, types: types}
	for _, t := range types {
		if t.kind == kindLsum {
			sc.lsum = true
		}
	}
	return sc, nil
}

// Config returns the Scorer's configuration with every default filled in.
func (sc *Scorer) Config() Config { return sc.cfg }

// Types returns the names of the types, in the order of Result.Scores.
func (sc *Scorer) Types() []string { return append([]string(nil), sc.cfg.Types...) }

// Index returns the position of the type name in Result.Scores, or -1.
func (sc *Scorer) Index(name string) int {
	for i, t := range sc.types {
		if t.name == name {
			return i
		}
	}
	return -1
}

func (sc *Scorer) getScratch() *scratch {
	if w, ok := sc.pool.Get().(*scratch); ok {
		return w
	}
	return &scratch{}
}

func (sc *Scorer) putScratch(w *scratch) { sc.pool.Put(w) }

// Segment returns the ROUGE of prediction against refs: with one reference, what
// rouge-score's score(refs[0], prediction) returns (note the order: rouge-score takes
// the target first); with several, score_multi. Without any reference every score is
// 0, and the corpus functions reject the item with ErrNoReference.
func (sc *Scorer) Segment(prediction string, refs []string) Result {
	r := Result{Scores: make([]Score, len(sc.types)), Refs: make([]int, len(sc.types))}
	w := sc.getScratch()
	w.segment(sc, prediction, refs, r.Scores, r.Refs)
	sc.putScratch(w)
	return r
}

// scratch holds one goroutine's reusable buffers.
type scratch struct {
	buf      []byte  // tokens of the text being prepared
	ends     []int32 // their ends in buf
	sbuf     []byte  // the same tokens stemmed, then padded for intern
	sends    []int32
	sents    []string
	stems    map[string]string
	vocab    intern.Table
	ids      []uint32 // token ids: prediction first, then the references
	spans    []textSpan
	sentEnds []int32 // token counts at sentence ends, per text (see textSpan)
	lcs      lcsState
	grams    ngramTable
	mark     []bool
	cntR     []int32
	cntC     []int32
	best     []Score
}

// textSpan locates one text's tokens in scratch.ids and, for rougeLsum, its
// sentences: the token counts at their ends are sentEnds[s0:s1], relative to lo.
type textSpan struct {
	lo, hi int
	s0, s1 int
}

// maxStems bounds the stem cache of one goroutine.
const maxStems = 1 << 16

// addText tokenizes s (stemmed when asked for), interns its tokens and records its
// span.
func (w *scratch) addText(sc *Scorer, s string) textSpan {
	sp := textSpan{lo: len(w.ids), s0: len(w.sentEnds)}
	w.buf, w.ends = w.buf[:0], w.ends[:0]
	if sc.lsum {
		w.sents = w.sents[:0]
		if sc.cfg.Split == SplitRules {
			w.sents = splitRules(w.sents, s)
		} else {
			w.sents = splitNewline(w.sents, s)
		}
		for _, sent := range w.sents {
			w.tokenize(sc, sent)
			if n := int32(len(w.ends)); len(w.sentEnds) == sp.s0 || w.sentEnds[len(w.sentEnds)-1] != n {
				w.sentEnds = append(w.sentEnds, n) // sentences without tokens change nothing
			}
		}
	} else {
		w.tokenize(sc, s)
	}
	sp.s1 = len(w.sentEnds)

	toks, ends := w.buf, w.ends
	if sc.cfg.Stem {
		toks, ends = w.stem()
	}
	toks = append(toks, intern.Padding[:]...)
	prev := int32(0)
	for _, e := range ends {
		off, end := int(prev), int(e)
		w.ids = append(w.ids, w.vocab.Intern(toks, off, end, intern.Word(toks, off, end)))
		prev = e
	}
	sp.hi = len(w.ids)
	return sp
}

func (w *scratch) tokenize(sc *Scorer, s string) {
	if sc.cfg.Tokenizer == TokenizeUnicode {
		w.buf, w.ends = appendTokensUnicode(w.buf, w.ends, s)
	} else {
		w.buf, w.ends = appendTokensDefault(w.buf, w.ends, s)
	}
}

// stem returns the tokens of w.buf with every token longer than 3 bytes replaced by
// its Porter stem (only [a-z0-9] tokens: the Unicode tokenizer's other words are left
// alone), as rouge-score's tokenizer does.
func (w *scratch) stem() ([]byte, []int32) {
	if w.stems == nil || len(w.stems) > maxStems {
		w.stems = make(map[string]string)
	}
	w.sbuf, w.sends = w.sbuf[:0], w.sends[:0]
	prev := int32(0)
	for _, e := range w.ends {
		tok := w.buf[prev:e]
		prev = e
		if len(tok) > 3 && isASCIIAlnum(tok) {
			st, ok := w.stems[string(tok)]
			if !ok {
				st = porter.Stem(string(tok))
				w.stems[string(tok)] = st
			}
			w.sbuf = append(w.sbuf, st...)
		} else {
			w.sbuf = append(w.sbuf, tok...)
		}
		w.sends = append(w.sends, int32(len(w.sbuf)))
	}
	return w.sbuf, w.sends
}

func isASCIIAlnum(b []byte) bool {
	for _, c := range b {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// segment scores prediction against refs into scores and chosen (one per type).
func (w *scratch) segment(sc *Scorer, prediction string, refs []string, scores []Score, chosen []int) {
	w.vocab.Reset()
	w.ids, w.spans, w.sentEnds = w.ids[:0], w.spans[:0], w.sentEnds[:0]
	pred := w.addText(sc, prediction)
	for _, r := range refs {
		w.spans = append(w.spans, w.addText(sc, r))
	}
	clear(scores)
	clear(chosen)
	if len(refs) == 0 {
		return
	}
	if cap(w.best) < len(scores) {
		w.best = make([]Score, len(scores))
	}
	cur := w.best[:len(scores)]
	for k, ref := range w.spans {
		w.score(sc, ref, pred, cur)
		for t := range cur {
			// numpy.argmax over the F-measures: the first maximum wins.
			if k == 0 || cur[t].FMeasure > scores[t].FMeasure {
				scores[t], chosen[t] = cur[t], k
			}
		}
	}
}

// score computes every type for one reference.
func (w *scratch) score(sc *Scorer, ref, pred textSpan, out []Score) {
	vocab := w.vocab.Len()
	target, prediction := w.ids[ref.lo:ref.hi], w.ids[pred.lo:pred.hi]
	lcs := -1
	for k, t := range sc.types {
		switch t.kind {
		case kindN:
			hits, nt, np := w.grams.overlap(target, prediction, t.n, vocab)
			out[k] = newScore(float64(hits)/float64(max(np, 1)), float64(hits)/float64(max(nt, 1)))
		case kindL:
			if len(target) == 0 || len(prediction) == 0 {
				out[k] = Score{}
				continue
			}
			if lcs < 0 {
				lcs = w.lcs.lcsLength(target, prediction, vocab)
			}
			out[k] = newScore(float64(lcs)/float64(len(prediction)), float64(lcs)/float64(len(target)))
		case kindLsum:
			out[k] = w.summaryLCS(ref, pred, vocab)
		}
	}
}

// sentence returns the tokens of sentence s of sp.
func (w *scratch) sentence(sp textSpan, s int) []uint32 {
	lo := 0
	if s > sp.s0 {
		lo = int(w.sentEnds[s-1])
	}
	return w.ids[sp.lo+lo : sp.lo+int(w.sentEnds[s])]
}

// summaryLCS is rouge-score's _summary_level_lcs: the union-LCS of every reference
// sentence with the prediction's sentences, counted against the token totals.
func (w *scratch) summaryLCS(ref, pred textSpan, vocab int) Score {
	m, n := ref.hi-ref.lo, pred.hi-pred.lo
	if m == 0 || n == 0 {
		return Score{}
	}
	if len(w.cntR) < vocab+1 {
		w.cntR = make([]int32, vocab+1)
		w.cntC = make([]int32, vocab+1)
	}
	for _, id := range w.ids[ref.lo:ref.hi] {
		w.cntR[id]++
	}
	for _, id := range w.ids[pred.lo:pred.hi] {
		w.cntC[id]++
	}
	hits := 0
	for rs := ref.s0; rs < ref.s1; rs++ {
		r := w.sentence(ref, rs)
		if cap(w.mark) < len(r) {
			w.mark = make([]bool, len(r))
		}
		mark := w.mark[:len(r)]
		clear(mark)
		words := (len(r) + 63) / 64
		w.lcs.setPattern(r, vocab, words)
		for cs := pred.s0; cs < pred.s1; cs++ {
			w.lcs.markLCS(r, w.sentence(pred, cs), mark)
		}
		w.lcs.clearPattern(r, words)
		for k, on := range mark {
			if t := r[k]; on && w.cntC[t] > 0 && w.cntR[t] > 0 {
				hits++
				w.cntC[t]--
				w.cntR[t]--
			}
		}
	}
	for _, id := range w.ids[ref.lo:ref.hi] {
		w.cntR[id] = 0
	}
	for _, id := range w.ids[pred.lo:pred.hi] {
		w.cntC[id] = 0
	}
	return newScore(float64(hits)/float64(n), float64(hits)/float64(m))
}
