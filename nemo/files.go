package nemo

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/sophia-ai/sophia-eval/audit"
)

// Roles of data files.
const (
	RoleTrain      = "train"
	RoleValidation = "validation"
	RoleEvaluation = "evaluation"
)

// FileStats describes one data file as read by ScanData.
type FileStats struct {
	Path  string `json:"path"` // as written in the config
	Role  string `json:"role"`
	Items int64  `json:"items"` // JSONL records (lines)
	Bytes int64  `json:"bytes"`
	// InputBytes and LabelBytes sum the lengths of the input and label strings.
	InputBytes int64 `json:"input_bytes"`
	LabelBytes int64 `json:"label_bytes"`
	OK         bool  `json:"ok"` // the file was read to the end without a finding
}

// Resolve returns p relative to the config's directory (absolute paths unchanged).
func (c *Config) Resolve(p string) string {
	if p == "" || filepath.IsAbs(p) || c.Dir == "" {
		return p
	}
	return filepath.Join(c.Dir, p)
}

type dataFile struct {
	path, cfgPath, role string
}

func (c *Config) dataFiles() []dataFile {
	var out []dataFile
	for i, t := range c.Data.Train {
		if t.File != "" {
			out = append(out, dataFile{t.File, fmt.Sprintf("data.train[%d].file", i), RoleTrain})
		}
	}
	for i, f := range c.Data.Validation {
		out = append(out, dataFile{f, fmt.Sprintf("data.validation[%d]", i), RoleValidation})
	}
	for i, f := range c.Data.Evaluation {
		out = append(out, dataFile{f, fmt.Sprintf("data.evaluation[%d]", i), RoleEvaluation})
	}
	return out
}

// leakLimit is the number of leak findings reported per file before a summary.
const leakLimit = 5

// ScanData reads every data file once: it checks that each is present, readable and
// JSONL whose every line is an object with the input and label keys as strings (the
// first bad line is reported), counts items, and looks for validation and evaluation
// inputs that appear verbatim among the training inputs: equal once both are
// normalised as the contamination audit does (audit.Fingerprint: case, punctuation
// and runs of white space do not count). Inputs with an empty normalisation are
// not compared.
func ScanData(ctx context.Context, c *Config) ([]FileStats, []Finding, error) {
	fs := &findings{c: c}
	type loc struct {
		file string
		line int64
	}
	train := map[uint64]loc{}
	var stats []FileStats
	for _, df := range c.dataFiles() {
		if err := ctx.Err(); err != nil {
			return stats, fs.out, err
		}
		st := FileStats{Path: df.path, Role: df.role}
		leaks := 0
		err := scanJSONL(c.Resolve(df.path), c.Data.InputKey, c.Data.LabelKey, &st, func(line int64, input string) {
			h, ok := audit.Fingerprint(input)
			if !ok {
				return
			}
			if df.role == RoleTrain {
				if _, ok := train[h]; !ok {
					train[h] = loc{df.path, line}
				}
				return
			}
			if l, ok := train[h]; ok {
				leaks++
				if leaks <= leakLimit {
					f := fs.add(Error, CodeLeak, df.cfgPath, ErrLeak, "%s item appears verbatim in the training data, up to case, punctuation and white space (%s:%d)", df.role, l.file, l.line)
					f.File, f.FileLine = df.path, int(line)
				}
			}
		})
		if leaks > leakLimit {
			f := fs.add(Error, CodeLeak, df.cfgPath, ErrLeak, "%d more %s items appear verbatim in the training data (%d in all)", leaks-leakLimit, df.role, leaks)
			f.File = df.path
		}
		var je *jsonlError
		switch {
		case err == nil:
			st.OK = leaks == 0
		case errors.As(err, &je):
			f := fs.add(Error, CodeJSONL, df.cfgPath, ErrJSONL, "%s", je.msg)
			f.File, f.FileLine = df.path, int(je.line)
		default:
			f := fs.add(Error, CodeFileMissing, df.cfgPath, ErrFile, "%v", unwrapPath(err))
			f.File = df.path
		}
		stats = append(stats, st)
	}
	return stats, fs.out, nil
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	return err
}

type jsonlError struct {
	line int64
	msg  string
}

