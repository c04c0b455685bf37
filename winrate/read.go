package winrate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"unicode/utf8"
)

// Format is an input format.
type Format string

// Input formats.
const (
	// FormatAuto detects the format from the keys of the first record.
	FormatAuto Format = ""
	// FormatAlpacaEval is AlpacaEval's annotations.json: a JSON array of objects
	// with generator_1 (the baseline), generator_2 (the model), output_1,
	// output_2, instruction, dataset and preference (1 baseline, 2 model, 1.5 or
	// the legacy 0 a draw, a value between from a logprob judge, null or NaN when
	// the judge failed).
	FormatAlpacaEval Format = "alpaca_eval"
	// FormatArena is a Chatbot Arena battle log (JSON array or JSONL): model_a,
	// model_b and winner ("model_a", "model_b", "tie" or "tie (bothbad)"),
	// optionally question_id. Outcomes are from model_a's side.
	FormatArena Format = "arena"
	// FormatArenaHard is an Arena-Hard judgment file (JSONL): uid, model,
	// optionally category and baseline, and games: two judgments whose score is
	// one of A>>B, A>B, A=B, B>A, B>>A (or B<<A, B<A, B=A, A<B, A<<B); game 1 has
	// the baseline as A, game 2 the model. A strong preference counts
	// ReadConfig.StrongWeight times (3, as Arena-Hard).
	FormatArenaHard Format = "arena_hard"
	// FormatSimple is JSONL of {"id", "model", "baseline", "outcome"} with outcome
	// in [0, 1] from the model's side, and optionally category, model_length and
	// baseline_length.
	FormatSimple Format = "simple"
	// FormatScores is JSONL of per-item metric scores of the two systems:
	// {"id", "model", "baseline", "model_score", "baseline_score"} (names
	// optional); see [FromScores] for how they become outcomes.
	FormatScores Format = "scores"
)

// ParseFormat returns the Format named s ("auto" or "" for FormatAuto).
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case "auto", FormatAuto:
		return FormatAuto, nil
	case FormatAlpacaEval, FormatArena, FormatArenaHard, FormatSimple, FormatScores:
		return f, nil
	}
	return "", fmt.Errorf("%w: %q (want auto, alpaca_eval, arena, arena_hard, simple or scores)", ErrFormat, s)
}

// ReadConfig says how to read comparisons. The zero value detects the format.
type ReadConfig struct {
	// Format is the input format. Default: FormatAuto.
	Format Format
	// Baseline names the baseline of Arena-Hard judgments without a baseline
	// field, and of score records without one. Default: "baseline".
	Baseline string
	// Model names the model of score records without a model field.
	// Default: "model".
	Model string
	// StrongWeight is how many outcomes an Arena-Hard strong preference (>>)
	// counts. Default: 3.
	StrongWeight int
	// TieMargin is the score difference up to which two metric scores are a draw
	// (FormatScores). Default: 0.
	TieMargin float64
}

func (c ReadConfig) withDefaults() (ReadConfig, error) {
	if c.Baseline == "" {
		c.Baseline = "baseline"
	}
	if c.Model == "" {
		c.Model = "model"
	}
	if c.StrongWeight == 0 {
		c.StrongWeight = 3
	}
	if c.StrongWeight < 0 {
		return c, fmt.Errorf("%w: strong weight %d must be positive", ErrConfig, c.StrongWeight)
	}
	if !(c.TieMargin >= 0) || math.IsInf(c.TieMargin, 0) {
		return c, fmt.Errorf("%w: tie margin %v must be finite and 0 or more", ErrConfig, c.TieMargin)
	}
	if _, err := ParseFormat(string(c.Format)); err != nil {
		return c, err
	}
	return c, nil
}

// ReadInfo describes what a reader found.
type ReadInfo struct {
	// Format is the format read (the detected one under FormatAuto).
	Format Format
	// Records is the number of records read.
	Records int
	// Dropped is the number of records left out because the judge failed (a null
	// or NaN AlpacaEval preference, a null Arena-Hard game).
	Dropped int
}

// RecordError is a bad record: File and Record (1-based) say where, Line is the
// line the record starts on.
type RecordError struct {
	File   string
	Record int
	Line   int
	Err    error
}

func (e *RecordError) Error() string {
	return fmt.Sprintf("%s: record %d (line %d): %v", e.File, e.Record, e.Line, e.Err)
}

func (e *RecordError) Unwrap() error { return e.Err }

// ReadFile reads the comparisons of the named file.
func ReadFile(name string, c ReadConfig) ([]Comparison, ReadInfo, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, ReadInfo{}, err
	}
	return Parse(data, name, c)
}

