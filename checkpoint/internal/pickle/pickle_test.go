package pickle

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"math/big"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pythonPickles are pickle.dumps(v, protocol=p) for p = 0..5 of
//
//	v = {'a': [1, -2, 2**70, -(2**70), 3.5, None, True, False, 'h\u00e9llo\u20ac', b'by',
//	           (1,), (1, 2), (1, 2, 3), (), {7}, frozenset([3]), 70000, -70000, 300],
//	     'b': collections.OrderedDict([('x', 1)])}
//	v['c'] = v['a']
//
// printed by CPython 3.11.7 (.hex()). They cover the opcodes each protocol's pickler
// emits for the common types, memo reuse included (v['c'] is a BINGET of the list).
var pythonPickles = []string{
	"286470300a56610a70310a286c70320a49310a61492d320a614c313138303539313632303731373431313330333432344c0a614c2d313138303539313632303731373431313330333432344c0a6146332e350a614e614930310a614930300a615668e96c6c6f5c75323061630a70330a61635f636f646563730a656e636f64650a70340a285662790a70350a566c6174696e310a70360a7470370a5270380a612849310a7470390a612849310a49320a747031300a612849310a49320a49330a747031310a61287461635f5f6275696c74696e5f5f0a7365740a7031320a28286c7031330a49370a61747031340a527031350a61635f5f6275696c74696e5f5f0a66726f7a656e7365740a7031360a28286c7031370a49330a61747031380a527031390a614937303030300a61492d37303030300a61493330300a617356620a7032300a63636f6c6c656374696f6e730a4f726465726564446963740a7032310a2874527032320a56780a7032330a49310a737356630a7032340a67320a732e",
	"7d71002858010000006171015d7102284b014afeffffff4c313138303539313632303731373431313330333432344c0a4c2d313138303539313632303731373431313330333432344c0a47400c0000000000004e4930310a4930300a580900000068c3a96c6c6fe282ac7103635f636f646563730a656e636f64650a71042858020000006279710558060000006c6174696e317106747107527108284b01747109284b014b0274710a284b014b024b0374710b29635f5f6275696c74696e5f5f0a7365740a710c285d710d4b076174710e52710f635f5f6275696c74696e5f5f0a66726f7a656e7365740a7110285d71114b03617471125271134a701101004a90eefeff4d2c0165580100000062711463636f6c6c656374696f6e730a4f726465726564446963740a71152952711658010000007871174b017358010000006371186802752e",
	"80027d71002858010000006171015d7102284b014afeffffff8a090000000000000000408a090000000000000000c047400c0000000000004e8889580900000068c3a96c6c6fe282ac7103635f636f646563730a656e636f64650a710458020000006279710558060000006c6174696e3171068671075271084b018571094b014b0286710a4b014b024b0387710b29635f5f6275696c74696e5f5f0a7365740a710c5d710d4b076185710e52710f635f5f6275696c74696e5f5f0a66726f7a656e7365740a71105d71114b03618571125271134a701101004a90eefeff4d2c0165580100000062711463636f6c6c656374696f6e730a4f726465726564446963740a71152952711658010000007871174b017358010000006371186802752e",
	"80037d71002858010000006171015d7102284b014afeffffff8a090000000000000000408a090000000000000000c047400c0000000000004e8889580900000068c3a96c6c6fe282ac71034302627971044b018571054b014b028671064b014b024b0387710729636275696c74696e730a7365740a71085d71094b076185710a52710b636275696c74696e730a66726f7a656e7365740a710c5d710d4b036185710e52710f4a701101004a90eefeff4d2c0165580100000062711063636f6c6c656374696f6e730a4f726465726564446963740a71112952711258010000007871134b017358010000006371146802752e",
	"800495a4000000000000007d94288c0161945d94284b014afeffffff8a090000000000000000408a090000000000000000c047400c0000000000004e88898c0968c3a96c6c6fe282ac9443026279944b0185944b014b0286944b014b024b038794298f94284b0790284b0391944a701101004a90eefeff4d2c01658c0162948c0b636f6c6c656374696f6e73948c0b4f726465726564446963749493942952948c0178944b01738c0163946802752e",
	"800595a4000000000000007d94288c0161945d94284b014afeffffff8a090000000000000000408a090000000000000000c047400c0000000000004e88898c0968c3a96c6c6fe282ac9443026279944b0185944b014b0286944b014b024b038794298f94284b0790284b0391944a701101004a90eefeff4d2c01658c0162948c0b636f6c6c656374696f6e73948c0b4f726465726564446963749493942952948c0178944b01738c0163946802752e",
}

