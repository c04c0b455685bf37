package gpu

import (
	"context"
	"errors"
	"fmt"
)

// Inventory is what the driver and each device report. A field is nil when its query
// failed; the query's name is then listed in NotSupported or Errors.
type Inventory struct {
	DriverVersion     string       `json:"driver_version"`
	CUDADriverVersion int          `json:"cuda_driver_version"` // 12040 for 12.4; 0 when unknown
	NVMLVersion       string       `json:"nvml_version"`
	Devices           []DeviceInfo `json:"devices"`
	// NotSupported and Errors list the system-level queries that did not succeed.
	NotSupported []string     `json:"not_supported,omitempty"`
	Errors       []QueryError `json:"errors,omitempty"`
}

// QueryError is a query that failed for a reason other than "not supported".
type QueryError struct {
	Query string `json:"query"`
	Err   string `json:"error"`
}

// DeviceInfo is one device's inventory.
type DeviceInfo struct {
	Index             int           `json:"index"`
	Name              string        `json:"name"`
	UUID              string        `json:"uuid"`
	PCIBusID          string        `json:"pci_bus_id"`
	ComputeCapability string        `json:"compute_capability"` // "9.0"
	Memory            *Memory       `json:"memory"`
	UtilizationGPU    *uint32       `json:"utilization_gpu"`    // percent
	UtilizationMemory *uint32       `json:"utilization_memory"` // percent
	TemperatureC      *int          `json:"temperature_c"`
	SlowdownTempC     *int          `json:"slowdown_temperature_c"`
	PowerW            *float64      `json:"power_w"`
	PowerLimitW       *float64      `json:"power_limit_w"`
	ECCEnabled        *bool         `json:"ecc_enabled"`
	ECCPending        *bool         `json:"ecc_pending"`
	ECC               *ECCCounts    `json:"ecc_errors"`
	RetiredPages      *int          `json:"retired_pages"`
	RetiredPending    *bool         `json:"retired_pages_pending"`
	RemappedRows      *RemappedRows `json:"remapped_rows"`
	MIGEnabled        *bool         `json:"mig_enabled"`
	MIGPending        *bool         `json:"mig_pending"`
	ComputeMode       string        `json:"compute_mode"`
	ThrottleMask      *uint64       `json:"throttle_mask"`
	ThrottleReasons   []string      `json:"throttle_reasons"`
	Processes         []Process     `json:"processes"`
	NotSupported      []string      `json:"not_supported,omitempty"`
	Errors            []QueryError  `json:"errors,omitempty"`
}

// ECCCounts are the memory error counters.
type ECCCounts struct {
	VolatileCorrected    uint64 `json:"volatile_corrected"`
	VolatileUncorrected  uint64 `json:"volatile_uncorrected"`
	AggregateCorrected   uint64 `json:"aggregate_corrected"`
	AggregateUncorrected uint64 `json:"aggregate_uncorrected"`
}

// recorder sorts query errors into "not supported" and real failures.
type recorder struct {
	notSupported *[]string
	errs         *[]QueryError
}

// ok reports whether err is nil, recording it under query otherwise.
func (r recorder) ok(query string, err error) bool {
	switch {
	case err == nil:
		return true
	case errors.Is(err, ErrNotSupported):
		*r.notSupported = append(*r.notSupported, query)
	default:
		*r.errs = append(*r.errs, QueryError{Query: query, Err: err.Error()})
	}
	return false
}

func ptr[T any](v T) *T { return &v }

// ReadInventory queries the driver and every device of sys. The error is non-nil only
// when the devices cannot be listed or ctx is done; a failed query of one field is
// recorded in the inventory.
func ReadInventory(ctx context.Context, sys System) (*Inventory, error) {
	inv := &Inventory{}
	rec := recorder{&inv.NotSupported, &inv.Errors}
	if v, err := sys.DriverVersion(); rec.ok("driver_version", err) {
		inv.DriverVersion = v
	}
	if v, err := sys.CUDADriverVersion(); rec.ok("cuda_driver_version", err) {
		inv.CUDADriverVersion = v
	}
	if v, err := sys.NVMLVersion(); rec.ok("nvml_version", err) {
		inv.NVMLVersion = v
	}
	n, err := sys.DeviceCount()
	if err != nil {
		return nil, fmt.Errorf("gpu: counting devices: %w", err)
	}
	for i := 0; i < n; i++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		d, err := sys.Device(i)
		if err != nil {
			return nil, fmt.Errorf("gpu: opening device %d: %w", i, err)
		}
		inv.Devices = append(inv.Devices, readDevice(i, d))
	}
	return inv, nil
}

