//go:build linux && cgo && nvml

package gpu

import (
	"errors"
	"fmt"
	"sync"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
)

// nvmlState remembers a failed load: after nvml.Init has failed, no other NVML
// function may be called (the process would die with "symbol lookup error").
var nvmlState struct {
	mu     sync.Mutex
	failed error
}

// Built reports whether this binary was built with NVML support.
const Built = true

// Open initialises NVML and returns the machine's GPUs. Without the NVIDIA driver the
// error wraps ErrNoDriver, and every later Open returns it again without calling NVML.
// Close the System when done.
func Open() (System, error) {
	nvmlState.mu.Lock()
	defer nvmlState.mu.Unlock()
	if nvmlState.failed != nil {
		return nil, nvmlState.failed
	}
	if r := nvml.Init(); r != nvml.SUCCESS {
		err := fmt.Errorf("nvml init: %s: %w", nvml.ErrorString(r), nvmlErr(r))
		switch r {
		case nvml.ERROR_LIBRARY_NOT_FOUND:
			err = fmt.Errorf("%w (libnvidia-ml.so.1 not found)", ErrNoDriver)
		case nvml.ERROR_DRIVER_NOT_LOADED:
			err = fmt.Errorf("%w (the NVIDIA kernel driver is not loaded)", ErrNoDriver)
		}
		nvmlState.failed = err
		return nil, err
	}
	return nvmlSystem{}, nil
}

// nvmlErr maps an NVML return code onto an error.
func nvmlErr(r nvml.Return) error {
	switch r {
	case nvml.SUCCESS:
		return nil
	case nvml.ERROR_NOT_SUPPORTED:
		return ErrNotSupported
	}
	return errors.New("nvml: " + nvml.ErrorString(r))
}

type nvmlSystem struct{}

func (nvmlSystem) DriverVersion() (string, error) {
	v, r := nvml.SystemGetDriverVersion()
	return v, nvmlErr(r)
}

func (nvmlSystem) CUDADriverVersion() (int, error) {
	v, r := nvml.SystemGetCudaDriverVersion()
	return v, nvmlErr(r)
}

func (nvmlSystem) NVMLVersion() (string, error) {
	v, r := nvml.SystemGetNVMLVersion()
	return v, nvmlErr(r)
}

func (nvmlSystem) DeviceCount() (int, error) {
	n, r := nvml.DeviceGetCount()
	return n, nvmlErr(r)
}

func (nvmlSystem) Device(i int) (Device, error) {
	d, r := nvml.DeviceGetHandleByIndex(i)
	if r != nvml.SUCCESS {
		return nil, fmt.Errorf("device %d: %w", i, nvmlErr(r))
	}
	return nvmlDevice{d}, nil
}

func (nvmlSystem) Close() error { return nvmlErr(nvml.Shutdown()) }

type nvmlDevice struct{ d nvml.Device }

func (x nvmlDevice) Name() (string, error) {
	v, r := x.d.GetName()
	return v, nvmlErr(r)
}

func (x nvmlDevice) UUID() (string, error) {
	v, r := x.d.GetUUID()
	return v, nvmlErr(r)
}

func (x nvmlDevice) PCIBusID() (string, error) {
	p, r := x.d.GetPciInfo()
	if r != nvml.SUCCESS {
		return "", nvmlErr(r)
	}
	b := make([]byte, 0, len(p.BusId))
	for _, c := range p.BusId {
		if c == 0 {
			break
		}
		b = append(b, byte(c))
	}
	return string(b), nil
}

func (x nvmlDevice) ComputeCapability() (int, int, error) {
	major, minor, r := x.d.GetCudaComputeCapability()
	return major, minor, nvmlErr(r)
}

func (x nvmlDevice) Memory() (Memory, error) {
	m, r := x.d.GetMemoryInfo()
	return Memory{Total: m.Total, Used: m.Used, Free: m.Free}, nvmlErr(r)
}

func (x nvmlDevice) Utilization() (uint32, uint32, error) {
	u, r := x.d.GetUtilizationRates()
	return u.Gpu, u.Memory, nvmlErr(r)
}

