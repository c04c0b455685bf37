package rouge_test

import (
	"context"
	"fmt"

	"github.com/sophia-ai/sophia-eval/rouge"
)

// Segment scores one prediction against its references; Stats merge the items of a
// corpus into the plain mean. (The numbers are rouge-score 0.1.2's for the same
// texts.)
func Example() {
	sc, err := rouge.New(rouge.Config{Types: []string{"rouge1", "rougeL", "rougeLsum"}, Stem: true})
	if err != nil {
		panic(err)
	}
	r := sc.Segment("The cat sat on the mat.\nIt was happy.", []string{"A cat was sitting on a mat.\nHappy cat."})
	for k, t := range sc.Types() {
		fmt.Printf("%-9s P=%.4f R=%.4f F=%.4f\n", t, r.Scores[k].Precision, r.Scores[k].Recall, r.Scores[k].FMeasure)
	}
	// Output:
	// rouge1    P=0.5556 R=0.5556 F=0.5556
	// rougeL    P=0.4444 R=0.4444 F=0.4444
	// rougeLsum P=0.5556 R=0.5556 F=0.5556
}

// With several references, each type takes the reference with the best F-measure, as
// rouge-score's score_multi; Result.Refs says which.
func ExampleScorer_Segment_multipleReferences() {
	sc, _ := rouge.New(rouge.Config{Types: []string{"rouge1", "rougeL"}})
	r := sc.Segment("hello world", []string{"hello there world", "world hello"})
	fmt.Println(r.Scores[0].FMeasure, r.Refs[0])
	fmt.Println(r.Scores[1].FMeasure, r.Refs[1])
	// Output:
	// 1 1
	// 0.8 0
}

// CorpusStats scores a corpus in parallel; Bootstrap reproduces rouge-score's
// BootstrapAggregator from the per-item scores.
func ExampleBootstrap() {
	sc, _ := rouge.New(rouge.Config{Types: []string{"rougeL"}})
	preds := []string{"the cat sat on the mat", "a dog ran", "it rained all day", "hello world"}
	refs := [][]string{{"the cat is on the mat"}, {"the dog ran away"}, {"rain fell all day"}, {"hello there world"}}
	src, _ := rouge.Pairs(preds, refs)
	st, items, _ := sc.CorpusStats(context.Background(), src, true)
	iv, _ := rouge.Bootstrap(items, rouge.BootstrapConfig{Samples: 1000, Confidence: 0.95, Seed: 42})
	fmt.Printf("mean F %.4f, bootstrap low %.4f mid %.4f high %.4f\n",
		st.Mean()[0].FMeasure, iv[0].Low.FMeasure, iv[0].Mid.FMeasure, iv[0].High.FMeasure)
	// Output:
	// mean F 0.6762, bootstrap low 0.5357 mid 0.6762 high 0.8250
}
