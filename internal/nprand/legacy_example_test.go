package nprand_test

import (
	"fmt"

	"github.com/sophia-ai/sophia-eval/internal/nprand"
)

// rouge-score's BootstrapAggregator draws, for each score type in turn,
// n_samples index vectors from numpy's global legacy stream:
//
//	np.random.seed(42)
//	for _ in range(n_samples):
//	    idx = np.random.choice(np.arange(n), size=n)
func ExampleRandomState_FillChoice() {
	rs := nprand.NewRandomState(42)
	idx := make([]int, 7)
	for range 3 {
		rs.FillChoice(len(idx), idx)
		fmt.Println(idx)
	}
	// Output:
	// [6 3 4 6 2 4 4]
	// [6 1 2 6 2 2 4]
	// [3 2 5 4 1 3 5]
}
