package pickle

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"unicode/utf8"
)

// Sentinels; every error of Parse is an *Error wrapping one of them.
var (
	ErrTruncated     = errors.New("pickle: stream ends inside an opcode or before STOP")
	ErrUnknownOpcode = errors.New("pickle: unknown opcode")
	ErrUnsupported   = errors.New("pickle: opcode not supported without Python objects")
	ErrMalformed     = errors.New("pickle: malformed stream")
	ErrLimit         = errors.New("pickle: limit exceeded")
)

// Error is a failure at one opcode.
type Error struct {
	Offset int64 // byte offset of the opcode
	Op     byte
	Err    error
}

func (e *Error) Error() string {
	return fmt.Sprintf("%v (opcode %s at byte %d)", e.Err, opName(e.Op), e.Offset)
}

// Unwrap returns the wrapped sentinel or detail.
func (e *Error) Unwrap() error { return e.Err }

// Limits bound the work and memory of Parse. Zero fields take the defaults.
type Limits struct {
	// MaxInput is the largest accepted input in bytes. Default: 256 MiB.
	MaxInput int64
	// MaxOps is the largest number of opcodes executed. Default: 1<<22.
	MaxOps int
	// MaxMemo is the largest number of memo entries. Default: 1<<20.
	MaxMemo int
	// MaxDepth is the deepest nesting of MARKs. Default: 512.
	MaxDepth int
	// MaxLong is the largest LONG, LONG1 or LONG4 in bytes. Default: 4096.
	MaxLong int
}

func (l Limits) withDefaults() Limits {
	if l.MaxInput <= 0 {
		l.MaxInput = 256 << 20
	}
	if l.MaxOps <= 0 {
		l.MaxOps = 1 << 22
	}
	if l.MaxMemo <= 0 {
		l.MaxMemo = 1 << 20
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = 512
	}
	if l.MaxLong <= 0 {
		l.MaxLong = 4096
	}
	return l
}

// GlobalRef is one global reference of the stream and where it is.
type GlobalRef struct {
	Global
	Offset int64 // byte offset of the GLOBAL, STACK_GLOBAL or INST opcode
	Op     string
}

// PersIDRef is one persistent id of the stream and where it is.
type PersIDRef struct {
	PersID
	Offset int64 // byte offset of the PERSID or BINPERSID opcode
}

// Result is what Parse read.
type Result struct {
	// Value is what STOP returned.
	Value any
	// Proto is the protocol of the PROTO opcode (0 when there is none).
	Proto int
	// Globals lists every global reference in stream order.
	Globals []GlobalRef
	// PersIDs lists every persistent id in stream order.
	PersIDs []PersIDRef
	// End is the offset just after STOP; bytes after it are not read.
	End int64
	// Ops is the number of opcodes executed.
	Ops int
}

// Opcodes.
const (
	opMark           = '('
	opStop           = '.'
	opPop            = '0'
	opPopMark        = '1'
	opDup            = '2'
	opFloat          = 'F'
	opInt            = 'I'
	opBinInt         = 'J'
	opBinInt1        = 'K'
	opLong           = 'L'
	opBinInt2        = 'M'
	opNone           = 'N'
	opPersID         = 'P'
	opBinPersID      = 'Q'
	opReduce         = 'R'
	opString         = 'S'
	opBinString      = 'T'
	opShortBinString = 'U'
	opUnicode        = 'V'
	opBinUnicode     = 'X'
	opAppend         = 'a'
	opBuild          = 'b'
	opGlobal         = 'c'
	opDict           = 'd'
	opEmptyDict      = '}'
	opAppends        = 'e'
	opGet            = 'g'
	opBinGet         = 'h'
	opInst           = 'i'
	opLongBinGet     = 'j'
	opList           = 'l'
	opEmptyList      = ']'
	opObj            = 'o'
	opPut            = 'p'
	opBinPut         = 'q'
	opLongBinPut     = 'r'
	opSetItem        = 's'
	opTuple          = 't'
	opEmptyTuple     = ')'
	opSetItems       = 'u'
	opBinFloat       = 'G'
	// Protocol 2.
	opProto    = 0x80
	opNewObj   = 0x81
	opExt1     = 0x82
	opExt2     = 0x83
	opExt4     = 0x84
	opTuple1   = 0x85
	opTuple2   = 0x86
	opTuple3   = 0x87
	opNewTrue  = 0x88
	opNewFalse = 0x89
	opLong1    = 0x8a
	opLong4    = 0x8b
	// Protocol 3.
	opBinBytes      = 'B'
	opShortBinBytes = 'C'
	// Protocol 4.
	opShortBinUnicode = 0x8c
	opBinUnicode8     = 0x8d
	opBinBytes8       = 0x8e
	opEmptySet        = 0x8f
	opAddItems        = 0x90
	opFrozenSet       = 0x91
	opNewObjEx        = 0x92
	opStackGlobal     = 0x93
	opMemoize         = 0x94
	opFrame           = 0x95
	// Protocol 5.
	opByteArray8     = 0x96
	opNextBuffer     = 0x97
	opReadonlyBuffer = 0x98
)

