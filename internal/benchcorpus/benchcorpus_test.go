package benchcorpus_test

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/sophia-ai/sophia-eval/bleu"
	"github.com/sophia-ai/sophia-eval/internal/benchcorpus"
)

func TestDeterministicAndPrefixStable(t *testing.T) {
	a := benchcorpus.Generate(7, 5000)
	b := benchcorpus.Generate(7, 5000)
	short := benchcorpus.Generate(7, 1234)
	other := benchcorpus.Generate(8, 5000)
	if !slices.Equal(a.Hyp, b.Hyp) || !slices.Equal(a.Ref, b.Ref) || !slices.Equal(a.Sys2, b.Sys2) {
		t.Fatal("same seed, different corpora")
	}
	h := a.Head(1234)
	if !slices.Equal(h.Hyp, short.Hyp) || !slices.Equal(h.Ref, short.Ref) || !slices.Equal(h.Sys2, short.Sys2) {
		t.Fatal("the 1234-line corpus is not a prefix of the 5000-line one")
	}
	if slices.Equal(a.Ref, other.Ref) {
		t.Fatal("different seeds, same corpus")
	}
	for i := range a.Len() {
		want := a.Ref[i]
		if i%benchcorpus.Sys2Every == benchcorpus.Sys2Every-1 {
			want = a.Hyp[i]
		}
		if a.Sys2[i] != want {
			t.Fatalf("line %d of Sys2 = %q, want %q", i, a.Sys2[i], want)
		}
		if strings.ContainsAny(a.Hyp[i]+a.Ref[i], "\n\r\t") {
			t.Fatalf("line %d holds a line or field separator", i)
		}
	}
}

// TestRealistic checks the properties the benchmarks rely on: the token count of the
// BLEU specification's corpus and a BLEU of about 35.
func TestRealistic(t *testing.T) {
	c := benchcorpus.Generate(1, 20000)
	sc, err := bleu.New(bleu.Config{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := sc.Corpus(context.Background(), c.Hyp, c.Ref)
	if err != nil {
		t.Fatal(err)
	}
	hypTok := float64(s.SysLen) / float64(c.Len())
	refTok := float64(s.RefLen) / float64(c.Len())
	t.Logf("BLEU %.2f, %.2f hyp and %.2f ref tokens per line, %d bytes", s.Score, hypTok, refTok, c.InputBytes())
	if s.Score < 30 || s.Score > 40 {
		t.Errorf("BLEU = %.2f, want 30..40", s.Score)
	}
	if hypTok < 11.5 || hypTok > 13.5 || refTok < hypTok {
		t.Errorf("%.2f hypothesis and %.2f reference tokens per line, want about 12.3 and 12.9", hypTok, refTok)
	}
	s2, err := sc.Corpus(context.Background(), c.Sys2, c.Ref)
	if err != nil {
		t.Fatal(err)
	}
	if s2.Score <= s.Score {
		t.Errorf("second system scores %.2f, not above the first (%.2f)", s2.Score, s.Score)
	}
	var entities, nonASCII int
	for _, l := range c.Ref {
		if strings.Contains(l, "&amp;") || strings.Contains(l, "&quot;") {
			entities++
		}
		if strings.ContainsFunc(l, func(r rune) bool { return r > 0x7f }) {
			nonASCII++
		}
	}
	if entities == 0 || nonASCII == 0 {
		t.Errorf("%d lines with entities and %d with non-ASCII text, want some of each", entities, nonASCII)
	}
}

func TestWrite(t *testing.T) {
	c := benchcorpus.Generate(3, 100)
	dir := t.TempDir()
	if err := c.WriteFiles(dir); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := c.WriteNeMo(&buf); err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(buf.Bytes(), []byte("\n")); n != 100 {
		t.Fatalf("%d JSONL lines, want 100", n)
	}
}

func BenchmarkGenerate(b *testing.B) {
	lines := 100000
	if testing.Short() {
		lines = 10000
	}
	b.SetBytes(benchcorpus.Generate(1, lines).InputBytes())
	b.ReportAllocs()
	for b.Loop() {
		benchcorpus.Generate(1, lines)
	}
}

func TestRefStreams(t *testing.T) {
	c := benchcorpus.Generate(5, 2000)
	refs := c.RefStreams(9, 4)
	again := c.RefStreams(9, 4)
	if len(refs) != 4 || !slices.Equal(refs[0], c.Ref) {
		t.Fatalf("got %d streams, want 4 with c.Ref first", len(refs))
	}
	sc, err := bleu.New(bleu.Config{})
	if err != nil {
		t.Fatal(err)
	}
	one, err := sc.Corpus(context.Background(), c.Hyp, refs[0])
	if err != nil {
		t.Fatal(err)
	}
	four, err := sc.Corpus(context.Background(), c.Hyp, refs...)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("BLEU with 1 reference %.2f, with 4 %.2f", one.Score, four.Score)
	for j := 1; j < 4; j++ {
		if len(refs[j]) != c.Len() || !slices.Equal(refs[j], again[j]) || slices.Equal(refs[j], c.Ref) {
			t.Fatalf("stream %d is not a deterministic noisy copy of the references", j)
		}
	}
	if four.Score <= one.Score {
		t.Errorf("4 references score %.2f, not above 1 reference (%.2f)", four.Score, one.Score)
	}
}
