package cluster

import (
	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/builtins/exceptions"
)

// newQueue makes a named queue of a cluster context.
func newQueue(thread *starlark.Thread, o Options, kind string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	return nil, exceptions.NotImplementedError.Errorf("get_context(\"cluster\").%s is not available yet: use a cluster Pool, or a local %s", kind, kind)
}
