package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// bleuTableGolden is testdata/bleu_table/cases.json, written by
// testdata/gen/bleu_tables.py from sacreBLEU's own print_results_table.
type bleuTableGolden struct {
	Meta  map[string]any `json:"meta"`
	Cases []struct {
		Name      string `json:"name"`
		Format    string `json:"format"`
		Width     int    `json:"width"`
		Color     bool   `json:"color"`
		Strip     bool   `json:"strip"`
		Paired    string `json:"paired"`
		N         int    `json:"n"`
		Signature string `json:"signature"`
		Rows      []struct {
			Name   string   `json:"name"`
			Score  float64  `json:"score"`
			Mean   *float64 `json:"mean"`
			CI     *float64 `json:"ci"`
			PValue *float64 `json:"p_value"`
		} `json:"rows"`
		Stdout string `json:"stdout"`
	} `json:"cases"`
	NumParse []struct {
		S    string  `json:"s"`
		Type string  `json:"type"`
		F2   *string `json:"f2"`
	} `json:"numparse"`
}

func loadBLEUTableGolden(t *testing.T) *bleuTableGolden {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "bleu_table", "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g bleuTableGolden
	if err := json.Unmarshal(data, &g); err != nil {
		t.Fatal(err)
	}
	return &g
}

// TestWriteBLEUTableGolden requires byte equality with sacreBLEU's stdout for
// every golden case.
func TestWriteBLEUTableGolden(t *testing.T) {
	g := loadBLEUTableGolden(t)
	if len(g.Cases) < 50 {
		t.Fatalf("only %d golden cases", len(g.Cases))
	}
	for _, c := range g.Cases {
		t.Run(c.Name, func(t *testing.T) {
			rows := make([]bleuRow, len(c.Rows))
			for i, r := range c.Rows {
				rows[i] = bleuRow{Name: r.Name, Score: r.Score, Mean: r.Mean, CI: r.CI, PValue: r.PValue}
			}
			tbl := bleuTable{
				Format: c.Format, Width: c.Width, Color: c.Color, StripANSI: c.Strip,
				Paired: c.Paired, N: c.N, Signature: c.Signature,
			}
			var buf bytes.Buffer
			if err := writeBLEUTable(&buf, rows, tbl); err != nil {
				t.Fatal(err)
			}
			if got := buf.String(); got != c.Stdout {
				t.Errorf("output differs from sacreBLEU (-want +got):\n%s", lineDiff(c.Stdout, got))
			}
		})
	}
}

// TestTabulateNumberParsing checks the Python int()/float() emulation that
// decides which columns tabulate reformats, against tabulate's own _type and
// _format.
func TestTabulateNumberParsing(t *testing.T) {
	names := map[string]int{"bool": tabBool, "int": tabInt, "float": tabFloat, "text": tabText}
	for _, n := range loadBLEUTableGolden(t).NumParse {
		want, ok := names[n.Type]
		if !ok {
			t.Fatalf("unknown type %q", n.Type)
		}
		if got := tabCellType(n.S); got != want {
			t.Errorf("tabCellType(%.40q) = %d, want %d (%s)", n.S, got, want, n.Type)
		}
		if n.F2 == nil {
			continue
		}
		hasInv := strings.Contains(n.S, "\x1b")
		got, err := tabFormatFloat(n.S, 2, hasInv)
		if err != nil || got != *n.F2 {
			t.Errorf("tabFormatFloat(%.40q, 2) = %q, %v; want %q", n.S, got, err, *n.F2)
		}
	}
}

// TestWriteBLEUTableErrors covers the inputs that are rejected, and checks
// that nothing is written for them.
func TestWriteBLEUTableErrors(t *testing.T) {
	one := 1.0
	two := []bleuRow{{Name: "a", Score: 1}, {Name: "b", Score: 2}}
	tests := []struct {
		name string
		rows []bleuRow
		t    bleuTable
	}{
		{"format", two, bleuTable{Format: "csv"}},
		{"paired", two, bleuTable{Format: "text", Paired: "xx"}},
		{"width", two, bleuTable{Format: "text", Width: -1}},
		{"mean without ci", []bleuRow{{Name: "Baseline: a", Mean: &one}, {Name: "b"}}, bleuTable{Format: "text", Paired: "bs"}},
		{"no rows", nil, bleuTable{Format: "latex"}},
		{"bool in float column", []bleuRow{{Name: "True"}, {Name: "1.5"}}, bleuTable{Format: "text"}},
		{"colorama title", []bleuRow{{Name: "\x1b]0;t\x07x"}, {Name: "b"}}, bleuTable{Format: "text", Color: true, StripANSI: true}},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		if err := writeBLEUTable(&buf, tt.rows, tt.t); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
		if buf.Len() != 0 {
			t.Errorf("%s: wrote %q", tt.name, buf.String())
		}
	}
}

// TestWriteBLEUTableJSONEdges covers what the goldens cannot hold: no rows,
// and names that are not valid UTF-8 (Python sees such argv bytes as lone
// surrogates, which json.dumps escapes).
func TestWriteBLEUTableJSONEdges(t *testing.T) {
	var buf bytes.Buffer
	if err := writeBLEUTable(&buf, nil, bleuTable{Format: "json"}); err != nil || buf.String() != "[]\n" {
		t.Errorf("no rows: %q, %v", buf.String(), err)
	}
	if got, want := tableJSONString("a\xffb\u00e9\U0001F600"), `"a\udcffb\u00e9\ud83d\ude00"`; got != want {
		t.Errorf("tableJSONString = %s, want %s", got, want)
	}
}

// TestTabSplitLines checks the str.splitlines emulation.
func TestTabSplitLines(t *testing.T) {
	for s, want := range map[string][]string{
		"":                           nil,
		"a":                          {"a"},
		"a\n":                        {"a"},
		"\n":                         {""},
		"a\r\nb":                     {"a", "b"},
		"a\r\rb\n\nc":                {"a", "", "b", "", "c"},
		"a\x1cb\u2028c\u0085d\ve\ff": {"a", "b", "c", "d", "e", "f"},
		"a\x1fb":                     {"a\x1fb"},
	} {
		if got := tabSplitLines(s); fmt.Sprint(got) != fmt.Sprint(want) || len(got) != len(want) {
			t.Errorf("tabSplitLines(%q) = %q, want %q", s, got, want)
		}
	}
}

// lineDiff shows the lines of want and got that differ, with escapes made
// visible.
func lineDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < max(len(wl), len(gl)); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if i >= len(wl) || i >= len(gl) || w != g {
			if i < len(wl) {
				fmt.Fprintf(&b, "line %d -%q\n", i+1, w)
			}
			if i < len(gl) {
				fmt.Fprintf(&b, "line %d +%q\n", i+1, g)
			}
		}
	}
	return b.String()
}