// Read reads all of r and parses it; name is used in errors.
func Read(r io.Reader, name string, c ReadConfig) ([]Comparison, ReadInfo, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, ReadInfo{}, fmt.Errorf("reading %s: %w", name, err)
	}
	return Parse(data, name, c)
}

// Parse reads the comparisons in data, a JSON array of records or JSON Lines;
// name is used in errors. Python's NaN, Infinity and -Infinity are accepted
// outside strings (AlpacaEval's files may hold them), as null.
func Parse(data []byte, name string, c ReadConfig) ([]Comparison, ReadInfo, error) {
	c, err := c.withDefaults()
	if err != nil {
		return nil, ReadInfo{}, err
	}
	data = pythonLiterals(data)
	info := ReadInfo{Format: c.Format}
	var out []Comparison
	var it records
	it.init(data)
	for {
		raw, err := it.next()
		if err == io.EOF {
			break
		}
		info.Records++
		fail := func(err error) error {
			return &RecordError{File: name, Record: info.Records, Line: it.line(), Err: err}
		}
		if err != nil {
			return nil, info, fail(err)
		}
		if info.Format == FormatAuto {
			if info.Format, err = detect(raw); err != nil {
				return nil, info, fail(err)
			}
		}
		n := len(out)
		out, err = parseRecord(out, raw, info.Format, &c)
		if err != nil {
			return nil, info, fail(err)
		}
		if len(out) == n {
			info.Dropped++
		}
	}
	if info.Records == 0 {
		return nil, info, fmt.Errorf("%s: %w", name, ErrNoData)
	}
	return out, info, nil
}

// detect picks the format from the keys of a record.
func detect(raw []byte) (Format, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return "", fmt.Errorf("%w: %v", ErrRecord, err)
	}
	has := func(k string) bool { _, ok := m[k]; return ok }
	switch {
	case has("preference"):
		return FormatAlpacaEval, nil
	case has("winner") && has("model_a"):
		return FormatArena, nil
	case has("games"):
		return FormatArenaHard, nil
	case has("outcome"):
		return FormatSimple, nil
	case has("model_score") && has("baseline_score"):
		return FormatScores, nil
	}
	return "", fmt.Errorf("%w: no preference, winner, games, outcome or model_score field", ErrFormat)
}

func parseRecord(out []Comparison, raw []byte, f Format, c *ReadConfig) ([]Comparison, error) {
	switch f {
	case FormatAlpacaEval:
		return parseAlpacaEval(out, raw)
	case FormatArena:
		return parseArena(out, raw)
	case FormatArenaHard:
		return parseArenaHard(out, raw, c)
	case FormatSimple:
		return parseSimple(out, raw)
	case FormatScores:
		return parseScores(out, raw, c)
	}
	return out, ErrFormat
}

func decodeRecord(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %v", ErrRecord, err)
	}
	return nil
}

func required(field string) error { return fmt.Errorf("%w: missing or empty %s", ErrRecord, field) }

type alpacaRecord struct {
	Instruction string          `json:"instruction"`
	Output1     *string         `json:"output_1"`
	Output2     *string         `json:"output_2"`
	Generator1  string          `json:"generator_1"`
	Generator2  string          `json:"generator_2"`
	Dataset     string          `json:"dataset"`
	Preference  json.RawMessage `json:"preference"`
}

// parseAlpacaEval maps a preference v to the outcome v - 1 after the legacy draw
// 0 becomes 1.5, and drops null and NaN. AlpacaEval also drops other values
// outside [1, 2] silently; here they are errors.
func parseAlpacaEval(out []Comparison, raw []byte) ([]Comparison, error) {
	var r alpacaRecord
	if err := decodeRecord(raw, &r); err != nil {
		return out, err
	}
	if r.Generator1 == "" {
		return out, required("generator_1")
	}
	if r.Generator2 == "" {
		return out, required("generator_2")
	}
	if len(r.Preference) == 0 {
		return out, required("preference")
	}
	if string(r.Preference) == "null" {
		return out, nil // the judge failed
	}
	v, err := strconv.ParseFloat(string(r.Preference), 64)
	if err != nil {
		return out, fmt.Errorf("%w: preference %s is not a number", ErrRecord, r.Preference)
	}
	if v == 0 {
		v = 1.5
	}
	if !(v >= 1 && v <= 2) {
		return out, fmt.Errorf("%w: preference %s is not in [1, 2] (or 0 for a draw)", ErrOutcome, r.Preference)
	}
	c := Comparison{
		Item: r.Instruction, Model: r.Generator2, Baseline: r.Generator1, Outcome: v - 1,
		ModelLen: strLen(r.Output2), BaselineLen: strLen(r.Output1), Category: r.Dataset,
	}
	return append(out, c), nil
}

func strLen(s *string) int {
	if s == nil {
		return -1
	}
	return utf8.RuneCountInString(*s)
}

