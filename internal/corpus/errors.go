package corpus

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Sentinel errors. Every error about the content of an input is an [*Error] that
// wraps one of these (test with [errors.Is]); its message names the file and the
// line or row.
var (
	// ErrInvalidUTF8 means a text line, a JSON line or an Arrow/Parquet string is
	// not valid UTF-8, or a wanted JSON string holds a lone surrogate escape
	// (\ud800) that UTF-8 cannot represent. Python would fail to decode such input.
	ErrInvalidUTF8 = errors.New("corpus: invalid UTF-8")
	// ErrMissingField means no field was named, or a JSON object or a table has
	// none of the fields tried. The message lists the fields tried and the keys
	// or columns present.
	ErrMissingField = errors.New("corpus: missing field")
	// ErrNotString means the field holds something other than a string, an array
	// of strings or null: a number, an object, an array with a non-string element,
	// an Arrow or Parquet column of another type.
	ErrNotString = errors.New("corpus: not a string")
	// ErrSyntax means a JSONL line is not one valid JSON object. The message
	// says what was expected and at which column.
	ErrSyntax = errors.New("corpus: invalid JSON")
	// ErrLengthMismatch means two inputs that are read in parallel (hypotheses
	// and references) have different numbers of items. See [CheckSameLength].
	ErrLengthMismatch = errors.New("corpus: length mismatch")
	// ErrFormat means an Arrow or Parquet input is malformed or uses a feature
	// the reader does not support (nested lists, encryption).
	ErrFormat = errors.New("corpus: malformed input")
)

// Error is an error about one input, at one place in it. Err wraps one of the
// sentinels above, or the error of the underlying reader (I/O, gzip, zstd,
// Arrow, Parquet).
type Error struct {
	Name  string // the input's name: the path given to Open or the name given to NewReader
	Line  int64  // 1-based line (text, JSONL) or row (Arrow, Parquet); 0 when the error concerns the whole input
	Field string // the field involved, if any
	Err   error
	row   bool // Line counts rows of a table, not lines
}

// Error returns "name:line: message" for text and JSONL, "name: row N: message"
// for Arrow and Parquet, and "name: message" for errors about the whole input.
func (e *Error) Error() string {
	switch {
	case e.Line <= 0:
		return e.Name + ": " + e.Err.Error()
	case e.row:
		return e.Name + ": row " + strconv.FormatInt(e.Line, 10) + ": " + e.Err.Error()
	default:
		return e.Name + ":" + strconv.FormatInt(e.Line, 10) + ": " + e.Err.Error()
	}
}

// Unwrap returns e.Err.
func (e *Error) Unwrap() error { return e.Err }

// detail is an error message that wraps a sentinel without repeating its text:
// "field "pred" is a number, want a string" wraps ErrNotString. It may also
// wrap the error that caused it.
type detail struct {
	msg   string
	err   error
	cause error
}

func (d *detail) Error() string { return d.msg }

func (d *detail) Unwrap() []error {
	if d.cause == nil {
		return []error{d.err}
	}
	return []error{d.err, d.cause}
}

func details(sentinel error, format string, args ...any) error {
	return &detail{msg: fmt.Sprintf(format, args...), err: sentinel}
}

// malformed returns the ErrFormat error for an Arrow or Parquet input that
// what ("Parquet file") could not decode because of err.
func malformed(what string, err error) error {
	return &detail{msg: "malformed " + what + ": " + err.Error(), err: ErrFormat, cause: err}
}

// CheckSameLength returns nil when two inputs read in parallel have the same
// number of items, and otherwise an error wrapping [ErrLengthMismatch] that names
// both inputs and both counts, for example
//
//	corpus: length mismatch: hyp.txt has 10 items, ref.txt has 9
//
// sacreBLEU refuses to score such inputs and so must every caller.
func CheckSameLength(nameA string, nA int, nameB string, nB int) error {
	if nA == nB {
		return nil
	}
	return fmt.Errorf("%w: %s has %d items, %s has %d", ErrLengthMismatch, nameA, nA, nameB, nB)
}

// quoteList returns `"a", "b", "c"`, at most max entries, then ", … (N more)".
func quoteList(names []string, max int) string {
	var b strings.Builder
	for i, n := range names {
		if i == max {
			fmt.Fprintf(&b, ", … (%d more)", len(names)-max)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Quote(n))
	}
	return b.String()
}

// missingField returns the ErrMissingField detail for a record or schema that
// has none of tried; what is "keys" or "columns".
func missingField(tried, present []string, what string) error {
	var t string
	switch len(tried) {
	case 0:
		t = "no field named (set Config.Field or Config.Fields)"
	case 1:
		t = "field " + strconv.Quote(tried[0]) + " not found"
	default:
		t = "none of the fields " + quoteList(tried, len(tried)) + " found"
	}
	if len(present) == 0 {
		return details(ErrMissingField, "%s; no %s present", t, what)
	}
	return details(ErrMissingField, "%s; %s present: %s", t, what, quoteList(present, 20))
}
