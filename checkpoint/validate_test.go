package checkpoint

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/sophia-ai/sophia-eval/internal/stfile"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// f32 builds a one-tensor F32 header of n elements at [0, 4n).
func f32Header(extra string) string {
	return `{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]` + extra + `},"__metadata__":{"format":"pt"}}`
}

func lenPrefix(n uint64) []byte { return binary.LittleEndian.AppendUint64(nil, n) }

// specCases are the accept/reject decisions of the reference reader as
// ../shared/specs/checkpoint.md records them, plus the project's policy codes.
// code is the first error finding's code, "" when the file is valid; warn lists
// warning codes that must be present.
var specCases = []struct {
	name string
	file []byte
	code string
	warn []string
}{
	{"empty file", nil, CodeHeaderTooSmall, nil},
	{"7 bytes", []byte{1, 0, 0, 0, 0, 0, 0}, CodeHeaderTooSmall, nil},
	{"header too large", append(lenPrefix(100_000_001), "{}"...), CodeHeaderTooLarge, nil},
	{"header length 2^64-1", lenPrefix(^uint64(0)), CodeHeaderTooLarge, nil},
	{"header exactly the limit but short", append(lenPrefix(100_000_000), "{}"...), CodeInvalidHeaderLength, nil},
	{"header past end", append(lenPrefix(10), "{}"...), CodeInvalidHeaderLength, nil},
	{"header length 0", lenPrefix(0), CodeHeaderJSON, nil},
	{"invalid utf-8", stfile.Raw("{\"\xff\":1}", nil), CodeHeaderUTF8, nil},
	{"overlong utf-8", stfile.Raw("{\"\xc0\xaf\":1}", nil), CodeHeaderUTF8, nil},
	{"utf-8 surrogate", stfile.Raw("{\"\xed\xa0\x80\":1}", nil), CodeHeaderUTF8, nil},
	{"empty object", stfile.Raw(`{}`, nil), "", []string{CodeFormatMissing}},
	{"empty object padded", stfile.Raw("{}  \t\r\n", nil), "", nil},
	{"leading whitespace", stfile.Raw(" {\"__metadata__\":{\"format\":\"pt\"}}", nil), "", []string{CodeLeadingWhitespace}},
	{"trailing garbage", stfile.Raw(`{}xyz`, nil), CodeHeaderJSON, nil},
	{"two objects", stfile.Raw(`{}{}`, nil), CodeHeaderJSON, nil},
	{"NUL padding", stfile.Raw("{}\x00\x00", nil), CodeHeaderJSON, nil},
	{"BOM", stfile.Raw("\ufeff{}", nil), CodeHeaderJSON, nil},
	{"array", stfile.Raw(`[]`, nil), CodeHeaderJSON, nil},
	{"null", stfile.Raw(`null`, nil), CodeHeaderJSON, nil},
	{"string", stfile.Raw(`"x"`, nil), CodeHeaderJSON, nil},
	{"number", stfile.Raw(`42`, nil), CodeHeaderJSON, nil},
	{"valid", stfile.Raw(f32Header(""), make([]byte, 8)), "", nil},
	{"unknown field", stfile.Raw(f32Header(`,"extra":{"x":[1,2.5e3,true,null]}`), make([]byte, 8)), "", []string{CodeUnknownField}},
	{"nesting 127 accepted", stfile.Raw(f32Header(`,"x":`+strings.Repeat("[", 125)+strings.Repeat("]", 125)), make([]byte, 8)), "", nil},
	{"nesting 128 rejected", stfile.Raw(f32Header(`,"x":`+strings.Repeat("[", 126)+strings.Repeat("]", 126)), make([]byte, 8)), CodeHeaderJSON, nil},
	{"float out of range", stfile.Raw(f32Header(`,"x":1e400`), make([]byte, 8)), CodeHeaderJSON, nil},
	{"lone leading surrogate", stfile.Raw(`{"\ud800":1}`, nil), CodeHeaderJSON, nil},
	{"lone trailing surrogate", stfile.Raw(`{"__metadata__":{"format":"\udc00"}}`, nil), CodeHeaderJSON, nil},
	{"surrogate pair", stfile.Raw(`{"__metadata__":{"format":"pt","k":"\ud83d\ude00"}}`, nil), "", nil},
	{"control character", stfile.Raw("{\"__metadata__\":{\"format\":\"p\tt\"}}", nil), CodeHeaderJSON, nil},
	{"invalid escape", stfile.Raw(`{"__metadata__":{"format":"\x41"}}`, nil), CodeHeaderJSON, nil},
	{"trailing comma", stfile.Raw(`{"__metadata__":{"format":"pt"},}`, nil), CodeHeaderJSON, nil},
	{"missing dtype", stfile.Raw(`{"a":{"shape":[2],"data_offsets":[0,8]}}`, make([]byte, 8)), CodeHeaderJSON, nil},
	{"missing shape", stfile.Raw(`{"a":{"dtype":"F32","data_offsets":[0,8]}}`, make([]byte, 8)), CodeHeaderJSON, nil},
	{"missing offsets", stfile.Raw(`{"a":{"dtype":"F32","shape":[2]}}`, make([]byte, 8)), CodeHeaderJSON, nil},
	{"duplicate field", stfile.Raw(`{"a":{"dtype":"F32","dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, make([]byte, 8)), CodeHeaderJSON, nil},
	{"lowercase dtype", stfile.Raw(`{"a":{"dtype":"f32","shape":[2],"data_offsets":[0,8]}}`, make([]byte, 8)), CodeHeaderJSON, nil},
	{"unknown dtype", stfile.Raw(`{"a":{"dtype":"F128","shape":[2],"data_offsets":[0,8]}}`, make([]byte, 8)), CodeHeaderJSON, nil},
	{"negative dim", stfile.Raw(`{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}`, make([]byte, 8)), CodeHeaderJSON, nil},
	{"minus zero dim", stfile.Raw(`{"a":{"dtype":"F32","shape":[-0,2],"data_offsets":[0,0]}}`, nil), CodeHeaderJSON, nil},
	{"fractional dim", stfile.Raw(`{"a":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}}`, make([]byte, 8)), CodeHeaderJSON, nil},
	{"exponent dim", stfile.Raw(`{"a":{"dtype":"F32","shape":[2e0],"data_offsets":[0,8]}}`, make([]byte, 8)), CodeHeaderJSON, nil},
	{"leading zero dim", stfile.Raw(`{"a":{"dtype":"F32","shape":[02],"data_offsets":[0,8]}}`, make([]byte, 8)), CodeHeaderJSON, nil},
	{"string dim", stfile.Raw(`{"a":{"dtype":"F32","shape":["2"],"data_offsets":[0,8]}}`, make([]byte, 8)), CodeHeaderJSON, nil},
	{"dim 2^64", stfile.Raw(`{"a":{"dtype":"F32","shape":[18446744073709551616],"data_offsets":[0,8]}}`, make([]byte, 8)), CodeHeaderJSON, nil},
	{"three offsets", stfile.Raw(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8,8]}}`, make([]byte, 8)), CodeHeaderJSON, nil},
	{"one offset", stfile.Raw(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0]}}`, make([]byte, 8)), CodeHeaderJSON, nil},
	{"metadata int value", stfile.Raw(`{"__metadata__":{"format":"pt","n":1}}`, nil), CodeHeaderJSON, nil},
	{"metadata null value", stfile.Raw(`{"__metadata__":{"format":null}}`, nil), CodeHeaderJSON, nil},
	{"metadata nested", stfile.Raw(`{"__metadata__":{"format":{"a":"b"}}}`, nil), CodeHeaderJSON, nil},
	{"metadata string", stfile.Raw(`{"__metadata__":"pt"}`, nil), CodeHeaderJSON, nil},
	{"metadata array", stfile.Raw(`{"__metadata__":["pt"]}`, nil), CodeHeaderJSON, nil},
	{"metadata null", stfile.Raw(`{"__metadata__":null}`, nil), "", []string{CodeMetadataNull, CodeFormatMissing}},
	{"metadata twice", stfile.Raw(`{"__metadata__":{"format":"pt"},"__metadata__":{"format":"pt"}}`, nil), CodeHeaderJSON, nil},
	{"metadata duplicate key", stfile.Raw(`{"__metadata__":{"format":"x","format":"pt"}}`, nil), "", nil},
	{"format unknown", stfile.Raw(`{"__metadata__":{"format":"torch"}}`, nil), "", []string{CodeFormatUnknown}},
	{"duplicate tensor identical", stfile.Raw(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}`, []byte{1}), CodeDuplicateTensor, nil},
	{"gap at start", stfile.Raw(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}`, []byte{1, 2}), CodeInvalidOffset, nil},
	{"gap between", stfile.Raw(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"b":{"dtype":"U8","shape":[1],"data_offsets":[2,3]}}`, []byte{1, 2, 3}), CodeInvalidOffset, nil},
	{"overlap", stfile.Raw(`{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[2],"data_offsets":[1,3]}}`, []byte{1, 2, 3}), CodeInvalidOffset, nil},
	{"same range two names", stfile.Raw(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"b":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}`, []byte{1}), CodeInvalidOffset, nil},
	{"two empty tensors at one offset", stfile.Raw(`{"a":{"dtype":"U8","shape":[0],"data_offsets":[0,0]},"b":{"dtype":"F32","shape":[3,0],"data_offsets":[0,0]}}`, nil), "", nil},
	{"reversed range", stfile.Raw(`{"a":{"dtype":"U8","shape":[0],"data_offsets":[1,0]}}`, nil), CodeInvalidOffset, nil},
	{"shape overflow", stfile.Raw(`{"a":{"dtype":"U8","shape":[4294967296,4294967296],"data_offsets":[0,0]}}`, nil), CodeValidationOverflow, nil},
	{"bits overflow", stfile.Raw(`{"a":{"dtype":"F32","shape":[2305843009213693952],"data_offsets":[0,0]}}`, nil), CodeValidationOverflow, nil},
	{"F4 odd count", stfile.Raw(`{"a":{"dtype":"F4","shape":[3],"data_offsets":[0,1]}}`, []byte{0}), CodeMisalignedSlice, nil},
	{"F4 even count", stfile.Raw(`{"a":{"dtype":"F4","shape":[4],"data_offsets":[0,2]}}`, []byte{0, 0}), "", nil},
	{"F6 count 2", stfile.Raw(`{"a":{"dtype":"F6_E2M3","shape":[2],"data_offsets":[0,1]}}`, []byte{0}), CodeMisalignedSlice, nil},
	{"F6 count 4", stfile.Raw(`{"a":{"dtype":"F6_E3M2","shape":[2,2],"data_offsets":[0,3]}}`, []byte{0, 0, 0}), "", nil},
	{"size mismatch", stfile.Raw(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}`, make([]byte, 4)), CodeTensorInvalidInfo, nil},
	{"scalar", stfile.Raw(`{"a":{"dtype":"F64","shape":[],"data_offsets":[0,8]}}`, make([]byte, 8)), "", nil},
	{"truncated data", stfile.Raw(f32Header(""), make([]byte, 7)), CodeIncompleteBuffer, nil},
	{"trailing bytes", stfile.Raw(f32Header(""), make([]byte, 9)), CodeIncompleteBuffer, nil},
	{"huge tensor tiny file", stfile.Raw(`{"a":{"dtype":"U8","shape":[1099511627776],"data_offsets":[0,1099511627776]}}`, nil), CodeIncompleteBuffer, nil},
	{"tensor entry as array", stfile.Raw(`{"a":["F32",[2],[0,8]]}`, make([]byte, 8)), "", nil},
	{"tensor entry array too long", stfile.Raw(`{"a":["F32",[2],[0,8],1]}`, make([]byte, 8)), CodeHeaderJSON, nil},
	{"tensor entry array too short", stfile.Raw(`{"a":["F32",[2]]}`, make([]byte, 8)), CodeHeaderJSON, nil},
	{"dtype as tagged enum", stfile.Raw(`{"a":{"dtype":{"F32":null},"shape":[2],"data_offsets":[0,8]}}`, make([]byte, 8)), "", nil},
	{"tensor entry string", stfile.Raw(`{"a":"F32"}`, nil), CodeHeaderJSON, nil},
	{"bool bytes", stfile.Raw(`{"__metadata__":{"format":"pt"},"a":{"dtype":"BOOL","shape":[3],"data_offsets":[0,3]}}`, []byte{0, 1, 2}), "", []string{CodeBoolValue}},
}

