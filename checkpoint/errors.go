package checkpoint

import (
	"errors"
	"fmt"

	"github.com/sophia-ai/sophia-eval/internal/severity"
)

// Sentinels of the safetensors rules, in the order the reference reader
// (safetensors' read_metadata, which the Python safe_open calls) checks them. Each
// finding wraps exactly one sentinel; test with errors.Is.
var (
	ErrHeaderTooSmall       = errors.New("checkpoint: file shorter than the 8-byte header length")
	ErrHeaderTooLarge       = errors.New("checkpoint: header length exceeds 100000000 bytes")
	ErrInvalidHeaderLength  = errors.New("checkpoint: header extends past the end of the file")
	ErrHeaderUTF8           = errors.New("checkpoint: header is not valid UTF-8")
	ErrHeaderJSON           = errors.New("checkpoint: header is not a valid safetensors JSON object")
	ErrInvalidOffset        = errors.New("checkpoint: tensor data offsets overlap, leave a gap or do not start at 0")
	ErrValidationOverflow   = errors.New("checkpoint: tensor shape or size overflows")
	ErrMisalignedSlice      = errors.New("checkpoint: sub-byte tensor does not fill whole bytes")
	ErrTensorInvalidInfo    = errors.New("checkpoint: tensor byte length does not match dtype and shape")
	ErrIncompleteBuffer     = errors.New("checkpoint: data section does not match the file length")
	ErrDuplicateTensor      = errors.New("checkpoint: duplicate tensor name")
	ErrLeadingWhitespace    = errors.New("checkpoint: header starts with whitespace")
	ErrMetadataNull         = errors.New("checkpoint: __metadata__ is null")
	ErrUnknownField         = errors.New("checkpoint: unknown field in tensor entry")
	ErrBoolValue            = errors.New("checkpoint: BOOL byte other than 0 or 1")
	ErrFormatMetadata       = errors.New("checkpoint: __metadata__ format missing or unknown")
	ErrNaN                  = errors.New("checkpoint: NaN values")
	ErrInf                  = errors.New("checkpoint: infinite values")
	ErrDecompressedTooLarge = errors.New("checkpoint: decompressed size exceeds the limit")
	ErrCorruptCompression   = errors.New("checkpoint: corrupt compressed stream")
)

// Severity says whether a finding makes a checkpoint invalid.
// Its String is "warning" or "error", and it marshals as that text.
type Severity = severity.Level

const (
	// Warning: the reference loaders accept it, but it is suspicious or against the
	// specification.
	Warning = severity.Warning
	// Error: the checkpoint is invalid (exit status 2 of sophia-eval checkpoint verify).
	Error = severity.Error
)

// Finding is one problem found in a checkpoint.
type Finding struct {
	Severity Severity
	// Code is a stable, machine-readable name of the rule ("invalid_offset").
	Code string
	// File is the file inside a layout (a shard, an archive member) the finding is
	// about; "" for the file or directory given to the validator.
	File string
	// Tensor is the tensor the finding is about; "" for file-level findings.
	Tensor string
	// Offset is the byte offset in File where the problem was detected; -1 when no
	// single offset applies.
	Offset int64
	// Err wraps one of the package's sentinels and says what is wrong.
	Err error
}

// Error describes the finding with its location.
func (f *Finding) Error() string {
	loc := ""
	if f.File != "" {
		loc = f.File
	}
	if f.Tensor != "" {
		if loc != "" {
			loc += ": "
		}
		loc += fmt.Sprintf("tensor %q", f.Tensor)
	}
	if f.Offset >= 0 {
		if loc != "" {
			loc += " "
		}
		loc += fmt.Sprintf("at byte %d", f.Offset)
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

// Message is the finding's error text without its location.
func (f *Finding) Message() string {
	if f.Err == nil {
		return ""
	}
	return f.Err.Error()
}

// finding builds a Finding whose Err wraps sentinel with detail (may be "").
func newFinding(sev Severity, code string, tensor string, offset int64, sentinel error, detail string, args ...any) Finding {
	err := sentinel
	if detail != "" {
		err = &detailError{sentinel: sentinel, msg: fmt.Sprintf(detail, args...)}
	}
	return Finding{Severity: sev, Code: code, Tensor: tensor, Offset: offset, Err: err}
}

// detailError is a sentinel with a more precise message.
type detailError struct {
	sentinel error
	msg      string
}

func (e *detailError) Error() string { return e.msg }
func (e *detailError) Unwrap() error { return e.sentinel }

// Stable finding codes.
const (
	CodeHeaderTooSmall       = "header_too_small"
	CodeHeaderTooLarge       = "header_too_large"
	CodeInvalidHeaderLength  = "invalid_header_length"
	CodeHeaderUTF8           = "invalid_header_utf8"
	CodeHeaderJSON           = "invalid_header_json"
	CodeInvalidOffset        = "invalid_offset"
	CodeValidationOverflow   = "validation_overflow"
	CodeMisalignedSlice      = "misaligned_slice"
	CodeTensorInvalidInfo    = "tensor_invalid_info"
	CodeIncompleteBuffer     = "metadata_incomplete_buffer"
	CodeDuplicateTensor      = "duplicate_tensor"
	CodeLeadingWhitespace    = "leading_whitespace"
	CodeMetadataNull         = "metadata_null"
	CodeUnknownField         = "unknown_tensor_field"
	CodeBoolValue            = "bool_value"
	CodeFormatMissing        = "format_missing"
	CodeFormatUnknown        = "format_unknown"
	CodeNaN                  = "nan"
	CodeInf                  = "inf"
	CodeDecompressedTooLarge = "decompressed_too_large"
	CodeCorruptCompression   = "corrupt_compression"
)
