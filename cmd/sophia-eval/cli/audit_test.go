package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sophia-ai/sophia-eval/internal/corpus"
)

func auditFixtures(t *testing.T) (dir, train, eval string) {
	t.Helper()
	dir = t.TempDir()
	sentence := "the committee approved the budget for the new library after a long debate about its location and cost"
	train = writeFile(t, dir, "train.jsonl", []byte(strings.Join([]string{
		`{"text":"An unrelated line about cooking pasta with garlic, olive oil and a pinch of salt."}`,
		`{"text":"` + strings.ToUpper(sentence[:20]) + sentence[20:] + `!"}`,
		`{"text":"mail the team at ops-team@example.org for access"}`,
	}, "\n")+"\n"))
	eval = writeFile(t, dir, "eval.jsonl", []byte(strings.Join([]string{
		`{"id":"q1","input":"` + sentence + `"}`,
		`{"id":"q2","input":"a completely different question about rivers, mountains and the weather in spring"}`,
	}, "\n")+"\n"))
	return dir, train, eval
}

func TestAuditData(t *testing.T) {
	dir, train, eval := auditFixtures(t)
	excl := filepath.Join(dir, "flagged.txt")
	res := filepath.Join(dir, "items.jsonl")
	code, out, stderr := runCLI(t, "", "audit", "data", "--train", train, "--eval", eval, "--exclude-out", excl, "--results", res)
	require.Equal(t, ExitFindings, code, stderr)
	assert.Contains(t, out, "eval.jsonl: 2 items: 1 clean, 0 partially contaminated, 1 fully contaminated (1 exact duplicate)")
	assert.Contains(t, out, "fully_contaminated q1: 1.000 of 6 n-grams, exact duplicate; spans 0-101")
	assert.Contains(t, out, "warning email: mail the team at [REDACTED email] for access")
	assert.NotContains(t, out, "ops-team@")
	b, err := os.ReadFile(excl)
	require.NoError(t, err)
	assert.Equal(t, "q1\n", string(b))
	b, err = os.ReadFile(res)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	require.Len(t, lines, 2)
	var r struct {
		Name    string  `json:"name"`
		Share   float64 `json:"share"`
		Verdict string  `json:"verdict"`
	}
	require.NoError(t, json.Unmarshal([]byte(lines[1]), &r))
	assert.Equal(t, "q2", r.Name)
	assert.Equal(t, "clean", r.Verdict)

	// The same results as Parquet, read back with the corpus reader.
	pq := filepath.Join(dir, "items.parquet")
	code, _, stderr = runCLI(t, "", "audit", "data", "--train", train, "--eval", eval, "--results", pq, "--no-secrets")
	require.Equal(t, ExitFindings, code, stderr)
	for field, want := range map[string][]string{"name": {"q1", "q2"}, "verdict": {"fully_contaminated", "clean"}, "spans": {`[{"start":0,"end":101}]`, "[]"}} {
		got, err := corpus.ReadStrings(t.Context(), pq, corpus.Config{Field: field})
		require.NoError(t, err)
		assert.Equal(t, want, got, field)
	}

	// Save the index, reload it, allow the e-mail address: the same verdicts.
	idx := filepath.Join(dir, "train.idx")
	allow := writeFile(t, dir, "allow.txt", []byte("# test\nops-team@example.org\n"))
	code, _, stderr = runCLI(t, "", "audit", "data", "--train", train, "--index-out", idx, "--allow", allow)
	require.Equal(t, ExitOK, code, stderr)
	code, out, stderr = runCLI(t, "", "audit", "data", "--index", idx, "--eval", eval, "--format", "json")
	require.Equal(t, ExitFindings, code, stderr)
	var rep auditReport
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	assert.Equal(t, eval, rep.Datasets[0].File)
	assert.Equal(t, 1, rep.Datasets[0].Full)
	assert.Equal(t, "q1", rep.Items[0].Name)
	assert.Equal(t, idx, rep.Index.LoadedFrom)
	assert.Empty(t, rep.Secrets)

	// Clean: no overlap with a high partial threshold, no secrets scan.
	code, _, stderr = runCLI(t, "", "audit", "data", "--index", idx, "--eval", train, "--ngram", "5", "--no-secrets")
	require.Equal(t, ExitError, code)
	assert.Contains(t, stderr, "index has word 13-grams")

	clean := writeFile(t, dir, "clean.txt", []byte("nothing in common with the training side whatsoever, at all, really\n"))
	code, out, stderr = runCLI(t, "", "audit", "data", "--train", train, "--eval", clean, "--no-secrets")
	require.Equal(t, ExitOK, code, stderr)
	assert.Contains(t, out, "clean.txt: 1 item: 1 clean")

	code, _, stderr = runCLI(t, "", "audit", "data", "--train", filepath.Join(dir, "missing.jsonl"), "--eval", eval)
	require.Equal(t, ExitError, code)
	assert.Contains(t, stderr, "no such file")

	code, _, stderr = runCLI(t, "", "audit", "data", "--eval", eval)
	require.Equal(t, ExitError, code)
	assert.Contains(t, stderr, "--train")
}

func TestAuditDataNumericID(t *testing.T) {
	dir, train, eval := auditFixtures(t)
	b, err := os.ReadFile(eval)
	require.NoError(t, err)
	num := writeFile(t, dir, "eval_num.jsonl", []byte(strings.NewReplacer(`"id":"q1"`, `"id":101`, `"id":"q2"`, `"id":102`).Replace(string(b))))
	code, out, stderr := runCLI(t, "", "audit", "data", "--train", train, "--eval", num, "--no-secrets")
	require.Equal(t, ExitFindings, code, stderr)
	assert.Contains(t, out, "fully_contaminated 101: 1.000 of 6 n-grams, exact duplicate")
}
