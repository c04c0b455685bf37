package nemo

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/sophia-ai/sophia-eval/internal/atomicfile"
)

// ErrStage means the data could not be staged for NeMo 2.
var ErrStage = errors.New("nemo: cannot stage data")

// Names of the files NeMo 2's FineTuningDataModule reads from its dataset root,
// and the record keys its default prompt template and label_key use.
const (
	StagedTrain      = "training.jsonl"
	StagedValidation = "validation.jsonl"
	StagedInputKey   = "input"
	StagedLabelKey   = "output"
)

// DatasetRoot is the default dataset root of a NeMo 2 run: the directory
// "dataset" in the run's log directory, <output_dir>/<run.name>/dataset.
func DatasetRoot(c *Config) string {
	return filepath.Join(c.Resolve(c.Run.OutputDir), c.Run.Name, "dataset")
}

// TrainSamples is the number of training samples NeMo 2 draws in a run:
// FineTuningDataModule.setup sets max_train_samples to
// ceil(global_batch_size x max_steps x 1.005).
func TrainSamples(c *Config) int64 {
	return int64(math.Ceil(float64(c.Training.GlobalBatchSize) * float64(c.Training.Steps) * 1.005))
}

// StagedFile is one file StageData wrote.
type StagedFile struct {
	Path  string `json:"path"`
	Items int64  `json:"items"`
	// From counts the lines taken from each source file, in config order.
	From []StagedSource `json:"from"`
}

// StagedSource is one source file's share of a staged file.
type StagedSource struct {
	Path   string  `json:"path"` // as written in the config
	Items  int64   `json:"items"`
	Weight float64 `json:"weight,omitempty"`
}

// Staged is what StageData wrote.
type Staged struct {
	Dir        string     `json:"dir"`
	Train      StagedFile `json:"train"`
	Validation StagedFile `json:"validation"`
}

// TrainShares splits n samples over the train files by their sampling weights
// (a single unweighted file gets everything) with the largest-remainder rule: each
// file gets floor(n x w), and the samples left over go one each to the files with
// the largest fractional parts, ties to the earlier file. The shares sum to n.
func TrainShares(c *Config, n int64) []int64 {
	k := len(c.Data.Train)
	shares := make([]int64, k)
	if k == 0 || n <= 0 {
		return shares
	}
	w := make([]float64, k)
	var sum float64
	for i, t := range c.Data.Train {
		w[i] = 1
		if t.Weight != nil {
			w[i] = *t.Weight
		} else if k > 1 {
			w[i] = 1 / float64(k)
		}
		sum += w[i]
	}
	if sum <= 0 {
		return shares
	}
	frac := make([]float64, k)
	var given int64
	for i := range w {
		exact := float64(n) * w[i] / sum
		shares[i] = int64(math.Floor(exact))
		frac[i] = exact - float64(shares[i])
		given += shares[i]
	}
	order := make([]int, k)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return frac[order[a]] > frac[order[b]] })
	for i := 0; given < n; i = (i + 1) % k {
		shares[order[i]]++
		given++
	}
	return shares
}

