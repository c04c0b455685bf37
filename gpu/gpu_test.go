package gpu_test

import (
	"bytes"
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sophia-ai/sophia-eval/gpu"
	"github.com/sophia-ai/sophia-eval/gpu/gputest"
)

var errBoom = errors.New("boom")

func TestReadInventory(t *testing.T) {
	sys := gputest.New(2)
	sys.Devices[1].Err["power"] = gpu.ErrNotSupported
	sys.Devices[1].Err["temperature"] = errBoom
	sys.Err = map[string]error{"nvml_version": gpu.ErrNotSupported}
	sys.Devices[0].Procs = []gpu.Process{{PID: 42, UsedMemory: 1 << 30}}
	inv, err := gpu.ReadInventory(context.Background(), sys)
	require.NoError(t, err)
	assert.Equal(t, "550.54.15", inv.DriverVersion)
	assert.Equal(t, 12040, inv.CUDADriverVersion)
	assert.Equal(t, []string{"nvml_version"}, inv.NotSupported)
	require.Len(t, inv.Devices, 2)
	d0, d1 := inv.Devices[0], inv.Devices[1]
	assert.Equal(t, "NVIDIA H100 80GB HBM3", d0.Name)
	assert.Equal(t, "9.0", d0.ComputeCapability)
	assert.Equal(t, 71.0, *d0.PowerW)
	assert.Equal(t, 700.0, *d0.PowerLimitW)
	assert.Equal(t, []string{"gpu_idle"}, d0.ThrottleReasons)
	assert.Equal(t, []gpu.Process{{PID: 42, UsedMemory: 1 << 30}}, d0.Processes)
	assert.Nil(t, d0.RetiredPages, "not supported on H100")
	assert.False(t, d0.Supported("retired_pages"))
	assert.Empty(t, d0.Errors)
	assert.Nil(t, d1.PowerW)
	assert.Nil(t, d1.TemperatureC)
	assert.ElementsMatch(t, []string{"retired_pages", "power"}, d1.NotSupported)
	assert.Equal(t, []gpu.QueryError{{Query: "temperature", Err: "boom"}}, d1.Errors)

	sys.Err["device_count"] = errBoom
	_, err = gpu.ReadInventory(context.Background(), sys)
	require.ErrorIs(t, err, errBoom)
}

func TestReadInventoryECCOff(t *testing.T) {
	sys := gputest.New(1)
	sys.Devices[0].ECCEnabled = false
	sys.Devices[0].Err["ecc_volatile_uncorrected"] = errBoom // must not be asked
	inv, err := gpu.ReadInventory(context.Background(), sys)
	require.NoError(t, err)
	assert.Nil(t, inv.Devices[0].ECC)
	assert.Empty(t, inv.Devices[0].Errors)
}

func codes(fs []gpu.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Severity.String()+" "+f.Code)
	}
	return out
}

