// Command gencorpus writes the deterministic corpora of the benchmarks (see
// internal/benchcorpus).
//
// By default it writes an English news-like parallel corpus for BLEU: hyp.txt (the
// system), ref.0.txt (the references) and sys2.txt (a second system for the paired
// tests), one segment per line, and with -nemo also predictions.jsonl.gz, the same
// corpus as a gzip'd NeMo prediction file ({"input", "pred", "label"} per line).
//
// With -summaries it writes a corpus of multi-sentence summary pairs for ROUGE instead:
// summaries.jsonl, a NeMo prediction file whose "label" is a reference summary
// (sentences separated by "\n") and whose "pred" paraphrases it, with -lines pairs whose
// references have -tokens rouge-score tokens on average (120 and 550 in the
// benchmarks).
//
// Usage:
//
//	go run ./bench/gencorpus -seed 1 -lines 100000 -out bench/out/100k
//	go run ./bench/gencorpus -summaries -tokens 550 -lines 10000 -out bench/out/sum550
//
// The corpus of n lines (pairs) is the n-line prefix of any longer corpus with the same
// seed (and mean length).
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/sophia-ai/sophia-eval/internal/benchcorpus"
)

func main() {
	seed := flag.Int64("seed", 1, "seed of the corpus")
	lines := flag.Int("lines", 100000, "number of segments (summary pairs with -summaries)")
	out := flag.String("out", "", "output `DIR` (created if needed)")
	nemo := flag.Bool("nemo", false, "also write "+benchcorpus.NeMoFile+" (BLEU corpus only)")
	summaries := flag.Bool("summaries", false, "write a ROUGE summary corpus, "+benchcorpus.SummariesFile+", instead")
	tokens := flag.Int("tokens", benchcorpus.SummaryTokens, "mean rouge-score tokens of a reference summary (with -summaries)")
	flag.Parse()
	if *out == "" || flag.NArg() > 0 || *lines < 0 || *tokens < 10 || *summaries && *nemo {
		fmt.Fprintln(os.Stderr, "usage: gencorpus [-seed N] [-lines N] [-nemo] -out DIR\n"+
			"       gencorpus -summaries [-seed N] [-lines N] [-tokens N (>= 10)] -out DIR")
		os.Exit(2)
	}
	var err error
	if *summaries {
		err = runSummaries(*seed, *lines, *tokens, *out)
	} else {
		err = run(*seed, *lines, *out, *nemo)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "gencorpus: %v\n", err)
		os.Exit(1)
	}
}

func run(seed int64, lines int, dir string, nemo bool) error {
	c := benchcorpus.Generate(seed, lines)
	if err := c.WriteFiles(dir); err != nil {
		return err
	}
	if nemo {
		return c.WriteNeMoFile(filepath.Join(dir, benchcorpus.NeMoFile))
	}
	return nil
}

func runSummaries(seed int64, pairs, tokens int, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	s := benchcorpus.GenerateSummaries(seed, pairs, tokens)
	return s.WriteNeMoFile(filepath.Join(dir, benchcorpus.SummariesFile))
}
