// Package stfile builds safetensors files for tests, benchmarks and the test-file
// generator: valid files laid out the way the reference writer lays them out, and
// raw files with any header for malformed cases.
package stfile

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
)

// Tensor is one tensor to write. Data must have the size dtype and shape imply.
type Tensor struct {
	Name  string
	DType string
	Shape []uint64
	Data  []byte
}

// Bits returns the element size of a safetensors dtype name in bits (0 if unknown).
func Bits(dtype string) int {
	switch dtype {
	case "F4":
		return 4
	case "F6_E2M3", "F6_E3M2":
		return 6
	case "BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0", "F8_E4M3FNUZ", "F8_E5M2FNUZ":
		return 8
	case "I16", "U16", "F16", "BF16":
		return 16
	case "I32", "U32", "F32":
		return 32
	case "C64", "F64", "I64", "U64":
		return 64
	}
	return 0
}

// DTypes lists the 22 safetensors dtype names.
var DTypes = []string{"BOOL", "F4", "F6_E2M3", "F6_E3M2", "U8", "I8", "F8_E5M2", "F8_E4M3",
	"F8_E8M0", "F8_E4M3FNUZ", "F8_E5M2FNUZ", "I16", "U16", "F16", "BF16", "I32", "U32", "F32",
	"C64", "F64", "I64", "U64"}

// NBytes returns the byte size of a tensor of dtype and shape.
func NBytes(dtype string, shape []uint64) uint64 {
	n := uint64(1)
	for _, d := range shape {
		n *= d
	}
	return n * uint64(Bits(dtype)) / 8
}