func firstError(r *Report) string {
	for _, f := range r.Findings {
		if f.Severity == Error {
			return f.Code
		}
	}
	return ""
}

func codes(r *Report, sev Severity) []string {
	var out []string
	for _, f := range r.Findings {
		if f.Severity == sev {
			out = append(out, f.Code)
		}
	}
	return out
}

func TestSpecCases(t *testing.T) {
	ctx := context.Background()
	for _, tt := range specCases {
		t.Run(tt.name, func(t *testing.T) {
			for _, path := range []string{"at", "stream-sized", "stream", "onebyte"} {
				var rep *Report
				var err error
				c := Config{Workers: 1}
				switch path {
				case "at":
					rep, err = ValidateAt(ctx, bytes.NewReader(tt.file), int64(len(tt.file)), c)
				case "stream-sized":
					rep, err = ValidateStream(ctx, bytes.NewReader(tt.file), int64(len(tt.file)), c)
				case "stream":
					rep, err = ValidateStream(ctx, bytes.NewReader(tt.file), -1, c)
				case "onebyte":
					rep, err = ValidateStream(ctx, iotest.OneByteReader(bytes.NewReader(tt.file)), -1, c)
				}
				require.NoError(t, err, path)
				assert.Equal(t, tt.code, firstError(rep), "%s: findings %v", path, rep.Findings)
				for _, w := range tt.warn {
					assert.Contains(t, codes(rep, Warning), w, path)
				}
				if tt.code == "" {
					assert.True(t, rep.Valid())
					assert.NoError(t, rep.Err())
				} else {
					assert.False(t, rep.Valid())
					assert.Error(t, rep.Err())
				}
			}
		})
	}
}

