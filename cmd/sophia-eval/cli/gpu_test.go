package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sophia-ai/sophia-eval/gpu"
	"github.com/sophia-ai/sophia-eval/gpu/gputest"
)

var gpuT0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// gpuEnv is an env whose GPUs are sys and whose clock advances 1 s per reading.
func gpuEnv(sys *gputest.System, stdout, stderr io.Writer) *env {
	k := 0
	return &env{
		stdin: strings.NewReader(""), stdout: stdout, stderr: stderr, getenv: func(string) string { return "" },
		gpuOpen: func() (gpu.System, error) {
			if sys == nil {
				return nil, fmt.Errorf("%w (libnvidia-ml.so.1 not found)", gpu.ErrNoDriver)
			}
			return sys, nil
		},
		now: func() time.Time { k++; return gpuT0.Add(time.Duration(k-1) * time.Second) },
	}
}

func runGPU(t *testing.T, sys *gputest.System, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := runEnv(context.Background(), append([]string{"gpu"}, args...), gpuEnv(sys, &stdout, &stderr))
	return code, stdout.String(), stderr.String()
}

func TestGPUInfo(t *testing.T) {
	sys := gputest.New(2)
	sys.Devices[1].Err["power"] = gpu.ErrNotSupported
	sys.Devices[1].Procs = []gpu.Process{{PID: 4242, UsedMemory: 2e9}}
	code, out, errOut := runGPU(t, sys, "info")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "driver 550.54.15, CUDA 12.4, NVML 12.550.54.15, 2 GPUs\n")
	assert.Contains(t, out, "GPU 1  NVIDIA H100 80GB HBM3  GPU-00000000-0000-0000-0000-000000000001  00000000:1A:00.0  compute 9.0\n")
	assert.Contains(t, out, "  power          71.0 W of 700.0 W\n")
	assert.Contains(t, out, "  power          not supported\n")
	assert.Contains(t, out, "  retired pages  not supported\n")
	assert.Contains(t, out, "  processes      pid 4242 (2.0 GB)\n")
	assert.Contains(t, out, "  throttle       gpu_idle\n")
	assert.Contains(t, out, "  ecc            on; uncorrected 0 volatile, 0 aggregate; corrected 0 volatile, 0 aggregate\n")
	assert.True(t, sys.Closed)

	code, out, _ = runGPU(t, sys, "info", "--format", "json")
	require.Equal(t, 0, code)
	var inv gpu.Inventory
	require.NoError(t, json.Unmarshal([]byte(out), &inv))
	assert.Equal(t, 12040, inv.CUDADriverVersion)
	require.Len(t, inv.Devices, 2)
	assert.Nil(t, inv.Devices[1].PowerW)
	assert.Contains(t, inv.Devices[1].NotSupported, "power")
	assert.Contains(t, out, `"power_w":null`)
}

func TestGPUNoDriver(t *testing.T) {
	code, out, errOut := runGPU(t, nil, "info")
	assert.Equal(t, ExitError, code)
	assert.Empty(t, out)
	assert.Equal(t, "sophia-eval: gpu: no NVIDIA driver (libnvidia-ml.so.1 not found)\n", errOut)

	code, out, _ = runGPU(t, nil, "preflight")
	assert.Equal(t, ExitFindings, code)
	assert.Contains(t, out, "error   no_driver")

	code, out, _ = runGPU(t, nil, "preflight", "--allow-no-driver")
	assert.Equal(t, ExitOK, code)
	assert.Contains(t, out, "warning no_driver")

	code, _, errOut = runGPU(t, nil, "monitor", "--duration", "1s")
	assert.Equal(t, ExitError, code)
	assert.Contains(t, errOut, "no NVIDIA driver")
}

// TestGPUInfoRealNoDriver runs the real gpu.Open: on a machine without the driver,
// or in a build without NVML, info exits 1 and says so.
func TestGPUInfoRealNoDriver(t *testing.T) {
	if gpu.Available() {
		t.Skip("an NVIDIA driver is installed")
	}
	code, out, errOut := runCLI(t, "", "gpu", "info")
	assert.Equal(t, ExitError, code)
	assert.Empty(t, out)
	assert.Contains(t, errOut, "sophia-eval: gpu: no NVIDIA driver")
}

