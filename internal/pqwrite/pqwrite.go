// Package pqwrite writes a table held in memory as a Parquet file: one row
// group, zstd-compressed, flat columns of int32, int64, double, boolean and UTF-8
// strings, each required or optional (null where a row has no value). It is the
// per-item output of the scorers and the audit, which are small enough to hold.
package pqwrite

import (
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/schema"
)

// A Column is one named column of values, one per row. Build it with Int32,
// Int64, Float64, Bool or String; a nil valid mask makes it required, a mask
// makes it optional with a null in every row whose entry is false.
type Column struct {
	name  string
	typ   parquet.Type
	str   bool
	rows  int
	valid []bool
	write func(cw file.ColumnChunkWriter, defs []int16) error
}

func column[T any](name string, typ parquet.Type, v []T, valid []bool, write func(file.ColumnChunkWriter, []T, []int16) error) Column {
	return Column{name: name, typ: typ, rows: len(v), valid: valid, write: func(cw file.ColumnChunkWriter, defs []int16) error {
		if defs == nil {
			return write(cw, v, nil)
		}
		// Only the values of non-null rows are written.
		kept := make([]T, 0, len(v))
		for i, ok := range valid {
			if ok {
				kept = append(kept, v[i])
			}
		}
		return write(cw, kept, defs)
	}}
}

// batchWriter is the typed column chunk writer of values of type T.
type batchWriter[T any] interface {
	WriteBatch(values []T, defLevels, repLevels []int16) (int64, error)
}

// writeBatch writes v with definition levels d through cw, a W.
func writeBatch[T any, W batchWriter[T]](cw file.ColumnChunkWriter, v []T, d []int16) error {
	_, err := cw.(W).WriteBatch(v, d, nil)
	return err
}

// Int32 is a column of 32-bit integers.
func Int32(name string, v []int32, valid []bool) Column {
	return column(name, parquet.Types.Int32, v, valid, writeBatch[int32, *file.Int32ColumnChunkWriter])
}

// Int64 is a column of 64-bit integers.
func Int64(name string, v []int64, valid []bool) Column {
	return column(name, parquet.Types.Int64, v, valid, writeBatch[int64, *file.Int64ColumnChunkWriter])
}

// Float64 is a column of doubles.
func Float64(name string, v []float64, valid []bool) Column {
	return column(name, parquet.Types.Double, v, valid, writeBatch[float64, *file.Float64ColumnChunkWriter])
}

// Bool is a column of booleans.
func Bool(name string, v []bool, valid []bool) Column {
	return column(name, parquet.Types.Boolean, v, valid, writeBatch[bool, *file.BooleanColumnChunkWriter])
}

// String is a column of UTF-8 strings (BYTE_ARRAY with the STRING logical type).
func String(name string, v []string, valid []bool) Column {
	c := column(name, parquet.Types.ByteArray, v, valid, func(cw file.ColumnChunkWriter, v []string, d []int16) error {
		b := make([]parquet.ByteArray, len(v))
		for i, s := range v {
			b[i] = parquet.ByteArray(s)
		}
		return writeBatch[parquet.ByteArray, *file.ByteArrayColumnChunkWriter](cw, b, d)
	})
	c.str = true
	return c
}

func (c *Column) node() (schema.Node, error) {
	rep := parquet.Repetitions.Required
	if c.valid != nil {
		rep = parquet.Repetitions.Optional
	}
	if c.str {
		return schema.NewPrimitiveNodeLogical(c.name, rep, schema.StringLogicalType{}, c.typ, -1, -1)
	}
	return schema.NewPrimitiveNode(c.name, rep, c.typ, -1, -1)
}

// Write writes the columns to w as one Parquet file. Every column must have the
// same number of rows, and a mask as many entries as its column has values. w is
// not closed: a file is the caller's to sync and close.
func Write(w io.Writer, cols ...Column) error {
	fields := make(schema.FieldList, len(cols))
	for i := range cols {
		c := &cols[i]
		if c.rows != cols[0].rows || c.valid != nil && len(c.valid) != c.rows {
			return fmt.Errorf("pqwrite: column %q has %d rows and %d mask entries; column %q has %d rows",
				c.name, c.rows, len(c.valid), cols[0].name, cols[0].rows)
		}
		n, err := c.node()
		if err != nil {
			return fmt.Errorf("pqwrite: column %q: %w", c.name, err)
		}
		fields[i] = n
	}
	root, err := schema.NewGroupNode("schema", parquet.Repetitions.Required, fields, -1)
	if err != nil {
		return fmt.Errorf("pqwrite: %w", err)
	}
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Zstd))
	// The Parquet writer closes a sink that is an io.Closer: hide Close from it.
	pw, err := file.NewParquetWriterWithError(struct{ io.Writer }{w}, root, file.WithWriterProps(props))
	if err != nil {
		return err
	}
	rg, err := pw.AppendRowGroupChecked()
	if err != nil {
		return err
	}
	for i := range cols {
		cw, err := rg.NextColumn()
		if err != nil {
			return err
		}
		var defs []int16
		if v := cols[i].valid; v != nil {
			defs = make([]int16, len(v))
			for j, ok := range v {
				if ok {
					defs[j] = 1
				}
			}
		}
		if err := cols[i].write(cw, defs); err != nil {
			return fmt.Errorf("pqwrite: column %q: %w", cols[i].name, err)
		}
	}
	if err := rg.Close(); err != nil {
		return err
	}
	return pw.Close()
}
