package bleu

import (
	"context"
	"errors"
	"fmt"
	"io"

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
	src, err := Segments(hyps, refs)
	if err != nil {
		return err
	}
	var fnErr error
	err = sc.sentences(ctx, src, func(scores []Score, _ []byte, first int64) {
		for k, s := range scores {
			if fnErr != nil {
				return
			}
			fnErr = fn(int(first)+k, s)
		}
	}, nil, func() bool { return fnErr != nil })
	if err != nil {
		return err
	}
	return fnErr
}

// SentencesTo scores every segment of src on its own and writes what format makes of
// each score to w, in segment order. format appends the rendering of the score of
// segment i (counted from 0) to dst and returns it; it runs on the worker goroutines,
// in parallel, so that formatting scales with the scoring. Memory does not grow with
// the number of segments.
//
// A segment without references is an error wrapping ErrNoReference. Errors from src,
// format's writes to w and ctx stop the computation.
func (sc *Scorer) SentencesTo(ctx context.Context, src Source, w io.Writer, format func(dst []byte, i int64, s *Score) []byte) error {
	var werr error
	err := sc.sentences(ctx, src, func(_ []Score, out []byte, _ int64) {
		if werr == nil {
			_, werr = w.Write(out)
		}
	}, format, func() bool { return werr != nil })
	if err != nil {
		return err
	}
	return werr
}

// sentences runs the sentence-level pipeline: emit receives, in segment order, each
// shard's scores (when format is nil) or its formatted output, and the index of its
// first segment. stop reports whether to read no further.
func (sc *Scorer) sentences(ctx context.Context, src Source, emit func([]Score, []byte, int64),
	format func([]byte, int64, *Score) []byte, stop func() bool) error {
	type shardIn struct {
		first int64
		hyps  []string
		refs  [][]string
	}
	type shardOut struct {
		first  int64
		scores []Score
		out    []byte
	}
	var next int64
	const size = ShardSize / 4
	fill := func(s *shardIn) (bool, error) {
		if stop() {
			return false, nil
		}
		s.first = next
		s.hyps = s.hyps[:0]
		for range size {
			hyp, refs, err := src.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return false, err
			}
			if len(refs) == 0 {
				return false, fmt.Errorf("segment %d: %w", next+1, ErrNoReference)
			}
			i := len(s.hyps)
			s.hyps = append(s.hyps, hyp)
			if i < len(s.refs) {
				s.refs[i] = append(s.refs[i][:0], refs...)
			} else {
				s.refs = append(s.refs, append([]string(nil), refs...))
			}
			next++
		}
		return len(s.hyps) > 0, nil
	}
	work := func(s *shardIn) shardOut {
		w := sc.getScratch()
		defer sc.putScratch(w)
		o := shardOut{first: s.first}
		if format == nil {
			o.scores = make([]Score, 0, len(s.hyps))
		} else {
			o.out = make([]byte, 0, 160*len(s.hyps))
		}
		for i, hyp := range s.hyps {
			score := sc.Score(w.segment(sc, hyp, s.refs[i]))
			if format == nil {
				o.scores = append(o.scores, score)
			} else {
				o.out = format(o.out, s.first+int64(i), &score)
			}
		}
		return o
	}
	return shard.Run(ctx, sc.cfg.Workers, func() *shardIn { return new(shardIn) }, fill, work,
		func(o shardOut) { emit(o.scores, o.out, o.first) })
}