type arenaRecord struct {
	ModelA     string          `json:"model_a"`
	ModelB     string          `json:"model_b"`
	Winner     *string         `json:"winner"`
	QuestionID json.RawMessage `json:"question_id"`
	Category   string          `json:"category"`
}

func parseArena(out []Comparison, raw []byte) ([]Comparison, error) {
	var r arenaRecord
	if err := decodeRecord(raw, &r); err != nil {
		return out, err
	}
	if r.ModelA == "" {
		return out, required("model_a")
	}
	if r.ModelB == "" {
		return out, required("model_b")
	}
	if r.Winner == nil {
		return out, required("winner")
	}
	var o float64
	switch *r.Winner {
	case "model_a":
		o = 1
	case "model_b":
		o = 0
	case "tie", "tie (bothbad)":
		o = 0.5
	default:
		return out, fmt.Errorf("%w: winner %q (want model_a, model_b, tie or tie (bothbad))", ErrRecord, *r.Winner)
	}
	return append(out, Comparison{
		Item: idString(r.QuestionID), Model: r.ModelA, Baseline: r.ModelB, Outcome: o,
		ModelLen: -1, BaselineLen: -1, Category: r.Category,
	}), nil
}

// idString returns a JSON string's value or a number's text; "" otherwise.
func idString(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

type arenaHardRecord struct {
	UID        json.RawMessage `json:"uid"`
	QuestionID json.RawMessage `json:"question_id"`
	Model      string          `json:"model"`
	Baseline   string          `json:"baseline"`
	Category   string          `json:"category"`
	Games      []*struct {
		Score *string `json:"score"`
	} `json:"games"`
}

// arenaHardLabels maps a judgment label to (outcome for A, strong).
var arenaHardLabels = map[string]struct {
	a      float64
	strong bool
}{
	"A>>B": {1, true}, "A>B": {1, false}, "A=B": {0.5, false}, "A<B": {0, false}, "A<<B": {0, true},
	"B<<A": {1, true}, "B<A": {1, false}, "B=A": {0.5, false}, "B>A": {0, false}, "B>>A": {0, true},
}

// parseArenaHard expands a judgment into its outcomes, as Arena-Hard's
// show_result.py: game 2 (model as A) first, then game 1 (baseline as A), a
// strong preference repeated StrongWeight times. A record with a null game or
// score is dropped whole.
func parseArenaHard(out []Comparison, raw []byte, c *ReadConfig) ([]Comparison, error) {
	var r arenaHardRecord
	if err := decodeRecord(raw, &r); err != nil {
		return out, err
	}
	if r.Model == "" {
		return out, required("model")
	}
	if len(r.Games) != 2 {
		return out, fmt.Errorf("%w: games has %d judgments, want 2", ErrRecord, len(r.Games))
	}
	if r.Games[0] == nil || r.Games[1] == nil || r.Games[0].Score == nil || r.Games[1].Score == nil {
		return out, nil
	}
	base := r.Baseline
	if base == "" {
		base = c.Baseline
	}
	item := idString(r.UID)
	if item == "" {
		item = idString(r.QuestionID)
	}
	for g, swap := range []bool{false, true} {
		game := r.Games[1-g]
		l, ok := arenaHardLabels[*game.Score]
		if !ok {
			return out, fmt.Errorf("%w: game %d score %q (want A>>B, A>B, A=B, B>A or B>>A)", ErrRecord, 2-g, *game.Score)
		}
		o := l.a // game 2: the model is A
		if swap {
			o = 1 - l.a // game 1: the baseline is A
		}
		k := 1
		if l.strong {
			k = c.StrongWeight
		}
		for range k {
			out = append(out, Comparison{Item: item, Model: r.Model, Baseline: base, Outcome: o,
				ModelLen: -1, BaselineLen: -1, Category: r.Category})
		}
	}
	return out, nil
}

type simpleRecord struct {
	ID          json.RawMessage `json:"id"`
	Model       string          `json:"model"`
	Baseline    string          `json:"baseline"`
	Outcome     *float64        `json:"outcome"`
	Category    string          `json:"category"`
	ModelLen    *int            `json:"model_length"`
	BaselineLen *int            `json:"baseline_length"`
}

func parseSimple(out []Comparison, raw []byte) ([]Comparison, error) {
	var r simpleRecord
	if err := decodeRecord(raw, &r); err != nil {
		return out, err
	}
	if r.Model == "" {
		return out, required("model")
	}
	if r.Baseline == "" {
		return out, required("baseline")
	}
	if r.Outcome == nil {
		return out, required("outcome")
	}
	if !validOutcome(*r.Outcome) {
		return out, fmt.Errorf("%w: outcome %v is not in [0, 1]", ErrOutcome, *r.Outcome)
	}
	c := Comparison{Item: idString(r.ID), Model: r.Model, Baseline: r.Baseline, Outcome: *r.Outcome,
		ModelLen: -1, BaselineLen: -1, Category: r.Category}
	if r.ModelLen != nil {
		c.ModelLen = *r.ModelLen
	}
	if r.BaselineLen != nil {
		c.BaselineLen = *r.BaselineLen
	}
	if c.ModelLen < -1 || c.BaselineLen < -1 {
		return out, fmt.Errorf("%w: negative length", ErrRecord)
	}
	return append(out, c), nil
}

type scoresRecord struct {
	ID            json.RawMessage `json:"id"`
	Model         string          `json:"model"`
	Baseline      string          `json:"baseline"`
	ModelScore    *float64        `json:"model_score"`
	BaselineScore *float64        `json:"baseline_score"`
	Category      string          `json:"category"`
}

func parseScores(out []Comparison, raw []byte, c *ReadConfig) ([]Comparison, error) {
	var r scoresRecord
	if err := decodeRecord(raw, &r); err != nil {
		return out, err
	}
	if r.ModelScore == nil {
		return out, required("model_score")
	}
	if r.BaselineScore == nil {
		return out, required("baseline_score")
	}
	if r.Model == "" {
		r.Model = c.Model
	}
	if r.Baseline == "" {
		r.Baseline = c.Baseline
	}
	return append(out, Comparison{Item: idString(r.ID), Model: r.Model, Baseline: r.Baseline,
		Outcome:  scoreOutcome(*r.ModelScore, *r.BaselineScore, c.TieMargin),
		ModelLen: -1, BaselineLen: -1, Category: r.Category}), nil
}

// records iterates over the top-level records of a JSON array or of JSON Lines
// (any sequence of JSON values).
type records struct {
	data  []byte
	dec   *json.Decoder
	array bool
	start int64 // offset of the current record
}

func (it *records) init(data []byte) {
	it.data = data
	it.dec = json.NewDecoder(bytes.NewReader(data))
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) > 0 && trimmed[0] == '[' {
		it.array = true
	}
}

