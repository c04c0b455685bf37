package audit

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/sophia-ai/sophia-eval/internal/severity"
)

// Sentinels wrapped by the Err of every [Finding]; test with errors.Is.
var (
	// ErrSecret means a credential (private key, cloud or API token, JWT,
	// password in a URL) was found in the training data.
	ErrSecret = errors.New("audit: secret in training data")
	// ErrPersonalData means personal data (e-mail address, phone number, IBAN,
	// card number) was found in the training data.
	ErrPersonalData = errors.New("audit: personal data in training data")
	// ErrContaminated means an evaluation item overlaps the training data at or
	// above the partial threshold.
	ErrContaminated = errors.New("audit: evaluation item found in training data")
	// ErrIndexFormat means an index file is not one written by [Index.WriteTo],
	// is of another version, or is truncated or corrupt.
	ErrIndexFormat = errors.New("audit: malformed index file")
	// ErrIndexMismatch means an index was built with another n-gram mode or size
	// than the one asked for.
	ErrIndexMismatch = errors.New("audit: index built with other n-gram settings")
)

// Severity says how serious a finding is.
// Its String is "warning" or "error", and it marshals as that text.
type Severity = severity.Level

const (
	// Warning: personal data, which may be legitimate in the data.
	Warning = severity.Warning
	// Error: a secret or a contaminated evaluation item.
	Error = severity.Error
)

// Finding is one problem found in the data.
type Finding struct {
	Severity Severity
	// Code is a stable, machine-readable name of the rule: the pattern kind of a
	// secret ("aws_access_key_id", see [Kinds]), or the verdict of a contaminated
	// item ("fully_contaminated", "partially_contaminated", see [Result.Finding]).
	Code string
	// File is the input the finding is in.
	File string
	// Line is the 1-based line (text, JSONL) or row (Arrow, Parquet) in File;
	// 0 when unknown.
	Line int64
	// Column is the 1-based byte offset of the finding in the item's text; 0
	// when it concerns the whole item.
	Column int
	// Excerpt is the text around the finding with every secret found in it
	// replaced by "[REDACTED kind]". It never holds a secret that was found.
	Excerpt string
	// Err wraps one of the package's sentinels and says what is wrong.
	Err error
}

// Error describes the finding with its location.
func (f *Finding) Error() string {
	loc := f.File
	if f.Line > 0 {
		loc += ":" + strconv.FormatInt(f.Line, 10)
	}
	msg := "<nil>"
	if f.Err != nil {
		msg = f.Err.Error()
	}
	if loc == "" {
		return msg
	}
	return loc + ": " + msg
}

// Unwrap returns the wrapped error, so errors.Is reaches the sentinel.
func (f *Finding) Unwrap() error { return f.Err }

// detailError is a sentinel with a more precise message.
type detailError struct {
	sentinel error
	msg      string
}

func (e *detailError) Error() string { return e.msg }
func (e *detailError) Unwrap() error { return e.sentinel }

func details(sentinel error, format string, args ...any) error {
	return &detailError{sentinel: sentinel, msg: fmt.Sprintf(format, args...)}
}
