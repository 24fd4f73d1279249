package cluster

import (
	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins"
	"github.com/mpstar/mpstar/internal/builtins/exceptions"
)

// Install makes Pool(cluster=...) and get_context("cluster") work in the
// scripts this process runs (package interp), as in mpstar-cluster: their
// connections take credentials and TLS files from the environment
// (OptionsFromEnv). Call it once, first thing in main, before
// interp.ChildMain and before running any script.
func Install() { builtins.SetClusterBackend(backend{}) }

// backend is the builtins.ClusterBackend that Install installs.
type backend struct{}

var _ builtins.ClusterBackend = backend{}

// NewPool implements builtins.ClusterBackend. Every way it can fail is a
// failure to talk to the server, a ConnectionError to the script.
func (backend) NewPool(_ *builtins.Runtime, spec *builtins.ClusterPoolSpec) (builtins.PoolEngine, error) {
	if _, err := heartbeatFromEnv(); err != nil {
		return nil, exceptions.ValueError.Errorf("%s", err)
	}
	o := OptionsFromEnv(spec.URL)
	o.Name = "mpstar pool parent"
	p, err := newEngine(o, spec)
	if err != nil {
		return nil, exceptions.ConnectionError.Errorf("%s", err)
	}
	return p, nil
}

// Queue implements builtins.ClusterBackend.
func (backend) Queue(thread *starlark.Thread, url, kind string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	return newQueue(thread, OptionsFromEnv(url), kind, args, kwargs)
}
