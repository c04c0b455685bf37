package checkpoint

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxHeaderLen is the largest header the reference reader accepts: 100 000 000
// bytes (decimal), the header length itself included.
const MaxHeaderLen = 100_000_000

// maxDepth is serde_json's recursion limit: the 128th nested object or array is
// rejected.
const maxDepth = 128

// HeaderTensor is one tensor entry of a safetensors header.
type HeaderTensor struct {
	Name  string
	DType DType
	Shape []uint64
	// Begin and End are the data_offsets, relative to the start of the data section.
	Begin, End uint64
	// Pos is the byte offset of the entry's name in the file.
	Pos int64
	// Unknown lists fields of the entry other than dtype, shape and data_offsets,
	// which the reference reader ignores.
	Unknown []string
}

// Header is a parsed safetensors header.
type Header struct {
	// Len is the header length from the first 8 bytes.
	Len int64
	// Tensors in the order the header lists them, duplicates included.
	Tensors []HeaderTensor
	// Metadata is the __metadata__ map; nil when absent or null.
	Metadata map[string]string
	// MetadataNull is set when the header says "__metadata__": null.
	MetadataNull bool
	// LeadingSpace is set when JSON whitespace precedes the opening brace.
	LeadingSpace bool
}

// jsonError is a header that serde_json (as the reference reader configures it)
// rejects.
type jsonError struct {
	pos int // byte offset in the header text
	msg string
}

func (e *jsonError) Error() string { return e.msg }

// invalidUTF8 returns the offset of the first byte of b that is not valid UTF-8,
// or -1 when b is valid.
func invalidUTF8(b []byte) int {
	if utf8.Valid(b) {
		return -1
	}
	pos := 0
	for pos < len(b) {
		r, size := utf8.DecodeRune(b[pos:])
		if r == utf8.RuneError && size <= 1 {
			break
		}
		pos += size
	}
	return pos
}

// ParseHeader parses the header text b (the n bytes after the 8-byte length) with
// the reference reader's rules: UTF-8, then exactly one JSON object as the Rust
// crate's serde definition accepts it. On failure the returned Finding wraps
// ErrHeaderUTF8 or ErrHeaderJSON and its offset counts from the start of the file.
func ParseHeader(b []byte) (*Header, *Finding) {
	if pos := invalidUTF8(b); pos >= 0 {
		f := newFinding(Error, CodeHeaderUTF8, "", 8+int64(pos), ErrHeaderUTF8,
			"header is not valid UTF-8: invalid byte 0x%02x", b[pos])
		return nil, &f
	}
	p := headerParser{b: b}
	h, err := p.parse()
	if err != nil {
		f := newFinding(Error, CodeHeaderJSON, "", 8+int64(err.pos), ErrHeaderJSON,
			"invalid header JSON at byte %d: %s", 8+err.pos, err.msg)
		return nil, &f
	}
	h.Len = int64(len(b))
	return h, nil
}

// headerLen decodes the 8-byte little-endian header length.
func headerLen(b []byte) uint64 { return binary.LittleEndian.Uint64(b) }

type headerParser struct {
	b     []byte
	i     int
	depth int
}

func (p *headerParser) errf(format string, args ...any) *jsonError {
	return &jsonError{pos: p.i, msg: fmt.Sprintf(format, args...)}
}

func (p *headerParser) skipSpace() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *headerParser) peek() byte {
	if p.i < len(p.b) {
		return p.b[p.i]
	}
	return 0
}

func (p *headerParser) describe() string {
	if p.i >= len(p.b) {
		return "end of header"
	}
	c := p.b[p.i]
	if c >= 0x20 && c < 0x7f {
		return fmt.Sprintf("%q", rune(c))
	}
	return fmt.Sprintf("byte 0x%02x", c)
}

func (p *headerParser) enter() *jsonError {
	p.depth++
	if p.depth >= maxDepth {
		return p.errf("nesting deeper than %d levels", maxDepth-1)
	}
	return nil
}

