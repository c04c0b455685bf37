package nemo

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stageConfig is a minimal config in a temporary directory with train files a
// (n lines) and b (m lines) keyed q/a, and a validation file v.
func stageConfig(t *testing.T, n, m int, wa, wb float64) *Config {
	t.Helper()
	dir := t.TempDir()
	write := func(name, prefix string, k int) {
		var b strings.Builder
		for i := 0; i < k; i++ {
			fmt.Fprintf(&b, `{"q": "%s-%d <x>", "a": "ans %d", "id": %d}`+"\n", prefix, i, i, i)
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(b.String()), 0o644))
	}
	write("a.jsonl", "a", n)
	write("b.jsonl", "b", m)
	write("v.jsonl", "v", 3)
	c := &Config{Dir: dir}
	c.Run.Name, c.Run.OutputDir = "r", "out"
	c.Data.Train = []TrainFile{{File: "a.jsonl", Weight: f64(wa)}, {File: "b.jsonl", Weight: f64(wb)}}
	c.Data.Validation = []string{"v.jsonl"}
	c.Data.InputKey, c.Data.LabelKey = "q", "a"
	c.Data.PromptTemplate = "Q: {q}\nA: {a}"
	c.Training.GlobalBatchSize, c.Training.Steps, c.Training.Seed = 4, 25, 7
	return c
}

func readLines(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var out []map[string]any
	s := bufio.NewScanner(f)
	for s.Scan() {
		var m map[string]any
		require.NoError(t, json.Unmarshal(s.Bytes(), &m), s.Text())
		out = append(out, m)
	}
	return out
}

