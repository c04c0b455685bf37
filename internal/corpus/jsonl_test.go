package corpus

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func readJSONL(t testing.TB, in string, c Config) ([]Item, error) {
	t.Helper()
	c.Format = JSONL
	r, err := NewReader(strings.NewReader(in), "p.jsonl", c)
	require.NoError(t, err)
	defer r.Close()
	return readItems(t, r)
}

func TestJSONLValues(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []Item
	}{
		{"string", `{"pred": "a b"}`, []Item{{Texts: []string{"a b"}, Line: 1}}},
		{"stripped", `{"pred": "a \t\n\u3000"}`, []Item{{Texts: []string{"a"}, Line: 1}}},
		{"inner newline kept", `{"pred": "a\nb\r\nc"}`, []Item{{Texts: []string{"a\nb\r\nc"}, Line: 1}}},
		{"escapes", `{"pred": "q\" b\\ s\/ \b\f\n\r\t x\u00e9\u20AC\ud83d\ude00\u0000"}`,
			[]Item{{Texts: []string{"q\" b\\ s/ \b\f\n\r\t x\u00e9€😀\x00"}, Line: 1}}},
		{"raw unicode", `{"pred": "héllo 😀 \u2028"}`, []Item{{Texts: []string{"héllo 😀"}, Line: 1}}},
		{"null", `{"pred": null}`, []Item{{Null: true, Line: 1}}},
		{"array", `{"pred": ["a ", "b", ""]}`, []Item{{Texts: []string{"a", "b", ""}, Line: 1}}},
		{"empty array", `{"pred": [ ]}`, []Item{{Line: 1}}},
		{"duplicate key: last wins", `{"pred": "a", "x": 1, "pred": ["b"]}`, []Item{{Texts: []string{"b"}, Line: 1}}},
		{"escaped key", `{"p\u0072ed": "a", "pred\u0000": "b"}`, []Item{{Texts: []string{"a"}, Line: 1}}},
		{"other values skipped", `{"a": {"pred": "no", "b": [1, -2.5e+3, true, false, null, {}, []]}, "pred": "yes", "c": "x\"}"}`,
			[]Item{{Texts: []string{"yes"}, Line: 1}}},
		{"Python's NaN and Infinity", `{"score": NaN, "hi": Infinity, "lo": -Infinity, "pred": "a"}`,
			[]Item{{Texts: []string{"a"}, Line: 1}}},
		{"blank lines counted", "\n  \n{\"pred\": \"a\"}\n\t\r\n{\"pred\": \"b\"}\n\n",
			[]Item{{Texts: []string{"a"}, Line: 3}, {Texts: []string{"b"}, Line: 5}}},
		{"CRLF", "{\"pred\": \"a\"}\r\n{\"pred\": \"b\"}\r\n", []Item{{Texts: []string{"a"}, Line: 1}, {Texts: []string{"b"}, Line: 2}}},
		{"no final newline", "{\"pred\": \"a\"}\n{\"pred\": \"b\"}", []Item{{Texts: []string{"a"}, Line: 1}, {Texts: []string{"b"}, Line: 2}}},
		{"BOM at the start skipped", "\ufeff{\"pred\": \"a\"}", []Item{{Texts: []string{"a"}, Line: 1}}},
		{"whitespace everywhere", " \t{ \"pred\" \t: \r\"a\" , \"b\" : [ 1 , 2 ] } \r", []Item{{Texts: []string{"a"}, Line: 1}}},
		{"numbers", `{"a": 0, "b": -0.0e-0, "c": 12E5, "d": 1.5, "pred": "x"}`, []Item{{Texts: []string{"x"}, Line: 1}}},
		{"empty", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readJSONL(t, tt.in, Config{Field: "pred"})
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestJSONLNumbersAsText(t *testing.T) {
	in := `{"id": 42}` + "\n" + `{"id": -1.5e3}` + "\n" + `{"id": "q3"}` + "\n" + `{"id": null}` + "\n"
	got, err := readJSONL(t, in, Config{Field: "id", NumbersAsText: true})
	require.NoError(t, err)
	assert.Equal(t, []Item{{Texts: []string{"42"}, Line: 1}, {Texts: []string{"-1.5e3"}, Line: 2}, {Texts: []string{"q3"}, Line: 3}, {Null: true, Line: 4}}, got)
	_, err = readJSONL(t, in, Config{Field: "id"})
	assert.ErrorIs(t, err, ErrNotString)
}

func TestJSONLErrors(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		fields  []string
		wantErr error
		msg     string
	}{
		{"number", `{"pred": 1}`, nil, ErrNotString, `p.jsonl:1: field "pred" is a number, want a string`},
		{"bool", `{"pred": true}`, nil, ErrNotString, `p.jsonl:1: field "pred" is a boolean, want a string`},
		{"object", `{"pred": {"a": "b"}}`, nil, ErrNotString, `p.jsonl:1: field "pred" is an object, want a string`},
		{"NaN", `{"pred": NaN}`, nil, ErrNotString, `p.jsonl:1: field "pred" is a number, want a string`},
		{"array of numbers", `{"pred": ["a", 2]}`, nil, ErrNotString, `p.jsonl:1: field "pred" element 2 is a number, want a string`},
		{"array with null", `{"pred": [null]}`, nil, ErrNotString, `p.jsonl:1: field "pred" element 1 is null, want a string`},
		{"nested array", `{"pred": [["a"]]}`, nil, ErrNotString, `p.jsonl:1: field "pred" element 1 is an array, want a string`},
		{"missing", "{\"pred\": \"a\"}\n\n{\"input\": \"x\", \"label\": \"y\", \"input\": 2}", nil, ErrMissingField,
			`p.jsonl:3: field "pred" not found; keys present: "input", "label"`},
		{"missing, empty object", `{}`, nil, ErrMissingField, `p.jsonl:1: field "pred" not found; no keys present`},
		{"missing, candidates", `{"input": "x", "lab\u0065l": "y"}`, []string{"pred", "prediction"}, ErrMissingField,
			`p.jsonl:1: none of the fields "pred", "prediction" found; keys present: "input", "label"`},
		{"no field named", `{"input": "x"}`, []string{}, ErrMissingField,
			`p.jsonl:1: no field named (set Config.Field or Config.Fields); keys present: "input"`},
		{"not an object", `["pred"]`, nil, ErrSyntax, `p.jsonl:1: line is an array, want a JSON object`},
		{"a string", `"pred"`, nil, ErrSyntax, `p.jsonl:1: line is a string, want a JSON object`},
		{"null line", `null`, nil, ErrSyntax, `p.jsonl:1: line is null, want a JSON object`},
		{"two objects", `{"pred": "a"} {"pred": "b"}`, nil, ErrSyntax, `p.jsonl:1: invalid JSON: extra data at column 15`},
		{"trailing comma", `{"pred": "a",}`, nil, ErrSyntax, `p.jsonl:1: invalid JSON: expecting property name enclosed in double quotes at column 14`},
		{"missing colon", `{"pred" "a"}`, nil, ErrSyntax, `p.jsonl:1: invalid JSON: expecting ':' delimiter at column 9`},
		{"missing comma", `{"a": 1 "pred": "a"}`, nil, ErrSyntax, `p.jsonl:1: invalid JSON: expecting ',' delimiter at column 9`},
		{"single quotes", `{'pred': 'a'}`, nil, ErrSyntax, `p.jsonl:1: invalid JSON: expecting property name enclosed in double quotes at column 2`},
		{"unterminated", `{"pred": "a}`, nil, ErrSyntax, `p.jsonl:1: invalid JSON: unterminated string starting at column 10`},
		{"raw tab in string", "{\"pred\": \"a\tb\"}", nil, ErrSyntax, `p.jsonl:1: invalid JSON: invalid control character at column 12`},
		{"bad escape", `{"pred": "a\x"}`, nil, ErrSyntax, `p.jsonl:1: invalid JSON: invalid \escape at column 12`},
		{"bad unicode escape", `{"pred": "a\u12g4"}`, nil, ErrSyntax, `p.jsonl:1: invalid JSON: invalid \uXXXX escape at column 12`},
		{"leading zero", `{"a": 01, "pred": "a"}`, nil, ErrSyntax, `p.jsonl:1: invalid JSON: expecting ',' delimiter at column 8`},
		{"bare minus", `{"a": -, "pred": "a"}`, nil, ErrSyntax, `p.jsonl:1: invalid JSON: expecting value at column 7`},
		{"nan lower case", `{"a": nan}`, nil, ErrSyntax, `p.jsonl:1: invalid JSON: expecting value at column 7`},
		{"bad literal", `{"a": tru}`, nil, ErrSyntax, `p.jsonl:1: invalid JSON: expecting value at column 7`},
		{"error in a skipped value", `{"pred": "a", "x": [1, 2,]}`, nil, ErrSyntax, `p.jsonl:1: invalid JSON: expecting value at column 26`},
		{"truncated", `{"pred": "a"`, nil, ErrSyntax, `p.jsonl:1: invalid JSON: expecting ',' delimiter at column 13`},
		{"too deep", `{"a": ` + strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1) + `}`, nil, ErrSyntax,
			`p.jsonl:1: invalid JSON: exceeded maximum nesting depth at column 10006`},
		{"BOM not at the start", "{\"pred\": \"a\"}\n\ufeff{\"pred\": \"b\"}", nil, ErrSyntax,
			`p.jsonl:2: invalid JSON: expecting value at column 1`},
		{"invalid UTF-8 in the value", "{\"pred\": \"a\xffb\"}", nil, ErrInvalidUTF8, `p.jsonl:1: invalid UTF-8: byte 0xff at column 12`},
		{"invalid UTF-8 elsewhere", "{\"pred\": \"a\"}\n{\"pred\": \"a\", \"x\": \"\xc3\"}", nil, ErrInvalidUTF8,
			`p.jsonl:2: invalid UTF-8: byte 0xc3 at column 21`},
		{"lone high surrogate", `{"pred": "a\ud83d b"}`, nil, ErrInvalidUTF8, `p.jsonl:1: invalid UTF-8: lone surrogate \ud83d in a JSON string`},
		{"lone low surrogate", `{"pred": ["\ude00"]}`, nil, ErrInvalidUTF8, `p.jsonl:1: invalid UTF-8: lone surrogate \ude00 in a JSON string`},
		{"reversed pair", `{"pred": "\ude00\ud83d"}`, nil, ErrInvalidUTF8, `p.jsonl:1: invalid UTF-8: lone surrogate \ude00 in a JSON string`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Config{Field: "pred"}
			if tt.fields != nil {
				c = Config{Fields: tt.fields}
			}
			_, err := readJSONL(t, tt.in, c)
			require.ErrorIs(t, err, tt.wantErr)
			assert.EqualError(t, err, tt.msg)
			var e *Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, "p.jsonl", e.Name)
		})
	}
}

