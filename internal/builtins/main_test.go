package builtins_test

// The package's TestMain: the test binary doubles as the mpstar child
// executable, so tests that run scripts through interp can start real
// processes (pool workers, ...). In any other process ChildMain returns at
// once and the tests run.

import (
	"os"
	"testing"

	"github.com/mpstar/mpstar/interp"
)

func TestMain(m *testing.M) {
	interp.ChildMain(interp.Options{})
	os.Exit(m.Run())
}