func TestTrainShares(t *testing.T) {
	for _, tc := range []struct {
		name    string
		weights []*float64
		n       int64
		want    []int64
	}{
		{"single unweighted", []*float64{nil}, 101, []int64{101}},
		{"three quarters", []*float64{f64(0.75), f64(0.25)}, 101, []int64{76, 25}},
		{"remainders to largest fraction", []*float64{f64(0.5), f64(0.3), f64(0.2)}, 7, []int64{4, 2, 1}},
		{"ties to the earlier file", []*float64{f64(0.5), f64(0.5)}, 3, []int64{2, 1}},
		{"unweighted several", []*float64{nil, nil, nil}, 10, []int64{4, 3, 3}},
		{"zero", []*float64{f64(1)}, 0, []int64{0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &Config{}
			for _, w := range tc.weights {
				c.Data.Train = append(c.Data.Train, TrainFile{File: "x", Weight: w})
			}
			got := TrainShares(c, tc.n)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestTrainSamples(t *testing.T) {
	c := &Config{}
	c.Training.GlobalBatchSize, c.Training.Steps = 32, 1000
	assert.Equal(t, int64(32160), TrainSamples(c)) // ceil(32 x 1000 x 1.005)
}

func TestStageData(t *testing.T) {
	for _, tc := range []struct {
		name   string
		n, m   int
		wa, wb float64
		wantA  int
	}{
		{"weights 3:1, small files repeat", 10, 10, 0.75, 0.25, 76}, // 101 samples
		{"weights 1:1, one file larger than its share", 200, 5, 0.5, 0.5, 51},
		{"weights 0.9:0.1", 3, 3, 0.9, 0.1, 91},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := stageConfig(t, tc.n, tc.m, tc.wa, tc.wb)
			dir := filepath.Join(c.Dir, "stage")
			st, err := StageData(context.Background(), c, dir)
			require.NoError(t, err)
			train := readLines(t, filepath.Join(dir, StagedTrain))
			require.Len(t, train, 101)
			assert.Equal(t, int64(101), st.Train.Items)
			count := map[string]int{}
			perItem := map[string]int{}
			for _, r := range train {
				require.Contains(t, r, "input")
				require.Contains(t, r, "output")
				assert.NotContains(t, r, "q")
				assert.NotContains(t, r, "a")
				assert.Contains(t, r, "id")
				in := r["input"].(string)
				count[in[:1]]++
				perItem[in]++
			}
			assert.Equal(t, tc.wantA, count["a"])
			assert.Equal(t, 101-tc.wantA, count["b"])
			assert.Equal(t, []StagedSource{{"a.jsonl", int64(tc.wantA), tc.wa}, {"b.jsonl", int64(101 - tc.wantA), tc.wb}}, st.Train.From)
			// Passes over a file: no item is taken k+1 times before every item
			// of its file was taken k times.
			for _, f := range []struct {
				prefix string
				lines  int
			}{{"a", tc.n}, {"b", tc.m}} {
				lo, hi := 1<<30, 0
				for i := 0; i < f.lines; i++ {
					k := perItem[fmt.Sprintf("%s-%d <x>", f.prefix, i)]
					lo, hi = min(lo, k), max(hi, k)
				}
				assert.LessOrEqual(t, hi-lo, 1, f.prefix)
			}
			val := readLines(t, filepath.Join(dir, StagedValidation))
			require.Len(t, val, 3)
			assert.Equal(t, "v-0 <x>", val[0]["input"])
			assert.Equal(t, "ans 2", val[2]["output"])
		})
	}
}

func TestStageDataDeterministic(t *testing.T) {
	c := stageConfig(t, 17, 9, 0.6, 0.4)
	stage := func(dir string) []byte {
		_, err := StageData(context.Background(), c, filepath.Join(c.Dir, dir))
		require.NoError(t, err)
		b, err := os.ReadFile(filepath.Join(c.Dir, dir, StagedTrain))
		require.NoError(t, err)
		return b
	}
	one, two := stage("one"), stage("two")
	assert.Equal(t, one, two)
	assert.Contains(t, string(one), `"input":"a-0 <x>"`, "no HTML escaping")
	c.Training.Seed++
	assert.NotEqual(t, one, stage("three"), "another seed, another order")
}

func TestStageDataBadLines(t *testing.T) {
	for _, tc := range []struct {
		name, file, content, want string
	}{
		{"not JSON", "a.jsonl", "{\"q\": \"x\", \"a\": \"y\"}\nnope\n", "a.jsonl:2: not a JSON object"},
		{"missing label", "b.jsonl", "{\"q\": \"x\", \"a\": \"y\"}\n{\"q\": \"x\", \"a\": \"y\"}\n{\"q\": \"x\"}\n", `b.jsonl:3: no "a" key`},
		{"label not a string", "v.jsonl", "{\"q\": \"x\", \"a\": 1}\n", `v.jsonl:1: "a" is not a string`},
		{"empty line", "a.jsonl", "{\"q\": \"x\", \"a\": \"y\"}\n\n{\"q\": \"x\", \"a\": \"y\"}\n", "a.jsonl:2: empty line"},
		{"null", "a.jsonl", "null\n", "a.jsonl:1: not a JSON object"},
		{"empty file", "b.jsonl", "", "b.jsonl: file is empty"},
		{"array", "a.jsonl", "[1]\n", "a.jsonl:1: not a JSON object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := stageConfig(t, 4, 4, 0.5, 0.5)
			require.NoError(t, os.WriteFile(filepath.Join(c.Dir, tc.file), []byte(tc.content), 0o644))
			dir := filepath.Join(c.Dir, "stage")
			_, err := StageData(context.Background(), c, dir)
			require.ErrorIs(t, err, ErrStage)
			assert.Contains(t, err.Error(), tc.want)
			_, statErr := os.Stat(filepath.Join(dir, StagedTrain))
			assert.True(t, os.IsNotExist(statErr), "nothing half-written")
		})
	}
}

func TestStageDataNoValidation(t *testing.T) {
	c := stageConfig(t, 4, 4, 0.5, 0.5)
	c.Data.Validation = nil
	_, err := StageData(context.Background(), c, t.TempDir())
	require.ErrorIs(t, err, ErrStage)
	assert.Contains(t, err.Error(), "validation.jsonl")
}

func TestStagedRecordKeys(t *testing.T) {
	// Keys may swap names; a stray "output" key is replaced by the label.
	rec, msg := stagedRecord([]byte(`{"output": "the prompt", "input": "the answer", "x": [1, 2]}`), "output", "input")
	require.Empty(t, msg)
	assert.Equal(t, `{"input":"the prompt","output":"the answer","x":[1,2]}`+"\n", string(rec))
	rec, msg = stagedRecord([]byte(`{"q": "p", "a": "l", "output": "old"}`), "q", "a")
	require.Empty(t, msg)
	assert.Equal(t, `{"input":"p","output":"l"}`+"\n", string(rec))
}

func TestStagedTemplate(t *testing.T) {
	c := stageConfig(t, 1, 1, 0.5, 0.5)
	assert.Equal(t, "Q: {input}\nA: {output}", StagedTemplate(c))
}
