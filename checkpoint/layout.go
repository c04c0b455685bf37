package checkpoint

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
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
	return nil, fmt.Errorf("%s: %w: a directory needs a *.safetensors.index.json, an adapter_config.json, or NeMo 2's context/ and weights/", dir, ErrUnknownLayout)
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
