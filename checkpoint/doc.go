// Package checkpoint validates model checkpoints as they stream off disk: safetensors
// files with every rule of the reference reader (the Rust safetensors crate that
// Python's safe_open calls), in its order and with its accept/reject decisions, plus
// NaN/Inf counts, optional per-tensor statistics and the file's SHA-256 in the same
// single pass; and the layouts fine-tunes produce around them: Hugging Face sharded
// checkpoints, PEFT LoRA adapter directories, gzip/zstd-compressed files, NeMo
// archives and torch.save zips.
//
// [Validate], [ValidateStream] and [ValidateAt] read one safetensors file; the
// [ValidatePath] entry point detects the layout by content. All of them return a
// [Report] whose Findings say what is wrong, each with a Severity, a stable Code,
// the tensor and the byte offset, wrapping one of the package's sentinel errors
// (test with errors.Is). The returned error means "could not finish" (a read
// error, a cancelled context), never "found a problem".
//
// Memory is bounded by a constant independent of the file size: the header (at
// most 100 MB by the format's rule) plus a fixed number of 512 KiB chunk buffers.
// Reports are identical for any number of workers and for the streaming and
// ReaderAt paths, statistics included, because chunk boundaries are fixed.
package checkpoint
