package checkpoint

import "fmt"

// DType is a safetensors element type. The zero value is [InvalidDType].
type DType uint8

// The 22 dtypes of the safetensors format, with the names the format uses.
const (
	InvalidDType DType = iota
	BOOL               // 8 bits, one byte per value, 0 or 1
	F4                 // 4 bits, OCP MX FP4 E2M1, two values per byte (low nibble first)
	F6E2M3             // 6 bits, OCP MX FP6 E2M3, four values per three bytes
	F6E3M2             // 6 bits, OCP MX FP6 E3M2, four values per three bytes
	U8
	I8
	F8E5M2     // 8 bits, IEEE-like: Inf and NaN
	F8E4M3     // 8 bits, "fn": NaN is S.1111.111, no Inf (torch float8_e4m3fn)
	F8E8M0     // 8 bits, exponent only: NaN is 0xFF, no Inf, no sign (float8_e8m0fnu)
	F8E4M3FNUZ // 8 bits, NaN is 0x80 only, no Inf, no negative zero
	F8E5M2FNUZ // 8 bits, NaN is 0x80 only, no Inf, no negative zero
	I16
	U16
	F16
	BF16
	I32
	U32
	F32
	C64 // complex64: two F32, real then imaginary
	F64
	I64
	U64
	numDTypes
)

var dtypeInfo = [numDTypes]struct {
	name  string
	bits  uint8
	float bool
}{
	InvalidDType: {"INVALID", 0, false},
	BOOL:         {"BOOL", 8, false},
	F4:           {"F4", 4, true},
	F6E2M3:       {"F6_E2M3", 6, true},
	F6E3M2:       {"F6_E3M2", 6, true},
	U8:           {"U8", 8, false},
	I8:           {"I8", 8, false},
	F8E5M2:       {"F8_E5M2", 8, true},
	F8E4M3:       {"F8_E4M3", 8, true},
	F8E8M0:       {"F8_E8M0", 8, true},
	F8E4M3FNUZ:   {"F8_E4M3FNUZ", 8, true},
	F8E5M2FNUZ:   {"F8_E5M2FNUZ", 8, true},
	I16:          {"I16", 16, false},
	U16:          {"U16", 16, false},
	F16:          {"F16", 16, true},
	BF16:         {"BF16", 16, true},
	I32:          {"I32", 32, false},
	U32:          {"U32", 32, false},
	F32:          {"F32", 32, true},
	C64:          {"C64", 64, true},
	F64:          {"F64", 64, true},
	I64:          {"I64", 64, false},
	U64:          {"U64", 64, false},
}

var dtypeByName = func() map[string]DType {
	m := make(map[string]DType, numDTypes)
	for d := BOOL; d < numDTypes; d++ {
		m[dtypeInfo[d].name] = d
	}
	return m
}()

// ParseDType returns the dtype with the exact, case-sensitive safetensors name s.
func ParseDType(s string) (DType, bool) {
	d, ok := dtypeByName[s]
	return d, ok
}

// String returns the safetensors name of d ("F32", "F8_E4M3", ...).
func (d DType) String() string {
	if d >= numDTypes {
		return fmt.Sprintf("DType(%d)", uint8(d))
	}
	return dtypeInfo[d].name
}

// Bits returns the size of one element in bits: 4 for F4, 6 for the F6 types, else a
// multiple of 8. It is 0 for InvalidDType.
func (d DType) Bits() int {
	if d >= numDTypes {
		return 0
	}
	return int(dtypeInfo[d].bits)
}

// IsFloat reports whether d is a floating-point type (complex included).
func (d DType) IsFloat() bool { return d < numDTypes && dtypeInfo[d].float }

// MarshalText encodes d by its safetensors name.
func (d DType) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText decodes a safetensors dtype name.
func (d *DType) UnmarshalText(b []byte) error {
	v, ok := ParseDType(string(b))
	if !ok {
		return fmt.Errorf("checkpoint: unknown dtype %q", b)
	}
	*d = v
	return nil
}
