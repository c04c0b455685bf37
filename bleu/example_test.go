package bleu_test

import (
	"context"
	"fmt"

	"github.com/sophia-ai/sophia-eval/bleu"
)

// Segment statistics merge into corpus statistics, which Score turns into BLEU. The
// statistics of different shards can be computed anywhere and merged in any order.
// (The outputs of these examples are sacreBLEU 2.6.0's for the same inputs.)
func Example() {
	sc, err := bleu.New(bleu.Config{}) // sacreBLEU's defaults: 13a, exp smoothing
	if err != nil {
		panic(err)
	}
	hyps := []string{"The cat sat on the mat.", "It is raining today."}
	refs := []string{"The cat is on the mat.", "It rains today."}

	var total bleu.Stats
	for i := range hyps {
		total.Merge(sc.Segment(hyps[i], []string{refs[i]}))
	}
	score := sc.Score(total)
	fmt.Printf("%.2f\n", score.Score)
	fmt.Println(score)
	// Output:
	// 35.36
	// BLEU|nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0 = 35.4 75.0/50.0/25.0/16.7 (BP = 1.000 ratio = 1.091 hyp_len = 12 ref_len = 11)
}

// Corpus takes reference streams in sacreBLEU's layout: one slice per reference
// file, each as long as the hypotheses.
func ExampleScorer_Corpus() {
	sc, _ := bleu.New(bleu.Config{Tokenize: "intl", Lowercase: true})
	hyps := []string{"Hello, World!", "Good morning."}
	refsA := []string{"hello world!", "good morning."}
	refsB := []string{"Hello there, world.", "Morning!"}
	score, err := sc.Corpus(context.Background(), hyps, refsA, refsB)
	if err != nil {
		panic(err)
	}
	fmt.Println(score.Format(2, false, score.Signature.Short()))
	// Output:
	// BLEU|#:2|c:lc|e:no|tok:intl|s:exp|v:2.6.0 = 60.43 100.0/80.0/33.3/50.0 (BP = 1.000 ratio = 1.167 hyp_len = 7 ref_len = 6)
}

// Sentence-level BLEU, as sacreBLEU's command line computes it, needs effective order:
// a 3-token hypothesis has no 4-grams, so the mean stops at order 3. The closest
// reference length is 3 ("a cat sat"), so there is no brevity penalty.
func ExampleScorer_Sentence() {
	sc, _ := bleu.New(bleu.Config{EffectiveOrder: true})
	s := sc.Sentence("the cat sat", []string{"the cat sat down", "a cat sat"})
	fmt.Println(s.Format(1, false, ""))
	// Output:
	// BLEU = 100.0 100.0/100.0/100.0/0.0 (BP = 1.000 ratio = 1.000 hyp_len = 3 ref_len = 3)
}
