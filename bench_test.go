package sophiaeval_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/sophia-ai/sophia-eval/cmd/sophia-eval/cli"
	"github.com/sophia-ai/sophia-eval/internal/benchcorpus"
	"github.com/sophia-ai/sophia-eval/internal/stfile"
)

// Sizes of the pipeline benchmarks, as in the sacreBLEU measurements of the BLEU
// specification (§12); under testing.Short they are divided by 10.
const (
	pipelineLines     = 100000 // corpus and sentence-level BLEU
	pipelineTestLines = 10000  // confidence interval and paired tests
	pipelineSeed      = 1
)

var (
	pipelineMu     sync.Mutex
	pipelineCorpus *benchcorpus.Corpus
)

// pipelineFiles writes the first n lines of the benchmark corpus (n/10 in short mode)
// into a temporary directory of b: hyp.txt, ref.0.txt and sys2.txt, and with nemo also
// predictions.jsonl.gz, a gzip'd NeMo prediction file. It returns the file names by
// base name and the corpus.
func pipelineFiles(b *testing.B, n int, nemo bool) (map[string]string, *benchcorpus.Corpus) {
	b.Helper()
	if testing.Short() {
		n = max(n/10, 1)
	}
	pipelineMu.Lock()
	if pipelineCorpus == nil || pipelineCorpus.Len() < n {
		pipelineCorpus = benchcorpus.Generate(pipelineSeed, n)
	}
	c := pipelineCorpus.Head(n)
	pipelineMu.Unlock()

	dir := b.TempDir()
	if err := c.WriteFiles(dir); err != nil {
		b.Fatal(err)
	}
	if nemo {
		if err := c.WriteNeMoFile(filepath.Join(dir, benchcorpus.NeMoFile)); err != nil {
			b.Fatal(err)
		}
	}
	files := make(map[string]string)
	for _, f := range []string{benchcorpus.HypFile, benchcorpus.RefFile, benchcorpus.Sys2File, benchcorpus.NeMoFile} {
		files[f] = filepath.Join(dir, f)
	}
	return files, c
}

// linesBytes returns the size of lines as a file, one "\n" after each line.
func linesBytes(lines []string) int64 {
	var n int64
	for _, l := range lines {
		n += int64(len(l) + 1)
	}
	return n
}

// runPipeline runs "sophia-eval args..." through cli.Main b.N times, discarding
// stdout, and fails b on a non-zero exit code.
func runPipeline(b *testing.B, size int64, args ...string) {
	b.Helper()
	ctx := context.Background()
	var stderr bytes.Buffer
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		stderr.Reset()
		if code := cli.Main(ctx, args, nil, io.Discard, &stderr); code != 0 {
			b.Fatalf("sophia-eval %v: exit code %d\n%s", args, code, stderr.Bytes())
		}
	}
}

// BenchmarkBLEU runs whole "sophia-eval bleu" commands on files, from the command line
// to the printed result, as the bench/compare-bleu script times them against sacreBLEU.
// The bytes per operation are those of the hypothesis and reference files.
func BenchmarkBLEU(b *testing.B) {
	const (
		hyp  = benchcorpus.HypFile
		ref  = benchcorpus.RefFile
		sys2 = benchcorpus.Sys2File
	)
	b.Run("corpus/text", func(b *testing.B) {
		f, c := pipelineFiles(b, pipelineLines, false)
		runPipeline(b, c.InputBytes(), "bleu", f[ref], "-i", f[hyp])
	})
	b.Run("corpus/nemo-jsonl-gz", func(b *testing.B) {
		f, c := pipelineFiles(b, pipelineLines, true)
		pred := f[benchcorpus.NeMoFile]
		runPipeline(b, c.InputBytes(), "bleu", pred, "-i", pred)
	})
	b.Run("sentence", func(b *testing.B) {
		f, c := pipelineFiles(b, pipelineLines, false)
		runPipeline(b, c.InputBytes(), "bleu", f[ref], "-i", f[hyp], "-sl")
	})
	b.Run("confidence", func(b *testing.B) {
		f, c := pipelineFiles(b, pipelineTestLines, false)
		runPipeline(b, c.InputBytes(), "bleu", f[ref], "-i", f[hyp], "-ci")
	})
	b.Run("paired-bs", func(b *testing.B) {
		f, c := pipelineFiles(b, pipelineTestLines, false)
		runPipeline(b, c.InputBytes()+linesBytes(c.Sys2), "bleu", f[ref], "-i", f[hyp], f[sys2], "--paired-bs")
	})
	b.Run("paired-ar", func(b *testing.B) {
		f, c := pipelineFiles(b, pipelineTestLines, false)
		runPipeline(b, c.InputBytes()+linesBytes(c.Sys2), "bleu", f[ref], "-i", f[hyp], f[sys2], "--paired-ar")
	})
}

