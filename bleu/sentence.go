package bleu

import (
	"context"
	"fmt"

	"github.com/sophia-ai/sophia-eval/internal/shard"
)

// Sentences scores every segment on its own, in parallel, and calls fn with each
// sentence score in segment order, on the caller's goroutine. refs[i] holds the
// references of segment i. This is sacreBLEU's sentence-level mode; its command line
// also sets EffectiveOrder, which the Config here decides.
//
// A segment without references is an error wrapping ErrNoReference, and an error from
// fn stops the computation and is returned.
func (sc *Scorer) Sentences(ctx context.Context, hyps []string, refs [][]string, fn func(i int, s Score) error) error {
	if len(refs) != len(hyps) {
		return fmt.Errorf("%w: %d hypotheses but references for %d segments", ErrLengthMismatch, len(hyps), len(refs))
	}
	for i, r := range refs {
		if len(r) == 0 {
			return fmt.Errorf("segment %d: %w", i+1, ErrNoReference)
		}
	}
	type part struct{ lo, hi int }
	type result struct {
		lo     int
		scores []Score
	}
	next := 0
	var fnErr error
	err := shard.Run(ctx, sc.cfg.Workers, func() *part { return new(part) },
		func(p *part) (bool, error) {
			if fnErr != nil || next >= len(hyps) {
				return false, fnErr
			}
			p.lo, p.hi = next, min(next+ShardSize/4, len(hyps))
			next = p.hi
			return true, nil
		},
		func(p *part) result {
			w := sc.getScratch()
			defer sc.putScratch(w)
			r := result{lo: p.lo, scores: make([]Score, 0, p.hi-p.lo)}
			for i := p.lo; i < p.hi; i++ {
				r.scores = append(r.scores, sc.Score(w.segment(sc, hyps[i], refs[i])))
			}
			return r
		},
		func(r result) {
			for k, s := range r.scores {
				if fnErr != nil {
					return
				}
				fnErr = fn(r.lo+k, s)
			}
		})
	if err != nil {
		return err
	}
	return fnErr
}
