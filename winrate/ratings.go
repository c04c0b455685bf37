package winrate

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/sophia-ai/sophia-eval/internal/pyfloat"
	"github.com/sophia-ai/sophia-eval/internal/shard"
)

// ErrDisconnected reports battles whose models do not all connect through
// comparisons, so their ratings have no common scale.
var ErrDisconnected = errors.New("winrate: models are not connected by battles")

// RatingConfig sets up Bradley-Terry ratings. The zero value gives FastChat's
// scale (400, base 10, initial rating 1000), no anchor, and 100 bootstrap rounds
// with 95 % percentile intervals.
type RatingConfig struct {
	// Scale, Base and Init map the fitted strengths to ratings: P(a beats b) =
	// 1 / (1 + Base^((R_b - R_a)/Scale)), and the ratings average Init before any
	// anchoring. Default: 400, 10, 1000.
	Scale, Base, Init float64
	// Anchor, when set and rated, shifts every rating so that Anchor's is
	// AnchorRating (FastChat: mixtral-8x7b-instruct-v0.1 at 1114; Arena-Hard v0.1:
	// gpt-4-0314 at 1000). Default: no anchor.
	Anchor string
	// AnchorRating is the anchor's rating. Default: Init.
	AnchorRating float64
	// Rounds is the number of bootstrap rounds; negative means none.
	// Default: 100.
	Rounds int
	// Confidence is the level of the percentile intervals. Default: 0.95.
	Confidence float64
	// Seed seeds the bootstrap's random streams, one per round. Default: 0.
	Seed uint64
	// Workers is the number of goroutines of the bootstrap rounds: 0 =
	// GOMAXPROCS; 1 = runs on the caller's goroutine, starts none. The ratings
	// do not depend on it. Default: 0.
	Workers int
}

func (c RatingConfig) withDefaults() (RatingConfig, error) {
	if c.Scale == 0 {
		c.Scale = 400
	}
	if c.Base == 0 {
		c.Base = 10
	}
	if c.Init == 0 {
		c.Init = 1000
	}
	if c.AnchorRating == 0 {
		c.AnchorRating = c.Init
	}
	if c.Rounds == 0 {
		c.Rounds = 100
	}
	if c.Confidence == 0 {
		c.Confidence = 0.95
	}
	switch {
	case !(c.Scale > 0) || math.IsInf(c.Scale, 0):
		return c, fmt.Errorf("%w: scale %v must be positive", ErrConfig, c.Scale)
	case !(c.Base > 1) || math.IsInf(c.Base, 0):
		return c, fmt.Errorf("%w: base %v must be above 1", ErrConfig, c.Base)
	case math.IsNaN(c.Init) || math.IsInf(c.Init, 0) || math.IsNaN(c.AnchorRating) || math.IsInf(c.AnchorRating, 0):
		return c, fmt.Errorf("%w: initial and anchor ratings must be finite", ErrConfig)
	case !(c.Confidence > 0 && c.Confidence < 1):
		return c, fmt.Errorf("%w: confidence %v must be in (0, 1)", ErrConfig, c.Confidence)
	case c.Workers < 0:
		return c, fmt.Errorf("%w: workers %d must be 0 (all cores) or more", ErrConfig, c.Workers)
	}
	return c, nil
}

// Rating is one model's Bradley-Terry rating.
type Rating struct {
	Model string
	// Rating is the maximum-likelihood rating.
	Rating float64
	// Low and High are the bootstrap percentile interval; NaN without bootstrap.
	Low, High float64
	// Rank is 1 + the number of models whose Low exceeds this model's High
	// (FastChat's rank by non-overlapping intervals); by Rating without bootstrap.
	Rank int
	// Battles is the number of battles the model took part in.
	Battles int64
}

// Ratings is the result of [FitRatings].
type Ratings struct {
	// Models are sorted by rating, highest first.
	Models []Rating
	// Converged is false when some rating has no finite maximum-likelihood value
	// (a model, or a group of models, that never lost, or never won, against the
	// others; its rating is then only as large as the fit's stopping point) or
	// when the fit stopped before the gradient vanished.
	Converged bool
	config    RatingConfig
}