var opNames = map[byte]string{
	opMark: "MARK", opStop: "STOP", opPop: "POP", opPopMark: "POP_MARK", opDup: "DUP",
	opFloat: "FLOAT", opInt: "INT", opBinInt: "BININT", opBinInt1: "BININT1", opLong: "LONG",
	opBinInt2: "BININT2", opNone: "NONE", opPersID: "PERSID", opBinPersID: "BINPERSID",
	opReduce: "REDUCE", opString: "STRING", opBinString: "BINSTRING",
	opShortBinString: "SHORT_BINSTRING", opUnicode: "UNICODE", opBinUnicode: "BINUNICODE",
	opAppend: "APPEND", opBuild: "BUILD", opGlobal: "GLOBAL", opDict: "DICT",
	opEmptyDict: "EMPTY_DICT", opAppends: "APPENDS", opGet: "GET", opBinGet: "BINGET",
	opInst: "INST", opLongBinGet: "LONG_BINGET", opList: "LIST", opEmptyList: "EMPTY_LIST",
	opObj: "OBJ", opPut: "PUT", opBinPut: "BINPUT", opLongBinPut: "LONG_BINPUT",
	opSetItem: "SETITEM", opTuple: "TUPLE", opEmptyTuple: "EMPTY_TUPLE", opSetItems: "SETITEMS",
	opBinFloat: "BINFLOAT", opProto: "PROTO", opNewObj: "NEWOBJ", opExt1: "EXT1", opExt2: "EXT2",
	opExt4: "EXT4", opTuple1: "TUPLE1", opTuple2: "TUPLE2", opTuple3: "TUPLE3",
	opNewTrue: "NEWTRUE", opNewFalse: "NEWFALSE", opLong1: "LONG1", opLong4: "LONG4",
	opBinBytes: "BINBYTES", opShortBinBytes: "SHORT_BINBYTES",
	opShortBinUnicode: "SHORT_BINUNICODE", opBinUnicode8: "BINUNICODE8",
	opBinBytes8: "BINBYTES8", opEmptySet: "EMPTY_SET", opAddItems: "ADDITEMS",
	opFrozenSet: "FROZENSET", opNewObjEx: "NEWOBJ_EX", opStackGlobal: "STACK_GLOBAL",
	opMemoize: "MEMOIZE", opFrame: "FRAME", opByteArray8: "BYTEARRAY8",
	opNextBuffer: "NEXT_BUFFER", opReadonlyBuffer: "READONLY_BUFFER",
}

func opName(op byte) string {
	if n, ok := opNames[op]; ok {
		return n
	}
	return fmt.Sprintf("0x%02x", op)
}

// machine is the state of one Parse.
type machine struct {
	lim   Limits
	data  []byte
	pos   int
	stack []any
	marks [][]any // saved stacks, one per open MARK
	memo  map[uint64]any
	res   Result
}

