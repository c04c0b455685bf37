package audit

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/sophia-ai/sophia-eval/internal/shard"
)

// Default settings of [Config].
const (
	DefaultNGram = 13
	DefaultFull  = 0.8
)

// Config says how contamination is measured. The zero value gives the GPT-3
// analysis: word 13-grams, any overlap is partial contamination, 80% is full.
type Config struct {
	// NGram is the number of words per n-gram in word mode. Default: 13.
	NGram int
	// Chars, when positive, selects character mode: the n-grams are windows of
	// Chars characters of the character-mode normalisation (see [Normalize]);
	// GPT-4's report uses 50. NGram is then ignored. Default: 0 (word mode).
	Chars int
	// Partial is the share of an item's n-grams found in the training data at or
	// above which the item is partially contaminated; an item none of whose
	// n-grams is found is clean whatever Partial is. Default: 0 (any overlap).
	Partial float64
	// Full is the share at or above which an item is fully contaminated. An exact
	// duplicate of a training text is always fully contaminated. Default: 0.8.
	Full float64
	// Workers is the number of goroutines: 0 = GOMAXPROCS; 1 = runs on the
	// caller's goroutine, starts none. Results do not depend on it.
	// Default: 0.
	Workers int
}

// resolve applies the defaults and checks the values.
func (c Config) resolve() (Config, error) {
	if c.NGram == 0 {
		c.NGram = DefaultNGram
	}
	if c.Full == 0 {
		c.Full = DefaultFull
	}
	switch {
	case c.Chars < 0 || c.Chars > 1<<16:
		return c, fmt.Errorf("audit: character window %d out of range 1..65536", c.Chars)
	case c.NGram < 1 || c.NGram > 1<<16:
		return c, fmt.Errorf("audit: n-gram size %d out of range 1..65536", c.NGram)
	case !(c.Partial >= 0 && c.Partial <= 1):
		return c, fmt.Errorf("audit: partial threshold %v out of range 0..1", c.Partial)
	case !(c.Full > 0 && c.Full <= 1):
		return c, fmt.Errorf("audit: full threshold %v out of range (0, 1]", c.Full)
	case c.Partial > c.Full:
		return c, fmt.Errorf("audit: partial threshold %v above full threshold %v", c.Partial, c.Full)
	}
	if c.Workers < 0 {
		return c, fmt.Errorf("audit: workers %d must be at least 0", c.Workers)
	}
	return c, nil
}

// window is the n-gram size in tokens.
func (c Config) window() int {
	if c.Chars > 0 {
		return c.Chars
	}
	return c.NGram
}

// Doc is one text of an input: a line, a JSONL record, a table row.
type Doc struct {
	File string // the input's name
	Line int64  // 1-based line or row in File
	ID   string // the item's id field, "" when it has none
	Text string
}

// Name is the ID when there is one, else "file:line".
func (d *Doc) Name() string {
	if d.ID != "" {
		return d.ID
	}
	return d.File + ":" + strconv.FormatInt(d.Line, 10)
}

// Source yields documents; Next returns io.EOF after the last. The strings
// returned must stay valid after later calls.
type Source interface {
	Next() (Doc, error)
}

type sliceSource struct {
	docs []Doc
	i    int
}

func (s *sliceSource) Next() (Doc, error) {
	if s.i >= len(s.docs) {
		return Doc{}, io.EOF
	}
	s.i++
	return s.docs[s.i-1], nil
}

// Docs returns a Source of docs.
func Docs(docs ...Doc) Source { return &sliceSource{docs: docs} }

// Index is the set of n-gram fingerprints of the training data, and the set of
// fingerprints of its whole normalised texts (for exact duplicates). It is safe
// for concurrent use once built.
type Index struct {
	chars bool
	n     int
	grams set     // word mode
	cs    charSet // character mode
	cp    charParams
	docs  set
	// Texts and Bytes count the training texts and bytes indexed.
	Texts, Bytes int64
}