// Sizes of the ROUGE pipeline benchmarks, as in the rouge-score measurements of the
// ROUGE specification (§3): 10 000 summary pairs of about 120 and 550 tokens, and the
// bootstrap's 1000 resamples. Under testing.Short they are divided by 10.
const (
	rougePairs   = 10000
	rougeSamples = 1000
)

var rougeCorpora = map[int]*benchcorpus.Summaries{}

// rougeFile writes the first n pairs of the summary corpus of the given mean length
// (n/10 in short mode) into dir as a NeMo prediction file, unless it is there already,
// and returns its name and the corpus.
func rougeFile(b *testing.B, dir string, tokens, n int) (string, *benchcorpus.Summaries) {
	b.Helper()
	if testing.Short() {
		n = max(n/10, 1)
	}
	pipelineMu.Lock()
	s := rougeCorpora[tokens]
	if s == nil || s.Len() < n {
		s = benchcorpus.GenerateSummaries(pipelineSeed, n, tokens)
		rougeCorpora[tokens] = s
	}
	s = s.Head(n)
	pipelineMu.Unlock()
	name := filepath.Join(dir, fmt.Sprintf("summaries-%d-%d.jsonl", tokens, n))
	if _, err := os.Stat(name); err != nil {
		if err := s.WriteNeMoFile(name); err != nil {
			b.Fatal(err)
		}
	}
	return name, s
}

// BenchmarkROUGE runs whole "sophia-eval rouge" commands on NeMo prediction files of
// summary pairs, from the command line to the printed result, as the
// bench/compare-rouge script times them against rouge-score: rougeL and rougeLsum
// without and with stemming at about 120 and 550 tokens, and the four default types
// at about 120 tokens, without and with stemming, with a bootstrap interval (1000
// resamples) and with per-item output. Names are tokens=T/TYPES/MODE, so that
// -bench 'ROUGE/tokens=120/^rougeL$/stem=on' selects one command. The bytes per
// operation are those of the predictions and references (the files also hold an
// "input" field).
func BenchmarkROUGE(b *testing.B) {
	dir := b.TempDir()
	for _, tokens := range []int{benchcorpus.SummaryTokens, benchcorpus.LongSummaryTokens} {
		for _, types := range []string{"rougeL", "rougeLsum"} {
			for _, stem := range []bool{false, true} {
				name := fmt.Sprintf("tokens=%d/%s/stem=off", tokens, types)
				args := []string{"--types", types, "--format", "json"}
				if stem {
					name = fmt.Sprintf("tokens=%d/%s/stem=on", tokens, types)
					args = append(args, "--stem")
				}
				b.Run(name, func(b *testing.B) {
					f, s := rougeFile(b, dir, tokens, rougePairs)
					runPipeline(b, s.InputBytes(), append([]string{"rouge", f}, args...)...)
				})
			}
		}
	}
	b.Run("tokens=120/default/stem=off", func(b *testing.B) {
		f, s := rougeFile(b, dir, benchcorpus.SummaryTokens, rougePairs)
		runPipeline(b, s.InputBytes(), "rouge", f, "--format", "json")
	})
	b.Run("tokens=120/default/stem=on", func(b *testing.B) {
		f, s := rougeFile(b, dir, benchcorpus.SummaryTokens, rougePairs)
		runPipeline(b, s.InputBytes(), "rouge", f, "--format", "json", "--stem")
	})
	b.Run("tokens=120/default/bootstrap", func(b *testing.B) {
		f, s := rougeFile(b, dir, benchcorpus.SummaryTokens, rougePairs)
		samples := rougeSamples
		if testing.Short() {
			samples /= 10
		}
		runPipeline(b, s.InputBytes(), "rouge", f, "--format", "json", "--bootstrap", fmt.Sprint(samples))
	})
	b.Run("tokens=120/default/per-sample", func(b *testing.B) {
		f, s := rougeFile(b, dir, benchcorpus.SummaryTokens, rougePairs)
		out := filepath.Join(b.TempDir(), "items.jsonl")
		runPipeline(b, s.InputBytes(), "rouge", f, "--format", "json", "--per-sample", out)
	})
}

