package nemo

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"testing"

	"github.com/sophia-ai/sophia-eval/internal/standin"
)

// envStandIn makes the test binary run as the stand-in trainer: the launch tests
// use the binary itself as run.trainer, so that no program has to be built.
const envStandIn = "SOPHIA_NEMO_TEST_STANDIN"

func TestMain(m *testing.M) {
	if os.Getenv(envStandIn) == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := standin.Run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}