func (p *headerParser) parse() (*Header, *jsonError) {
	h := &Header{}
	p.skipSpace()
	h.LeadingSpace = p.i > 0
	if p.i >= len(p.b) {
		return nil, p.errf("empty header: want a JSON object")
	}
	if p.peek() != '{' {
		return nil, p.errf("want a JSON object, found %s", p.describe())
	}
	if err := p.enter(); err != nil {
		return nil, err
	}
	p.i++
	seenMeta := false
	p.skipSpace()
	if p.peek() == '}' {
		p.i++
	} else {
		for {
			p.skipSpace()
			keyPos := p.i
			if p.peek() != '"' {
				return nil, p.errf("want a string key, found %s", p.describe())
			}
			key, err := p.parseString()
			if err != nil {
				return nil, err
			}
			if err := p.colon(); err != nil {
				return nil, err
			}
			if key == "__metadata__" {
				if seenMeta {
					return nil, &jsonError{pos: keyPos, msg: "duplicate field `__metadata__`"}
				}
				seenMeta = true
				m, null, err := p.parseMetadata()
				if err != nil {
					return nil, err
				}
				h.Metadata, h.MetadataNull = m, null
			} else {
				t, err := p.parseTensor()
				if err != nil {
					return nil, err
				}
				t.Name = key
				t.Pos = 8 + int64(keyPos)
				h.Tensors = append(h.Tensors, t)
			}
			more, err := p.next('}')
			if err != nil {
				return nil, err
			}
			if !more {
				break
			}
		}
	}
	p.depth--
	p.skipSpace()
	if p.i < len(p.b) {
		return nil, p.errf("trailing characters after the header object: %s", p.describe())
	}
	return h, nil
}

// colon consumes optional space, ':' and optional space.
func (p *headerParser) colon() *jsonError {
	p.skipSpace()
	if p.peek() != ':' {
		return p.errf("want ':', found %s", p.describe())
	}
	p.i++
	p.skipSpace()
	return nil
}

// next consumes the separator after a member or element: ',' (more follow, returns
// true) or the closing bracket (returns false).
func (p *headerParser) next(closing byte) (bool, *jsonError) {
	p.skipSpace()
	switch p.peek() {
	case ',':
		p.i++
		p.skipSpace()
		if c := p.peek(); c == closing {
			return false, p.errf("trailing comma")
		}
		return true, nil
	case closing:
		p.i++
		return false, nil
	}
	return false, p.errf("want ',' or '%c', found %s", closing, p.describe())
}

func (p *headerParser) parseMetadata() (map[string]string, bool, *jsonError) {
	switch p.peek() {
	case 'n':
		if err := p.literal("null"); err != nil {
			return nil, false, err
		}
		return nil, true, nil
	case '{':
	default:
		return nil, false, p.errf("__metadata__ must be an object of strings, found %s", p.describe())
	}
	if err := p.enter(); err != nil {
		return nil, false, err
	}
	p.i++
	m := map[string]string{}
	p.skipSpace()
	if p.peek() == '}' {
		p.i++
		p.depth--
		return m, false, nil
	}
	for {
		p.skipSpace()
		if p.peek() != '"' {
			return nil, false, p.errf("want a string key, found %s", p.describe())
		}
		k, err := p.parseString()
		if err != nil {
			return nil, false, err
		}
		if err := p.colon(); err != nil {
			return nil, false, err
		}
		if p.peek() != '"' {
			return nil, false, p.errf("__metadata__ value of %q must be a string, found %s", k, p.describe())
		}
		v, err := p.parseString()
		if err != nil {
			return nil, false, err
		}
		m[k] = v // last wins, as in the reference
		more, err := p.next('}')
		if err != nil {
			return nil, false, err
		}
		if !more {
			break
		}
	}
	p.depth--
	return m, false, nil
}

