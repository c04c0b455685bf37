package cli

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/sophia-ai/sophia-eval/gpu"
)

func newGPUInfoCmd(e *env) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "info",
		Short: "Print the driver and every GPU: memory, utilisation, health, processes",
		Long: `info prints the NVIDIA driver version, the CUDA version it supports and the
NVML version, then for each GPU: index, name, UUID, PCI bus id, compute
capability, memory, utilisation, temperature, power, ECC mode and error counts,
retired pages and remapped rows, MIG mode, compute mode, clock throttle reasons
and the compute processes running on it.

A query the GPU does not support is shown as "not supported" (JSON: null, with
the query listed in not_supported); it is not an error.

Exit status: 0 ok; 1 no NVIDIA driver (or a binary built without NVML), or an
NVML failure.`,
		Example: `  sophia-eval gpu info
  sophia-eval gpu info --format json | jq '.devices[].memory.free'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkFormat(format); err != nil {
				return err
			}
			sys, err := e.openGPU()
			if err != nil {
				return err
			}
			defer sys.Close()
			inv, err := gpu.ReadInventory(cmd.Context(), sys)
			if err != nil {
				return err
			}
			if format == "json" {
				return writeJSONLine(e.stdout, inv)
			}
			printInventory(e.stdout, inv)
			return nil
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "text", "output format: text or json")
	return cmd
}

func printInventory(w io.Writer, inv *gpu.Inventory) {
	na := func(s string) string {
		if s == "" {
			return "unknown"
		}
		return s
	}
	fmt.Fprintf(w, "driver %s, CUDA %s, NVML %s, %s\n", na(inv.DriverVersion), na(cudaVersion(inv)), na(inv.NVMLVersion), plural(len(inv.Devices), "GPU"))
	for _, q := range inv.Errors {
		fmt.Fprintf(w, "  %s: error: %s\n", q.Query, q.Err)
	}
	for i := range inv.Devices {
		d := &inv.Devices[i]
		fmt.Fprintf(w, "\nGPU %d  %s  %s  %s  compute %s\n", d.Index, d.Name, d.UUID, d.PCIBusID, na(d.ComputeCapability))
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		row := func(k, v string) { fmt.Fprintf(tw, "  %s\t%s\n", k, v) }
		row("memory", orNA(d.Memory != nil, d.Supported("memory"), func() string {
			return fmt.Sprintf("%s used, %s free, %s total", humanBytes(int64(d.Memory.Used)), humanBytes(int64(d.Memory.Free)), humanBytes(int64(d.Memory.Total)))
		}))
		row("utilisation", orNA(d.UtilizationGPU != nil, d.Supported("utilization"), func() string {
			return fmt.Sprintf("%d %% gpu, %d %% memory", *d.UtilizationGPU, *d.UtilizationMemory)
		}))
		row("temperature", orNA(d.TemperatureC != nil, d.Supported("temperature"), func() string {
			s := fmt.Sprintf("%d °C", *d.TemperatureC)
			if d.SlowdownTempC != nil {
				s += fmt.Sprintf(" (slowdown at %d °C)", *d.SlowdownTempC)
			}
			return s
		}))
		row("power", orNA(d.PowerW != nil, d.Supported("power"), func() string {
			s := fmt.Sprintf("%.1f W", *d.PowerW)
			if d.PowerLimitW != nil {
				s += fmt.Sprintf(" of %.1f W", *d.PowerLimitW)
			}
			return s
		}))
		row("ecc", orNA(d.ECCEnabled != nil, d.Supported("ecc_mode"), func() string {
			s := onOff(*d.ECCEnabled)
			if *d.ECCPending != *d.ECCEnabled {
				s += " (" + onOff(*d.ECCPending) + " after reboot)"
			}
			if d.ECC != nil {
				s += fmt.Sprintf("; uncorrected %d volatile, %d aggregate; corrected %d volatile, %d aggregate",
					d.ECC.VolatileUncorrected, d.ECC.AggregateUncorrected, d.ECC.VolatileCorrected, d.ECC.AggregateCorrected)
			}
			return s
		}))
		row("retired pages", orNA(d.RetiredPages != nil, d.Supported("retired_pages"), func() string {
			s := strconv.Itoa(*d.RetiredPages)
			if *d.RetiredPending {
				s += ", retirement pending"
			}
			return s
		}))
		row("remapped rows", orNA(d.RemappedRows != nil, d.Supported("remapped_rows"), func() string {
			r := d.RemappedRows
			s := fmt.Sprintf("%d correctable, %d uncorrectable", r.Corrected, r.Uncorrected)
			if r.Pending {
				s += ", remap pending"
			}
			if r.Failure {
				s += ", remap FAILED"
			}
			return s
		}))
		row("MIG", orNA(d.MIGEnabled != nil, d.Supported("mig_mode"), func() string {
			s := onOff(*d.MIGEnabled)
			if *d.MIGPending != *d.MIGEnabled {
				s += " (" + onOff(*d.MIGPending) + " pending)"
			}
			return s
		}))
		row("compute mode", orNA(d.ComputeMode != "", d.Supported("compute_mode"), func() string { return d.ComputeMode }))
		row("throttle", orNA(d.ThrottleMask != nil, d.Supported("throttle_reasons"), func() string {
			if len(d.ThrottleReasons) == 0 {
				return "none"
			}
			return strings.Join(d.ThrottleReasons, ", ")
		}))
		row("processes", orNA(d.Processes != nil || d.Supported("processes") && !hasQueryError(d, "processes"), d.Supported("processes"), func() string {
			if len(d.Processes) == 0 {
				return "none"
			}
			var ps []string
			for _, p := range d.Processes {
				ps = append(ps, fmt.Sprintf("pid %d (%s)", p.PID, humanBytes(int64(p.UsedMemory))))
			}
			return strings.Join(ps, ", ")
		}))
		for _, q := range d.Errors {
			row(q.Query, "error: "+q.Err)
		}
		tw.Flush()
	}
}

func hasQueryError(d *gpu.DeviceInfo, q string) bool {
	for _, e := range d.Errors {
		if e.Query == q {
			return true
		}
	}
	return false
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
