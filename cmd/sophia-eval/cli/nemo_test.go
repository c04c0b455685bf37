package cli

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sophia-ai/sophia-eval/nemo"
)

const nemoExample = "../../../nemo/testdata/lora.yaml"

// nemoConfig copies the example's directory to a temporary one, writes the
// example config there changed by edit, and returns its path.
func nemoConfig(t *testing.T, edit func(string) string) string {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Dir(nemoExample)
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == src {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dir, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if rel == "lora.yaml" {
			b = []byte(edit(string(b)))
		}
		return os.WriteFile(filepath.Join(dir, rel), b, 0o644)
	})
	require.NoError(t, err)
	return filepath.Join(dir, "lora.yaml")
}

func TestNeMoCheckExitCodes(t *testing.T) {
	code, out, errOut := runCLI(t, "", "nemo", "check", nemoExample)
	assert.Equal(t, ExitOK, code, errOut)
	assert.Equal(t, nemoExample+": all hard checks passed (0 warnings)\n", out)

	bad := nemoConfig(t, func(s string) string {
		s = strings.Replace(s, "nemo:24.07", "nemo:24.06", 1)
		return strings.Replace(s, "global_batch_size: 32", "global_batch_size: 48", 1)
	})
	code, out, _ = runCLI(t, "", "nemo", "check", bad)
	assert.Equal(t, ExitFindings, code)
	assert.Contains(t, out, ":55: error [container_tag] resources.container: \"24.06\" is not a NeMo Framework release; known: 24.01, 24.03, 24.05, 24.07, 24.09")
	assert.Contains(t, out, "error [batch_not_divisible] training.global_batch_size:")
	assert.Contains(t, out, "2 errors, 0 warnings\n")

	code, out, _ = runCLI(t, "", "nemo", "check", "--silent", bad)
	assert.Equal(t, ExitFindings, code)
	assert.Equal(t, 2, strings.Count(out, "\n"))

	unknown := nemoConfig(t, func(s string) string { return strings.Replace(s, "  rank: 16", "  rnak: 16", 1) })
	code, out, errOut = runCLI(t, "", "nemo", "check", unknown)
	assert.Equal(t, ExitError, code)
	assert.Empty(t, out)
	assert.Contains(t, errOut, `line 30 column 3: lora.rnak: nemo: unknown key`)
	assert.Contains(t, errOut, `(did you mean "rank"?)`)

	code, _, _ = runCLI(t, "", "nemo", "check", "no-such.yaml")
	assert.Equal(t, ExitError, code)
	code, _, _ = runCLI(t, "", "nemo", "check", "--format", "xml", nemoExample)
	assert.Equal(t, ExitError, code)
}

func TestNeMoCheckJSON(t *testing.T) {
	bad := nemoConfig(t, func(s string) string { return strings.Replace(s, "alpha: 32", "alpha: 200", 1) })
	code, out, _ := runCLI(t, "", "nemo", "check", "--format", "json", bad)
	assert.Equal(t, ExitOK, code)
	var got nemoCheckJSON
	require.NoError(t, json.Unmarshal([]byte(out), &got))
	assert.True(t, got.OK)
	assert.Equal(t, 1, got.Warnings)
	require.Len(t, got.Findings, 1)
	assert.Equal(t, nemoFindingJSON{Severity: "warning", Code: "alpha_ratio", Path: "lora.alpha", Line: 31, Column: 3,
		Message: "lora.alpha/lora.rank is 12.5; the usual range is 1-2 (the update is scaled by alpha/rank)"}, got.Findings[0])
}

func TestNeMoRender(t *testing.T) {
	cfg := nemoConfig(t, func(s string) string { return s })
	out := filepath.Join(t.TempDir(), "configs", "nemo", "sophia_lora.yaml")
	code, stdout, errOut := runCLI(t, "", "nemo", "render", "--out", out, cfg)
	require.Equal(t, ExitOK, code, errOut)
	assert.Contains(t, stdout, "container 24.07: NeMo 2.0.0rc1\nwrote "+out+"\n")
	assert.Contains(t, stdout, "megatron_gpt_finetuning.py --config-path="+filepath.Dir(out)+" --config-name=sophia_lora\n")
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Contains(t, string(b), "peft_scheme: lora\n")

	code, stdout, _ = runCLI(t, "", "nemo", "render", "--format", "json", "--out", out, cfg)
	require.Equal(t, ExitOK, code)
	var got nemoRenderJSON
	require.NoError(t, json.Unmarshal([]byte(stdout), &got))
	assert.Equal(t, "2.0.0rc1", got.NeMo)
	assert.Equal(t, out, got.ConfigFile)

	nemo2 := nemoConfig(t, func(s string) string {
		s = strings.Replace(s, "nemo:24.07", "nemo:24.09", 1)
		s = strings.Replace(s, "- attention_qkv ", "- linear_qkv ", 1)
		return strings.Replace(s, "- attention_dense ", "- linear_proj ", 1)
	})
	out2 := filepath.Join(t.TempDir(), "x.yaml")
	code, stdout, errOut = runCLI(t, "", "nemo", "render", "--out", out2, nemo2)
	require.Equal(t, ExitOK, code, errOut)
	py := strings.TrimSuffix(out2, ".yaml") + ".py"
	assert.Contains(t, stdout, "wrote "+py+"\ncommand:\n  python "+py+"\n")
	assert.NoFileExists(t, out2)
	b, err = os.ReadFile(py)
	require.NoError(t, err)
	assert.Contains(t, string(b), "llm.FineTuningDataModule")

	// nemo stage writes the dataset root the launcher reads.
	root := filepath.Join(t.TempDir(), "ds")
	code, stdout, errOut = runCLI(t, "", "nemo", "stage", "--format", "json", "--dataset-root", root, nemo2)
	require.Equal(t, ExitOK, code, errOut)
	var st nemo.Staged
	require.NoError(t, json.Unmarshal([]byte(stdout), &st))
	assert.Equal(t, int64(32160), st.Train.Items)
	assert.Equal(t, filepath.Join(root, "training.jsonl"), st.Train.Path)
	assert.FileExists(t, filepath.Join(root, "validation.jsonl"))
	code, stdout, errOut = runCLI(t, "", "nemo", "render", "--format", "json", "--dataset-root", root, "--out", out2, nemo2)
	require.Equal(t, ExitOK, code, errOut)
	require.NoError(t, json.Unmarshal([]byte(stdout), &got))
	assert.Equal(t, root, got.DatasetRoot)
	assert.Equal(t, py, got.ConfigFile)

	bad := nemoConfig(t, func(s string) string { return strings.Replace(s, "nemo:24.07", "nemo:24.06", 1) })
	code, _, errOut = runCLI(t, "", "nemo", "render", "--out", out2, bad)
	assert.Equal(t, ExitFindings, code)
	assert.Contains(t, errOut, "container_tag")
	assert.NoFileExists(t, out2)
	code, _, _ = runCLI(t, "", "nemo", "stage", "--dataset-root", filepath.Join(t.TempDir(), "ds"), bad)
	assert.Equal(t, ExitFindings, code)
}

func TestNeMoPlanGolden(t *testing.T) {
	for _, tc := range []struct{ name, format string }{{"plan.txt", "text"}, {"plan.json", "json"}} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, "", "nemo", "plan", "--format", tc.format, nemoExample)
			require.Equal(t, ExitOK, code, errOut)
			p := filepath.Join("testdata", "nemo", tc.name)
			assertGolden(t, p, out)
		})
	}
}
