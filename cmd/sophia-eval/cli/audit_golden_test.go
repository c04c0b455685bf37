package cli

import (
	"fmt"
	"path/filepath"
	"testing"
)

// TestAuditDataGolden runs sophia-eval audit data on the files in
// testdata/audit and compares its text output with testdata/audit/NAME.golden:
// the exit code, then stdout, then stderr. "go test ./cmd/sophia-eval/cli -run
// TestAuditDataGolden -update" rewrites the golden files; review the diff
// before committing.
func TestAuditDataGolden(t *testing.T) {
	const dir = "testdata/audit"
	train, eval := dir+"/train.jsonl", dir+"/eval.jsonl"
	tests := []struct {
		name string
		args []string
	}{
		{"words.text", []string{"--train", train, "--eval", eval}},
		{"chars.text", []string{"--train", train, "--eval", eval, "--chars", "50", "--no-secrets"}},
		{"thresholds.text", []string{"--train", train, "--eval", eval, "--partial", "0.3", "--full", "0.5", "--workers", "1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, "", append([]string{"audit", "data"}, tt.args...)...)
			got := fmt.Sprintf("exit %d\n-- stdout --\n%s-- stderr --\n%s", code, stdout, stderr)
			path := filepath.Join(dir, tt.name+".golden")
			assertGolden(t, path, got)
		})
	}
}
