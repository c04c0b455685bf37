package gpu

import (
	"fmt"
	"math"
	"time"
)

// Sample is one reading of one device. A metric the device does not report is NaN.
type Sample struct {
	Time           time.Time
	Device         int
	UtilGPU        float64 // percent
	UtilMemory     float64 // percent
	MemoryUsed     float64 // bytes
	MemoryTotal    float64 // bytes
	TemperatureC   float64
	PowerW         float64
	EnergyJ        float64 // the driver's counter since it was loaded
	ECCCorrected   float64 // volatile counter
	ECCUncorrected float64 // volatile counter
	ThrottleMask   uint64  // 0 when not reported
}

// Sampler reads the monitored metrics of every device. A query a device does not
// support is not asked again. A Sampler is not safe for concurrent use.
type Sampler struct {
	devs        []Device
	unsupported []uint16 // per device: bit i set = query i not supported
	buf         []Sample
}

// Queries of a sample, as bits of Sampler.unsupported.
const (
	qMemory = 1 << iota
	qUtil
	qTemp
	qPower
	qEnergy
	qECCCorrected
	qECCUncorrected
	qThrottle
)

// NewSampler opens every device of sys.
func NewSampler(sys System) (*Sampler, error) {
	n, err := sys.DeviceCount()
	if err != nil {
		return nil, fmt.Errorf("gpu: counting devices: %w", err)
	}
	s := &Sampler{unsupported: make([]uint16, n), buf: make([]Sample, n)}
	for i := 0; i < n; i++ {
		d, err := sys.Device(i)
		if err != nil {
			return nil, fmt.Errorf("gpu: opening device %d: %w", i, err)
		}
		s.devs = append(s.devs, d)
	}
	return s, nil
}

// Devices is the number of devices sampled.
func (s *Sampler) Devices() int { return len(s.devs) }

// Sample reads every device once and stamps the readings with now. The returned slice
// is reused by the next call.
func (s *Sampler) Sample(now time.Time) []Sample {
	nan := math.NaN()
	for i, d := range s.devs {
		x := Sample{Time: now, Device: i, UtilGPU: nan, UtilMemory: nan, MemoryUsed: nan, MemoryTotal: nan,
			TemperatureC: nan, PowerW: nan, EnergyJ: nan, ECCCorrected: nan, ECCUncorrected: nan}
		skip := &s.unsupported[i]
		if s.ask(skip, qMemory) {
			m, err := d.Memory()
			if s.keep(skip, qMemory, err) {
				x.MemoryUsed, x.MemoryTotal = float64(m.Used), float64(m.Total)
			}
		}
		if s.ask(skip, qUtil) {
			g, m, err := d.Utilization()
			if s.keep(skip, qUtil, err) {
				x.UtilGPU, x.UtilMemory = float64(g), float64(m)
			}
		}
		if s.ask(skip, qTemp) {
			t, err := d.Temperature()
			if s.keep(skip, qTemp, err) {
				x.TemperatureC = float64(t)
			}
		}
		if s.ask(skip, qPower) {
			p, err := d.Power()
			if s.keep(skip, qPower, err) {
				x.PowerW = float64(p) / 1000
			}
		}
		if s.ask(skip, qEnergy) {
			e, err := d.Energy()
			if s.keep(skip, qEnergy, err) {
				x.EnergyJ = float64(e) / 1000
			}
		}
		if s.ask(skip, qECCCorrected) {
			v, err := d.ECCErrors(false, false)
			if s.keep(skip, qECCCorrected, err) {
				x.ECCCorrected = float64(v)
			}
		}
		if s.ask(skip, qECCUncorrected) {
			v, err := d.ECCErrors(true, false)
			if s.keep(skip, qECCUncorrected, err) {
				x.ECCUncorrected = float64(v)
			}
		}
		if s.ask(skip, qThrottle) {
			v, err := d.ClockEventReasons()
			if s.keep(skip, qThrottle, err) {
				x.ThrottleMask = v
			}
		}
		s.buf[i] = x
	}
	return s.buf
}

func (s *Sampler) ask(skip *uint16, q uint16) bool { return *skip&q == 0 }

// keep reports whether err is nil and remembers a query that is not supported. Other
// errors leave the metric NaN for this sample only.
func (s *Sampler) keep(skip *uint16, q uint16, err error) bool {
	if err == nil {
		return true
	}
	if isNotSupported(err) {
		*skip |= q
	}
	return false
}
