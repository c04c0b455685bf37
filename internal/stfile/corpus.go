package stfile

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// Case is one file of the conformance corpus.
type Case struct {
	// Name is unique within a corpus: lower-case letters, digits and '-'.
	Name string
	File []byte
	// Want is the code of the first error finding our validator is expected to
	// report ("invalid_offset", ...), "" when the file is expected to be valid, or
	// WantUnknown for the seeded random mutations, whose verdict only the
	// reference reader decides.
	Want string
	// Note says what the case is about.
	Note string
}

// WantUnknown is the Want of cases nobody predicted.
const WantUnknown = "?"

// Finding codes of the checkpoint package, spelled out here because the package
// imports this one in its tests.
const (
	wHeaderTooSmall      = "header_too_small"
	wHeaderTooLarge      = "header_too_large"
	wInvalidHeaderLength = "invalid_header_length"
	wUTF8                = "invalid_header_utf8"
	wJSON                = "invalid_header_json"
	wInvalidOffset       = "invalid_offset"
	wOverflow            = "validation_overflow"
	wMisaligned          = "misaligned_slice"
	wInvalidInfo         = "tensor_invalid_info"
	wIncomplete          = "metadata_incomplete_buffer"
	wDuplicate           = "duplicate_tensor"
	wNaN                 = "nan"
	wInf                 = "inf"
)

// Mutations is the number of seeded random mutations in a corpus.
const Mutations = 400

// Corpus returns the conformance corpus for seed: valid files of every dtype, every
// NaN/Inf encoding, hand-written malformed files for every rule of the reference
// reader, and Mutations seeded random mutations of valid files. The same seed gives
// the same cases, byte for byte.
func Corpus(seed uint64) []Case {
	g := &corpus{rng: rand.New(rand.NewPCG(seed, 0x5afe7e5)), names: map[string]bool{}}
	g.valid()
	g.nonFinite()
	g.length()
	g.utf8()
	g.json()
	g.fields()
	g.metadata()
	g.duplicates()
	g.offsets()
	g.sizes()
	g.quirks()
	g.mutations()
	return g.cases
}

type corpus struct {
	rng   *rand.Rand
	cases []Case
	names map[string]bool
	bases [][]byte // valid files that the mutations start from
}

func (g *corpus) add(name, want, note string, file []byte) {
	if g.names[name] {
		panic("stfile: duplicate corpus case name " + name)
	}
	g.names[name] = true
	g.cases = append(g.cases, Case{Name: name, File: file, Want: want, Note: note})
}

// raw adds a case whose header is h and whose data section is data.
func (g *corpus) raw(name, want, h string, data []byte) {
	g.add(name, want, h, Raw(h, data))
}

// ent is a tensor entry with the fields in the writer's order.
func ent(dtype string, shape string, begin, end uint64) string {
	return `{"dtype":"` + dtype + `","shape":` + shape + `,"data_offsets":[` +
		strconv.FormatUint(begin, 10) + `,` + strconv.FormatUint(end, 10) + `]}`
}

// one is a header with tensor "a" given by entry and format metadata.
func one(entry string) string { return `{"__metadata__":{"format":"pt"},"a":` + entry + `}` }

// f32 is the entry of an F32 tensor of shape [2] at [0, 8].
const f32 = `{"dtype":"F32","shape":[2],"data_offsets":[0,8]}`

func zeros(n int) []byte { return make([]byte, n) }

// nest returns n nested arrays or objects.
func nest(n int, obj bool) string {
	if obj {
		return strings.Repeat(`{"x":`, n-1) + `{}` + strings.Repeat(`}`, n-1)
	}
	return strings.Repeat("[", n) + strings.Repeat("]", n)
}

// shapeFor gives a small shape whose element count suits dtype's bit width.
func (g *corpus) shapeFor(dtype string) []uint64 {
	switch g.rng.IntN(4) {
	case 0:
		return []uint64{uint64(1+g.rng.IntN(3)) * 4}
	case 1:
		return []uint64{uint64(1 + g.rng.IntN(3)), 4}
	case 2:
		return []uint64{2, uint64(1 + g.rng.IntN(2)), 4}
	}
	if Bits(dtype)%8 != 0 {
		return []uint64{4, 1}
	}
	return []uint64{uint64(1 + g.rng.IntN(5))}
}

func (g *corpus) tensor(name, dtype string) Tensor {
	shape := g.shapeFor(dtype)
	n := uint64(1)
	for _, d := range shape {
		n *= d
	}
	return Tensor{Name: name, DType: dtype, Shape: shape, Data: Fill(g.rng, dtype, n)}
}