// Build returns a safetensors file as the reference writer produces it: tensors
// ordered by descending dtype alignment, then by name; the header JSON padded with
// spaces to a multiple of 8 bytes; metadata (may be nil) under "__metadata__".
func Build(tensors []Tensor, metadata map[string]string) []byte {
	ts := append([]Tensor(nil), tensors...)
	sort.SliceStable(ts, func(i, j int) bool {
		bi, bj := Bits(ts[i].DType), Bits(ts[j].DType)
		if bi != bj {
			return bi > bj
		}
		return ts[i].Name < ts[j].Name
	})
	var h strings.Builder
	h.WriteByte('{')
	first := true
	if metadata != nil {
		keys := make([]string, 0, len(metadata))
		for k := range metadata {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		h.WriteString(`"__metadata__":{`)
		for i, k := range keys {
			if i > 0 {
				h.WriteByte(',')
			}
			h.WriteString(quote(k) + ":" + quote(metadata[k]))
		}
		h.WriteByte('}')
		first = false
	}
	var off uint64
	for _, t := range ts {
		if !first {
			h.WriteByte(',')
		}
		first = false
		n := uint64(len(t.Data))
		h.WriteString(quote(t.Name) + `:{"dtype":` + quote(t.DType) + `,"shape":` + uints(t.Shape) +
			`,"data_offsets":[` + strconv.FormatUint(off, 10) + "," + strconv.FormatUint(off+n, 10) + "]}")
		off += n
	}
	h.WriteByte('}')
	hdr := h.String()
	for len(hdr)%8 != 0 {
		hdr += " "
	}
	out := make([]byte, 8, 8+len(hdr)+int(off))
	binary.LittleEndian.PutUint64(out, uint64(len(hdr)))
	out = append(out, hdr...)
	for _, t := range ts {
		out = append(out, t.Data...)
	}
	return out
}

// Raw returns a file with the given header text and data section, the length
// prefix set to len(header).
func Raw(header string, data []byte) []byte {
	out := make([]byte, 8, 8+len(header)+len(data))
	binary.LittleEndian.PutUint64(out, uint64(len(header)))
	out = append(out, header...)
	return append(out, data...)
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func uints(s []uint64) string {
	p := make([]string, len(s))
	for i, v := range s {
		p[i] = strconv.FormatUint(v, 10)
	}
	return "[" + strings.Join(p, ",") + "]"
}

// Fill returns the bytes of n elements of dtype with seeded, finite, weight-like
// values (normal with standard deviation 0.02 for floats; small integers; 0/1 for
// BOOL). Sub-byte dtypes get random bytes with whole elements.
func Fill(rng *rand.Rand, dtype string, n uint64) []byte {
	bits := Bits(dtype)
	b := make([]byte, n*uint64(bits)/8)
	switch dtype {
	case "F32", "C64":
		for i := 0; i+4 <= len(b); i += 4 {
			binary.LittleEndian.PutUint32(b[i:], math.Float32bits(float32(rng.NormFloat64()*0.02)))
		}
	case "F64":
		for i := 0; i+8 <= len(b); i += 8 {
			binary.LittleEndian.PutUint64(b[i:], math.Float64bits(rng.NormFloat64()*0.02))
		}
	case "BF16":
		for i := 0; i+2 <= len(b); i += 2 {
			binary.LittleEndian.PutUint16(b[i:], uint16(math.Float32bits(float32(rng.NormFloat64()*0.02))>>16))
		}
	case "F16":
		for i := 0; i+2 <= len(b); i += 2 {
			binary.LittleEndian.PutUint16(b[i:], F16Bits(float32(rng.NormFloat64()*0.02)))
		}
	case "BOOL":
		for i := range b {
			b[i] = byte(rng.IntN(2))
		}
	case "F8_E5M2":
		for i := range b {
			b[i] = byte(rng.IntN(256)) &^ 0x40 // exponent never all ones
		}
	case "F8_E4M3":
		for i := range b {
			b[i] = byte(rng.IntN(256)) &^ 0x08 // mantissa never 111 with exponent 1111
		}
	case "F8_E8M0":
		for i := range b {
			b[i] = byte(rng.IntN(255))
		}
	case "F8_E4M3FNUZ", "F8_E5M2FNUZ":
		for i := range b {
			b[i] = byte(rng.IntN(256))
			if b[i] == 0x80 {
				b[i] = 0
			}
		}
	default:
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
	}
	return b
}

// F16Bits converts f to IEEE half precision, rounding to nearest even.
func F16Bits(f float32) uint16 {
	x := math.Float32bits(f)
	sign := uint16(x>>16) & 0x8000
	exp := int(x>>23&0xFF) - 127 + 15
	man := x & 0x7FFFFF
	switch {
	case x&0x7FFFFFFF > 0x7F800000:
		return sign | 0x7E00
	case exp >= 31:
		return sign | 0x7C00
	case exp <= 0:
		if exp < -10 {
			return sign
		}
		man |= 0x800000
		shift := uint(14 - exp)
		h := man >> shift
		rem := man & (1<<shift - 1)
		half := uint32(1) << (shift - 1)
		if rem > half || rem == half && h&1 == 1 {
			h++
		}
		return sign | uint16(h)
	}
	h := uint32(exp)<<10 | man>>13
	rem := man & 0x1FFF
	if rem > 0x1000 || rem == 0x1000 && h&1 == 1 {
		h++
	}
	return sign | uint16(h)
}

// Encodings of the non-finite values of each float dtype, as (bytes, kind) pairs;
// kind is "nan", "+inf" or "-inf". Every encoding class of each format is listed:
// quiet and signalling NaNs and both signs where the format has them.
func NonFinite(dtype string) []Special {
	le16 := func(v uint16) []byte { return binary.LittleEndian.AppendUint16(nil, v) }
	le32 := func(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
	le64 := func(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }
	switch dtype {
	case "F32":
		return []Special{{le32(0x7FC00000), "nan"}, {le32(0xFFC00000), "nan"}, {le32(0x7F800001), "nan"},
			{le32(0xFFFFFFFF), "nan"}, {le32(0x7F800000), "+inf"}, {le32(0xFF800000), "-inf"}}
	case "C64":
		return []Special{{le32(0x7FC00000), "nan"}, {le32(0x7F800000), "+inf"}, {le32(0xFF800000), "-inf"}}
	case "F64":
		return []Special{{le64(0x7FF8000000000000), "nan"}, {le64(0xFFF0000000000001), "nan"},
			{le64(0x7FF0000000000000), "+inf"}, {le64(0xFFF0000000000000), "-inf"}}
	case "F16":
		return []Special{{le16(0x7E00), "nan"}, {le16(0xFC01), "nan"}, {le16(0x7C00), "+inf"}, {le16(0xFC00), "-inf"}}
	case "BF16":
		return []Special{{le16(0x7FC0), "nan"}, {le16(0xFF81), "nan"}, {le16(0x7F80), "+inf"}, {le16(0xFF80), "-inf"}}
	case "F8_E5M2":
		return []Special{{[]byte{0x7F}, "nan"}, {[]byte{0xFD}, "nan"}, {[]byte{0x7E}, "nan"},
			{[]byte{0x7C}, "+inf"}, {[]byte{0xFC}, "-inf"}}
	case "F8_E4M3":
		return []Special{{[]byte{0x7F}, "nan"}, {[]byte{0xFF}, "nan"}}
	case "F8_E8M0":
		return []Special{{[]byte{0xFF}, "nan"}}
	case "F8_E4M3FNUZ", "F8_E5M2FNUZ":
		return []Special{{[]byte{0x80}, "nan"}}
	}
	return nil
}

// Special is one encoding of a non-finite value.
type Special struct {
	Bytes []byte
	Kind  string
}
