package gpu

import (
	"context"
	"fmt"
	"math"
	"time"
)

// Summary condenses a monitored run.
type Summary struct {
	Start   time.Time       `json:"start"`
	End     time.Time       `json:"end"`
	Rounds  int             `json:"rounds"` // samples taken of every device
	Devices []DeviceSummary `json:"devices"`
}

// DeviceSummary condenses one device's samples. Metrics the device never reported
// are NaN in Go and null in JSON.
type DeviceSummary struct {
	Device         int     `json:"device"`
	Samples        int     `json:"samples"`
	MeanUtil       float64 `json:"mean_util"`
	MaxUtil        float64 `json:"max_util"`
	MeanMemUtil    float64 `json:"mean_mem_util"`
	PeakMemoryUsed float64 `json:"peak_memory_used"` // bytes
	MaxTempC       float64 `json:"max_temperature_c"`
	MaxPowerW      float64 `json:"max_power_w"`
	// EnergyJ is the energy used between the first and last sample: the difference
	// of the driver's energy counter, or the power draw integrated over time
	// (trapezoids) when the device has no counter. EnergySource says which.
	EnergyJ      float64 `json:"energy_j"`
	EnergySource string  `json:"energy_source"` // "counter", "power" or ""
	NewECC       float64 `json:"new_ecc_errors"`
}

// summarizer accumulates a Summary.
type summarizer struct {
	sum                 Summary
	utilSum, memUtilSum []float64
	utilN, memUtilN     []int
	first, last         []Sample
	powerJ              []float64
	powerOK             []bool
}

func newSummarizer(n int) *summarizer {
	z := &summarizer{
		utilSum: make([]float64, n), memUtilSum: make([]float64, n), utilN: make([]int, n), memUtilN: make([]int, n),
		first: make([]Sample, n), last: make([]Sample, n), powerJ: make([]float64, n), powerOK: make([]bool, n),
	}
	nan := math.NaN()
	for i := 0; i < n; i++ {
		z.sum.Devices = append(z.sum.Devices, DeviceSummary{Device: i, MeanUtil: nan, MaxUtil: nan, MeanMemUtil: nan,
			PeakMemoryUsed: nan, MaxTempC: nan, MaxPowerW: nan, EnergyJ: nan, NewECC: nan})
		z.powerOK[i] = true
	}
	return z
}

func nanMax(a, b float64) float64 {
	if math.IsNaN(b) {
		return a
	}
	if math.IsNaN(a) || b > a {
		return b
	}
	return a
}

func (z *summarizer) add(samples []Sample) {
	for _, s := range samples {
		i := s.Device
		if i < 0 || i >= len(z.sum.Devices) {
			continue
		}
		d := &z.sum.Devices[i]
		if z.sum.Start.IsZero() || s.Time.Before(z.sum.Start) {
			z.sum.Start = s.Time
		}
		if s.Time.After(z.sum.End) {
			z.sum.End = s.Time
		}
		if d.Samples == 0 {
			z.first[i] = s
		} else if p := z.last[i]; math.IsNaN(p.PowerW) || math.IsNaN(s.PowerW) {
			z.powerOK[i] = false
		} else {
			z.powerJ[i] += (p.PowerW + s.PowerW) / 2 * s.Time.Sub(p.Time).Seconds()
		}
		z.last[i] = s
		d.Samples++
		if d.Samples > z.sum.Rounds {
			z.sum.Rounds = d.Samples
		}
		if !math.IsNaN(s.UtilGPU) {
			z.utilSum[i] += s.UtilGPU
			z.utilN[i]++
		}
		if !math.IsNaN(s.UtilMemory) {
			z.memUtilSum[i] += s.UtilMemory
			z.memUtilN[i]++
		}
		d.MaxUtil = nanMax(d.MaxUtil, s.UtilGPU)
		d.PeakMemoryUsed = nanMax(d.PeakMemoryUsed, s.MemoryUsed)
		d.MaxTempC = nanMax(d.MaxTempC, s.TemperatureC)
		d.MaxPowerW = nanMax(d.MaxPowerW, s.PowerW)
	}
}