// parseTensor parses a tensor entry: an object with dtype, shape and data_offsets
// (other fields ignored, none twice), or, as serde also accepts for structs, an
// array of exactly those three values in that order.
func (p *headerParser) parseTensor() (HeaderTensor, *jsonError) {
	var t HeaderTensor
	switch p.peek() {
	case '[':
		if err := p.enter(); err != nil {
			return t, err
		}
		p.i++
		p.skipSpace()
		for k := 0; k < 3; k++ {
			if p.peek() == ']' {
				return t, p.errf("tensor entry array has %d elements, want 3", k)
			}
			var err *jsonError
			switch k {
			case 0:
				t.DType, err = p.parseDType()
			case 1:
				t.Shape, err = p.parseUints("shape", -1)
			case 2:
				var off []uint64
				off, err = p.parseUints("data_offsets", 2)
				if err == nil {
					t.Begin, t.End = off[0], off[1]
				}
			}
			if err != nil {
				return t, err
			}
			p.skipSpace()
			if k < 2 {
				if p.peek() != ',' {
					if p.peek() == ']' {
						continue // reported at the top of the loop
					}
					return t, p.errf("want ',' or ']', found %s", p.describe())
				}
				p.i++
				p.skipSpace()
			}
		}
		if p.peek() != ']' {
			if p.peek() == ',' {
				return t, p.errf("tensor entry array has more than 3 elements")
			}
			return t, p.errf("want ']', found %s", p.describe())
		}
		p.i++
		p.depth--
		return t, nil
	case '{':
	default:
		return t, p.errf("tensor entry must be an object, found %s", p.describe())
	}
	if err := p.enter(); err != nil {
		return t, err
	}
	entryPos := p.i
	p.i++
	var haveDType, haveShape, haveOffsets bool
	p.skipSpace()
	if p.peek() != '}' {
		for {
			p.skipSpace()
			keyPos := p.i
			if p.peek() != '"' {
				return t, p.errf("want a string key, found %s", p.describe())
			}
			k, err := p.parseString()
			if err != nil {
				return t, err
			}
			if err := p.colon(); err != nil {
				return t, err
			}
			dup := func(name string) *jsonError {
				return &jsonError{pos: keyPos, msg: fmt.Sprintf("duplicate field `%s`", name)}
			}
			switch k {
			case "dtype":
				if haveDType {
					return t, dup(k)
				}
				haveDType = true
				if t.DType, err = p.parseDType(); err != nil {
					return t, err
				}
			case "shape":
				if haveShape {
					return t, dup(k)
				}
				haveShape = true
				if t.Shape, err = p.parseUints("shape", -1); err != nil {
					return t, err
				}
			case "data_offsets":
				if haveOffsets {
					return t, dup(k)
				}
				haveOffsets = true
				off, err := p.parseUints("data_offsets", 2)
				if err != nil {
					return t, err
				}
				t.Begin, t.End = off[0], off[1]
			default:
				t.Unknown = append(t.Unknown, k)
				if err := p.skipValue(); err != nil {
					return t, err
				}
			}
			more, err := p.next('}')
			if err != nil {
				return t, err
			}
			if !more {
				break
			}
		}
	} else {
		p.i++
	}
	p.depth--
	switch {
	case !haveDType:
		return t, &jsonError{pos: entryPos, msg: "missing field `dtype`"}
	case !haveShape:
		return t, &jsonError{pos: entryPos, msg: "missing field `shape`"}
	case !haveOffsets:
		return t, &jsonError{pos: entryPos, msg: "missing field `data_offsets`"}
	}
	return t, nil
}

// parseDType parses a dtype: its exact name as a string, or (serde's externally
// tagged enum form) an object with that name as its only key and null as its value.
func (p *headerParser) parseDType() (DType, *jsonError) {
	pos := p.i
	switch p.peek() {
	case '"':
		s, err := p.parseString()
		if err != nil {
			return 0, err
		}
		d, ok := ParseDType(s)
		if !ok {
			return 0, &jsonError{pos: pos, msg: fmt.Sprintf("unknown dtype %q", s)}
		}
		return d, nil
	case '{':
		if err := p.enter(); err != nil {
			return 0, err
		}
		p.i++
		p.skipSpace()
		if p.peek() != '"' {
			return 0, p.errf("dtype object must have exactly one key, found %s", p.describe())
		}
		s, err := p.parseString()
		if err != nil {
			return 0, err
		}
		d, ok := ParseDType(s)
		if !ok {
			return 0, &jsonError{pos: pos, msg: fmt.Sprintf("unknown dtype %q", s)}
		}
		if err := p.colon(); err != nil {
			return 0, err
		}
		if err := p.literal("null"); err != nil {
			return 0, err
		}
		p.skipSpace()
		if p.peek() != '}' {
			return 0, p.errf("dtype object must have exactly one key")
		}
		p.i++
		p.depth--
		return d, nil
	}
	return 0, p.errf("dtype must be a string, found %s", p.describe())
}

// parseUints parses an array of JSON integers in 0..2^64-1; want >= 0 requires
// exactly that many elements.
func (p *headerParser) parseUints(field string, want int) ([]uint64, *jsonError) {
	if p.peek() != '[' {
		return nil, p.errf("%s must be an array of integers, found %s", field, p.describe())
	}
	if err := p.enter(); err != nil {
		return nil, err
	}
	p.i++
	out := []uint64{}
	p.skipSpace()
	if p.peek() == ']' {
		p.i++
	} else {
		for {
			p.skipSpace()
			pos := p.i
			v, err := p.parseUint()
			if err != nil {
				return nil, err
			}
			if want >= 0 && len(out) == want {
				return nil, &jsonError{pos: pos, msg: fmt.Sprintf("%s has more than %d elements", field, want)}
			}
			out = append(out, v)
			more, err := p.next(']')
			if err != nil {
				return nil, err
			}
			if !more {
				break
			}
		}
	}
	p.depth--
	if want >= 0 && len(out) != want {
		return nil, p.errf("%s has %d elements, want %d", field, len(out), want)
	}
	return out, nil
}