// Parse reads one pickle from data, up to and including its STOP opcode.
//
// On error the Result is still returned, without a Value but with the Globals and
// PersIDs read before the failure: Python's unpickler would already have imported
// and called those, so an audit must see them even in a stream that fails later.
func Parse(data []byte, lim Limits) (*Result, error) {
	lim = lim.withDefaults()
	if int64(len(data)) > lim.MaxInput {
		return &Result{}, &Error{Offset: 0, Err: fmt.Errorf("%w: input is %d bytes, the limit is %d", ErrLimit, len(data), lim.MaxInput)}
	}
	m := &machine{lim: lim, data: data, memo: map[uint64]any{}}
	for {
		start := m.pos
		if m.pos >= len(m.data) {
			return &m.res, &Error{Offset: int64(start), Err: ErrTruncated}
		}
		op := m.data[m.pos]
		m.pos++
		m.res.Ops++
		if m.res.Ops > lim.MaxOps {
			return &m.res, &Error{Offset: int64(start), Op: op, Err: fmt.Errorf("%w: more than %d opcodes", ErrLimit, lim.MaxOps)}
		}
		done, err := m.step(op, int64(start))
		if err != nil {
			return &m.res, &Error{Offset: int64(start), Op: op, Err: err}
		}
		if done {
			m.res.End = int64(m.pos)
			return &m.res, nil
		}
	}
}

// take returns the next n bytes of the input.
func (m *machine) take(n uint64) ([]byte, error) {
	if n > uint64(len(m.data)-m.pos) {
		return nil, ErrTruncated
	}
	b := m.data[m.pos : m.pos+int(n)]
	m.pos += int(n)
	return b, nil
}

// line returns the bytes up to the next newline, which it consumes.
func (m *machine) line() ([]byte, error) {
	i := bytes.IndexByte(m.data[m.pos:], '\n')
	if i < 0 {
		return nil, ErrTruncated
	}
	b := m.data[m.pos : m.pos+i]
	m.pos += i + 1
	return b, nil
}

func (m *machine) u8() (uint64, error) {
	b, err := m.take(1)
	if err != nil {
		return 0, err
	}
	return uint64(b[0]), nil
}

func (m *machine) u16() (uint64, error) {
	b, err := m.take(2)
	if err != nil {
		return 0, err
	}
	return uint64(binary.LittleEndian.Uint16(b)), nil
}

func (m *machine) u32() (uint64, error) {
	b, err := m.take(4)
	if err != nil {
		return 0, err
	}
	return uint64(binary.LittleEndian.Uint32(b)), nil
}

func (m *machine) u64() (uint64, error) {
	b, err := m.take(8)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(b), nil
}

func (m *machine) push(v any) { m.stack = append(m.stack, v) }

func (m *machine) pop() (any, error) {
	if len(m.stack) == 0 {
		return nil, fmt.Errorf("%w: stack underflow", ErrMalformed)
	}
	v := m.stack[len(m.stack)-1]
	m.stack = m.stack[:len(m.stack)-1]
	return v, nil
}

func (m *machine) top() (any, error) {
	if len(m.stack) == 0 {
		return nil, fmt.Errorf("%w: stack underflow", ErrMalformed)
	}
	return m.stack[len(m.stack)-1], nil
}

// popMark returns the items pushed since the last MARK and restores the stack
// below it.
func (m *machine) popMark() ([]any, error) {
	if len(m.marks) == 0 {
		return nil, fmt.Errorf("%w: no MARK on the stack", ErrMalformed)
	}
	items := m.stack
	m.stack = m.marks[len(m.marks)-1]
	m.marks = m.marks[:len(m.marks)-1]
	return items, nil
}

func (m *machine) memoPut(k uint64) error {
	v, err := m.top()
	if err != nil {
		return err
	}
	if _, ok := m.memo[k]; !ok && len(m.memo) >= m.lim.MaxMemo {
		return fmt.Errorf("%w: more than %d memo entries", ErrLimit, m.lim.MaxMemo)
	}
	m.memo[k] = v
	return nil
}

func (m *machine) memoGet(k uint64) error {
	v, ok := m.memo[k]
	if !ok {
		return fmt.Errorf("%w: memo key %d not found", ErrMalformed, k)
	}
	m.push(v)
	return nil
}

func (m *machine) global(mod, name string, off int64, op string) Global {
	g := Global{Module: mod, Name: name}
	m.res.Globals = append(m.res.Globals, GlobalRef{Global: g, Offset: off, Op: op})
	return g
}

func (m *machine) persID(v any, off int64) {
	p := PersID{Value: v}
	m.res.PersIDs = append(m.res.PersIDs, PersIDRef{PersID: p, Offset: off})
	m.push(p)
}

