// Package severity is the severity of a finding, shared by the validators
// (checkpoint, gpu, nemo, audit), which each export it as their Severity with
// their own meaning of Warning and Error.
package severity

import "fmt"

// Level says how serious a finding is.
type Level uint8

const (
	// Warning does not change a validator's verdict.
	Warning Level = 1
	// Error fails it (exit status 2 of sophia-eval).
	Error Level = 2
)

// String returns "warning" or "error".
func (s Level) String() string {
	switch s {
	case Warning:
		return "warning"
	case Error:
		return "error"
	}
	return fmt.Sprintf("Severity(%d)", uint8(s))
}

// MarshalText encodes s as its String.
func (s Level) MarshalText() ([]byte, error) { return []byte(s.String()), nil }
