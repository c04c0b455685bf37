package nemo

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/sophia-ai/sophia-eval/internal/corpus"
)

// Default fields of prediction files: NeMo 1's {input, pred, label}, NeMo 2's
// {prediction, label}.
var (
	predFields  = []string{"pred", "prediction"}
	labelFields = []string{"label"}
	idFields    = []string{"id"}
	inputFields = []string{"input"}
)

// ReadOptions says how prediction files are read. The zero value reads NeMo's
// prediction files: the prediction from "pred" or "prediction", the reference from
// "label", the item's id from "id" and its prompt from "input" (the last two when
// the first record has them).
type ReadOptions struct {
	// Format is the input format: "auto" (or ""), "text", "jsonl", "arrow" or
	// "parquet". Default: detected from the content.
	Format string
	// PredField is the field or column of the predictions. Default: the first of
	// "pred" and "prediction" present.
	PredField string
	// RefField is the field or column of the references; a list of strings is
	// several references. Default: "label".
	RefField string
	// IDField is the field that names an item (a string, or a JSON number read as
	// its text). Default: "id" when the first record has it; when named, it must be
	// present.
	IDField string
	// InputField is the field of the prompt, shown in the review sample and used
	// to check that items matched by order are the same. Default: "input" when the
	// first record has it.
	InputField string
}

// system is one model's predictions, in file order.
type system struct {
	name   string
	preds  []string
	labels [][]string // nil when the file has none
	ids    []string   // nil when the file has none
	inputs []string   // nil when the file has none
	lines  []int64    // line (text, JSONL) or row (Arrow, Parquet) of each item
}

func (s *system) where(i int) string { return fmt.Sprintf("%s:%d", s.name, s.lines[i]) }

// item names item i for messages: its id, else its line.
func (s *system) item(i int) string {
	if s.ids != nil {
		return fmt.Sprintf("%q (%s)", s.ids[i], s.where(i))
	}
	return s.where(i)
}

// opener opens named inputs.
type opener func(name string) (io.ReadCloser, error)

func openFile(name string) (io.ReadCloser, error) { return os.Open(name) }

// readField reads one field of every item of name. With optional set, a field
// that the first record lacks gives (nil, nil).
func readField(ctx context.Context, open opener, name string, c corpus.Config, optional bool) ([]corpus.Item, corpus.Format, error) {
	f, err := open(name)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	r, err := corpus.NewReader(f, name, c)
	if err != nil {
		return nil, 0, err
	}
	defer r.Close()
	items, err := r.ReadAll(ctx)
	if err != nil {
		var ce *corpus.Error
		if optional && errors.Is(err, corpus.ErrMissingField) && errors.As(err, &ce) && ce.Line <= 1 {
			return nil, r.Format(), nil
		}
		return nil, r.Format(), err
	}
	return items, r.Format(), nil
}

// readSystem reads the predictions, and the references, ids and inputs where the
// file has them, of one model.
func readSystem(ctx context.Context, open opener, name string, o ReadOptions) (*system, error) {
	format, err := corpus.ParseFormat(o.Format)
	if err != nil {
		return nil, err
	}
	cfg := func(field string, fields []string) corpus.Config {
		return corpus.Config{Format: format, Field: field, Fields: fields, KeepTrailingSpace: true, NumbersAsText: true}
	}
	preds, got, err := readField(ctx, open, name, cfg(o.PredField, predFields), false)
	if err != nil {
		return nil, err
	}
	s := &system{name: name, preds: make([]string, len(preds)), lines: make([]int64, len(preds))}
	for i, it := range preds {
		if len(it.Texts) > 0 {
			s.preds[i] = it.Texts[0]
		}
		s.lines[i] = it.Line
	}
	if got == corpus.Text {
		return s, nil
	}
	labels, _, err := readField(ctx, open, name, cfg(o.RefField, labelFields), o.RefField == "")
	if err != nil {
		return nil, err
	}
	if labels != nil {
		s.labels = make([][]string, len(labels))
		for i, it := range labels {
			s.labels[i] = it.Texts
		}
	}
	ids, _, err := readField(ctx, open, name, cfg(o.IDField, idFields), o.IDField == "")
	if err != nil {
		return nil, err
	}
	if ids != nil {
		s.ids = make([]string, len(ids))
		for i, it := range ids {
			if it.Null || len(it.Texts) != 1 {
				return nil, fmt.Errorf("%s: %w: the id is not one string or number", s.where(i), ErrScoreInput)
			}
			s.ids[i] = it.Texts[0]
		}
	}
	inputs, _, err := readField(ctx, open, name, cfg(o.InputField, inputFields), o.InputField == "")
	if err != nil {
		return nil, err
	}
	if inputs != nil {
		s.inputs = make([]string, len(inputs))
		for i, it := range inputs {
			s.inputs[i] = strings.Join(it.Texts, "\n")
		}
	}
	return s, nil
}

