package builtins

// The seam between Pool and a cluster backend. The plain mpstar binary
// links no cluster code: Pool(cluster=...) and get_context("cluster") fail
// there, naming the command that has it. A binary with a backend (see
// cmd/mpstar-cluster, which calls cluster.Install) installs it with
// SetClusterBackend before running scripts; Pool then hands its encoded
// tasks to the backend's engine instead of the local one, and everything
// else (encoding, results, callbacks, imap) stays the same.

import (
	"os"
	"time"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/mpcore/pool"
)

// ClusterEnv is the environment variable holding the server URL that
// get_context("cluster") uses.
const ClusterEnv = "MPSTAR_CLUSTER"

// ClusterCommand is the command that runs scripts with cluster support,
// named in the error the plain binary gives.
const ClusterCommand = "mpstar-cluster"

// PoolEngine runs a Pool's tasks: the local engine (*pool.Pool) or a
// cluster backend's. Its methods have *pool.Pool's contract.
type PoolEngine interface {
	Submit(t *pool.Task) error
	Close()
	Terminate()
	Join(timeout time.Duration) error
}

// WindowedEngine is a PoolEngine that wants at most Window unfinished
// tasks at a time: imap then feeds it from its iterable as results are
// taken, instead of reading the iterable at once.
type WindowedEngine interface {
	PoolEngine
	Window() int
}

// ClusterPoolSpec describes a Pool(cluster=URL) to the backend.
type ClusterPoolSpec struct {
	URL       string
	Processes int // the pool's size: the backend's window of unfinished tasks scales with it
	Retries   int // deliveries after the first before a lost task fails
	// MaxTasksPerChild is the pool's maxtasksperchild (0: none), which the
	// hosts' local engines enforce.
	MaxTasksPerChild int
	// Setup is the encoded initializer, initargs and maxtasksperchild,
	// which StartPoolWorker hands to each worker.
	Setup []byte
	Code  Code
}

// Code is what a worker on another host needs to run a script's
// functions: the main script and every file it loaded, by file name as
// the parent ran them, and the programs the parent compiled from them
// (Prep.Extra keys and values).
type Code struct {
	Filename string
	Source   []byte
	Argv     []string
	Files    map[string][]byte
	Programs map[string][]byte
}

// ClusterBackend makes cluster-backed pools and queues.
type ClusterBackend interface {
	// NewPool starts the engine of a cluster pool.
	NewPool(rt *Runtime, spec *ClusterPoolSpec) (PoolEngine, error)
	// Queue makes ctx.Queue, JoinableQueue or SimpleQueue of a cluster
	// context: kind is the class name, args and kwargs the call's.
	Queue(thread *starlark.Thread, url, kind string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error)
}

var clusterBackend ClusterBackend

// SetClusterBackend installs the backend of Pool(cluster=...) and
// get_context("cluster"), once, before any script runs.
func SetClusterBackend(b ClusterBackend) { clusterBackend = b }

// FileExtraPrefix, followed by a file name, is the Prep.Extra key under
// which a cluster worker's children receive a loaded file's source.
const FileExtraPrefix = "file:"

// FileSources returns the sources of the files a runtime's scripts
// loaded, by file name; the embedding layer provides them.
type FileSources func() map[string][]byte

// SetFileSources installs the embedding layer's FileSources.
func (rt *Runtime) SetFileSources(f FileSources) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rt.sources = f
}

// Code returns what workers on other hosts need to run this runtime's
// script.
func (rt *Runtime) Code() Code {
	rt.mu.Lock()
	sources := rt.sources
	rt.mu.Unlock()
	c := Code{Filename: rt.cfg.Filename, Source: rt.cfg.Source, Argv: rt.cfg.Argv,
		Programs: rt.withChildPrograms(nil, false, nil)}
	if sources != nil {
		c.Files = sources()
	}
	return c
}

// noCluster is the error of cluster features in a binary without them.
func noCluster(what string) error {
	return exceptions.RuntimeError.Errorf("%s needs the cluster backend, which this mpstar binary does not include: run the script with %s (go build ./cmd/%s)", what, ClusterCommand, ClusterCommand)
}

// clusterURL is the server of get_context("cluster").
func clusterURL() (string, error) {
	url := os.Getenv(ClusterEnv)
	if url == "" {
		return "", exceptions.ValueError.Errorf("get_context(\"cluster\") needs the server URL in $%s (for example nats://127.0.0.1:4222)", ClusterEnv)
	}
	return url, nil
}

// clusterContext is get_context("cluster").
func clusterContext(rt *Runtime) (starlark.Value, error) {
	if clusterBackend == nil {
		return nil, noCluster("get_context(\"cluster\")")
	}
	url, err := clusterURL()
	if err != nil {
		return nil, err
	}
	return &Context{method: "cluster", url: url, module: rt.LoadModule("multiprocessing")}, nil
}

// clusterQueue is ctx.Queue and friends of a cluster context.
func (c *Context) clusterQueue(kind string) *starlark.Builtin {
	return starlark.NewBuiltin("multiprocessing."+kind, func(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		return clusterBackend.Queue(thread, c.url, kind, args, kwargs)
	})
}

// NewClusterPool starts the engine of a cluster pool with the installed
// backend, or fails naming the command that has one. carriesHandles says
// whether the initializer's arguments hold objects that cross only by
// handle (locks, queues), which cannot reach another host.
func NewClusterPool(rt *Runtime, spec *ClusterPoolSpec, carriesHandles bool) (PoolEngine, error) {
	if clusterBackend == nil {
		return nil, noCluster("Pool(cluster=...)")
	}
	if carriesHandles {
		return nil, exceptions.TypeError.Errorf("cannot start cluster pool workers: the initializer's arguments hold objects (locks, queues, shared values, connections) that cannot reach another host")
	}
	return clusterBackend.NewPool(rt, spec)
}
