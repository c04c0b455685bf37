package bleu

import (
	"strconv"

	"github.com/sophia-ai/sophia-eval/internal/crmath"
)

// Score is a BLEU score with the numbers it was computed from.
type Score struct {
	// Score is BLEU on the 0–100 scale, unrounded.
	Score float64
	// Counts and Totals are the matched and total n-gram counts per order, as
	// sacreBLEU's BLEUScore reports them: with add-k smoothing they include the added
	// k for orders ≥ 2.
	Counts, Totals []float64
	// Precisions are the (smoothed) n-gram precisions in percent.
	Precisions []float64
	// BP is the brevity penalty.
	BP float64
	// SysLen and RefLen are the hypothesis and effective reference lengths in tokens.
	SysLen, RefLen int64
	// Signature describes how the score was computed.
	Signature Signature
}

// Ratio is SysLen/RefLen, or 0 when RefLen is 0.
func (s Score) Ratio() float64 {
	if s.RefLen == 0 {
		return 0
	}
	return float64(s.SysLen) / float64(s.RefLen)
}

// Verbose returns sacreBLEU's verbose part of a score:
// "p1/p2/p3/p4 (BP = 1.000 ratio = 1.000 hyp_len = 9 ref_len = 9)".
func (s Score) Verbose() string { return string(s.appendVerbose(nil)) }

func (s *Score) appendVerbose(b []byte) []byte {
	for i, p := range s.Precisions {
		if i > 0 {
			b = append(b, '/')
		}
		b = strconv.AppendFloat(b, p, 'f', 1, 64)
	}
	b = append(b, " (BP = "...)
	b = strconv.AppendFloat(b, s.BP, 'f', 3, 64)
	b = append(b, " ratio = "...)
	b = strconv.AppendFloat(b, s.Ratio(), 'f', 3, 64)
	b = append(b, " hyp_len = "...)
	b = strconv.AppendInt(b, s.SysLen, 10)
	b = append(b, " ref_len = "...)
	b = strconv.AppendInt(b, s.RefLen, 10)
	return append(b, ')')
}

// Format returns the score as sacreBLEU's Score.format does, with width decimals:
// "BLEU|<signature> = 34.9 77.8/57.1/20.0/16.7 (BP = ...)", or "BLEU = ..." when
// signature is empty, or only the number when scoreOnly is set. Pass
// s.Signature.String() or s.Signature.Short() as the signature.
func (s Score) Format(width int, scoreOnly bool, signature string) string {
	return string(s.AppendFormat(nil, width, scoreOnly, signature))
}

// AppendFormat appends s.Format(width, scoreOnly, signature) to dst.
func (s *Score) AppendFormat(dst []byte, width int, scoreOnly bool, signature string) []byte {
	if scoreOnly {
		return strconv.AppendFloat(dst, s.Score, 'f', width, 64)
	}
	dst = append(dst, "BLEU"...)
	if signature != "" {
		dst = append(dst, '|')
		dst = append(dst, signature...)
	}
	dst = append(dst, " = "...)
	dst = strconv.AppendFloat(dst, s.Score, 'f', width, 64)
	dst = append(dst, ' ')
	return s.appendVerbose(dst)
}

// String returns the score as sacreBLEU's text output prints it: width 1 and the long
// signature.
func (s Score) String() string { return s.Format(1, false, s.Signature.String()) }

// logFloor is sacreBLEU's my_log of 0.
const logFloor = -9999999999.0

// compute is sacreBLEU's compute_bleu. correct and total are copied; sysLen and refLen
// are whole numbers. With f32 set, add-k smoothing adds k in float32 arithmetic, as
// sacreBLEU's bootstrap does on its float32 statistics.
func (sc *Scorer) compute(correct, total []float64, sysLen, refLen float64, f32 bool) Score {
	order := sc.cfg.MaxOrder
	buf := make([]float64, 3*order)
	s := Score{
		Counts:     buf[:order:order],
		Totals:     buf[order : 2*order : 2*order],
		Precisions: buf[2*order:],
		SysLen:     int64(sysLen),
		RefLen:     int64(refLen),
	}
	copy(s.Counts, correct)
	copy(s.Totals, total)
	s.Score = scoreInto(sc.cfg, s.Counts, s.Totals, s.Precisions, sysLen, refLen, f32, &s.BP)
	return s
}

// scoreInto computes BLEU in place: it updates counts and totals for add-k, fills prec
// and *bp, and returns the score. It allocates nothing, so resampling loops can call it.
func scoreInto(c Config, counts, totals, prec []float64, sysLen, refLen float64, f32 bool, bp *float64) float64 {
	*bp = 1.0
	if sysLen < refLen {
		if sysLen > 0 {
			*bp = crmath.Exp(1 - refLen/sysLen)
		} else {
			*bp = 0
		}
	}
	clear(prec)
	anyMatch := false
	for _, x := range counts {
		if x != 0 {
			anyMatch = true
			break
		}
	}
	if !anyMatch {
		return 0
	}
	order := len(prec)
	effOrder := order
	smoothExp := 1.0
	for n := 1; n <= order; n++ {
		if c.Smooth == SmoothAddK && n > 1 {
			if f32 {
				// numpy adds in float64 and stores the sum back into float32.
				counts[n-1] = float64(float32(counts[n-1] + c.SmoothValue))
				totals[n-1] = float64(float32(totals[n-1] + c.SmoothValue))
			} else {
				counts[n-1] += c.SmoothValue
				totals[n-1] += c.SmoothValue
			}
		}
		if totals[n-1] == 0 {
			break
		}
		if c.EffectiveOrder {
			effOrder = n
		}
		if counts[n-1] == 0 {
			switch c.Smooth {
			case SmoothExp:
				smoothExp *= 2
				prec[n-1] = 100 / (smoothExp * totals[n-1])
			case SmoothFloor:
				prec[n-1] = 100 * c.SmoothValue / totals[n-1]
			}
		} else {
			prec[n-1] = 100 * counts[n-1] / totals[n-1]
		}
	}
	sum := 0.0
	for _, p := range prec[:effOrder] {
		if p == 0 {
			sum += logFloor
		} else {
			sum += crmath.Log(p)
		}
	}
	return *bp * crmath.Exp(sum/float64(effOrder))
}