// NGrams is, in word mode, the number of distinct n-gram fingerprints; in
// character mode, the number of distinct anchor records, through which the
// index finds every window of the training data (see docs/audit.md).
func (ix *Index) NGrams() int64 {
	if ix.chars {
		return ix.cs.len()
	}
	return ix.grams.len()
}

// MemBytes is the memory held by the index's tables.
func (ix *Index) MemBytes() int64 { return ix.grams.bytes() + ix.cs.bytes() + ix.docs.bytes() }

// Config returns the n-gram settings the index was built with: NGram, or Chars
// in character mode.
func (ix *Index) Config() Config {
	if ix.chars {
		return Config{Chars: ix.n}
	}
	return Config{NGram: ix.n}
}

// freeList recycles values of T.
type freeList[T any] struct {
	mu   sync.Mutex
	free []*T
}

func (f *freeList[T]) Get() *T {
	f.mu.Lock()
	defer f.mu.Unlock()
	if n := len(f.free); n > 0 {
		v := f.free[n-1]
		f.free = f.free[:n-1]
		return v
	}
	return new(T)
}

func (f *freeList[T]) Put(v *T) {
	f.mu.Lock()
	f.free = append(f.free, v)
	f.mu.Unlock()
}

// batch is a shard of the training stream.
const (
	batchBytes = 1 << 20
	batchDocs  = 8192
)

// checkBytes is the size of a batch of evaluation texts: the larger the batch,
// the more of its lookups fall into the same parts of the index's tables.
const checkBytes = 4 * batchBytes

// insertBatches is how many batches of training texts are inserted together.
const insertBatches = 8

type batch struct {
	docs []Doc
}

// trainOut is what one batch of training texts contributes.
type trainOut struct {
	// grams holds the batch's n-gram fingerprints grouped by partition:
	// partition p's are grams[at[p]:at[p+1]].
	grams []uint64
	at    [numParts + 1]int
	// Character mode: grams are the keys of the batch's records, idx
	// their places in narrow or wide (batchWide set), which the index keeps
	// as slabs number slab.
	idx      []uint32
	narrow   []rec8
	wide     []recChars
	slab     int
	docs     [numParts][]uint64
	findings []Finding
	texts    int64
	bytes    int64
	refs     atomic.Int32
}

func (o *trainOut) reset() {
	o.grams = o.grams[:0]
	o.at = [numParts + 1]int{}
	for i := range o.docs {
		o.docs[i] = o.docs[i][:0]
	}
	o.idx, o.narrow, o.wide = o.idx[:0], nil, nil // kept by the index
	o.findings, o.texts, o.bytes = nil, 0, 0
}

// fillBatch fills b from src with about size bytes of text; *eof records the
// end of src for every batch.
func fillBatch(src Source, b *batch, size int, eof *bool) (bool, error) {
	if *eof {
		return false, nil
	}
	b.docs = b.docs[:0]
	n := 0
	for n < size && len(b.docs) < batchDocs*(size/batchBytes) {
		d, err := src.Next()
		if err == io.EOF {
			*eof = true
			break
		}
		if err != nil {
			return false, err
		}
		b.docs = append(b.docs, d)
		n += len(d.Text)
	}
	return len(b.docs) > 0, nil
}

// BuildIndex reads the training texts of src once and returns their index. When
// sc is not nil, the same pass scans the texts for secrets and returns the
// findings in input order. The error is non-nil only when the pass could not
// finish (read error, ctx done). The index and the findings do not depend on
// c.Workers.
func BuildIndex(ctx context.Context, c Config, src Source, sc *Scanner) (*Index, []Finding, error) {
	return train(ctx, c, src, sc, true)
}

// ScanSource scans every text of src for secrets, as BuildIndex does with a
// Scanner, without indexing. workers has the meaning of Config.Workers.
func ScanSource(ctx context.Context, sc *Scanner, src Source, workers int) ([]Finding, error) {
	_, f, err := train(ctx, Config{Workers: workers}, src, sc, false)
	return f, err
}

