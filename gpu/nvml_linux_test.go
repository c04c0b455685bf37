//go:build linux && cgo && nvml

package gpu_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sophia-ai/sophia-eval/gpu"
)

// TestNVMLNoDriver runs where the driver is missing: Open fails with ErrNoDriver
// every time, and the process survives (NVML is not called after the failed Init).
func TestNVMLNoDriver(t *testing.T) {
	if gpu.Available() {
		t.Skip("an NVIDIA driver is installed")
	}
	_, err1 := gpu.Open()
	_, err2 := gpu.Open()
	require.ErrorIs(t, err1, gpu.ErrNoDriver)
	require.ErrorIs(t, err2, gpu.ErrNoDriver)
	assert.Equal(t, err1, err2)
}

// TestNVMLReal reads the real devices.
func TestNVMLReal(t *testing.T) {
	if !gpu.Available() {
		t.Skip("no NVIDIA driver")
	}
	sys, err := gpu.Open()
	require.NoError(t, err)
	defer sys.Close()
	inv, err := gpu.ReadInventory(context.Background(), sys)
	require.NoError(t, err)
	require.NotEmpty(t, inv.Devices)
	assert.NotZero(t, inv.CUDADriverVersion)
	for _, d := range inv.Devices {
		assert.Empty(t, d.Errors, "device %d", d.Index)
		assert.NotEmpty(t, d.UUID)
	}
	smp, err := gpu.NewSampler(sys)
	require.NoError(t, err)
	s := smp.Sample(time.Now())
	assert.Len(t, s, len(inv.Devices))
}
