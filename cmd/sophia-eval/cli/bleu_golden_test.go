package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cliCase is one line of testdata/bleu/cli/cases.jsonl: a sacreBLEU 2.6.0 command
// line and what it printed (testdata/gen/bleu_cli.py).
type cliCase struct {
	Name   string            `json:"name"`
	Args   []string          `json:"args"`
	Env    map[string]string `json:"env"`
	Stdin  *string           `json:"stdin"`
	Stdout string            `json:"stdout"`
	Stderr string            `json:"stderr"`
	Exit   int               `json:"exit"`
}

// infoLine matches sacreBLEU's INFO messages, which sophia-eval logs at info level
// (or not at all) instead of printing them.
var infoLine = regexp.MustCompile(`^(Found \d+ systems\.|Pre-computing |Computing BLEU |\s*> Performing |Ignoring '|Launching |Otherwise, I need a predefined test set|\[|usage: |sacrebleu: error: |\s)`)

// wantStderr returns the messages of sacreBLEU's stderr that sophia-eval must print
// too: every warning and error, without sacreBLEU's "sacreBLEU: " prefix.
func wantStderr(stderr string) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimRight(stderr, "\n"), "\n") {
		l = strings.TrimPrefix(l, "sacreBLEU: ")
		if l == "" || infoLine.MatchString(l) {
			continue
		}
		out = append(out, l)
	}
	return out
}

// stripExtras removes the keys sophia-eval adds to sacreBLEU's single-system JSON
// (score_exact, counts, ...), which follow sacreBLEU's own keys.
func stripExtras(t *testing.T, got string) string {
	t.Helper()
	i := strings.Index(got, ",\n \"score_exact\": ")
	if i < 0 {
		return got
	}
	if trimmed, ok := strings.CutSuffix(got, ansiReset); ok {
		return stripExtras(t, trimmed) + ansiReset
	}
	require.True(t, strings.HasSuffix(got, "\n}\n"), "extra keys must close the object")
	var v map[string]any
	require.NoError(t, json.Unmarshal([]byte(got), &v), "output must stay valid JSON")
	for _, k := range []string{"score_exact", "counts", "totals", "precisions", "bp", "ratio", "sys_len", "ref_len"} {
		require.Contains(t, v, k)
	}
	return got[:i] + "\n}\n"
}

func loadCLICases(t *testing.T, name string) []cliCase {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "..", "testdata", "bleu", "cli", name))
	require.NoError(t, err)
	defer f.Close()
	var cases []cliCase
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var c cliCase
		require.NoError(t, json.Unmarshal(sc.Bytes(), &c))
		cases = append(cases, c)
	}
	require.NoError(t, sc.Err())
	require.NotEmpty(t, cases)
	return cases
}

// TestBLEUGoldens runs every sacreBLEU command line of the CLI goldens through
// "sophia-eval bleu" and compares stdout byte for byte, the exit code, and the
// warnings and errors on stderr.
func TestBLEUGoldens(t *testing.T) {
	testBLEUGoldens(t, "cases.jsonl", false)
}

// TestBLEUGoldensTerminal runs the cases that sacreBLEU printed to a terminal, where
// its tables and intervals are coloured.
func TestBLEUGoldensTerminal(t *testing.T) {
	testBLEUGoldens(t, "tty_cases.jsonl", true)
}

func testBLEUGoldens(t *testing.T, file string, tty bool) {
	cases := loadCLICases(t, file)
	t.Chdir(filepath.Join("..", "..", "..", "testdata", "bleu"))
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			if slicesContain(c.Args, "-d") || slicesContain(c.Args, "--detail") {
				t.Skip("-d/--detail (translationese subsets) is not supported")
			}
			var stdin []byte
			if c.Stdin != nil {
				var err error
				stdin, err = os.ReadFile(*c.Stdin)
				require.NoError(t, err)
			}
			vars := map[string]string{}
			for k, v := range c.Env {
				vars[k] = v
			}
			var stdout, stderr bytes.Buffer
			code := runEnv(context.Background(), append([]string{"bleu"}, c.Args...), &env{
				stdin: bytes.NewReader(stdin), stdout: &stdout, stderr: &stderr,
				getenv:   func(k string) string { return vars[k] },
				terminal: func(io.Writer) bool { return tty },
			})

			wantCode := c.Exit
			if wantCode == 2 {
				wantCode = ExitError // argparse's usage errors are exit 1 here
			}
			require.Equal(t, wantCode, code, "exit code; stderr:\n%s", stderr.String())
			got := stripExtras(t, stdout.String())
			if c.Exit == 0 {
				assert.Equal(t, c.Stdout, got, "stdout")
			} else {
				assert.Empty(t, got, "stdout on error")
			}
			for _, msg := range wantStderr(c.Stderr) {
				if c.Exit == 2 {
					break
				}
				assert.Contains(t, stderr.String(), msg, "stderr")
			}
		})
	}
}

func slicesContain(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
