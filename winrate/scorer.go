package winrate

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// Config sets the confidence level and the bootstrap. The zero value gives 95 %
// intervals and no bootstrap.
type Config struct {
	// Confidence is the level of every interval, in (0, 1). Default: 0.95.
	Confidence float64
	// Bootstrap is the number of resamples of [Scorer.Bootstrap]. Default: 1000.
	Bootstrap int
	// Seed seeds the bootstrap's random streams. Default: 0.
	Seed uint64
	// Workers is the number of goroutines of [Scorer.Bootstrap]: 0 = GOMAXPROCS;
	// 1 = runs on the caller's goroutine, starts none. The interval does not
	// depend on it. Default: 0.
	Workers int
}

// Scorer computes head-to-head figures with one Config. It is safe for concurrent
// use.
type Scorer struct {
	c Config
	z float64
}

// New returns a Scorer for c.
func New(c Config) (*Scorer, error) {
	if c.Confidence == 0 {
		c.Confidence = 0.95
	}
	if !(c.Confidence > 0 && c.Confidence < 1) {
		return nil, fmt.Errorf("%w: confidence %v must be in (0, 1)", ErrConfig, c.Confidence)
	}
	if c.Bootstrap == 0 {
		c.Bootstrap = 1000
	}
	if c.Workers < 0 {
		return nil, fmt.Errorf("%w: workers %d must be 0 (all cores) or more", ErrConfig, c.Workers)
	}
	if c.Bootstrap < 0 {
		return nil, fmt.Errorf("%w: bootstrap %d must be positive", ErrConfig, c.Bootstrap)
	}
	z := distuv.UnitNormal.Quantile(0.5 + c.Confidence/2)
	return &Scorer{c: c, z: z}, nil
}

// Config returns the Scorer's configuration with defaults filled in.
func (sc *Scorer) Config() Config { return sc.c }

// Interval is a confidence interval, in percent.
type Interval struct {
	Low, High float64
}

// Test is the result of a significance test.
type Test struct {
	// Statistic is the test statistic (the number of wins for the sign test, t for
	// the t-test).
	Statistic float64
	// P is the two-sided p-value; NaN when the test is undefined.
	P float64
}

// Score holds the head-to-head figures of one model against one baseline. Rates
// and intervals are in percent, as AlpacaEval reports them.
type Score struct {
	// WinRate is 100 · mean outcome (AlpacaEval's win_rate): a draw counts half, a
	// continuous preference its probability.
	WinRate float64
	// StandardError is 100 · s/√n with the sample standard deviation s (ddof 1),
	// pandas' sem() (AlpacaEval's standard_error); NaN for n < 2.
	StandardError float64
	// DiscreteWinRate is 100 · (n_wins + n_draws/2) / n_total: every outcome
	// rounded to a win, loss or draw (AlpacaEval's discrete_win_rate).
	DiscreteWinRate float64
	// NWins, NWinsBase, NDraws and NTotal are AlpacaEval's counts: outcomes above,
	// below and at 0.5, and all of them.
	NWins, NWinsBase, NDraws, NTotal int64
	// Confidence is the level of the intervals.
	Confidence float64
	// Normal is WinRate ± z · StandardError.
	Normal Interval
	// Wilson and ClopperPearson are the score and exact binomial intervals of the
	// discrete win rate, with k = n_wins + n_draws/2 successes in n_total (draws as
	// half a success, which is not strictly binomial).
	Wilson, ClopperPearson Interval
	// SignTest is the exact two-sided binomial test of wins against losses, draws
	// left out: P = min(1, 2 · P(X ≤ min(W, L))), X ~ Bin(W + L, 1/2).
	SignTest Test
	// PairedT is the one-sample t-test of the outcomes against 0.5 (n - 1 degrees
	// of freedom), the paired test for continuous preferences.
	PairedT Test
}

