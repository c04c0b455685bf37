package gpu

import (
	"errors"
	"strconv"
)

var (
	// ErrNoDriver means NVML could not be loaded: no NVIDIA driver on this machine, or
	// a binary built without NVML.
	ErrNoDriver = errors.New("gpu: no NVIDIA driver")
	// ErrNotSupported is returned by a query the device or driver does not support.
	// It is reported as "not supported", never as a failure.
	ErrNotSupported = errors.New("gpu: not supported")
)

// System is the driver-level view of the GPUs: what NVML's system and device-count
// calls give. Methods return ErrNotSupported for a query the driver does not support.
// A System is not safe for concurrent use.
type System interface {
	// DriverVersion is the kernel driver's version, such as "550.54.15".
	DriverVersion() (string, error)
	// CUDADriverVersion is the CUDA version the driver supports, as NVML encodes it:
	// 12040 for 12.4 (major*1000 + minor*10).
	CUDADriverVersion() (int, error)
	// NVMLVersion is the NVML library's version, such as "12.550.54.15".
	NVMLVersion() (string, error)
	DeviceCount() (int, error)
	// Device returns the device with the given index, 0 <= index < DeviceCount().
	Device(index int) (Device, error)
	// Close releases the library. The System must not be used afterwards.
	Close() error
}

// Device is one GPU. Each method is one NVML query; a query the device does not
// support returns ErrNotSupported.
type Device interface {
	Name() (string, error)
	UUID() (string, error)
	PCIBusID() (string, error)
	ComputeCapability() (major, minor int, err error)
	Memory() (Memory, error)
	// Utilization is the percentage of time the GPU and its memory were busy over
	// the driver's last sample period.
	Utilization() (gpu, memory uint32, err error)
	// Temperature of the GPU die in °C.
	Temperature() (int, error)
	// SlowdownTemperature is the temperature (°C) at which the GPU starts to slow down.
	SlowdownTemperature() (int, error)
	// Power draw in milliwatts.
	Power() (uint32, error)
	// PowerLimit is the enforced power limit in milliwatts.
	PowerLimit() (uint32, error)
	// Energy is the energy consumed since the driver was loaded, in millijoules.
	Energy() (uint64, error)
	ECCMode() (enabled, pending bool, err error)
	// ECCErrors counts memory errors: uncorrected or corrected, since the last driver
	// load (volatile) or over the device's lifetime (aggregate).
	ECCErrors(uncorrected, aggregate bool) (uint64, error)
	// RetiredPages counts retired memory pages (pre-Ampere) and says whether a
	// retirement waits for a reboot.
	RetiredPages() (count int, pending bool, err error)
	// RemappedRows reports row remapping (Ampere and later).
	RemappedRows() (RemappedRows, error)
	MIGMode() (enabled, pending bool, err error)
	// ComputeMode is "default", "exclusive_process" or "prohibited".
	ComputeMode() (string, error)
	// ClockEventReasons is NVML's bit mask of reasons the clocks are held down
	// (see ThrottleReasons).
	ClockEventReasons() (uint64, error)
	// Processes are the compute processes running on the device.
	Processes() ([]Process, error)
}

// Memory is a device's frame buffer in bytes.
type Memory struct {
	Total uint64 `json:"total"`
	Used  uint64 `json:"used"`
	Free  uint64 `json:"free"`
}

// RemappedRows is the state of the row remapper.
type RemappedRows struct {
	Corrected   int  `json:"corrected"`   // rows remapped after correctable errors
	Uncorrected int  `json:"uncorrected"` // rows remapped after uncorrectable errors
	Pending     bool `json:"pending"`     // a remap waits for a GPU reset
	Failure     bool `json:"failure"`     // a remap failed
}

// Process is a compute process on a device.
type Process struct {
	PID        uint32 `json:"pid"`
	UsedMemory uint64 `json:"used_memory"` // bytes; 0 when the driver does not say
}

// Clock event (throttle) reason bits, as NVML defines them.
const (
	ThrottleGPUIdle          uint64 = 0x1
	ThrottleAppClocksSetting uint64 = 0x2
	ThrottleSWPowerCap       uint64 = 0x4
	ThrottleHWSlowdown       uint64 = 0x8
	ThrottleSyncBoost        uint64 = 0x10
	ThrottleSWThermal        uint64 = 0x20
	ThrottleHWThermal        uint64 = 0x40
	ThrottleHWPowerBrake     uint64 = 0x80
	ThrottleDisplayClock     uint64 = 0x100
	throttleHarmful                 = ThrottleHWSlowdown | ThrottleSWThermal | ThrottleHWThermal | ThrottleHWPowerBrake
	throttleNameCount               = 9
)

var throttleNames = [throttleNameCount]string{
	"gpu_idle", "applications_clocks_setting", "sw_power_cap", "hw_slowdown", "sync_boost",
	"sw_thermal_slowdown", "hw_thermal_slowdown", "hw_power_brake_slowdown", "display_clock_setting",
}

// ThrottleReasons names the bits set in an NVML clock event reason mask, in bit
// order; unknown bits are named "0x…".
func ThrottleReasons(mask uint64) []string {
	var out []string
	for i := 0; i < 64; i++ {
		bit := uint64(1) << i
		if mask&bit == 0 {
			continue
		}
		if i < throttleNameCount {
			out = append(out, throttleNames[i])
		} else {
			out = append(out, "0x"+strconv.FormatUint(bit, 16))
		}
	}
	return out
}

func isNotSupported(err error) bool { return errors.Is(err, ErrNotSupported) }

// Available reports whether NVML can be opened on this machine: the binary was built
// with NVML and the driver is installed.
func Available() bool {
	sys, err := Open()
	if err != nil {
		return false
	}
	sys.Close()
	return true
}
