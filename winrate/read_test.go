package winrate

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func outcomes(cs []Comparison) []float64 {
	out := make([]float64, len(cs))
	for i, c := range cs {
		out[i] = c.Outcome
	}
	return out
}

func TestReadFiles(t *testing.T) {
	tests := []struct {
		name     string
		file     string
		cfg      ReadConfig
		format   Format
		outcomes []float64
		dropped  int
		check    func(t *testing.T, cs []Comparison)
	}{
		{
			name: "alpaca_eval", file: "testdata/annotations.json", format: FormatAlpacaEval,
			outcomes: []float64{1, 0.5, 0.25, 0}, dropped: 2,
			check: func(t *testing.T, cs []Comparison) {
				assert.Equal(t, Comparison{Item: "a", Model: "tuned", Baseline: "base", Outcome: 1,
					ModelLen: 10, BaselineLen: 8, Category: "helpful_base"}, cs[0])
				assert.Equal(t, 1, cs[2].ModelLen, "length in code points")
			},
		},
		{
			name: "arena", file: "testdata/battles.jsonl", format: FormatArena,
			outcomes: []float64{1, 1, 0.5, 0.5, 0},
			check: func(t *testing.T, cs []Comparison) {
				assert.Equal(t, "base", cs[1].Model, "outcomes are from model_a's side")
				assert.Equal(t, "3", cs[2].Item)
				h := HeadToHead(cs, "tuned", "base")
				assert.Equal(t, []float64{1, 0, 0.5, 0.5}, outcomes(h))
			},
		},
		{
			name: "arena_hard", file: "testdata/arena_hard.jsonl", format: FormatArenaHard, cfg: ReadConfig{Baseline: "gpt-4-0314"},
			// u1: game 2 A>B (model is A) = 1; game 1 A>>B (baseline is A) = 0 x3.
			// u2: game 2 A=B = 0.5; game 1 B>A = 1. u3 dropped.
			// u4: game 2 B>>A = 0 x3; game 1 B<<A = A>>B = 0 x3.
			outcomes: []float64{1, 0, 0, 0, 0.5, 1, 0, 0, 0, 0, 0, 0}, dropped: 1,
			check: func(t *testing.T, cs []Comparison) {
				assert.Equal(t, "gpt-4-0314", cs[0].Baseline)
				assert.Equal(t, "o3-mini", cs[6].Baseline)
				assert.Equal(t, "u1", cs[0].Item)
				assert.Equal(t, "hard_prompt", cs[0].Category)
			},
		},
		{
			name: "arena_hard weight 1", file: "testdata/arena_hard.jsonl", format: FormatArenaHard, cfg: ReadConfig{StrongWeight: 1},
			outcomes: []float64{1, 0, 0.5, 1, 0, 0}, dropped: 1,
		},
		{
			name: "simple", file: "testdata/simple.jsonl", format: FormatSimple,
			outcomes: []float64{1, 0.5, 0, 0.75},
			check: func(t *testing.T, cs []Comparison) {
				assert.Equal(t, Comparison{Item: "1", Model: "tuned", Baseline: "base", Outcome: 1,
					ModelLen: 10, BaselineLen: 12, Category: "chat"}, cs[0])
				assert.Equal(t, -1, cs[1].ModelLen)
			},
		},
		{
			name: "scores", file: "testdata/scores.jsonl", format: FormatScores,
			outcomes: []float64{1, 0, 0},
			check: func(t *testing.T, cs []Comparison) {
				assert.Equal(t, Pair{"model", "baseline"}, Pair{cs[0].Model, cs[0].Baseline})
			},
		},
		{
			name: "scores with margin", file: "testdata/scores.jsonl", format: FormatScores,
			cfg: ReadConfig{TieMargin: 0.5, Model: "ft", Baseline: "base"}, outcomes: []float64{1, 0.5, 0},
			check: func(t *testing.T, cs []Comparison) {
				assert.Equal(t, Pair{"ft", "base"}, Pair{cs[0].Model, cs[0].Baseline})
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs, info, err := ReadFile(tt.file, tt.cfg)
			require.NoError(t, err)
			assert.Equal(t, tt.format, info.Format)
			assert.Equal(t, tt.outcomes, outcomes(cs))
			assert.Equal(t, tt.dropped, info.Dropped)
			if tt.check != nil {
				tt.check(t, cs)
			}
			// The format named explicitly reads the same.
			cs2, _, err := ReadFile(tt.file, ReadConfig{Format: tt.format, Baseline: tt.cfg.Baseline,
				StrongWeight: tt.cfg.StrongWeight, TieMargin: tt.cfg.TieMargin, Model: tt.cfg.Model})
			require.NoError(t, err)
			assert.Equal(t, cs, cs2)
		})
	}
}