func (x nvmlDevice) Temperature() (int, error) {
	t, r := x.d.GetTemperature(nvml.TEMPERATURE_GPU)
	return int(t), nvmlErr(r)
}

func (x nvmlDevice) SlowdownTemperature() (int, error) {
	t, r := x.d.GetTemperatureThreshold(nvml.TEMPERATURE_THRESHOLD_SLOWDOWN)
	return int(t), nvmlErr(r)
}

func (x nvmlDevice) Power() (uint32, error) {
	v, r := x.d.GetPowerUsage()
	return v, nvmlErr(r)
}

func (x nvmlDevice) PowerLimit() (uint32, error) {
	v, r := x.d.GetEnforcedPowerLimit()
	return v, nvmlErr(r)
}

func (x nvmlDevice) Energy() (uint64, error) {
	v, r := x.d.GetTotalEnergyConsumption()
	return v, nvmlErr(r)
}

func (x nvmlDevice) ECCMode() (bool, bool, error) {
	cur, pend, r := x.d.GetEccMode()
	return cur == nvml.FEATURE_ENABLED, pend == nvml.FEATURE_ENABLED, nvmlErr(r)
}

func (x nvmlDevice) ECCErrors(uncorrected, aggregate bool) (uint64, error) {
	typ, ctr := nvml.MEMORY_ERROR_TYPE_CORRECTED, nvml.VOLATILE_ECC
	if uncorrected {
		typ = nvml.MEMORY_ERROR_TYPE_UNCORRECTED
	}
	if aggregate {
		ctr = nvml.AGGREGATE_ECC
	}
	v, r := x.d.GetTotalEccErrors(typ, ctr)
	return v, nvmlErr(r)
}

func (x nvmlDevice) RetiredPages() (int, bool, error) {
	n := 0
	for _, cause := range []nvml.PageRetirementCause{nvml.PAGE_RETIREMENT_CAUSE_MULTIPLE_SINGLE_BIT_ECC_ERRORS, nvml.PAGE_RETIREMENT_CAUSE_DOUBLE_BIT_ECC_ERROR} {
		pages, r := x.d.GetRetiredPages(cause)
		if r != nvml.SUCCESS {
			return 0, false, nvmlErr(r)
		}
		n += len(pages)
	}
	p, r := x.d.GetRetiredPagesPendingStatus()
	return n, p == nvml.FEATURE_ENABLED, nvmlErr(r)
}

func (x nvmlDevice) RemappedRows() (RemappedRows, error) {
	corr, unc, pending, failure, r := x.d.GetRemappedRows()
	return RemappedRows{Corrected: corr, Uncorrected: unc, Pending: pending, Failure: failure}, nvmlErr(r)
}

func (x nvmlDevice) MIGMode() (bool, bool, error) {
	cur, pend, r := x.d.GetMigMode()
	return cur == nvml.DEVICE_MIG_ENABLE, pend == nvml.DEVICE_MIG_ENABLE, nvmlErr(r)
}

func (x nvmlDevice) ComputeMode() (string, error) {
	m, r := x.d.GetComputeMode()
	if r != nvml.SUCCESS {
		return "", nvmlErr(r)
	}
	switch m {
	case nvml.COMPUTEMODE_DEFAULT:
		return "default", nil
	case nvml.COMPUTEMODE_EXCLUSIVE_THREAD:
		return "exclusive_thread", nil
	case nvml.COMPUTEMODE_PROHIBITED:
		return "prohibited", nil
	case nvml.COMPUTEMODE_EXCLUSIVE_PROCESS:
		return "exclusive_process", nil
	}
	return fmt.Sprintf("mode_%d", m), nil
}

func (x nvmlDevice) ClockEventReasons() (uint64, error) {
	v, r := x.d.GetCurrentClocksEventReasons()
	return v, nvmlErr(r)
}

func (x nvmlDevice) Processes() ([]Process, error) {
	ps, r := x.d.GetComputeRunningProcesses()
	if r != nvml.SUCCESS {
		return nil, nvmlErr(r)
	}
	out := make([]Process, len(ps))
	for i, p := range ps {
		out[i] = Process{PID: p.Pid, UsedMemory: p.UsedGpuMemory}
	}
	return out, nil
}
