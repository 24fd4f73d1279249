package cluster

import (
	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins"
	"github.com/mpstar/mpstar/internal/builtins/exceptions"
)

// Backend is the builtins.ClusterBackend of mpstar-cluster: connections
// take their credentials and TLS files from the environment
// (OptionsFromEnv).
type Backend struct{}

var _ builtins.ClusterBackend = Backend{}

// NewPool implements builtins.ClusterBackend. Every way it can fail is a
// failure to talk to the server, a ConnectionError to the script.
func (Backend) NewPool(_ *builtins.Runtime, spec *builtins.ClusterPoolSpec) (builtins.PoolEngine, error) {
	if _, err := heartbeatFromEnv(); err != nil {
		return nil, exceptions.ValueError.Errorf("%s", err)
	}
	o := OptionsFromEnv(spec.URL)
	o.Name = "mpstar pool parent"
	p, err := NewPool(o, spec)
	if err != nil {
		return nil, exceptions.ConnectionError.Errorf("%s", err)
	}
	return p, nil
}

// Queue implements builtins.ClusterBackend.
func (Backend) Queue(thread *starlark.Thread, url, kind string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	return newQueue(thread, OptionsFromEnv(url), kind, args, kwargs)
}
