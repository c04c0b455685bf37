package bleu

import (
	"errors"
	"fmt"
)

// ErrUnknownTokenizer is returned for a tokenizer name that is not supported.
var ErrUnknownTokenizer = errors.New("bleu: unknown tokenizer")

// A Tokenizer splits one segment into tokens exactly as the sacreBLEU tokenizer of the
// same name does, followed by sacreBLEU's split on Python whitespace.
//
// Tokenizers are stateless and safe for concurrent use.
type Tokenizer interface {
	// Name is the tokenizer's name in the BLEU signature: "13a", "intl", "char",
	// "zh" or "none".
	Name() string
	// Append appends the tokens of s to dst and returns the extended buffer. Tokens are
	// separated by a single U+0020 space, with none before the first or after the last,
	// so the result equals Python's " ".join(tokenizer(s).split()).
	Append(dst []byte, s string) []byte
}

// NewTokenizer returns the tokenizer called name: "13a" (sacreBLEU's default, also
// chosen by the empty name), "intl", "char", "zh" or "none". Other names return an error
// wrapping ErrUnknownTokenizer.
//
// Every tokenizer reproduces sacreBLEU 2.6.0 on every valid UTF-8 string; the caller does
// the lowercasing and the right-stripping that sacreBLEU does before tokenizing. Go strings
// may hold invalid UTF-8, which Python never sees: each byte of an invalid sequence is then
// treated as one U+FFFD character (a symbol, neither letter, digit, punctuation nor
// whitespace) and copied to the output unchanged. Append never panics.
func NewTokenizer(name string) (Tokenizer, error) {
	switch name {
	case "13a", "":
		return tok13a{}, nil
	case "intl":
		return tokIntl{}, nil
	case "char":
		return tokChar{}, nil
	case "zh":
		return tokZh{}, nil
	case "none":
		return tokNone{}, nil
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownTokenizer, name)
}
