package rouge

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
)

// Sentence splitters for rougeLsum.
const (
	// SplitNewline splits on "\n" only, as rouge-score does by default.
	SplitNewline = "newline"
	// SplitRules also ends a sentence after ".", "!" or "?" (and closing quotes or
	// brackets) followed by whitespace, except after a known abbreviation, an
	// initial or inside a number. Not rouge-score's: opt-in only.
	SplitRules = "rules"
)

// DefaultTypes are the types HuggingFace evaluate computes by default.
var DefaultTypes = []string{"rouge1", "rouge2", "rougeL", "rougeLsum"}

// Sentinel errors.
var (
	ErrConfig         = errors.New("rouge: invalid configuration")
	ErrNoReference    = errors.New("rouge: item has no reference")
	ErrLengthMismatch = errors.New("rouge: predictions and references differ in length")
)

// Config selects what to compute. The zero value is rouge-score's RougeScorer for
// rouge1, rouge2, rougeL and rougeLsum without stemming.
type Config struct {
	// Types are the ROUGE types, in the order results are reported: "rouge1" …
	// "rouge9", "rougeL", "rougeLsum"; a repeated type counts once. The order matters
	// for the bootstrap, whose types draw one after another from one random stream,
	// as in rouge-score. Default: DefaultTypes.
	Types []string
	// Stem applies NLTK's Porter stemmer (default NLTK_EXTENSIONS mode) to tokens
	// longer than 3 characters, as rouge-score's use_stemmer. Default: false.
	Stem bool
	// Tokenizer is TokenizeDefault (rouge-score's) or TokenizeUnicode.
	// Default: TokenizeDefault.
	Tokenizer string
	// Split is how rougeLsum splits texts into sentences: SplitNewline (rouge-score's)
	// or SplitRules. Default: SplitNewline.
	Split string
	// Workers is the number of goroutines of the corpus functions: 0 = GOMAXPROCS;
	// 1 = runs on the caller's goroutine and starts none. Default: 0.
	Workers int
	// Logger receives progress at Debug level. Default: nil, which discards.
	Logger *slog.Logger
}

// kind of a ROUGE type.
type kind uint8

const (
	kindN kind = iota
	kindL
	kindLsum
)

type rougeType struct {
	name string
	kind kind
	n    int // for kindN
}

// parseType validates a type name with rouge-score's rules and messages.
func parseType(name string) (rougeType, error) {
	switch name {
	case "rougeL":
		return rougeType{name: name, kind: kindL}, nil
	case "rougeLsum":
		return rougeType{name: name, kind: kindLsum}, nil
	}
	if len(name) == 6 && strings.HasPrefix(name, "rouge") && name[5] >= '0' && name[5] <= '9' {
		n := int(name[5] - '0')
		if n == 0 {
			return rougeType{}, fmt.Errorf("%w: rougen requires positive n: %s", ErrConfig, name)
		}
		return rougeType{name: name, kind: kindN, n: n}, nil
	}
	return rougeType{}, fmt.Errorf("%w: invalid rouge type: %s (want rouge1 … rouge9, rougeL or rougeLsum)", ErrConfig, name)
}

func (c Config) withDefaults() (Config, []rougeType, error) {
	if len(c.Types) == 0 {
		c.Types = DefaultTypes
	}
	c.Types = append([]string(nil), c.Types...)
	types := make([]rougeType, 0, len(c.Types))
	seen := map[string]bool{}
	names := c.Types[:0]
	for _, name := range c.Types {
		t, err := parseType(name)
		if err != nil {
			return c, nil, err
		}
		if seen[name] {
			continue // rouge-score keeps one result per type name
		}
		seen[name] = true
		types = append(types, t)
		names = append(names, name)
	}
	c.Types = names
	switch c.Tokenizer {
	case "":
		c.Tokenizer = TokenizeDefault
	case TokenizeDefault, TokenizeUnicode:
	default:
		return c, nil, fmt.Errorf("%w: unknown tokenizer %q (want default or unicode)", ErrConfig, c.Tokenizer)
	}
	switch c.Split {
	case "":
		c.Split = SplitNewline
	case SplitNewline, SplitRules:
	default:
		return c, nil, fmt.Errorf("%w: unknown sentence splitter %q (want newline or rules)", ErrConfig, c.Split)
	}
	if c.Workers < 0 {
		return c, nil, fmt.Errorf("%w: workers %d must be 0 (all cores) or more", ErrConfig, c.Workers)
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, types, nil
}
