// Command safetensors_corpus writes the safetensors conformance corpus of stfile.Corpus to a
// directory: one <NNNN>-<name>.safetensors file per case and cases.json, which lists
// each case's name, file name, SHA-256 of its bytes, the code our validator is
// expected to report and a note. testdata/gen/safetensors_reference.sh runs the
// reference reader over these files.
//
//	go run ./testdata/gen/safetensors_corpus -seed 1 -out DIR
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/sophia-ai/sophia-eval/internal/stfile"
)

type entry struct {
	Name   string `json:"name"`
	File   string `json:"file"`
	SHA256 string `json:"sha256"`
	Want   string `json:"want"`
	Note   string `json:"note"`
}

type index struct {
	Seed  uint64  `json:"seed"`
	Cases []entry `json:"cases"`
}

func main() {
	seed := flag.Uint64("seed", 1, "corpus seed")
	out := flag.String("out", "", "output directory (created if missing)")
	flag.Parse()
	if *out == "" || flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: safetensors_corpus -seed N -out DIR")
		os.Exit(1)
	}
	if err := write(*seed, *out); err != nil {
		fmt.Fprintln(os.Stderr, "safetensors_corpus:", err)
		os.Exit(1)
	}
}

func write(seed uint64, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	idx := index{Seed: seed}
	for i, c := range stfile.Corpus(seed) {
		file := fmt.Sprintf("%04d-%s.safetensors", i+1, c.Name)
		if err := os.WriteFile(filepath.Join(dir, file), c.File, 0o644); err != nil {
			return err
		}
		sum := sha256.Sum256(c.File)
		idx.Cases = append(idx.Cases, entry{Name: c.Name, File: file, SHA256: hex.EncodeToString(sum[:]), Want: c.Want, Note: c.Note})
	}
	b, err := json.MarshalIndent(idx, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "cases.json"), append(b, '\n'), 0o644)
}
