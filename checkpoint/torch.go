package checkpoint

import (
	"context"
	"errors"
)

// validateTorchZip is not written yet.
func validateTorchZip(ctx context.Context, path string, c Config) (*Report, error) {
	return nil, errors.New("checkpoint: torch layout not supported yet")
}
