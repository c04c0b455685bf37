package rouge

import (
	"fmt"
	"slices"

	"github.com/sophia-ai/sophia-eval/internal/nprand"
	"github.com/sophia-ai/sophia-eval/internal/pyfloat"
)

// BootstrapConfig configures Bootstrap. The zero value is rouge-score's
// BootstrapAggregator() with seed 0.
type BootstrapConfig struct {
	// Samples is the number of bootstrap resamples. Default (when 0): 1000.
	Samples int
	// Confidence is the confidence level of the interval, in [0, 1]. Default (when
	// 0 and Samples is 0 too): 0.95. Set Samples to ask for a confidence of 0.
	Confidence float64
	// Seed seeds numpy's legacy global random stream (np.random.seed) before the
	// resampling, as a caller of rouge-score would. Default: 0.
	Seed uint32
}

// Interval is rouge-score's AggregateScore: the low, mid and high percentiles of the
// bootstrap means, per measure. Mid is a median, not the mean, and the three
// measures are taken independently (Low.FMeasure is not fmeasure of Low.Precision
// and Low.Recall).
type Interval struct {
	Low, Mid, High Score
}

// Bootstrap reproduces rouge-score's BootstrapAggregator on the items' scores:
// for each type in order, Samples times, draw len(items) items with replacement
// from numpy's legacy random stream (all types draw from the one stream, as in
// rouge-score, so a type's interval depends on the types before it), average each
// measure over the drawn items in draw order, and take numpy's linear percentiles of
// the means at (1−confidence)/2, 1/2 and 1−(1−confidence)/2. The result equals
// rouge-score's, bit for bit, after np.random.seed(Seed).
func Bootstrap(items *Items, c BootstrapConfig) ([]Interval, error) {
	if c.Samples == 0 && c.Confidence == 0 {
		c.Confidence = 0.95
	}
	if c.Samples == 0 {
		c.Samples = 1000
	}
	if c.Samples < 0 {
		return nil, fmt.Errorf("%w: n_samples must be positive, got %d", ErrConfig, c.Samples)
	}
	if !(c.Confidence >= 0 && c.Confidence <= 1) {
		return nil, fmt.Errorf("%w: confidence_interval must be in range [0, 1], got %v", ErrConfig, c.Confidence)
	}
	n := items.Len()
	if n == 0 {
		return nil, fmt.Errorf("%w: no items to resample", ErrConfig)
	}
	T := len(items.Types)
	rng := nprand.NewRandomState(c.Seed)
	idx := make([]int, n)
	means := make([][]float64, 3) // per measure, one mean per resample
	for m := range means {
		means[m] = make([]float64, c.Samples)
	}
	q := pyfloat.ConfidenceQ(c.Confidence) // rouge-score's percentiles, as it computes them
	out := make([]Interval, T)
	for k := range T {
		for s := range c.Samples {
			rng.FillChoice(n, idx)
			var sum [3]float64
			for _, i := range idx {
				v := items.Values[(i*T+k)*3 : (i*T+k)*3+3]
				sum[0] += v[0]
				sum[1] += v[1]
				sum[2] += v[2]
			}
			for m := range 3 {
				means[m][s] = sum[m] / float64(n)
			}
		}
		var pct [3][3]float64 // [bound][measure]
		for m := range 3 {
			slices.Sort(means[m])
			for b := range 3 {
				pct[b][m] = pyfloat.Percentile(means[m], q[b])
			}
		}
		out[k] = Interval{
			Low:  Score{pct[0][0], pct[0][1], pct[0][2]},
			Mid:  Score{pct[1][0], pct[1][1], pct[1][2]},
			High: Score{pct[2][0], pct[2][1], pct[2][2]},
		}
	}
	return out, nil
}
