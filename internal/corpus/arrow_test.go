package corpus

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/schema"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func oneColumn(name string, t arrow.DataType) *arrow.Schema {
	return arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}, {Name: name, Type: t, Nullable: true}}, nil)
}

var (
	dictString     = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}
	dictInt8String = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.BinaryTypes.String}
)

// stringRows are rows for a string column, and what they read as.
var (
	stringRows = []string{`{"id": 1, "c": "a "}`, `{"id": 2, "c": null}`, `{"id": 3, "c": ""}`, `{"id": 4, "c": "a "}`, `{"id": 5, "c": "ü\u3000"}`}
	stringWant = []Item{{Texts: []string{"a"}, Line: 1}, {Null: true, Line: 2}, {Texts: []string{""}, Line: 3}, {Texts: []string{"a"}, Line: 4}, {Texts: []string{"ü"}, Line: 5}}
	listRows   = []string{`{"id": 1, "c": ["a ", "b"]}`, `{"id": 2, "c": null}`, `{"id": 3, "c": []}`, `{"id": 4, "c": ["a"]}`, `{"id": 5, "c": ["x", "y", "z"]}`}
	listWant   = []Item{{Texts: []string{"a", "b"}, Line: 1}, {Null: true, Line: 2}, {Line: 3}, {Texts: []string{"a"}, Line: 4}, {Texts: []string{"x", "y", "z"}, Line: 5}}
)

func TestArrowTypes(t *testing.T) {
	tests := []struct {
		name    string
		typ     arrow.DataType
		rows    []string
		want    []Item
		parquet bool // pqarrow can write it
	}{
		{"string", arrow.BinaryTypes.String, stringRows, stringWant, true},
		{"large_string", arrow.BinaryTypes.LargeString, stringRows, stringWant, true},
		{"string_view", arrow.BinaryTypes.StringView, stringRows, stringWant, false},
		{"dictionary<int32, string>", dictString, stringRows, stringWant, true},
		{"dictionary<int8, string>", dictInt8String, stringRows, stringWant, true},
		{"list<string>", arrow.ListOf(arrow.BinaryTypes.String), listRows, listWant, true},
		{"large_list<string>", arrow.LargeListOf(arrow.BinaryTypes.String), listRows, listWant, true},
		{"list<large_string>", arrow.ListOf(arrow.BinaryTypes.LargeString), listRows, listWant, true},
		{"list<string_view>", arrow.ListOf(arrow.BinaryTypes.StringView), listRows, listWant, false},
		{"list_view<string>", arrow.ListViewOf(arrow.BinaryTypes.String), listRows, listWant, false},
		{"large_list_view<string>", arrow.LargeListViewOf(arrow.BinaryTypes.String), listRows, listWant, false},
		{"list<dictionary<string>>", arrow.ListOf(dictString), listRows, listWant, true},
		{"fixed_size_list<string, 2>", arrow.FixedSizeListOf(2, arrow.BinaryTypes.String),
			[]string{`{"id": 1, "c": ["a ", "b"]}`, `{"id": 2, "c": null}`, `{"id": 3, "c": ["", "d"]}`},
			[]Item{{Texts: []string{"a", "b"}, Line: 1}, {Null: true, Line: 2}, {Texts: []string{"", "d"}, Line: 3}}, true},
	}
	for _, tt := range tests {
		s := oneColumn("c", tt.typ)
		recs := arrowRecords(t, s, tt.rows, 2)
		inputs := map[string][]byte{
			// The IPC file format allows one dictionary per field: one batch.
			"arrow-file":   arrowIPC(t, s, arrowRecords(t, s, tt.rows, len(tt.rows)), false),
			"arrow-stream": arrowIPC(t, s, recs, true),
		}
		if tt.parquet {
			inputs["parquet"] = parquetFile(t, s, recs, 3, false)
			inputs["parquet-dict"] = parquetFile(t, s, recs, 2, true)
		}
		for kind, data := range inputs {
			t.Run(tt.name+"/"+kind, func(t *testing.T) {
				r, err := NewReader(bytes.NewReader(data), "t", Config{Fields: []string{"pred", "c"}})
				require.NoError(t, err)
				defer r.Close()
				assert.Equal(t, "c", r.Field())
				got, err := readItems(t, r)
				require.NoError(t, err)
				assert.Equal(t, tt.want, got)
			})
		}
	}
}