func (z *summarizer) summary() Summary {
	out := z.sum
	out.Devices = append([]DeviceSummary(nil), z.sum.Devices...)
	for i := range out.Devices {
		d := &out.Devices[i]
		if z.utilN[i] > 0 {
			d.MeanUtil = z.utilSum[i] / float64(z.utilN[i])
		}
		if z.memUtilN[i] > 0 {
			d.MeanMemUtil = z.memUtilSum[i] / float64(z.memUtilN[i])
		}
		if d.Samples == 0 {
			continue
		}
		f, l := z.first[i], z.last[i]
		switch {
		case !math.IsNaN(f.EnergyJ) && !math.IsNaN(l.EnergyJ):
			d.EnergyJ, d.EnergySource = l.EnergyJ-f.EnergyJ, "counter"
		case z.powerOK[i] && !math.IsNaN(f.PowerW):
			d.EnergyJ, d.EnergySource = z.powerJ[i], "power"
		}
		if !math.IsNaN(f.ECCCorrected) && !math.IsNaN(l.ECCUncorrected) {
			d.NewECC = l.ECCCorrected - f.ECCCorrected + l.ECCUncorrected - f.ECCUncorrected
		}
	}
	return out
}

// MonitorConfig says how to monitor. The zero value samples every second until ctx
// is done, without alerts and without writing the series.
type MonitorConfig struct {
	// Interval between samples. Default: 1s.
	Interval time.Duration
	// Ticks, when set, replaces the ticker: a sample is taken at each receive.
	// For tests. Default: a time.Ticker at Interval.
	Ticks <-chan time.Time
	// Now stamps the samples. Default: time.Now.
	Now func() time.Time
	// Until stops the monitor after the first sample stamped at or after it.
	// Default: zero, no limit.
	Until time.Time
	// Rules are evaluated on every round of samples. Default: none.
	Rules []Rule
	// Series receives every round of samples. Default: nil, not written.
	Series SeriesWriter
	// OnAlert is called for each alert as it fires. Default: nil.
	OnAlert func(Alert)
}

// MonitorResult is what a monitored run produced.
type MonitorResult struct {
	Summary Summary
	Rules   []Rule
	Firings []Alert
}

// Monitor samples every device of sys, once at the start and then at each tick,
// until ctx is done or Until is reached. Both are normal ends: the error is non-nil
// only when the series could not be written or the devices could not be opened. The
// series writer is not closed.
func Monitor(ctx context.Context, sys System, c MonitorConfig) (*MonitorResult, error) {
	if c.Interval == 0 {
		c.Interval = time.Second
	}
	if c.Interval < 0 {
		return nil, fmt.Errorf("gpu: negative monitor interval %v", c.Interval)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	ticks := c.Ticks
	if ticks == nil {
		t := time.NewTicker(c.Interval)
		defer t.Stop()
		ticks = t.C
	}
	smp, err := NewSampler(sys)
	if err != nil {
		return nil, err
	}
	z := newSummarizer(smp.Devices())
	al := NewAlerter(c.Rules)
	res := &MonitorResult{Rules: c.Rules}
	finish := func(err error) (*MonitorResult, error) {
		res.Summary, res.Firings = z.summary(), al.Firings
		return res, err
	}
	for {
		now := c.Now()
		samples := smp.Sample(now)
		z.add(samples)
		for _, a := range al.Observe(samples) {
			if c.OnAlert != nil {
				c.OnAlert(a)
			}
		}
		if c.Series != nil {
			if err := c.Series.Write(samples); err != nil {
				return finish(fmt.Errorf("gpu: writing samples: %w", err))
			}
		}
		if !c.Until.IsZero() && !now.Before(c.Until) {
			return finish(nil)
		}
		select {
		case <-ctx.Done():
			return finish(nil)
		case _, ok := <-ticks:
			if !ok {
				return finish(nil)
			}
		}
	}
}
