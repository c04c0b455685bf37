package corpus

import (
	"bytes"
	"encoding/binary"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/sophia-ai/sophia-eval/internal/pystr"
)

// maxDepth bounds the nesting of JSON arrays and objects, as encoding/json does.
// (Python's json gives up earlier, at its recursion limit of about 1000.)
const maxDepth = 10000

var bom = []byte("\uFEFF")

// valueKind is the type of a JSON value.
type valueKind uint8

const (
	kindNone valueKind = iota
	kindString
	kindNumber
	kindBool
	kindNull
	kindArray
	kindObject
)

// String returns the kind with its article, for messages: "a number".
func (k valueKind) String() string {
	switch k {
	case kindString:
		return "a string"
	case kindNumber:
		return "a number"
	case kindBool:
		return "a boolean"
	case kindNull:
		return "null"
	case kindArray:
		return "an array"
	case kindObject:
		return "an object"
	}
	return "nothing"
}

// span locates a value inside the current line.
type span struct {
	start, end int // b[start:end] is the value, quotes and brackets included
	kind       valueKind
	esc        bool // a string with at least one backslash escape
}

// jsonlDecoder reads one field from each line of a JSONL input. It validates
// the whole line with a hand-written scanner that skips the values of the other
// keys and decodes only the wanted one, without building a map.
type jsonlDecoder struct {
	lr      *lineReader
	name    string
	keep    bool
	numbers bool     // a number value is read as its JSON text
	keys    []string // keys sought: the field, or the candidates until the first record
	chosen  bool     // the field is fixed
	found   []span   // found[i] is the last value of keys[i] in the line; kind 0 if absent
	chunk   []byte
	pos     int
	valid   bool // chunk is valid UTF-8 as a whole
	first   bool // the next line is the first of the input
	line    int64
	texts   []string
	buf     []byte   // unescaped string
	kbuf    []byte   // unescaped key
	keysIn  []string // keys present, collected for the missing-field message
}

func newJSONLDecoder(lr *lineReader, name string, c Config) *jsonlDecoder {
	d := &jsonlDecoder{lr: lr, name: name, keep: c.KeepTrailingSpace, numbers: c.NumbersAsText, first: true}
	if c.Field != "" {
		d.keys = []string{c.Field}
		d.chosen = true
	} else {
		d.keys = append([]string(nil), c.Fields...)
	}
	d.found = make([]span, len(d.keys))
	return d
}

func (d *jsonlDecoder) field() string {
	if d.chosen {
		return d.keys[0]
	}
	return ""
}

func (d *jsonlDecoder) close() error { return nil }

func (d *jsonlDecoder) next(it *Item) error {
	for {
		if d.pos >= len(d.chunk) {
			c, err := d.lr.chunk()
			if err != nil {
				if err == io.EOF {
					return io.EOF
				}
				return &Error{Name: d.name, Line: d.line + 1, Field: d.field(), Err: readError(err)}
			}
			d.chunk, d.pos = c, 0
			d.valid = utf8.Valid(c)
		}
		b := d.chunk[d.pos:]
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[:i]
			d.pos += i + 1
		} else {
			d.pos = len(d.chunk)
		}
		d.line++
		if d.first {
			d.first = false
			b = bytes.TrimPrefix(b, bom)
		}
		if !d.valid && !utf8.Valid(b) {
			return d.errorf(invalidUTF8(b))
		}
		if skipWS(b, 0) == len(b) {
			continue // blank line
		}
		return d.decode(b, it)
	}
}

func (d *jsonlDecoder) errorf(err error) error {
	return &Error{Name: d.name, Line: d.line, Field: d.field(), Err: err}
}

