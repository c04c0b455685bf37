package gpu_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sophia-ai/sophia-eval/gpu"
	"github.com/sophia-ai/sophia-eval/gpu/gputest"
)

var t0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func TestParseRule(t *testing.T) {
	tests := []struct {
		in   string
		want gpu.Rule
		str  string
	}{
		{"util < 20 for 5m", gpu.Rule{Metric: "util", Op: "<", Threshold: 20, For: 5 * time.Minute}, "util < 20 for 5m0s"},
		{"temp>85", gpu.Rule{Metric: "temp", Op: ">", Threshold: 85}, "temp > 85"},
		{"ecc_new > 0", gpu.Rule{Metric: "ecc_new", Op: ">", Threshold: 0}, "ecc_new > 0"},
		{" mem_used_pct >= 95.5 for 30s ", gpu.Rule{Metric: "mem_used_pct", Op: ">=", Threshold: 95.5, For: 30 * time.Second}, "mem_used_pct >= 95.5 for 30s"},
		{"throttle==1", gpu.Rule{Metric: "throttle", Op: "==", Threshold: 1}, "throttle == 1"},
		{"power <= 100", gpu.Rule{Metric: "power", Op: "<=", Threshold: 100}, "power <= 100"},
	}
	for _, tt := range tests {
		r, err := gpu.ParseRule(tt.in)
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, r, tt.in)
		assert.Equal(t, tt.str, r.String())
		again, err := gpu.ParseRule(r.String())
		require.NoError(t, err)
		assert.Equal(t, r, again)
	}
	for _, in := range []string{"", "util", "util ~ 3", "fan > 3", "util < x", "util < 20 for soon", "util < 20 for -1m", "util = 3"} {
		_, err := gpu.ParseRule(in)
		assert.ErrorIs(t, err, gpu.ErrBadRule, in)
	}
	for _, s := range gpu.DefaultRules {
		_, err := gpu.ParseRule(s)
		require.NoError(t, err, s)
	}
}

func mustRules(t testing.TB, in ...string) []gpu.Rule {
	var rs []gpu.Rule
	for _, s := range in {
		r, err := gpu.ParseRule(s)
		require.NoError(t, err)
		rs = append(rs, r)
	}
	return rs
}

func sample(dev int, at time.Duration, mod func(*gpu.Sample)) gpu.Sample {
	s := gpu.Sample{Time: t0.Add(at), Device: dev, UtilGPU: 90, UtilMemory: 50, MemoryUsed: 40e9, MemoryTotal: 80e9,
		TemperatureC: 60, PowerW: 500, EnergyJ: 1000, ECCCorrected: 0, ECCUncorrected: 0}
	if mod != nil {
		mod(&s)
	}
	return s
}

func TestAlerterHeldFor(t *testing.T) {
	a := gpu.NewAlerter(mustRules(t, "util < 20 for 5m"))
	idle := func(s *gpu.Sample) { s.UtilGPU = 5 }
	var fired []gpu.Alert
	for m := 0; m <= 12; m++ {
		mod := idle
		if m == 2 || m == 10 { // busy blips reset the episode
			mod = nil
		}
		fired = append(fired, a.Observe([]gpu.Sample{sample(0, time.Duration(m)*time.Minute, mod)})...)
	}
	// Idle 3..9 (fires at 8, resolved at 10), idle 11..12 (not long enough).
	require.Len(t, fired, 1)
	assert.Equal(t, t0.Add(3*time.Minute), fired[0].Since)
	assert.Equal(t, t0.Add(8*time.Minute), fired[0].Fired)
	assert.Equal(t, 5.0, fired[0].Value)
	require.Len(t, a.Firings, 1)
	assert.Equal(t, t0.Add(10*time.Minute), a.Firings[0].Resolved)
	assert.Equal(t, "ALERT gpu 0: util < 20 for 5m0s (value 5) since 2026-11-25T12:03:00Z", fired[0].String())
}

func TestAlerterImmediateAndPerDevice(t *testing.T) {
	a := gpu.NewAlerter(mustRules(t, gpu.DefaultRules...))
	hot := func(s *gpu.Sample) { s.TemperatureC = 90 }
	got := a.Observe([]gpu.Sample{sample(0, 0, nil), sample(1, 0, hot)})
	require.Len(t, got, 1)
	assert.Equal(t, 1, got[0].Device)
	assert.Equal(t, "temp", got[0].Rule.Metric)
	// Still hot: no second alert for the same episode.
	assert.Empty(t, a.Observe([]gpu.Sample{sample(0, time.Second, nil), sample(1, time.Second, hot)}))
	// Cools down, heats up again: a new firing.
	a.Observe([]gpu.Sample{sample(1, 2*time.Second, nil)})
	got = a.Observe([]gpu.Sample{sample(1, 3*time.Second, hot)})
	require.Len(t, got, 1)
	assert.Len(t, a.Firings, 2)
}

