package crmath_test

import (
	"fmt"

	"github.com/sophia-ai/sophia-eval/internal/crmath"
)

// sacreBLEU's geometric mean of the n-gram precisions, exp(sum(log p)/4),
// here for 17/22, 11/21, 5/20 and 2/19 matching n-grams. CPython with glibc
// prints 32.125804236450584; math.Log and math.Exp give 32.12580423645057.
func Example() {
	precisions := []float64{100.0 * 17 / 22, 100.0 * 11 / 21, 100.0 * 5 / 20, 100.0 * 2 / 19}
	sum := 0.0
	for _, p := range precisions {
		sum += crmath.Log(p)
	}
	fmt.Println(crmath.Exp(sum / 4))
	fmt.Println(crmath.Log(1), crmath.Exp(0), crmath.Exp(-745.1332191019411), crmath.Exp(710))
	// Output:
	// 32.125804236450584
	// 0 1 5e-324 +Inf
}
