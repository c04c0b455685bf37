package benchcorpus_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/sophia-ai/sophia-eval/internal/benchcorpus"
	"github.com/sophia-ai/sophia-eval/rouge"
)

// rougeTokens counts rouge-score's tokens of s: runs of ASCII letters and digits (the
// generated text holds no other character that lowercases to one).
func rougeTokens(s string) int {
	n, in := 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		if alnum && !in {
			n++
		}
		in = alnum
	}
	return n
}

func TestSummariesDeterministicAndPrefixStable(t *testing.T) {
	a := benchcorpus.GenerateSummaries(7, 3000, benchcorpus.SummaryTokens)
	b := benchcorpus.GenerateSummaries(7, 3000, benchcorpus.SummaryTokens)
	short := benchcorpus.GenerateSummaries(7, 777, benchcorpus.SummaryTokens)
	other := benchcorpus.GenerateSummaries(8, 3000, benchcorpus.SummaryTokens)
	if !slices.Equal(a.Pred, b.Pred) || !slices.Equal(a.Ref, b.Ref) {
		t.Fatal("same seed, different corpora")
	}
	h := a.Head(777)
	if !slices.Equal(h.Pred, short.Pred) || !slices.Equal(h.Ref, short.Ref) {
		t.Fatal("the 777-pair corpus is not a prefix of the 3000-pair one")
	}
	if slices.Equal(a.Ref, other.Ref) {
		t.Fatal("different seeds, same corpus")
	}
	for i := range a.Len() {
		if a.Pred[i] == "" || a.Ref[i] == "" {
			t.Fatalf("pair %d has an empty text", i)
		}
		if strings.ContainsAny(a.Pred[i]+a.Ref[i], "\r\t") {
			t.Fatalf("pair %d holds a tab or carriage return", i)
		}
	}
}

// TestSummariesRealistic checks what the ROUGE benchmarks rely on: the mean lengths of
// the specification's corpora, several sentences, and scores that stemming changes.
func TestSummariesRealistic(t *testing.T) {
	for _, tokens := range []int{benchcorpus.SummaryTokens, benchcorpus.LongSummaryTokens} {
		n := 2000
		if tokens > 200 {
			n = 500
		}
		c := benchcorpus.GenerateSummaries(1, n, tokens)
		var refTok, predTok, refSents, single, multiPred int
		minS, maxS := 1<<30, 0
		for i := range c.Len() {
			refTok += rougeTokens(c.Ref[i])
			predTok += rougeTokens(c.Pred[i])
			s := strings.Count(c.Ref[i], "\n") + 1
			refSents += s
			minS, maxS = min(minS, s), max(maxS, s)
			if s == 1 {
				single++
			}
			if strings.Contains(c.Pred[i], "\n") {
				multiPred++
			}
		}
		meanRef := float64(refTok) / float64(n)
		meanPred := float64(predTok) / float64(n)
		f := map[bool][]rouge.Score{}
		for _, stem := range []bool{false, true} {
			sc, err := rouge.New(rouge.Config{Types: []string{"rouge1", "rouge2", "rougeL", "rougeLsum"}, Stem: stem})
			if err != nil {
				t.Fatal(err)
			}
			refs := make([][]string, n)
			for i, r := range c.Ref {
				refs[i] = []string{r}
			}
			src, err := rouge.Pairs(c.Pred, refs)
			if err != nil {
				t.Fatal(err)
			}
			if f[stem], err = sc.Corpus(context.Background(), src); err != nil {
				t.Fatal(err)
			}
		}
		t.Logf("%d tokens: ref %.1f, pred %.1f tokens; %.2f sentences (%d..%d, %d single); %d multi-line predictions; "+
			"F rouge1/2/L/Lsum %.3f %.3f %.3f %.3f, stemmed %.3f %.3f %.3f %.3f; %d bytes",
			tokens, meanRef, meanPred, float64(refSents)/float64(n), minS, maxS, single, multiPred,
			f[false][0].FMeasure, f[false][1].FMeasure, f[false][2].FMeasure, f[false][3].FMeasure,
			f[true][0].FMeasure, f[true][1].FMeasure, f[true][2].FMeasure, f[true][3].FMeasure, c.InputBytes())
		if d := meanRef/float64(tokens) - 1; d < -0.05 || d > 0.05 {
			t.Errorf("%d tokens: mean reference length %.1f, want within 5%%", tokens, meanRef)
		}
		if d := meanPred/meanRef - 1; d < -0.15 || d > 0.15 {
			t.Errorf("%d tokens: mean prediction length %.1f, want within 15%% of the references' %.1f", tokens, meanPred, meanRef)
		}
		if single == 0 || single > n/10 || maxS < 8 {
			t.Errorf("%d tokens: %d..%d sentences, and %d single-line references, want mostly multi-sentence summaries", tokens, minS, maxS, single)
		}
		if fl := f[false][2].FMeasure; fl < 0.45 || fl > 0.75 {
			t.Errorf("%d tokens: rougeL F %.3f, want 0.45..0.75", tokens, fl)
		}
		if d := f[true][2].FMeasure - f[false][2].FMeasure; d < 0.015 {
			t.Errorf("%d tokens: stemming raises rougeL F by %.3f, want at least 0.015", tokens, d)
		}
		if f[false][3].FMeasure == f[false][2].FMeasure {
			t.Errorf("%d tokens: rougeLsum equals rougeL", tokens)
		}
	}
}

func TestSummariesWriteNeMo(t *testing.T) {
	c := benchcorpus.GenerateSummaries(3, 50, benchcorpus.SummaryTokens)
	var buf bytes.Buffer
	if err := c.WriteNeMo(&buf); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(&buf)
	sc.Buffer(nil, 1<<20)
	i := 0
	for ; sc.Scan(); i++ {
		var rec struct{ Input, Pred, Label string }
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		if rec.Pred != c.Pred[i] || rec.Label != c.Ref[i] || rec.Input != benchcorpus.SummaryPrompt+c.Ref[i] {
			t.Fatalf("line %d does not hold pair %d", i+1, i)
		}
	}
	if i != c.Len() {
		t.Fatalf("%d JSONL lines, want %d", i, c.Len())
	}
}

func BenchmarkGenerateSummaries(b *testing.B) {
	pairs := 10000
	if testing.Short() {
		pairs = 1000
	}
	b.SetBytes(benchcorpus.GenerateSummaries(1, pairs, benchcorpus.SummaryTokens).InputBytes())
	b.ReportAllocs()
	for b.Loop() {
		benchcorpus.GenerateSummaries(1, pairs, benchcorpus.SummaryTokens)
	}
}
