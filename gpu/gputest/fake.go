// Package gputest provides a fake gpu.System for tests of code that uses package gpu.
package gputest

import (
	"fmt"

	"github.com/sophia-ai/sophia-eval/gpu"
)

// System is a fake gpu.System. Its fields are what the queries return; Err maps a
// query name ("driver_version", "cuda_driver_version", "nvml_version",
// "device_count") to the error that query returns instead.
type System struct {
	Driver  string
	CUDA    int
	NVML    string
	Devices []*Device
	Err     map[string]error
	Closed  bool
}

// New returns a fake machine with n healthy H100s on driver 550.54.15 (CUDA 12.4).
func New(n int) *System {
	s := &System{Driver: "550.54.15", CUDA: 12040, NVML: "12.550.54.15"}
	for i := 0; i < n; i++ {
		s.Devices = append(s.Devices, H100(i))
	}
	return s
}

// H100 returns a healthy, idle H100 80GB with index i.
func H100(i int) *Device {
	const total = 85520809984
	return &Device{
		Model: "NVIDIA H100 80GB HBM3", ID: fmt.Sprintf("GPU-00000000-0000-0000-0000-%012d", i),
		BusID: fmt.Sprintf("00000000:%02X:00.0", 0x19+i), CCMajor: 9, CCMinor: 0,
		Mem:   gpu.Memory{Total: total, Used: 548405248, Free: total - 548405248},
		TempC: 32, SlowdownC: 87, PowerMW: 71000, LimitMW: 700000, EnergyMJ: 1_000_000,
		ECCEnabled: true, ECCPend: true, Mode: "default", Throttle: gpu.ThrottleGPUIdle,
		Err: map[string]error{"retired_pages": gpu.ErrNotSupported},
	}
}

func (s *System) err(q string) error { return s.Err[q] }

// DriverVersion implements gpu.System.
func (s *System) DriverVersion() (string, error) { return s.Driver, s.err("driver_version") }

// CUDADriverVersion implements gpu.System.
func (s *System) CUDADriverVersion() (int, error) { return s.CUDA, s.err("cuda_driver_version") }

// NVMLVersion implements gpu.System.
func (s *System) NVMLVersion() (string, error) { return s.NVML, s.err("nvml_version") }

// DeviceCount implements gpu.System.
func (s *System) DeviceCount() (int, error) { return len(s.Devices), s.err("device_count") }

// Device implements gpu.System.
func (s *System) Device(i int) (gpu.Device, error) {
	if i < 0 || i >= len(s.Devices) {
		return nil, fmt.Errorf("gputest: no device %d", i)
	}
	return s.Devices[i], nil
}

// Close implements gpu.System.
func (s *System) Close() error { s.Closed = true; return nil }

// Device is a fake gpu.Device. Err maps a query name (the names in
// gpu.DeviceInfo.NotSupported: "name", "memory", "utilization", "temperature",
// "power", "energy", "ecc_mode", "ecc_volatile_uncorrected", "retired_pages",
// "remapped_rows", "mig_mode", "throttle_reasons", "processes", …) to the error
// that query returns. The fields may be changed between samples.
type Device struct {
	Model, ID, BusID    string
	CCMajor, CCMinor    int
	Mem                 gpu.Memory
	UtilGPU, UtilMem    uint32
	TempC, SlowdownC    int
	PowerMW, LimitMW    uint32
	EnergyMJ            uint64
	ECCEnabled, ECCPend bool
	ECC                 gpu.ECCCounts
	Retired             int
	RetiredPending      bool
	Remapped            gpu.RemappedRows
	MIG, MIGPending     bool
	Mode                string
	Throttle            uint64
	Procs               []gpu.Process
	Err                 map[string]error
}

func (d *Device) err(q string) error { return d.Err[q] }

// The methods implement gpu.Device.

func (d *Device) Name() (string, error)     { return d.Model, d.err("name") }
func (d *Device) UUID() (string, error)     { return d.ID, d.err("uuid") }
func (d *Device) PCIBusID() (string, error) { return d.BusID, d.err("pci_bus_id") }
func (d *Device) ComputeCapability() (int, int, error) {
	return d.CCMajor, d.CCMinor, d.err("compute_capability")
}
func (d *Device) Memory() (gpu.Memory, error) { return d.Mem, d.err("memory") }
func (d *Device) Utilization() (uint32, uint32, error) {
	return d.UtilGPU, d.UtilMem, d.err("utilization")
}
func (d *Device) Temperature() (int, error) { return d.TempC, d.err("temperature") }
func (d *Device) SlowdownTemperature() (int, error) {
	return d.SlowdownC, d.err("slowdown_temperature")
}
func (d *Device) Power() (uint32, error)       { return d.PowerMW, d.err("power") }
func (d *Device) PowerLimit() (uint32, error)  { return d.LimitMW, d.err("power_limit") }
func (d *Device) Energy() (uint64, error)      { return d.EnergyMJ, d.err("energy") }
func (d *Device) ECCMode() (bool, bool, error) { return d.ECCEnabled, d.ECCPend, d.err("ecc_mode") }
func (d *Device) ECCErrors(uncorrected, aggregate bool) (uint64, error) {
	switch {
	case !uncorrected && !aggregate:
		return d.ECC.VolatileCorrected, d.err("ecc_volatile_corrected")
	case uncorrected && !aggregate:
		return d.ECC.VolatileUncorrected, d.err("ecc_volatile_uncorrected")
	case !uncorrected:
		return d.ECC.AggregateCorrected, d.err("ecc_aggregate_corrected")
	}
	return d.ECC.AggregateUncorrected, d.err("ecc_aggregate_uncorrected")
}
func (d *Device) RetiredPages() (int, bool, error) {
	return d.Retired, d.RetiredPending, d.err("retired_pages")
}
func (d *Device) RemappedRows() (gpu.RemappedRows, error) { return d.Remapped, d.err("remapped_rows") }
func (d *Device) MIGMode() (bool, bool, error)            { return d.MIG, d.MIGPending, d.err("mig_mode") }
func (d *Device) ComputeMode() (string, error)            { return d.Mode, d.err("compute_mode") }
func (d *Device) ClockEventReasons() (uint64, error)      { return d.Throttle, d.err("throttle_reasons") }
func (d *Device) Processes() ([]gpu.Process, error)       { return d.Procs, d.err("processes") }