// A lone surrogate in another field does not matter: Python keeps it, and it
// is never decoded.
func TestJSONLSurrogateElsewhere(t *testing.T) {
	got, err := readJSONL(t, `{"x": "\ud800", "\udc00": 1, "pred": "a"}`, Config{Field: "pred"})
	require.NoError(t, err)
	assert.Equal(t, []Item{{Texts: []string{"a"}, Line: 1}}, got)
}

func TestJSONLSmallBuffers(t *testing.T) {
	in := string(sampleJSONL())
	want, err := readJSONL(t, in, Config{Field: "label"})
	require.NoError(t, err)
	for _, size := range []int{1, 3, 17, 100} {
		d := newJSONLDecoder(newLineReader(iotest.HalfReader(strings.NewReader(in)), size, 2*size), "p.jsonl", Config{Field: "label"})
		var got []Item
		for {
			var it Item
			err := d.next(&it)
			if err == io.EOF {
				break
			}
			require.NoError(t, err)
			it.Texts = append([]string(nil), it.Texts...)
			got = append(got, it)
		}
		assert.Equal(t, want, got, "buffer %d", size)
	}
}

func TestScanStringSWAR(t *testing.T) {
	// Every special byte at every position of an 8-byte word is found.
	for pos := range 24 {
		for _, c := range []byte{'"', '\\', 0x00, 0x1f, '\n'} {
			b := []byte(`"` + strings.Repeat("é", 12))
			b = append(b[:1+pos], append([]byte{c}, b[1+pos:]...)...)
			end, _, err := scanString(b, 0)
			if c == '"' {
				require.NoError(t, err)
				assert.Equal(t, pos+2, end)
			} else {
				require.Error(t, err, "byte %#x at %d", c, pos)
			}
		}
	}
	// Bytes around the special ones are not mistaken for them.
	for _, c := range []byte{0x20, 0x21, 0x23, 0x5b, 0x5d, 0x7f, 0x80, 0xa2, 0xdc, 0xff} {
		b := append([]byte{'"'}, append(bytes.Repeat([]byte{c}, 20), '"')...)
		end, _, err := scanString(b, 0)
		require.NoError(t, err)
		assert.Equal(t, len(b), end)
	}
}