func train(ctx context.Context, c Config, src Source, sc *Scanner, index bool) (*Index, []Finding, error) {
	c, err := c.resolve()
	if err != nil {
		return nil, nil, err
	}
	ix := newIndex(c.Chars > 0, c.window())
	workers := shard.Workers(c.Workers)
	// The batches' outputs are recycled through a free list rather than a
	// sync.Pool, which the garbage collector empties: their buffers are
	// large and grow to fit.
	pool := freeList[trainOut]{}
	var findings []Finding

	// Partition p of both sets is filled by inserter p % workers only. A
	// table's layout depends only on its set of keys, so the tables come out
	// the same for any worker count. The batches are handed over
	// insertBatches at a time, partition by partition.
	finish := func(who, of int, sc *scratch) {
		if who == 0 {
			ix.cs.st = sc.c.st // every inserter has the same
		}
		for p := who; p < numParts; p += of {
			if ix.chars {
				ix.cs.parts[p].finish(&sc.c)
			} else {
				ix.grams.parts[p].finish(sc)
			}
			ix.docs.parts[p].finish(sc)
		}
	}
	insert := func(outs []*trainOut, who, of int, sc *scratch) {
		if ix.chars {
			st := &sc.c.st
			for _, o := range outs {
				st.narrow, st.wide = append(st.narrow, o.narrow), append(st.wide, o.wide)
			}
		}
		for p := who; p < numParts; p += of {
			gp, cp, dp := &ix.grams.parts[p], &ix.cs.parts[p], &ix.docs.parts[p]
			for _, o := range outs {
				if ix.chars {
					cp.add(o.grams[o.at[p]:o.at[p+1]], o.idx[o.at[p]:o.at[p+1]], o.slab, &sc.c)
				} else {
					gp.add(o.grams[o.at[p]:o.at[p+1]], sc)
				}
				dp.add(o.docs[p], sc)
			}
		}
		for _, o := range outs {
			if o.refs.Add(-1) == 0 {
				o.reset()
				pool.Put(o)
			}
		}
	}
	var chans []chan []*trainOut
	var wg sync.WaitGroup
	if workers > 1 && index {
		for w := range workers {
			ch := make(chan []*trainOut, 2)
			chans = append(chans, ch)
			wg.Add(1)
			go func() {
				defer wg.Done()
				var sc scratch
				for outs := range ch {
					insert(outs, w, workers, &sc)
				}
				finish(w, workers, &sc)
			}()
		}
	}
	var pending []*trainOut
	slabs := 0      // the batches merged, in character mode the slabs
	var own scratch // of the inserter on this goroutine, with one worker
	flush := func() {
		if len(pending) == 0 {
			return
		}
		outs := pending
		pending = nil
		if chans == nil {
			insert(outs, 0, 1, &own)
			return
		}
		for _, ch := range chans {
			ch <- outs
		}
	}
	window := c.window()
	pw := rollPow(window)
	// Tokenizers too: their buffers grow to a batch's text.
	tokPool := freeList[tokenizer]{}
	work := func(b *batch) *trainOut {
		o := pool.Get()
		t := tokPool.Get()
		fps := t.fps[:0] // the batch's fingerprints, in order
		cd := &t.cd
		if ix.chars {
			cd.reset(recPad, b.docs, true)
		}
		roff := t.roff[:0]
		for i := range b.docs {
			d := &b.docs[i]
			o.texts++
			o.bytes += int64(len(d.Text))
			if sc != nil {
				o.findings = sc.scanDoc(o.findings, d)
			}
			if !index {
				continue
			}
			if ix.chars {
				roff = append(roff, len(cd.runes))
				h, cnt := cd.analyze(d.Text, &ix.cp, int32(i))
				if cnt > 0 {
					o.docs[h>>partShift] = append(o.docs[h>>partShift], h)
				}
				continue
			}
			t.run(d.Text, ix.chars)
			if len(t.toks) == 0 {
				continue
			}
			h := docHash(t.toks)
			o.docs[h>>partShift] = append(o.docs[h>>partShift], h)
			var r uint64
			for j, tk := range t.toks {
				if j >= window {
					r -= t.toks[j-window].h * pw
				}
				r = r*rollBase + tk.h
				if j >= window-1 {
					fps = append(fps, mix(r))
				}
			}
		}
		if ix.chars {
			// The batch's records, in text order, in two slabs of their
			// own that the index keeps (records of ASCII characters take
			// one byte per character, others two); their keys are grouped
			// by partition below, with their places in the slabs.
			roff = append(roff, len(cd.runes))
			cd.text8 = append(cd.text8, zeroPad[:]...) // for record8
			places := slices.Grow(t.places[:0], len(cd.anch))[:len(cd.anch)]
			nn, nw := 0, 0
			for i := range cd.anch {
				a := &cd.anch[i]
				if ix.cp.narrow(cd.runes[roff[a.doc]:roff[a.doc+1]], a) {
					places[i] = uint32(nn)
					nn++
				} else {
					places[i] = uint32(nw) | batchWide
					nw++
				}
			}
			narrow, wide := make([]rec8, nn), []recChars(nil)
			if nw > 0 {
				wide = make([]recChars, nw)
			}
			fps = slices.Grow(fps, len(cd.anch))
			for i := range cd.anch {
				a := &cd.anch[i]
				if pl := places[i]; pl&batchWide == 0 {
					ix.cp.record8(&narrow[pl], cd.text8, roff[a.doc], a)
				} else {
					ix.cp.record(&wide[pl&^batchWide], cd.runes[roff[a.doc]:roff[a.doc+1]], a)
				}
				fps = append(fps, a.key)
			}
			o.narrow, o.wide, t.roff, t.places = narrow, wide, roff, places
		}
		// Group the fingerprints by partition (a counting sort).
		for _, k := range fps {
			o.at[k>>partShift+1]++
		}
		for p := 1; p <= numParts; p++ {
			o.at[p] += o.at[p-1]
		}
		if cap(o.grams) < len(fps) {
			o.grams = make([]uint64, len(fps))
		}
		grams, next := o.grams[:len(fps)], o.at
		if ix.chars {
			if cap(o.idx) < len(fps) {
				o.idx = make([]uint32, len(fps))
			}
			idx := o.idx[:len(fps)]
			for i, k := range fps {
				p := k >> partShift
				grams[next[p]], idx[next[p]] = k, t.places[i]
				next[p]++
			}
			o.idx = idx
		} else {
			for _, k := range fps {
				p := k >> partShift
				grams[next[p]] = k
				next[p]++
			}
		}
		o.grams, t.fps = grams, fps
		tokPool.Put(t)
		return o
	}
	merge := func(o *trainOut) {
		ix.Texts += o.texts
		ix.Bytes += o.bytes
		findings = append(findings, o.findings...)
		o.findings = nil
		if !index {
			o.reset()
			pool.Put(o)
			return
		}
		o.refs.Store(int32(max(1, len(chans))))
		o.slab = slabs
		slabs++
		pending = append(pending, o)
		if len(pending) == insertBatches {
			flush()
		}
	}
	eof := false
	err = shard.Run(ctx, workers, func() *batch { return new(batch) },
		func(b *batch) (bool, error) { return fillBatch(src, b, batchBytes, &eof) }, work, merge)
	if err == nil {
		flush()
	}
	for _, ch := range chans {
		close(ch)
	}
	wg.Wait()
	if chans == nil && err == nil && index {
		finish(0, 1, &own)
	}
	if err != nil {
		return nil, nil, err
	}
	if ix.chars {
		ix.cs.compact()
	}
	return ix, findings, nil
}