// readReferences reads the references from a separate file (one item per
// prediction, in order).
func readReferences(ctx context.Context, open opener, s *system, name string, o ReadOptions) error {
	format, err := corpus.ParseFormat(o.Format)
	if err != nil {
		return err
	}
	items, _, err := readField(ctx, open, name, corpus.Config{Format: format, Field: o.RefField, Fields: labelFields, KeepTrailingSpace: true}, false)
	if err != nil {
		return err
	}
	if err := corpus.CheckSameLength(s.name, len(s.preds), name, len(items)); err != nil {
		return fmt.Errorf("%w: %w", ErrMismatch, err)
	}
	s.labels = make([][]string, len(items))
	for i, it := range items {
		s.labels[i] = it.Texts
	}
	return nil
}

// checkIDs reports the first repeated id of s.
func (s *system) checkIDs() error {
	seen := make(map[string]int, len(s.ids))
	for i, id := range s.ids {
		if j, dup := seen[id]; dup {
			return fmt.Errorf("%w: id %q appears twice in %s, at lines %d and %d", ErrMismatch, id, s.name, s.lines[j], s.lines[i])
		}
		seen[id] = i
	}
	return nil
}

// align reorders base so that base item i is the baseline's prediction of tuned
// item i: by id when both files have ids, otherwise by order. It returns how the
// items were matched ("id" or "order").
func align(tuned, base *system) (string, error) {
	if tuned.ids != nil && base.ids != nil {
		if err := tuned.checkIDs(); err != nil {
			return "", err
		}
		if err := base.checkIDs(); err != nil {
			return "", err
		}
		at := make(map[string]int, len(base.ids))
		for i, id := range base.ids {
			at[id] = i
		}
		order := make([]int, len(tuned.ids))
		for i, id := range tuned.ids {
			j, ok := at[id]
			if !ok {
				return "", fmt.Errorf("%w: %s has no item with id %q (%s)", ErrMismatch, base.name, id, tuned.where(i))
			}
			order[i] = j
			delete(at, id)
		}
		if len(at) > 0 {
			first := -1
			for _, j := range at {
				if first < 0 || j < first {
					first = j
				}
			}
			return "", fmt.Errorf("%w: %s has no item with id %q (%s)", ErrMismatch, tuned.name, base.ids[first], base.where(first))
		}
		base.permute(order)
		return "id", nil
	}
	if len(tuned.preds) != len(base.preds) {
		return "", fmt.Errorf("%w: %s has %d items, %s has %d (items are matched by order when not both files have ids)",
			ErrMismatch, tuned.name, len(tuned.preds), base.name, len(base.preds))
	}
	if tuned.inputs != nil && base.inputs != nil {
		for i := range tuned.inputs {
			if tuned.inputs[i] != base.inputs[i] {
				return "", fmt.Errorf("%w: item %d has different inputs in %s and %s (items are matched by order when not both files have ids)",
					ErrMismatch, i+1, tuned.where(i), base.where(i))
			}
		}
	}
	return "order", nil
}

// permute reorders s so that its item i is the old item order[i].
func (s *system) permute(order []int) {
	preds, lines := make([]string, len(order)), make([]int64, len(order))
	var labels [][]string
	var ids, inputs []string
	if s.labels != nil {
		labels = make([][]string, len(order))
	}
	if s.ids != nil {
		ids = make([]string, len(order))
	}
	if s.inputs != nil {
		inputs = make([]string, len(order))
	}
	for i, j := range order {
		preds[i], lines[i] = s.preds[j], s.lines[j]
		if labels != nil {
			labels[i] = s.labels[j]
		}
		if ids != nil {
			ids[i] = s.ids[j]
		}
		if inputs != nil {
			inputs[i] = s.inputs[j]
		}
	}
	s.preds, s.lines, s.labels, s.ids, s.inputs = preds, lines, labels, ids, inputs
}

