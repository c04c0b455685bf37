package gpu

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/sophia-ai/sophia-eval/internal/severity"
)

// Sentinels of the pre-flight checks. Each finding wraps exactly one; test with
// errors.Is.
var (
	ErrCUDAVersion     = errors.New("gpu: CUDA driver version too old")
	ErrDriverBranch    = errors.New("gpu: driver branch too old")
	ErrGPUCount        = errors.New("gpu: too few GPUs")
	ErrFreeMemory      = errors.New("gpu: not enough free memory")
	ErrECCUncorrected  = errors.New("gpu: uncorrected ECC errors")
	ErrECCDisabled     = errors.New("gpu: ECC disabled")
	ErrRowRemapPending = errors.New("gpu: row remapping pending")
	ErrRowRemapFailure = errors.New("gpu: row remapping failed")
	ErrRetiredPending  = errors.New("gpu: page retirement pending")
	ErrForeignProcess  = errors.New("gpu: foreign compute process")
	ErrTemperature     = errors.New("gpu: temperature too high")
	ErrThrottle        = errors.New("gpu: clocks held down")
	ErrMIGMode         = errors.New("gpu: MIG mode not as expected")
	ErrQueryFailed     = errors.New("gpu: query failed")
)

// Severity says whether a finding fails the pre-flight.
// Its String is "warning" or "error", and it marshals as that text.
type Severity = severity.Level

const (
	// Warning: the run can start, but something deserves a look.
	Warning = severity.Warning
	// Error: a hard check failed (exit status 2 of sophia-eval gpu preflight).
	Error = severity.Error
)

// Finding is one problem found by the pre-flight.
type Finding struct {
	Severity Severity
	// Code is a stable, machine-readable name of the check ("cuda_version").
	Code string
	// Device is the index of the device the finding is about; -1 for the driver or
	// the machine as a whole.
	Device int
	// Err wraps one of the package's sentinels and says what is wrong.
	Err error
}

// Error describes the finding with its location.
func (f *Finding) Error() string {
	if f.Device < 0 {
		return f.Err.Error()
	}
	return fmt.Sprintf("gpu %d: %v", f.Device, f.Err)
}

// Unwrap returns the finding's error.
func (f *Finding) Unwrap() error { return f.Err }

// Requirements are what the pre-flight checks. The zero value checks the runbook's
// defaults.
type Requirements struct {
	// MinCUDA is the lowest CUDA driver version, NVML-encoded (12040 = 12.4).
	// Default: 12040.
	MinCUDA int
	// MinDriverBranch is the lowest driver branch (the major version, 550 in
	// "550.54.15"). Default: 550, the first branch of CUDA 12.4.
	MinDriverBranch int
	// GPUs is the number of GPUs the run needs. Default: 1.
	GPUs int
	// MinFreeBytes is the free memory each GPU must have. Default: 0 (not checked).
	MinFreeBytes uint64
	// MaxTemperatureC: a GPU hotter than this is a warning. Default: 85, or 5 °C
	// below the device's slowdown temperature if that is lower.
	MaxTemperatureC int
	// MIG is the expected MIG mode; nil does not check it. Default: nil.
	MIG *bool
	// AllowPIDs are compute processes that are not foreign (the run's own).
	// Default: none; any compute process is a warning.
	AllowPIDs []uint32
}

func (r Requirements) withDefaults() Requirements {
	if r.MinCUDA == 0 {
		r.MinCUDA = 12040
	}
	if r.MinDriverBranch == 0 {
		r.MinDriverBranch = 550
	}
	if r.GPUs == 0 {
		r.GPUs = 1
	}
	if r.MaxTemperatureC == 0 {
		r.MaxTemperatureC = 85
	}
	return r
}

// Report is the result of a pre-flight.
type Report struct {
	Inventory *Inventory // nil when there is no driver
	Findings  []Finding  // empty means every check passed
}

// Failed reports whether a finding is an error.
func (r *Report) Failed() bool {
	for i := range r.Findings {
		if r.Findings[i].Severity == Error {
			return true
		}
	}
	return false
}

// Err returns the findings joined (errors.Join of &Findings[i]); nil when there are none.
func (r *Report) Err() error {
	errs := make([]error, len(r.Findings))
	for i := range r.Findings {
		errs[i] = &r.Findings[i]
	}
	return errors.Join(errs...)
}

// Preflight opens NVML and checks the machine against req. Without the NVIDIA driver
// the report has one error finding ("no_driver") wrapping ErrNoDriver. The error is
// non-nil only when the check could not finish.
func Preflight(ctx context.Context, req Requirements) (*Report, error) {
	sys, err := Open()
	if errors.Is(err, ErrNoDriver) {
		return &Report{Findings: []Finding{{Severity: Error, Code: "no_driver", Device: -1, Err: err}}}, nil
	}
	if err != nil {
		return nil, err
	}
	defer sys.Close()
	return PreflightSystem(ctx, sys, req)
}

// PreflightSystem is Preflight on a given System (a fake in tests).
func PreflightSystem(ctx context.Context, sys System, req Requirements) (*Report, error) {
	inv, err := ReadInventory(ctx, sys)
	if err != nil {
		return nil, err
	}
	return &Report{Inventory: inv, Findings: Check(inv, req)}, nil
}

