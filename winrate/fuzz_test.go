package winrate

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// FuzzParse checks every reader on arbitrary input, seeded from every file in
// testdata: no panic, every outcome in [0, 1], the Stats consistent, and the
// streaming Scan gives what Parse gives (the same comparisons and ReadInfo, an
// error exactly when Parse has one, and then the same record).
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*")
	for _, name := range files {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data, uint8(0))
		}
	}
	f.Add([]byte(`[{"generator_1": "b", "generator_2": "m", "preference": -Infinity}]`), uint8(1))
	formats := []Format{FormatAuto, FormatAlpacaEval, FormatArena, FormatArenaHard, FormatSimple, FormatScores}
	f.Fuzz(func(t *testing.T, data []byte, fi uint8) {
		format := formats[int(fi)%len(formats)]
		cs, info, err := Parse(data, "fuzz", ReadConfig{Format: format})
		var scanned []Comparison
		sinfo, serr := Scan(bytes.NewReader(data), "fuzz", ReadConfig{Format: format}, func(c Comparison) error {
			scanned = append(scanned, c)
			return nil
		})
		if (err == nil) != (serr == nil) {
			t.Fatalf("Parse: %v; Scan: %v", err, serr)
		}
		if err != nil {
			var pe, se *RecordError
			if errors.As(err, &pe) != errors.As(serr, &se) || pe != nil && pe.Record != se.Record {
				t.Fatalf("Parse: %v; Scan: %v", err, serr)
			}
			return
		}
		if info != sinfo || !slices.Equal(cs, scanned) {
			t.Fatalf("Parse: %+v %v; Scan: %+v %v", info, cs, sinfo, scanned)
		}
		if info.Records < len(cs)/6 || info.Dropped > info.Records {
			t.Fatalf("info %+v for %d comparisons", info, len(cs))
		}
		var st Stats
		for _, c := range cs {
			if !validOutcome(c.Outcome) {
				t.Fatalf("outcome %v", c.Outcome)
			}
			st.Add(c.Outcome)
		}
		if st.Wins+st.Losses+st.Ties != st.N || st.N != int64(len(cs)) {
			t.Fatalf("counts %+v", st)
		}
	})
}
