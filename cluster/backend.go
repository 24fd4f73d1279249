package cluster

import (
	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/builtins"
)

// Backend is the builtins.ClusterBackend of mpstar-cluster: connections
// take their credentials and TLS files from the environment
// (OptionsFromEnv).
type Backend struct{}

var _ builtins.ClusterBackend = Backend{}

// NewPool implements builtins.ClusterBackend.
func (Backend) NewPool(_ *builtins.Runtime, spec *builtins.ClusterPoolSpec) (builtins.PoolEngine, error) {
	o := OptionsFromEnv(spec.URL)
	o.Name = "mpstar pool parent"
	return NewPool(o, spec)
}

// Queue implements builtins.ClusterBackend.
func (Backend) Queue(thread *starlark.Thread, url, kind string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	return newQueue(thread, OptionsFromEnv(url), kind, args, kwargs)
}