func TestFindingWrapsSentinel(t *testing.T) {
	file := stfile.Raw(f32Header(""), make([]byte, 7))
	rep, err := ValidateAt(context.Background(), bytes.NewReader(file), int64(len(file)), Config{})
	require.NoError(t, err)
	require.ErrorIs(t, rep.Err(), ErrIncompleteBuffer)
	var f *Finding
	require.ErrorAs(t, rep.Err(), &f)
	assert.Equal(t, CodeIncompleteBuffer, f.Code)
	assert.Equal(t, int64(len(file)), f.Offset)
	assert.Contains(t, f.Error(), "truncated")
}

func TestNonFiniteEveryEncoding(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, dt := range stfile.DTypes {
		specials := stfile.NonFinite(dt)
		if len(specials) == 0 {
			continue
		}
		t.Run(dt, func(t *testing.T) {
			esz := stfile.Bits(dt) / 8
			n := uint64(5000)
			data := stfile.Fill(rng, dt, n)
			if dt == "C64" {
				data = data[:len(data)/2]
			}
			var want [3]int64
			at := map[int]bool{}
			for k := 0; k < 40; k++ {
				s := specials[k%len(specials)]
				var pos int
				for {
					pos = rng.IntN(len(data)/len(s.Bytes)) * len(s.Bytes)
					if !at[pos/esz] {
						break
					}
				}
				at[pos/esz] = true
				copy(data[pos:], s.Bytes)
				switch s.Kind {
				case "nan":
					want[0]++
				case "+inf":
					want[1]++
				case "-inf":
					want[2]++
				}
			}
			shape := []uint64{n}
			if dt == "C64" {
				shape = []uint64{n / 2}
			}
			file := stfile.Build([]stfile.Tensor{{Name: "w", DType: dt, Shape: shape, Data: data}}, map[string]string{"format": "pt"})
			for _, w := range []int{1, 3} {
				rep, err := ValidateAt(context.Background(), bytes.NewReader(file), int64(len(file)), Config{Workers: w})
				require.NoError(t, err)
				require.Len(t, rep.Tensors, 1)
				tn := rep.Tensors[0]
				assert.Equal(t, want, [3]int64{tn.NaN, tn.PosInf, tn.NegInf})
				assert.False(t, rep.Valid())
			}
		})
	}
}

