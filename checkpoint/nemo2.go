package checkpoint

import (
	"context"
	"errors"
)

// validateNeMo2 is not written yet.
func validateNeMo2(ctx context.Context, dir string, c Config) (*Report, error) {
	return nil, errors.New("checkpoint: nemo2 layout not supported yet")
}