// decode fills it from one non-blank line.
func (d *jsonlDecoder) decode(b []byte, it *Item) error {
	clear(d.found)
	if err := d.scanLine(b, false); err != nil {
		return d.errorf(err)
	}
	k := 0
	if !d.chosen {
		for k < len(d.keys) && d.found[k].kind == kindNone {
			k++
		}
		if k == len(d.keys) {
			return d.errorf(d.missing(b))
		}
		d.keys = []string{d.keys[k]}
		d.found = []span{d.found[k]}
		d.chosen = true
		k = 0
	}
	sp := d.found[k]
	if sp.kind == kindNone {
		return d.errorf(d.missing(b))
	}
	d.texts = d.texts[:0]
	*it = Item{Line: d.line}
	switch sp.kind {
	case kindString:
		s, err := d.str(b[sp.start+1:sp.end-1], sp.esc)
		if err != nil {
			return d.errorf(err)
		}
		d.texts = append(d.texts, s)
	case kindNumber:
		if !d.numbers {
			return d.errorf(details(ErrNotString, "field %q is %v, want a string", d.keys[0], sp.kind))
		}
		d.texts = append(d.texts, string(b[sp.start:sp.end]))
	case kindNull:
		it.Null = true
		return nil
	case kindArray:
		if err := d.strs(b[:sp.end], sp.start); err != nil {
			return d.errorf(err)
		}
	default:
		return d.errorf(details(ErrNotString, "field %q is %v, want a string", d.keys[0], sp.kind))
	}
	it.Texts = d.texts
	return nil
}

// strs appends the strings of the array that starts at b[i] (valid JSON,
// ending at the end of b) to d.texts.
func (d *jsonlDecoder) strs(b []byte, i int) error {
	i = skipWS(b, i+1)
	if b[i] == ']' {
		return nil
	}
	for n := 1; ; n++ {
		if b[i] != '"' {
			kind, _, _, _ := skipValue(b, i, 0)
			return details(ErrNotString, "field %q element %d is %v, want a string", d.keys[0], n, kind)
		}
		end, esc, _ := scanString(b, i)
		s, err := d.str(b[i+1:end-1], esc)
		if err != nil {
			return err
		}
		d.texts = append(d.texts, s)
		i = skipWS(b, end)
		if b[i] == ']' {
			return nil
		}
		i = skipWS(b, i+1) // the comma
	}
}

// str returns the string whose raw JSON content (between the quotes, already
// validated) is raw, right-stripped unless d.keep.
func (d *jsonlDecoder) str(raw []byte, esc bool) (string, error) {
	if esc {
		var err error
		if d.buf, err = unescape(d.buf[:0], raw); err != nil {
			return "", err
		}
		raw = d.buf
	}
	s := string(raw)
	if !d.keep {
		s = pystr.TrimRightSpace(s)
	}
	return s, nil
}

// missing returns the ErrMissingField detail for line b, listing its keys.
func (d *jsonlDecoder) missing(b []byte) error {
	d.keysIn = d.keysIn[:0]
	_ = d.scanLine(b, true)
	return missingField(d.keys, d.keysIn, "keys")
}

// scanLine checks that b is one JSON object and records in d.found where the
// values of d.keys are (the last occurrence of each). With collect it also
// appends every distinct key to d.keysIn.
func (d *jsonlDecoder) scanLine(b []byte, collect bool) error {
	i := skipWS(b, 0)
	if b[i] != '{' {
		kind, end, _, err := skipValue(b, i, 0)
		if err != nil {
			return err
		}
		if end = skipWS(b, end); end != len(b) {
			return syntaxError("extra data", end)
		}
		return details(ErrSyntax, "line is %v, want a JSON object", kind)
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		i++
	} else {
		for {
			if i >= len(b) || b[i] != '"' {
				return syntaxError("expecting property name enclosed in double quotes", i)
			}
			end, kesc, err := scanString(b, i)
			if err != nil {
				return err
			}
			key := b[i+1 : end-1]
			i = skipWS(b, end)
			if i >= len(b) || b[i] != ':' {
				return syntaxError("expecting ':' delimiter", i)
			}
			i = skipWS(b, i+1)
			kind, vend, vesc, err := skipValue(b, i, 1)
			if err != nil {
				return err
			}
			if k := d.match(key, kesc); k >= 0 {
				d.found[k] = span{start: i, end: vend, kind: kind, esc: vesc}
			}
			if collect {
				d.collect(key, kesc)
			}
			i = skipWS(b, vend)
			if i < len(b) && b[i] == ',' {
				i = skipWS(b, i+1)
				continue
			}
			if i < len(b) && b[i] == '}' {
				i++
				break
			}
			return syntaxError("expecting ',' delimiter", i)
		}
	}
	if i = skipWS(b, i); i != len(b) {
		return syntaxError("extra data", i)
	}
	return nil
}

