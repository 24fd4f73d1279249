package pytypes

import (
	"testing"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/scripttest"
)

// TestStarlarkFiles runs testdata/*.star (array.star, bytearray.star,
// sum.star) with bytearray, sum and the array module predeclared.
func TestStarlarkFiles(t *testing.T) {
	scripttest.Run(t, "*.star", scripttest.Options{
		Env: func(*testing.T) (starlark.StringDict, *starlark.Thread) {
			return starlark.StringDict{"bytearray": BytearrayBuiltin, "array": ArrayModule, "sum": SumBuiltin}, nil
		},
	})
}
