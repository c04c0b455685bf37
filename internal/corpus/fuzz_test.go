package corpus

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"regexp"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"
)

// FuzzText checks the text reader against the reference split of sacreBLEU
// (split on \n, rstrip), with every buffer size and short reads.
func FuzzText(f *testing.F) {
	for _, s := range []string{"", "\n", "a\n\n", "a\r\nb", "x\u2028y\u0085 \n", "\ufeffa\t\x1f", "a\xffb\nc", "  \u3000\n\n"} {
		f.Add([]byte(s), uint8(3), false)
	}
	f.Add(sampleText(), uint8(0), true)
	f.Fuzz(func(t *testing.T, data []byte, size uint8, keep bool) {
		in := string(data)
		want := refLines(in, keep)
		bad := -1 // index of the first line that is not valid UTF-8
		for i, l := range strings.Split(strings.TrimSuffix(in, "\n"), "\n") {
			if !utf8.ValidString(l) {
				bad = i
				want = want[:i]
				break
			}
		}
		check := func(got []string, err error, how string) {
			if bad >= 0 {
				var e *Error
				if !errors.Is(err, ErrInvalidUTF8) || !errors.As(err, &e) || e.Line != int64(bad+1) {
					t.Fatalf("%s: error %v, want ErrInvalidUTF8 at line %d", how, err, bad+1)
				}
			} else if err != nil {
				t.Fatalf("%s: %v", how, err)
			}
			if len(got) != len(want) {
				t.Fatalf("%s: %d lines %q, want %d %q", how, len(got), got, len(want), want)
			}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("%s: line %d = %q, want %q", how, i+1, got[i], want[i])
				}
			}
		}
		got, err := readText(t, iotest.HalfReader(bytes.NewReader(data)), int(size)+1, keep)
		check(got, err, "small buffer")

		r, err := NewReader(bytes.NewReader(data), "f.txt", Config{Format: Text, KeepTrailingSpace: keep})
		if err != nil {
			t.Fatal(err)
		}
		items, err := readItems(t, r)
		got = got[:0]
		for _, it := range items {
			got = append(got, it.Texts...)
		}
		check(got, err, "NewReader")
	})
}

var (
	surrogateEscape = regexp.MustCompile(`\\u[dD][89abcdefABCDEF]`)
	pythonConstant  = regexp.MustCompile(`NaN|Infinity`)
)

// FuzzJSONL compares the JSONL reader with encoding/json on every line: the
// same strings, or the same class of error. Known, intended differences:
// Python's NaN and Infinity are accepted; a lone surrogate in the field is an
// error rather than U+FFFD; invalid UTF-8 is an error rather than U+FFFD.
func FuzzJSONL(f *testing.F) {
	for _, s := range []string{
		`{"pred": "a"}`, `{"pred": ["a", "b "]}`, `{"pred": null}`, `{"pred": 1}`, `{"x": {"pred": [1, {}]}, "pred": "\u00e9\n"}`,
		`{"pred": "a", "pred": "b"}`, `{"pr\u0065d": "a"}`, `{"a": NaN, "pred": "x"}`, `{"pred": "\ud83d\ude00"}`, `{"pred": "\ud800"}`,
		"{}\n\n{\"pred\": \"\"}", `[1]`, `null`, `{"pred": "a"} x`, `{"pred": tru}`, "\ufeff{\"pred\": \"a\"}", `{"a": -01.5e+3}`,
	} {
		f.Add([]byte(s), false)
	}
	f.Add(sampleJSONL(), true)
	f.Fuzz(func(t *testing.T, data []byte, keep bool) {
		r, err := NewReader(bytes.NewReader(data), "f.jsonl", Config{Format: JSONL, Field: "pred", KeepTrailingSpace: keep})
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
		if len(data) == 0 {
			lines = nil
		}
		if len(lines) > 0 {
			lines[0] = strings.TrimPrefix(lines[0], "\ufeff")
		}
		for i, line := range lines {
			if strings.Trim(line, " \t\r") == "" {
				continue
			}
			it, err := r.Next()
			if err == nil && it.Line != int64(i+1) {
				t.Fatalf("line %d: item has Line %d", i+1, it.Line)
			}
			if err != nil {
				var e *Error
				if !errors.As(err, &e) || e.Line != int64(i+1) {
					t.Fatalf("line %d: error %v is not at this line", i+1, err)
				}
			}
			texts, null, wantErr := refJSONL(line, keep)
			got := it.Texts
			if wantErr == ErrSyntax && !errors.Is(err, ErrSyntax) {
				if pythonConstant.MatchString(line) {
					// Python's json accepts NaN and Infinity, encoding/json does not:
					// compare with the line where they are 0.
					texts, null, wantErr = refJSONL(pythonConstant.ReplaceAllString(line, "0"), keep)
					got = nil
					for _, s := range it.Texts {
						got = append(got, pythonConstant.ReplaceAllString(s, "0"))
					}
				}
			}
			switch {
			case !utf8.ValidString(line):
				if !errors.Is(err, ErrInvalidUTF8) {
					t.Fatalf("line %d %q: got %v, want ErrInvalidUTF8", i+1, line, err)
				}
			case wantErr != nil && errors.Is(err, wantErr):
			case errors.Is(err, ErrInvalidUTF8) && surrogateEscape.MatchString(line) && containsFFFD(texts):
				// A lone surrogate: Python keeps it, Go cannot; encoding/json gives U+FFFD.
			case wantErr != nil || err != nil:
				t.Fatalf("line %d %q: got %v, want %v", i+1, line, err, wantErr)
			default:
				if it.Null != null || !equalTexts(got, texts) {
					t.Fatalf("line %d %q: got %q null=%v, want %q null=%v", i+1, line, got, it.Null, texts, null)
				}
			}
			if err != nil {
				return // errors are sticky
			}
		}
		if _, err := r.Next(); err != io.EOF {
			t.Fatalf("after the last line: %v", err)
		}
	})
}

