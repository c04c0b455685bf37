package bleu

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
)

// Version is the sacreBLEU version whose behaviour this package reproduces. It appears
// in every signature.
const Version = "2.6.0"

// MaxOrderLimit is the largest n-gram order a Config may ask for.
const MaxOrderLimit = 9

// DefaultMaxOrder is BLEU's usual maximum n-gram order.
const DefaultMaxOrder = 4

// Smoothing methods, named as in sacreBLEU (Chen & Cherry, 2014).
const (
	SmoothExp   = "exp"   // method 3, NIST's geometric sequence; the default
	SmoothFloor = "floor" // method 1: a floor of Value/total for empty orders
	SmoothAddK  = "add-k" // method 2: add Value to matches and totals of orders ≥ 2
	SmoothNone  = "none"  // no smoothing
)

// Sentinel errors.
var (
	ErrConfig         = errors.New("bleu: invalid configuration")
	ErrLengthMismatch = errors.New("bleu: hypotheses and references differ in length")
	ErrNoReference    = errors.New("bleu: segment has no reference")
)

// Config selects how BLEU is computed. The zero value is sacreBLEU's default BLEU:
// 13a tokenizer, case-sensitive, exp smoothing, maximum order 4, no effective order.
type Config struct {
	// Tokenize names the tokenizer: "13a", "intl", "char", "zh" or "none".
	// Default: "13a".
	Tokenize string
	// Lowercase lowercases hypotheses and references with Python's str.lower before
	// tokenizing. Default: false.
	Lowercase bool
	// Smooth is the smoothing method: SmoothExp, SmoothFloor, SmoothAddK or
	// SmoothNone. Default: SmoothExp.
	Smooth string
	// SmoothValue is the floor for SmoothFloor and k for SmoothAddK; it is ignored
	// by the other methods. Default (when 0): 0.1 for floor, 1 for add-k.
	SmoothValue float64
	// MaxOrder is the maximum n-gram order, 1 to MaxOrderLimit. Default: 4.
	MaxOrder int
	// EffectiveOrder stops the geometric mean at the highest order for which the
	// hypothesis has any n-grams. sacreBLEU's CLI turns it on for sentence-level
	// BLEU. Default: false.
	EffectiveOrder bool
	// Workers is the number of goroutines used by the corpus functions:
	// 0 = GOMAXPROCS; 1 = runs on the caller's goroutine and starts none.
	// Default: 0.
	Workers int
	// Logger receives progress at Debug level. Default: nil, which discards.
	Logger *slog.Logger
}

// SmoothDefault returns sacreBLEU's default smoothing value for method: 0.1 for
// floor, 1 for add-k and 0 for the methods that take none.
func SmoothDefault(method string) float64 {
	switch method {
	case SmoothFloor:
		return 0.1
	case SmoothAddK:
		return 1
	}
	return 0
}

// withDefaults returns c with every zero field replaced by its default, or an error
// naming the first invalid field.
func (c Config) withDefaults() (Config, error) {
	if c.Tokenize == "" {
		c.Tokenize = "13a"
	}
	if c.Smooth == "" {
		c.Smooth = SmoothExp
	}
	switch c.Smooth {
	case SmoothExp, SmoothNone:
	case SmoothFloor, SmoothAddK:
		if c.SmoothValue == 0 {
			c.SmoothValue = SmoothDefault(c.Smooth)
		}
		if c.SmoothValue < 0 || math.IsNaN(c.SmoothValue) || math.IsInf(c.SmoothValue, 0) {
			return c, fmt.Errorf("%w: smoothing value %v must be a positive number", ErrConfig, c.SmoothValue)
		}
	default:
		return c, fmt.Errorf("%w: unknown smoothing method %q (want exp, floor, add-k or none)", ErrConfig, c.Smooth)
	}
	if c.MaxOrder == 0 {
		c.MaxOrder = DefaultMaxOrder
	}
	if c.MaxOrder < 1 || c.MaxOrder > MaxOrderLimit {
		return c, fmt.Errorf("%w: maximum order %d out of range 1..%d", ErrConfig, c.MaxOrder, MaxOrderLimit)
	}
	if c.Workers < 0 {
		return c, fmt.Errorf("%w: workers %d must be 0 (all cores) or more", ErrConfig, c.Workers)
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}
