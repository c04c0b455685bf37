package bleu

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/sophia-ai/sophia-eval/internal/shard"
)

// ShardSize is the number of segments per shard in corpus scoring. It is fixed, so
// shard boundaries, and therefore results, do not depend on the number of workers.
const ShardSize = 1024

// A Source yields the segments of a corpus in order.
type Source interface {
	// Next returns the next segment: the hypothesis and the references present for
	// it (leave a reference out to express sacreBLEU's None). It returns io.EOF after
	// the last segment. The refs slice may be reused by the next call.
	Next() (hyp string, refs []string, err error)
}

// Streams returns a Source over hypotheses and reference streams in sacreBLEU's layout:
// refs[k][i] is the k-th reference of segment i (one stream per reference file). Every
// stream must have as many segments as hyps; otherwise the error wraps
// ErrLengthMismatch.
func Streams(hyps []string, refs ...[]string) (Source, error) {
	if len(refs) == 0 {
		return nil, fmt.Errorf("%w: no reference stream", ErrNoReference)
	}
	for k, r := range refs {
		if len(r) != len(hyps) {
			return nil, fmt.Errorf("%w: %d hypotheses but reference stream %d has %d segments",
				ErrLengthMismatch, len(hyps), k+1, len(r))
		}
	}
	return &streams{hyps: hyps, refs: refs, buf: make([]string, len(refs))}, nil
}

type streams struct {
	hyps []string
	refs [][]string
	buf  []string
	i    int
}

func (s *streams) Next() (string, []string, error) {
	if s.i >= len(s.hyps) {
		return "", nil, io.EOF
	}
	for k := range s.refs {
		s.buf[k] = s.refs[k][s.i]
	}
	s.i++
	return s.hyps[s.i-1], s.buf, nil
}

// Segments returns a Source over per-segment references: refs[i] holds all references
// of segment i, so their number may vary from segment to segment. len(refs) must equal
// len(hyps); otherwise the error wraps ErrLengthMismatch.
func Segments(hyps []string, refs [][]string) (Source, error) {
	if len(refs) != len(hyps) {
		return nil, fmt.Errorf("%w: %d hypotheses but references for %d segments",
			ErrLengthMismatch, len(hyps), len(refs))
	}
	return &segments{hyps: hyps, refs: refs}, nil
}

type segments struct {
	hyps []string
	refs [][]string
	i    int
}

func (s *segments) Next() (string, []string, error) {
	if s.i >= len(s.hyps) {
		return "", nil, io.EOF
	}
	s.i++
	return s.hyps[s.i-1], s.refs[s.i-1], nil
}

// Corpus returns corpus BLEU of hyps against reference streams in sacreBLEU's layout
// (see Streams): sc.Corpus(ctx, hyps, refsA, refsB) is sacreBLEU's
// corpus_score(hyps, [refsA, refsB]).
func (sc *Scorer) Corpus(ctx context.Context, hyps []string, refs ...[]string) (Score, error) {
	src, err := Streams(hyps, refs...)
	if err != nil {
		return Score{}, err
	}
	return sc.CorpusFrom(ctx, src)
}

// CorpusFrom returns corpus BLEU of the segments of src. Memory does not grow with the
// number of segments.
func (sc *Scorer) CorpusFrom(ctx context.Context, src Source) (Score, error) {
	st, _, err := sc.CorpusStats(ctx, src, false)
	if err != nil {
		return Score{}, err
	}
	return sc.Score(st), nil
}

// CorpusStats returns the merged statistics of the segments of src and, when
// perSegment is set, the statistics of every segment in order (which the bootstrap and
// paired tests need; otherwise the SegmentStats is empty). The work runs on Config.Workers goroutines in shards of
// ShardSize segments; src is read on the caller's goroutine.
//
// A segment without any reference is an error wrapping ErrNoReference; an error from
// src is returned as it is. Both stop the computation, as does ctx.
func (sc *Scorer) CorpusStats(ctx context.Context, src Source, perSegment bool) (Stats, SegmentStats, error) {
	type shardIn struct {
		first int64 // index of the first segment
		hyps  []string
		refs  [][]string
	}
	var (
		total Stats
		all   = SegmentStats{Order: sc.cfg.MaxOrder}
		next  int64
	)
	fill := func(s *shardIn) (bool, error) {
		s.first = next
		s.hyps = s.hyps[:0]
		for range ShardSize {
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
	type shardOut struct {
		st   Stats
		segs SegmentStats // per-segment statistics, when asked for
	}
	work := func(s *shardIn) shardOut {
		w := sc.getScratch()
		defer sc.putScratch(w)
		var out shardOut
		if perSegment {
			out.segs = SegmentStats{Order: sc.cfg.MaxOrder, Rows: make([]int32, 0, len(s.hyps)*(2+2*sc.cfg.MaxOrder))}
		}
		for i, hyp := range s.hyps {
			seg := w.segment(sc, hyp, s.refs[i])
			out.st.Merge(seg)
			if perSegment {
				out.segs.Append(seg)
			}
		}
		sc.cfg.Logger.Debug("shard done", "first", s.first, "segments", len(s.hyps))
		return out
	}
	var parts [][]int32
	merge := func(o shardOut) {
		total.Merge(o.st)
		if perSegment {
			parts = append(parts, o.segs.Rows)
		}
	}
	err := shard.Run(ctx, sc.cfg.Workers, func() *shardIn { return new(shardIn) }, fill, work, merge)
	if err != nil || !perSegment {
		return total, all, err
	}
	all.Rows = make([]int32, 0, int(total.Segments)*all.Cols())
	for _, p := range parts {
		all.Rows = append(all.Rows, p...)
	}
	return total, all, nil
}