// normalize turns the protocol-specific spellings of bytes and sets (a
// _codecs.encode or builtins.set call in the older protocols) into []byte and
// *Set, so all protocols can be compared with one expected value.
func normalize(v any) any {
	switch x := v.(type) {
	case *Call:
		g, _ := x.Func.(Global)
		switch {
		case g == Global{"_codecs", "encode"} && len(x.Args) == 2:
			s, _ := x.Args[0].(string)
			b := make([]byte, 0, len(s))
			for _, r := range s {
				b = append(b, byte(r))
			}
			return b
		case (g.Module == "builtins" || g.Module == "__builtin__") && (g.Name == "set" || g.Name == "frozenset") && len(x.Args) == 1:
			l := x.Args[0].(*List)
			return &Set{Items: normalize(l).(*List).Items, Frozen: g.Name == "frozenset"}
		}
		c := *x
		c.Args = normalize(x.Args).(Tuple)
		for i := range c.Items {
			c.Items[i] = Pair{normalize(c.Items[i].Key), normalize(c.Items[i].Value)}
		}
		return &c
	case Tuple:
		t := make(Tuple, len(x))
		for i := range x {
			t[i] = normalize(x[i])
		}
		return t
	case *List:
		l := &List{Items: make([]any, len(x.Items))}
		for i := range x.Items {
			l.Items[i] = normalize(x.Items[i])
		}
		return l
	case *Dict:
		d := &Dict{}
		for _, p := range x.Items {
			d.Items = append(d.Items, Pair{normalize(p.Key), normalize(p.Value)})
		}
		return d
	}
	return v
}

func TestPythonPickles(t *testing.T) {
	big70, _ := new(big.Int).SetString("1180591620717411303424", 10)
	neg70 := new(big.Int).Neg(big70)
	wantList := &List{Items: []any{
		int64(1), int64(-2), big70, neg70, 3.5, None{}, true, false, "h\u00e9llo\u20ac", []byte("by"),
		Tuple{int64(1)}, Tuple{int64(1), int64(2)}, Tuple{int64(1), int64(2), int64(3)}, Tuple{},
		&Set{Items: []any{int64(7)}}, &Set{Items: []any{int64(3)}, Frozen: true},
		int64(70000), int64(-70000), int64(300),
	}}
	for proto, h := range pythonPickles {
		data, err := hex.DecodeString(h)
		require.NoError(t, err)
		res, err := Parse(data, Limits{})
		require.NoError(t, err, "protocol %d", proto)
		if proto >= 2 {
			assert.Equal(t, proto, res.Proto)
		}
		assert.Equal(t, int64(len(data)), res.End)
		d, ok := res.Value.(*Dict)
		require.True(t, ok, "protocol %d: %T", proto, res.Value)
		a, _ := d.Get("a")
		c, _ := d.Get("c")
		assert.Same(t, a, c, "protocol %d: the memo returns the same list", proto)
		assert.Equal(t, wantList, normalize(a), "protocol %d", proto)
		b, _ := d.Get("b")
		od, ok := b.(*Call)
		require.True(t, ok, "protocol %d", proto)
		assert.Equal(t, Global{"collections", "OrderedDict"}, od.Func)
		assert.Equal(t, []Pair{{"x", int64(1)}}, od.Items)
		var names []string
		for _, g := range res.Globals {
			names = append(names, g.String())
			assert.True(t, g.Offset > 0 && g.Offset < int64(len(data)))
		}
		assert.Contains(t, names, "collections.OrderedDict")
	}
}

// asm assembles pickles opcode by opcode.
type asm struct{ bytes.Buffer }

func (a *asm) op(ops ...byte) *asm { a.Write(ops); return a }

func (a *asm) global(mod, name string) *asm {
	a.WriteByte(opGlobal)
	a.WriteString(mod + "\n" + name + "\n")
	return a
}

func (a *asm) str(s string) *asm {
	a.WriteByte(opBinUnicode)
	a.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(s))))
	a.WriteString(s)
	return a
}