// step runs one opcode; done is true after STOP.
func (m *machine) step(op byte, off int64) (done bool, err error) {
	switch op {
	case opProto:
		v, err := m.u8()
		if err != nil {
			return false, err
		}
		if v > 5 {
			return false, fmt.Errorf("%w: protocol %d", ErrUnsupported, v)
		}
		m.res.Proto = int(v)
	case opFrame:
		n, err := m.u64()
		if err != nil {
			return false, err
		}
		if n > uint64(len(m.data)-m.pos) {
			return false, fmt.Errorf("%w: frame of %d bytes", ErrTruncated, n)
		}
	case opStop:
		v, err := m.pop()
		if err != nil {
			return false, err
		}
		m.res.Value = v
		return true, nil
	case opMark:
		if len(m.marks) >= m.lim.MaxDepth {
			return false, fmt.Errorf("%w: more than %d nested MARKs", ErrLimit, m.lim.MaxDepth)
		}
		m.marks = append(m.marks, m.stack)
		m.stack = make([]any, 0, 4)
	case opPop:
		if len(m.stack) > 0 {
			m.stack = m.stack[:len(m.stack)-1]
		} else if _, err := m.popMark(); err != nil {
			return false, err
		}
	case opPopMark:
		if _, err := m.popMark(); err != nil {
			return false, err
		}
	case opDup:
		v, err := m.top()
		if err != nil {
			return false, err
		}
		m.push(v)

	// Scalars.
	case opNone:
		m.push(None{})
	case opNewTrue:
		m.push(true)
	case opNewFalse:
		m.push(false)
	case opBinInt:
		v, err := m.u32()
		if err != nil {
			return false, err
		}
		m.push(int64(int32(uint32(v))))
	case opBinInt1:
		v, err := m.u8()
		if err != nil {
			return false, err
		}
		m.push(int64(v))
	case opBinInt2:
		v, err := m.u16()
		if err != nil {
			return false, err
		}
		m.push(int64(v))
	case opInt:
		b, err := m.line()
		if err != nil {
			return false, err
		}
		switch string(b) {
		case "00":
			m.push(false)
		case "01":
			m.push(true)
		default:
			v, err := m.decimal(b)
			if err != nil {
				return false, err
			}
			m.push(v)
		}
	case opLong:
		b, err := m.line()
		if err != nil {
			return false, err
		}
		b = bytes.TrimSuffix(b, []byte("L"))
		v, err := m.decimal(b)
		if err != nil {
			return false, err
		}
		m.push(v)
	case opLong1, opLong4:
		var n uint64
		if op == opLong1 {
			n, err = m.u8()
		} else {
			n, err = m.u32()
			if err == nil && int32(uint32(n)) < 0 {
				return false, fmt.Errorf("%w: negative LONG4 length", ErrMalformed)
			}
		}
		if err != nil {
			return false, err
		}
		if n > uint64(m.lim.MaxLong) {
			return false, fmt.Errorf("%w: integer of %d bytes", ErrLimit, n)
		}
		b, err := m.take(n)
		if err != nil {
			return false, err
		}
		m.push(decodeLong(b))
	case opFloat:
		b, err := m.line()
		if err != nil {
			return false, err
		}
		v, err := strconv.ParseFloat(string(bytes.TrimSpace(b)), 64)
		if err != nil {
			return false, fmt.Errorf("%w: FLOAT %q", ErrMalformed, b)
		}
		m.push(v)
	case opBinFloat:
		b, err := m.take(8)
		if err != nil {
			return false, err
		}
		m.push(math.Float64frombits(binary.BigEndian.Uint64(b)))

	// Strings and bytes.
	case opShortBinUnicode, opBinUnicode, opBinUnicode8, opShortBinString, opBinString,
		opShortBinBytes, opBinBytes, opBinBytes8, opByteArray8:
		var n uint64
		switch op {
		case opShortBinUnicode, opShortBinString, opShortBinBytes:
			n, err = m.u8()
		case opBinUnicode, opBinBytes:
			n, err = m.u32()
		case opBinString:
			n, err = m.u32()
			if err == nil && int32(uint32(n)) < 0 {
				return false, fmt.Errorf("%w: negative BINSTRING length", ErrMalformed)
			}
		default:
			n, err = m.u64()
		}
		if err != nil {
			return false, err
		}
		b, err := m.take(n)
		if err != nil {
			return false, err
		}
		switch op {
		case opShortBinBytes, opBinBytes, opBinBytes8, opByteArray8:
			m.push(bytes.Clone(b))
		default:
			m.push(string(b))
		}
	case opString:
		b, err := m.line()
		if err != nil {
			return false, err
		}
		s, err := unquote(b)
		if err != nil {
			return false, err
		}
		m.push(s)
	case opUnicode:
		b, err := m.line()
		if err != nil {
			return false, err
		}
		m.push(rawUnicodeEscape(b))

	// Containers.
	case opEmptyTuple:
		m.push(Tuple{})
	case opTuple:
		items, err := m.popMark()
		if err != nil {
			return false, err
		}
		m.push(Tuple(items))
	case opTuple1, opTuple2, opTuple3:
		n := int(op-opTuple1) + 1
		if len(m.stack) < n {
			return false, fmt.Errorf("%w: stack underflow", ErrMalformed)
		}
		t := make(Tuple, n)
		copy(t, m.stack[len(m.stack)-n:])
		m.stack = m.stack[:len(m.stack)-n]
		m.push(t)
	case opEmptyList:
		m.push(&List{})
	case opList:
		items, err := m.popMark()
		if err != nil {
			return false, err
		}
		m.push(&List{Items: items})
	case opAppend:
		v, err := m.pop()
		if err != nil {
			return false, err
		}
		if err := m.appendTo([]any{v}); err != nil {
			return false, err
		}
	case opAppends:
		items, err := m.popMark()
		if err != nil {
			return false, err
		}
		if err := m.appendTo(items); err != nil {
			return false, err
		}
	case opEmptyDict:
		m.push(&Dict{})
	case opDict:
		items, err := m.popMark()
		if err != nil {
			return false, err
		}
		d := &Dict{}
		if err := addPairs(&d.Items, items); err != nil {
			return false, err
		}
		m.push(d)
	case opSetItem:
		if len(m.stack) < 2 {
			return false, fmt.Errorf("%w: stack underflow", ErrMalformed)
		}
		kv := m.stack[len(m.stack)-2:]
		m.stack = m.stack[:len(m.stack)-2]
		if err := m.setItems([]any{kv[0], kv[1]}); err != nil {
			return false, err
		}
	case opSetItems:
		items, err := m.popMark()
		if err != nil {
			return false, err
		}
		if err := m.setItems(items); err != nil {
			return false, err
		}
	case opEmptySet:
		m.push(&Set{})
	case opAddItems:
		items, err := m.popMark()
		if err != nil {
			return false, err
		}
		t, err := m.top()
		if err != nil {
			return false, err
		}
		switch s := t.(type) {
		case *Set:
			s.Items = append(s.Items, items...)
		case *Call:
			s.Elems = append(s.Elems, items...)
		default:
			return false, fmt.Errorf("%w: ADDITEMS to %T", ErrMalformed, t)
		}
	case opFrozenSet:
		items, err := m.popMark()
		if err != nil {
			return false, err
		}
		m.push(&Set{Items: items, Frozen: true})

	// Memo.
	case opPut:
		b, err := m.line()
		if err != nil {
			return false, err
		}
		k, err := strconv.ParseUint(string(b), 10, 64)
		if err != nil {
			return false, fmt.Errorf("%w: PUT %q", ErrMalformed, b)
		}
		return false, m.memoPut(k)
	case opBinPut:
		k, err := m.u8()
		if err != nil {
			return false, err
		}
		return false, m.memoPut(k)
	case opLongBinPut:
		k, err := m.u32()
		if err != nil {
			return false, err
		}
		return false, m.memoPut(k)
	case opMemoize:
		return false, m.memoPut(uint64(len(m.memo)))
	case opGet:
		b, err := m.line()
		if err != nil {
			return false, err
		}
		k, err := strconv.ParseUint(string(b), 10, 64)
		if err != nil {
			return false, fmt.Errorf("%w: GET %q", ErrMalformed, b)
		}
		return false, m.memoGet(k)
	case opBinGet:
		k, err := m.u8()
		if err != nil {
			return false, err
		}
		return false, m.memoGet(k)
	case opLongBinGet:
		k, err := m.u32()
		if err != nil {
			return false, err
		}
		return false, m.memoGet(k)

	// Globals, calls, objects.
	case opGlobal:
		mod, err := m.line()
		if err != nil {
			return false, err
		}
		name, err := m.line()
		if err != nil {
			return false, err
		}
		m.push(m.global(string(mod), string(name), off, "GLOBAL"))
	case opStackGlobal:
		name, err := m.pop()
		if err != nil {
			return false, err
		}
		mod, err := m.pop()
		if err != nil {
			return false, err
		}
		ms, ok1 := mod.(string)
		ns, ok2 := name.(string)
		if !ok1 || !ok2 {
			return false, fmt.Errorf("%w: STACK_GLOBAL needs two strings, got %T and %T", ErrMalformed, mod, name)
		}
		m.push(m.global(ms, ns, off, "STACK_GLOBAL"))
	case opInst:
		mod, err := m.line()
		if err != nil {
			return false, err
		}
		name, err := m.line()
		if err != nil {
			return false, err
		}
		g := m.global(string(mod), string(name), off, "INST")
		items, err := m.popMark()
		if err != nil {
			return false, err
		}
		m.push(&Call{Func: g, Args: Tuple(items), Op: "INST"})
	case opObj:
		items, err := m.popMark()
		if err != nil {
			return false, err
		}
		if len(items) == 0 {
			return false, fmt.Errorf("%w: OBJ without a class", ErrMalformed)
		}
		m.push(&Call{Func: items[0], Args: Tuple(items[1:]), Op: "OBJ"})
	case opReduce, opNewObj:
		args, err := m.pop()
		if err != nil {
			return false, err
		}
		fn, err := m.pop()
		if err != nil {
			return false, err
		}
		t, ok := args.(Tuple)
		if !ok {
			return false, fmt.Errorf("%w: %s arguments are %T, not a tuple", ErrMalformed, opName(op), args)
		}
		m.push(&Call{Func: fn, Args: t, Op: opName(op)})
	case opNewObjEx:
		kw, err := m.pop()
		if err != nil {
			return false, err
		}
		args, err := m.pop()
		if err != nil {
			return false, err
		}
		cls, err := m.pop()
		if err != nil {
			return false, err
		}
		t, ok1 := args.(Tuple)
		d, ok2 := kw.(*Dict)
		if !ok1 || !ok2 {
			return false, fmt.Errorf("%w: NEWOBJ_EX needs a tuple and a dict, got %T and %T", ErrMalformed, args, kw)
		}
		m.push(&Call{Func: cls, Args: t, Kwargs: d, Op: "NEWOBJ_EX"})
	case opBuild:
		state, err := m.pop()
		if err != nil {
			return false, err
		}
		obj, err := m.pop()
		if err != nil {
			return false, err
		}
		m.push(&Build{Obj: obj, State: state})
	case opPersID:
		b, err := m.line()
		if err != nil {
			return false, err
		}
		m.persID(string(b), off)
	case opBinPersID:
		v, err := m.pop()
		if err != nil {
			return false, err
		}
		m.persID(v, off)
	case opReadonlyBuffer:
		if _, err := m.top(); err != nil {
			return false, err
		}
	case opExt1, opExt2, opExt4:
		return false, fmt.Errorf("%w: the copyreg extension registry", ErrUnsupported)
	case opNextBuffer:
		return false, fmt.Errorf("%w: out-of-band buffers", ErrUnsupported)
	default:
		return false, ErrUnknownOpcode
	}
	return false, nil
}

