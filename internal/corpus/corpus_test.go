package corpus

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readItems reads everything from r, normalising empty Texts to nil.
func readItems(t testing.TB, r *Reader) ([]Item, error) {
	t.Helper()
	var items []Item
	for {
		it, err := r.Next()
		if err == io.EOF {
			return items, nil
		}
		if err != nil {
			return items, err
		}
		it.Texts = append([]string(nil), it.Texts...)
		items = append(items, it)
	}
}

// source names a way to hand an input to the package.
type source string

const (
	fromFile     source = "Open"     // a file on disk
	fromReaderAt source = "ReaderAt" // a bytes.Reader: random access
	fromStream   source = "Stream"   // a plain io.Reader: no random access
)

func openSource(t testing.TB, src source, data []byte, c Config) (*Reader, error) {
	t.Helper()
	switch src {
	case fromFile:
		p := filepath.Join(t.TempDir(), "input")
		require.NoError(t, os.WriteFile(p, data, 0o644))
		return Open(p, c)
	case fromReaderAt:
		return NewReader(bytes.NewReader(data), "input", c)
	default:
		return NewReader(struct{ io.Reader }{bytes.NewReader(data)}, "input", c)
	}
}

func TestFormatsAndCompressions(t *testing.T) {
	recs := sampleRecords(t)
	textLines := map[int]int64{}
	for i, n := 0, int64(0); i < len(samples); i++ {
		if samples[i].pred != nil {
			n++
			textLines[i] = n
		}
	}
	row := func(i int) int64 { return int64(i + 1) }
	jsonlLine := func(i int) int64 {
		if i >= 3 {
			return int64(i + 2) // after the blank line
		}
		return int64(i + 1)
	}
	inputs := []struct {
		name   string
		data   []byte
		format Format
		line   func(int) int64
	}{
		{"text", sampleText(), Text, nil},
		{"jsonl", sampleJSONL(), JSONL, jsonlLine},
		{"arrow-file", arrowIPC(t, sampleSchema, recs, false), Arrow, row},
		{"arrow-stream", arrowIPC(t, sampleSchema, recs, true), Arrow, row},
		{"parquet", parquetFile(t, sampleSchema, recs, 1<<20, false), Parquet, row},
		{"parquet-dict-rowgroups", parquetFile(t, sampleSchema, recs, 2, true), Parquet, row},
	}
	for _, in := range inputs {
		for _, comp := range compressions {
			data := compressData(t, comp, in.data)
			for _, src := range []source{fromFile, fromReaderAt, fromStream} {
				for _, field := range []string{"pred", "label"} {
					if in.format == Text && field == "label" {
						continue
					}
					name := strings.Join([]string{in.name, string(comp), string(src), field}, "/")
					t.Run(name, func(t *testing.T) {
						c := Config{Fields: []string{"prediction", field}}
						r, err := openSource(t, src, data, c)
						require.NoError(t, err)
						defer r.Close()
						assert.Equal(t, in.format, r.Format())
						got, err := readItems(t, r)
						require.NoError(t, err)
						var exp []Item
						if in.format == Text {
							for _, it := range want("pred", func(i int) int64 { return textLines[i] }) {
								if !it.Null {
									exp = append(exp, it)
								}
							}
						} else {
							exp = want(field, in.line)
							assert.Equal(t, field, r.Field())
						}
						assert.Equal(t, exp, got)
						// Errors are sticky, EOF included.
						_, err = r.Next()
						assert.Equal(t, io.EOF, err)
						require.NoError(t, r.Close())
					})
				}
			}
		}
	}
}

func TestExplicitFormat(t *testing.T) {
	// A text corpus whose first line is a JSON object is detected as JSONL;
	// Format: Text reads it as text.
	in := "{\"pred\": \"x\"}\nplain line\n"
	r, err := NewReader(strings.NewReader(in), "t.txt", Config{})
	require.NoError(t, err)
	assert.Equal(t, JSONL, r.Format())
	_, err = readItems(t, r)
	require.ErrorIs(t, err, ErrMissingField)

	r, err = NewReader(strings.NewReader(in), "t.txt", Config{Format: Text})
	require.NoError(t, err)
	got, err := readItems(t, r)
	require.NoError(t, err)
	assert.Equal(t, []Item{{Texts: []string{`{"pred": "x"}`}, Line: 1}, {Texts: []string{"plain line"}, Line: 2}}, got)

	// Explicit JSONL reports the syntax error of a broken first line, which
	// Auto would take for text.
	r, err = NewReader(strings.NewReader("{\"pred\": \n"), "p.jsonl", Config{Format: JSONL, Field: "pred"})
	require.NoError(t, err)
	_, err = r.Next()
	require.ErrorIs(t, err, ErrSyntax)
	assert.EqualError(t, err, `p.jsonl:1: invalid JSON: expecting value at column 10`)
	r, err = NewReader(strings.NewReader("{\"pred\": \n"), "p.jsonl", Config{Field: "pred"})
	require.NoError(t, err)
	assert.Equal(t, Text, r.Format())
}