func TestAlerterNewECC(t *testing.T) {
	a := gpu.NewAlerter(mustRules(t, "ecc_new > 0", "ecc_uncorrected_new > 0"))
	// Errors present before monitoring started are not new.
	old := func(s *gpu.Sample) { s.ECCCorrected = 7 }
	assert.Empty(t, a.Observe([]gpu.Sample{sample(0, 0, old)}))
	assert.Empty(t, a.Observe([]gpu.Sample{sample(0, time.Second, old)}))
	got := a.Observe([]gpu.Sample{sample(0, 2*time.Second, func(s *gpu.Sample) { s.ECCCorrected = 8 })})
	require.Len(t, got, 1)
	assert.Equal(t, "ecc_new", got[0].Rule.Metric)
	assert.Equal(t, 1.0, got[0].Value)
	got = a.Observe([]gpu.Sample{sample(0, 3*time.Second, func(s *gpu.Sample) { s.ECCCorrected = 8; s.ECCUncorrected = 1 })})
	require.Len(t, got, 1)
	assert.Equal(t, "ecc_uncorrected_new", got[0].Rule.Metric)
}

func TestAlerterNaNNeverHolds(t *testing.T) {
	a := gpu.NewAlerter(mustRules(t, "util < 20", "temp > 85", "mem_used_pct > 90"))
	got := a.Observe([]gpu.Sample{sample(0, 0, func(s *gpu.Sample) {
		s.UtilGPU, s.TemperatureC, s.MemoryUsed = math.NaN(), math.NaN(), math.NaN()
	})})
	assert.Empty(t, got)
}

func TestAlerterThrottleAndMemory(t *testing.T) {
	a := gpu.NewAlerter(mustRules(t, "throttle == 1", "mem_used_pct > 90", "mem_used_gib > 70", "power > 650", "mem_util > 95"))
	got := a.Observe([]gpu.Sample{sample(0, 0, func(s *gpu.Sample) {
		s.ThrottleMask = gpu.ThrottleHWPowerBrake
		s.MemoryUsed = 79e9
		s.PowerW = 700
		s.UtilMemory = 99
	})})
	require.Len(t, got, 5)
}

// monitorFake runs Monitor on sys for 1+ticks rounds. round(k) runs on the
// monitor's goroutine before round k is sampled (so it may change the fake without a
// race); the fake clock reads t0 + k seconds.
func monitorFake(t *testing.T, sys gpu.System, ticks int, round func(k int), c gpu.MonitorConfig) *gpu.MonitorResult {
	t.Helper()
	ch := make(chan time.Time)
	k := 0
	c.Ticks = ch
	c.Now = func() time.Time {
		if round != nil {
			round(k)
		}
		k++
		return t0.Add(time.Duration(k-1) * time.Second)
	}
	done := make(chan struct{})
	var res *gpu.MonitorResult
	var err error
	go func() {
		defer close(done)
		res, err = gpu.Monitor(context.Background(), sys, c)
	}()
loop:
	for i := 0; i < ticks; i++ {
		select {
		case ch <- time.Time{}:
		case <-done:
			break loop
		}
	}
	close(ch)
	<-done
	require.NoError(t, err)
	return res
}

type round struct {
	util   uint32
	used   uint64
	temp   int
	powmW  uint32
	energy uint64
}

var schedule = []round{
	{10, 1e9, 35, 100000, 1_000_000},
	{50, 2e9, 40, 200000, 1_100_000},
	{100, 9e9, 70, 600000, 1_500_000},
	{30, 3e9, 50, 400000, 2_000_000},
}

func applySchedule(sys *gputest.System) func(k int) {
	return func(k int) {
		r := schedule[k]
		for _, d := range sys.Devices {
			d.UtilGPU, d.Mem.Used, d.TempC, d.PowerMW, d.EnergyMJ = r.util, r.used, r.temp, r.powmW, r.energy
		}
	}
}