// Score computes the head-to-head figures of s. It returns NaN rates for empty
// Stats.
func (sc *Scorer) Score(s Stats) Score {
	r := Score{
		NWins: s.Wins, NWinsBase: s.Losses, NDraws: s.Ties, NTotal: s.N,
		Confidence: sc.c.Confidence,
	}
	n := float64(s.N)
	mean := s.Mean()
	r.WinRate = 100 * mean
	sd := math.Sqrt(s.variance())
	r.StandardError = 100 * sd / math.Sqrt(n)
	k := float64(s.Wins) + float64(s.Ties)/2
	r.DiscreteWinRate = 100 * k / n
	r.Normal = Interval{r.WinRate - sc.z*r.StandardError, r.WinRate + sc.z*r.StandardError}
	r.Wilson = scale(Wilson(k, n, sc.c.Confidence))
	r.ClopperPearson = scale(ClopperPearson(k, n, sc.c.Confidence))
	r.SignTest = SignTest(s.Wins, s.Losses)
	r.PairedT = tTest(mean, sd, n)
	return r
}

func scale(lo, hi float64) Interval { return Interval{100 * lo, 100 * hi} }

// Wilson returns the Wilson score interval of a proportion of k successes in n
// trials at the given confidence level, as fractions. k may be fractional. Both
// bounds are NaN for n = 0.
func Wilson(k, n, confidence float64) (lo, hi float64) {
	if !(n > 0) {
		return math.NaN(), math.NaN()
	}
	z := distuv.UnitNormal.Quantile(0.5 + confidence/2)
	p := k / n
	z2 := z * z
	den := 1 + z2/n
	centre := (p + z2/(2*n)) / den
	half := z / den * math.Sqrt(p*(1-p)/n+z2/(4*n*n))
	return math.Max(0, centre-half), math.Min(1, centre+half)
}

// ClopperPearson returns the exact (Clopper-Pearson) interval of a proportion of k
// successes in n trials, as fractions: the alpha/2 quantile of Beta(k, n-k+1) and
// the 1-alpha/2 quantile of Beta(k+1, n-k), 0 and 1 at the edges. k may be
// fractional. Both bounds are NaN for n = 0.
func ClopperPearson(k, n, confidence float64) (lo, hi float64) {
	if !(n > 0) {
		return math.NaN(), math.NaN()
	}
	alpha := 1 - confidence
	lo, hi = 0, 1
	if k > 0 {
		lo = distuv.Beta{Alpha: k, Beta: n - k + 1}.Quantile(alpha / 2)
	}
	if k < n {
		hi = distuv.Beta{Alpha: k + 1, Beta: n - k}.Quantile(1 - alpha/2)
	}
	return lo, hi
}

// SignTest is the exact two-sided sign test of wins against losses (draws left
// out): P = min(1, 2 · P(X ≤ min(wins, losses))) with X ~ Bin(wins + losses, 1/2).
// P is 1 when there are neither wins nor losses.
func SignTest(wins, losses int64) Test {
	t := Test{Statistic: float64(wins), P: 1}
	m := wins + losses
	if m == 0 {
		return t
	}
	b := distuv.Binomial{N: float64(m), P: 0.5}
	t.P = math.Min(1, 2*b.CDF(float64(min(wins, losses))))
	return t
}

// tTest is the two-sided one-sample t-test of a mean against 0.5.
func tTest(mean, sd, n float64) Test {
	if !(n >= 2) || math.IsNaN(sd) {
		return Test{Statistic: math.NaN(), P: math.NaN()}
	}
	d := mean - 0.5
	if sd == 0 {
		if d == 0 {
			return Test{Statistic: math.NaN(), P: math.NaN()}
		}
		return Test{Statistic: math.Copysign(math.Inf(1), d), P: 0}
	}
	t := d / (sd / math.Sqrt(n))
	st := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: n - 1}
	return Test{Statistic: t, P: math.Min(1, 2*st.CDF(-math.Abs(t)))}
}
