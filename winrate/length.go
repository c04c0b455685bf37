package winrate

import (
	"context"
	"errors"
	"fmt"
	"math"
)

// ErrNoLengths reports comparisons without output lengths, which length control
// needs.
var ErrNoLengths = errors.New("winrate: comparison without output lengths")

// GamedRow is one regularisation row of AlpacaEval's length-controlled GLM: an
// annotation of a gamed (verbose or concise) variant of the baseline against the
// baseline, with its features already computed.
type GamedRow struct {
	// StdDeltaLen is the standardised length difference (baseline minus gamed
	// variant, divided by its standard deviation).
	StdDeltaLen float64
	// Difficulty is the instruction's difficulty.
	Difficulty float64
	// Outcome is the gamed variant's outcome in [0, 1].
	Outcome float64
}

// LengthConfig sets up the length-controlled win rate. The zero value is
// AlpacaEval's length_controlled_minimal: no instruction difficulty and no
// regularisation rows, so it works on any comparisons that carry lengths.
type LengthConfig struct {
	// Difficulty maps Comparison.Item to the instruction's difficulty (AlpacaEval's
	// instruction_difficulty.csv); every item must have one. Default: nil, which
	// leaves the term out.
	Difficulty map[string]float64
	// Gamed are the regularisation rows (AlpacaEval's df_gamed.csv), weighted
	// Lambda/2 each. Default: none.
	Gamed []GamedRow
	// Lambda is the weight of the regularisation rows, shared by the two gamed
	// variants. Default: 0.2.
	Lambda float64
	// Folds is the number of cross-validation folds. Default: 5.
	Folds int
	// Cs are the inverse L1 penalties tried. Default: 10 values log-spaced from
	// 1e-4 to 1e4 (scikit-learn's LogisticRegressionCV).
	Cs []float64
}

// LengthResult is a length-controlled win rate.
type LengthResult struct {
	// WinRate is 100 · the mean predicted preference at equal length; in percent.
	WinRate float64
	// StandardError is 100 · the standard error (ddof 1) of those predictions.
	StandardError float64
	// Length, Difficulty and NotGamed are the fitted coefficients of
	// tanh(std_delta_len), instruction_difficulty and not_gamed_baseline.
	Length, Difficulty, NotGamed float64
	// C is the inverse penalty chosen by cross-validation.
	C float64
}

// LengthControlled computes AlpacaEval's length-controlled win rate of a model
// against a baseline from their comparisons (each with ModelLen and BaselineLen):
// a logistic regression without intercept of the outcome (a soft label) on
// tanh(std_delta_len), where delta_len = baseline length - model length divided by
// its sample standard deviation, the instruction difficulty (when given) and
// not_gamed_baseline (1 for the model's rows, 0 for the gamed rows), with an L1
// penalty chosen by cross-validation on the weighted soft-label log loss; then
// 100 · the mean prediction with the length term at 0. The baseline against
// itself is 50.
//
// Checked against AlpacaEval's own code (length_controlled_v1 and _minimal, on
// real annotations with synthetic difficulties and gamed rows): given the same
// folds, the cross-validation losses, the chosen C, the coefficients and the win
// rate agree with liblinear run to tol 1e-10, the win rate to 1e-7 points. Two
// things differ by design. The penalised likelihood is minimised to convergence,
// where AlpacaEval stops liblinear at tol 1e-4; for the same C that moves its win
// rate by up to 0.001 points (v1) or 0.13 points (minimal, whose two columns
// are nearly collinear), and because the cross-validation losses of
// neighbouring Cs are often closer than that tolerance it can also change its
// choice of C (up to 0.26 points seen). And row i falls in fold i mod Folds:
// scikit-learn's GroupKFold assignment of equal-sized groups follows numpy's
// unstable argsort, so it is not a fixed rule; the fold choice alone changed C
// and moved the win rate by up to 0.10 points (v1) and 0.82 points (minimal).
func LengthControlled(ctx context.Context, cs []Comparison, c LengthConfig) (LengthResult, error) {
	r, _, err := lengthControlled(ctx, cs, c, nil)
	return r, err
}

