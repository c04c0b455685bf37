package corpus_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/sophia-ai/sophia-eval/internal/corpus"
)

// Read NeMo predictions: the format is detected, the field is the first of
// the candidates present, and every text is right-stripped as sacreBLEU does.
func Example() {
	preds := `{"input": "Translate: Hallo Welt", "pred": "Hello world ", "label": ["Hello world", "Hello, world"]}

{"input": "Translate: Danke", "pred": null, "label": ["Thank you"]}
`
	r, err := corpus.NewReader(strings.NewReader(preds), "preds.jsonl", corpus.Config{Fields: []string{"pred", "prediction"}})
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	for {
		it, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s line %d: %q null=%v\n", r.Field(), it.Line, it.Texts, it.Null)
	}
	fmt.Println(r.Format())
	// Output:
	// pred line 1: ["Hello world"] null=false
	// pred line 3: [] null=true
	// jsonl
}

// Plain text is read line by line, as sacreBLEU reads it.
func ExampleNewReader_text() {
	r, err := corpus.NewReader(strings.NewReader("a cat \t\nleading space kept\n\nno final newline"), "<stdin>", corpus.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	items, err := r.ReadAll(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	for _, it := range items {
		fmt.Printf("%d %q\n", it.Line, it.Texts[0])
	}
	// Output:
	// 1 "a cat"
	// 2 "leading space kept"
	// 3 ""
	// 4 "no final newline"
}

// Errors name the file and the line.
func ExampleError() {
	r, err := corpus.NewReader(strings.NewReader(`{"pred": 17}`), "preds.jsonl", corpus.Config{Field: "pred"})
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	_, err = r.Next()
	fmt.Println(err)
	var e *corpus.Error
	if errors.As(err, &e) {
		fmt.Println(e.Line, errors.Is(err, corpus.ErrNotString))
	}
	// Output:
	// preds.jsonl:1: field "pred" is a number, want a string
	// 1 true
}

// Hypotheses and references read in parallel must have the same length.
func ExampleCheckSameLength() {
	dir, _ := os.MkdirTemp("", "corpus")
	defer os.RemoveAll(dir)
	hyp, ref := filepath.Join(dir, "hyp.txt"), filepath.Join(dir, "ref.txt")
	_ = os.WriteFile(hyp, []byte("a\nb\nc\n"), 0o644)
	_ = os.WriteFile(ref, []byte("a\nb\n"), 0o644)
	ctx := context.Background()
	hyps, _ := corpus.ReadStrings(ctx, hyp, corpus.Config{})
	refs, _ := corpus.ReadStrings(ctx, ref, corpus.Config{})
	err := corpus.CheckSameLength("hyp.txt", len(hyps), "ref.txt", len(refs))
	fmt.Println(err)
	// Output:
	// corpus: length mismatch: hyp.txt has 3 items, ref.txt has 2
}
