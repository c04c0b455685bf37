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

// SegmentStats holds the statistics of every segment of a corpus, in order and
// compactly, for the bootstrap and the paired tests: row i (Cols() values of Rows from
// i·Cols()) is segment i's [hyp_len, ref_len, correct_1..N, total_1..N], sacreBLEU's
// layout, for N = Order. CorpusStats builds it; Append adds a segment.
type SegmentStats struct {
	// Order is the maximum n-gram order N of the rows. Default (when 0): 4.
	Order int
	// Rows holds the rows one after another.
	Rows []int32
}

func (s *SegmentStats) order() int {
	if s.Order == 0 {
		return DefaultMaxOrder
	}
	return s.Order
}

// Cols is the number of values per segment, 2+2·Order.
func (s *SegmentStats) Cols() int { return 2 + 2*s.order() }

// Len is the number of segments.
func (s *SegmentStats) Len() int { return len(s.Rows) / s.Cols() }

// Append adds the statistics of one segment (counts above 2^31-1 do not occur in one
// segment and are not representable).
func (s *SegmentStats) Append(st Stats) {
	n := s.order()
	s.Rows = append(s.Rows, int32(st.HypLen), int32(st.RefLen))
	for i := range n {
		s.Rows = append(s.Rows, int32(st.Correct[i]))
	}
	for i := range n {
		s.Rows = append(s.Rows, int32(st.Total[i]))
	}
}

// At returns the statistics of segment i (without the per-corpus fields MinRefs,
// MaxRefs and TokenizedPeriods, which a row does not keep).
func (s *SegmentStats) At(i int) Stats {
	n, c := s.order(), s.Cols()
	row := s.Rows[i*c : (i+1)*c]
	st := Stats{Segments: 1, HypLen: int64(row[0]), RefLen: int64(row[1])}
	for k := range n {
		st.Correct[k] = int64(row[2+k])
		st.Total[k] = int64(row[2+n+k])
	}
	return st
}

// Sum returns the sum of the rows as Stats (without MinRefs, MaxRefs and
// TokenizedPeriods).
func (s *SegmentStats) Sum() Stats {
	n, c := s.order(), s.Cols()
	var st Stats
	var sum [2 + 2*MaxOrderLimit]int64
	for i := 0; i < len(s.Rows); i += c {
		for k, v := range s.Rows[i : i+c] {
			sum[k] += int64(v)
		}
	}
	st.Segments = int64(s.Len())
	st.HypLen, st.RefLen = sum[0], sum[1]
	for k := range n {
		st.Correct[k] = sum[2+k]
		st.Total[k] = sum[2+n+k]
	}
	return st
}
