// Command gencorpus writes a deterministic English news-like parallel corpus for the
// benchmarks (see internal/benchcorpus): hyp.txt (the system), ref.0.txt (the
// references) and sys2.txt (a second system for the paired tests), one segment per
// line, and with -nemo also predictions.jsonl.gz, the same corpus as a gzip'd NeMo
// prediction file ({"input", "pred", "label"} per line).
//
// Usage:
//
//	go run ./bench/gencorpus -seed 1 -lines 100000 -out bench/out/100k
//
// The corpus of n lines is the n-line prefix of any longer corpus with the same seed.
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
	lines := flag.Int("lines", 100000, "number of segments")
	out := flag.String("out", "", "output `DIR` (created if needed)")
	nemo := flag.Bool("nemo", false, "also write "+benchcorpus.NeMoFile)
	flag.Parse()
	if *out == "" || flag.NArg() > 0 || *lines < 0 {
		fmt.Fprintln(os.Stderr, "usage: gencorpus [-seed N] [-lines N] [-nemo] -out DIR")
		os.Exit(2)
	}
	if err := run(*seed, *lines, *out, *nemo); err != nil {
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
