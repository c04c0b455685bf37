package severity

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLevel(t *testing.T) {
	assert.Equal(t, "warning", Warning.String())
	assert.Equal(t, "error", Error.String())
	assert.Equal(t, "Severity(7)", Level(7).String())
	b, err := json.Marshal(struct{ S Level }{Error})
	require.NoError(t, err)
	assert.Equal(t, `{"S":"error"}`, string(b))
}