// WinRate is the predicted win rate, in percent, of a model rated ra against one
// rated rb: 100 / (1 + Base^((rb - ra)/Scale)) (Arena-Hard v0.1's score).
func (r *Ratings) WinRate(ra, rb float64) float64 {
	return 100 / (1 + math.Pow(r.config.Base, (rb-ra)/r.config.Scale))
}

// Find returns the rating of model, or false.
func (r *Ratings) Find(model string) (Rating, bool) {
	for _, m := range r.Models {
		if m.Model == model {
			return m, true
		}
	}
	return Rating{}, false
}

// battleSet holds battles as distinct (a, b, outcome) triples with counts, so
// memory grows with the number of triples, not of battles.
type battleSet struct {
	models  []string
	battles []int64 // per model
	trip    []triple
	total   float64
}

// triple is a distinct (a, b, y) with its count n.
type triple struct {
	tripleKey
	n float64
}

// Battles accumulates battles for [FitBattles] as counts of distinct (model,
// baseline, outcome) triples, so its memory grows with the number of models and
// outcomes, not of battles: feed it from [Scan] to rate a battle log of any
// length. The zero value is empty. A Battles is not safe for concurrent use.
type Battles struct {
	bs  battleSet
	idx map[string]int32
	at  map[tripleKey]int
}

type tripleKey struct {
	a, b int32
	y    float64
}

// Add adds one battle: c.Model against c.Baseline with c.Outcome from c.Model's
// side. A battle of a model against itself says nothing about ratings and is
// left out. An outcome outside [0, 1] is an error.
func (bt *Battles) Add(c Comparison) error {
	if !validOutcome(c.Outcome) {
		return fmt.Errorf("%w: outcome %v", ErrOutcome, c.Outcome)
	}
	if c.Model == c.Baseline {
		return nil
	}
	if bt.idx == nil {
		bt.idx, bt.at = map[string]int32{}, map[tripleKey]int{}
	}
	bs := &bt.bs
	id := func(m string) int32 {
		i, ok := bt.idx[m]
		if !ok {
			i = int32(len(bs.models))
			bt.idx[m] = i
			bs.models = append(bs.models, m)
			bs.battles = append(bs.battles, 0)
		}
		return i
	}
	k := tripleKey{id(c.Model), id(c.Baseline), c.Outcome}
	j, ok := bt.at[k]
	if !ok {
		j = len(bs.trip)
		bt.at[k] = j
		bs.trip = append(bs.trip, triple{tripleKey: k})
	}
	bs.trip[j].n++
	bs.battles[k.a]++
	bs.battles[k.b]++
	bs.total++
	return nil
}

// Len returns the number of battles added (not counting self-battles).
func (bt *Battles) Len() int64 { return int64(bt.bs.total) }

// Triples returns the number of distinct (model, baseline, outcome) triples.
func (bt *Battles) Triples() int { return len(bt.bs.trip) }