// bigFile is a file with several tensors that span many chunks, at unaligned
// offsets, with NaNs sprinkled in.
func bigFile(t testing.TB, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, 7))
	var ts []stfile.Tensor
	dts := []string{"F32", "BF16", "F16", "F64", "U8", "F8_E4M3", "C64", "I32"}
	for i, dt := range dts {
		n := uint64(300_000 + rng.IntN(900_000))
		if dt == "C64" {
			n &^= 1
		}
		data := stfile.Fill(rng, dt, n)
		if dt == "C64" {
			data = data[:len(data)/2]
		}
		if sp := stfile.NonFinite(dt); len(sp) > 0 {
			for k := 0; k < 10; k++ {
				s := sp[rng.IntN(len(sp))]
				copy(data[rng.IntN(len(data)/8)*8:], s.Bytes)
			}
		}
		shape := []uint64{n}
		if dt == "C64" {
			shape = []uint64{n / 2}
		}
		ts = append(ts, stfile.Tensor{Name: string(rune('a' + i)), DType: dt, Shape: shape, Data: data})
	}
	// Odd-sized U8 tensor first so that later tensors start at unaligned offsets.
	ts = append(ts, stfile.Tensor{Name: "odd", DType: "U8", Shape: []uint64{3}, Data: []byte{1, 2, 3}})
	hdr := `{"__metadata__":{"format":"pt"}`
	var data []byte
	var off uint64
	order := []int{len(ts) - 1}
	for i := 0; i < len(ts)-1; i++ {
		order = append(order, i)
	}
	for _, i := range order {
		tt := ts[i]
		hdr += `,"` + tt.Name + `":{"dtype":"` + tt.DType + `","shape":[` + itoa(tt.Shape[0]) + `],"data_offsets":[` + itoa(off) + `,` + itoa(off+uint64(len(tt.Data))) + `]}`
		off += uint64(len(tt.Data))
		data = append(data, tt.Data...)
	}
	return stfile.Raw(hdr+"}", data)
}