func TestCheck(t *testing.T) {
	on, off := true, false
	tests := []struct {
		name   string
		setup  func(s *gputest.System)
		req    gpu.Requirements
		want   []string
		sentry error
	}{
		{name: "healthy", setup: func(*gputest.System) {}},
		{name: "cuda 12.2", setup: func(s *gputest.System) { s.CUDA = 12020 }, want: []string{"error cuda_version"}, sentry: gpu.ErrCUDAVersion},
		{name: "cuda unknown", setup: func(s *gputest.System) { s.Err = map[string]error{"cuda_driver_version": gpu.ErrNotSupported} }, want: []string{"error cuda_version"}},
		{name: "cuda 13 meets 12.4", setup: func(s *gputest.System) { s.CUDA = 13000 }},
		{name: "min cuda 12.6", setup: func(*gputest.System) {}, req: gpu.Requirements{MinCUDA: 12060}, want: []string{"error cuda_version"}},
		{name: "driver 535", setup: func(s *gputest.System) { s.Driver = "535.104.05" }, want: []string{"error driver_branch"}, sentry: gpu.ErrDriverBranch},
		{name: "driver garbage", setup: func(s *gputest.System) { s.Driver = "x" }, want: []string{"error driver_branch"}},
		{name: "gpu count", setup: func(*gputest.System) {}, req: gpu.Requirements{GPUs: 8}, want: []string{"error gpu_count"}, sentry: gpu.ErrGPUCount},
		{name: "no gpus", setup: func(s *gputest.System) { s.Devices = nil }, want: []string{"error gpu_count"}},
		{name: "free memory", setup: func(s *gputest.System) { s.Devices[0].Mem.Free = 1 << 30 }, req: gpu.Requirements{MinFreeBytes: 70 << 30}, want: []string{"error free_memory"}, sentry: gpu.ErrFreeMemory},
		{name: "free memory ok", setup: func(*gputest.System) {}, req: gpu.Requirements{MinFreeBytes: 70 << 30}},
		{name: "uncorrected ecc", setup: func(s *gputest.System) { s.Devices[0].ECC.VolatileUncorrected = 2 }, want: []string{"error ecc_uncorrected"}, sentry: gpu.ErrECCUncorrected},
		{name: "aggregate ecc only", setup: func(s *gputest.System) { s.Devices[0].ECC.AggregateUncorrected = 2 }},
		{name: "ecc disabled", setup: func(s *gputest.System) { s.Devices[0].ECCEnabled = false }, want: []string{"warning ecc_disabled"}, sentry: gpu.ErrECCDisabled},
		{name: "remap pending", setup: func(s *gputest.System) { s.Devices[0].Remapped.Pending = true }, want: []string{"error row_remap_pending"}, sentry: gpu.ErrRowRemapPending},
		{name: "remap failure", setup: func(s *gputest.System) { s.Devices[0].Remapped.Failure = true }, want: []string{"error row_remap_failure"}, sentry: gpu.ErrRowRemapFailure},
		{name: "remapped rows not supported", setup: func(s *gputest.System) { s.Devices[0].Err["remapped_rows"] = gpu.ErrNotSupported }},
		{name: "retired pending", setup: func(s *gputest.System) {
			delete(s.Devices[0].Err, "retired_pages")
			s.Devices[0].RetiredPending = true
		}, want: []string{"error retired_pages_pending"}, sentry: gpu.ErrRetiredPending},
		{name: "foreign process", setup: func(s *gputest.System) { s.Devices[0].Procs = []gpu.Process{{PID: 7}, {PID: 9}} }, req: gpu.Requirements{AllowPIDs: []uint32{9}}, want: []string{"warning foreign_process"}, sentry: gpu.ErrForeignProcess},
		{name: "own process", setup: func(s *gputest.System) { s.Devices[0].Procs = []gpu.Process{{PID: 9}} }, req: gpu.Requirements{AllowPIDs: []uint32{9}}},
		{name: "hot", setup: func(s *gputest.System) { s.Devices[0].TempC = 84 }, want: []string{"warning temperature"}, sentry: gpu.ErrTemperature}, // slowdown 87 - 5
		{name: "warm", setup: func(s *gputest.System) { s.Devices[0].TempC = 82 }},
		{name: "thermal throttle", setup: func(s *gputest.System) { s.Devices[0].Throttle = gpu.ThrottleHWThermal | gpu.ThrottleSWPowerCap }, want: []string{"warning throttle"}, sentry: gpu.ErrThrottle},
		{name: "power cap is fine", setup: func(s *gputest.System) { s.Devices[0].Throttle = gpu.ThrottleSWPowerCap }},
		{name: "mig expected on", setup: func(*gputest.System) {}, req: gpu.Requirements{MIG: &on}, want: []string{"error mig_mode"}, sentry: gpu.ErrMIGMode},
		{name: "mig expected off", setup: func(*gputest.System) {}, req: gpu.Requirements{MIG: &off}},
		{name: "query failed", setup: func(s *gputest.System) { s.Devices[0].Err["memory"] = errBoom }, want: []string{"warning query_failed"}, sentry: gpu.ErrQueryFailed},
		{name: "not supported is silent", setup: func(s *gputest.System) {
			for _, q := range []string{"memory", "utilization", "temperature", "power", "ecc_mode", "throttle_reasons", "processes", "mig_mode"} {
				s.Devices[0].Err[q] = gpu.ErrNotSupported
			}
		}, req: gpu.Requirements{MinFreeBytes: 1, MIG: &on}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sys := gputest.New(1)
			tt.setup(sys)
			rep, err := gpu.PreflightSystem(context.Background(), sys, tt.req)
			require.NoError(t, err)
			assert.Equal(t, tt.want, codes(rep.Findings))
			if tt.sentry != nil {
				require.ErrorIs(t, rep.Err(), tt.sentry)
				var f *gpu.Finding
				require.ErrorAs(t, rep.Err(), &f)
			}
			failed := false
			for _, w := range tt.want {
				failed = failed || w[:5] == "error"
			}
			assert.Equal(t, failed, rep.Failed())
			if len(tt.want) == 0 {
				assert.NoError(t, rep.Err())
			}
		})
	}
}