// lengthControlled is LengthControlled with the cross-validation folds given:
// fold[i] is the fold of training row i (the gamed rows first, then cs), nil
// for i mod Folds. It also returns the cross-validation loss of each C.
func lengthControlled(ctx context.Context, cs []Comparison, c LengthConfig, fold []int) (LengthResult, []float64, error) {
	if len(cs) == 0 {
		return LengthResult{}, nil, ErrNoData
	}
	if c.Lambda == 0 {
		c.Lambda = 0.2
	}
	if c.Folds == 0 {
		c.Folds = 5
	}
	if c.Cs == nil {
		c.Cs = make([]float64, 10)
		for i := range c.Cs {
			c.Cs[i] = math.Pow(10, -4+8*float64(i)/9)
		}
	}
	if c.Folds < 2 || !(c.Lambda > 0) || len(c.Cs) == 0 {
		return LengthResult{}, nil, fmt.Errorf("%w: length control needs 2 or more folds, a positive lambda and some Cs", ErrConfig)
	}
	for _, x := range c.Cs {
		if !(x > 0) || math.IsInf(x, 0) {
			return LengthResult{}, nil, fmt.Errorf("%w: C %v must be positive and finite", ErrConfig, x)
		}
	}
	model, base := cs[0].Model, cs[0].Baseline
	for i, x := range cs {
		if x.Model != model || x.Baseline != base {
			return LengthResult{}, nil, fmt.Errorf("%w: comparison %d is %s against %s, not %s against %s", ErrConfig, i+1, x.Model, x.Baseline, model, base)
		}
		if x.ModelLen < 0 || x.BaselineLen < 0 {
			return LengthResult{}, nil, fmt.Errorf("%w: comparison %d", ErrNoLengths, i+1)
		}
		if !validOutcome(x.Outcome) {
			return LengthResult{}, nil, fmt.Errorf("%w: comparison %d: outcome %v", ErrOutcome, i+1, x.Outcome)
		}
	}
	if model == base {
		return LengthResult{WinRate: 50, StandardError: 0, C: math.NaN()}, nil, nil
	}

	// Design: columns tanh(std_delta_len), [difficulty], not_gamed_baseline.
	useD := c.Difficulty != nil
	p := 2
	if useD {
		p = 3
	}
	var rows glmRows
	rows.p = p
	addRow := func(z, d, ng, q, w float64) {
		rows.x = append(rows.x, math.Tanh(z))
		if useD {
			rows.x = append(rows.x, d)
		}
		rows.x = append(rows.x, ng)
		rows.q = append(rows.q, q)
		rows.w = append(rows.w, w)
	}
	for _, g := range c.Gamed {
		if !validOutcome(g.Outcome) || math.IsNaN(g.StdDeltaLen) || math.IsNaN(g.Difficulty) {
			return LengthResult{}, nil, fmt.Errorf("%w: invalid gamed row", ErrConfig)
		}
		addRow(g.StdDeltaLen, g.Difficulty, 0, g.Outcome, c.Lambda/2)
	}
	delta := make([]float64, len(cs))
	var mean float64
	for i, x := range cs {
		delta[i] = float64(x.BaselineLen - x.ModelLen)
		mean += delta[i]
	}
	mean /= float64(len(delta))
	var ss float64
	for _, d := range delta {
		ss += (d - mean) * (d - mean)
	}
	sd := math.Sqrt(ss / float64(len(delta)-1))
	diff := make([]float64, len(cs))
	for i, x := range cs {
		z := 0.0
		if sd > 0 {
			z = delta[i] / sd
		}
		if useD {
			d, ok := c.Difficulty[x.Item]
			if !ok {
				return LengthResult{}, nil, fmt.Errorf("%w: no difficulty for item %q", ErrConfig, x.Item)
			}
			diff[i] = d
		}
		addRow(z, diff[i], 1, x.Outcome, 1)
	}

	// Cross-validation: the mean over folds of the held-out weighted log loss.
	n := len(rows.q)
	if fold == nil {
		fold = make([]int, n)
		for i := range fold {
			fold[i] = i % c.Folds
		}
	} else if len(fold) != n {
		return LengthResult{}, nil, fmt.Errorf("%w: %d fold labels for %d rows", ErrConfig, len(fold), n)
	}
	best, bestScore := 0, math.Inf(1)
	scores := make([]float64, len(c.Cs))
	train := make([]bool, n)
	for k, C := range c.Cs {
		if err := ctx.Err(); err != nil {
			return LengthResult{}, nil, err
		}
		var score float64
		for f := range c.Folds {
			for i := range train {
				train[i] = fold[i] != f
			}
			w := rows.fit(C, train)
			var loss float64
			var m int
			for i := range n {
				if train[i] {
					continue
				}
				loss += rows.w[i] * rows.logLoss(i, w)
				m++
			}
			if m > 0 {
				score += loss / float64(m)
			}
		}
		score /= float64(c.Folds)
		scores[k] = score
		if score < bestScore {
			best, bestScore = k, score
		}
	}
	for i := range train {
		train[i] = true
	}
	w := rows.fit(c.Cs[best], train)
	res := LengthResult{C: c.Cs[best], Length: w[0], NotGamed: w[p-1]}
	if useD {
		res.Difficulty = w[1]
	}
	// Two passes, as pandas' sem, around the first prediction, so that equal
	// predictions give exactly 0.
	pred := make([]float64, len(cs))
	for i := range cs {
		pred[i] = sigmoid(res.Difficulty*diff[i] + res.NotGamed)
	}
	var shift float64
	for _, v := range pred {
		shift += v - pred[0]
	}
	m := pred[0] + shift/float64(len(pred))
	var dev float64
	for _, v := range pred {
		dev += (v - m) * (v - m)
	}
	res.WinRate = 100 * m
	res.StandardError = math.NaN()
	if len(pred) > 1 {
		res.StandardError = 100 * math.Sqrt(dev/float64(len(pred)-1)) / math.Sqrt(float64(len(pred)))
	}
	return res, scores, nil
}

