package cli

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runCLI runs sophia-eval with args in dir and returns its exit code, stdout and stderr.
func runCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &stdout, &stderr,
		func(string) string { return "" })
	return code, stdout.String(), stderr.String()
}

func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, data, 0o644))
	return p
}

const (
	testHyps = "The cat sat on the mat.\nIt is raining today.\nA quick brown fox.\n"
	testRefs = "The cat is on the mat.\nIt rains today.\nThe quick brown fox jumps.\n"
)

func nemoJSONL(hyps, refs string) []byte {
	var b bytes.Buffer
	h := strings.Split(strings.TrimSuffix(hyps, "\n"), "\n")
	r := strings.Split(strings.TrimSuffix(refs, "\n"), "\n")
	for i := range h {
		line, _ := json.Marshal(map[string]string{"input": "q", "pred": h[i], "label": r[i]})
		b.Write(line)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// TestBLEUInputFormats checks that a NeMo prediction file, plain or compressed, gives
// the same score as the equivalent text files.
func TestBLEUInputFormats(t *testing.T) {
	dir := t.TempDir()
	hyp := writeFile(t, dir, "hyp.txt", []byte(testHyps))
	ref := writeFile(t, dir, "ref.txt", []byte(testRefs))
	code, want, stderr := runCLI(t, "", "bleu", ref, "-i", hyp, "-f", "text")
	require.Equal(t, 0, code, stderr)

	jsonl := nemoJSONL(testHyps, testRefs)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(jsonl)
	zw.Close()
	enc, err := zstd.NewWriter(nil)
	require.NoError(t, err)
	zst := enc.EncodeAll(jsonl, nil)
	for name, data := range map[string][]byte{"preds.jsonl": jsonl, "preds.data": gz.Bytes(), "preds.bin": zst} {
		p := writeFile(t, dir, name, data)
		code, got, stderr := runCLI(t, "", "bleu", p, "-i", p, "-f", "text")
		require.Equal(t, 0, code, "%s: %s", name, stderr)
		assert.Equal(t, want, got, name)
	}

	// Explicit fields, and the NeMo 2 field name.
	var b bytes.Buffer
	for i, h := range strings.Split(strings.TrimSuffix(testHyps, "\n"), "\n") {
		line, _ := json.Marshal(map[string]any{"prediction": h, "gold": []string{strings.Split(testRefs, "\n")[i]}})
		b.Write(line)
		b.WriteByte('\n')
	}
	p := writeFile(t, dir, "nemo2.jsonl", b.Bytes())
	code, got, stderr := runCLI(t, "", "bleu", p, "-i", p, "--ref-field", "gold", "-f", "text")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, want, got)
}

// TestBLEUMissingRef checks the "no reference here" marker: the signature says
// nrefs:var and the score equals the API's with the reference left out.
func TestBLEUMissingRef(t *testing.T) {
	dir := t.TempDir()
	hyp := writeFile(t, dir, "hyp.txt", []byte(testHyps))
	ref := writeFile(t, dir, "ref.txt", []byte(testRefs))
	ref2 := writeFile(t, dir, "ref2.txt", []byte("NONE\nIt is raining.\nNONE\n"))
	code, out, stderr := runCLI(t, "", "bleu", ref, ref2, "-i", hyp, "--missing-ref", "NONE", "-f", "text")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "nrefs:var|")

	// Without the marker "NONE" is a real reference and every segment has two.
	code, out, _ = runCLI(t, "", "bleu", ref, ref2, "-i", hyp, "-f", "text")
	require.Equal(t, 0, code)
	assert.Contains(t, out, "nrefs:2|")

	// Every reference of a segment absent: an error, nothing on stdout.
	ref3 := writeFile(t, dir, "ref3.txt", []byte("NONE\nx\nx\n"))
	code, out, stderr = runCLI(t, "", "bleu", ref3, "-i", hyp, "--missing-ref", "NONE")
	assert.Equal(t, ExitError, code)
	assert.Empty(t, out)
	assert.Contains(t, stderr, "segment 1: bleu: segment has no reference")
}

// TestBLEUBadInput checks that bad input is exit 1 with a message naming the file and
// the line, and nothing on stdout.
func TestBLEUBadInput(t *testing.T) {
	dir := t.TempDir()
	ref := writeFile(t, dir, "ref.txt", []byte(testRefs))
	tests := []struct {
		name, file, data string
		args             []string
		want             string
	}{
		{"invalid UTF-8", "bad.txt", "ok\nbad \xff byte\nok\n", nil, "bad.txt:2"},
		{"missing field", "p.jsonl", `{"pred":"a"}` + "\n" + `{"input":"b"}` + "\n" + `{"pred":"c"}` + "\n", nil, "p.jsonl:2"},
		{"not a string", "p.jsonl", `{"pred":"a"}` + "\n" + `{"pred":7}` + "\n" + `{"pred":"c"}` + "\n", nil, "p.jsonl:2"},
		{"field on text", "plain.txt", "a\nb\nc\n", []string{"--hyp-field", "answer"}, `field "answer" was given, but the file reads as plain text`},
		{"lengths", "short.txt", "a\nb\n", nil, "System and reference streams have different lengths."},
		{"missing file", "", "", nil, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, "does-not-exist.txt")
			if tt.file != "" {
				p = writeFile(t, dir, tt.file, []byte(tt.data))
			}
			code, out, stderr := runCLI(t, "", append([]string{"bleu", ref, "-i", p}, tt.args...)...)
			assert.Equal(t, ExitError, code)
			assert.Empty(t, out)
			assert.Contains(t, stderr, tt.want)
		})
	}
}

// TestBLEUStreamingMatchesInMemory checks that the streaming single-system path and
// the in-memory stdin path give the same output.
func TestBLEUStreamingMatchesInMemory(t *testing.T) {
	dir := t.TempDir()
	hyp := writeFile(t, dir, "hyp.txt", []byte(testHyps))
	ref := writeFile(t, dir, "ref.txt", []byte(testRefs))
	_, fromFile, _ := runCLI(t, "", "bleu", ref, "-i", hyp)
	_, fromStdin, _ := runCLI(t, testHyps, "bleu", ref)
	assert.Equal(t, fromFile, fromStdin)
	for _, w := range []string{"1", "2", "7"} {
		_, got, _ := runCLI(t, "", "bleu", ref, "-i", hyp, "--workers", w)
		assert.Equal(t, fromFile, got, "workers=%s", w)
	}
}

func TestVersionAndUsage(t *testing.T) {
	code, out, _ := runCLI(t, "", "version")
	require.Equal(t, 0, code)
	assert.Contains(t, out, "sacreBLEU 2.6.0")

	code, _, stderr := runCLI(t, "", "bleu", "--no-such-flag")
	assert.Equal(t, ExitError, code)
	assert.Contains(t, stderr, "unknown flag")
}

func TestInterrupted(t *testing.T) {
	dir := t.TempDir()
	hyp := writeFile(t, dir, "hyp.txt", []byte(testHyps))
	ref := writeFile(t, dir, "ref.txt", []byte(testRefs))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr bytes.Buffer
	code := run(ctx, []string{"bleu", ref, "-i", hyp}, strings.NewReader(""), &stdout, &stderr, func(string) string { return "" })
	assert.Equal(t, ExitInterrupted, code)
	assert.Empty(t, stdout.String())
}