func itoa(v uint64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			return string(b[i:])
		}
	}
}

func TestPathsAgree(t *testing.T) {
	ctx := context.Background()
	file := bigFile(t, 3)
	c := Config{Stats: true, Hash: true, Workers: 1}
	want, err := ValidateAt(ctx, bytes.NewReader(file), int64(len(file)), c)
	require.NoError(t, err)
	require.NotEmpty(t, want.SHA256)
	var total int64
	for _, tn := range want.Tensors {
		total += tn.NaN + tn.PosInf + tn.NegInf
		if tn.DType != U8 && tn.DType != I32 {
			require.NotNil(t, tn.Stats, tn.Name)
		}
	}
	require.Positive(t, total)
	for _, w := range []int{1, 2, 5} {
		c.Workers = w
		got, err := ValidateAt(ctx, bytes.NewReader(file), int64(len(file)), c)
		require.NoError(t, err)
		assert.Equal(t, want, got, "ReaderAt workers=%d", w)
		got, err = ValidateStream(ctx, bytes.NewReader(file), int64(len(file)), c)
		require.NoError(t, err)
		assert.Equal(t, want, got, "stream workers=%d", w)
		got, err = ValidateStream(ctx, iotest.HalfReader(bytes.NewReader(file)), -1, c)
		require.NoError(t, err)
		assert.Equal(t, want, got, "unsized stream workers=%d", w)
		got, err = Validate(ctx, bytes.NewReader(file), c)
		require.NoError(t, err)
		assert.Equal(t, want, got, "Validate workers=%d", w)
	}
}

func TestReadErrorIsError(t *testing.T) {
	file := bigFile(t, 4)
	boom := errors.New("boom")
	r := io.MultiReader(bytes.NewReader(file[:len(file)/2]), iotest.ErrReader(boom))
	for _, w := range []int{1, 2} {
		_, err := ValidateStream(context.Background(), r, -1, Config{Workers: w})
		require.ErrorIs(t, err, boom)
		r = io.MultiReader(bytes.NewReader(file[:len(file)/2]), iotest.ErrReader(boom))
	}
}

func TestCancel(t *testing.T) {
	file := bigFile(t, 5)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := ValidateAt(ctx, bytes.NewReader(file), int64(len(file)), Config{Workers: 2})
	require.ErrorIs(t, err, context.Canceled)
}
