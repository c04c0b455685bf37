package rouge

import (
	"slices"
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
	toks     []int32 // token k is buf[toks[2k]:toks[2k+1]]
	sents    []string
	vocab    intern.Table // the item's tokens, without stemming
	rawIDs   intern.Table // with stemming: tokens (and stems) seen by this goroutine
	rawFinal []uint32     // with stemming: the id of each token's stem
	stemBuf  []byte
	localOf  []uint32 // the item's own id of a goroutine-wide id
	localGen []uint32 // the item that set localOf
	gen      uint32
	nlocal   int
	ids      []uint32 // token ids: prediction first, then the references
	texts    []textSpan
	cands    []candidate
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

// addText tokenizes s (stemmed when asked for), interns its tokens and records its
// span.
func (w *scratch) addText(sc *Scorer, s string) textSpan {
	sp := textSpan{lo: len(w.ids), s0: len(w.sentEnds)}
	w.buf, w.toks = w.buf[:0], w.toks[:0]
	if sc.lsum {
		w.sents = w.sents[:0]
		if sc.cfg.Split == SplitRules {
			w.sents = splitRules(w.sents, s)
		} else {
			w.sents = splitNewline(w.sents, s)
		}
		for _, sent := range w.sents {
			w.tokenize(sc, sent)
			if n := int32(len(w.toks) / 2); len(w.sentEnds) == sp.s0 || w.sentEnds[len(w.sentEnds)-1] != n {
				w.sentEnds = append(w.sentEnds, n) // sentences without tokens change nothing
			}
		}
	} else {
		w.tokenize(sc, s)
	}
	sp.s1 = len(w.sentEnds)

	w.buf = slices.Grow(w.buf, len(intern.Padding)) // room to load a word at any token
	buf := w.buf[:cap(w.buf)]
	if !sc.cfg.Stem {
		// Without stemming, an item's own small table is the fastest.
		for k := 0; k < len(w.toks); k += 2 {
			off, end := int(w.toks[k]), int(w.toks[k+1])
			w.ids = append(w.ids, w.vocab.Intern(buf, off, end, intern.Word(buf, off, end)))
		}
	} else {
		for k := 0; k < len(w.toks); k += 2 {
			off, end := int(w.toks[k]), int(w.toks[k+1])
			w.ids = append(w.ids, w.local(w.final(buf, off, end)))
		}
	}
	sp.hi = len(w.ids)
	return sp
}

// maxTokens bounds the token tables a goroutine keeps between items.
const maxTokens = 1 << 17

// final returns the goroutine-wide id of the token buf[off:end] after stemming: raw
// tokens are interned once per goroutine, and a stemmed token maps to the id of its
// stem, so that a token and a stem with the same letters are the same token. The
// tables live across items, which makes stemming a lookup for all but new words.
func (w *scratch) final(buf []byte, off, end int) uint32 {
	raw := w.rawIDs.Intern(buf, off, end, intern.Word(buf, off, end))
	if int(raw) > len(w.rawFinal) {
		w.rawFinal = append(w.rawFinal, 0)
	}
	if f := w.rawFinal[raw-1]; f != 0 {
		return f
	}
	tok := buf[off:end]
	f := raw // a token that is not stemmed is its own final token
	if len(tok) > 3 && isASCIIAlnum(tok) {
		st := porter.Stem(string(tok))
		w.stemBuf = append(append(w.stemBuf[:0], st...), intern.Padding[:]...)
		f = w.rawIDs.Intern(w.stemBuf, 0, len(st), intern.Word(w.stemBuf, 0, len(st)))
		for int(f) > len(w.rawFinal) {
			w.rawFinal = append(w.rawFinal, 0)
		}
	}
	w.rawFinal[raw-1] = f
	return f
}

// local returns the item's own id (1, 2, …) of the goroutine-wide token id f: the
// scorers want small dense ids for their tables.
func (w *scratch) local(f uint32) uint32 {
	if int(f) > len(w.localOf) {
		w.localOf = append(w.localOf, make([]uint32, int(f)-len(w.localOf))...)
		w.localGen = append(w.localGen, make([]uint32, int(f)-len(w.localGen))...)
	}
	if w.localGen[f-1] != w.gen {
		w.localGen[f-1] = w.gen
		w.nlocal++
		w.localOf[f-1] = uint32(w.nlocal)
	}
	return w.localOf[f-1]
}

// newItem starts the ids of a new item.
func (w *scratch) newItem() {
	if w.rawIDs.Len() == 0 || w.rawIDs.Len() > maxTokens {
		w.rawIDs.Reset()
		w.rawFinal = w.rawFinal[:0]
		w.localOf = w.localOf[:0]
		w.localGen = w.localGen[:0]
		w.gen = 0
	}
	w.gen++
	if w.gen == 0 { // wrapped: no stamp may match
		clear(w.localGen)
		w.gen = 1
	}
	w.nlocal = 0
}

func (w *scratch) tokenize(sc *Scorer, s string) {
	if sc.cfg.Tokenizer == TokenizeUnicode {
		w.buf, w.toks = appendTokensUnicode(w.buf, w.toks, s)
	} else {
		w.buf, w.toks = appendTokensDefault(w.buf, w.toks, s)
	}
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
	w.newItem()
	w.ids, w.texts, w.sentEnds = w.ids[:0], w.texts[:0], w.sentEnds[:0]
	pred := w.addText(sc, prediction)
	for _, r := range refs {
		w.texts = append(w.texts, w.addText(sc, r))
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
	for k, ref := range w.texts {
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
	vocab := max(w.nlocal, w.vocab.Len())
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

// candidate is a prediction sentence with the sketch of its token ids.
type candidate struct {
	ids    []uint32
	sketch uint64
}

// sketch sets bit id%64 for every id.
func sketch(ids []uint32) uint64 {
	var s uint64
	for _, id := range ids {
		s |= 1 << (id % 64)
	}
	return s
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
	// The prediction's sentences, each with a 64-bit sketch of its token ids: a
	// sentence whose sketch shares no bit with a reference sentence's shares no token
	// with it, and its LCS with it is empty.
	w.cands = w.cands[:0]
	for cs := pred.s0; cs < pred.s1; cs++ {
		c := w.sentence(pred, cs)
		w.cands = append(w.cands, candidate{c, sketch(c)})
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
		sk := sketch(r)
		for _, c := range w.cands {
			if c.sketch&sk != 0 {
				w.lcs.markLCS(r, c.ids, mark)
			}
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