func readDevice(i int, d Device) DeviceInfo {
	di := DeviceInfo{Index: i}
	rec := recorder{&di.NotSupported, &di.Errors}
	if v, err := d.Name(); rec.ok("name", err) {
		di.Name = v
	}
	if v, err := d.UUID(); rec.ok("uuid", err) {
		di.UUID = v
	}
	if v, err := d.PCIBusID(); rec.ok("pci_bus_id", err) {
		di.PCIBusID = v
	}
	if major, minor, err := d.ComputeCapability(); rec.ok("compute_capability", err) {
		di.ComputeCapability = fmt.Sprintf("%d.%d", major, minor)
	}
	if m, err := d.Memory(); rec.ok("memory", err) {
		di.Memory = &m
	}
	if g, m, err := d.Utilization(); rec.ok("utilization", err) {
		di.UtilizationGPU, di.UtilizationMemory = &g, &m
	}
	if t, err := d.Temperature(); rec.ok("temperature", err) {
		di.TemperatureC = &t
	}
	if t, err := d.SlowdownTemperature(); rec.ok("slowdown_temperature", err) {
		di.SlowdownTempC = &t
	}
	if p, err := d.Power(); rec.ok("power", err) {
		di.PowerW = ptr(float64(p) / 1000)
	}
	if p, err := d.PowerLimit(); rec.ok("power_limit", err) {
		di.PowerLimitW = ptr(float64(p) / 1000)
	}
	if cur, pend, err := d.ECCMode(); rec.ok("ecc_mode", err) {
		di.ECCEnabled, di.ECCPending = &cur, &pend
	}
	if di.ECCEnabled == nil || *di.ECCEnabled {
		var c ECCCounts
		okAll := true
		for _, q := range []struct {
			name      string
			unc, aggr bool
			dst       *uint64
		}{
			{"ecc_volatile_corrected", false, false, &c.VolatileCorrected},
			{"ecc_volatile_uncorrected", true, false, &c.VolatileUncorrected},
			{"ecc_aggregate_corrected", false, true, &c.AggregateCorrected},
			{"ecc_aggregate_uncorrected", true, true, &c.AggregateUncorrected},
		} {
			v, err := d.ECCErrors(q.unc, q.aggr)
			if !rec.ok(q.name, err) {
				okAll = false
				continue
			}
			*q.dst = v
		}
		if okAll {
			di.ECC = &c
		}
	}
	if n, pend, err := d.RetiredPages(); rec.ok("retired_pages", err) {
		di.RetiredPages, di.RetiredPending = &n, &pend
	}
	if rr, err := d.RemappedRows(); rec.ok("remapped_rows", err) {
		di.RemappedRows = &rr
	}
	if cur, pend, err := d.MIGMode(); rec.ok("mig_mode", err) {
		di.MIGEnabled, di.MIGPending = &cur, &pend
	}
	if v, err := d.ComputeMode(); rec.ok("compute_mode", err) {
		di.ComputeMode = v
	}
	if v, err := d.ClockEventReasons(); rec.ok("throttle_reasons", err) {
		di.ThrottleMask = &v
		di.ThrottleReasons = ThrottleReasons(v)
	}
	if ps, err := d.Processes(); rec.ok("processes", err) {
		di.Processes = ps
	}
	return di
}

// Supported reports whether the query named q was answered (it is not listed as not
// supported).
func (d *DeviceInfo) Supported(q string) bool {
	for _, s := range d.NotSupported {
		if s == q {
			return false
		}
	}
	return true
}