// Verdict is the contamination verdict of one evaluation item.
type Verdict uint8

const (
	Clean   Verdict = iota // below the partial threshold, or no overlap at all
	Partial                // share at or above Config.Partial
	Full                   // share at or above Config.Full, or an exact duplicate
)

var verdictNames = [...]string{"clean", "partially_contaminated", "fully_contaminated"}

// String returns "clean", "partially_contaminated" or "fully_contaminated".
func (v Verdict) String() string {
	if int(v) < len(verdictNames) {
		return verdictNames[v]
	}
	return "Verdict(" + strconv.Itoa(int(v)) + ")"
}

// MarshalText encodes v as its String.
func (v Verdict) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// UnmarshalText decodes the String of a Verdict.
func (v *Verdict) UnmarshalText(b []byte) error {
	for i, n := range verdictNames {
		if string(b) == n {
			*v = Verdict(i)
			return nil
		}
	}
	return fmt.Errorf("audit: unknown verdict %q", b)
}

// Span is a part of an item's original text covered by n-grams found in the
// training data: code point offsets (as Python indexes a str), End exclusive.
type Span struct {
	Start int `json:"start"`
	End   int `json:"end"`
}

// Result is the contamination of one evaluation item.
type Result struct {
	File string `json:"file"`
	Line int64  `json:"line"`
	ID   string `json:"id,omitempty"`
	// Name is ID, or "file:line" when the item has no id.
	Name string `json:"name"`
	// NGrams is the number of n-grams of the item (0 when it is shorter than one
	// n-gram), Hits how many of them occur in the training data.
	NGrams int `json:"ngrams"`
	Hits   int `json:"hits"`
	// Share is Hits/NGrams; for an item shorter than one n-gram, 1 when it is an
	// exact duplicate and 0 otherwise.
	Share float64 `json:"share"`
	// Exact reports that the item's normalised text equals the normalised text
	// of a whole training item.
	Exact   bool    `json:"exact"`
	Verdict Verdict `json:"verdict"`
	Spans   []Span  `json:"spans"`
}