func (g *corpus) valid() {
	meta := map[string]string{"format": "pt"}
	for _, dt := range DTypes {
		f := Build([]Tensor{g.tensor("w", dt)}, meta)
		g.add("dtype-"+slug(dt), "", "one "+dt+" tensor as the reference writer lays it out", f)
		g.bases = append(g.bases, f)
	}
	var all []Tensor
	for i, dt := range DTypes {
		all = append(all, g.tensor(fmt.Sprintf("layer.%d.%s", i, strings.ToLower(dt)), dt))
	}
	f := Build(all, meta)
	g.add("all-dtypes", "", "one tensor of each of the 22 dtypes in one file", f)
	g.bases = append(g.bases, f)
	for k := 0; k < 6; k++ {
		var ts []Tensor
		for i := range 1 + g.rng.IntN(4) {
			ts = append(ts, g.tensor(fmt.Sprintf("t%d", i), DTypes[g.rng.IntN(len(DTypes))]))
		}
		m := meta
		if k%3 == 2 {
			m = nil
		}
		f := Build(ts, m)
		g.add(fmt.Sprintf("mixed-%d", k), "", "a few random tensors", f)
		g.bases = append(g.bases, f)
	}
	g.add("empty-object", "", "{} : no tensors, no metadata", Raw(`{}`, nil))
	g.add("metadata-only", "", "format metadata and no tensors", Build(nil, meta))
	g.raw("scalar", "", one(ent("F64", "[]", 0, 8)), zeros(8))
	g.raw("zero-dim", "", one(ent("F32", "[0]", 0, 0)), nil)
	g.raw("zero-dim-inner", "", one(ent("BF16", "[3,0,5]", 0, 0)), nil)
	g.raw("spaces-everywhere", "", " \t{ \"__metadata__\" : { \"format\" : \"pt\" } ,\n\"a\"\r:\n{ \"dtype\" : \"U8\" , \"shape\" : [ 2 ] , \"data_offsets\" : [ 0 , 2 ] } } \n\t\r ", []byte{1, 2})
	g.raw("leading-whitespace", "", " \n"+one(f32), zeros(8))
	g.raw("padding-tab-cr-lf", "", one(f32)+"\t\r\n ", zeros(8))
	g.raw("padding-64k", "", one(f32)+strings.Repeat(" ", 70000), zeros(8))
	g.raw("out-of-order-entries", "", `{"b":`+ent("U8", "[2]", 3, 5)+`,"a":`+ent("U8", "[3]", 0, 3)+`}`, []byte{1, 2, 3, 4, 5})
	g.raw("empty-name", "", `{"":`+f32+`}`, zeros(8))
	g.raw("unicode-name", "", `{"wéight.😀":`+f32+`}`, zeros(8))
	g.raw("escaped-name", "", `{"a\"b\\c\/d\u00e9\ud83d\ude00\u0000\n":`+f32+`}`, zeros(8))
	g.raw("raw-del-in-name", "", "{\"a\x7fb\":"+f32+"}", zeros(8))
	g.raw("bool-bytes", "", one(ent("BOOL", "[4]", 0, 4)), []byte{0, 1, 2, 255})
	g.raw("data-not-utf8", "", one(ent("U8", "[4]", 0, 4)), []byte{0xff, 0xfe, 0xc0, 0x80})
	g.raw("format-unknown", "", `{"__metadata__":{"format":"torch"},"a":`+f32+`}`, zeros(8))
	var b strings.Builder
	b.WriteString(`{"__metadata__":{"format":"pt"}`)
	perm := g.rng.Perm(60)
	for _, i := range perm {
		fmt.Fprintf(&b, `,"t%02d":%s`, i, ent("I16", "[3]", uint64(i)*6, uint64(i)*6+6))
	}
	b.WriteString("}")
	g.raw("sixty-tensors-shuffled", "", b.String(), zeros(360))
}

func slug(s string) string {
	return strings.ToLower(strings.ReplaceAll(s, "_", "-"))
}

func (g *corpus) nonFinite() {
	for _, dt := range DTypes {
		for i, sp := range NonFinite(dt) {
			parts := 1
			if dt == "C64" {
				parts = 2 // the real or the imaginary part
			}
			for part := range parts {
				n := uint64(8)
				data := Fill(g.rng, dt, n)
				esz := Bits(dt) / 8
				pos := g.rng.IntN(int(n)) * esz
				if dt == "C64" {
					pos += part * 4
				}
				copy(data[pos:], sp.Bytes)
				want := wNaN
				if sp.Kind != "nan" {
					want = wInf
				}
				name := fmt.Sprintf("nonfinite-%s-%d-%s", slug(dt), i, strings.Trim(sp.Kind, "+-"))
				if sp.Kind == "-inf" {
					name += "-neg"
				}
				if parts == 2 {
					name += []string{"-real", "-imag"}[part]
				}
				f := Build([]Tensor{{Name: "w", DType: dt, Shape: []uint64{n}, Data: data}}, map[string]string{"format": "pt"})
				g.add(name, want, fmt.Sprintf("%s %s encoded % x at data byte %d (the reference does not look at values)", dt, sp.Kind, sp.Bytes, pos), f)
			}
		}
	}
}

func le64(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }

func (g *corpus) length() {
	valid := Raw(one(f32), zeros(8))
	for n := 0; n < 8; n++ {
		g.add(fmt.Sprintf("file-%d-bytes", n), wHeaderTooSmall, "shorter than the 8-byte length", valid[:n])
	}
	g.add("header-len-0", wJSON, "n = 0: empty JSON text", le64(0))
	g.add("header-len-0-with-data", wJSON, "n = 0 followed by bytes", append(le64(0), "{}"...))
	g.add("header-len-limit-plus-1", wHeaderTooLarge, "n = 100000001", append(le64(100_000_001), "{}"...))
	g.add("header-len-limit", wInvalidHeaderLength, "n = 100000000 (allowed) but the file is short", append(le64(100_000_000), "{}"...))
	g.add("header-len-limit-minus-1", wInvalidHeaderLength, "n = 99999999 but the file is short", append(le64(99_999_999), "{}"...))
	g.add("header-len-2-63", wHeaderTooLarge, "n = 2^63", append(le64(1<<63), "{}"...))
	g.add("header-len-max", wHeaderTooLarge, "n = 2^64-1", le64(^uint64(0)))
	g.add("header-len-max-minus-7", wHeaderTooLarge, "n = 2^64-8: n+8 would overflow", le64(^uint64(0)-7))
	g.add("header-len-past-end-by-1", wInvalidHeaderLength, "n one more than the bytes after the prefix", append(le64(3), "{}"...))
	g.add("header-len-past-end-no-data", wInvalidHeaderLength, "n = 2 and nothing after the prefix", le64(2))
	f := append([]byte(nil), valid...)
	binary.LittleEndian.PutUint64(f, uint64(len(f)-8))
	g.add("header-len-covers-data", wJSON, "n covers the header and the data section", f)
	f = append([]byte(nil), valid...)
	binary.LittleEndian.PutUint64(f, uint64(len(f)-7))
	g.add("header-len-whole-file-plus-1", wInvalidHeaderLength, "n one past the end of the file", f)
}