// match returns the index in d.keys of the raw key, or -1.
func (d *jsonlDecoder) match(key []byte, esc bool) int {
	if esc {
		var err error
		if d.kbuf, err = unescape(d.kbuf[:0], key); err != nil {
			return -1 // a lone surrogate matches no Go string
		}
		key = d.kbuf
	}
	for k, want := range d.keys {
		if string(key) == want {
			return k
		}
	}
	return -1
}

func (d *jsonlDecoder) collect(key []byte, esc bool) {
	var s string
	if esc {
		b, err := unescape(nil, key)
		if err != nil {
			s = strconv.QuoteToASCII(string(key)) // shows the escapes as they are
		} else {
			s = string(b)
		}
	} else {
		s = string(key)
	}
	for _, k := range d.keysIn {
		if k == s {
			return
		}
	}
	d.keysIn = append(d.keysIn, s)
}

func syntaxError(msg string, i int) error {
	return details(ErrSyntax, "invalid JSON: %s at column %d", msg, i+1)
}

// skipWS returns the index of the first byte at or after i that is not JSON
// whitespace.
func skipWS(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// skipValue checks the JSON value that starts at b[i] and returns its kind and
// the index just after it. For a string, esc reports a backslash escape.
// depth is the nesting depth of the value.
func skipValue(b []byte, i, depth int) (kind valueKind, end int, esc bool, err error) {
	if i >= len(b) {
		return kindNone, i, false, syntaxError("expecting value", i)
	}
	switch c := b[i]; c {
	case '"':
		end, esc, err = scanString(b, i)
		return kindString, end, esc, err
	case '{':
		if depth >= maxDepth {
			return kindNone, i, false, syntaxError("exceeded maximum nesting depth", i)
		}
		i = skipWS(b, i+1)
		if i < len(b) && b[i] == '}' {
			return kindObject, i + 1, false, nil
		}
		for {
			if i >= len(b) || b[i] != '"' {
				return kindNone, i, false, syntaxError("expecting property name enclosed in double quotes", i)
			}
			if i, _, err = scanString(b, i); err != nil {
				return kindNone, i, false, err
			}
			i = skipWS(b, i)
			if i >= len(b) || b[i] != ':' {
				return kindNone, i, false, syntaxError("expecting ':' delimiter", i)
			}
			if _, i, _, err = skipValue(b, skipWS(b, i+1), depth+1); err != nil {
				return kindNone, i, false, err
			}
			i = skipWS(b, i)
			if i < len(b) && b[i] == ',' {
				i = skipWS(b, i+1)
				continue
			}
			if i < len(b) && b[i] == '}' {
				return kindObject, i + 1, false, nil
			}
			return kindNone, i, false, syntaxError("expecting ',' delimiter", i)
		}
	case '[':
		if depth >= maxDepth {
			return kindNone, i, false, syntaxError("exceeded maximum nesting depth", i)
		}
		i = skipWS(b, i+1)
		if i < len(b) && b[i] == ']' {
			return kindArray, i + 1, false, nil
		}
		for {
			if _, i, _, err = skipValue(b, i, depth+1); err != nil {
				return kindNone, i, false, err
			}
			i = skipWS(b, i)
			if i < len(b) && b[i] == ',' {
				i = skipWS(b, i+1)
				continue
			}
			if i < len(b) && b[i] == ']' {
				return kindArray, i + 1, false, nil
			}
			return kindNone, i, false, syntaxError("expecting ',' delimiter", i)
		}
	case 't':
		return literal(b, i, "true", kindBool)
	case 'f':
		return literal(b, i, "false", kindBool)
	case 'n':
		return literal(b, i, "null", kindNull)
	case 'N':
		return literal(b, i, "NaN", kindNumber)
	case 'I':
		return literal(b, i, "Infinity", kindNumber)
	case '-':
		if i+1 < len(b) && b[i+1] == 'I' {
			return literal(b, i, "-Infinity", kindNumber)
		}
		return number(b, i)
	default:
		if '0' <= c && c <= '9' {
			return number(b, i)
		}
		return kindNone, i, false, syntaxError("expecting value", i)
	}
}

func literal(b []byte, i int, lit string, kind valueKind) (valueKind, int, bool, error) {
	if len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit {
		return kind, i + len(lit), false, nil
	}
	return kindNone, i, false, syntaxError("expecting value", i)
}

// number scans a number the way Python's json does: the longest prefix that
// matches -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?; whatever follows is
// the caller's business.
func number(b []byte, i int) (valueKind, int, bool, error) {
	j := i
	if b[j] == '-' {
		j++
	}
	switch {
	case j < len(b) && b[j] == '0':
		j++
	case j < len(b) && '1' <= b[j] && b[j] <= '9':
		j = digits(b, j+1)
	default:
		return kindNone, i, false, syntaxError("expecting value", i)
	}
	if j+1 < len(b) && b[j] == '.' && isDigit(b[j+1]) {
		j = digits(b, j+2)
	}
	if j < len(b) && (b[j] == 'e' || b[j] == 'E') {
		k := j + 1
		if k < len(b) && (b[k] == '+' || b[k] == '-') {
			k++
		}
		if k < len(b) && isDigit(b[k]) {
			j = digits(b, k+1)
		}
	}
	return kindNumber, j, false, nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func digits(b []byte, i int) int {
	for i < len(b) && isDigit(b[i]) {
		i++
	}
	return i
}

// strSpecial marks the bytes that end the fast scan of a JSON string: the
// quote, the backslash and the control characters, which JSON forbids raw.
var strSpecial = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

const (
	lo8 = 0x0101010101010101
	hi8 = 0x8080808080808080
)

// scanString checks the JSON string that starts with the quote at b[i] and
// returns the index just after its closing quote, and whether it has an escape.
func scanString(b []byte, i int) (end int, esc bool, err error) {
	start := i
	i++
	for {
		// Eight bytes at a time while none is special (SWAR: a byte < 0x20, '"'
		// or '\\' sets its high bit in the mask).
		for i+8 <= len(b) {
			x := binary.LittleEndian.Uint64(b[i:])
			q := x ^ (lo8 * '"')
			s := x ^ (lo8 * '\\')
			m := ((x-lo8*0x20)&^x | (q-lo8)&^q | (s-lo8)&^s) & hi8
			if m != 0 {
				break
			}
			i += 8
		}
		for i < len(b) && !strSpecial[b[i]] {
			i++
		}
		if i >= len(b) {
			return i, esc, syntaxError("unterminated string starting", start)
		}
		switch b[i] {
		case '"':
			return i + 1, esc, nil
		case '\\':
			esc = true
			if i+1 >= len(b) {
				return i, esc, syntaxError("unterminated string starting", start)
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if _, ok := hex4(b[i+2:]); !ok {
					return i, esc, syntaxError(`invalid \uXXXX escape`, i)
				}
				i += 6
			default:
				return i, esc, syntaxError(`invalid \escape`, i)
			}
		default:
			return i, esc, syntaxError("invalid control character", i)
		}
	}
}

// hex4 decodes the four hex digits at the start of b.
func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// unescape appends the decoded content of a valid JSON string (raw, without
// its quotes) to dst. A surrogate pair becomes one code point; a lone
// surrogate is an ErrInvalidUTF8 error, because Go strings hold UTF-8 and
// Python would keep the surrogate.
func unescape(dst, raw []byte) ([]byte, error) {
	for i := 0; i < len(raw); {
		j := bytes.IndexByte(raw[i:], '\\')
		if j < 0 {
			return append(dst, raw[i:]...), nil
		}
		dst = append(dst, raw[i:i+j]...)
		i += j
		c := raw[i+1]
		i += 2
		switch c {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r, _ := hex4(raw[i:])
			i += 4
			if 0xD800 <= r && r < 0xE000 {
				lo, ok := rune(0), false
				if r < 0xDC00 && i+6 <= len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
					lo, ok = hex4(raw[i+2:])
					ok = ok && 0xDC00 <= lo && lo < 0xE000
				}
				if !ok {
					return dst, details(ErrInvalidUTF8, `invalid UTF-8: lone surrogate \u%04x in a JSON string`, r)
				}
				r = 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00)
				i += 6
			}
			dst = utf8.AppendRune(dst, r)
		default: // '"', '\\', '/'
			dst = append(dst, c)
		}
	}
	return dst, nil
}
