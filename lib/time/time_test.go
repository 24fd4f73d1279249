package time

import (
	"testing"
	"time"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/scripttest"
)

// TestStarlarkFiles runs testdata/time.star with the time module
// predeclared and the local zone UTC (its %s, mktime and localtime are
// UTC's).
func TestStarlarkFiles(t *testing.T) {
	local := time.Local
	time.Local = time.UTC
	defer func() { time.Local = local }()
	scripttest.Run(t, "*.star", scripttest.Options{Env: scripttest.Names(starlark.StringDict{"time": Module})})
}
