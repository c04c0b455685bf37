// Package sample holds the small sample corpus that "sophia-eval demo" scores: the
// predictions of a fine-tuned model and of its baseline on 20 customer-support
// questions, in NeMo's prediction format (one JSON object per line with "input",
// "pred" and "label"). The texts were written for this project.
package sample

import (
	"bytes"
	_ "embed"
	"io"
)

//go:embed predictions.jsonl
var predictions []byte

//go:embed baseline.jsonl
var baseline []byte

// Predictions returns the fine-tuned model's predictions as NeMo JSONL.
func Predictions() io.Reader { return bytes.NewReader(predictions) }

// Baseline returns the baseline model's predictions as NeMo JSONL.
func Baseline() io.Reader { return bytes.NewReader(baseline) }