// BenchmarkCheckpointVerify runs whole "sophia-eval checkpoint verify" commands on a
// page-cached 256 MiB safetensors file (32 MiB under -short) of BF16, F32 and F16
// matrices: the NaN/Inf scan alone, with the SHA-256, and with statistics.
func BenchmarkCheckpointVerify(b *testing.B) {
	size := 256 << 20
	if testing.Short() {
		size = 32 << 20
	}
	rng := rand.New(rand.NewPCG(3, 3))
	var ts []stfile.Tensor
	for i, dt := range []string{"BF16", "F32", "F16", "BF16"} {
		n := uint64(size / 4 * 8 / stfile.Bits(dt))
		ts = append(ts, stfile.Tensor{Name: fmt.Sprintf("model.layers.%d.weight", i), DType: dt,
			Shape: []uint64{n}, Data: stfile.Fill(rng, dt, n)})
	}
	path := filepath.Join(b.TempDir(), "model.safetensors")
	data := stfile.Build(ts, map[string]string{"format": "pt"})
	if err := os.WriteFile(path, data, 0o644); err != nil {
		b.Fatal(err)
	}
	for _, mode := range []struct{ name, flag string }{{"scan", "--workers=0"}, {"hash", "--hash"}, {"stats", "--stats"}} {
		b.Run(mode.name, func(b *testing.B) {
			runPipeline(b, int64(len(data)), "checkpoint", "verify", "--format", "json", mode.flag, path)
		})
	}
}

// BenchmarkAcceptance runs the acceptance step as the runbook does, "sophia-eval
// score" (BLEU, ROUGE-L and win rate of the fine-tuned system against the
// baseline, 1000 paired bootstrap resamples, all four output files) and
// "sophia-eval sample" (the 50-item review sample), on the 10 000-line corpus:
// the hypotheses as the fine-tuned predictions, the second system as the
// baseline. The bytes per operation are those of the three files.
func BenchmarkAcceptance(b *testing.B) {
	const (
		hyp  = benchcorpus.HypFile
		ref  = benchcorpus.RefFile
		sys2 = benchcorpus.Sys2File
	)
	b.Run("score", func(b *testing.B) {
		f, c := pipelineFiles(b, pipelineTestLines, false)
		out := b.TempDir()
		runPipeline(b, c.InputBytes()+linesBytes(c.Sys2), "score", f[hyp], "--references", f[ref], "--baseline", f[sys2], "--out-dir", out)
	})
	b.Run("sample", func(b *testing.B) {
		f, c := pipelineFiles(b, pipelineTestLines, false)
		out := filepath.Join(b.TempDir(), "finetune_reviews.md")
		runPipeline(b, c.InputBytes()+linesBytes(c.Sys2), "sample", f[hyp], "--references", f[ref], "--baseline", f[sys2], "--out", out)
	})
}
