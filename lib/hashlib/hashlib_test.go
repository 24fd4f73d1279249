package hashlib

import (
	"testing"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/scripttest"
)

// TestStarlarkFiles runs testdata/hashlib.star with the hashlib module predeclared.
func TestStarlarkFiles(t *testing.T) {
	scripttest.Run(t, "*.star", scripttest.Options{Env: scripttest.Names(starlark.StringDict{"hashlib": Module})})
}
