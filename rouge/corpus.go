package rouge

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/sophia-ai/sophia-eval/internal/shard"
)

// ShardSize is the number of items per shard in corpus scoring. It is fixed, so that
// results do not depend on the number of workers.
const ShardSize = 256

// A Source yields the items of a corpus in order.
type Source interface {
	// Next returns the next item: the prediction and its references. It returns
	// io.EOF after the last item. The refs slice may be reused by the next call.
	Next() (prediction string, refs []string, err error)
}

// Items holds the per-item scores of a corpus, compactly, for the bootstrap and for
// per-item output: Values[(i·T+k)·3 : +3] is the precision, recall and F-measure of
// item i for type k (T types), Refs[i·T+k] the reference chosen, and NRefs[i] the
// number of references of item i.
type Items struct {
	Types  []string
	Values []float64
	Refs   []int32
	NRefs  []int32
}

// Len is the number of items.
func (it *Items) Len() int { return len(it.NRefs) }

// Score returns the score of item i for type k.
func (it *Items) Score(i, k int) Score {
	v := it.Values[(i*len(it.Types)+k)*3:]
	return Score{v[0], v[1], v[2]}
}

func (it *Items) add(r *Result, nrefs int) {
	for k, s := range r.Scores {
		it.Values = append(it.Values, s.Precision, s.Recall, s.FMeasure)
		it.Refs = append(it.Refs, int32(r.Refs[k]))
	}
	it.NRefs = append(it.NRefs, int32(nrefs))
}

// Pairs returns a Source over predictions and per-item references: refs[i] holds the
// references of item i. The lengths must agree; otherwise the error wraps
// ErrLengthMismatch.
func Pairs(predictions []string, refs [][]string) (Source, error) {
	if len(predictions) != len(refs) {
		return nil, fmt.Errorf("%w: %d predictions but references for %d items", ErrLengthMismatch, len(predictions), len(refs))
	}
	return &pairs{preds: predictions, refs: refs}, nil
}

type pairs struct {
	preds []string
	refs  [][]string
	i     int
}

func (p *pairs) Next() (string, []string, error) {
	if p.i == len(p.preds) {
		return "", nil, io.EOF
	}
	p.i++
	return p.preds[p.i-1], p.refs[p.i-1], nil
}

// Corpus scores every item of src and returns the plain mean of every type (see
// Stats.Mean).
func (sc *Scorer) Corpus(ctx context.Context, src Source) ([]Score, error) {
	st, _, err := sc.CorpusStats(ctx, src, false)
	if err != nil {
		return nil, err
	}
	return st.Mean(), nil
}

// CorpusStats scores every item of src on Config.Workers goroutines, in shards of
// ShardSize items read on the caller's goroutine, and returns the merged statistics
// and, when keep is set, every item's scores in order (which the bootstrap and
// per-item output need; memory otherwise does not grow with the corpus).
//
// An item without references is an error wrapping ErrNoReference; an error from src
// is returned as it is. Both stop the computation, as does ctx.
func (sc *Scorer) CorpusStats(ctx context.Context, src Source, keep bool) (Stats, *Items, error) {
	type shardIn struct {
		first int64
		preds []string
		refs  [][]string
	}
	type shardOut struct {
		st    Stats
		items *Items
	}
	total := sc.newStats()
	var items *Items
	if keep {
		items = &Items{Types: sc.Types()}
	}
	var next int64
	fill := func(s *shardIn) (bool, error) {
		s.first = next
		s.preds = s.preds[:0]
		for range ShardSize {
			pred, refs, err := src.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return false, err
			}
			if len(refs) == 0 {
				return false, fmt.Errorf("item %d: %w", next+1, ErrNoReference)
			}
			i := len(s.preds)
			s.preds = append(s.preds, pred)
			if i < len(s.refs) {
				s.refs[i] = append(s.refs[i][:0], refs...)
			} else {
				s.refs = append(s.refs, append([]string(nil), refs...))
			}
			next++
		}
		return len(s.preds) > 0, nil
	}
	work := func(s *shardIn) shardOut {
		w := sc.getScratch()
		defer sc.putScratch(w)
		o := shardOut{st: sc.newStats()}
		if keep {
			o.items = &Items{}
		}
		r := Result{Scores: make([]Score, len(sc.types)), Refs: make([]int, len(sc.types))}
		for i, pred := range s.preds {
			w.segment(sc, pred, s.refs[i], r.Scores, r.Refs)
			o.st.add(&r, pred, s.refs[i])
			if keep {
				o.items.add(&r, len(s.refs[i]))
			}
		}
		sc.cfg.Logger.Debug("shard done", "first", s.first, "items", len(s.preds))
		return o
	}
	merge := func(o shardOut) {
		total.Merge(&o.st)
		if keep {
			items.Values = append(items.Values, o.items.Values...)
			items.Refs = append(items.Refs, o.items.Refs...)
			items.NRefs = append(items.NRefs, o.items.NRefs...)
		}
	}
	err := shard.Run(ctx, sc.cfg.Workers, func() *shardIn { return new(shardIn) }, fill, work, merge)
	return total, items, err
}

// hasNewline reports whether a text holds a line break, for the rougeLsum warning.
func hasNewline(s string) bool { return strings.IndexByte(s, '\n') >= 0 }