func (e *jsonlError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

// scanJSONL reads path line by line. It stops at the first bad line with a
// *jsonlError, and calls item for every good one.
func scanJSONL(path, inKey, labelKey string, st *FileStats, item func(line int64, input string)) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return fmt.Errorf("%s is a directory, not a JSONL file", path)
	}
	r := bufio.NewReaderSize(f, 1<<16)
	var line int64
	var buf []byte
	for {
		buf = buf[:0]
		for {
			chunk, err := r.ReadSlice('\n')
			buf = append(buf, chunk...)
			if err == bufio.ErrBufferFull {
				continue
			}
			if err != nil && err != io.EOF {
				return err
			}
			break
		}
		if len(buf) == 0 {
			break
		}
		line++
		st.Bytes += int64(len(buf))
		text := bytes.TrimRight(buf, "\r\n")
		if msg := checkRecord(text, inKey, labelKey, st, line, item); msg != "" {
			return &jsonlError{line: line, msg: msg}
		}
		st.Items++
	}
	if line == 0 {
		return &jsonlError{line: 0, msg: "file is empty"}
	}
	return nil
}

func checkRecord(text []byte, inKey, labelKey string, st *FileStats, line int64, item func(int64, string)) string {
	rec, msg := decodeRecord(text)
	if msg != "" {
		return msg
	}
	in, msg := stringField(rec, inKey)
	if msg != "" {
		return msg
	}
	label, msg := stringField(rec, labelKey)
	if msg != "" {
		return msg
	}
	st.InputBytes += int64(len(in))
	st.LabelBytes += int64(len(label))
	item(line, in)
	return ""
}

// decodeRecord decodes one JSONL line as a JSON object (nil for a line "null");
// msg says what is wrong with a bad line. check and stage read lines alike.
func decodeRecord(text []byte) (rec map[string]json.RawMessage, msg string) {
	if len(bytes.TrimSpace(text)) == 0 {
		return nil, "empty line (NeMo reads one JSON object per line)"
	}
	if !utf8.Valid(text) {
		return nil, "not valid UTF-8"
	}
	if err := json.Unmarshal(text, &rec); err != nil {
		return nil, "not a JSON object: " + err.Error()
	}
	return rec, ""
}

// stringField returns the string at key k of rec; msg says why there is none.
func stringField(rec map[string]json.RawMessage, k string) (s, msg string) {
	raw, ok := rec[k]
	if !ok {
		return "", fmt.Sprintf("no %q key", k)
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Sprintf("%q is not a string", k)
	}
	return s, ""
}

// checkFiles runs the checks that read files: base model, data files, baseline
// predictions, inventory; and the small-eval-set warning.
func checkFiles(ctx context.Context, c *Config, opts CheckOptions) ([]Finding, error) {
	fs := &findings{c: c}
	for _, p := range []struct{ path, v string }{
		{"base_model.path", c.BaseModel.Path},
		{"evaluation.baseline_predictions", c.Evaluation.BaselinePredictions},
	} {
		if p.v == "" {
			continue
		}
		if _, err := os.Stat(c.Resolve(p.v)); err != nil {
			f := fs.add(Error, CodeFileMissing, p.path, ErrFile, "%v", unwrapPath(err))
			f.File = p.v
		}
	}
	stats, more, err := ScanData(ctx, c)
	fs.out = append(fs.out, more...)
	if err != nil {
		return fs.out, err
	}
	minEval := opts.MinEvalItems
	if minEval == 0 {
		minEval = 100
	}
	var evalItems int64
	evalOK := len(c.Data.Evaluation) > 0
	for _, s := range stats {
		if s.Role == RoleEvaluation {
			evalItems += s.Items
		}
	}
	if evalOK && evalItems < int64(minEval) {
		fs.add(Warning, CodeSmallEval, "data.evaluation", ErrSmallEval,
			"the evaluation set has %d items; fewer than %d give wide confidence intervals", evalItems, minEval)
	}
	fs.out = append(fs.out, checkInventory(c)...)
	return fs.out, nil
}