// StageData writes NeMo 2's fine-tuning data for c into dir (created if needed):
//
//   - training.jsonl: TrainSamples(c) records, the train files mixed by their
//     sampling weights. File i contributes TrainShares(c, n)[i] records, taken in
//     passes over the file, each pass in a fresh seeded random order (every line
//     once per pass, a partial last pass); the records of all files are then
//     shuffled together. The random source is PCG seeded with training.seed, so
//     the same config and data give the same bytes.
//   - validation.jsonl: every validation file's records in config order.
//
// Each record is rewritten with the input key renamed to "input" and the label
// key to "output" (FineTuningDataModule's defaults); other keys are kept unless
// named input or output. A bad line is an error naming path:line. Both files are
// written atomically, after every data file was read without error.
func StageData(ctx context.Context, c *Config, dir string) (*Staged, error) {
	if len(c.Data.Train) == 0 {
		return nil, fmt.Errorf("%w: data.train is empty", ErrStage)
	}
	if len(c.Data.Validation) == 0 {
		return nil, fmt.Errorf("%w: data.validation is empty: NeMo 2's FineTuningDataModule reads %s", ErrStage, StagedValidation)
	}
	n := TrainSamples(c)
	if n <= 0 {
		return nil, fmt.Errorf("%w: training.global_batch_size x training.steps is not positive", ErrStage)
	}
	shares := TrainShares(c, n)
	type pick struct{ file, line int32 }
	var files [][][]byte
	var picks []pick
	st := &Staged{Dir: dir}
	st.Train.Path = filepath.Join(dir, StagedTrain)
	for i, t := range c.Data.Train {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		recs, err := readStaged(c, t.File)
		if err != nil {
			return nil, err
		}
		src := StagedSource{Path: t.File, Items: shares[i]}
		if t.Weight != nil {
			src.Weight = *t.Weight
		}
		st.Train.From = append(st.Train.From, src)
		r := rand.New(rand.NewPCG(uint64(c.Training.Seed), uint64(i)+1))
		perm := make([]int32, len(recs))
		for taken := int64(0); taken < shares[i]; {
			for j := range perm {
				perm[j] = int32(j)
			}
			shuffle(r, len(perm), func(a, b int) { perm[a], perm[b] = perm[b], perm[a] })
			for _, j := range perm {
				if taken == shares[i] {
					break
				}
				picks = append(picks, pick{int32(i), j})
				taken++
			}
		}
		files = append(files, recs)
	}
	st.Validation.Path = filepath.Join(dir, StagedValidation)
	var val [][]byte
	for _, f := range c.Data.Validation {
		recs, err := readStaged(c, f)
		if err != nil {
			return nil, err
		}
		st.Validation.From = append(st.Validation.From, StagedSource{Path: f, Items: int64(len(recs))})
		val = append(val, recs...)
	}
	r := rand.New(rand.NewPCG(uint64(c.Training.Seed), 0))
	shuffle(r, len(picks), func(a, b int) { picks[a], picks[b] = picks[b], picks[a] })
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrStage, err)
	}
	err := atomicfile.Write(st.Train.Path, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 1<<16)
		for _, p := range picks {
			bw.Write(files[p.file][p.line])
		}
		return bw.Flush()
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrStage, err)
	}
	st.Train.Items = int64(len(picks))

	err = atomicfile.Write(st.Validation.Path, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 1<<16)
		for _, rec := range val {
			bw.Write(rec)
		}
		return bw.Flush()
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrStage, err)
	}
	st.Validation.Items = int64(len(val))
	return st, nil
}

// shuffle is Fisher-Yates with an unbiased bounded draw from r's Uint64, so its
// output depends only on the PCG stream, not on how math/rand/v2 implements
// Shuffle or IntN.
func shuffle(r *rand.Rand, n int, swap func(a, b int)) {
	for i := n - 1; i > 0; i-- {
		swap(i, int(bounded(r, uint64(i)+1)))
	}
}

// bounded returns a uniform number in [0, n) by rejection.
func bounded(r *rand.Rand, n uint64) uint64 {
	limit := -n % n // 2^64 mod n: draws below it would bias the result
	for {
		if v := r.Uint64(); v >= limit {
			return v % n
		}
	}
}

// readStaged reads one data file (path as in the config) and returns its records
// rewritten for NeMo 2, each ending in a newline.
func readStaged(c *Config, path string) ([][]byte, error) {
	f, err := os.Open(c.Resolve(path))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrStage, err)
	}
	defer f.Close()
	var out [][]byte
	r := bufio.NewReaderSize(f, 1<<16)
	for line := 1; ; line++ {
		text, err := r.ReadBytes('\n')
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("%w: %s: %v", ErrStage, path, err)
		}
		if len(text) == 0 && err == io.EOF {
			break
		}
		rec, msg := stagedRecord(bytes.TrimRight(text, "\r\n"), c.Data.InputKey, c.Data.LabelKey)
		if msg != "" {
			return nil, fmt.Errorf("%w: %s:%d: %s", ErrStage, path, line, msg)
		}
		out = append(out, rec)
		if err == io.EOF {
			break
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: %s: file is empty", ErrStage, path)
	}
	return out, nil
}

// stagedRecord rewrites one JSONL record with the input key as "input" and the
// label key as "output"; msg says what is wrong with a bad line.
func stagedRecord(text []byte, inKey, labelKey string) (rec []byte, msg string) {
	m, msg := decodeRecord(text)
	if msg != "" {
		return nil, msg
	}
	if m == nil {
		return nil, "not a JSON object: null"
	}
	out := make(map[string]json.RawMessage, len(m))
	for k, v := range m {
		if k != inKey && k != labelKey {
			out[k] = v
		}
	}
	for _, kk := range [][2]string{{inKey, StagedInputKey}, {labelKey, StagedLabelKey}} {
		if _, msg := stringField(m, kk[0]); msg != "" {
			return nil, msg
		}
		out[kk[1]] = m[kk[0]]
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b) // sorted keys, one line, newline-terminated
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return nil, err.Error()
	}
	return b.Bytes(), ""
}

// StagedTemplate is data.prompt_template with the input and label placeholders
// renamed to {input} and {output}, matching the staged records.
func StagedTemplate(c *Config) string {
	r := strings.NewReplacer("{"+c.Data.InputKey+"}", "{"+StagedInputKey+"}", "{"+c.Data.LabelKey+"}", "{"+StagedLabelKey+"}")
	return r.Replace(c.Data.PromptTemplate)
}
