package nemo

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

func FuzzParseInventory(f *testing.F) {
	b, err := os.ReadFile("testdata/orchestration_journal/data/datasets.md")
	require.NoError(f, err)
	f.Add(b)
	f.Add([]byte("| Path | Owner | Approval |\n|--|--|--|\n| a | | |\n|\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, e := range ParseInventory(b) {
			if e.Line < 1 {
				t.Fatalf("entry without a line: %+v", e)
			}
		}
	})
}

func FuzzParseModelConfig(f *testing.F) {
	f.Add([]byte("hidden_size: 64\nnum_layers: 2\nnum_attention_heads: 4\nffn_hidden_size: 256\nnum_query_groups: 2\nactivation: swiglu\n"))
	f.Add([]byte("hidden_size: 64\nnum_layers: 2\nnum_attention_heads: 4\nffn_hidden_size: 256\nkv_channels: 3\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseModelConfig(b)
		if err != nil {
			return
		}
		if m.LoRAParams(8, []string{"all"}) < 0 && m.HiddenSize < 1<<20 && m.NumLayers < 1<<10 && m.FFNHiddenSize < 1<<20 {
			t.Fatalf("negative parameter count for %+v", m)
		}
	})
}

func FuzzCheckRecord(f *testing.F) {
	f.Add([]byte(`{"input": "a", "output": "b"}`))
	f.Add([]byte(`{"input": 1, "output": "b"}`))
	f.Add([]byte(`[1,2]`))
	f.Add([]byte("\xff"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var st FileStats
		called := false
		msg := checkRecord(b, "input", "output", &st, 1, func(int64, string) { called = true })
		if (msg == "") != called {
			t.Fatalf("msg %q, item called %v", msg, called)
		}
	})
}