// parseUint parses a JSON number that must be an integer in 0..2^64-1 (serde_json's
// u64; anything it would read as i64 or f64 is rejected as a usize).
func (p *headerParser) parseUint() (uint64, *jsonError) {
	start := p.i
	if err := p.scanNumber(); err != nil {
		return 0, err
	}
	s := string(p.b[start:p.i])
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, &jsonError{pos: start, msg: fmt.Sprintf("%s is not a non-negative integer", s)}
		}
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, &jsonError{pos: start, msg: fmt.Sprintf("%s is larger than 2^64-1", s)}
	}
	return v, nil
}

// scanNumber consumes one JSON number and checks that serde_json reads it without
// overflow (see serdeNumberOK).
func (p *headerParser) scanNumber() *jsonError {
	start := p.i
	if p.peek() == '-' {
		p.i++
	}
	switch c := p.peek(); {
	case c == '0':
		p.i++
		if c := p.peek(); c >= '0' && c <= '9' {
			return p.errf("invalid number: leading zero")
		}
	case c >= '1' && c <= '9':
		for c := p.peek(); c >= '0' && c <= '9'; c = p.peek() {
			p.i++
		}
	default:
		return p.errf("invalid number: want a digit, found %s", p.describe())
	}
	if p.peek() == '.' {
		p.i++
		if c := p.peek(); c < '0' || c > '9' {
			return p.errf("invalid number: want a digit after '.'")
		}
		for c := p.peek(); c >= '0' && c <= '9'; c = p.peek() {
			p.i++
		}
	}
	if c := p.peek(); c == 'e' || c == 'E' {
		p.i++
		if c := p.peek(); c == '+' || c == '-' {
			p.i++
		}
		if c := p.peek(); c < '0' || c > '9' {
			return p.errf("invalid number: want a digit in the exponent")
		}
		for c := p.peek(); c >= '0' && c <= '9'; c = p.peek() {
			p.i++
		}
	}
	if !serdeNumberOK(p.b[start:p.i]) {
		return &jsonError{pos: start, msg: "number out of range"}
	}
	return nil
}

// pow10 holds the correctly rounded powers 1e0 … 1e308, as serde_json's table.
var pow10 = func() (t [309]float64) {
	for i := range t {
		t[i], _ = strconv.ParseFloat("1e"+strconv.Itoa(i), 64)
	}
	return t
}()