// keep keeps the items i with keep[i] set.
func (s *system) keep(keep []bool) {
	n := 0
	for i, k := range keep {
		if !k {
			continue
		}
		s.preds[n], s.lines[n] = s.preds[i], s.lines[i]
		if s.labels != nil {
			s.labels[n] = s.labels[i]
		}
		if s.ids != nil {
			s.ids[n] = s.ids[i]
		}
		if s.inputs != nil {
			s.inputs[n] = s.inputs[i]
		}
		n++
	}
	s.preds, s.lines = s.preds[:n], s.lines[:n]
	if s.labels != nil {
		s.labels = s.labels[:n]
	}
	if s.ids != nil {
		s.ids = s.ids[:n]
	}
	if s.inputs != nil {
		s.inputs = s.inputs[:n]
	}
}

// readExclude reads the names of excluded items: a plain list, one per line
// (blank lines and lines starting with # are skipped), or the JSON lines of
// sophia-eval audit data --results, of which the items whose verdict is not
// "clean" are taken, by id where they have one and otherwise by name.
func readExclude(open opener, name string) ([]string, error) {
	f, err := open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var names []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<26)
	jsonl := false
	for line := 1; sc.Scan(); line++ {
		t := strings.TrimSpace(sc.Text())
		if line == 1 {
			t = strings.TrimPrefix(t, "\ufeff")
		}
		if t == "" || (!jsonl && strings.HasPrefix(t, "#")) {
			continue
		}
		if len(names) == 0 && !jsonl && strings.HasPrefix(t, "{") {
			jsonl = true
		}
		if !jsonl {
			names = append(names, t)
			continue
		}
		var rec struct {
			ID      json.RawMessage `json:"id"`
			Name    string          `json:"name"`
			Verdict *string         `json:"verdict"`
		}
		if err := json.Unmarshal([]byte(t), &rec); err != nil {
			return nil, fmt.Errorf("%s:%d: %w: %v", name, line, ErrScoreInput, err)
		}
		if rec.Verdict == nil {
			return nil, fmt.Errorf("%s:%d: %w: a record without \"verdict\" (want the JSON lines of audit data --results)", name, line, ErrScoreInput)
		}
		if *rec.Verdict == "clean" {
			continue
		}
		id := ""
		if len(rec.ID) > 0 && string(rec.ID) != "null" {
			var s string
			if json.Unmarshal(rec.ID, &s) == nil {
				id = s
			} else {
				id = string(rec.ID) // a number, by its JSON text
			}
		}
		if id == "" {
			id = rec.Name
		}
		if id == "" {
			return nil, fmt.Errorf("%s:%d: %w: a contaminated item with neither id nor name", name, line, ErrScoreInput)
		}
		names = append(names, id)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	return names, nil
}

// excludeMask returns which items of s to keep, given the excluded names, and how
// many names matched no item. With ids, a name matches the item with that id;
// without, a name "FILE:N" (audit's name of an item without id) matches the item on
// line N of the predictions file.
func excludeMask(s *system, names []string) (keep []bool, unmatched int) {
	keep = make([]bool, len(s.preds))
	for i := range keep {
		keep[i] = true
	}
	at := make(map[string][]int, len(s.preds))
	if s.ids != nil {
		for i, id := range s.ids {
			at[id] = append(at[id], i)
		}
	} else {
		for i, l := range s.lines {
			k := strconv.FormatInt(l, 10)
			at[k] = append(at[k], i)
		}
	}
	for _, n := range slices.Compact(slices.Sorted(slices.Values(names))) {
		key := n
		if s.ids == nil {
			i := strings.LastIndexByte(n, ':')
			if i < 0 {
				unmatched++
				continue
			}
			key = n[i+1:]
		}
		idx, ok := at[key]
		if !ok {
			unmatched++
			continue
		}
		for _, i := range idx {
			keep[i] = false
		}
	}
	return keep, unmatched
}