// Check applies the pre-flight checks to an inventory. It is pure.
func Check(inv *Inventory, req Requirements) []Finding {
	req = req.withDefaults()
	var fs []Finding
	add := func(sev Severity, code string, dev int, sentinel error, format string, args ...any) {
		fs = append(fs, Finding{Severity: sev, Code: code, Device: dev,
			Err: fmt.Errorf("%w: "+format, append([]any{sentinel}, args...)...)})
	}
	for _, q := range inv.Errors {
		add(Warning, "query_failed", -1, ErrQueryFailed, "%s: %s", q.Query, q.Err)
	}
	switch {
	case inv.CUDADriverVersion == 0:
		add(Error, "cuda_version", -1, ErrCUDAVersion, "unknown, need %s", CUDAString(req.MinCUDA))
	case inv.CUDADriverVersion < req.MinCUDA:
		add(Error, "cuda_version", -1, ErrCUDAVersion, "%s, need %s", CUDAString(inv.CUDADriverVersion), CUDAString(req.MinCUDA))
	}
	if b, ok := DriverBranch(inv.DriverVersion); !ok {
		add(Error, "driver_branch", -1, ErrDriverBranch, "cannot read the branch of driver %q, need %d", inv.DriverVersion, req.MinDriverBranch)
	} else if b < req.MinDriverBranch {
		add(Error, "driver_branch", -1, ErrDriverBranch, "driver %s is branch %d, need %d", inv.DriverVersion, b, req.MinDriverBranch)
	}
	if len(inv.Devices) < req.GPUs {
		add(Error, "gpu_count", -1, ErrGPUCount, "%d, need %d", len(inv.Devices), req.GPUs)
	}
	allowed := make(map[uint32]bool, len(req.AllowPIDs))
	for _, p := range req.AllowPIDs {
		allowed[p] = true
	}
	for i := range inv.Devices {
		d := &inv.Devices[i]
		for _, q := range d.Errors {
			add(Warning, "query_failed", d.Index, ErrQueryFailed, "%s: %s", q.Query, q.Err)
		}
		if req.MinFreeBytes > 0 && d.Memory != nil && d.Memory.Free < req.MinFreeBytes {
			add(Error, "free_memory", d.Index, ErrFreeMemory, "%s free, need %s", gib(d.Memory.Free), gib(req.MinFreeBytes))
		}
		if d.ECCEnabled != nil && !*d.ECCEnabled {
			add(Warning, "ecc_disabled", d.Index, ErrECCDisabled, "uncorrectable memory errors would go unnoticed")
		}
		if d.ECC != nil && d.ECC.VolatileUncorrected > 0 {
			add(Error, "ecc_uncorrected", d.Index, ErrECCUncorrected, "%d since the driver was loaded", d.ECC.VolatileUncorrected)
		}
		if rr := d.RemappedRows; rr != nil {
			if rr.Pending {
				add(Error, "row_remap_pending", d.Index, ErrRowRemapPending, "reset the GPU before the run")
			}
			if rr.Failure {
				add(Error, "row_remap_failure", d.Index, ErrRowRemapFailure, "the GPU needs service")
			}
		}
		if d.RetiredPending != nil && *d.RetiredPending {
			add(Error, "retired_pages_pending", d.Index, ErrRetiredPending, "reboot before the run")
		}
		var foreign []string
		for _, p := range d.Processes {
			if !allowed[p.PID] {
				foreign = append(foreign, strconv.FormatUint(uint64(p.PID), 10))
			}
		}
		if len(foreign) > 0 {
			add(Warning, "foreign_process", d.Index, ErrForeignProcess, "pid %s", strings.Join(foreign, ", "))
		}
		if d.TemperatureC != nil {
			limit := req.MaxTemperatureC
			if d.SlowdownTempC != nil && *d.SlowdownTempC-5 < limit {
				limit = *d.SlowdownTempC - 5
			}
			if *d.TemperatureC > limit {
				add(Warning, "temperature", d.Index, ErrTemperature, "%d °C, limit %d °C", *d.TemperatureC, limit)
			}
		}
		if d.ThrottleMask != nil && *d.ThrottleMask&throttleHarmful != 0 {
			add(Warning, "throttle", d.Index, ErrThrottle, "%s", strings.Join(ThrottleReasons(*d.ThrottleMask&throttleHarmful), ", "))
		}
		if req.MIG != nil && d.MIGEnabled != nil && *d.MIGEnabled != *req.MIG {
			add(Error, "mig_mode", d.Index, ErrMIGMode, "MIG is %s, expected %s", onOff(*d.MIGEnabled), onOff(*req.MIG))
		}
	}
	return fs
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// CUDAString formats an NVML CUDA version: 12040 is "12.4".
func CUDAString(v int) string { return fmt.Sprintf("%d.%d", v/1000, v%1000/10) }

// ParseCUDA reads "12.4" (or "12") as NVML's encoding, 12040.
func ParseCUDA(s string) (int, error) {
	major, minor, _ := strings.Cut(strings.TrimSpace(s), ".")
	ma, err1 := strconv.Atoi(major)
	mi := 0
	var err2 error
	if minor != "" {
		mi, err2 = strconv.Atoi(minor)
	}
	if err1 != nil || err2 != nil || ma <= 0 || mi < 0 || mi > 99 {
		return 0, fmt.Errorf("gpu: %q is not a CUDA version like 12.4", s)
	}
	return ma*1000 + mi*10, nil
}

// DriverBranch returns the major number of a driver version: 550 for "550.54.15".
func DriverBranch(v string) (int, bool) {
	major, _, _ := strings.Cut(v, ".")
	b, err := strconv.Atoi(major)
	return b, err == nil && b > 0
}

// gib formats a byte count in GiB with two decimals.
func gib(n uint64) string { return strconv.FormatFloat(float64(n)/(1<<30), 'f', 2, 64) + " GiB" }
