package checkpoint

import (
	"context"
	"errors"
)

// validateNeMoArchive is not written yet.
func validateNeMoArchive(ctx context.Context, path string, c Config) (*Report, error) {
	return nil, errors.New("checkpoint: nemo layout not supported yet")
}