func TestGPUPreflight(t *testing.T) {
	tests := []struct {
		name  string
		setup func(*gputest.System)
		args  []string
		code  int
		want  []string
	}{
		{name: "healthy", args: nil, code: 0, want: []string{"driver 550.54.15, CUDA 12.4, 2 GPUs\n", "preflight passed: 0 errors, 0 warnings\n"}},
		{name: "gpus", args: []string{"--gpus", "8"}, code: 2, want: []string{"  error   gpu_count              gpu: too few GPUs: 2, need 8\n", "preflight FAILED: 1 error, 0 warnings"}},
		{name: "min free", args: []string{"--min-free", "80GiB"}, code: 2, want: []string{"free_memory", "gpu 0: gpu: not enough free memory", "2 errors"}},
		{name: "min cuda", args: []string{"--min-cuda", "12.6"}, code: 2, want: []string{"gpu: CUDA driver version too old: 12.4, need 12.6"}},
		{name: "min driver", args: []string{"--min-driver", "560"}, code: 2, want: []string{"driver_branch"}},
		{name: "mig", args: []string{"--mig", "on"}, code: 2, want: []string{"mig_mode"}},
		{name: "warning only", setup: func(s *gputest.System) { s.Devices[1].Procs = []gpu.Process{{PID: 7}} }, code: 0,
			want: []string{"  warning foreign_process        gpu 1: gpu: foreign compute process: pid 7\n", "preflight passed: 0 errors, 1 warning\n"}},
		{name: "allowed pid", setup: func(s *gputest.System) { s.Devices[1].Procs = []gpu.Process{{PID: 7}} }, args: []string{"--allow-pid", "7"}, code: 0, want: []string{"0 warnings"}},
		{name: "max temp", args: []string{"--max-temp", "30"}, code: 0, want: []string{"temperature", "32 °C, limit 30 °C"}},
		{name: "bad cuda", args: []string{"--min-cuda", "x"}, code: 1},
		{name: "bad mig", args: []string{"--mig", "maybe"}, code: 1},
		{name: "bad size", args: []string{"--min-free", "lots"}, code: 1},
		{name: "bad format", args: []string{"--format", "xml"}, code: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sys := gputest.New(2)
			if tt.setup != nil {
				tt.setup(sys)
			}
			code, out, errOut := runGPU(t, sys, append([]string{"preflight"}, tt.args...)...)
			assert.Equal(t, tt.code, code, errOut)
			for _, w := range tt.want {
				assert.Contains(t, out, w)
			}
		})
	}
}

func TestGPUPreflightJSON(t *testing.T) {
	sys := gputest.New(1)
	sys.Devices[0].ECC.VolatileUncorrected = 1
	code, out, _ := runGPU(t, sys, "preflight", "--format", "json")
	assert.Equal(t, ExitFindings, code)
	assert.Equal(t, `{"passed":false,"driver_version":"550.54.15","cuda_driver_version":"12.4","gpus":1,"findings":[{"severity":"error","code":"ecc_uncorrected","device":0,"message":"gpu: uncorrected ECC errors: 1 since the driver was loaded"}]}`+"\n", out)
}

func tickChan(n int) chan time.Time {
	ch := make(chan time.Time, n)
	for i := 0; i < n; i++ {
		ch <- time.Time{}
	}
	return ch
}

func TestGPUMonitorDuration(t *testing.T) {
	dir := t.TempDir()
	series := filepath.Join(dir, "gpu.csv")
	md := filepath.Join(dir, "alerts.md")
	sys := gputest.New(2)
	sys.Devices[0].UtilGPU = 80
	var stdout, stderr bytes.Buffer
	e := gpuEnv(sys, &stdout, &stderr)
	e.gpuTicks = tickChan(100)
	code := runEnv(context.Background(), []string{"gpu", "monitor", "--duration", "3s", "--out", series,
		"--alert", "temp > 30", "--alert", "util < 20 for 2s", "--alerts-md", md}, e)
	require.Equal(t, 0, code, stderr.String())
	// Until = t0; samples at t0+1s … t0+3s.
	assert.Equal(t, "ALERT gpu 0: temp > 30 (value 32) since 2026-11-25T12:00:01Z\n"+
		"ALERT gpu 1: temp > 30 (value 32) since 2026-11-25T12:00:01Z\n"+
		"ALERT gpu 1: util < 20 for 2s (value 0) since 2026-11-25T12:00:01Z\n", stderr.String())
	out := stdout.String()
	assert.Contains(t, out, "monitored 2 GPUs for 2s (3 samples, every 1s)\n")
	assert.Contains(t, out, "alerts: 3 firings (3 still active at the end)\n")
	assert.Regexp(t, `(?m)^\s+0\s+80\.0 %\s+80 %\s+0\.0 %\s+548\.4 MB\s+32 °C\s+71\.0 W\s+0\.0000 kWh\s+0\s*$`, out)

	f, err := os.Open(series)
	require.NoError(t, err)
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	require.Len(t, recs, 1+6)
	assert.Equal(t, []string{"2026-11-25T12:00:03Z", "1", "0", "0", "548405248", "85520809984", "32", "71", "1000", "0", "0", "1"}, recs[6])

	mdText, err := os.ReadFile(md)
	require.NoError(t, err)
	assert.Contains(t, string(mdText), "| 1 | `util < 20 for 2s` | 2026-11-25T12:00:01Z | 2026-11-25T12:00:03Z | 0 | still active |\n")

	// JSON summary, default rules, Parquet series.
	stdout.Reset()
	stderr.Reset()
	e = gpuEnv(sys, &stdout, &stderr)
	e.gpuTicks = tickChan(100)
	code = runEnv(context.Background(), []string{"gpu", "monitor", "--duration", "2s", "--format", "json", "--out", filepath.Join(dir, "s.parquet")}, e)
	require.Equal(t, 0, code, stderr.String())
	var js struct {
		Samples int
		Rules   []string
		Devices []struct {
			MeanUtil *float64 `json:"mean_util"`
			EnergyJ  *float64 `json:"energy_j"`
		}
	}
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &js))
	assert.Equal(t, 2, js.Samples)
	assert.Equal(t, []string{"util < 20 for 5m0s", "temp > 85", "ecc_new > 0"}, js.Rules)
	assert.Equal(t, 80.0, *js.Devices[0].MeanUtil)
	assert.Equal(t, 0.0, *js.Devices[0].EnergyJ)
	st, err := os.Stat(filepath.Join(dir, "s.parquet"))
	require.NoError(t, err)
	assert.Positive(t, st.Size())
}