// Finding returns the item as a Finding when it is not clean: Severity Error,
// Code "fully_contaminated" or "partially_contaminated", its file and line, and
// an Err wrapping ErrContaminated that gives its name, share and n-gram count.
func (r *Result) Finding() (Finding, bool) {
	if r.Verdict == Clean {
		return Finding{}, false
	}
	msg := fmt.Sprintf("audit: evaluation item %s is %s: %d of %d n-grams in the training data", r.Name, strings.ReplaceAll(r.Verdict.String(), "_", " "), r.Hits, r.NGrams)
	if r.Exact {
		msg += ", exact duplicate"
	}
	return Finding{Severity: Error, Code: r.Verdict.String(), File: r.File, Line: r.Line, Err: details(ErrContaminated, "%s", msg)}, true
}

// checker scores items against an index; its buffers are reused.
type checker struct {
	ix    *Index
	c     Config
	pw    uint64
	tok   tokenizer
	fps   []uint64
	hit   []bool
	items []itemFPs
	look  lookupBuf
	// character mode: where each text of a batch starts in tok.cd.runes,
	// and the lookups of the batch's anchors
	roff []int
	find findBuf
}

func newChecker(ix *Index, c Config) (*checker, error) {
	c, err := c.resolve()
	if err != nil {
		return nil, err
	}
	if (c.Chars > 0) != ix.chars || c.window() != ix.n {
		return nil, details(ErrIndexMismatch, "audit: index has %s, checking with %s", describe(ix.Config()), describe(c))
	}
	return &checker{ix: ix, c: c, pw: rollPow(ix.n)}, nil
}

func describe(c Config) string {
	if c.Chars > 0 {
		return strconv.Itoa(c.Chars) + "-character windows"
	}
	return "word " + strconv.Itoa(c.NGram) + "-grams"
}

// Check scores one evaluation item against the index with the thresholds of c,
// whose n-gram settings must be those of the index (ErrIndexMismatch).
func (ix *Index) Check(c Config, d Doc) (Result, error) {
	ck, err := newChecker(ix, c)
	if err != nil {
		return Result{}, err
	}
	return ck.check(&d), nil
}