// refJSONL decodes the field "pred" of one line with encoding/json.
func refJSONL(line string, keep bool) (texts []string, null bool, err error) {
	var m map[string]json.RawMessage
	if json.Unmarshal([]byte(line), &m) != nil || m == nil {
		return nil, false, ErrSyntax
	}
	raw, ok := m["pred"]
	if !ok {
		return nil, false, ErrMissingField
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, false, ErrSyntax
	}
	strip := func(s string) string {
		if keep {
			return s
		}
		return pyRstrip(s)
	}
	switch v := v.(type) {
	case nil:
		return nil, true, nil
	case string:
		return []string{strip(v)}, false, nil
	case []any:
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, false, ErrNotString
			}
			texts = append(texts, strip(s))
		}
		return texts, false, nil
	}
	return nil, false, ErrNotString
}

func containsFFFD(texts []string) bool {
	for _, s := range texts {
		if strings.ContainsRune(s, utf8.RuneError) {
			return true
		}
	}
	return false
}

func equalTexts(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// FuzzDetect feeds arbitrary bytes to the detector and every reader behind it,
// as a file with random access and as a plain stream: an error is fine, a
// panic or a crash is not.
func FuzzDetect(f *testing.F) {
	recs := sampleRecords(f)
	for _, data := range [][]byte{
		sampleText(), sampleJSONL(),
		arrowIPC(f, sampleSchema, recs, false), arrowIPC(f, sampleSchema, recs, true),
		parquetFile(f, sampleSchema, recs, 2, false), parquetFile(f, sampleSchema, recs, 100, true),
	} {
		f.Add(data)
		f.Add(compressData(f, gz, data))
		f.Add(compressData(f, zst, data))
	}
	f.Add([]byte("PAR1"))
	f.Add([]byte("ARROW1\x00\x00"))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0x10, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, stream := range []bool{false, true} {
			var in io.Reader = bytes.NewReader(data)
			if stream {
				in = struct{ io.Reader }{in}
			}
			for _, field := range []string{"pred", "label"} {
				r, err := NewReader(in, "fuzz", Config{Fields: []string{field}})
				if err != nil {
					var e *Error
					if !errors.As(err, &e) {
						t.Fatalf("error %v is not an *Error", err)
					}
					continue
				}
				for range 10000 {
					it, err := r.Next()
					if err != nil {
						break
					}
					for _, s := range it.Texts {
						if !utf8.ValidString(s) {
							t.Fatalf("invalid UTF-8 returned: %q", s)
						}
					}
				}
				if err := r.Close(); err != nil {
					t.Fatal(err)
				}
				in = bytes.NewReader(data)
				if stream {
					in = struct{ io.Reader }{in}
				}
			}
		}
	})
}