func (m *machine) appendTo(items []any) error {
	t, err := m.top()
	if err != nil {
		return err
	}
	switch l := t.(type) {
	case *List:
		l.Items = append(l.Items, items...)
	case *Call:
		l.Elems = append(l.Elems, items...)
	case *Build:
		if c, ok := l.Obj.(*Call); ok {
			c.Elems = append(c.Elems, items...)
			return nil
		}
		return fmt.Errorf("%w: APPEND to %T", ErrMalformed, l.Obj)
	default:
		return fmt.Errorf("%w: APPEND to %T", ErrMalformed, t)
	}
	return nil
}

func (m *machine) setItems(items []any) error {
	t, err := m.top()
	if err != nil {
		return err
	}
	switch d := t.(type) {
	case *Dict:
		return addPairs(&d.Items, items)
	case *Call:
		return addPairs(&d.Items, items)
	case *Build:
		if c, ok := d.Obj.(*Call); ok {
			return addPairs(&c.Items, items)
		}
		return fmt.Errorf("%w: SETITEM on %T", ErrMalformed, d.Obj)
	}
	return fmt.Errorf("%w: SETITEM on %T", ErrMalformed, t)
}

func addPairs(dst *[]Pair, items []any) error {
	if len(items)%2 != 0 {
		return fmt.Errorf("%w: odd number of items for a dict", ErrMalformed)
	}
	for i := 0; i < len(items); i += 2 {
		*dst = append(*dst, Pair{Key: items[i], Value: items[i+1]})
	}
	return nil
}

