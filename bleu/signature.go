package bleu

import (
	"strconv"
	"strings"
)

// Signature records how a score was computed, in sacreBLEU's reproducibility format,
// e.g. "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0".
type Signature struct {
	// NRefs is the number of references per segment, or -1 when it varies ("var").
	NRefs int
	// Bootstrap is the number of bootstrap resamples ("bs"), 0 when none were drawn.
	Bootstrap int
	// Trials is the number of approximate-randomization trials ("ar"), 0 when none.
	Trials int
	// Seed is the seed of the random stream ("seed"): a number or "none"; empty when
	// no test was run.
	Seed string
	// Lowercase, EffectiveOrder, Tokenizer, Smooth and SmoothValue are the Config's.
	Lowercase      bool
	EffectiveOrder bool
	Tokenizer      string
	Smooth         string
	SmoothValue    float64
	// Version is the sacreBLEU version reproduced.
	Version string
}

// Field is one key:value pair of a signature.
type Field struct {
	Key, Short, Value string
}

// Fields returns the signature's fields in sacreBLEU's order, leaving out those
// without a value.
func (s Signature) Fields() []Field {
	nrefs := "var"
	if s.NRefs >= 0 {
		nrefs = strconv.Itoa(s.NRefs)
	}
	f := []Field{{"nrefs", "#", nrefs}}
	if s.Bootstrap > 0 {
		f = append(f, Field{"bs", "bs", strconv.Itoa(s.Bootstrap)})
	}
	if s.Trials > 0 {
		f = append(f, Field{"ar", "ar", strconv.Itoa(s.Trials)})
	}
	if s.Seed != "" {
		f = append(f, Field{"seed", "rs", s.Seed})
	}
	kase := "mixed"
	if s.Lowercase {
		kase = "lc"
	}
	eff := "no"
	if s.EffectiveOrder {
		eff = "yes"
	}
	smooth := s.Smooth
	if smooth == SmoothFloor || smooth == SmoothAddK {
		smooth += "[" + strconv.FormatFloat(s.SmoothValue, 'f', 2, 64) + "]"
	}
	return append(f,
		Field{"case", "c", kase},
		Field{"eff", "e", eff},
		Field{"tok", "tok", s.Tokenizer},
		Field{"smooth", "s", smooth},
		Field{"version", "v", s.Version},
	)
}

func (s Signature) format(short bool) string {
	var b strings.Builder
	for i, f := range s.Fields() {
		if i > 0 {
			b.WriteByte('|')
		}
		if short {
			b.WriteString(f.Short)
		} else {
			b.WriteString(f.Key)
		}
		b.WriteByte(':')
		b.WriteString(f.Value)
	}
	return b.String()
}

// String returns the long form of the signature.
func (s Signature) String() string { return s.format(false) }

// Short returns the short form, e.g. "#:1|c:mixed|e:no|tok:13a|s:exp|v:2.6.0".
func (s Signature) Short() string { return s.format(true) }
