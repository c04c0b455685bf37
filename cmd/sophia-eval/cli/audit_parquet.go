package cli

import (
	"encoding/json"
	"io"

	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/schema"

	"github.com/sophia-ai/sophia-eval/audit"
)

// auditResultsParquet writes one row per evaluation item, zstd-compressed, with
// the fields of the JSONL results: file, line, id (null when none), name,
// ngrams, hits, share, exact, verdict, and spans as a JSON string.
func auditResultsParquet(w io.Writer, res []audit.Result) error {
	str := func(name string, rep parquet.Repetition) schema.Node {
		n, err := schema.NewPrimitiveNodeLogical(name, rep, schema.StringLogicalType{}, parquet.Types.ByteArray, -1, -1)
		if err != nil {
			panic(err) // fixed names and types
		}
		return n
	}
	prim := func(name string, t parquet.Type) schema.Node {
		return mustNode(schema.NewPrimitiveNode(name, parquet.Repetitions.Required, t, -1, -1))
	}
	fields := schema.FieldList{
		str("file", parquet.Repetitions.Required), prim("line", parquet.Types.Int64),
		str("id", parquet.Repetitions.Optional), str("name", parquet.Repetitions.Required),
		prim("ngrams", parquet.Types.Int64), prim("hits", parquet.Types.Int64),
		prim("share", parquet.Types.Double), prim("exact", parquet.Types.Boolean),
		str("verdict", parquet.Repetitions.Required), str("spans", parquet.Repetitions.Required),
	}
	root, err := schema.NewGroupNode("schema", parquet.Repetitions.Required, fields, -1)
	if err != nil {
		return err
	}
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Zstd))
	pw, err := file.NewParquetWriterWithError(struct{ io.Writer }{w}, root, file.WithWriterProps(props))
	if err != nil {
		return err
	}
	rg, err := pw.AppendRowGroupChecked()
	if err != nil {
		return err
	}
	n := len(res)
	strs := func(f func(*audit.Result) (string, bool)) ([]parquet.ByteArray, []int16) {
		v := make([]parquet.ByteArray, 0, n)
		defs := make([]int16, n)
		for i := range res {
			if s, ok := f(&res[i]); ok {
				v = append(v, parquet.ByteArray(s))
				defs[i] = 1
			}
		}
		return v, defs
	}
	ints := func(f func(*audit.Result) int64) []int64 {
		v := make([]int64, n)
		for i := range res {
			v[i] = f(&res[i])
		}
		return v
	}
	write := func(f func(file.ColumnChunkWriter) error) error {
		cw, err := rg.NextColumn()
		if err != nil {
			return err
		}
		return f(cw)
	}
	byteCol := func(f func(*audit.Result) (string, bool), optional bool) error {
		return write(func(cw file.ColumnChunkWriter) error {
			v, defs := strs(f)
			if !optional {
				defs = nil
			}
			_, err := cw.(*file.ByteArrayColumnChunkWriter).WriteBatch(v, defs, nil)
			return err
		})
	}
	intCol := func(f func(*audit.Result) int64) error {
		return write(func(cw file.ColumnChunkWriter) error {
			_, err := cw.(*file.Int64ColumnChunkWriter).WriteBatch(ints(f), nil, nil)
			return err
		})
	}
	shares := make([]float64, n)
	exact := make([]bool, n)
	for i := range res {
		shares[i], exact[i] = res[i].Share, res[i].Exact
	}
	steps := []func() error{
		func() error { return byteCol(func(r *audit.Result) (string, bool) { return r.File, true }, false) },
		func() error { return intCol(func(r *audit.Result) int64 { return r.Line }) },
		func() error { return byteCol(func(r *audit.Result) (string, bool) { return r.ID, r.ID != "" }, true) },
		func() error { return byteCol(func(r *audit.Result) (string, bool) { return r.Name, true }, false) },
		func() error { return intCol(func(r *audit.Result) int64 { return int64(r.NGrams) }) },
		func() error { return intCol(func(r *audit.Result) int64 { return int64(r.Hits) }) },
		func() error {
			return write(func(cw file.ColumnChunkWriter) error {
				_, err := cw.(*file.Float64ColumnChunkWriter).WriteBatch(shares, nil, nil)
				return err
			})
		},
		func() error {
			return write(func(cw file.ColumnChunkWriter) error {
				_, err := cw.(*file.BooleanColumnChunkWriter).WriteBatch(exact, nil, nil)
				return err
			})
		},
		func() error {
			return byteCol(func(r *audit.Result) (string, bool) { return r.Verdict.String(), true }, false)
		},
		func() error {
			return byteCol(func(r *audit.Result) (string, bool) {
				b, _ := json.Marshal(r.Spans)
				return string(b), true
			}, false)
		},
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return err
		}
	}
	if err := rg.Close(); err != nil {
		return err
	}
	return pw.Close()
}