// fit returns the maximum-likelihood strengths theta (P(a beats b) =
// sigmoid(theta_a - theta_b)) for the triples with weights n, by Newton's method
// on the weighted logistic log-likelihood, ties as outcome 0.5. Strengths average
// zero over the models that have battles; the others stay 0, as FastChat's fit
// from zero leaves them.
func fit(models int, trip []triple, n []float64) ([]float64, bool, error) {
	active := make([]int, models) // index among active models, or -1
	weight := make([]float64, models)
	for t, tr := range trip {
		weight[tr.a] += n[t]
		weight[tr.b] += n[t]
	}
	k := 0
	for i := range active {
		active[i] = -1
		if weight[i] > 0 {
			active[i] = k
			k++
		}
	}
	theta := make([]float64, models)
	if k < 2 {
		return theta, true, nil
	}
	if !connected(models, trip, n, k) {
		return nil, false, ErrDisconnected
	}
	var total float64
	for _, w := range n {
		total += w
	}
	g := make([]float64, k)
	h := mat.NewSymDense(k, nil)
	var chol mat.Cholesky
	delta := mat.NewVecDense(k, nil)
	next := make([]float64, models)
	loss := func(th []float64) float64 {
		var l float64
		for t, tr := range trip {
			if n[t] == 0 {
				continue
			}
			d := th[tr.a] - th[tr.b]
			// -[y log σ(d) + (1-y) log σ(-d)] = y·softplus(-d) + (1-y)·softplus(d)
			l += n[t] * (tr.y*softplus(-d) + (1-tr.y)*softplus(d))
		}
		return l
	}
	cur := loss(theta)
	for iter := 0; iter < 100; iter++ {
		clear(g)
		h.Zero()
		for t, tr := range trip {
			if n[t] == 0 {
				continue
			}
			p := sigmoid(theta[tr.a] - theta[tr.b])
			a, b := active[tr.a], active[tr.b]
			r := n[t] * (p - tr.y)
			g[a] += r
			g[b] -= r
			w := n[t] * p * (1 - p)
			h.SetSym(a, a, h.At(a, a)+w)
			h.SetSym(b, b, h.At(b, b)+w)
			h.SetSym(a, b, h.At(a, b)-w)
		}
		gmax := 0.0
		for _, x := range g {
			gmax = math.Max(gmax, math.Abs(x))
		}
		if gmax <= 1e-11*total {
			return theta, true, nil
		}
		// The Hessian is a weighted graph Laplacian, singular along the all-ones
		// direction; adding (1/k)·11ᵀ fixes the mean without changing the step
		// (the gradient sums to zero).
		for i := range k {
			for j := i; j < k; j++ {
				h.SetSym(i, j, h.At(i, j)+1/float64(k))
			}
		}
		if !chol.Factorize(h) || chol.SolveVecTo(delta, mat.NewVecDense(k, g)) != nil {
			return theta, false, nil // numerically singular: a rating diverges
		}
		step := 1.0
		for range 40 {
			for i, a := range active {
				next[i] = theta[i]
				if a >= 0 {
					next[i] -= step * delta.AtVec(a)
				}
			}
			// A little slack: near the optimum the loss changes less than its
			// rounding error, and the full Newton step must still be taken.
			if l := loss(next); l <= cur+1e-12*math.Abs(cur) {
				cur = l
				theta, next = next, theta
				break
			}
			step /= 2
		}
		if step < 1e-12 {
			return theta, false, nil
		}
	}
	return theta, false, nil
}

