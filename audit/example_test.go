package audit_test

import (
	"context"
	"fmt"

	"github.com/sophia-ai/sophia-eval/audit"
)

func Example() {
	ctx := context.Background()
	c := audit.Config{NGram: 5, Workers: 1}
	train := audit.Docs(
		audit.Doc{File: "train.jsonl", Line: 1, Text: "The Eiffel Tower, in Paris, was completed in 1889 for the World's Fair."},
		audit.Doc{File: "train.jsonl", Line: 2, Text: "Write to ops@example.org for access."},
	)
	sc, _ := audit.NewScanner(nil)
	ix, secrets, err := audit.BuildIndex(ctx, c, train, sc)
	if err != nil {
		panic(err)
	}
	for _, f := range secrets {
		fmt.Printf("%s:%d %s: %s\n", f.File, f.Line, f.Code, f.Excerpt)
	}
	eval := audit.Docs(audit.Doc{ID: "q7", Text: "When was the Eiffel Tower in Paris completed in 1889?"})
	audit.CheckSource(ctx, c, ix, eval, func(r *audit.Result) error {
		fmt.Printf("%s: %d of %d n-grams, %s, spans %v\n", r.Name, r.Hits, r.NGrams, r.Verdict, r.Spans)
		return nil
	})
	// Output:
	// train.jsonl:2 email: Write to [REDACTED email] for access.
	// q7: 1 of 6 n-grams, partially_contaminated, spans [{9 34}]
}
