//go:build !(linux && cgo && nvml)

package gpu

import "fmt"

// Built reports whether this binary was built with NVML support.
const Built = false

// Open reports ErrNoDriver: this binary was built without NVML (it needs Linux, cgo
// and the nvml build tag).
func Open() (System, error) {
	return nil, fmt.Errorf("%w: this binary was built without NVML support (build with cgo and -tags nvml)", ErrNoDriver)
}
