package pyfloat_test

import (
	"fmt"
	"math"

	"github.com/sophia-ai/sophia-eval/internal/pyfloat"
)

// sacreBLEU prints a score with f"{score:.1f}" and stores it in its JSON
// output as json.dumps(float(f"{score:.1f}")).
func Example() {
	// f-strings round the exact binary value: 37.45 is stored as
	// 37.4500000000000028..., 0.125 is exact and its tie goes to even.
	fmt.Println(pyfloat.FormatFixed(37.45, 1), pyfloat.FormatFixed(0.125, 2), pyfloat.FormatFixed(-0.001, 2))
	fmt.Println(pyfloat.JSON(pyfloat.RoundFixed(37.45, 1)))

	// Python spells floats differently from Go's encoding/json.
	fmt.Println(pyfloat.JSON(100), pyfloat.JSON(0), pyfloat.JSON(1e-5), pyfloat.JSON(1e16), pyfloat.JSON(math.Inf(1)))

	// np.mean sums in floating point; statistics.mean is exact.
	scores := []float64{0.1, 0.1, 0.1}
	fmt.Println(pyfloat.Repr(pyfloat.NumpyMean(scores)), pyfloat.Repr(pyfloat.StatisticsMean(scores)))
	// Output:
	// 37.5 0.12 -0.00
	// 37.5
	// 100.0 0.0 1e-05 1e+16 Infinity
	// 0.10000000000000002 0.1
}
