package standin

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/sophia-ai/sophia-eval/internal/atomicfile"
)

// PredictionFile is the path NeMo's generate step writes the predictions of the
// test set named name to, for model.data.test_ds.output_file_path_prefix prefix.
func PredictionFile(prefix, name string) string {
	return prefix + "_test_" + name + "_inputs_preds_labels.jsonl"
}

// fillers replace words of the label in the stand-in's predictions.
var fillers = []string{"bitte", "gerne", "also", "please", "indeed", "kindly"}

// writePredictions writes one predictions file per test file, when
// model.data.test_ds.write_predictions_to_file is set.
func (t *trainer) writePredictions() error {
	files := t.h.strings("model.data.test_ds.file_names")
	if len(files) == 0 || !t.h.bool("model.data.test_ds.write_predictions_to_file", false) {
		return nil
	}
	prefix := t.h.str("model.data.test_ds.output_file_path_prefix", "")
	if prefix == "" {
		return fmt.Errorf("model.data.test_ds.output_file_path_prefix is not set")
	}
	names := t.h.strings("model.data.test_ds.names")
	labelKey := t.h.str("model.data.test_ds.label_key", "output")
	template := t.h.str("model.data.test_ds.prompt_template", "{input} {output}")
	if err := os.MkdirAll(filepath.Dir(prefix), 0o755); err != nil {
		return err
	}
	for i, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), filepath.Ext(f))
		if i < len(names) && names[i] != "" {
			name = names[i]
		}
		out := PredictionFile(prefix, name)
		n, err := t.predictFile(f, out, uint64(i), labelKey, template)
		if err != nil {
			return err
		}
		t.printf("[NeMo I] Predictions saved to %s (%d items)\n", out, n)
	}
	return nil
}

func (t *trainer) predictFile(in, out string, fileIdx uint64, labelKey, template string) (int, error) {
	f, err := os.Open(in)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	n := 0
	err = atomicfile.Write(out, func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		enc := json.NewEncoder(bw)
		enc.SetEscapeHTML(false)
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64<<10), 64<<20)
		line := 0
		for sc.Scan() {
			line++
			if strings.TrimSpace(sc.Text()) == "" {
				continue
			}
			var rec map[string]any
			if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
				return fmt.Errorf("%s:%d: %w", in, line, err)
			}
			label, _ := rec[labelKey].(string)
			item := struct {
				Input string `json:"input"`
				Pred  string `json:"pred"`
				Label string `json:"label"`
			}{promptInput(template, labelKey, rec), t.predict(label, fileIdx, uint64(line)), label}
			if err := enc.Encode(item); err != nil {
				return err
			}
			n++
		}
		if err := sc.Err(); err != nil {
			return fmt.Errorf("reading %s: %w", in, err)
		}
		return bw.Flush()
	})
	return n, err
}

// promptInput is the prompt NeMo feeds the model: the template up to the label
// field, with the other fields filled in from the record.
func promptInput(template, labelKey string, rec map[string]any) string {
	if i := strings.Index(template, "{"+labelKey+"}"); i >= 0 {
		template = template[:i]
	}
	s := templateField.ReplaceAllStringFunc(template, func(m string) string {
		k := templateField.FindStringSubmatch(m)[1]
		if v, ok := rec[k]; ok {
			return fmt.Sprint(v)
		}
		return m
	})
	return strings.TrimSpace(s)
}

// predict derives a prediction from the label: about one word in eight is
// dropped and one in twelve replaced, deterministically from the seed.
func (t *trainer) predict(label string, fileIdx, line uint64) string {
	words := strings.Fields(label)
	var out []string
	for i, w := range words {
		r := noise(t.seed, 6, fileIdx, line, uint64(i))
		switch {
		case r < -0.75:
			continue
		case r < -0.58:
			out = append(out, fillers[int((r+1)*1000)%len(fillers)])
		default:
			out = append(out, w)
		}
	}
	if len(out) == 0 && len(words) > 0 {
		out = words[:1]
	}
	return strings.Join(out, " ")
}
