package codecs

import (
	"testing"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/scripttest"
)

// TestStarlarkFiles runs testdata/codecs.star with the codecs module predeclared.
func TestStarlarkFiles(t *testing.T) {
	scripttest.Run(t, "*.star", scripttest.Options{Env: scripttest.Names(starlark.StringDict{"codecs": Module})})
}
