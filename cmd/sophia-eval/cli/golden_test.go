package cli

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// update makes the golden tests of this package rewrite their files under
// testdata instead of comparing with them: "go test ./cmd/sophia-eval/cli -run
// TestXxxGolden -update", then review the diff before committing.
var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// assertGolden compares got with the golden file path, or writes it there with
// -update.
func assertGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run with -update to create it")
	assert.Equal(t, string(want), got)
}