func TestFindingError(t *testing.T) {
	sys := gputest.New(2)
	sys.Devices[1].ECC.VolatileUncorrected = 3
	rep, err := gpu.PreflightSystem(context.Background(), sys, gpu.Requirements{})
	require.NoError(t, err)
	require.Len(t, rep.Findings, 1)
	assert.Equal(t, 1, rep.Findings[0].Device)
	assert.Equal(t, "gpu 1: gpu: uncorrected ECC errors: 3 since the driver was loaded", rep.Findings[0].Error())
}

func TestPreflightNoDriver(t *testing.T) {
	if gpu.Available() {
		t.Skip("NVML is available here")
	}
	_, err := gpu.Open()
	require.ErrorIs(t, err, gpu.ErrNoDriver)
	rep, err := gpu.Preflight(context.Background(), gpu.Requirements{})
	require.NoError(t, err)
	assert.Equal(t, []string{"error no_driver"}, codes(rep.Findings))
	require.ErrorIs(t, rep.Err(), gpu.ErrNoDriver)
	assert.True(t, rep.Failed())
}

func TestCUDAVersions(t *testing.T) {
	assert.Equal(t, "12.4", gpu.CUDAString(12040))
	assert.Equal(t, "13.0", gpu.CUDAString(13000))
	for in, want := range map[string]int{"12.4": 12040, "12": 12000, " 11.8 ": 11080, "13.0": 13000} {
		got, err := gpu.ParseCUDA(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"", "x", "12.x", "-1", "12.100"} {
		_, err := gpu.ParseCUDA(in)
		assert.Error(t, err, in)
	}
	b, ok := gpu.DriverBranch("550.54.15")
	assert.True(t, ok)
	assert.Equal(t, 550, b)
}

func TestThrottleReasons(t *testing.T) {
	assert.Nil(t, gpu.ThrottleReasons(0))
	assert.Equal(t, []string{"sw_power_cap", "hw_thermal_slowdown", "0x1000"},
		gpu.ThrottleReasons(gpu.ThrottleSWPowerCap|gpu.ThrottleHWThermal|0x1000))
}

func TestSamplerNotSupported(t *testing.T) {
	sys := gputest.New(1)
	d := sys.Devices[0]
	d.Err["energy"] = gpu.ErrNotSupported
	d.Err["temperature"] = errBoom
	smp, err := gpu.NewSampler(sys)
	require.NoError(t, err)
	s := smp.Sample(time.Unix(0, 0))[0]
	assert.True(t, math.IsNaN(s.EnergyJ))
	assert.True(t, math.IsNaN(s.TemperatureC))
	assert.Equal(t, 71.0, s.PowerW)
	// A failure is retried, "not supported" is not asked again.
	delete(d.Err, "temperature")
	delete(d.Err, "energy")
	s = smp.Sample(time.Unix(1, 0))[0]
	assert.Equal(t, 32.0, s.TemperatureC)
	assert.True(t, math.IsNaN(s.EnergyJ))
}

func BenchmarkSample(b *testing.B) {
	for _, n := range []int{1, 8} {
		b.Run(map[int]string{1: "devices=1", 8: "devices=8"}[n], func(b *testing.B) {
			smp, err := gpu.NewSampler(gputest.New(n))
			require.NoError(b, err)
			now := time.Unix(0, 0)
			b.ReportAllocs()
			for b.Loop() {
				smp.Sample(now)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/device")
		})
	}
}

var _ = bytes.MinRead
