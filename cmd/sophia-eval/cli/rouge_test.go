package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const rougePreds = `{"pred": "The cat sat on the mat.\nIt was happy.", "label": "A cat was sitting on a mat.\nHappy cat."}
{"pred": "hello world", "label": ["hello there world", "world hello"]}
{"pred": "", "label": "nothing matches"}
`

func TestRougeOneFile(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "preds.jsonl", []byte(rougePreds))
	per := filepath.Join(dir, "items.jsonl")
	code, out, stderr := runCLI(t, "", "rouge", p, "--stem", "--format", "json", "--per-sample", per,
		"--bootstrap", "100", "--seed", "3")
	require.Equal(t, 0, code, stderr)
	var v map[string]map[string]map[string]float64
	require.NoError(t, json.Unmarshal([]byte(out), &v))
	require.Equal(t, []string{"rouge1", "rouge2", "rougeL", "rougeLsum"}, keysInOrder(t, out))
	for _, ty := range []string{"rouge1", "rouge2", "rougeL", "rougeLsum"} {
		for _, k := range []string{"mean", "low", "mid", "high"} {
			require.Contains(t, v[ty], k, ty)
		}
		assert.LessOrEqual(t, v[ty]["low"]["fmeasure"], v[ty]["high"]["fmeasure"])
	}
	// rouge-score 0.1.2 with use_stemmer=True: rouge1 of the first item is 5/9.
	lines := strings.Split(strings.TrimSpace(readFile(t, per)), "\n")
	require.Len(t, lines, 3)
	var first, second map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &first))
	require.NoError(t, json.Unmarshal([]byte(lines[1]), &second))
	assert.Equal(t, 0.5555555555555556, first["rouge1"].(map[string]any)["fmeasure"])
	assert.NotContains(t, first["rouge1"], "reference", "one reference: no index")
	assert.Equal(t, 1.0, second["rouge1"].(map[string]any)["reference"], "rouge1 prefers the second reference")
	assert.Equal(t, 0.0, second["rougeL"].(map[string]any)["reference"])

	// The same file through stdin.
	code, out2, _ := runCLI(t, rougePreds, "rouge", "-", "--stem", "--format", "json", "--bootstrap", "100", "--seed", "3")
	require.Equal(t, 0, code)
	assert.Equal(t, out, out2)
}

func keysInOrder(t *testing.T, js string) []string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(js))
	_, err := dec.Token()
	require.NoError(t, err)
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		require.NoError(t, err)
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		require.NoError(t, dec.Decode(&skip))
	}
	return keys
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	return string(b)
}

func TestRougeSeparateFilesAndParquet(t *testing.T) {
	dir := t.TempDir()
	refs := writeFile(t, dir, "refs.txt", []byte("the cat is on the mat\nrain fell all day\n"))
	preds := writeFile(t, dir, "preds.txt", []byte("the cat sat on the mat\nit rained all day\n"))
	per := filepath.Join(dir, "items.parquet")
	code, out, stderr := runCLI(t, "", "rouge", refs, "-i", preds, "--types", "rouge1,rougeL,rougeLsum", "--per-sample", per)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "ROUGE of 2 items")
	assert.Contains(t, stderr, "rougeLsum equals rougeL", "no line breaks: a warning")

	// The Parquet file holds what the JSONL file holds.
	jsonl := filepath.Join(dir, "items.jsonl")
	code, _, _ = runCLI(t, "", "rouge", refs, "-i", preds, "--types", "rouge1,rougeL,rougeLsum", "--per-sample", jsonl)
	require.Equal(t, 0, code)
	f, err := os.Open(per)
	require.NoError(t, err)
	defer f.Close()
	tbl, err := pqarrow.ReadTable(context.Background(), f, nil, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	require.NoError(t, err)
	defer tbl.Release()
	require.Equal(t, int64(2), tbl.NumRows())
	require.Equal(t, int64(1+3*4), tbl.NumCols())
	col := tbl.Column(int(tbl.Schema().FieldIndices("rougeL_fmeasure")[0])).Data().Chunk(0).(*array.Float64)
	for i, line := range strings.Split(strings.TrimSpace(readFile(t, jsonl)), "\n") {
		var v map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &v))
		assert.Equal(t, v["rougeL"].(map[string]any)["fmeasure"], col.Value(i))
	}
	ref := tbl.Column(int(tbl.Schema().FieldIndices("rougeL_reference")[0])).Data().Chunk(0)
	assert.Equal(t, 2, ref.NullN(), "one reference per item: no index")
}

func TestRougeErrors(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "preds.jsonl", []byte(rougePreds))
	short := writeFile(t, dir, "short.txt", []byte("one line\n"))
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"rouge", p, "--types", "rouge0"}, "rougen requires positive n: rouge0"},
		{[]string{"rouge", p, "--types", "ROUGE1"}, "invalid rouge type: ROUGE1"},
		{[]string{"rouge", p, "--types", ""}, "--types"},
		{[]string{"rouge", p, "--confidence", "1.5"}, "--confidence"},
		{[]string{"rouge", p, "--bootstrap", "-1"}, "--bootstrap"},
		{[]string{"rouge", p, "--format", "xml"}, "--format"},
		{[]string{"rouge", p, p}, "give one file"},
		{[]string{"rouge", p, "-i", short}, "different numbers of items"},
		{[]string{"rouge", filepath.Join(dir, "missing.jsonl")}, "no such file"},
		{[]string{"rouge", p, "--pred-field", "answer"}, `"answer"`},
	}
	for _, tt := range tests {
		code, out, stderr := runCLI(t, "", tt.args...)
		assert.Equal(t, ExitError, code, "%v", tt.args)
		assert.Empty(t, out, "%v", tt.args)
		assert.Contains(t, stderr, tt.want, "%v", tt.args)
	}
}