func (a *asm) int1(v byte) *asm { return a.op(opBinInt1, v) }

func (a *asm) bytes() []byte { return bytes.Clone(a.Bytes()) }

func TestMaliciousIsSymbolic(t *testing.T) {
	// The classic payload: os.system("echo pwned") on load. It must come back as a
	// Call value naming os.system, with the global listed.
	var a asm
	a.op(opProto, 2).global("os", "system").str("echo pwned").op(opTuple1, opReduce, opStop)
	res, err := Parse(a.bytes(), Limits{})
	require.NoError(t, err)
	call, ok := res.Value.(*Call)
	require.True(t, ok)
	assert.Equal(t, Global{"os", "system"}, call.Func)
	assert.Equal(t, Tuple{"echo pwned"}, call.Args)
	assert.Equal(t, "REDUCE", call.Op)
	require.Len(t, res.Globals, 1)
	assert.Equal(t, int64(2), res.Globals[0].Offset)

	// STACK_GLOBAL, INST, OBJ and NEWOBJ_EX are calls too.
	a.Reset()
	a.op(opProto, 4).str("builtins").str("eval").op(opStackGlobal).str("1+1").op(opTuple1, opReduce, opPop)
	a.op(opMark).str("ls").WriteString("isubprocess\ncall\n")
	a.op(opPop, opMark).global("posix", "system").str("id").op(opObj, opPop)
	a.global("x", "Y").op(opEmptyTuple, opEmptyDict, opNewObjEx, opStop)
	res, err = Parse(a.bytes(), Limits{})
	require.NoError(t, err)
	var names []string
	for _, g := range res.Globals {
		names = append(names, g.Op+" "+g.String())
	}
	assert.Equal(t, []string{"STACK_GLOBAL builtins.eval", "INST subprocess.call", "GLOBAL posix.system", "GLOBAL x.Y"}, names)
	assert.Equal(t, "NEWOBJ_EX", res.Value.(*Call).Op)

	// A stream that fails after its payload still reports the payload: Python
	// would have run it before reaching the bad opcode.
	a.Reset()
	a.op(opProto, 2).global("os", "system").str("id").op(opTuple1, opReduce, 0xff)
	res, err = Parse(a.bytes(), Limits{})
	require.ErrorIs(t, err, ErrUnknownOpcode)
	require.NotNil(t, res)
	assert.Nil(t, res.Value)
	require.Len(t, res.Globals, 1)
	assert.Equal(t, "os.system", res.Globals[0].String())
}

func TestBuildSetItemsPersID(t *testing.T) {
	var a asm
	a.op(opProto, 2).global("collections", "OrderedDict").op(opEmptyTuple, opReduce, opBinPut, 1)
	a.op(opMark).str("w").str("storage").op(opTuple1, opBinPersID).str("v").int1(3).op(opSetItems)
	a.op(opEmptyDict).str("_metadata").op(opNone, opSetItem, opBuild)
	a.op(opBinGet, 1, opTuple2, opStop)
	res, err := Parse(a.bytes(), Limits{})
	require.NoError(t, err)
	tup := res.Value.(Tuple)
	b := tup[0].(*Build)
	c := b.Obj.(*Call)
	assert.Same(t, c, tup[1])
	assert.Equal(t, []Pair{{"w", PersID{Tuple{"storage"}}}, {"v", int64(3)}}, c.Items)
	require.Len(t, res.PersIDs, 1)
	assert.Equal(t, PersID{Tuple{"storage"}}, res.PersIDs[0].PersID)
	assert.Equal(t, int64(51), res.PersIDs[0].Offset)
	st := b.State.(*Dict)
	v, ok := st.Get("_metadata")
	assert.True(t, ok)
	assert.Equal(t, None{}, v)
}

