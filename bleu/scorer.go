package bleu

import (
	"sync"
)

// Scorer computes BLEU for one Config. A Scorer is safe for concurrent use.
type Scorer struct {
	cfg  Config
	tok  Tokenizer
	pool sync.Pool
}

// New returns a Scorer for c. The zero Config gives sacreBLEU's defaults; an invalid
// Config is an error wrapping ErrConfig or ErrUnknownTokenizer.
func New(c Config) (*Scorer, error) {
	c, err := c.withDefaults()
	if err != nil {
		return nil, err
	}
	tok, err := NewTokenizer(c.Tokenize)
	if err != nil {
		return nil, err
	}
	c.Tokenize = tok.Name()
	return &Scorer{cfg: c, tok: tok}, nil
}

// Config returns the Scorer's configuration with every default filled in.
func (sc *Scorer) Config() Config { return sc.cfg }

// Tokenizer returns the tokenizer the Scorer uses.
func (sc *Scorer) Tokenizer() Tokenizer { return sc.tok }

func (sc *Scorer) getScratch() *scratch {
	if w, ok := sc.pool.Get().(*scratch); ok {
		return w
	}
	return new(scratch)
}

func (sc *Scorer) putScratch(w *scratch) { sc.pool.Put(w) }

// Signature returns the signature of scores computed from st, without the fields of
// the statistical tests.
func (sc *Scorer) Signature(st Stats) Signature {
	return Signature{
		NRefs:          st.NRefs(),
		Lowercase:      sc.cfg.Lowercase,
		EffectiveOrder: sc.cfg.EffectiveOrder,
		Tokenizer:      sc.cfg.Tokenize,
		Smooth:         sc.cfg.Smooth,
		SmoothValue:    sc.cfg.SmoothValue,
		Version:        Version,
	}
}

// Score computes BLEU from st.
func (sc *Scorer) Score(st Stats) Score {
	var correct, total [MaxOrderLimit]float64
	for i := range sc.cfg.MaxOrder {
		correct[i] = float64(st.Correct[i])
		total[i] = float64(st.Total[i])
	}
	s := sc.compute(correct[:sc.cfg.MaxOrder], total[:sc.cfg.MaxOrder], float64(st.HypLen), float64(st.RefLen), false)
	s.Signature = sc.Signature(st)
	return s
}

// Sentence returns the BLEU of one hypothesis against its references. It equals
// sc.Score(sc.Segment(hyp, refs)); for sacreBLEU's sentence-level scores, use a Config
// with EffectiveOrder set, as sacreBLEU's command line does.
func (sc *Scorer) Sentence(hyp string, refs []string) Score {
	return sc.Score(sc.Segment(hyp, refs))
}