func (g *corpus) utf8() {
	bad := []struct{ name, seq string }{
		{"ff", "\xff"},
		{"fe", "\xfe"},
		{"lone-continuation", "\x80"},
		{"overlong-2-slash", "\xc0\xaf"},
		{"overlong-2-nul", "\xc0\x80"},
		{"overlong-2-c1", "\xc1\xbf"},
		{"overlong-3", "\xe0\x80\xaf"},
		{"overlong-4", "\xf0\x80\x80\xaf"},
		{"surrogate-d800", "\xed\xa0\x80"},
		{"surrogate-dfff", "\xed\xbf\xbf"},
		{"surrogate-pair-cesu", "\xed\xa0\xbd\xed\xb8\x80"},
		{"above-10ffff", "\xf4\x90\x80\x80"},
		{"f5", "\xf5\x80\x80\x80"},
		{"truncated-2", "\xc3"},
		{"truncated-3", "\xe2\x82"},
		{"truncated-4", "\xf0\x9f\x98"},
	}
	for _, b := range bad {
		g.raw("utf8-name-"+b.name, wUTF8, `{"a`+b.seq+`":`+f32+`}`, zeros(8))
	}
	g.raw("utf8-metadata-value", wUTF8, `{"__metadata__":{"format":"p`+"\xff"+`t"}}`, nil)
	g.raw("utf8-in-padding", wUTF8, one(f32)+"  \xa0 ", zeros(8))
	g.raw("utf8-outside-string", wUTF8, "\xff"+one(f32), zeros(8))
	g.raw("utf8-after-json-error", wUTF8, `{"a":x,"b`+"\xff"+`":1}`, nil)
	g.raw("utf8-at-end", wUTF8, one(f32)+"\xe2\x82", zeros(8))
	g.raw("utf8-max-valid", "", `{"a`+"\xf4\x8f\xbf\xbf\xef\xbf\xbf\xed\x9f\xbf\xee\x80\x80"+`":`+f32+`}`, zeros(8))
	g.raw("utf8-nbsp-padding", wJSON, one(f32)+"\u00a0", zeros(8))
	g.raw("utf8-bom", wJSON, "\ufeff"+one(f32), zeros(8))
}

