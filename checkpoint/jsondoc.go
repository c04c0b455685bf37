package checkpoint

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// maxJSONDoc bounds the JSON side files of a layout (a sharded index, an adapter
// config) read into memory. Real ones are well under a megabyte.
const maxJSONDoc = 64 << 20

// jsonMember is one member of a JSON object, in file order, with the byte offset of
// its value in the file.
type jsonMember struct {
	Key    string
	Value  json.RawMessage
	Offset int64
}

// jsonPosError is a JSON document error with its place in the file.
type jsonPosError struct {
	Offset    int64
	Line, Col int
	Err       error
}

func (e *jsonPosError) Error() string {
	return fmt.Sprintf("line %d, column %d (byte %d): %v", e.Line, e.Col, e.Offset, e.Err)
}

func (e *jsonPosError) Unwrap() error { return e.Err }

// errJSONNotObject is the cause when a document's top-level value is no object.
var errJSONNotObject = errors.New("top-level value is not a JSON object")

// readFileLimit reads a small file, refusing one larger than limit bytes. The
// error is non-nil when the file cannot be read; tooLarge reports the size limit.
func readFileLimit(path string, limit int64) (data []byte, tooLarge bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	data, err = io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, false, fmt.Errorf("reading %s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, true, nil
	}
	return data, false, nil
}

// parseJSONObject parses data as exactly one JSON object (JSON whitespace around
// it allowed, as Python's json.load does) and returns its members in file order,
// duplicate keys included. Offsets are data offsets plus base. Invalid UTF-8 is an
// error, as it is for Python reading the file as UTF-8.
func parseJSONObject(data []byte, base int64) ([]jsonMember, *jsonPosError) {
	fail := func(off int64, err error) *jsonPosError {
		line, col := lineCol(data, off)
		return &jsonPosError{Offset: base + off, Line: line, Col: col, Err: err}
	}
	if off := invalidUTF8(data); off >= 0 {
		return nil, fail(int64(off), errors.New("invalid UTF-8"))
	}
	// Unmarshal checks the whole document first and reports the offset after the
	// offending byte; the token walk below then cannot fail.
	var whole json.RawMessage
	if err := json.Unmarshal(data, &whole); err != nil {
		var se *json.SyntaxError
		if !errors.As(err, &se) {
			return nil, fail(0, err)
		}
		off := se.Offset
		if strings.HasPrefix(se.Error(), "invalid character") && off > 0 {
			off--
		}
		return nil, fail(off, err)
	}
	if whole[0] != '{' {
		return nil, fail(int64(bytes.IndexByte(data, whole[0])), errJSONNotObject)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil {
		return nil, fail(dec.InputOffset(), err)
	}
	var out []jsonMember
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fail(dec.InputOffset(), err)
		}
		key, _ := tok.(string)
		start := skipColon(data, dec.InputOffset())
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, fail(start, err)
		}
		out = append(out, jsonMember{Key: key, Value: raw, Offset: base + start})
	}
	return out, nil
}

// skipColon returns the offset of the value that follows a key ending at off.
func skipColon(data []byte, off int64) int64 {
	for off < int64(len(data)) {
		switch data[off] {
		case ' ', '\t', '\n', '\r', ':':
			off++
		default:
			return off
		}
	}
	return off
}

// lineCol converts a byte offset into a 1-based line and column (in bytes).
func lineCol(data []byte, off int64) (line, col int) {
	off = min(max(off, 0), int64(len(data)))
	head := data[:off]
	line = 1 + bytes.Count(head, []byte{'\n'})
	col = int(off) - (bytes.LastIndexByte(head, '\n') + 1) + 1
	return line, col
}

// lastMember returns the last member named key (Python's json keeps the last of
// duplicate keys) and whether there is one.
func lastMember(ms []jsonMember, key string) (jsonMember, bool) {
	for i := len(ms) - 1; i >= 0; i-- {
		if ms[i].Key == key {
			return ms[i], true
		}
	}
	return jsonMember{}, false
}

// jsonKind names the JSON type of a raw value for messages.
func jsonKind(raw json.RawMessage) string {
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// layoutFinding is newFinding with the layout member the finding is about.
func layoutFinding(sev Severity, code, file, tensor string, offset int64, sentinel error, detail string, args ...any) Finding {
	f := newFinding(sev, code, tensor, offset, sentinel, detail, args...)
	f.File = file
	return f
}

// causeError is a sentinel with a precise message and the error that caused it;
// errors.Is and errors.As reach both.
type causeError struct {
	sentinel, cause error
	msg             string
}

func (e *causeError) Error() string   { return e.msg }
func (e *causeError) Unwrap() []error { return []error{e.sentinel, e.cause} }

// causeFinding is layoutFinding whose Err also wraps cause.
func causeFinding(sev Severity, code, file string, offset int64, sentinel, cause error, detail string, args ...any) Finding {
	return Finding{Severity: sev, Code: code, File: file, Offset: offset,
		Err: &causeError{sentinel: sentinel, cause: cause, msg: fmt.Sprintf(detail, args...)}}
}