func TestReadErrors(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		cfg     ReadConfig
		wantErr error
		msg     string
	}{
		{"preference out of range", `[{"generator_1": "b", "generator_2": "m", "preference": 1}, ` + "\n" + `{"generator_1": "b", "generator_2": "m", "preference": 3}]`,
			ReadConfig{}, ErrOutcome, "in.json: record 2 (line 2)"},
		{"preference not a number", `[{"generator_1": "b", "generator_2": "m", "preference": "2"}]`, ReadConfig{}, ErrRecord, "record 1 (line 1)"},
		{"missing generator", `[{"generator_1": "b", "preference": 2}]`, ReadConfig{}, ErrRecord, "generator_2"},
		{"missing preference", `[{"generator_1": "b", "generator_2": "m"}]`, ReadConfig{Format: FormatAlpacaEval}, ErrRecord, "preference"},
		{"bad winner", "{\"model_a\": \"a\", \"model_b\": \"b\", \"winner\": \"a\"}\n", ReadConfig{}, ErrRecord, "winner"},
		{"one game", `{"model": "m", "games": [{"score": "A>B"}]}`, ReadConfig{}, ErrRecord, "2"},
		{"bad label", `{"model": "m", "games": [{"score": "A>B"}, {"score": "A>>>B"}]}`, ReadConfig{}, ErrRecord, "A>>>B"},
		{"outcome out of range", `{"model": "m", "baseline": "b", "outcome": 1.5}`, ReadConfig{}, ErrOutcome, "1.5"},
		{"unknown format", `{"foo": 1}`, ReadConfig{}, ErrFormat, "record 1"},
		{"not an object", "{\"model\": \"m\", \"baseline\": \"b\", \"outcome\": 1}\n[1]\n", ReadConfig{}, ErrRecord, "record 2 (line 2)"},
		{"broken json", "{\"model\": \"m\", \"baseline\": \"b\", \"outcome\": 1}\n{\"model\": \n", ReadConfig{}, ErrRecord, "record 2"},
		{"unclosed array", `[{"model": "m", "baseline": "b", "outcome": 1}`, ReadConfig{}, ErrRecord, "record 2"},
		{"empty", "  \n", ReadConfig{}, ErrNoData, "in.json"},
		{"empty array", "[]", ReadConfig{}, ErrNoData, "in.json"},
		{"bad format name", "{}", ReadConfig{Format: "csv"}, ErrFormat, "csv"},
		{"negative margin", "{}", ReadConfig{TieMargin: -1}, ErrConfig, "margin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Read(strings.NewReader(tt.in), "in.json", tt.cfg)
			require.ErrorIs(t, err, tt.wantErr)
			assert.Contains(t, err.Error(), tt.msg)
			var re *RecordError
			if errors.As(err, &re) {
				assert.Equal(t, "in.json", re.File)
			}
		})
	}
}

func TestPythonLiterals(t *testing.T) {
	in := `{"s": "NaN Infinity", "a": NaN, "b": -Infinity, "c": Infinity, "d": -1}`
	assert.Equal(t, `{"s": "NaN Infinity", "a": null, "b": null, "c": null, "d": -1}`, string(pythonLiterals([]byte(in))))
	plain := []byte(`{"a": "\"NaN"}`)
	assert.Equal(t, string(plain), string(pythonLiterals(plain)))
}

func TestFromScores(t *testing.T) {
	cs, err := FromScores("ft", "base", []float64{0.5, 0.4, 0.3}, []float64{0.4, 0.4, 0.35}, []string{"a", "b", "c"}, 0.01)
	require.NoError(t, err)
	assert.Equal(t, []float64{1, 0.5, 0}, outcomes(cs))
	assert.Equal(t, "c", cs[2].Item)
	_, err = FromScores("ft", "base", []float64{1}, nil, nil, 0)
	require.ErrorIs(t, err, ErrMismatch)
	_, err = FromScores("ft", "base", []float64{1}, []float64{1}, nil, -1)
	require.ErrorIs(t, err, ErrConfig)
}
