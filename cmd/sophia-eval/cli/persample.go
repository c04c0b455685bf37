package cli

import (
	"io"

	"github.com/sophia-ai/sophia-eval/internal/atomicfile"
	"github.com/sophia-ai/sophia-eval/internal/pqwrite"
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
	index := make([]int64, n)
	for i := range index {
		index[i] = int64(i)
	}
	cols := []pqwrite.Column{pqwrite.Int64("index", index, nil)}
	multi := make([]bool, n)
	for i := range multi {
		multi[i] = items.NRefs[i] > 1
	}
	T := len(items.Types)
	for k, t := range items.Types {
		for m, name := range []string{"precision", "recall", "fmeasure"} {
			vals := make([]float64, n)
			for i := range vals {
				vals[i] = items.Values[(i*T+k)*3+m]
			}
			cols = append(cols, pqwrite.Float64(t+"_"+name, vals, nil))
		}
		refs := make([]int32, n)
		for i := range refs {
			refs[i] = items.Refs[i*T+k]
		}
		cols = append(cols, pqwrite.Int32(t+"_reference", refs, multi))
	}
	return pqwrite.Write(w, cols...)
}
