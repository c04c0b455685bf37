// Package gpu reads the NVIDIA GPUs of a machine through NVML: an inventory of driver
// and devices, the pre-flight checks of the fine-tuning runbook, and a sampler that
// monitors a run with alert rules.
//
// All logic works on the small [System] and [Device] interfaces. [Open] returns the
// NVML implementation; package gputest has a fake for tests. On a machine without the
// NVIDIA driver, and in binaries built without NVML (CGO_ENABLED=0, or without the
// nvml build tag), Open returns an error wrapping [ErrNoDriver]. After NVML failed to
// load once, the package never calls into it again: any further NVML call would kill
// the process.
package gpu // import "github.com/sophia-ai/sophia-eval/gpu"
