package pqwrite

import (
	"bytes"
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWriteReadBack(t *testing.T) {
	var buf bytes.Buffer
	valid := []bool{true, false, true}
	require.NoError(t, Write(&buf,
		Int64("line", []int64{1, 2, 3}, nil),
		Int32("ref", []int32{7, -1, 9}, valid),
		Float64("score", []float64{0.5, 99, 1.25}, valid),
		Bool("exact", []bool{true, false, true}, nil),
		String("id", []string{"a", "", "c"}, valid),
		String("name", []string{"x", "y", "z"}, nil),
	))
	tbl, err := pqarrow.ReadTable(context.Background(), bytes.NewReader(buf.Bytes()), nil, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	require.NoError(t, err)
	defer tbl.Release()
	require.EqualValues(t, 3, tbl.NumRows())
	s := tbl.Schema()
	var names []string
	for _, f := range s.Fields() {
		names = append(names, f.Name)
	}
	assert.Equal(t, []string{"line", "ref", "score", "exact", "id", "name"}, names)
	assert.False(t, s.Field(0).Nullable)
	assert.True(t, s.Field(1).Nullable)
	assert.Equal(t, arrow.BinaryTypes.String, s.Field(4).Type)

	col := func(i int) arrow.Array { return tbl.Column(i).Data().Chunk(0) }
	assert.Equal(t, []int64{1, 2, 3}, col(0).(*array.Int64).Int64Values())
	ref := col(1).(*array.Int32)
	assert.True(t, ref.IsNull(1))
	assert.Equal(t, int32(7), ref.Value(0))
	assert.Equal(t, int32(9), ref.Value(2))
	sc := col(2).(*array.Float64)
	assert.True(t, sc.IsNull(1))
	assert.Equal(t, 1.25, sc.Value(2))
	ex := col(3).(*array.Boolean)
	assert.True(t, ex.Value(0))
	assert.False(t, ex.Value(1))
	id := col(4).(*array.String)
	assert.Equal(t, "c", id.Value(2))
	assert.True(t, id.IsNull(1))
	assert.Equal(t, "y", col(5).(*array.String).Value(1))
}

func TestWriteMismatch(t *testing.T) {
	var buf bytes.Buffer
	err := Write(&buf, Int64("a", []int64{1, 2}, nil), Float64("b", []float64{1}, nil))
	assert.ErrorContains(t, err, `column "b" has 1 rows`)
	err = Write(&buf, Int64("a", []int64{1, 2}, []bool{true}))
	assert.ErrorContains(t, err, `column "a" has 2 rows and 1 mask entries`)
}

func TestWriteEmpty(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, Int64("a", nil, nil), String("b", nil, []bool{})))
	tbl, err := pqarrow.ReadTable(context.Background(), bytes.NewReader(buf.Bytes()), nil, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	require.NoError(t, err)
	defer tbl.Release()
	assert.EqualValues(t, 0, tbl.NumRows())
}