// The JSON builder cannot build dictionaries of large_string or string_view.
func TestArrowDictionaryValueTypes(t *testing.T) {
	mem := memory.DefaultAllocator
	ib := array.NewInt16Builder(mem)
	ib.AppendValues([]int16{1, 0, 0, 2}, []bool{true, false, true, true})
	idx := ib.NewArray()
	for _, vt := range []arrow.DataType{arrow.BinaryTypes.LargeString, arrow.BinaryTypes.StringView} {
		vb := array.NewBuilder(mem, vt)
		require.NoError(t, vb.UnmarshalJSON([]byte(`["a ", "b", null]`)))
		dict := vb.NewArray()
		dt := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int16, ValueType: vt}
		col := array.NewDictionaryArray(dt, idx, dict)
		s := arrow.NewSchema([]arrow.Field{{Name: "c", Type: dt, Nullable: true}}, nil)
		rec := array.NewRecordBatch(s, []arrow.Array{col}, int64(col.Len()))
		for _, stream := range []bool{false, true} {
			r, err := NewReader(bytes.NewReader(arrowIPC(t, s, []arrow.RecordBatch{rec}, stream)), "t", Config{Field: "c"})
			require.NoError(t, err)
			got, err := readItems(t, r)
			require.NoError(t, err)
			assert.Equal(t, []Item{{Texts: []string{"b"}, Line: 1}, {Null: true, Line: 2}, {Texts: []string{"a"}, Line: 3}, {Null: true, Line: 4}}, got, "%v", vt)
		}
	}
}

func TestArrowErrors(t *testing.T) {
	tests := []struct {
		name    string
		typ     arrow.DataType
		rows    []string
		c       Config
		wantErr error
		msg     string
	}{
		{"int column", arrow.PrimitiveTypes.Int64, []string{`{"id": 1, "c": 1}`}, Config{Field: "c"}, ErrNotString,
			`t: column "c" is int64, want a string or a list of strings`},
		{"binary column", arrow.BinaryTypes.Binary, []string{`{"id": 1}`}, Config{Field: "c"}, ErrNotString,
			`t: column "c" is binary, want a string or a list of strings`},
		{"list of lists", arrow.ListOf(arrow.ListOf(arrow.BinaryTypes.String)), []string{`{"id": 1}`}, Config{Field: "c"}, ErrNotString,
			`t: column "c" is list<item: list<item: utf8, nullable>, nullable>, want a string or a list of strings`},
		{"missing column", arrow.BinaryTypes.String, []string{`{"id": 1}`}, Config{Fields: []string{"pred", "prediction"}}, ErrMissingField,
			`t: none of the fields "pred", "prediction" found; columns present: "id", "c"`},
		{"no field named", arrow.BinaryTypes.String, []string{`{"id": 1}`}, Config{}, ErrMissingField,
			`t: no field named (set Config.Field or Config.Fields); columns present: "id", "c"`},
		{"null element", arrow.ListOf(arrow.BinaryTypes.String), []string{`{"id": 1, "c": ["a"]}`, `{"id": 2, "c": ["a", null]}`}, Config{Field: "c"}, ErrNotString,
			`t: row 2: field "c" element 2 is null, want a string`},
	}
	for _, tt := range tests {
		s := oneColumn("c", tt.typ)
		recs := arrowRecords(t, s, tt.rows, 10)
		inputs := map[string][]byte{
			"arrow-file":   arrowIPC(t, s, recs, false),
			"arrow-stream": arrowIPC(t, s, recs, true),
		}
		if tt.typ.ID() != arrow.LIST || tt.name == "null element" {
			inputs["parquet"] = parquetFile(t, s, recs, 10, false)
		}
		for kind, data := range inputs {
			t.Run(tt.name+"/"+kind, func(t *testing.T) {
				r, err := NewReader(bytes.NewReader(data), "t", tt.c)
				if err == nil {
					_, err = readItems(t, r)
				}
				require.ErrorIs(t, err, tt.wantErr)
				msg := tt.msg
				if kind == "parquet" && tt.typ.ID() == arrow.BINARY {
					msg = `t: column "c" is binary without the STRING annotation, want a string or a list of strings`
				}
				if kind == "parquet" && tt.typ.ID() == arrow.INT64 {
					msg = `t: column "c" is INT64, want a string or a list of strings`
				}
				assert.EqualError(t, err, msg)
			})
		}
	}
}

