package porter_test

import (
	"fmt"
	"strings"

	"github.com/sophia-ai/sophia-eval/internal/porter"
)

// rouge-score stems the tokens longer than 3 characters, with NLTK's
// default Porter stemmer; a Cache per worker saves stemming repeated tokens.
func Example() {
	c := porter.NewCache(0)
	var out []string
	for _, tok := range strings.Fields("the ponies were happily galloping across 1990s meadows flies ties") {
		if len(tok) > 3 {
			tok = c.Stem(tok)
		}
		out = append(out, tok)
	}
	fmt.Println(strings.Join(out, " "))
	fmt.Println(porter.Stem("nutritionally"), porter.Stem("generalizations"), porter.Stem("dying"))
	// Output:
	// the poni were happili gallop across 1990 meadow fli tie
	// nutrit gener die
}