var errNotObject = errors.New("record is not a JSON object")

func (it *records) next() (json.RawMessage, error) {
	if it.array && it.dec.InputOffset() == 0 {
		if _, err := it.dec.Token(); err != nil { // '['
			return nil, fmt.Errorf("%w: %v", ErrRecord, err)
		}
	}
	if it.array && !it.dec.More() {
		if _, err := it.dec.Token(); err != nil { // ']'
			return nil, fmt.Errorf("%w: %v", ErrRecord, err)
		}
		if _, err := it.dec.Token(); err != io.EOF {
			return nil, fmt.Errorf("%w: data after the closing ]", ErrRecord)
		}
		return nil, io.EOF
	}
	it.start = it.dec.InputOffset()
	var raw json.RawMessage
	if err := it.dec.Decode(&raw); err != nil {
		if err == io.EOF && !it.array {
			return nil, io.EOF
		}
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("%w: %v", ErrRecord, err)
	}
	if len(raw) == 0 || raw[0] != '{' {
		return nil, fmt.Errorf("%w: %v", ErrRecord, errNotObject)
	}
	return raw, nil
}

// line returns the 1-based line on which the current record starts.
func (it *records) line() int {
	off := min(int(it.start), len(it.data))
	// skip the separator and whitespace before the record
	for off < len(it.data) && (it.data[off] == ',' || it.data[off] == ' ' || it.data[off] == '\t' ||
		it.data[off] == '\r' || it.data[off] == '\n') {
		off++
	}
	return 1 + bytes.Count(it.data[:off], []byte{'\n'})
}

// pythonLiterals replaces the NaN, Infinity and -Infinity that Python's json
// writes outside strings with null, so that the standard decoder reads them. It
// returns data itself when there are none.
func pythonLiterals(data []byte) []byte {
	var out []byte
	last := 0 // data[last:i] is not yet in out
	inStr := false
	for i := 0; i < len(data); i++ {
		ch := data[i]
		if inStr {
			switch ch {
			case '\\':
				i++
			case '"':
				inStr = false
			}
			continue
		}
		var lit string
		switch ch {
		case '"':
			inStr = true
			continue
		case 'N':
			lit = "NaN"
		case 'I':
			lit = "Infinity"
		case '-':
			lit = "-Infinity"
		default:
			continue
		}
		if !bytes.HasPrefix(data[i:], []byte(lit)) {
			continue
		}
		out = append(append(out, data[last:i]...), "null"...)
		i += len(lit) - 1
		last = i + 1
	}
	if out == nil {
		return data
	}
	return append(out, data[last:]...)
}