func TestMonitorSummary(t *testing.T) {
	sys := gputest.New(2)
	sys.Devices[1].Err["energy"] = gpu.ErrNotSupported
	var buf bytes.Buffer
	w, err := gpu.NewSeriesWriter(&buf, gpu.FormatJSONL)
	require.NoError(t, err)
	var alerts []gpu.Alert
	res := monitorFake(t, sys, len(schedule)-1, applySchedule(sys), gpu.MonitorConfig{
		Rules:   mustRules(t, "temp > 60", "util < 20"),
		Series:  w,
		OnAlert: func(a gpu.Alert) { alerts = append(alerts, a) },
	})
	require.NoError(t, w.Close())
	s := res.Summary
	assert.Equal(t, 4, s.Rounds)
	assert.Equal(t, t0, s.Start)
	assert.Equal(t, t0.Add(3*time.Second), s.End)
	require.Len(t, s.Devices, 2)
	for _, d := range s.Devices {
		assert.Equal(t, 4, d.Samples)
		assert.InDelta(t, 47.5, d.MeanUtil, 1e-9)
		assert.Equal(t, 100.0, d.MaxUtil)
		assert.Equal(t, 9e9, d.PeakMemoryUsed)
		assert.Equal(t, 70.0, d.MaxTempC)
		assert.Equal(t, 600.0, d.MaxPowerW)
		assert.Equal(t, 0.0, d.NewECC)
	}
	assert.Equal(t, "counter", s.Devices[0].EnergySource)
	assert.InDelta(t, 1000.0, s.Devices[0].EnergyJ, 1e-9)
	// Trapezoids over 1 s steps: (100+200)/2 + (200+600)/2 + (600+400)/2.
	assert.Equal(t, "power", s.Devices[1].EnergySource)
	assert.InDelta(t, 1050.0, s.Devices[1].EnergyJ, 1e-9)

	// util < 20 fires on both devices at round 0; temp > 60 at round 2.
	require.Len(t, alerts, 4)
	require.Len(t, res.Firings, 4)
	for i, a := range alerts {
		assert.True(t, a.Resolved.IsZero(), "reported as it fires")
		a.Resolved = res.Firings[i].Resolved
		assert.Equal(t, a, res.Firings[i])
	}
	assert.Equal(t, "util", alerts[0].Rule.Metric)
	assert.Equal(t, t0.Add(time.Second), res.Firings[0].Resolved)
	assert.Equal(t, "temp", alerts[2].Rule.Metric)
	assert.Equal(t, t0.Add(2*time.Second), alerts[2].Fired)

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	require.Len(t, lines, 8)
	var rec map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[3]), &rec))
	assert.Equal(t, "2026-11-25T12:00:01Z", rec["time"])
	assert.Equal(t, 1.0, rec["device"])
	assert.Nil(t, rec["energy_j"])
	assert.Equal(t, 200.0, rec["power_w"])
}

func TestMonitorUntilAndCancel(t *testing.T) {
	sys := gputest.New(1)
	res := monitorFake(t, sys, 100, nil, gpu.MonitorConfig{Until: t0.Add(5 * time.Second)})
	assert.Equal(t, 6, res.Summary.Rounds, "rounds at 0..5 s")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := gpu.Monitor(ctx, sys, gpu.MonitorConfig{Ticks: make(chan time.Time)})
	require.NoError(t, err)
	assert.Equal(t, 1, res.Summary.Rounds, "one sample at the start")

	_, err = gpu.Monitor(ctx, sys, gpu.MonitorConfig{Interval: -1})
	assert.Error(t, err)
}

type failWriter struct{}

func (failWriter) Write([]gpu.Sample) error { return errBoom }
func (failWriter) Close() error             { return nil }

func TestMonitorWriteError(t *testing.T) {
	_, err := gpu.Monitor(context.Background(), gputest.New(1), gpu.MonitorConfig{Ticks: make(chan time.Time), Series: failWriter{}})
	require.ErrorIs(t, err, errBoom)
}

func seriesSamples() []gpu.Sample {
	return []gpu.Sample{
		sample(0, 0, nil),
		sample(1, 0, func(s *gpu.Sample) { s.EnergyJ = math.NaN(); s.ThrottleMask = gpu.ThrottleSWPowerCap }),
		sample(0, 1500*time.Millisecond, func(s *gpu.Sample) { s.UtilGPU = 12.5 }),
	}
}

