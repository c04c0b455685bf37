package winrate

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// endless yields Arena battles without end and counts the bytes read.
type endless struct {
	n    int
	read int
	buf  []byte
}

func (e *endless) Read(p []byte) (int, error) {
	for len(e.buf) < len(p) {
		e.buf = fmt.Appendf(e.buf, "{\"model_a\": \"m%d\", \"model_b\": \"b\", \"winner\": \"model_a\"}\n", e.n%7)
		e.n++
	}
	k := copy(p, e.buf)
	e.buf = e.buf[k:]
	e.read += k
	return k, nil
}

// TestScanStreams checks that Scan hands out records while it reads: it stops
// an endless JSON Lines stream after reading about one buffer.
func TestScanStreams(t *testing.T) {
	src := &endless{}
	stop := errors.New("stop")
	seen := 0
	_, err := Scan(src, "endless", ReadConfig{}, func(Comparison) error {
		seen++
		if seen == 1000 {
			return stop
		}
		return nil
	})
	require.ErrorIs(t, err, stop)
	assert.Less(t, src.read, 1<<20)
}

// TestScanMatchesParse checks records spanning lines, blank lines, several
// records on a line, dropped records and the line of a bad record.
func TestScanMatchesParse(t *testing.T) {
	tests := []struct {
		name, in string
		line     int // of the bad record, 0 when there is none
	}{
		{"lines", "{\"model_a\": \"a\", \"model_b\": \"b\", \"winner\": \"tie\"}\n\n{\"model_a\": \"b\", \"model_b\": \"a\", \"winner\": \"model_b\"}", 0},
		{"spanning", "{\"model_a\": \"a\",\n \"model_b\": \"b\",\n\n \"winner\": \"tie\"}\n{\"model_a\": \"b\", \"model_b\": \"a\", \"winner\": \"model_b\"} {\"model_a\": \"a\", \"model_b\": \"c\", \"winner\": \"model_a\"}\n", 0},
		{"array", "\n [{\"generator_1\": \"b\", \"generator_2\": \"m\", \"preference\": 1.5},\n {\"generator_1\": \"b\", \"generator_2\": \"m\", \"preference\": NaN}]", 0},
		{"bad", "{\"id\": 1, \"model\": \"m\", \"baseline\": \"b\", \"outcome\": 1}\n\n{\"id\": 2,\n \"model\": \"m\", \"baseline\": \"b\", \"outcome\": 2}\n", 3},
		{"truncated", "{\"id\": 1, \"model\": \"m\", \"baseline\": \"b\", \"outcome\": 1}\n{\"id\": 2,\n", 2},
		{"empty", " \n", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, winfo, werr := Parse([]byte(tt.in), "f", ReadConfig{})
			var got []Comparison
			info, err := Scan(strings.NewReader(tt.in), "f", ReadConfig{}, func(c Comparison) error {
				got = append(got, c)
				return nil
			})
			if werr != nil {
				require.Error(t, err)
				assert.Equal(t, werr.Error(), err.Error())
				var re *RecordError
				if tt.line > 0 {
					require.ErrorAs(t, err, &re)
					assert.Equal(t, tt.line, re.Line)
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, winfo, info)
			assert.Equal(t, want, got)
		})
	}
}

// TestFitBattlesWorkers checks that counting battles first gives FitRatings'
// result, and that the bootstrap does not depend on the number of goroutines.
func TestFitBattlesWorkers(t *testing.T) {
	var cs []Comparison
	for i := range 600 {
		a, b := fmt.Sprint("m", i%5), fmt.Sprint("m", (i/5)%5)
		cs = append(cs, Comparison{Model: a, Baseline: b, Outcome: []float64{1, 0, 0.5, 1}[i%4]})
	}
	ctx := context.Background()
	want, err := FitRatings(ctx, cs, RatingConfig{Rounds: 40, Seed: 3, Workers: 1})
	require.NoError(t, err)
	var bt Battles
	for _, c := range cs {
		require.NoError(t, bt.Add(c))
	}
	assert.Equal(t, int64(480), bt.Len()) // 120 self-battles left out
	assert.LessOrEqual(t, bt.Triples(), 5*4*3)
	for _, w := range []int{1, 2, 3, 0} {
		got, err := FitBattles(ctx, &bt, RatingConfig{Rounds: 40, Seed: 3, Workers: w})
		require.NoError(t, err)
		assert.Equal(t, want.Models, got.Models, "workers=%d", w)
	}
	require.ErrorIs(t, bt.Add(Comparison{Model: "a", Baseline: "b", Outcome: 1.5}), ErrOutcome)
	_, err = FitBattles(ctx, &Battles{}, RatingConfig{})
	require.ErrorIs(t, err, ErrNoData)
	_, err = FitBattles(ctx, &bt, RatingConfig{Workers: -1})
	require.ErrorIs(t, err, ErrConfig)
}
