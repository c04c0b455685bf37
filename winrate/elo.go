package winrate

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// EloConfig sets up online Elo. The zero value gives FastChat's compute_elo:
// K 4, scale 400, base 10, initial rating 1000.
type EloConfig struct {
	// K is the update step. Default: 4.
	K float64
	// Scale, Base and Init are as in [RatingConfig]. Default: 400, 10, 1000.
	Scale, Base, Init float64
}

// OnlineElo runs the online Elo update over the comparisons in order, as
// FastChat's compute_elo: for a battle of a against b with score s for a,
// E_a = 1 / (1 + Base^((R_b - R_a)/Scale)), E_b = 1 / (1 + Base^((R_a - R_b)/Scale)),
// then R_a += K (s - E_a) and R_b += K (1 - s - E_b). The result depends on the
// order of the battles. Models are sorted by rating, highest first; Low and High
// are NaN and Rank is by rating.
func OnlineElo(cs []Comparison, c EloConfig) ([]Rating, error) {
	if c.K == 0 {
		c.K = 4
	}
	if c.Scale == 0 {
		c.Scale = 400
	}
	if c.Base == 0 {
		c.Base = 10
	}
	if c.Init == 0 {
		c.Init = 1000
	}
	if !(c.K > 0) || !(c.Scale > 0) || !(c.Base > 1) || math.IsInf(c.K+c.Scale+c.Base+c.Init, 0) || math.IsNaN(c.Init) {
		return nil, fmt.Errorf("%w: online Elo needs K > 0, scale > 0, base > 1 and finite values", ErrConfig)
	}
	if len(cs) == 0 {
		return nil, ErrNoData
	}
	idx := map[string]int{}
	var out []Rating
	id := func(m string) int {
		i, ok := idx[m]
		if !ok {
			i = len(out)
			idx[m] = i
			out = append(out, Rating{Model: m, Rating: c.Init, Low: math.NaN(), High: math.NaN()})
		}
		return i
	}
	for i, x := range cs {
		if !validOutcome(x.Outcome) {
			return nil, fmt.Errorf("%w: comparison %d: outcome %v", ErrOutcome, i+1, x.Outcome)
		}
		a, b := id(x.Model), id(x.Baseline)
		ra, rb := out[a].Rating, out[b].Rating
		ea := 1 / (1 + math.Pow(c.Base, (rb-ra)/c.Scale))
		eb := 1 / (1 + math.Pow(c.Base, (ra-rb)/c.Scale))
		out[a].Rating += c.K * (x.Outcome - ea)
		out[b].Rating += c.K * (1 - x.Outcome - eb)
		out[a].Battles++
		out[b].Battles++
	}
	slices.SortStableFunc(out, func(p, q Rating) int { return cmp.Compare(q.Rating, p.Rating) })
	for i := range out {
		out[i].Rank = 1
		for j := range out {
			if out[j].Rating > out[i].Rating {
				out[i].Rank++
			}
		}
	}
	return out, nil
}
