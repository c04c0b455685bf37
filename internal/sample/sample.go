// Package sample holds the small sample corpus that "sophia-eval demo" scores: the
// predictions of a fine-tuned model and of its baseline on 20 customer-support
// questions, in NeMo's prediction format (one JSON object per line with "input",
// "pred" and "label"). The texts were written for this project.
package sample

import (
	"bytes"
	"embed"
	"io"
	"io/fs"
)

//go:embed predictions.jsonl
var predictions []byte

//go:embed baseline.jsonl
var baseline []byte

// Predictions returns the fine-tuned model's predictions as NeMo JSONL.
func Predictions() io.Reader { return bytes.NewReader(predictions) }

// Baseline returns the baseline model's predictions as NeMo JSONL.
func Baseline() io.Reader { return bytes.NewReader(baseline) }

// project is the demo's fine-tune project: config/finetune/lora.yaml, its data,
// data inventory, base model stand-in and baseline predictions.
//
//go:embed project
var project embed.FS

// Project returns the demo project's files, rooted at the project directory:
// lora.yaml; data/ with two training files (28 items), validation (4) and
// evaluation (the 20 questions of Predictions, with ids); the data inventory
// orchestration_journal/data/datasets.md; models/sophia-mini.nemo (a model
// config only, no weights); and results/baseline/predictions.jsonl (Baseline's
// predictions). The texts were written for this project.
func Project() fs.FS {
	sub, err := fs.Sub(project, "project")
	if err != nil {
		panic(err) // the directory is embedded: it is there
	}
	return sub
}