// Arrow does not check UTF-8 when it reads IPC; the reader does.
func TestArrowInvalidUTF8(t *testing.T) {
	s := arrow.NewSchema([]arrow.Field{{Name: "c", Type: arrow.BinaryTypes.String}}, nil)
	b := array.NewStringBuilder(memory.DefaultAllocator)
	b.AppendValues([]string{"ok", "bad\xff"}, nil)
	arr := b.NewArray()
	rec := array.NewRecordBatch(s, []arrow.Array{arr}, 2)
	for _, stream := range []bool{false, true} {
		r, err := NewReader(bytes.NewReader(arrowIPC(t, s, []arrow.RecordBatch{rec}, stream)), "t.arrow", Config{Field: "c"})
		require.NoError(t, err)
		got, err := readItems(t, r)
		require.ErrorIs(t, err, ErrInvalidUTF8)
		assert.EqualError(t, err, "t.arrow: row 2: invalid UTF-8: byte 0xff at column 4")
		assert.Len(t, got, 1)
	}
	data := parquetLevels(t, schema.MustPrimitive(schema.NewPrimitiveNodeLogical("c", parquet.Repetitions.Required,
		schema.StringLogicalType{}, parquet.Types.ByteArray, -1, -1)), []string{"ok", "bad\xff"}, nil, nil)
	r, err := NewReader(bytes.NewReader(data), "t.parquet", Config{Field: "c"})
	require.NoError(t, err)
	_, err = readItems(t, r)
	assert.EqualError(t, err, "t.parquet: row 2: invalid UTF-8: byte 0xff at column 4")
}