func (ck *checker) check(d *Doc) Result {
	var r [1]Result
	ck.checkAll([]Doc{*d}, r[:])
	return r[0]
}

// itemFPs is where an item's windows lie in checker.hit (and in word mode its
// n-gram fingerprints in checker.fps).
type itemFPs struct {
	off, n int
	exact  bool
}

// checkAll scores docs into res. In word mode the fingerprints of all the
// items are looked up in one pass, so that the lookups of one item overlap
// those of the next. The items with a hit are normalised again for their spans.
func (ck *checker) checkAll(docs []Doc, res []Result) {
	var hits []bool
	if ck.ix.chars {
		hits = ck.hitChars(docs)
	} else {
		hits = ck.hitWords(docs)
	}
	t := &ck.tok
	n := ck.ix.n
	for i := range docs {
		d, it := &docs[i], ck.items[i]
		r := Result{File: d.File, Line: d.Line, ID: d.ID, Name: d.Name(), Spans: []Span{}, NGrams: it.n, Exact: it.exact}
		hit := hits[it.off : it.off+it.n]
		for _, h := range hit {
			if h {
				r.Hits++
			}
		}
		if r.NGrams > 0 {
			r.Share = float64(r.Hits) / float64(r.NGrams)
		} else if r.Exact {
			r.Share = 1
		}
		if r.Hits > 0 || r.Exact {
			t.run(d.Text, ck.ix.chars)
			r.Spans = spansOf(d.Text, t.toks, hit, n, r.Exact)
		}
		switch {
		case r.Exact || r.Share >= ck.c.Full:
			r.Verdict = Full
		case r.Hits > 0 && r.Share >= ck.c.Partial:
			r.Verdict = Partial
		}
		res[i] = r
	}
}

// hits returns ck.hit resized to n windows, all false when clean is set.
func (ck *checker) hits(n int, clean bool) []bool {
	if cap(ck.hit) < n {
		ck.hit = make([]bool, n)
	} else if clean {
		clear(ck.hit[:n])
	}
	return ck.hit[:n]
}

// hitWords sets ck.items for docs in word mode and returns whether each of
// their n-grams is in the index.
func (ck *checker) hitWords(docs []Doc) []bool {
	t := &ck.tok
	n := ck.ix.n
	fps := ck.fps[:0]
	items := ck.items[:0]
	for i := range docs {
		it := itemFPs{off: len(fps)}
		t.run(docs[i].Text, false)
		toks := t.toks
		if len(toks) > 0 {
			it.exact = ck.ix.docs.has(docHash(toks))
		}
		if len(toks) >= n {
			var r uint64
			for j, tk := range toks {
				if j >= n {
					r -= toks[j-n].h * ck.pw
				}
				r = r*rollBase + tk.h
				if j >= n-1 {
					fps = append(fps, mix(r))
				}
			}
		}
		it.n = len(fps) - it.off
		items = append(items, it)
	}
	ck.fps, ck.items = fps, items
	hits := ck.hits(len(fps), false) // hasAll sets every one
	ck.ix.grams.hasAll(fps, hits, &ck.look)
	return hits
}

// hitChars sets ck.items for docs in character mode and returns whether each
// of their windows occurs in the training data.
func (ck *checker) hitChars(docs []Doc) []bool {
	p := &ck.ix.cp
	cd := &ck.tok.cd
	items := ck.items[:0]
	cd.reset(0, docs, false)
	roff := ck.roff[:0]
	total := 0
	for i := range docs {
		roff = append(roff, len(cd.runes))
		h, cnt := cd.analyze(docs[i].Text, p, int32(i))
		it := itemFPs{off: total, n: max(0, cnt-p.n+1)}
		if cnt > 0 {
			it.exact = ck.ix.docs.has(h)
		}
		total += it.n
		items = append(items, it)
	}
	roff = append(roff, len(cd.runes))
	runes, anch := cd.runes, cd.anch
	ck.items, ck.roff = items, roff
	hits := ck.hits(total, true)
	lo, hi := ck.ix.cs.findAll(anch, &ck.find)
	for i := range anch {
		if lo[i] == hi[i] {
			continue
		}
		a := &anch[i]
		it := items[a.doc]
		ck.ix.cs.matches(p, runes[roff[a.doc]:roff[a.doc+1]], a, hits[it.off:it.off+it.n], int(lo[i]), int(hi[i]))
	}
	return hits
}

