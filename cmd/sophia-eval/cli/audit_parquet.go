package cli

import (
	"encoding/json"
	"io"

	"github.com/sophia-ai/sophia-eval/audit"
	"github.com/sophia-ai/sophia-eval/internal/pqwrite"
)

// auditResultsParquet writes one row per evaluation item, zstd-compressed, with
// the fields of the JSONL results: file, line, id (null when none), name,
// ngrams, hits, share, exact, verdict, and spans as a JSON string.
func auditResultsParquet(w io.Writer, res []audit.Result) error {
	n := len(res)
	files, ids, names, verdicts, spans := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	lines, ngrams, hits := make([]int64, n), make([]int64, n), make([]int64, n)
	shares, exact, hasID := make([]float64, n), make([]bool, n), make([]bool, n)
	for i := range res {
		r := &res[i]
		files[i], lines[i], names[i], verdicts[i] = r.File, r.Line, r.Name, r.Verdict.String()
		ids[i], hasID[i] = r.ID, r.ID != ""
		ngrams[i], hits[i], shares[i], exact[i] = int64(r.NGrams), int64(r.Hits), r.Share, r.Exact
		b, err := json.Marshal(r.Spans)
		if err != nil {
			return err
		}
		spans[i] = string(b)
	}
	return pqwrite.Write(w,
		pqwrite.String("file", files, nil), pqwrite.Int64("line", lines, nil),
		pqwrite.String("id", ids, hasID), pqwrite.String("name", names, nil),
		pqwrite.Int64("ngrams", ngrams, nil), pqwrite.Int64("hits", hits, nil),
		pqwrite.Float64("share", shares, nil), pqwrite.Bool("exact", exact, nil),
		pqwrite.String("verdict", verdicts, nil), pqwrite.String("spans", spans, nil))
}