// serdeNumberOK reports whether serde_json (1.0.x, without its float_roundtrip
// feature, as the safetensors crate builds it) accepts the number s, already
// checked against the JSON grammar. serde_json does not round correctly: it
// accumulates at most a u64 of significant digits (further integer digits only
// raise the exponent, further fraction digits are dropped), saturates the decimal
// exponent as an i32, converts the significand to f64 and scales it by table powers
// of ten, rejecting a result that overflows to infinity. Numbers near the largest
// float64 are therefore accepted or rejected differently from a correctly rounding
// parser; integers that fit a u64 or an i64 are always accepted.
func serdeNumberOK(s []byte) bool {
	const maxU = math.MaxUint64
	over := func(a, d uint64) bool { return a >= maxU/10 && (a > maxU/10 || d > maxU%10) }
	digit := func(i int) bool { return i < len(s) && s[i] >= '0' && s[i] <= '9' }
	i := 0
	if s[0] == '-' {
		i++
	}
	var sig uint64
	var exp int32
	if s[i] == '0' {
		i++
	} else {
		for digit(i) {
			d := uint64(s[i] - '0')
			if over(sig, d) {
				for digit(i) {
					i++
					exp++
				}
				break
			}
			sig = sig*10 + d
			i++
		}
	}
	plain := true
	if i < len(s) && s[i] == '.' {
		plain = false
		i++
		for digit(i) {
			d := uint64(s[i] - '0')
			if over(sig, d) {
				for digit(i) {
					i++
				}
				break
			}
			sig = sig*10 + d
			exp--
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		plain = false
		i++
		positive := true
		switch s[i] {
		case '+':
			i++
		case '-':
			positive = false
			i++
		}
		var e int32
		for digit(i) {
			d := int32(s[i] - '0')
			i++
			if e >= math.MaxInt32/10 && (e > math.MaxInt32/10 || d > math.MaxInt32%10) {
				return sig == 0 || !positive
			}
			e = e*10 + d
		}
		if positive {
			exp = int32(max(min(int64(exp)+int64(e), math.MaxInt32), math.MinInt32))
		} else {
			exp = int32(max(min(int64(exp)-int64(e), math.MaxInt32), math.MinInt32))
		}
	}
	if plain && exp == 0 {
		return true // an integer that fits a u64 (negative ones become i64 or f64)
	}
	f := float64(sig)
	for {
		if a := int64(exp); a >= -308 && a <= 308 {
			if a >= 0 {
				return !math.IsInf(f*pow10[a], 0)
			}
			return true
		}
		if f == 0 {
			return true
		}
		if exp >= 0 {
			return false
		}
		f /= 1e308
		exp += 308
	}
}

func (p *headerParser) literal(lit string) *jsonError {
	if len(p.b)-p.i < len(lit) || string(p.b[p.i:p.i+len(lit)]) != lit {
		return p.errf("want %s, found %s", lit, p.describe())
	}
	p.i += len(lit)
	return nil
}

// skipValue consumes any JSON value with serde_json's rules.
func (p *headerParser) skipValue() *jsonError {
	switch c := p.peek(); {
	case c == '"':
		_, err := p.parseString()
		return err
	case c == '{':
		if err := p.enter(); err != nil {
			return err
		}
		p.i++
		p.skipSpace()
		if p.peek() == '}' {
			p.i++
			p.depth--
			return nil
		}
		for {
			p.skipSpace()
			if p.peek() != '"' {
				return p.errf("want a string key, found %s", p.describe())
			}
			if _, err := p.parseString(); err != nil {
				return err
			}
			if err := p.colon(); err != nil {
				return err
			}
			if err := p.skipValue(); err != nil {
				return err
			}
			more, err := p.next('}')
			if err != nil {
				return err
			}
			if !more {
				break
			}
		}
		p.depth--
		return nil
	case c == '[':
		if err := p.enter(); err != nil {
			return err
		}
		p.i++
		p.skipSpace()
		if p.peek() == ']' {
			p.i++
			p.depth--
			return nil
		}
		for {
			p.skipSpace()
			if err := p.skipValue(); err != nil {
				return err
			}
			more, err := p.next(']')
			if err != nil {
				return err
			}
			if !more {
				break
			}
		}
		p.depth--
		return nil
	case c == 't':
		return p.literal("true")
	case c == 'f':
		return p.literal("false")
	case c == 'n':
		return p.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return p.scanNumber()
	}
	return p.errf("want a JSON value, found %s", p.describe())
}

// parseString parses a JSON string at p.i with serde_json's rules: no raw control
// characters, only the JSON escapes, and \u surrogates only in valid pairs.
func (p *headerParser) parseString() (string, *jsonError) {
	p.i++ // opening quote
	start := p.i
	// Fast path: no escapes.
	for p.i < len(p.b) {
		c := p.b[p.i]
		if c == '"' {
			s := string(p.b[start:p.i])
			p.i++
			return s, nil
		}
		if c == '\\' {
			break
		}
		if c < 0x20 {
			return "", p.errf("control character 0x%02x in string", c)
		}
		p.i++
	}
	buf := append([]byte(nil), p.b[start:p.i]...)
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			return string(buf), nil
		case c < 0x20:
			return "", p.errf("control character 0x%02x in string", c)
		case c != '\\':
			buf = append(buf, c)
			p.i++
			continue
		}
		p.i++
		if p.i >= len(p.b) {
			break
		}
		e := p.b[p.i]
		p.i++
		switch e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, err := p.hex4()
			if err != nil {
				return "", err
			}
			switch {
			case r >= 0xDC00 && r <= 0xDFFF:
				return "", p.errf("lone trailing surrogate in string")
			case r >= 0xD800 && r <= 0xDBFF:
				if p.i+1 >= len(p.b) || p.b[p.i] != '\\' || p.b[p.i+1] != 'u' {
					return "", p.errf("unpaired leading surrogate in string")
				}
				p.i += 2
				r2, err := p.hex4()
				if err != nil {
					return "", err
				}
				if r2 < 0xDC00 || r2 > 0xDFFF {
					return "", p.errf("unpaired leading surrogate in string")
				}
				r = utf16.DecodeRune(r, r2)
			}
			buf = utf8.AppendRune(buf, r)
		default:
			return "", p.errf("invalid escape \\%c in string", e)
		}
	}
	return "", p.errf("unterminated string")
}

func (p *headerParser) hex4() (rune, *jsonError) {
	if len(p.b)-p.i < 4 {
		return 0, p.errf("invalid \\u escape")
	}
	var r rune
	for _, c := range p.b[p.i : p.i+4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, p.errf("invalid \\u escape")
		}
	}
	p.i += 4
	return r, nil
}
