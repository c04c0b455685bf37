package checkpoint

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
)

// ErrUnknownLayout is returned by ValidatePath for a file or directory that is no
// checkpoint layout it knows.
var ErrUnknownLayout = errors.New("checkpoint: not a recognised checkpoint layout")

// Magic numbers used to detect layouts by content.
var (
	gzipMagic = []byte{0x1f, 0x8b}
	zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}
	zipMagic  = []byte("PK\x03\x04")
)

// isTar reports whether b (at least 512 bytes) starts with a tar header.
func isTar(b []byte) bool {
	return len(b) >= 512 && (bytes.HasPrefix(b[257:], []byte("ustar")))
}

// ValidatePath validates the checkpoint at path, whatever its layout, detected by
// content, not by name:
//   - a file: safetensors, gzip- or zstd-compressed safetensors, a NeMo 1.x .nemo
//     archive (tar or tar.gz), a torch.save zip (.ckpt, .pt, .bin);
//   - a directory: a Hugging Face sharded checkpoint (*.safetensors.index.json), a
//     PEFT adapter (adapter_config.json), a NeMo 2.0 checkpoint (context/, weights/).
//
// The error is non-nil only when validation could not finish; an unknown layout is
// ErrUnknownLayout.
func ValidatePath(ctx context.Context, path string, c Config) (*Report, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	var rep *Report
	if fi.IsDir() {
		rep, err = validateDir(ctx, path, c)
	} else {
		rep, err = validateFileByContent(ctx, path, c)
	}
	if rep != nil && rep.Path == "" {
		rep.Path = path
	}
	return rep, err
}

func validateFileByContent(ctx context.Context, path string, c Config) (*Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	head := make([]byte, 512)
	n, err := io.ReadFull(f, head)
	f.Close()
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	head = head[:n]
	switch {
	case bytes.HasPrefix(head, gzipMagic):
		return validateCompressed(ctx, path, "gzip", c)
	case bytes.HasPrefix(head, zstdMagic):
		return validateCompressed(ctx, path, "zstd", c)
	case bytes.HasPrefix(head, zipMagic):
		return validateTorchZip(ctx, path, c)
	case isTar(head):
		return validateNeMoArchive(ctx, path, c)
	}
	return ValidateFile(ctx, path, c)
}

func validateDir(ctx context.Context, dir string, c Config) (*Report, error) {
	idx, err := filepath.Glob(filepath.Join(dir, "*.safetensors.index.json"))
	if err != nil {
		return nil, err
	}
	switch {
	case exists(filepath.Join(dir, "adapter_config.json")):
		return validatePEFT(ctx, dir, c)
	case len(idx) > 0:
		return validateSharded(ctx, dir, idx, c)
	case exists(filepath.Join(dir, "context")) || exists(filepath.Join(dir, "weights")):
		return validateNeMo2(ctx, dir, c)
	}
	if rep, err := validatePlainDir(ctx, dir, c); rep != nil || err != nil {
		return rep, err
	}
	return nil, fmt.Errorf("%s: %w: a directory needs *.safetensors files, a *.safetensors.index.json, an adapter_config.json, or NeMo 2's context/ and weights/", dir, ErrUnknownLayout)
}

// validatePlainDir validates a directory of safetensors files without an index (a
// Hugging Face "checkpoint-500/" with model.safetensors, say): each top-level
// *.safetensors file, merged into one KindDirectory report. It returns nil, nil
// when there is none.
func validatePlainDir(ctx context.Context, dir string, c Config) (*Report, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.safetensors"))
	if err != nil {
		return nil, err
	}
	slices.Sort(files)
	out := &Report{Path: dir, Kind: KindDirectory}
	for _, f := range files {
		fi, err := os.Stat(f)
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		r, err := ValidateFile(ctx, f, c)
		if err != nil {
			return nil, err
		}
		base := filepath.Base(f)
		out.Size += r.Size
		out.Files = append(out.Files, r)
		for _, t := range r.Tensors {
			t.File = base
			out.Tensors = append(out.Tensors, t)
		}
		for _, fd := range r.Findings {
			fd.File = base
			out.Findings = append(out.Findings, fd)
		}
	}
	if len(out.Files) == 0 {
		return nil, nil
	}
	return out, nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
