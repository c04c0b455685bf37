// Package bleu computes BLEU exactly as sacreBLEU 2.6.0 does: the same tokenizers
// (13a, intl, char, zh, none), Python's lowercasing, any number of references,
// smoothing (exp, floor, add-k, none), effective order, corpus and sentence scores,
// the reproducibility signature, and the bootstrap confidence interval and paired
// significance tests with sacreBLEU's seeded random stream.
//
// Scores follow the project's scorer shape. A [Scorer] is built from a [Config] whose
// zero value gives sacreBLEU's defaults. [Scorer.Segment] returns the sufficient
// statistics of one segment; [Stats] of disjoint parts of a corpus add up with
// [Stats.Merge]; [Scorer.Score] turns merged Stats into a [Score]:
//
//	sc, _ := bleu.New(bleu.Config{})
//	var total bleu.Stats
//	for i := range hyps {
//		total.Merge(sc.Segment(hyps[i], []string{refs[i]}))
//	}
//	fmt.Println(sc.Score(total)) // BLEU|nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0 = 37.2 ...
//
// [Scorer.Corpus] and [Scorer.CorpusFrom] do the same in parallel over fixed-size
// shards; since the statistics are integer counts, the result does not depend on the
// number of workers or on how the corpus is split.
//
// Scores are on sacreBLEU's 0–100 scale. Where sacreBLEU's Python and Go's math
// library round the last bit of a logarithm differently, scores agree to about 1e-13.
package bleu
