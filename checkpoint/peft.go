package checkpoint

import (
	"context"
	"errors"
)

// validatePEFT is not written yet.
func validatePEFT(ctx context.Context, dir string, c Config) (*Report, error) {
	return nil, errors.New("checkpoint: peft layout not supported yet")
}