func TestGPUMonitorInterrupted(t *testing.T) {
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	e := gpuEnv(gputest.New(1), &stdout, &stderr)
	e.gpuTicks = make(chan time.Time)
	// Until interrupted: the interrupt is the normal end.
	code := runEnv(ctx, []string{"gpu", "monitor", "--alert", "none"}, e)
	assert.Equal(t, 0, code, stderr.String())
	assert.Contains(t, stdout.String(), "monitored 1 GPU for 0s (1 samples, every 1s)\n")
	// With a duration it was cut short.
	stdout.Reset()
	e = gpuEnv(gputest.New(1), &stdout, &stderr)
	e.gpuTicks = make(chan time.Time)
	code = runEnv(ctx, []string{"gpu", "monitor", "--duration", "1h"}, e)
	assert.Equal(t, ExitInterrupted, code)
	assert.Contains(t, stdout.String(), "monitored 1 GPU")
}

func TestGPUMonitorCommandExitCode(t *testing.T) {
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("no /bin/sh")
	}
	var stdout, stderr bytes.Buffer
	e := gpuEnv(gputest.New(1), &stdout, &stderr)
	e.gpuTicks = make(chan time.Time)
	code := runEnv(context.Background(), []string{"gpu", "monitor", "--", "/bin/sh", "-c", "echo training; exit 3"}, e)
	assert.Equal(t, 3, code)
	assert.True(t, strings.HasPrefix(stdout.String(), "training\nmonitored 1 GPU"), stdout.String())
	assert.Contains(t, stderr.String(), "sophia-eval: /bin/sh exited with status 3\n")

	stdout.Reset()
	code = runEnv(context.Background(), []string{"gpu", "monitor", "--", "/bin/sh", "-c", "exit 0"}, gpuEnvTicks(&stdout))
	assert.Equal(t, 0, code)

	code = runEnv(context.Background(), []string{"gpu", "monitor", "--", "/nonexistent/trainer"}, gpuEnvTicks(&stdout))
	assert.Equal(t, ExitError, code)
}

func gpuEnvTicks(stdout io.Writer) *env {
	e := gpuEnv(gputest.New(1), stdout, io.Discard)
	e.gpuTicks = make(chan time.Time)
	return e
}

// TestGPUMonitorForwardsSignal sends SIGTERM to sophia-eval (through the injected
// signal channel) once the command has set its trap; the command exits 7 on it.
func TestGPUMonitorForwardsSignal(t *testing.T) {
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("no /bin/sh")
	}
	pr, pw := io.Pipe()
	e := gpuEnv(gputest.New(1), pw, io.Discard)
	e.gpuTicks = make(chan time.Time)
	e.signals = make(chan os.Signal, 1)
	done := make(chan int, 1)
	go func() {
		done <- runEnv(context.Background(), []string{"gpu", "monitor", "--", "/bin/sh", "-c",
			`trap 'exit 7' TERM; echo ready; while :; do sleep 0.05; done`}, e)
		pw.Close()
	}()
	rd := bufio.NewReader(pr)
	line, err := rd.ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "ready\n", line)
	e.signals <- syscall.SIGTERM
	go io.Copy(io.Discard, rd) //nolint:errcheck // drain the summary
	assert.Equal(t, 7, <-done)
}

func TestGPUMonitorBadArgs(t *testing.T) {
	for _, args := range [][]string{
		{"--alert", "fan > 3"},
		{"--out", "gpu.txt"},
		{"--interval", "0s"},
		{"--duration", "1m", "--", "true"},
		{"true"},
		{"--format", "xml"},
	} {
		code, _, errOut := runGPU(t, gputest.New(1), append([]string{"monitor"}, args...)...)
		assert.Equal(t, ExitError, code, "%v: %s", args, errOut)
	}
}