// glmRows is a design matrix with soft labels and sample weights.
type glmRows struct {
	p       int
	x, q, w []float64 // x row-major, n × p
}

func (r *glmRows) dot(i int, w []float64) float64 {
	var s float64
	for j, v := range r.x[i*r.p : (i+1)*r.p] {
		s += v * w[j]
	}
	return s
}

// logLoss is the soft-label log loss of row i, predictions clipped to
// [1e-15, 1 - 1e-15] as AlpacaEval's scorer does.
func (r *glmRows) logLoss(i int, w []float64) float64 {
	pr := min(max(sigmoid(r.dot(i, w)), 1e-15), 1-1e-15)
	return -(r.q[i]*math.Log(pr) + (1-r.q[i])*math.Log(1-pr))
}

// objective is ||w||_1 + C Σ w_i · (q_i softplus(-x_i·w) + (1-q_i) softplus(x_i·w)),
// liblinear's L1-regularised logistic regression with the soft labels of the
// duplicated rows folded into one term per row.
func (r *glmRows) objective(C float64, w []float64, use []bool) float64 {
	var l float64
	for i := range r.q {
		if use[i] {
			d := r.dot(i, w)
			l += r.w[i] * (r.q[i]*softplus(-d) + (1-r.q[i])*softplus(d))
		}
	}
	var l1 float64
	for _, v := range w {
		l1 += math.Abs(v)
	}
	return l1 + C*l
}

// fit minimises the objective over the rows in use by proximal Newton steps,
// the method of liblinear's L1 solver (newGLMNET): at w, the smooth part is
// replaced by its second-order expansion, the penalised quadratic is minimised
// by cyclic coordinate descent (p is 2 or 3, so this is cheap and exact), and
// the step is halved until the objective does not rise. Unlike coordinate
// descent on the objective itself, this converges fast when the columns are
// nearly collinear, as tanh(std_delta_len) and the constant often are, and it
// runs to a step below 1e-13 rather than to liblinear's tolerance.
func (r *glmRows) fit(C float64, use []bool) []float64 {
	p := r.p
	w := make([]float64, p)
	cur := r.objective(C, w, use)
	g := make([]float64, p)
	h := make([]float64, p*p)
	d := make([]float64, p)
	trial := make([]float64, p)
	for range 100 {
		clear(g)
		clear(h)
		for i := range r.q {
			if !use[i] {
				continue
			}
			row := r.x[i*p : (i+1)*p]
			pr := sigmoid(r.dot(i, w))
			e, s := r.w[i]*(pr-r.q[i]), r.w[i]*pr*(1-pr)
			for j, xj := range row {
				g[j] += e * xj
				for k, xk := range row {
					h[j*p+k] += s * xj * xk
				}
			}
		}
		for j := range g {
			g[j] *= C
		}
		for j := range h {
			h[j] *= C
		}
		// min over d of g·d + dᵀHd/2 + ||w + d||_1.
		clear(d)
		for range 10000 {
			maxStep := 0.0
			for j := range p {
				hjj := h[j*p+j]
				if !(hjj > 0) {
					continue
				}
				grad := g[j]
				for k := range p {
					grad += h[j*p+k] * d[k]
				}
				next := softThreshold(w[j]+d[j]-grad/hjj, 1/hjj) - w[j]
				maxStep = math.Max(maxStep, math.Abs(next-d[j]))
				d[j] = next
			}
			if maxStep <= 1e-16*(1+maxAbs(d)) {
				break
			}
		}
		step := 1.0
		accepted := false
		for range 60 {
			for j := range p {
				trial[j] = w[j] + step*d[j]
			}
			if o := r.objective(C, trial, use); o <= cur {
				cur = o
				accepted = true
				break
			}
			step /= 2
		}
		if !accepted {
			break
		}
		moved := step * maxAbs(d)
		copy(w, trial)
		if moved < 1e-13 {
			break
		}
	}
	return w
}

func maxAbs(v []float64) float64 {
	var m float64
	for _, x := range v {
		m = math.Max(m, math.Abs(x))
	}
	return m
}

func softThreshold(x, t float64) float64 {
	switch {
	case x > t:
		return x - t
	case x < -t:
		return x + t
	}
	return 0
}
