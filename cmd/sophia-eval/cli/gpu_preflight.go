package cli

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/sophia-ai/sophia-eval/gpu"
)

type gpuPreflightOptions struct {
	format    string
	minCUDA   string
	minDriver int
	gpus      int
	minFree   string
	maxTemp   int
	mig       string
	allowPIDs []uint
	noDriver  bool
}

func newGPUPreflightCmd(e *env) *cobra.Command {
	o := &gpuPreflightOptions{}
	cmd := &cobra.Command{
		Use:   "preflight",
		Short: "Check the GPUs before a run: driver, CUDA, count, free memory, health",
		Long: `preflight checks this machine against what the run needs, as the runbook's
pre-flight does. Hard checks (errors): the NVIDIA driver is present, the CUDA
version the driver supports (--min-cuda, default 12.4), the driver branch
(--min-driver, default 550), the number of GPUs (--gpus), free memory per GPU
(--min-free), no uncorrected ECC errors since the driver was loaded, no pending
row remapping or page retirement and no failed remap, the MIG mode (--mig).
Warnings: ECC disabled, compute processes other than --allow-pid, temperature
above --max-temp (or 5 °C below the slowdown temperature), clocks held down by
thermal or power-brake slowdown, and queries that failed. A query a GPU does not
support is skipped.

Exit status: 0 all hard checks pass (warnings allowed); 2 a hard check failed,
including "no NVIDIA driver" (a warning with --allow-no-driver, which nemo
launch --slurm passes to the pre-flight on each node unless --require-gpu);
1 the check could not run.`,
		Example: `  sophia-eval gpu preflight --gpus 8 --min-free 70GiB
  sophia-eval gpu preflight --min-cuda 12.4 --mig off --format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkFormat(o.format); err != nil {
				return err
			}
			req, err := o.requirements()
			if err != nil {
				return err
			}
			var rep *gpu.Report
			sys, err := e.openGPU()
			switch {
			case errors.Is(err, gpu.ErrNoDriver):
				sev := gpu.Error
				if o.noDriver {
					sev = gpu.Warning
				}
				rep = &gpu.Report{Findings: []gpu.Finding{{Severity: sev, Code: "no_driver", Device: -1, Err: err}}}
			case err != nil:
				return err
			default:
				defer sys.Close()
				if rep, err = gpu.PreflightSystem(cmd.Context(), sys, req); err != nil {
					return err
				}
			}
			if o.format == "json" {
				if err := writeJSONLine(e.stdout, preflightJSON(rep)); err != nil {
					return err
				}
			} else {
				printPreflight(e.stdout, rep)
			}
			if rep.Failed() {
				return silentExit(ExitFindings)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.format, "format", "f", "text", "output format: text or json")
	f.StringVar(&o.minCUDA, "min-cuda", "12.4", "lowest CUDA version the driver must support")
	f.IntVar(&o.minDriver, "min-driver", 550, "lowest driver branch (the major version, 550 in 550.54.15)")
	f.IntVar(&o.gpus, "gpus", 1, "number of GPUs the run needs")
	f.StringVar(&o.minFree, "min-free", "", "free memory each GPU must have, like 70GiB (default: not checked)")
	f.IntVar(&o.maxTemp, "max-temp", 85, "warn above this temperature in °C")
	f.StringVar(&o.mig, "mig", "any", "expected MIG mode: on, off or any")
	f.UintSliceVar(&o.allowPIDs, "allow-pid", nil, "a compute process that is not foreign (repeatable)")
	f.BoolVar(&o.noDriver, "allow-no-driver", false, "report a machine without an NVIDIA driver as a warning, not an error")
	return cmd
}

func (o *gpuPreflightOptions) requirements() (gpu.Requirements, error) {
	var r gpu.Requirements
	var err error
	if r.MinCUDA, err = gpu.ParseCUDA(o.minCUDA); err != nil {
		return r, fmt.Errorf("invalid --min-cuda: %w", err)
	}
	if o.minDriver <= 0 || o.gpus <= 0 || o.maxTemp <= 0 {
		return r, errors.New("--min-driver, --gpus and --max-temp must be positive")
	}
	r.MinDriverBranch, r.GPUs, r.MaxTemperatureC = o.minDriver, o.gpus, o.maxTemp
	if o.minFree != "" {
		n, err := parseSize(o.minFree)
		if err != nil {
			return r, fmt.Errorf("invalid --min-free: %w", err)
		}
		r.MinFreeBytes = uint64(n)
	}
	switch o.mig {
	case "on", "off":
		on := o.mig == "on"
		r.MIG = &on
	case "any":
	default:
		return r, fmt.Errorf("invalid --mig %q: want on, off or any", o.mig)
	}
	for _, p := range o.allowPIDs {
		r.AllowPIDs = append(r.AllowPIDs, uint32(p))
	}
	return r, nil
}

func printPreflight(w io.Writer, rep *gpu.Report) {
	if inv := rep.Inventory; inv != nil {
		cuda := cudaVersion(inv)
		if cuda == "" {
			cuda = "unknown"
		}
		fmt.Fprintf(w, "driver %s, CUDA %s, %s\n", inv.DriverVersion, cuda, plural(len(inv.Devices), "GPU"))
	}
	var nerr, nwarn int
	for i := range rep.Findings {
		f := &rep.Findings[i]
		if f.Severity == gpu.Error {
			nerr++
		} else {
			nwarn++
		}
		fmt.Fprintf(w, "  %-7s %-22s %s\n", f.Severity, f.Code, f.Error())
	}
	verdict := "passed"
	if rep.Failed() {
		verdict = "FAILED"
	}
	fmt.Fprintf(w, "preflight %s: %s, %s\n", verdict, plural(nerr, "error"), plural(nwarn, "warning"))
}

type gpuFindingJSON struct {
	Severity string `json:"severity"`
	Code     string `json:"code"`
	Device   int    `json:"device"`
	Message  string `json:"message"`
}

func preflightJSON(rep *gpu.Report) any {
	out := struct {
		Passed            bool             `json:"passed"`
		DriverVersion     string           `json:"driver_version"`
		CUDADriverVersion string           `json:"cuda_driver_version"`
		GPUs              int              `json:"gpus"`
		Findings          []gpuFindingJSON `json:"findings"`
	}{Passed: !rep.Failed(), Findings: []gpuFindingJSON{}}
	if inv := rep.Inventory; inv != nil {
		out.DriverVersion, out.CUDADriverVersion, out.GPUs = inv.DriverVersion, cudaVersion(inv), len(inv.Devices)
	}
	for i := range rep.Findings {
		f := &rep.Findings[i]
		out.Findings = append(out.Findings, gpuFindingJSON{f.Severity.String(), f.Code, f.Device, f.Err.Error()})
	}
	return out
}