// Parquet schemas that pqarrow does not write but other writers do.
func TestParquetShapes(t *testing.T) {
	str := func(name string, rep parquet.Repetition) schema.Node {
		return schema.MustPrimitive(schema.NewPrimitiveNodeLogical(name, rep, schema.StringLogicalType{}, parquet.Types.ByteArray, -1, -1))
	}
	utf8Converted := schema.MustPrimitive(schema.NewPrimitiveNodeConverted("c", parquet.Repetitions.Optional,
		parquet.Types.ByteArray, schema.ConvertedTypes.UTF8, -1, 0, 0, -1))
	legacyList := schema.MustGroup(schema.NewGroupNodeConverted("c", parquet.Repetitions.Optional,
		schema.FieldList{str("element", parquet.Repetitions.Repeated)}, schema.ConvertedTypes.List, -1))
	requiredList := schema.MustGroup(schema.NewGroupNodeLogical("c", parquet.Repetitions.Required,
		schema.FieldList{schema.MustGroup(schema.NewGroupNode("list", parquet.Repetitions.Repeated,
			schema.FieldList{str("element", parquet.Repetitions.Required)}, -1))}, schema.ListLogicalType{}, -1))
	oneLeafStruct := schema.MustGroup(schema.NewGroupNode("c", parquet.Repetitions.Optional,
		schema.FieldList{str("x", parquet.Repetitions.Optional)}, -1))
	structWithList := schema.MustGroup(schema.NewGroupNode("c", parquet.Repetitions.Optional,
		schema.FieldList{str("x", parquet.Repetitions.Repeated)}, -1))
	binary := schema.MustPrimitive(schema.NewPrimitiveNode("c", parquet.Repetitions.Optional, parquet.Types.ByteArray, -1, -1))
	tests := []struct {
		name       string
		node       schema.Node
		vals       []string
		defs, reps []int16
		want       []Item
		msg        string
	}{
		{"required string", str("c", parquet.Repetitions.Required), []string{"a ", "b"}, nil, nil,
			[]Item{{Texts: []string{"a"}, Line: 1}, {Texts: []string{"b"}, Line: 2}}, ""},
		{"UTF8 converted type", utf8Converted, []string{"a"}, []int16{1, 0}, nil,
			[]Item{{Texts: []string{"a"}, Line: 1}, {Null: true, Line: 2}}, ""},
		{"bare repeated field", str("c", parquet.Repetitions.Repeated), []string{"a", "b", "c"}, []int16{1, 1, 0, 1}, []int16{0, 1, 0, 0},
			[]Item{{Texts: []string{"a", "b"}, Line: 1}, {Line: 2}, {Texts: []string{"c"}, Line: 3}}, ""},
		{"legacy 2-level list", legacyList, []string{"a", "b"}, []int16{2, 2, 0, 1}, []int16{0, 1, 0, 0},
			[]Item{{Texts: []string{"a", "b"}, Line: 1}, {Null: true, Line: 2}, {Line: 3}}, ""},
		{"required list of required strings", requiredList, []string{"a", "b"}, []int16{1, 0, 1}, []int16{0, 0, 0},
			[]Item{{Texts: []string{"a"}, Line: 1}, {Line: 2}, {Texts: []string{"b"}, Line: 3}}, ""},
		{"unannotated binary", binary, nil, []int16{0}, nil, nil,
			`t: column "c" is binary without the STRING annotation, want a string or a list of strings`},
		{"struct with one string", oneLeafStruct, nil, []int16{0}, nil, nil,
			`t: column "c" is a group, want a string or a list of strings`},
		{"struct with a repeated string", structWithList, nil, []int16{0}, []int16{0}, nil,
			`t: column "c" is a group, want a string or a list of strings`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := parquetLevels(t, tt.node, tt.vals, tt.defs, tt.reps)
			r, err := NewReader(bytes.NewReader(data), "t", Config{Field: "c"})
			if tt.msg != "" {
				require.ErrorIs(t, err, ErrNotString)
				assert.EqualError(t, err, tt.msg)
				return
			}
			require.NoError(t, err)
			got, err := readItems(t, r)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParquetStruct(t *testing.T) {
	st := arrow.StructOf(arrow.Field{Name: "a", Type: arrow.BinaryTypes.String}, arrow.Field{Name: "b", Type: arrow.BinaryTypes.String})
	s := oneColumn("c", st)
	recs := arrowRecords(t, s, []string{`{"id": 1, "c": {"a": "x", "b": "y"}}`}, 10)
	_, err := NewReader(bytes.NewReader(parquetFile(t, s, recs, 10, false)), "t", Config{Field: "c"})
	require.ErrorIs(t, err, ErrNotString)
	assert.EqualError(t, err, `t: column "c" is a group of several columns, want a string or a list of strings`)
}

// Long lists cross level batches and pages; many rows cross row groups.
func TestParquetLarge(t *testing.T) {
	s := oneColumn("c", arrow.ListOf(arrow.BinaryTypes.String))
	var rows []string
	var want []Item
	for i := range 3000 {
		n := i % 7
		if i%500 == 0 {
			n = 2500 // longer than a level batch
		}
		var texts []string
		js := `{"id": 1, "c": [`
		for j := range n {
			if j > 0 {
				js += ","
			}
			v := string(rune('a' + (i+j)%26))
			js += `"` + v + `"`
			texts = append(texts, v)
		}
		rows = append(rows, js+`]}`)
		want = append(want, Item{Texts: texts, Line: int64(i + 1)})
	}
	recs := arrowRecords(t, s, rows, 1000)
	for _, rg := range []int64{1, 999, 1 << 20} {
		r, err := NewReader(bytes.NewReader(parquetFile(t, s, recs, rg, rg == 999)), "t", Config{Field: "c"})
		require.NoError(t, err)
		got, err := readItems(t, r)
		require.NoError(t, err)
		require.Equal(t, len(want), len(got))
		assert.Equal(t, want, got, "row groups of %d", rg)
	}
}

func TestCorruptInputs(t *testing.T) {
	recs := sampleRecords(t)
	inputs := map[string][]byte{
		"arrow-file":   arrowIPC(t, sampleSchema, recs, false),
		"arrow-stream": arrowIPC(t, sampleSchema, recs, true),
		"parquet":      parquetFile(t, sampleSchema, recs, 2, false),
	}
	for name, data := range inputs {
		t.Run(name, func(t *testing.T) {
			// Every truncation and some byte flips: an error, never a panic.
			for n := 0; n < len(data); n += max(1, len(data)/200) {
				r, err := NewReader(bytes.NewReader(data[:n]), name, Config{Field: "label"})
				if err == nil {
					_, _ = readItems(t, r)
					r.Close()
				}
			}
			for i := 0; i < len(data); i += max(1, len(data)/300) {
				bad := bytes.Clone(data)
				bad[i] ^= 0xff
				r, err := NewReader(bytes.NewReader(bad), name, Config{Field: "label"})
				if err == nil {
					_, _ = readItems(t, r)
					r.Close()
				}
			}
		})
	}
}

func TestMalformed(t *testing.T) {
	recs := sampleRecords(t)
	af := arrowIPC(t, sampleSchema, recs, false)
	as := arrowIPC(t, sampleSchema, recs, true)
	pq := parquetFile(t, sampleSchema, recs, 2, false)
	tests := []struct {
		name   string
		format Format
		in     []byte
		msg    string
	}{
		{"text as Parquet", Parquet, []byte("hello\n"), "x: malformed Parquet file: parquet: file too small (size=6)"},
		{"truncated Arrow file", Auto, af[:len(af)-20], "x: malformed Arrow IPC file: arrow/ipc: could not decode footer: arrow/ipc: not an Arrow file"},
		{"truncated Arrow stream", Auto, as[:len(as)-20], "x: row 7: malformed Arrow record batch: arrow/ipc: reading a message body: unexpected EOF"},
		{"truncated Parquet", Auto, pq[:len(pq)-20], "x: malformed Parquet file: parquet: file is smaller than indicated metadata size"},
		// Without the metadata checks arrow-go would allocate 2^31 fields and die.
		{"huge field count in an Arrow stream", Auto, hugeFieldCount(t, as, 8),
			"x: malformed Arrow IPC stream: arrow/ipc: could not read message schema: malformed Arrow IPC metadata: offsets or lengths out of bounds"},
		{"huge field count in an Arrow file", Auto, hugeFieldCount(t, af, 16),
			"x: malformed Arrow IPC metadata: offsets or lengths out of bounds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewReader(bytes.NewReader(tt.in), "x", Config{Format: tt.format, Field: "label"})
			if err == nil {
				_, err = readItems(t, r)
			}
			require.ErrorIs(t, err, ErrFormat)
			assert.EqualError(t, err, tt.msg)
		})
	}
}

// hugeFieldCount returns a copy of an IPC stream or file whose first message
// (its metadata at off) has a schema claiming 2^31-1 fields. In a file, the
// footer's schema is changed too.
func hugeFieldCount(t *testing.T, ipcData []byte, off int) []byte {
	t.Helper()
	out := bytes.Clone(ipcData)
	patch := func(schema fbTable) {
		p, ok := schema.ref(schemaFields)
		require.True(t, ok)
		require.Positive(t, p)
		binary.LittleEndian.PutUint32(schema.b[p:], 0x7fffffff)
	}
	msg, ok := fbRoot(out[off:])
	require.True(t, ok)
	h, present, ok := msg.table(msgHeader)
	require.True(t, ok && present)
	patch(h)
	if string(out[len(out)-6:]) == "ARROW1" {
		flen := int(binary.LittleEndian.Uint32(out[len(out)-10:]))
		footer, ok := fbRoot(out[len(out)-10-flen : len(out)-10])
		require.True(t, ok)
		s, present, ok := footer.table(footerSchema)
		require.True(t, ok && present)
		patch(s)
	}
	return out
}