func TestScalars(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want any
	}{
		{"BININT", []byte{opBinInt, 0xfe, 0xff, 0xff, 0xff, opStop}, int64(-2)},
		{"BININT2", []byte{opBinInt2, 0x34, 0x12, opStop}, int64(0x1234)},
		{"LONG1 0", []byte{opLong1, 0, opStop}, int64(0)},
		{"LONG1 -1", []byte{opLong1, 1, 0xff, opStop}, int64(-1)},
		{"LONG1 255", []byte{opLong1, 2, 0xff, 0x00, opStop}, int64(255)},
		{"LONG1 int64 min", []byte{opLong1, 8, 0, 0, 0, 0, 0, 0, 0, 0x80, opStop}, int64(-1 << 63)},
		{"LONG4", []byte{opLong4, 2, 0, 0, 0, 0x00, 0x80, opStop}, int64(-32768)},
		{"INT", []byte("I-17\n."), int64(-17)},
		{"INT true", []byte("I01\n."), true},
		{"LONG", []byte("L42L\n."), int64(42)},
		{"FLOAT", []byte("F-0.25\n."), -0.25},
		{"BINFLOAT", []byte{opBinFloat, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0, opStop}, 1.0},
		{"STRING", []byte("S'a\\'b\\n\\x41\\101'\n."), "a'b\nAA"},
		{"SHORT_BINSTRING", []byte{opShortBinString, 2, 'h', 'i', opStop}, "hi"},
		{"BINSTRING", []byte{opBinString, 1, 0, 0, 0, 'z', opStop}, "z"},
		{"UNICODE", []byte("V\\u00e9x\\U0001F600\n."), "éx😀"},
		{"SHORT_BINUNICODE", []byte{opShortBinUnicode, 1, 'q', opStop}, "q"},
		{"BINUNICODE8", []byte{opBinUnicode8, 1, 0, 0, 0, 0, 0, 0, 0, 'q', opStop}, "q"},
		{"SHORT_BINBYTES", []byte{opShortBinBytes, 1, 9, opStop}, []byte{9}},
		{"BINBYTES", []byte{opBinBytes, 1, 0, 0, 0, 9, opStop}, []byte{9}},
		{"BINBYTES8", []byte{opBinBytes8, 1, 0, 0, 0, 0, 0, 0, 0, 9, opStop}, []byte{9}},
		{"BYTEARRAY8", []byte{opByteArray8, 0, 0, 0, 0, 0, 0, 0, 0, opReadonlyBuffer, opStop}, []byte{}},
		{"PERSID", []byte("Pkey\n."), PersID{"key"}},
		{"DUP POP", []byte{opNone, opDup, opPop, opStop}, None{}},
		{"POP_MARK", []byte{opNewTrue, opMark, opNone, opNone, opPopMark, opStop}, true},
		{"POP of a mark", []byte{opNewFalse, opMark, opPop, opStop}, false},
		{"MEMOIZE GET", []byte("\x8c\x01s\x94\x30g0\n."), "s"},
		{"PUT GET", []byte("N\x8c\x01s\x30p7\n0g7\n."), None{}},
		{"DICT", []byte("(K\x01K\x02d."), &Dict{Items: []Pair{{int64(1), int64(2)}}}},
		{"LIST APPENDS", []byte("(K\x01l(K\x02e]K\x03a0."), &List{Items: []any{int64(1), int64(2)}}},
		{"FROZENSET", []byte("(K\x01\x91."), &Set{Items: []any{int64(1)}, Frozen: true}},
		{"EMPTY_SET ADDITEMS", []byte("\x8f(K\x01\x90."), &Set{Items: []any{int64(1)}}},
		{"FRAME", []byte{opProto, 4, opFrame, 2, 0, 0, 0, 0, 0, 0, 0, opNone, opStop}, None{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Parse(tt.in, Limits{})
			require.NoError(t, err)
			assert.Equal(t, tt.want, res.Value)
		})
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		lim  Limits
		want error
	}{
		{"empty", nil, Limits{}, ErrTruncated},
		{"no STOP", []byte{opNone}, Limits{}, ErrTruncated},
		{"truncated BININT", []byte{opBinInt, 1}, Limits{}, ErrTruncated},
		{"truncated BINUNICODE8 huge", []byte{opBinUnicode8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}, Limits{}, ErrTruncated},
		{"truncated line", []byte("cos\nsys"), Limits{}, ErrTruncated},
		{"unknown opcode", []byte{0xff}, Limits{}, ErrUnknownOpcode},
		{"unknown opcode 2", []byte{'z'}, Limits{}, ErrUnknownOpcode},
		{"protocol 6", []byte{opProto, 6}, Limits{}, ErrUnsupported},
		{"EXT1", []byte{opExt1, 1, opStop}, Limits{}, ErrUnsupported},
		{"NEXT_BUFFER", []byte{opNextBuffer, opStop}, Limits{}, ErrUnsupported},
		{"STOP on empty stack", []byte{opStop}, Limits{}, ErrMalformed},
		{"REDUCE underflow", []byte{opReduce}, Limits{}, ErrMalformed},
		{"REDUCE non-tuple args", []byte("cos\nsystem\nNR."), Limits{}, ErrMalformed},
		{"BINGET missing", []byte{opBinGet, 3}, Limits{}, ErrMalformed},
		{"BINPUT empty stack", []byte{opBinPut, 3}, Limits{}, ErrMalformed},
		{"TUPLE without MARK", []byte{opTuple}, Limits{}, ErrMalformed},
		{"TUPLE3 underflow", []byte{opMark, opNone, opNone, opTuple3}, Limits{}, ErrMalformed},
		{"DICT odd", []byte{opMark, opNone, opDict}, Limits{}, ErrMalformed},
		{"SETITEM on list", []byte{opEmptyList, opNone, opNone, opSetItem}, Limits{}, ErrMalformed},
		{"APPEND to dict", []byte{opEmptyDict, opNone, opAppend}, Limits{}, ErrMalformed},
		{"STACK_GLOBAL ints", []byte{opBinInt1, 1, opBinInt1, 2, opStackGlobal}, Limits{}, ErrMalformed},
		{"LONG4 negative", []byte{opLong4, 0xff, 0xff, 0xff, 0xff}, Limits{}, ErrMalformed},
		{"LONG4 too large", []byte{opLong4, 0, 0, 1, 0}, Limits{}, ErrLimit},
		{"bad FLOAT", []byte("Fx\n."), Limits{}, ErrMalformed},
		{"bad STRING", []byte("Sabc\n."), Limits{}, ErrMalformed},
		{"bad INT", []byte("I1x\n."), Limits{}, ErrMalformed},
		{"OBJ empty", []byte{opMark, opObj}, Limits{}, ErrMalformed},
		{"FRAME past end", []byte{opFrame, 9, 0, 0, 0, 0, 0, 0, 0, opNone, opStop}, Limits{}, ErrTruncated},
		{"input limit", make([]byte, 11), Limits{MaxInput: 10}, ErrLimit},
		{"op limit", []byte{opNone, opNone, opNone, opStop}, Limits{MaxOps: 3}, ErrLimit},
		{"memo limit", []byte{opNone, opBinPut, 1, opBinPut, 2, opStop}, Limits{MaxMemo: 1}, ErrLimit},
		{"depth limit", []byte{opMark, opMark, opMark}, Limits{MaxDepth: 2}, ErrLimit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.in, tt.lim)
			require.ErrorIs(t, err, tt.want)
			var pe *Error
			require.ErrorAs(t, err, &pe)
			assert.Contains(t, err.Error(), "at byte")
		})
	}
}

