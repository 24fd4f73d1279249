package random

import (
	"testing"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/scripttest"
)

// TestStarlarkFiles runs testdata/random.star with a new random module
// (its own generator) in each chunk.
func TestStarlarkFiles(t *testing.T) {
	scripttest.Run(t, "*.star", scripttest.Options{Env: func(*testing.T) (starlark.StringDict, *starlark.Thread) {
		return starlark.StringDict{"random": New()}, nil
	}})
}
