package sophiaeval_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencyDirection keeps the layout of DESIGN.md: only the command line
// (cmd/sophia-eval/cli) may use cobra, and no library package may depend on the
// command line.
func TestDependencyDirection(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not available")
	}
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}|{{join .Deps " "}}`, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const module = "github.com/sophia-ai/sophia-eval"
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, deps, _ := strings.Cut(line, "|")
		if strings.HasPrefix(pkg, module+"/cmd/") || strings.HasPrefix(pkg, module+"/bench") {
			continue
		}
		for _, d := range strings.Fields(deps) {
			if strings.HasPrefix(d, "github.com/spf13/") || strings.HasPrefix(d, module+"/cmd/") {
				t.Errorf("%s depends on %s; only cmd/sophia-eval may", pkg, d)
			}
		}
	}
}
