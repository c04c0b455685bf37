package nprand_test

import (
	"fmt"

	"github.com/sophia-ai/sophia-eval/internal/nprand"
)

// sacreBLEU's paired approximate-randomization test with -ci draws a bool mask
// and then a bootstrap index matrix from one generator:
//
//	rng = np.random.default_rng(12345)
//	pos_sel = rng.integers(2, size=(3, 5), dtype=bool)
//	bs_idxs = rng.choice(5, size=(2, 5), replace=True)
func Example() {
	rng := nprand.New(12345)

	mask := rng.NewBools()
	row := make([]bool, 5)
	for range 3 {
		mask.Fill(row)
		fmt.Println(row)
	}

	idx := rng.NewBounded(5)
	ids := make([]int, 5)
	for range 2 {
		idx.Fill(ids)
		fmt.Println(ids)
	}
	// Output:
	// [true false true true true]
	// [false false true true false]
	// [false false false false true]
	// [1 3 1 1 3]
	// [3 3 4 1 4]
}