func TestDetect(t *testing.T) {
	recs := sampleRecords(t)
	tests := []struct {
		name string
		in   []byte
		want Format
	}{
		{"empty", nil, Text},
		{"blank lines", []byte("\n \n\t\r\n"), Text},
		{"text", []byte("hello\n"), Text},
		{"brace text", []byte("{ return x; }\n"), Text},
		{"json array", []byte(`["a"]` + "\n"), Text},
		{"jsonl", []byte(`{"a":1}`), JSONL},
		{"jsonl after blank lines", []byte("\n  \n\t{\"a\":1}\nnot json\n"), JSONL},
		{"jsonl with BOM", []byte("\ufeff{\"a\":1}\n"), JSONL},
		{"empty object", []byte("{}\n"), JSONL},
		{"jsonl with NaN", []byte(`{"a":NaN}`), JSONL},
		{"parquet", parquetFile(t, sampleSchema, recs, 100, false), Parquet},
		{"arrow file", arrowIPC(t, sampleSchema, recs, false), Arrow},
		{"arrow stream", arrowIPC(t, sampleSchema, recs, true), Arrow},
		{"PAR1 prefix only", []byte("PAR1"), Parquet},
		{"gzip magic only", []byte{0x1f}, Text},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lr := newLineReader(bytes.NewReader(tt.in), 4, 4)
			assert.Equal(t, tt.want, detect(lr))
			// Detection consumes nothing.
			rest, err := io.ReadAll(lr.rest())
			require.NoError(t, err)
			assert.Equal(t, string(tt.in), string(rest))
		})
	}
}

func TestDetectLongFirstLine(t *testing.T) {
	long := `{"pred": "` + strings.Repeat("x", 3*bufSize) + `"}`
	r, err := NewReader(strings.NewReader(long+"\n"), "big.jsonl", Config{Field: "pred"})
	require.NoError(t, err)
	assert.Equal(t, JSONL, r.Format())
	it, err := r.Next()
	require.NoError(t, err)
	assert.Len(t, it.Texts[0], 3*bufSize)
}

func TestFormatString(t *testing.T) {
	for f := Auto; f <= Parquet; f++ {
		got, err := ParseFormat(strings.ToUpper(f.String()))
		require.NoError(t, err)
		assert.Equal(t, f, got)
	}
	f, err := ParseFormat("")
	require.NoError(t, err)
	assert.Equal(t, Auto, f)
	_, err = ParseFormat("csv")
	assert.EqualError(t, err, `corpus: unknown format "csv" (want auto, text, jsonl, arrow or parquet)`)
	assert.Equal(t, "Format(9)", Format(9).String())
	_, err = NewReader(strings.NewReader(""), "x", Config{Format: 9})
	assert.EqualError(t, err, "corpus: invalid format Format(9)")
}

func TestReadAllAndStrings(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "preds.jsonl.zst")
	require.NoError(t, os.WriteFile(p, compressData(t, zst, sampleJSONL()), 0o644))
	ctx := context.Background()

	items, err := ReadAll(ctx, p, Config{Field: "label"})
	require.NoError(t, err)
	require.Len(t, items, len(samples))
	assert.Equal(t, []string{"the cat sat on the mat.", "a cat was on the mat"}, items[0].Texts)
	assert.Equal(t, []string{"hello world"}, items[1].Texts)
	assert.True(t, items[2].Null)

	_, err = ReadStrings(ctx, p, Config{Field: "pred"})
	assert.EqualError(t, err, p+`:3: field "pred" is null, want one string`)
	require.ErrorIs(t, err, ErrNotString)
	_, err = ReadStrings(ctx, p, Config{Field: "label"})
	assert.EqualError(t, err, p+`:1: field "label" is 2 strings, want one string`)

	tp := filepath.Join(dir, "hyp.txt")
	require.NoError(t, os.WriteFile(tp, []byte("a \nb\n"), 0o644))
	s, err := ReadStrings(ctx, tp, Config{})
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b"}, s)

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = ReadAll(cctx, tp, Config{})
	require.ErrorIs(t, err, context.Canceled)

	_, err = ReadAll(ctx, filepath.Join(dir, "missing.txt"), Config{})
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestFieldChoice(t *testing.T) {
	in := "{\"prediction\": \"a\", \"pred\": \"b\"}\n{\"pred\": \"c\"}\n"
	r, err := NewReader(strings.NewReader(in), "x.jsonl", Config{Fields: []string{"prediction", "pred"}})
	require.NoError(t, err)
	assert.Equal(t, "", r.Field(), "chosen on the first record")
	it, err := r.Next()
	require.NoError(t, err)
	assert.Equal(t, []string{"a"}, it.Texts)
	assert.Equal(t, "prediction", r.Field())
	_, err = r.Next()
	assert.EqualError(t, err, `x.jsonl:2: field "prediction" not found; keys present: "pred"`)
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, &Error{Name: "x.jsonl", Line: 2, Field: "prediction", Err: e.Err}, e)

	// Field wins over Fields.
	r, err = NewReader(strings.NewReader(in), "x.jsonl", Config{Field: "pred", Fields: []string{"prediction"}})
	require.NoError(t, err)
	assert.Equal(t, "pred", r.Field())
	got, err := readItems(t, r)
	require.NoError(t, err)
	assert.Equal(t, []Item{{Texts: []string{"b"}, Line: 1}, {Texts: []string{"c"}, Line: 2}}, got)
}