// checkInventory checks that every data file is listed in the inventory with an
// owner and an approval reference.
func checkInventory(c *Config) []Finding {
	fs := &findings{c: c}
	if c.Data.Inventory == "" {
		return nil
	}
	b, err := os.ReadFile(c.Resolve(c.Data.Inventory))
	if err != nil {
		f := fs.add(Error, CodeInventory, "data.inventory", ErrInventory, "cannot read the data inventory: %v", unwrapPath(err))
		f.File = c.Data.Inventory
		return fs.out
	}
	entries := ParseInventory(b)
	for _, df := range c.dataFiles() {
		e, ok := findEntry(entries, df.path)
		switch {
		case !ok:
			f := fs.add(Error, CodeInventory, df.cfgPath, ErrInventory, "%s is not listed in %s", df.path, c.Data.Inventory)
			f.File = c.Data.Inventory
		case placeholder(e.Owner):
			f := fs.add(Error, CodeInventory, df.cfgPath, ErrInventory, "%s has no owner in %s", df.path, c.Data.Inventory)
			f.File, f.FileLine = c.Data.Inventory, e.Line
		case placeholder(e.Approval):
			f := fs.add(Error, CodeInventory, df.cfgPath, ErrInventory, "%s has no approval reference in %s", df.path, c.Data.Inventory)
			f.File, f.FileLine = c.Data.Inventory, e.Line
		}
	}
	return fs.out
}

// InventoryEntry is one row of the data inventory.
type InventoryEntry struct {
	Path, Split, Owner, Approval string
	Line                         int
}

// ParseInventory reads the Markdown tables of orchestration_journal/data/datasets.md.
// A table counts when its header names a path column (Path, Pfad, File, Datei,
// Dataset, Datensatz), an owner column (Owner, Eigentümer) and an approval column
// (Approval, Freigabe, Freigabenachweis); a Split or Typ column is optional. Cells may
// quote paths in backticks.
func ParseInventory(b []byte) []InventoryEntry {
	var out []InventoryEntry
	cols := map[string]int(nil)
	lines := strings.Split(string(b), "\n")
	for i := 0; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		if !strings.HasPrefix(l, "|") {
			cols = nil
			continue
		}
		cells := splitRow(l)
		if cols == nil {
			if i+1 < len(lines) && isSeparator(strings.TrimSpace(lines[i+1])) {
				cols = headerColumns(cells)
				i++
			}
			continue
		}
		if len(cols) < 3 {
			continue
		}
		cell := func(k string) string {
			j, ok := cols[k]
			if !ok || j >= len(cells) {
				return ""
			}
			return strings.Trim(cells[j], "` ")
		}
		out = append(out, InventoryEntry{Path: cell("path"), Split: cell("split"), Owner: cell("owner"), Approval: cell("approval"), Line: i + 1})
	}
	return out
}

func splitRow(l string) []string {
	l = strings.TrimPrefix(l, "|")
	l = strings.TrimSuffix(l, "|")
	cells := strings.Split(l, "|")
	for i := range cells {
		cells[i] = strings.TrimSpace(cells[i])
	}
	return cells
}

func isSeparator(l string) bool {
	if !strings.HasPrefix(l, "|") {
		return false
	}
	return strings.Trim(l, "|-: ") == ""
}

func headerColumns(cells []string) map[string]int {
	cols := map[string]int{}
	for j, h := range cells {
		h = strings.ToLower(h)
		var k string
		switch {
		case strings.Contains(h, "owner") || strings.Contains(h, "eigentümer") || strings.Contains(h, "eigentuemer"):
			k = "owner"
		case strings.Contains(h, "approv") || strings.Contains(h, "freigabe"):
			k = "approval"
		case strings.Contains(h, "split") || h == "typ" || h == "type" || h == "rolle" || h == "role":
			k = "split"
		case strings.Contains(h, "path") || strings.Contains(h, "pfad") || strings.Contains(h, "file") ||
			strings.Contains(h, "datei") || strings.Contains(h, "dataset") || strings.Contains(h, "datensatz"):
			k = "path"
		}
		if _, dup := cols[k]; k != "" && !dup {
			cols[k] = j
		}
	}
	for _, k := range []string{"path", "owner", "approval"} {
		if _, ok := cols[k]; !ok {
			return map[string]int{}
		}
	}
	return cols
}

func findEntry(entries []InventoryEntry, path string) (InventoryEntry, bool) {
	clean := filepath.ToSlash(filepath.Clean(path))
	for _, e := range entries {
		if filepath.ToSlash(filepath.Clean(e.Path)) == clean {
			return e, true
		}
	}
	base := filepath.Base(clean)
	for _, e := range entries {
		if e.Path != "" && filepath.Base(filepath.ToSlash(filepath.Clean(e.Path))) == base {
			return e, true
		}
	}
	return InventoryEntry{}, false
}

func placeholder(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "-", "—", "–", "?", "tbd", "todo", "n/a", "na", "offen", "open", "pending", "ausstehend":
		return true
	}
	return false
}