// spansOf returns the spans of text covered by the n-grams with a hit (all of
// it for an exact duplicate), in code points.
func spansOf(text string, toks []token, hit []bool, n int, exact bool) []Span {
	type rng struct{ a, b int } // token range, b exclusive
	var spans []rng
	if exact {
		spans = []rng{{0, len(toks)}}
	} else {
		for a, h := range hit {
			if !h {
				continue
			}
			if k := len(spans) - 1; k >= 0 && a < spans[k].b {
				spans[k].b = a + n
			} else {
				spans = append(spans, rng{a, a + n})
			}
		}
	}
	out := make([]Span, 0, len(spans))
	pb, pr := 0, 0
	for _, s := range spans {
		bs, be := toks[s.a].start, toks[s.b-1].end
		rs := runeOffset(text, pb, pr, bs)
		re := runeOffset(text, bs, rs, be)
		pb, pr = be, re
		out = append(out, Span{rs, re})
	}
	return out
}

// DatasetSummary counts the verdicts of the items of one evaluation input.
type DatasetSummary struct {
	File    string `json:"file"`
	Items   int    `json:"items"`
	Clean   int    `json:"clean"`
	Partial int    `json:"partially_contaminated"`
	Full    int    `json:"fully_contaminated"`
	Exact   int    `json:"exact_duplicates"`
}

// Contaminated is Partial + Full.
func (s *DatasetSummary) Contaminated() int { return s.Partial + s.Full }

type checkBatch struct {
	batch
	res []Result
	ck  *checker
}

// CheckSource scores every item of src against ix and calls fn with each result
// in input order (fn may be nil). It returns one summary per input file, in order
// of first appearance. The error is non-nil when the pass could not finish (read
// error, ctx done, fn's error) or c does not match the index. The results do not
// depend on c.Workers.
func CheckSource(ctx context.Context, c Config, ix *Index, src Source, fn func(*Result) error) ([]DatasetSummary, error) {
	if _, err := newChecker(ix, c); err != nil {
		return nil, err
	}
	var sums []DatasetSummary
	at := map[string]int{}
	var fnErr error
	eof := false
	workers := shard.Workers(c.Workers)
	err := shard.Run(ctx, workers,
		func() *checkBatch { ck, _ := newChecker(ix, c); return &checkBatch{ck: ck} },
		func(b *checkBatch) (bool, error) {
			if fnErr != nil {
				return false, fnErr
			}
			return fillBatch(src, &b.batch, checkBytes, &eof)
		},
		func(b *checkBatch) []Result {
			res := make([]Result, len(b.docs))
			b.ck.checkAll(b.docs, res)
			return res
		},
		func(res []Result) {
			for i := range res {
				r := &res[i]
				k, ok := at[r.File]
				if !ok {
					k = len(sums)
					at[r.File] = k
					sums = append(sums, DatasetSummary{File: r.File})
				}
				s := &sums[k]
				s.Items++
				switch r.Verdict {
				case Clean:
					s.Clean++
				case Partial:
					s.Partial++
				case Full:
					s.Full++
				}
				if r.Exact {
					s.Exact++
				}
				if fn != nil && fnErr == nil {
					fnErr = fn(r)
				}
			}
		})
	if err == nil {
		err = fnErr
	}
	if err != nil {
		return sums, err
	}
	return sums, nil
}