func TestSeriesCSV(t *testing.T) {
	var buf bytes.Buffer
	w, err := gpu.NewSeriesWriter(&buf, gpu.FormatCSV)
	require.NoError(t, err)
	ss := seriesSamples()
	require.NoError(t, w.Write(ss[:2]))
	require.NoError(t, w.Write(ss[2:]))
	require.NoError(t, w.Close())
	recs, err := csv.NewReader(&buf).ReadAll()
	require.NoError(t, err)
	require.Len(t, recs, 4)
	assert.Equal(t, []string{"time", "device", "util_gpu", "util_memory", "memory_used", "memory_total",
		"temperature_c", "power_w", "energy_j", "ecc_corrected", "ecc_uncorrected", "throttle_mask"}, recs[0])
	assert.Equal(t, []string{"2026-11-25T12:00:00Z", "1", "90", "50", "40000000000", "80000000000", "60", "500", "", "0", "0", "4"}, recs[2])
	assert.Equal(t, "2026-11-25T12:00:01.5Z", recs[3][0])
	assert.Equal(t, "12.5", recs[3][2])
}

func TestSeriesParquet(t *testing.T) {
	var buf bytes.Buffer
	w, err := gpu.NewSeriesWriter(&buf, gpu.FormatParquet)
	require.NoError(t, err)
	require.NoError(t, w.Write(seriesSamples()))
	require.NoError(t, w.Close())
	pr, err := file.NewParquetReader(bytes.NewReader(buf.Bytes()))
	require.NoError(t, err)
	fr, err := pqarrow.NewFileReader(pr, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	require.NoError(t, err)
	tbl, err := fr.ReadTable(context.Background())
	require.NoError(t, err)
	defer tbl.Release()
	assert.Equal(t, int64(3), tbl.NumRows())
	assert.Equal(t, 12, int(tbl.NumCols()))
	assert.Equal(t, "energy_j", tbl.Schema().Field(8).Name)
	assert.Equal(t, 1, tbl.Column(8).NullN())
	assert.Equal(t, "timestamp[us, tz=UTC]", tbl.Schema().Field(0).Type.String())
}

func TestFormatOf(t *testing.T) {
	for in, want := range map[string]string{"a.csv": "csv", "b.JSONL": "jsonl", "c.ndjson": "jsonl", "d/e.parquet": "parquet"} {
		got, err := gpu.FormatOf(in)
		require.NoError(t, err)
		assert.Equal(t, want, got)
	}
	_, err := gpu.FormatOf("x.txt")
	assert.Error(t, err)
	_, err = gpu.NewSeriesWriter(&bytes.Buffer{}, "xml")
	assert.Error(t, err)
}

func TestWriteAlertsMarkdown(t *testing.T) {
	rules := mustRules(t, gpu.DefaultRules...)
	a := gpu.NewAlerter(rules)
	a.Observe([]gpu.Sample{sample(0, 0, func(s *gpu.Sample) { s.TemperatureC = 88 })})
	a.Observe([]gpu.Sample{sample(0, time.Second, nil)})
	a.Observe([]gpu.Sample{sample(0, 2*time.Second, func(s *gpu.Sample) { s.ECCUncorrected = 1 })})
	sum := gpu.Summary{Start: t0, End: t0.Add(2 * time.Second), Rounds: 3}
	var buf bytes.Buffer
	require.NoError(t, gpu.WriteAlertsMarkdown(&buf, rules, a.Firings, &sum))
	want := `# GPU alerts

Monitored from 2026-11-25T12:00:00Z to 2026-11-25T12:00:02Z, 3 samples per device at most.

## Rules

| Rule | Metric | Condition | Held for |
|---|---|---|---|
| ` + "`util < 20 for 5m0s`" + ` | util | < 20 | 5m0s |
| ` + "`temp > 85`" + ` | temp | > 85 | immediately |
| ` + "`ecc_new > 0`" + ` | ecc_new | > 0 | immediately |

## Firings

| GPU | Rule | Since | Fired | Value | Resolved |
|---|---|---|---|---|---|
| 0 | ` + "`temp > 85`" + ` | 2026-11-25T12:00:00Z | 2026-11-25T12:00:00Z | 88 | 2026-11-25T12:00:01Z |
| 0 | ` + "`ecc_new > 0`" + ` | 2026-11-25T12:00:02Z | 2026-11-25T12:00:02Z | 1 | still active |
`
	assert.Equal(t, want, buf.String())

	buf.Reset()
	require.NoError(t, gpu.WriteAlertsMarkdown(&buf, rules, nil, nil))
	assert.Contains(t, buf.String(), "## Firings\n\nNone.\n")
}