func (g *corpus) json() {
	top := []struct{ name, h string }{
		{"trailing-garbage", `{}xyz`},
		{"two-objects", `{}{}`},
		{"nul-padding", "{}\x00\x00"},
		{"form-feed-padding", "{}\f"},
		{"vertical-tab-padding", "{}\v"},
		{"trailing-comma-object", `{"__metadata__":{"format":"pt"},}`},
		{"top-array", `[]`},
		{"top-array-entries", `[{"a":` + f32 + `}]`},
		{"top-null", `null`},
		{"top-string", `"x"`},
		{"top-number", `42`},
		{"top-true", `true`},
		{"only-spaces", `        `},
		{"unclosed-object", `{"__metadata__":{"format":"pt"}`},
		{"unclosed-string", `{"__metadata__":{"format":"pt`},
		{"missing-colon", `{"__metadata__" {"format":"pt"}}`},
		{"missing-comma", `{"__metadata__":{"format":"pt"} "a":` + f32 + `}`},
		{"single-quotes", `{'__metadata__':{'format':'pt'}}`},
		{"unquoted-key", `{__metadata__:{"format":"pt"}}`},
		{"number-key", `{1:` + f32 + `}`},
		{"comment", `{/* c */"__metadata__":{"format":"pt"}}`},
		{"line-comment", "{\"__metadata__\":{\"format\":\"pt\"}}// c"},
		{"lone-surrogate-key", `{"\ud800":` + f32 + `}`},
		{"lone-trailing-surrogate-key", `{"\udc00":` + f32 + `}`},
		{"reversed-surrogate-pair", `{"\udc00\ud800":` + f32 + `}`},
		{"surrogate-then-ascii-escape", `{"\ud800\u0041":` + f32 + `}`},
		{"surrogate-then-raw-char", `{"\ud800x":` + f32 + `}`},
		{"surrogate-at-end-of-string", `{"a\ud83d":` + f32 + `}`},
		{"lone-surrogate-metadata", `{"__metadata__":{"format":"\udc00"}}`},
		{"lone-surrogate-unknown-field", one(`{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":"\ud800"}`)},
		{"raw-tab-in-string", "{\"__metadata__\":{\"format\":\"p\tt\"}}"},
		{"raw-newline-in-name", "{\"a\nb\":" + f32 + "}"},
		{"raw-nul-in-name", "{\"a\x00b\":" + f32 + "}"},
		{"raw-0x1f-in-name", "{\"a\x1fb\":" + f32 + "}"},
		{"escape-x", `{"__metadata__":{"format":"\x41"}}`},
		{"escape-a", `{"__metadata__":{"format":"\a"}}`},
		{"escape-single-quote", `{"__metadata__":{"format":"\'"}}`},
		{"escape-upper-u", `{"__metadata__":{"format":"\U0041"}}`},
		{"escape-short-u", `{"__metadata__":{"format":"\u41"}}`},
		{"escape-bad-hex", `{"__metadata__":{"format":"\u00g1"}}`},
		{"escape-at-end", `{"__metadata__":{"format":"\`},
		{"nul-outside-string", "{\x00}"},
		{"nesting-127-arrays", one(`{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":` + nest(125, false) + `}`)},
		{"nesting-128-arrays", one(`{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":` + nest(126, false) + `}`)},
		{"nesting-127-objects", one(`{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":` + nest(125, true) + `}`)},
		{"nesting-128-objects", one(`{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":` + nest(126, true) + `}`)},
		{"nesting-1000", one(`{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":` + nest(1000, false) + `}`)},
		{"nesting-128-unclosed", one(`{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":` + strings.Repeat("[", 126))},
	}
	for _, c := range top {
		want := wJSON
		if strings.HasPrefix(c.name, "nesting-127") {
			want = ""
		}
		g.raw("json-"+c.name, want, c.h, zeros(8))
	}
	// Numbers where shape and data_offsets want an integer in 0..2^64-1.
	nums := []struct {
		name, shape, offsets, want string
	}{
		{"leading-zero", `[02]`, `[0,8]`, wJSON},
		{"leading-zero-offset", `[2]`, `[00,8]`, wJSON},
		{"plus", `[+2]`, `[0,8]`, wJSON},
		{"minus-zero", `[-0,2]`, `[0,0]`, wJSON},
		{"minus-zero-offset", `[2]`, `[-0,8]`, wJSON},
		{"negative", `[-2]`, `[0,8]`, wJSON},
		{"fraction", `[2.0]`, `[0,8]`, wJSON},
		{"fraction-offset", `[2]`, `[0,8.0]`, wJSON},
		{"exponent", `[2e0]`, `[0,8]`, wJSON},
		{"exponent-upper", `[2E0]`, `[0,8]`, wJSON},
		{"exponent-offset", `[2]`, `[0,8e0]`, wJSON},
		{"dot-only", `[2.]`, `[0,8]`, wJSON},
		{"leading-dot", `[.5]`, `[0,8]`, wJSON},
		{"hex", `[0x2]`, `[0,8]`, wJSON},
		{"string", `["2"]`, `[0,8]`, wJSON},
		{"true", `[true]`, `[0,8]`, wJSON},
		{"null", `[null]`, `[0,8]`, wJSON},
		{"nan-literal", `[NaN]`, `[0,8]`, wJSON},
		{"infinity-literal", `[Infinity]`, `[0,8]`, wJSON},
		{"2-64", `[18446744073709551616]`, `[0,8]`, wJSON},
		{"2-64-offset", `[2]`, `[0,18446744073709551616]`, wJSON},
		{"2-64-minus-1", `[18446744073709551615]`, `[0,8]`, wOverflow},
		{"2-64-minus-1-offset", `[2]`, `[0,18446744073709551615]`, wInvalidInfo},
		{"1e400", `[1e400]`, `[0,8]`, wJSON},
		{"huge-integer", `[123456789012345678901234567890]`, `[0,8]`, wJSON},
		{"nested-shape", `[[2]]`, `[0,8]`, wJSON},
		{"shape-object", `{"0":2}`, `[0,8]`, wJSON},
		{"shape-string", `"2"`, `[0,8]`, wJSON},
		{"shape-null", `null`, `[0,8]`, wJSON},
		{"shape-number", `2`, `[0,8]`, wJSON},
		{"trailing-comma-shape", `[2,]`, `[0,8]`, wJSON},
		{"offsets-empty", `[2]`, `[]`, wJSON},
		{"offsets-one", `[2]`, `[0]`, wJSON},
		{"offsets-three", `[2]`, `[0,8,8]`, wJSON},
		{"offsets-four", `[2]`, `[0,4,4,8]`, wJSON},
		{"offsets-nested", `[2]`, `[[0,8]]`, wJSON},
		{"offsets-object", `[2]`, `{"0":0,"1":8}`, wJSON},
		{"offsets-string", `[2]`, `"0,8"`, wJSON},
		{"offsets-null", `[2]`, `null`, wJSON},
		{"offsets-trailing-comma", `[2]`, `[0,8,]`, wJSON},
	}
	for _, c := range nums {
		g.raw("number-"+c.name, c.want, one(`{"dtype":"F32","shape":`+c.shape+`,"data_offsets":`+c.offsets+`}`), zeros(8))
	}
	// Numbers in a field the reader ignores: any JSON number is fine there.
	unknown := []struct{ name, v, want string }{
		{"float", `2.5e-3`, ""},
		{"minus-zero", `-0`, ""},
		{"negative", `-12`, ""},
		{"big-integer", `123456789012345678901234567890`, ""},
		{"tiny", `1e-400`, ""},
		{"huge", `1e400`, wJSON},
		{"huge-negative", `-1e400`, wJSON},
		{"leading-zero", `01`, wJSON},
		{"plus", `+1`, wJSON},
		{"nan-literal", `NaN`, wJSON},
		{"mixed", `{"k":[1,2.5,true,false,null,"s",{}]}`, ""},
		{"duplicate-keys-inside", `{"k":1,"k":[2]}`, ""},
		{"max-float", `1.7976931348623157e308`, ""},
		{"max-float-long-mantissa", `17976931348623157e292`, ""},
		// serde_json (without its float_roundtrip feature) computes a number as
		// float64(first digits that fit a u64) * 10^exponent, two roundings, and
		// rejects it when that is infinite: not the correctly rounded value.
		{"below-halfway-to-inf", `1.7976931348623158e308`, wJSON},
		{"below-halfway-to-inf-negative", `-1.7976931348623158e308`, wJSON},
		{"below-halfway-to-inf-19-digits", `1797693134862315701e290`, wJSON},
		{"above-halfway-to-inf", `1.7976931348623159e308`, wJSON},
		{"above-halfway-to-inf-18-digits", `1.79769313486231590e308`, ""},
		{"above-halfway-to-inf-split", `1797693.13486231590e302`, ""},
		{"integer-309-digits", "1" + strings.Repeat("0", 308), ""},
		{"integer-309-digits-inf", "2" + strings.Repeat("0", 308), wJSON},
		{"zero-huge-exponent", `0e999999999999999999999`, ""},
		{"huge-negative-exponent", `1e-999999999999999999999`, ""},
		{"huge-exponent", `1e999999999999999999999`, wJSON},
		{"many-zeros-exponent", "0." + strings.Repeat("0", 400) + "1e400", ""},
	}
	for _, c := range unknown {
		g.raw("unknown-field-"+c.name, c.want, one(`{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":`+c.v+`}`), zeros(8))
	}
}

func (g *corpus) fields() {
	cs := []struct{ name, entry, want string }{
		{"dtype-twice", `{"dtype":"F32","dtype":"F32","shape":[2],"data_offsets":[0,8]}`, wJSON},
		{"dtype-twice-different", `{"dtype":"F16","shape":[2],"data_offsets":[0,8],"dtype":"F32"}`, wJSON},
		{"shape-twice", `{"dtype":"F32","shape":[2],"shape":[2],"data_offsets":[0,8]}`, wJSON},
		{"offsets-twice", `{"dtype":"F32","shape":[2],"data_offsets":[0,8],"data_offsets":[0,8]}`, wJSON},
		{"unknown-twice", `{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":1,"x":2}`, ""},
		{"unknown-fields", `{"dtype":"F32","shape":[2],"data_offsets":[0,8],"extra":{"x":[1,2.5e3,true,null]},"dtype2":"bad"}`, ""},
		{"reordered", `{"data_offsets":[0,8],"shape":[2],"dtype":"F32"}`, ""},
		{"escaped-field-names", `{"d\u0074ype":"F32","\u0073hape":[2],"data_offsets":[0,8]}`, ""},
		{"escaped-dtype", `{"dtype":"F\u0033\u0032","shape":[2],"data_offsets":[0,8]}`, ""},
		{"missing-dtype", `{"shape":[2],"data_offsets":[0,8]}`, wJSON},
		{"missing-shape", `{"dtype":"F32","data_offsets":[0,8]}`, wJSON},
		{"missing-offsets", `{"dtype":"F32","shape":[2]}`, wJSON},
		{"empty-entry", `{}`, wJSON},
		{"field-name-case", `{"Dtype":"F32","shape":[2],"data_offsets":[0,8]}`, wJSON},
		{"dtype-lower", `{"dtype":"f32","shape":[2],"data_offsets":[0,8]}`, wJSON},
		{"dtype-bf16-lower", `{"dtype":"bf16","shape":[2],"data_offsets":[0,8]}`, wJSON},
		{"dtype-space", `{"dtype":"F32 ","shape":[2],"data_offsets":[0,8]}`, wJSON},
		{"dtype-torch-name", `{"dtype":"float32","shape":[2],"data_offsets":[0,8]}`, wJSON},
		{"dtype-unknown", `{"dtype":"F128","shape":[2],"data_offsets":[0,8]}`, wJSON},
		{"dtype-f8-lower-suffix", `{"dtype":"F8_E4M3fn","shape":[8],"data_offsets":[0,8]}`, wJSON},
		{"dtype-number", `{"dtype":17,"shape":[2],"data_offsets":[0,8]}`, wJSON},
		{"dtype-null", `{"dtype":null,"shape":[2],"data_offsets":[0,8]}`, wJSON},
		{"dtype-array", `{"dtype":["F32"],"shape":[2],"data_offsets":[0,8]}`, wJSON},
		{"dtype-empty-string", `{"dtype":"","shape":[2],"data_offsets":[0,8]}`, wJSON},
		{"entry-null", `null`, wJSON},
		{"entry-string", `"F32"`, wJSON},
		{"entry-number", `1`, wJSON},
	}
	for _, c := range cs {
		g.raw("field-"+c.name, c.want, one(c.entry), zeros(8))
	}
}

func (g *corpus) metadata() {
	cs := []struct{ name, h, want string }{
		{"null", `{"__metadata__":null,"a":` + f32 + `}`, ""},
		{"empty", `{"__metadata__":{},"a":` + f32 + `}`, ""},
		{"absent", `{"a":` + f32 + `}`, ""},
		{"last", `{"a":` + f32 + `,"__metadata__":{"format":"pt"}}`, ""},
		{"string", `{"__metadata__":"pt","a":` + f32 + `}`, wJSON},
		{"array", `{"__metadata__":["pt"],"a":` + f32 + `}`, wJSON},
		{"array-of-pairs", `{"__metadata__":[["format","pt"]],"a":` + f32 + `}`, wJSON},
		{"number", `{"__metadata__":1,"a":` + f32 + `}`, wJSON},
		{"bool", `{"__metadata__":true,"a":` + f32 + `}`, wJSON},
		{"int-value", `{"__metadata__":{"format":"pt","n":1},"a":` + f32 + `}`, wJSON},
		{"bool-value", `{"__metadata__":{"format":"pt","b":true},"a":` + f32 + `}`, wJSON},
		{"null-value", `{"__metadata__":{"format":null},"a":` + f32 + `}`, wJSON},
		{"object-value", `{"__metadata__":{"format":{"a":"b"}},"a":` + f32 + `}`, wJSON},
		{"array-value", `{"__metadata__":{"format":["pt"]},"a":` + f32 + `}`, wJSON},
		{"twice", `{"__metadata__":{"format":"pt"},"__metadata__":{"format":"pt"},"a":` + f32 + `}`, wJSON},
		{"twice-apart", `{"__metadata__":{"format":"pt"},"a":` + f32 + `,"__metadata__":{}}`, wJSON},
		{"twice-null-first", `{"__metadata__":null,"__metadata__":{"format":"pt"},"a":` + f32 + `}`, wJSON},
		{"twice-escaped", `{"__metadata__":{"format":"pt"},"__m\u0065tadata__":{},"a":` + f32 + `}`, wJSON},
		{"escaped-name", `{"__m\u0065tadata__":{"format":"pt"},"a":` + f32 + `}`, ""},
		{"duplicate-key", `{"__metadata__":{"format":"x","format":"pt"},"a":` + f32 + `}`, ""},
		{"unicode", `{"__metadata__":{"format":"pt","ké":"v\u00e9\ud83d\ude00"},"a":` + f32 + `}`, ""},
		{"case", `{"__METADATA__":{"format":"pt"},"a":` + f32 + `}`, wJSON},
		{"trailing-comma", `{"__metadata__":{"format":"pt",},"a":` + f32 + `}`, wJSON},
	}
	for _, c := range cs {
		g.raw("metadata-"+c.name, c.want, c.h, zeros(8))
	}
}

func (g *corpus) duplicates() {
	u8 := ent("U8", "[4]", 0, 4)
	cs := []struct {
		name, h, want string
		data          int
	}{
		{"identical", `{"a":` + u8 + `,"a":` + u8 + `}`, wDuplicate, 4},
		{"identical-three", `{"a":` + u8 + `,"a":` + u8 + `,"a":` + u8 + `}`, wDuplicate, 4},
		{"last-consistent", `{"a":` + ent("F32", "[1]", 0, 4) + `,"a":` + ent("F32", "[2]", 0, 8) + `}`, wDuplicate, 8},
		{"first-consistent", `{"a":` + ent("F32", "[2]", 0, 8) + `,"a":` + ent("F32", "[1]", 0, 4) + `}`, wDuplicate, 8},
		{"different-offsets", `{"a":` + ent("U8", "[4]", 0, 4) + `,"a":` + ent("U8", "[4]", 4, 8) + `}`, wDuplicate, 8},
		{"second-of-chain", `{"a":` + ent("U8", "[4]", 0, 4) + `,"b":` + ent("U8", "[4]", 4, 8) + `,"a":` + ent("U8", "[4]", 4, 8) + `}`, wDuplicate, 8},
		{"first-invalid-dtype", `{"a":{"dtype":"X","shape":[4],"data_offsets":[0,4]},"a":` + u8 + `}`, wJSON, 4},
		{"first-missing-field", `{"a":{"shape":[4],"data_offsets":[0,4]},"a":` + u8 + `}`, wJSON, 4},
		{"escaped-equal", `{"a":` + u8 + `,"\u0061":` + u8 + `}`, wDuplicate, 4},
		{"nfc-nfd-differ", `{"é":` + ent("U8", "[2]", 0, 2) + `,"e\u0301":` + ent("U8", "[2]", 2, 4) + `}`, "", 4},
	}
	for _, c := range cs {
		g.raw("duplicate-"+c.name, c.want, c.h, zeros(c.data))
	}
}

func (g *corpus) offsets() {
	cs := []struct {
		name, h, want string
		data          int
	}{
		{"gap-at-start", `{"a":` + ent("U8", "[1]", 1, 2) + `}`, wInvalidOffset, 2},
		{"gap-between", `{"a":` + ent("U8", "[1]", 0, 1) + `,"b":` + ent("U8", "[1]", 2, 3) + `}`, wInvalidOffset, 3},
		{"overlap", `{"a":` + ent("U8", "[2]", 0, 2) + `,"b":` + ent("U8", "[2]", 1, 3) + `}`, wInvalidOffset, 3},
		{"contained", `{"a":` + ent("U8", "[4]", 0, 4) + `,"b":` + ent("U8", "[2]", 1, 3) + `}`, wInvalidOffset, 4},
		{"reversed", `{"a":` + ent("U8", "[0]", 8, 0) + `}`, wInvalidOffset, 0},
		{"reversed-after-first", `{"a":` + ent("U8", "[4]", 0, 4) + `,"b":` + ent("U8", "[0]", 4, 2) + `}`, wInvalidOffset, 4},
		{"reversed-at-start", `{"a":` + ent("U8", "[0]", 0, 0) + `,"b":` + ent("U8", "[0]", 1, 0) + `}`, wInvalidOffset, 0},
		{"same-range-two-names", `{"a":` + ent("U8", "[1]", 0, 1) + `,"b":` + ent("U8", "[1]", 0, 1) + `}`, wInvalidOffset, 1},
		{"zero-size-same-offset", `{"a":` + ent("U8", "[0]", 0, 0) + `,"b":` + ent("F32", "[3,0]", 0, 0) + `}`, "", 0},
		{"zero-size-between", `{"a":` + ent("U8", "[2]", 0, 2) + `,"z":` + ent("F32", "[0]", 2, 2) + `,"b":` + ent("U8", "[2]", 2, 4) + `}`, "", 4},
		{"zero-size-at-end", `{"a":` + ent("U8", "[2]", 0, 2) + `,"z":` + ent("F32", "[0]", 2, 2) + `}`, "", 2},
		{"zero-size-two-at-end", `{"a":` + ent("U8", "[2]", 0, 2) + `,"z":` + ent("F32", "[0]", 2, 2) + `,"y":` + ent("I64", "[0,9]", 2, 2) + `}`, "", 2},
		{"zero-size-past-end", `{"a":` + ent("U8", "[2]", 0, 2) + `,"z":` + ent("F32", "[0]", 3, 3) + `}`, wInvalidOffset, 2},
		{"zero-size-inside", `{"a":` + ent("U8", "[2]", 0, 2) + `,"z":` + ent("F32", "[0]", 1, 1) + `}`, wInvalidOffset, 2},
		{"size-error-before-offset-error", `{"a":` + ent("U8", "[2]", 0, 1) + `,"b":` + ent("U8", "[1]", 2, 3) + `}`, wInvalidInfo, 3},
		{"offset-error-in-second", `{"a":` + ent("U8", "[1]", 0, 1) + `,"b":` + ent("U8", "[1]", 2, 4) + `}`, wInvalidOffset, 4},
		{"offset-error-and-truncated", `{"a":` + ent("U8", "[1]", 1, 2) + `}`, wInvalidOffset, 0},
		{"huge-begin", `{"a":` + ent("U8", "[1]", 18446744073709551614, 18446744073709551615) + `}`, wInvalidOffset, 1},
		{"sum-to-2-64-minus-1", chain(18446744073709551615), wIncomplete, 16},
	}
	for _, c := range cs {
		g.raw("offsets-"+c.name, c.want, c.h, zeros(c.data))
	}
	// Two tensors on one range that fail with different errors: which error the
	// reference reports depends on the order of its hash map.
	g.raw("tie-overflow-vs-size", wOverflow, `{"a":`+ent("U8", "[4294967296,4294967296]", 0, 0)+`,"b":`+ent("F32", "[1]", 0, 0)+`}`, nil)
	g.raw("tie-size-vs-offset", wInvalidInfo, `{"a":`+ent("U8", "[2]", 0, 4)+`,"b":`+ent("U8", "[4]", 0, 4)+`}`, zeros(4))
	g.raw("tie-misaligned-vs-size", wMisaligned, `{"a":`+ent("F4", "[1]", 0, 0)+`,"b":`+ent("U8", "[1]", 0, 0)+`}`, nil)
}

// chain is a header of U8 tensors, each under 2^61 bytes, that cover [0, total).
func chain(total uint64) string {
	const step = 1<<61 - 1
	var b strings.Builder
	b.WriteString("{")
	var off uint64
	for i := 0; off < total; i++ {
		n := min(uint64(step), total-off)
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"t%d":%s`, i, ent("U8", "["+strconv.FormatUint(n, 10)+"]", off, off+n))
		off += n
	}
	b.WriteString("}")
	return b.String()
}

func (g *corpus) sizes() {
	cs := []struct {
		name, entry, want string
		data              int
	}{
		{"shape-overflow", ent("U8", "[4294967296,4294967296]", 0, 0), wOverflow, 0},
		{"shape-overflow-before-zero", ent("U8", "[4294967296,4294967296,0]", 0, 0), wOverflow, 0},
		{"shape-zero-before-overflow", ent("U8", "[0,4294967296,4294967296]", 0, 0), "", 0},
		{"shape-max-times-1", ent("U8", "[18446744073709551615,1]", 0, 0), wOverflow, 0},
		{"bits-overflow-f32-2-61", ent("F32", "[2305843009213693952]", 0, 0), wOverflow, 0},
		{"bits-overflow-f32-2-59", ent("F32", "[576460752303423488]", 0, 0), wOverflow, 0},
		{"bits-overflow-c64-2-58", ent("C64", "[288230376151711744]", 0, 0), wOverflow, 0},
		{"bits-overflow-u8-2-61", ent("U8", "[2305843009213693952]", 0, 0), wOverflow, 0},
		{"bits-overflow-f4-2-62", ent("F4", "[4611686018427387904]", 0, 0), wOverflow, 0},
		{"bits-fit-f32-2-58", ent("F32", "[288230376151711744]", 0, 1152921504606846976), wIncomplete, 0},
		{"bits-fit-u8-2-61-minus-1", ent("U8", "[2305843009213693951]", 0, 2305843009213693951), wIncomplete, 0},
		{"bits-fit-f4-2-61", ent("F4", "[2305843009213693952]", 0, 1152921504606846976), wIncomplete, 0},
		{"bits-overflow-size-ok", ent("F32", "[2305843009213693952]", 0, 9223372036854775808), wOverflow, 0},
		{"f4-count-1", ent("F4", "[1]", 0, 1), wMisaligned, 1},
		{"f4-count-3", ent("F4", "[3]", 0, 1), wMisaligned, 1},
		{"f4-count-3-size-2", ent("F4", "[3]", 0, 2), wMisaligned, 2},
		{"f4-count-2", ent("F4", "[2]", 0, 1), "", 1},
		{"f4-count-0", ent("F4", "[0]", 0, 0), "", 0},
		{"f4-scalar", ent("F4", "[]", 0, 1), wMisaligned, 1},
		{"f4-count-4-size-4", ent("F4", "[4]", 0, 4), wInvalidInfo, 4},
		{"f6-e2m3-count-1", ent("F6_E2M3", "[1]", 0, 1), wMisaligned, 1},
		{"f6-e2m3-count-2", ent("F6_E2M3", "[2]", 0, 2), wMisaligned, 2},
		{"f6-e2m3-count-3", ent("F6_E2M3", "[3]", 0, 3), wMisaligned, 3},
		{"f6-e2m3-count-4", ent("F6_E2M3", "[4]", 0, 3), "", 3},
		{"f6-e3m2-count-6", ent("F6_E3M2", "[2,3]", 0, 5), wMisaligned, 5},
		{"f6-e3m2-count-12", ent("F6_E3M2", "[3,4]", 0, 9), "", 9},
		{"f6-e3m2-count-8-size-3", ent("F6_E3M2", "[8]", 0, 3), wInvalidInfo, 3},
		{"size-smaller", ent("F32", "[2]", 0, 4), wInvalidInfo, 4},
		{"size-larger", ent("F32", "[2]", 0, 12), wInvalidInfo, 12},
		{"size-scalar-zero", ent("F32", "[]", 0, 0), wInvalidInfo, 0},
		{"size-c64", ent("C64", "[2]", 0, 8), wInvalidInfo, 8},
		{"truncated-1", ent("F32", "[2]", 0, 8), wIncomplete, 7},
		{"truncated-all", ent("F32", "[2]", 0, 8), wIncomplete, 0},
		{"trailing-1", ent("F32", "[2]", 0, 8), wIncomplete, 9},
		{"trailing-7", ent("F32", "[2]", 0, 8), wIncomplete, 15},
		{"trailing-no-tensors", "", wIncomplete, 1},
		{"huge-tensor-tiny-file", ent("U8", "[1099511627776]", 0, 1099511627776), wIncomplete, 0},
		{"huge-tensor-some-data", ent("F32", "[268435456,4]", 0, 4294967296), wIncomplete, 16},
	}
	for _, c := range cs {
		h := one(c.entry)
		if c.entry == "" {
			h = `{"__metadata__":{"format":"pt"}}`
		}
		g.raw("size-"+c.name, c.want, h, zeros(c.data))
	}
}

func (g *corpus) quirks() {
	cs := []struct {
		name, entry, want string
		data              int
	}{
		{"array-entry", `["F32",[2],[0,8]]`, "", 8},
		{"array-entry-spaces", ` [ "F32" , [ 2 ] , [ 0 , 8 ] ] `, "", 8},
		{"array-entry-wrong-size", `["F32",[2],[0,4]]`, wInvalidInfo, 4},
		{"array-entry-4", `["F32",[2],[0,8],1]`, wJSON, 8},
		{"array-entry-2", `["F32",[2]]`, wJSON, 8},
		{"array-entry-empty", `[]`, wJSON, 8},
		{"array-entry-order", `[[2],"F32",[0,8]]`, wJSON, 8},
		{"array-entry-tagged-dtype", `[{"F32":null},[2],[0,8]]`, "", 8},
		{"dtype-tagged-null", `{"dtype":{"F32":null},"shape":[2],"data_offsets":[0,8]}`, "", 8},
		{"dtype-tagged-empty-array", `{"dtype":{"F32":[]},"shape":[2],"data_offsets":[0,8]}`, wJSON, 8},
		{"dtype-tagged-empty-object", `{"dtype":{"F32":{}},"shape":[2],"data_offsets":[0,8]}`, wJSON, 8},
		{"dtype-tagged-zero", `{"dtype":{"F32":0},"shape":[2],"data_offsets":[0,8]}`, wJSON, 8},
		{"dtype-tagged-string", `{"dtype":{"F32":""},"shape":[2],"data_offsets":[0,8]}`, wJSON, 8},
		{"dtype-tagged-two-keys", `{"dtype":{"F32":null,"F16":null},"shape":[2],"data_offsets":[0,8]}`, wJSON, 8},
		{"dtype-tagged-unknown", `{"dtype":{"F128":null},"shape":[2],"data_offsets":[0,8]}`, wJSON, 8},
		{"dtype-tagged-f4", `{"dtype":{"F4":null},"shape":[16],"data_offsets":[0,8]}`, "", 8},
		{"dtype-empty-object", `{"dtype":{},"shape":[2],"data_offsets":[0,8]}`, wJSON, 8},
		{"offsets-named-fields", `{"dtype":"F32","shape":[2],"data_offsets":{"start":0,"end":8}}`, wJSON, 8},
	}
	for _, c := range cs {
		g.raw("quirk-"+c.name, c.want, one(c.entry), zeros(c.data))
	}
}

// interesting bytes for header mutations: JSON structure, digits, and bytes that
// break UTF-8.
const interesting = "{}[]\":,. -+eE0123456789\\u\x00\x80\xc0\xed\xff"

func (g *corpus) mutations() {
	type kind struct {
		name string
		n    int
	}
	kinds := []kind{{"flip", 70}, {"interesting", 60}, {"digit", 60}, {"number", 40}, {"delete", 30}, {"insert", 30},
		{"truncate", 40}, {"hdrlen", 40}, {"append", 20}, {"data", 10}}
	total := 0
	for _, k := range kinds {
		total += k.n
	}
	if total != Mutations {
		panic("stfile: mutation counts do not add up")
	}
	i := 0
	for _, k := range kinds {
		for range k.n {
			i++
			base := g.bases[g.rng.IntN(len(g.bases))]
			f, note := g.mutate(k.name, base)
			g.add(fmt.Sprintf("mut-%03d-%s", i, k.name), WantUnknown, note, f)
		}
	}
}

func (g *corpus) mutate(kind string, base []byte) ([]byte, string) {
	f := append([]byte(nil), base...)
	n := int(binary.LittleEndian.Uint64(f))
	hdr := f[8 : 8+n]
	switch kind {
	case "flip":
		k := 1 + g.rng.IntN(3)
		var at []string
		for range k {
			p := g.rng.IntN(n)
			x := byte(1 + g.rng.IntN(127)) // mostly keeps the header ASCII
			if g.rng.IntN(4) == 0 {
				x = byte(1 + g.rng.IntN(255))
			}
			hdr[p] ^= x
			at = append(at, fmt.Sprintf("%d^%02x", 8+p, x))
		}
		return f, "header bytes xored: " + strings.Join(at, " ")
	case "interesting":
		p := g.rng.IntN(n)
		c := interesting[g.rng.IntN(len(interesting))]
		hdr[p] = c
		return f, fmt.Sprintf("header byte %d set to %02x", 8+p, c)
	case "digit":
		var digits []int
		for p, c := range hdr {
			if c >= '0' && c <= '9' {
				digits = append(digits, p)
			}
		}
		p := digits[g.rng.IntN(len(digits))]
		c := byte('0' + (int(hdr[p]-'0')+1+g.rng.IntN(9))%10)
		hdr[p] = c
		return f, fmt.Sprintf("digit at byte %d set to %c", 8+p, c)
	case "number":
		// Replace a whole run of digits with a value near an edge of the rules.
		var runs [][2]int
		for p := 0; p < n; {
			if hdr[p] < '0' || hdr[p] > '9' {
				p++
				continue
			}
			q := p
			for q < n && hdr[q] >= '0' && hdr[q] <= '9' {
				q++
			}
			runs = append(runs, [2]int{p, q})
			p = q
		}
		r := runs[g.rng.IntN(len(runs))]
		old := string(hdr[r[0]:r[1]])
		v, _ := strconv.ParseUint(old, 10, 64)
		edges := []string{"0", "1", "2", "3", "4", "7", "9", "16", "4294967296", "2305843009213693951",
			"2305843009213693952", "18446744073709551615", "18446744073709551616",
			strconv.FormatUint(v+1, 10), strconv.FormatUint(v-1, 10), strconv.FormatUint(v*2, 10),
			strconv.Itoa(g.rng.IntN(100))}
		s := edges[g.rng.IntN(len(edges))]
		h := string(hdr[:r[0]]) + s + string(hdr[r[1]:])
		return Raw(h, f[8+n:]), fmt.Sprintf("number %s at header byte %d replaced by %s, length fixed", old, 8+r[0], s)
	case "delete":
		p := g.rng.IntN(n)
		h := append(append([]byte(nil), hdr[:p]...), hdr[p+1:]...)
		return Raw(string(h), f[8+n:]), fmt.Sprintf("header byte %d (%02x) deleted, length fixed", 8+p, hdr[p])
	case "insert":
		p := g.rng.IntN(n + 1)
		c := interesting[g.rng.IntN(len(interesting))]
		h := append(append(append([]byte(nil), hdr[:p]...), c), hdr[p:]...)
		return Raw(string(h), f[8+n:]), fmt.Sprintf("byte %02x inserted at header byte %d, length fixed", c, 8+p)
	case "truncate":
		k := g.rng.IntN(len(f))
		return f[:k], fmt.Sprintf("truncated to %d of %d bytes", k, len(f))
	case "hdrlen":
		d := 1 + g.rng.IntN(8)
		if g.rng.IntN(2) == 0 {
			d = -d
		}
		binary.LittleEndian.PutUint64(f, uint64(n+d))
		return f, fmt.Sprintf("header length %d changed by %+d", n, d)
	case "append":
		k := 1 + g.rng.IntN(8)
		for range k {
			f = append(f, byte(g.rng.IntN(256)))
		}
		return f, fmt.Sprintf("%d random bytes appended", k)
	case "data":
		if len(f) == 8+n {
			f = append(f, 0)
			return f, "one byte appended to a file without data"
		}
		p := 8 + n + g.rng.IntN(len(f)-8-n)
		x := byte(1 + g.rng.IntN(255))
		f[p] ^= x
		return f, fmt.Sprintf("data byte %d xored with %02x", p, x)
	}
	panic("stfile: unknown mutation " + kind)
}
