package corpus

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/sophia-ai/sophia-eval/internal/pystr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pyRstrip is the reference for str.rstrip().
func pyRstrip(s string) string { return strings.TrimRightFunc(s, pystr.IsSpace) }

// refLines is the reference for sacreBLEU's reading of a text file: split on
// \n only, no empty line after a final \n, each line right-stripped.
func refLines(in string, keep bool) []string {
	if in == "" {
		return nil
	}
	lines := strings.Split(strings.TrimSuffix(in, "\n"), "\n")
	if !keep {
		for i, l := range lines {
			lines[i] = pyRstrip(l)
		}
	}
	return lines
}

// readText reads in as text through a lineReader with the given buffer size.
func readText(t testing.TB, r io.Reader, size int, keep bool) ([]string, error) {
	t.Helper()
	return readTextOwn(t, r, size, keep, false)
}

// readTextOwn is readText with the lineReader's own mode set as given.
func readTextOwn(t testing.TB, r io.Reader, size int, keep, own bool) ([]string, error) {
	t.Helper()
	lr := newLineReader(r, size, 4*size)
	lr.own = own
	d := &textDecoder{lr: lr, name: "t.txt", keep: keep}
	var out []string
	for n := int64(1); ; n++ {
		var it Item
		err := d.next(&it)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		require.Len(t, it.Texts, 1)
		require.Equal(t, n, it.Line)
		out = append(out, it.Texts[0])
	}
}

func TestTextLines(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"empty", "", nil},
		{"one newline", "\n", []string{""}},
		{"final newline", "a\nb\n", []string{"a", "b"}},
		{"no final newline", "a\nb", []string{"a", "b"}},
		{"a\\n\\n is two lines", "a\n\n", []string{"a", ""}},
		{"blank lines kept", "\n\na\n\n\nb", []string{"", "", "a", "", "", "b"}},
		{"CR is not a line end", "a\rb\r\nc\r", []string{"a\rb", "c"}},
		{"VT FF FS GS RS NEL LS PS are not line ends",
			"a\vb\fc\x1cd\x1de\x1ef\u0085g\u2028h\u2029i\n",
			[]string{"a\vb\fc\x1cd\x1de\x1ef\u0085g\u2028h\u2029i"}},
		{"BOM kept", "\ufeffa\n\ufeffb", []string{"\ufeffa", "\ufeffb"}},
		{"leading space kept", "  a\n\tb", []string{"  a", "\tb"}},
		{"trailing ASCII whitespace stripped", "a \t\v\f\r\x1c\x1d\x1e\x1f\n", []string{"a"}},
		{"trailing Unicode whitespace stripped",
			"a\u0085\u00a0\u1680\u2000\u2005\u200a\u2028\u2029\u202f\u205f\u3000\n", []string{"a"}},
		{"not whitespace: ZWSP, BOM, NBSP-like", "a\u200b\nb\ufeff\nc\u180e\nd\u2060", []string{"a\u200b", "b\ufeff", "c\u180e", "d\u2060"}},
		{"whitespace-only line", " \t\u3000\n", []string{""}},
		{"inner whitespace kept", "a \t b  \n", []string{"a \t b"}},
		{"NUL kept", "a\x00\n", []string{"a\x00"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, refLines(tt.in, false), "reference")
			r, err := NewReader(strings.NewReader(tt.in), "t.txt", Config{Format: Text})
			require.NoError(t, err)
			got, err := readItems(t, r)
			require.NoError(t, err)
			var texts []string
			for i, it := range got {
				assert.Equal(t, int64(i+1), it.Line)
				assert.False(t, it.Null)
				texts = append(texts, it.Texts...)
			}
			assert.Equal(t, tt.want, texts)
			// Any buffer size and any read size give the same lines, with the
			// chunks copied or owned.
			for _, own := range []bool{false, true} {
				for _, size := range []int{1, 2, 3, 7, 64} {
					got, err := readTextOwn(t, iotest.OneByteReader(strings.NewReader(tt.in)), size, false, own)
					require.NoError(t, err)
					assert.Equal(t, tt.want, got, "buffer %d, own %v", size, own)
				}
			}
		})
	}
}

func TestTextLongLines(t *testing.T) {
	long := strings.Repeat("abcdefghij", 3<<20) // 30 MB
	in := "short\n" + long + " \n" + long + "\nend"
	r, err := NewReader(strings.NewReader(in), "long.txt", Config{})
	require.NoError(t, err)
	got, err := readItems(t, r)
	require.NoError(t, err)
	require.Len(t, got, 4)
	assert.Equal(t, "short", got[0].Texts[0])
	assert.True(t, got[1].Texts[0] == long, "line 2")
	assert.True(t, got[2].Texts[0] == long, "line 3")
	assert.Equal(t, "end", got[3].Texts[0])
}

func TestTextInvalidUTF8(t *testing.T) {
	tests := []struct {
		in      string
		wantErr string
		before  int // lines returned before the error
	}{
		{"\xff", "t.txt:1: invalid UTF-8: byte 0xff at column 1", 0},
		{"ok\nab\xc3(\n", "t.txt:2: invalid UTF-8: byte 0xc3 at column 3", 1},
		{"a\nb\nc\xed\xa0\x80", "t.txt:3: invalid UTF-8: byte 0xed at column 2", 2}, // an encoded surrogate
		{"a\n\xc0\xaf", "t.txt:2: invalid UTF-8: byte 0xc0 at column 1", 1},         // overlong
		{"\xe2\x80 trailing", "t.txt:1: invalid UTF-8: byte 0xe2 at column 1", 0},
	}
	for _, tt := range tests {
		for _, size := range []int{1, 5, bufSize} {
			got, err := readText(t, strings.NewReader(tt.in), size, false)
			require.ErrorIs(t, err, ErrInvalidUTF8)
			assert.EqualError(t, err, tt.wantErr)
			assert.Len(t, got, tt.before)
		}
	}
	// The error is sticky.
	r, err := NewReader(strings.NewReader("\xff\nb\n"), "t.txt", Config{})
	require.NoError(t, err)
	_, err1 := r.Next()
	_, err2 := r.Next()
	assert.Equal(t, err1, err2)
	var e *Error
	require.ErrorAs(t, err1, &e)
	assert.Equal(t, int64(1), e.Line)
	assert.Equal(t, "t.txt", e.Name)
}

// The strings of one chunk share memory, but none of them changes when the
// reader moves on.
func TestTextStringsStable(t *testing.T) {
	var in bytes.Buffer
	for i := range 100000 {
		in.WriteString(strings.Repeat(string(rune('a'+i%26)), i%50))
		in.WriteByte('\n')
	}
	r, err := NewReader(bytes.NewReader(in.Bytes()), "t.txt", Config{})
	require.NoError(t, err)
	var kept []string
	for {
		it, err := r.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		kept = append(kept, it.Texts[0])
	}
	assert.Equal(t, refLines(in.String(), false), kept)
}
