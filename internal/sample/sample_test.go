package sample

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"io/fs"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The demo project's evaluation set is the sample corpus: the same questions and
// references in the same order, so its baseline predictions line up with them.
func TestProjectMatchesSample(t *testing.T) {
	p := Project()
	type rec struct{ Input, Output, Pred, Label, ID string }
	lines := func(r io.Reader) []rec {
		var out []rec
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			var x rec
			require.NoError(t, json.Unmarshal(sc.Bytes(), &x))
			out = append(out, x)
		}
		return out
	}
	open := func(name string) io.Reader {
		b, err := fs.ReadFile(p, name)
		require.NoError(t, err)
		return bytes.NewReader(b)
	}
	eval := lines(open("data/eval.jsonl"))
	preds := lines(Predictions())
	base := lines(open("results/baseline/predictions.jsonl"))
	orig := lines(Baseline())
	require.Len(t, eval, 20)
	require.Len(t, preds, 20)
	require.Len(t, base, 20)
	for i := range eval {
		assert.Equal(t, preds[i].Input, eval[i].Input)
		assert.Equal(t, preds[i].Label, eval[i].Output)
		assert.NotEmpty(t, eval[i].ID)
		assert.Equal(t, orig[i].Pred, base[i].Pred)
		assert.Equal(t, eval[i].Output, base[i].Label)
	}
	// No evaluation question is a training question.
	train := map[string]bool{}
	for _, f := range []string{"data/train_support.jsonl", "data/train_faq.jsonl"} {
		for _, r := range lines(open(f)) {
			train[r.Input] = true
		}
	}
	assert.Len(t, train, 28)
	for _, r := range eval {
		assert.False(t, train[r.Input], r.Input)
	}
	for _, f := range []string{"lora.yaml", "models/sophia-mini.nemo", "orchestration_journal/data/datasets.md"} {
		_, err := fs.Stat(p, f)
		assert.NoError(t, err, f)
	}
}
