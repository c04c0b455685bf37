package gpu_test

import (
	"testing"

	"github.com/sophia-ai/sophia-eval/gpu"
)

// FuzzParseRule: no panic, and a rule that parses round-trips through String.
func FuzzParseRule(f *testing.F) {
	for _, s := range append(gpu.DefaultRules, "mem_used_pct>=95.5 for 30s", "throttle==1", "power <= 1e3", "util < 20 for", "x") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := gpu.ParseRule(s)
		if err != nil {
			return
		}
		again, err := gpu.ParseRule(r.String())
		if err != nil {
			t.Fatalf("%q -> %q: %v", s, r.String(), err)
		}
		if again != r {
			t.Fatalf("%q -> %+v -> %q -> %+v", s, r, r.String(), again)
		}
	})
}
