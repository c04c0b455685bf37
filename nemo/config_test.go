package nemo

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoadExample(t *testing.T) {
	c, err := Load("testdata/lora.yaml")
	require.NoError(t, err)
	assert.Equal(t, "sophia-lora-dev", c.Run.Name)
	assert.Equal(t, "testdata", c.Dir)
	assert.Equal(t, 16, c.LoRA.Rank)
	assert.Equal(t, 32.0, c.LoRA.Alpha)
	require.Len(t, c.Data.Train, 2)
	assert.Equal(t, 0.25, *c.Data.Train[1].Weight)
	assert.Equal(t, Pos{Line: 30, Column: 3}, c.Pos["lora.rank"])
	assert.Equal(t, Pos{Line: 20, Column: 7}, c.Pos["data.train[1].weight"])
	assert.Equal(t, 1e-4, c.Training.LearningRate)
	assert.Equal(t, "nvcr.io/nvidia/nemo:24.07", c.Resources.Container)
}

func TestParseDefaults(t *testing.T) {
	c, err := Parse([]byte("run: {name: x}\n"))
	require.NoError(t, err)
	assert.Equal(t, 1, c.BaseModel.TensorParallel)
	assert.Equal(t, 1, c.Resources.Nodes)
	assert.Equal(t, DefaultLabelKey, c.Data.LabelKey)
	assert.Equal(t, DefaultInventory, c.Data.Inventory)
	assert.Equal(t, DefaultPrecision, c.Training.Precision)
	// An explicit 0 stays 0 so that the range check can report it.
	c, err = Parse([]byte("resources: {nodes: 0}\n"))
	require.NoError(t, err)
	assert.Equal(t, 0, c.Resources.Nodes)
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name       string
		in         string
		wantErr    error
		path       string
		line, col  int
		suggestion string
	}{
		{"unknown top-level", "lorra:\n  rank: 8\n", ErrUnknownKey, "lorra", 1, 1, "lora"},
		{"unknown nested", "lora:\n  rank: 8\n  rnak: 8\n", ErrUnknownKey, "lora.rnak", 3, 3, "rank"},
		{"unknown in list item", "data:\n  train:\n    - file: a.jsonl\n      wieght: 1\n", ErrUnknownKey, "data.train[0].wieght", 4, 7, "weight"},
		{"no suggestion", "training:\n  zzzzzzzzzz: 1\n", ErrUnknownKey, "training.zzzzzzzzzz", 2, 3, ""},
		{"contained name", "lora:\n  lora_rank: 8\n", ErrUnknownKey, "lora.lora_rank", 2, 3, "rank"},
		{"duplicate", "lora:\n  rank: 8\n  rank: 9\n", ErrDuplicate, "lora.rank", 3, 3, ""},
		{"string for int", "lora:\n  rank: sixteen\n", ErrType, "lora.rank", 2, 9, ""},
		{"scalar for mapping", "lora: 8\n", ErrType, "lora", 1, 7, ""},
		{"scalar for list", "lora:\n  target_modules: attention_qkv\n", ErrType, "lora.target_modules", 2, 19, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.in))
			require.ErrorIs(t, err, tt.wantErr)
			var ke *KeyError
			require.True(t, errors.As(err, &ke))
			assert.Equal(t, tt.path, ke.Path)
			assert.Equal(t, tt.line, ke.Line)
			assert.Equal(t, tt.col, ke.Col)
			assert.Equal(t, tt.suggestion, ke.Suggestion)
			if tt.suggestion != "" {
				assert.Contains(t, err.Error(), `did you mean "`+tt.suggestion+`"?`)
			}
		})
	}
}

func TestParseSeveralUnknownKeys(t *testing.T) {
	_, err := Parse([]byte("lora:\n  rnak: 1\ntraning:\n  steps: 3\n"))
	require.Error(t, err)
	msg := err.Error()
	assert.Contains(t, msg, "line 2 column 3: lora.rnak")
	assert.Contains(t, msg, "line 3 column 1: traning")
	assert.Contains(t, msg, `did you mean "training"?`)
}

func TestParseSyntax(t *testing.T) {
	_, err := Parse([]byte("lora: [\n"))
	require.ErrorIs(t, err, ErrSyntax)
}

func FuzzParse(f *testing.F) {
	for _, p := range []string{"testdata/lora.yaml"} {
		b, err := os.ReadFile(p)
		require.NoError(f, err)
		f.Add(b)
	}
	f.Add([]byte("lora: {rank: 8, alpha: 16}\n"))
	f.Add([]byte("a: &x {b: *x}\n"))
	f.Add([]byte("data:\n  train:\n    - file: a\n      weight: .5\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Parse(b)
		if err != nil {
			if c != nil {
				t.Fatal("config and error")
			}
			if strings.TrimSpace(err.Error()) == "" {
				t.Fatal("empty error")
			}
			return
		}
		_ = CheckConfig(c) // never panics either
	})
}

func TestParseNumbers(t *testing.T) {
	c, err := Parse([]byte("training:\n  learning_rate: 1e-4\n  steps: 10\nlora:\n  alpha: 16\n"))
	require.NoError(t, err)
	assert.Equal(t, 1e-4, c.Training.LearningRate)
	assert.Equal(t, 16.0, c.LoRA.Alpha)
	_, err = Parse([]byte("training:\n  steps: 10.5\n"))
	require.ErrorIs(t, err, ErrType)
	_, err = Parse([]byte("data:\n  train:\n    - file: a\n      weight: '0.5'\n"))
	require.ErrorIs(t, err, ErrType)
}