func TestKeepTrailingSpace(t *testing.T) {
	c := Config{KeepTrailingSpace: true, Field: "pred"}
	for _, in := range [][]byte{
		[]byte("a \t\r\n"),
		[]byte(`{"pred": "a \t\r"}`),
	} {
		r, err := NewReader(bytes.NewReader(in), "x", c)
		require.NoError(t, err)
		it, err := r.Next()
		require.NoError(t, err)
		assert.Equal(t, []string{"a \t\r"}, it.Texts)
	}
	recs := arrowRecords(t, sampleSchema, []string{`{"pred": "a \t\r"}`}, 10)
	for _, data := range [][]byte{arrowIPC(t, sampleSchema, recs, false), parquetFile(t, sampleSchema, recs, 10, false)} {
		r, err := NewReader(bytes.NewReader(data), "x", c)
		require.NoError(t, err)
		it, err := r.Next()
		require.NoError(t, err)
		assert.Equal(t, []string{"a \t\r"}, it.Texts)
	}
}

func TestClose(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.gz")
	require.NoError(t, os.WriteFile(p, compressData(t, gz, []byte("a\nb\n")), 0o644))
	r, err := Open(p, Config{})
	require.NoError(t, err)
	_, err = r.Next()
	require.NoError(t, err)
	require.NoError(t, r.Close())
	require.NoError(t, r.Close(), "Close twice")
	_, err = r.Next()
	assert.EqualError(t, err, p+": corpus: reader is closed")
}

func TestCheckSameLength(t *testing.T) {
	require.NoError(t, CheckSameLength("hyp.txt", 3, "ref.txt", 3))
	err := CheckSameLength("hyp.txt", 10, "ref.txt", 9)
	require.ErrorIs(t, err, ErrLengthMismatch)
	assert.EqualError(t, err, "corpus: length mismatch: hyp.txt has 10 items, ref.txt has 9")
}

// A read error mid-stream is reported with the line it interrupted, and the
// truncated line before it is not returned as if it were complete.
func TestReadError(t *testing.T) {
	boom := errors.New("boom")
	in := io.MultiReader(strings.NewReader("a\nb\npartial"), errReader{boom})
	r, err := NewReader(in, "x.txt", Config{Format: Text})
	require.NoError(t, err)
	got, err := readItems(t, r)
	require.ErrorIs(t, err, boom)
	assert.EqualError(t, err, "x.txt:3: read error: boom")
	assert.Len(t, got, 2)

	// A truncated gzip stream.
	data := compressData(t, gz, bytes.Repeat([]byte("some line\n"), 1000))
	r, err = NewReader(bytes.NewReader(data[:len(data)-10]), "x.gz", Config{})
	require.NoError(t, err)
	_, err = readItems(t, r)
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)

	// A corrupt gzip header.
	_, err = NewReader(bytes.NewReader([]byte{0x1f, 0x8b, 0, 0}), "x.gz", Config{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "x.gz: read error: ")
}

func TestArrowBatches(t *testing.T) {
	// Many batches, including empty ones, keep row numbers running.
	s := arrow.NewSchema([]arrow.Field{{Name: "pred", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
	var rows []string
	for i := range 10 {
		rows = append(rows, `{"pred": "`+strings.Repeat("x", i)+`"}`)
	}
	recs := arrowRecords(t, s, rows, 3)
	recs = append(recs[:1], append(arrowRecords(t, s, nil, 1), recs[1:]...)...)
	for _, stream := range []bool{false, true} {
		r, err := NewReader(bytes.NewReader(arrowIPC(t, s, recs, stream)), "x.arrow", Config{Field: "pred"})
		require.NoError(t, err)
		got, err := readItems(t, r)
		require.NoError(t, err)
		require.Len(t, got, 10)
		for i, it := range got {
			assert.Equal(t, Item{Texts: []string{strings.Repeat("x", i)}, Line: int64(i + 1)}, it)
		}
	}
}
