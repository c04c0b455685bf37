package checkpoint

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseJSONObject(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		keys      []string
		errAt     int64 // byte offset of the error; -1 when valid
		line, col int
	}{
		{"members in order with duplicates", ` {"b": 1, "a": {"x": [1]}, "b": "two"} ` + "\n", []string{"b", "a", "b"}, -1, 0, 0},
		{"empty object", `{}`, nil, -1, 0, 0},
		{"empty file", ``, nil, 0, 1, 1},
		{"array", `[1]`, nil, 0, 1, 1},
		{"trailing comma", "{\"a\": 1,\n}", nil, 9, 2, 1},
		{"missing colon", `{"a" 1}`, nil, 5, 1, 6},
		{"bad value", `{"a": tru}`, nil, 9, 1, 10},
		{"number with leading zero", `{"a": 01}`, nil, 7, 1, 8},
		{"trailing data", `{"a": 1} x`, nil, 9, 1, 10},
		{"second object", `{"a": 1}{}`, nil, 8, 1, 9},
		{"truncated", `{"a": [1, 2`, nil, 11, 1, 12},
		{"BOM", "\ufeff{}", nil, 0, 1, 1},
		{"invalid UTF-8", "{\"a\": \"\xff\"}", nil, 7, 1, 8},
		{"NaN literal", `{"a": NaN}`, nil, 6, 1, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms, err := parseJSONObject([]byte(tt.in), 0)
			if tt.errAt < 0 {
				require.Nil(t, err)
				var keys []string
				for _, m := range ms {
					keys = append(keys, m.Key)
					assert.Equal(t, string(m.Value), tt.in[m.Offset:m.Offset+int64(len(m.Value))])
				}
				assert.Equal(t, tt.keys, keys)
				return
			}
			require.NotNil(t, err)
			assert.Equal(t, tt.errAt, err.Offset, err.Error())
			assert.Equal(t, [2]int{tt.line, tt.col}, [2]int{err.Line, err.Col}, err.Error())
		})
	}
}

func TestParseJSONObjectBase(t *testing.T) {
	doc := `{"outer": {"k": "v", "n": 2}}`
	ms, err := parseJSONObject([]byte(doc), 0)
	require.Nil(t, err)
	inner, err := parseJSONObject(ms[0].Value, ms[0].Offset)
	require.Nil(t, err)
	require.Len(t, inner, 2)
	assert.Equal(t, `"v"`, doc[inner[0].Offset:inner[0].Offset+3])
	assert.Equal(t, `2`, doc[inner[1].Offset:inner[1].Offset+1])
}
