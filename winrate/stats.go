package winrate

import (
	"math"

	"github.com/sophia-ai/sophia-eval/internal/pyfloat"
)

// Stats are the sufficient statistics of one model against one baseline: counts
// and exact sums of the outcomes. The zero value is empty. Stats of disjoint parts
// of the comparisons combine with Merge in any order and grouping, and every
// figure of [Scorer.Score] depends only on the merged Stats. A Stats is not safe
// for concurrent use.
type Stats struct {
	// N is the number of outcomes.
	N int64
	// Wins, Losses and Ties count outcomes above, below and exactly at 0.5
	// (AlpacaEval's n_wins, n_wins_base and n_draws).
	Wins, Losses, Ties int64

	sum, sumSq pyfloat.ExactSum
}

// Add adds one outcome, which must be in [0, 1] (the readers guarantee it).
func (s *Stats) Add(outcome float64) {
	s.N++
	switch {
	case outcome > 0.5:
		s.Wins++
	case outcome < 0.5:
		s.Losses++
	default:
		s.Ties++
	}
	s.sum.Add(outcome)
	s.sumSq.Add(outcome * outcome)
}

// Merge adds the outcomes counted in o to s.
func (s *Stats) Merge(o Stats) {
	s.N += o.N
	s.Wins += o.Wins
	s.Losses += o.Losses
	s.Ties += o.Ties
	s.sum.Merge(o.sum)
	s.sumSq.Merge(o.sumSq)
}

// StatsOf returns the Stats of the outcomes of cs.
func StatsOf(cs []Comparison) Stats {
	var s Stats
	for _, c := range cs {
		s.Add(c.Outcome)
	}
	return s
}

// Mean is the mean outcome, correctly rounded; NaN when empty.
func (s *Stats) Mean() float64 { return s.sum.Mean(s.N) }

// variance is the sample variance (ddof 1) of the outcomes; NaN for fewer than two.
func (s *Stats) variance() float64 {
	if s.N < 2 {
		return math.NaN()
	}
	n := float64(s.N)
	sum := s.sum.Float64()
	ss := s.sumSq.Float64() - sum*sum/n
	if ss < 0 {
		ss = 0
	}
	return ss / (n - 1)
}
