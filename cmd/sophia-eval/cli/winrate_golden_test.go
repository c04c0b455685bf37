package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestWinrateGolden runs sophia-eval winrate on the files in testdata/winrate
// and compares what it prints with testdata/winrate/NAME.golden: the exit code,
// then stdout, then stderr. "go test ./cmd/sophia-eval/cli -run
// TestWinrateGolden -update" rewrites the golden files; review the diff before
// committing.
func TestWinrateGolden(t *testing.T) {
	const dir = "testdata/winrate"
	battles, simple, bad := dir+"/battles.jsonl", dir+"/simple.jsonl", dir+"/bad.jsonl"
	tests := []struct {
		name  string
		args  []string
		stdin string
	}{
		{"head_to_head.text", []string{battles, "--baseline", "base", "--bootstrap", "200", "--seed", "5"}, ""},
		{"head_to_head.json", []string{battles, "--baseline", "base", "--model", "tuned", "--bootstrap", "200", "--seed", "5", "--confidence", "0.9", "--format", "json"}, ""},
		{"length_controlled.text", []string{simple, "--length-controlled"}, ""},
		{"length_controlled.json", []string{"-", "--length-controlled", "--format", "json"}, "simple"},
		{"ratings.text", []string{battles, "--ratings", "--bootstrap", "50", "--seed", "1", "--baseline", "base"}, ""},
		{"ratings.json", []string{battles, "--ratings", "--bootstrap", "50", "--seed", "1", "--anchor", "base", "--anchor-rating", "1200", "--format", "json"}, ""},
		{"elo.text", []string{battles, "--elo"}, ""},
		{"elo.json", []string{battles, "--elo", "--format", "json"}, ""},
		{"bad_record", []string{bad}, ""},
		{"bad_flag", []string{battles, "--format", "yaml"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdin := ""
			if tt.stdin == "simple" {
				data, err := os.ReadFile(simple)
				require.NoError(t, err)
				stdin = string(data)
			}
			code, stdout, stderr := runCLI(t, stdin, append([]string{"winrate"}, tt.args...)...)
			got := fmt.Sprintf("exit %d\n-- stdout --\n%s-- stderr --\n%s", code, stdout, stderr)
			path := filepath.Join(dir, tt.name+".golden")
			assertGolden(t, path, got)
		})
	}
}