func TestDeepNestingIsBoundedByOps(t *testing.T) {
	// A million nested lists need a million opcodes: the op limit stops it.
	in := append(bytes.Repeat([]byte{opEmptyList, opEmptyList, opAppend}, 1000), opStop)
	_, err := Parse(in, Limits{MaxOps: 1000})
	require.ErrorIs(t, err, ErrLimit)
	res, err := Parse(in, Limits{})
	require.NoError(t, err)
	assert.Equal(t, 3001, res.Ops)
}

func TestRepr(t *testing.T) {
	v := &Call{Func: Global{"torch._utils", "_rebuild_tensor_v2"}, Args: Tuple{
		PersID{Tuple{"storage", Global{"torch", "FloatStorage"}, "0", "cpu", int64(4)}},
		int64(0), Tuple{int64(2), int64(2)}, &List{Items: []any{1, 2, 3, 4, 5, 6}}, []byte("ab"), true, None{}, &Dict{},
	}}
	s := Repr(v, 200)
	assert.True(t, strings.HasPrefix(s, `torch._utils._rebuild_tensor_v2(persid("storage", torch.FloatStorage, "0", "cpu", … 1 more), 0, (2, 2), [1, 2, 3, 4, … 2 more]`), s)
	assert.LessOrEqual(t, len(Repr(v, 20)), 20+len("…"))
}
