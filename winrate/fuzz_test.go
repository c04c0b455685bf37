package winrate

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks every reader on arbitrary input, seeded from every file in
// testdata: no panic, every outcome in [0, 1], the Stats consistent.
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
		if err != nil {
			return
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
