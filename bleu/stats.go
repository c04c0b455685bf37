package bleu

// Stats are the sufficient statistics of BLEU over a set of segments: sacreBLEU's
// [hyp_len, ref_len, correct_1..N, total_1..N] summed over the segments, plus what the
// signature and the warnings need. The zero value is an empty corpus.
//
// Stats of disjoint parts of a corpus combine with Merge in any order and grouping,
// and the score depends only on the merged Stats. A Stats is a plain value and is not
// safe for concurrent mutation.
type Stats struct {
	// Segments is the number of segments.
	Segments int64
	// HypLen is the number of hypothesis tokens (sacreBLEU's sys_len).
	HypLen int64
	// RefLen is the sum over segments of the reference length closest to the
	// hypothesis length, the shorter one on a tie.
	RefLen int64
	// Correct[n-1] is the number of hypothesis n-grams matched in the references,
	// each clipped to its highest count in any one reference.
	Correct [MaxOrderLimit]int64
	// Total[n-1] is the number of hypothesis n-grams.
	Total [MaxOrderLimit]int64
	// MinRefs and MaxRefs are the fewest and most references any segment had. They
	// differ when the number of references varies (the signature's nrefs:var).
	MinRefs, MaxRefs int
	// TokenizedPeriods counts hypotheses that end in " ." before preprocessing;
	// sacreBLEU warns when 100 or more do (text that looks already tokenized).
	TokenizedPeriods int64
}

// Merge adds the statistics of o to s.
func (s *Stats) Merge(o Stats) {
	if o.Segments == 0 {
		return
	}
	if s.Segments == 0 {
		s.MinRefs, s.MaxRefs = o.MinRefs, o.MaxRefs
	} else {
		s.MinRefs = min(s.MinRefs, o.MinRefs)
		s.MaxRefs = max(s.MaxRefs, o.MaxRefs)
	}
	s.Segments += o.Segments
	s.HypLen += o.HypLen
	s.RefLen += o.RefLen
	for i := range s.Correct {
		s.Correct[i] += o.Correct[i]
		s.Total[i] += o.Total[i]
	}
	s.TokenizedPeriods += o.TokenizedPeriods
}

// NRefs returns the number of references per segment, or -1 when it varies (the
// signature's "var"). It is 0 for an empty Stats.
func (s *Stats) NRefs() int {
	if s.MinRefs != s.MaxRefs {
		return -1
	}
	return s.MinRefs
}
