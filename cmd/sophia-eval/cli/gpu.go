package cli

import (
	"fmt"
	"math"
	"time"

	"github.com/spf13/cobra"

	"github.com/sophia-ai/sophia-eval/gpu"
)

func newGPUCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "gpu",
		Short: "Inventory, pre-flight checks and monitoring of NVIDIA GPUs (NVML)",
		Long: `Read the NVIDIA GPUs of this machine through NVML: the inventory of driver
and devices, the runbook's pre-flight checks before a run, and a monitor that
samples the GPUs during a run, writes the time series and raises alerts.

NVML is compiled in only with cgo and the nvml build tag:
  go install -tags nvml github.com/sophia-ai/sophia-eval/cmd/sophia-eval@latest
Other builds, and machines without the NVIDIA driver, report "no NVIDIA
driver" (exit 1; exit 2 from preflight). See docs/gpu.md.`,
	}
	cmd.AddCommand(newGPUInfoCmd(e), newGPUPreflightCmd(e), newGPUMonitorCmd(e))
	return cmd
}

func (e *env) openGPU() (gpu.System, error) {
	if e.gpuOpen != nil {
		return e.gpuOpen()
	}
	return gpu.Open()
}

func (e *env) clock() time.Time {
	if e.now != nil {
		return e.now()
	}
	return time.Now()
}

func checkFormat(format string) error {
	if format != "text" && format != "json" {
		return fmt.Errorf("invalid --format %q: want text or json", format)
	}
	return nil
}

// num is v for JSON: nil (null) when v is NaN.
func num(v float64) *float64 {
	if math.IsNaN(v) {
		return nil
	}
	return &v
}

// orNA formats a value that may be missing.
func orNA(ok bool, supported bool, f func() string) string {
	switch {
	case ok:
		return f()
	case !supported:
		return "not supported"
	}
	return "n/a"
}

// cudaVersion is the CUDA version the driver supports, like "12.4"; "" when
// unknown.
func cudaVersion(inv *gpu.Inventory) string {
	if inv.CUDADriverVersion <= 0 {
		return ""
	}
	return gpu.CUDAString(inv.CUDADriverVersion)
}
