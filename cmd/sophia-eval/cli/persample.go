package cli

import (
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/schema"

	"github.com/sophia-ai/sophia-eval/internal/atomicfile"
	"github.com/sophia-ai/sophia-eval/rouge"
)

// writePerSample writes every item's scores to path, atomically: JSONL, or Parquet
// when the name ends in .parquet.
func writePerSample(path string, items *rouge.Items) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		if isParquetName(path) {
			return perSampleParquet(w, items)
		}
		return perSampleJSONL(w, items)
	})
}

// perSampleParquet writes one row per item: "index", and for every type T the
// columns T_precision, T_recall, T_fmeasure (double) and T_reference (int32: the
// chosen reference, null when the item has one reference), zstd-compressed.
func perSampleParquet(w io.Writer, items *rouge.Items) error {
	n := items.Len()
	fields := schema.FieldList{mustNode(schema.NewPrimitiveNode("index", parquet.Repetitions.Required, parquet.Types.Int64, -1, -1))}
	for _, t := range items.Types {
		for _, m := range []string{"precision", "recall", "fmeasure"} {
			fields = append(fields, mustNode(schema.NewPrimitiveNode(t+"_"+m, parquet.Repetitions.Required, parquet.Types.Double, -1, -1)))
		}
		fields = append(fields, mustNode(schema.NewPrimitiveNode(t+"_reference", parquet.Repetitions.Optional, parquet.Types.Int32, -1, -1)))
	}
	root, err := schema.NewGroupNode("schema", parquet.Repetitions.Required, fields, -1)
	if err != nil {
		return err
	}
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Zstd))
	// The Parquet writer closes a sink that is an io.Closer; the file is the
	// caller's to sync and close.
	pw, err := file.NewParquetWriterWithError(struct{ io.Writer }{w}, root, file.WithWriterProps(props))
	if err != nil {
		return err
	}
	rg, err := pw.AppendRowGroupChecked()
	if err != nil {
		return err
	}
	next := func() (file.ColumnChunkWriter, error) { return rg.NextColumn() }

	cw, err := next()
	if err != nil {
		return err
	}
	index := make([]int64, n)
	for i := range index {
		index[i] = int64(i)
	}
	if _, err := cw.(*file.Int64ColumnChunkWriter).WriteBatch(index, nil, nil); err != nil {
		return err
	}
	vals := make([]float64, n)
	refs := make([]int32, 0, n)
	defs := make([]int16, n)
	T := len(items.Types)
	for k := range items.Types {
		for m := range 3 {
			cw, err := next()
			if err != nil {
				return err
			}
			for i := range vals {
				vals[i] = items.Values[(i*T+k)*3+m]
			}
			if _, err := cw.(*file.Float64ColumnChunkWriter).WriteBatch(vals, nil, nil); err != nil {
				return err
			}
		}
		cw, err := next()
		if err != nil {
			return err
		}
		refs = refs[:0]
		for i := range defs {
			defs[i] = 0
			if items.NRefs[i] > 1 {
				defs[i] = 1
				refs = append(refs, items.Refs[i*T+k])
			}
		}
		if _, err := cw.(*file.Int32ColumnChunkWriter).WriteBatch(refs, defs, nil); err != nil {
			return err
		}
	}
	if err := rg.Close(); err != nil {
		return err
	}
	return pw.Close()
}

func mustNode(n *schema.PrimitiveNode, err error) schema.Node {
	if err != nil {
		panic(fmt.Sprintf("per-sample schema: %v", err)) // the names and types are fixed
	}
	return n
}
