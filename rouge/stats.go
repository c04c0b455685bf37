package rouge

import "github.com/sophia-ai/sophia-eval/internal/pyfloat"

// Stats are the sufficient statistics of a corpus's plain mean: per type, the exact
// sums of the items' precision, recall and F-measure. Stats of disjoint parts of a
// corpus combine with Merge in any order and grouping, and the mean is the correctly
// rounded mean of the item scores (Python's statistics.mean), whatever the grouping.
type Stats struct {
	// Items is the number of items.
	Items int64
	// MultiRef is the number of items with more than one reference.
	MultiRef int64
	// Newlines is the number of items whose prediction or a reference holds a line
	// break; rougeLsum equals rougeL without any.
	Newlines int64
	// Types are the type names, in the order of the sums.
	Types []string
	sums  []pyfloat.ExactSum // 3 per type: precision, recall, F-measure
}

func (sc *Scorer) newStats() Stats {
	return Stats{Types: sc.cfg.Types, sums: make([]pyfloat.ExactSum, 3*len(sc.types))}
}

func (s *Stats) add(r *Result, pred string, refs []string) {
	s.Items++
	if len(refs) > 1 {
		s.MultiRef++
	}
	nl := hasNewline(pred)
	for _, ref := range refs {
		nl = nl || hasNewline(ref)
	}
	if nl {
		s.Newlines++
	}
	for k, sc := range r.Scores {
		s.sums[3*k].Add(sc.Precision)
		s.sums[3*k+1].Add(sc.Recall)
		s.sums[3*k+2].Add(sc.FMeasure)
	}
}

// Merge adds the statistics of o, which must be of the same types, to s.
func (s *Stats) Merge(o *Stats) {
	if s.sums == nil {
		s.Types = o.Types
		s.sums = make([]pyfloat.ExactSum, len(o.sums))
	}
	s.Items += o.Items
	s.MultiRef += o.MultiRef
	s.Newlines += o.Newlines
	for i := range o.sums {
		s.sums[i].Merge(o.sums[i])
	}
}

// Mean returns the plain mean of every type's precision, recall and F-measure over the
// items, each correctly rounded, in the order of Types. With no items every mean is 0.
func (s *Stats) Mean() []Score {
	out := make([]Score, len(s.Types))
	if s.Items == 0 {
		return out
	}
	for k := range out {
		out[k] = Score{
			Precision: s.sums[3*k].Mean(s.Items),
			Recall:    s.sums[3*k+1].Mean(s.Items),
			FMeasure:  s.sums[3*k+2].Mean(s.Items),
		}
	}
	return out
}
