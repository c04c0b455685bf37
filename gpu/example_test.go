package gpu_test

import (
	"context"
	"fmt"
	"time"

	"github.com/sophia-ai/sophia-eval/gpu"
	"github.com/sophia-ai/sophia-eval/gpu/gputest"
)

// Pre-flight of a machine with two GPUs, one of which has an uncorrected ECC error
// and a process of another user on it. With the real GPUs, gpu.Preflight(ctx, req)
// opens NVML itself.
func Example() {
	sys := gputest.New(2)
	sys.Devices[1].ECC.VolatileUncorrected = 1
	sys.Devices[1].Procs = []gpu.Process{{PID: 4242}}

	rep, err := gpu.PreflightSystem(context.Background(), sys, gpu.Requirements{GPUs: 2})
	if err != nil {
		panic(err)
	}
	for _, f := range rep.Findings {
		fmt.Printf("%s %s: %v\n", f.Severity, f.Code, &f)
	}
	fmt.Println("failed:", rep.Failed())
	// Output:
	// error ecc_uncorrected: gpu 1: gpu: uncorrected ECC errors: 1 since the driver was loaded
	// warning foreign_process: gpu 1: gpu: foreign compute process: pid 4242
	// failed: true
}

// Alert rules evaluated on a stream of samples.
func ExampleAlerter() {
	r, _ := gpu.ParseRule("util < 20 for 2m")
	a := gpu.NewAlerter([]gpu.Rule{r})
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for m, util := range []float64{90, 10, 5, 8, 95} {
		s := gpu.Sample{Time: start.Add(time.Duration(m) * time.Minute), UtilGPU: util}
		for _, al := range a.Observe([]gpu.Sample{s}) {
			fmt.Println(al)
		}
	}
	fmt.Println("resolved:", a.Firings[0].Resolved.Format(time.Kitchen))
	// Output:
	// ALERT gpu 0: util < 20 for 2m0s (value 8) since 2026-01-01T00:01:00Z
	// resolved: 12:04AM
}