// connected reports whether the k models with battles form one component.
func connected(models int, trip []triple, n []float64, k int) bool {
	parent := make([]int32, models)
	for i := range parent {
		parent[i] = int32(i)
	}
	var find func(int32) int32
	find = func(i int32) int32 {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	joins := 0
	for t, tr := range trip {
		if n[t] == 0 {
			continue
		}
		if a, b := find(tr.a), find(tr.b); a != b {
			parent[a] = b
			joins++
		}
	}
	return joins == k-1
}

// stronglyConnected reports whether every model can be reached from every other
// along "scored against" edges (a -> b when a won or tied a battle with b): the
// condition for finite maximum-likelihood ratings.
func stronglyConnected(models int, trip []triple) bool {
	fwd := make([][]int32, models)
	rev := make([][]int32, models)
	for _, tr := range trip {
		if tr.n == 0 {
			continue
		}
		if tr.y > 0 {
			fwd[tr.a] = append(fwd[tr.a], tr.b)
			rev[tr.b] = append(rev[tr.b], tr.a)
		}
		if tr.y < 1 {
			fwd[tr.b] = append(fwd[tr.b], tr.a)
			rev[tr.a] = append(rev[tr.a], tr.b)
		}
	}
	reachesAll := func(adj [][]int32) bool {
		seen := make([]bool, models)
		stack := []int32{0}
		seen[0] = true
		count := 1
		for len(stack) > 0 {
			v := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, w := range adj[v] {
				if !seen[w] {
					seen[w] = true
					count++
					stack = append(stack, w)
				}
			}
		}
		return count == models
	}
	return reachesAll(fwd) && reachesAll(rev)
}

func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// softplus is log(1 + e^x) without overflow.
func softplus(x float64) float64 {
	if x > 0 {
		return x + math.Log1p(math.Exp(-x))
	}
	return math.Log1p(math.Exp(x))
}

// toRatings maps strengths to ratings with the scale, base, init and anchor.
func (bs *battleSet) toRatings(theta []float64, c RatingConfig) []float64 {
	r := make([]float64, len(theta))
	f := c.Scale / math.Log(c.Base)
	for i, t := range theta {
		r[i] = c.Init + f*t
	}
	if c.Anchor != "" {
		if i := slices.Index(bs.models, c.Anchor); i >= 0 {
			shift := c.AnchorRating - r[i]
			for j := range r {
				r[j] += shift
			}
		}
	}
	return r
}

// FitRatings fits Bradley-Terry ratings to battles: each comparison is a battle of
// Model against Baseline with Outcome from Model's side, a tie counting half a win
// and half a loss (FastChat's current fit: weighted log-loss over the distinct
// (a, b, outcome) triples, no regularisation, maximised here by Newton's method to
// a vanishing gradient). With bootstrap rounds, each round redraws the counts of
// the triples from a multinomial over all battles (FastChat's method), seeded,
// and refits; Low and High are the percentiles of the rounds' ratings.
func FitRatings(ctx context.Context, cs []Comparison, c RatingConfig) (*Ratings, error) {
	var bt Battles
	for i, cmp := range cs {
		if err := bt.Add(cmp); err != nil {
			return nil, fmt.Errorf("comparison %d: %w", i+1, err)
		}
	}
	return FitBattles(ctx, &bt, c)
}

// FitBattles is [FitRatings] on battles already counted. Its memory and time
// depend on the number of distinct triples and models, not of battles; the
// bootstrap rounds run on RatingConfig.Workers goroutines, each round with its
// own seeded generator, so the result does not depend on the number.
func FitBattles(ctx context.Context, bt *Battles, c RatingConfig) (*Ratings, error) {
	c, err := c.withDefaults()
	if err != nil {
		return nil, err
	}
	bs := &bt.bs
	if len(bs.trip) == 0 {
		return nil, ErrNoData
	}
	n := make([]float64, len(bs.trip))
	for t, tr := range bs.trip {
		n[t] = tr.n
	}
	theta, conv, err := fit(len(bs.models), bs.trip, n)
	if err != nil {
		return nil, err
	}
	conv = conv && stronglyConnected(len(bs.models), bs.trip)
	point := bs.toRatings(theta, c)
	out := &Ratings{Converged: conv, config: c, Models: make([]Rating, len(bs.models))}
	for i, m := range bs.models {
		out.Models[i] = Rating{Model: m, Rating: point[i], Low: math.NaN(), High: math.NaN(), Battles: bs.battles[i]}
	}
	if c.Rounds > 0 {
		models := len(bs.models)
		all := make([]float64, c.Rounds*models) // round b's ratings at b*models
		draws := make([][]float64, shard.Workers(c.Workers))
		err := parallelRounds(ctx, c.Workers, c.Rounds, 1, c.Seed, func(w, round int, g *xoshiro) error {
			if draws[w] == nil {
				draws[w] = make([]float64, len(n))
			}
			draw := draws[w]
			left, leftN := bs.total, bs.total
			for t := range n {
				var x float64
				switch {
				case t == len(n)-1 || n[t] >= leftN:
					x = left
				case left > 0:
					x = distuv.Binomial{N: left, P: n[t] / leftN, Src: g}.Rand()
				}
				draw[t] = x
				left -= x
				leftN -= n[t]
			}
			th, _, err := fit(models, bs.trip, draw)
			if err != nil {
				return fmt.Errorf("bootstrap round %d: %w", round+1, err)
			}
			copy(all[round*models:], bs.toRatings(th, c))
			return nil
		})
		if err != nil {
			return nil, err
		}
		samples := make([][]float64, models)
		for i := range samples {
			samples[i] = make([]float64, c.Rounds)
			for round := range c.Rounds {
				samples[i][round] = all[round*models+i]
			}
		}
		lo, hi := 100*(1-c.Confidence)/2, 100*(1+c.Confidence)/2
		for i := range out.Models {
			slices.Sort(samples[i])
			out.Models[i].Low = pyfloat.Percentile(samples[i], lo)
			out.Models[i].High = pyfloat.Percentile(samples[i], hi)
		}
	}
	slices.SortStableFunc(out.Models, func(a, b Rating) int { return cmp.Compare(b.Rating, a.Rating) })
	for i := range out.Models {
		rank := 1
		for j := range out.Models {
			if c.Rounds > 0 {
				if out.Models[j].Low > out.Models[i].High {
					rank++
				}
			} else if out.Models[j].Rating > out.Models[i].Rating {
				rank++
			}
		}
		out.Models[i].Rank = rank
	}
	return out, nil
}
