package pyfloat_test

import (
	"fmt"
	"slices"

	"github.com/sophia-ai/sophia-eval/internal/pyfloat"
)

// Exact sums of shards merge into the same correctly rounded mean as
// statistics.mean of all the values, whatever the grouping.
func ExampleExactSum() {
	scores := []float64{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7}
	var a, b pyfloat.ExactSum
	for _, x := range scores[:3] {
		a.Add(x)
	}
	for _, x := range scores[3:] {
		b.Add(x)
	}
	a.Merge(b)
	fmt.Println(a.Mean(int64(len(scores))), pyfloat.StatisticsMean(scores), pyfloat.NumpyMean(scores))
	fmt.Println(a.Float64())
	// Output:
	// 0.4 0.4 0.39999999999999997
	// 2.8
}

// rouge-score's BootstrapAggregator reports np.percentile of the bootstrap
// means at q = 100·[(1-ci)/2, 0.5, 1-(1-ci)/2] as low, mid and high. In
// float64, 100·(1-0.95)/2 is not 2.5.
func ExamplePercentile() {
	means := []float64{0.42, 0.40, 0.47, 0.44, 0.41, 0.45, 0.43, 0.46, 0.39, 0.48}
	slices.Sort(means)
	q := pyfloat.ConfidenceQ(0.95)
	fmt.Println(q)
	for _, x := range q {
		fmt.Println(pyfloat.Percentile(means, x))
	}
	// Output:
	// [2.500000000000002 50 97.5]
	// 0.39225000000000004
	// 0.435
	// 0.47775
}