// decimal parses the text of INT or LONG.
func (m *machine) decimal(b []byte) (any, error) {
	s := string(bytes.TrimSpace(b))
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		return v, nil
	}
	if len(s) > 3*m.lim.MaxLong {
		return nil, fmt.Errorf("%w: integer of %d digits", ErrLimit, len(s))
	}
	v, ok := new(big.Int).SetString(s, 10)
	if !ok {
		return nil, fmt.Errorf("%w: integer %q", ErrMalformed, s)
	}
	return v, nil
}

// decodeLong decodes a little-endian two's complement integer (LONG1, LONG4).
func decodeLong(b []byte) any {
	if len(b) == 0 {
		return int64(0)
	}
	if len(b) <= 8 {
		var u uint64
		for i := len(b) - 1; i >= 0; i-- {
			u = u<<8 | uint64(b[i])
		}
		if shift := 64 - 8*uint(len(b)); shift > 0 {
			return int64(u<<shift) >> shift
		}
		return int64(u)
	}
	be := make([]byte, len(b))
	for i := range b {
		be[len(b)-1-i] = b[i]
	}
	v := new(big.Int).SetBytes(be)
	if b[len(b)-1]&0x80 != 0 {
		v.Sub(v, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	if v.IsInt64() {
		return v.Int64()
	}
	return v
}

// unquote decodes the argument of STRING: a Python repr of a byte string.
func unquote(b []byte) (string, error) {
	if len(b) < 2 || (b[0] != '\'' && b[0] != '"') || b[len(b)-1] != b[0] {
		return "", fmt.Errorf("%w: STRING argument not quoted", ErrMalformed)
	}
	b = b[1 : len(b)-1]
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '\\' || i+1 == len(b) {
			out = append(out, c)
			continue
		}
		i++
		switch e := b[i]; e {
		case 'n':
			out = append(out, '\n')
		case 't':
			out = append(out, '\t')
		case 'r':
			out = append(out, '\r')
		case 'a':
			out = append(out, 7)
		case 'b':
			out = append(out, 8)
		case 'f':
			out = append(out, 12)
		case 'v':
			out = append(out, 11)
		case '\\', '\'', '"':
			out = append(out, e)
		case '\n':
		case 'x':
			if i+2 < len(b) && isHex(b[i+1]) && isHex(b[i+2]) {
				v, _ := strconv.ParseUint(string(b[i+1:i+3]), 16, 8)
				out = append(out, byte(v))
				i += 2
			} else {
				return "", fmt.Errorf("%w: bad \\x escape in STRING", ErrMalformed)
			}
		case '0', '1', '2', '3', '4', '5', '6', '7':
			v := int(e - '0')
			for k := 0; k < 2 && i+1 < len(b) && b[i+1] >= '0' && b[i+1] <= '7'; k++ {
				i++
				v = v*8 + int(b[i]-'0')
			}
			out = append(out, byte(v))
		default:
			out = append(out, '\\', e)
		}
	}
	return string(out), nil
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// rawUnicodeEscape decodes the argument of UNICODE: Latin-1 bytes with \uXXXX and
// \UXXXXXXXX escapes.
func rawUnicodeEscape(b []byte) string {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] == '\\' && i+1 < len(b) && (b[i+1] == 'u' || b[i+1] == 'U') {
			n := 4
			if b[i+1] == 'U' {
				n = 8
			}
			if i+2+n <= len(b) {
				if v, err := strconv.ParseUint(string(b[i+2:i+2+n]), 16, 32); err == nil {
					r := rune(v)
					if !utf8.ValidRune(r) {
						r = utf8.RuneError
					}
					out = utf8.AppendRune(out, r)
					i += 1 + n
					continue
				}
			}
		}
		out = utf8.AppendRune(out, rune(b[i]))
	}
	return string(out)
}
