// Package rouge computes ROUGE exactly as Google's rouge-score 0.1.2 does (the package
// HuggingFace evaluate wraps): rouge1 … rouge9, rougeL and rougeLsum, its tokenizer,
// optional stemming with NLTK's Porter stemmer, precision, recall and F with its zero
// cases, multi-reference scoring as score_multi, and the BootstrapAggregator with
// numpy's legacy seeded random stream. Per-item scores equal rouge-score's as float64.
//
// A [Scorer] is built from a [Config] whose zero value gives rouge-score's defaults for
// the four usual types. [Scorer.Segment] scores one prediction against its references;
// [Stats] hold mergeable sums of the per-item scores, so corpus scoring is parallel and
// its plain mean is the same for any number of workers; [Bootstrap] reproduces
// rouge-score's BootstrapAggregator from per-item scores.
//
//	sc, _ := rouge.New(rouge.Config{Stem: true})
//	r := sc.Segment("the cat was found under the bed", []string{"the cat was under the bed"})
//	fmt.Println(r.Scores[sc.Index("rougeL")].FMeasure)
//
// Beyond rouge-score, and never by default: a Unicode tokenizer that keeps words of
// every script (rouge-score scores non-Latin text 0), and a rule-based sentence splitter
// for rougeLsum.
package rouge
