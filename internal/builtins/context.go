package builtins

// Start methods and contexts (CPython: context.py). All three methods launch
// a new process of the same executable; docs/scripts.md says how they differ.

import (
	"maps"
	"os"
	"runtime"
	"slices"
	"sort"
	"strconv"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/value"
	"github.com/mpstar/mpstar/internal/pyquote"
	"github.com/mpstar/mpstar/mpcore"
)

// StartMethods lists the start methods, the default first.
var StartMethods = []string{"spawn", "fork", "forkserver"}

// StartMethodEnv overrides the default start method, as docs/scripts.md says.
const StartMethodEnv = "MPSTAR_START_METHOD"

func validMethod(m string) bool {
	for _, s := range StartMethods {
		if s == m {
			return true
		}
	}
	return false
}

// StartMethod returns the start method in force, fixing the default if none
// was set (CPython's get_start_method(allow_none=False)).
func (rt *Runtime) StartMethod() string {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.startMethod == "" {
		rt.startMethod = defaultStartMethod()
	}
	return rt.startMethod
}

func defaultStartMethod() string {
	if m := os.Getenv(StartMethodEnv); validMethod(m) {
		return m
	}
	return StartMethods[0]
}

// GetAllStartMethods implements get_all_start_methods()
func GetAllStartMethods(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	l := make([]starlark.Value, len(StartMethods))
	for i, m := range StartMethods {
		l[i] = starlark.String(m)
	}
	return starlark.NewList(l), nil
}

// GetStartMethod implements get_start_method(allow_none=False)
func GetStartMethod(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var allowNone bool
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "allow_none?", &allowNone); err != nil {
		return nil, err
	}
	rt := RuntimeOf(thread)
	if allowNone {
		rt.mu.Lock()
		m := rt.startMethod
		rt.mu.Unlock()
		if m == "" {
			return starlark.None, nil
		}
	}
	return starlark.String(rt.StartMethod()), nil
}

// SetStartMethod implements set_start_method(method, force=False)
func SetStartMethod(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var method starlark.Value
	var force bool
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "method", &method, "force?", &force); err != nil {
		return nil, err
	}
	rt := RuntimeOf(thread)
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.startMethod != "" && !force {
		return nil, exceptions.RuntimeError.New("context has already been set")
	}
	if method == starlark.None && force {
		rt.startMethod = ""
		return starlark.None, nil
	}
	m, ok := starlark.AsString(method)
	if !ok || !validMethod(m) {
		return nil, exceptions.ValueError.Errorf("cannot find context for %s", quoted(method))
	}
	rt.startMethod = m
	return starlark.None, nil
}

// GetContext implements get_context(method=None)
func GetContext(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var method starlark.Value = starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "method?", &method); err != nil {
		return nil, err
	}
	rt := RuntimeOf(thread)
	if method == starlark.None {
		return &Context{method: rt.StartMethod(), module: rt.LoadModule("multiprocessing")}, nil
	}
	m, ok := starlark.AsString(method)
	if ok && m == "cluster" {
		return clusterContext(rt)
	}
	if !ok || !validMethod(m) {
		return nil, exceptions.ValueError.Errorf("cannot find context for %s", quoted(method))
	}
	return &Context{method: m, module: rt.LoadModule("multiprocessing")}, nil
}

// Context is a start-method context (CPython's SpawnContext and friends):
// it has the multiprocessing module's members, and its Process uses its
// start method.
type Context struct {
	value.Object
	method string
	url    string              // the server of a "cluster" context
	module starlark.StringDict // the multiprocessing module's members
}

// Method is the context's start method.
func (c *Context) Method() string { return c.method }

// ClusterURL is the server of a "cluster" context, "" for the others.
func (c *Context) ClusterURL() string { return c.url }

var _ starlark.HasAttrs = (*Context)(nil)

// String is repr(ctx).
func (c *Context) String() string {
	return "<multiprocessing.context." + contextClass(c.method) + " object>"
}

func contextClass(m string) string {
	switch m {
	case "fork":
		return "ForkContext"
	case "forkserver":
		return "ForkServerContext"
	case "cluster":
		return "ClusterContext"
	}
	return "SpawnContext"
}

// Type implements starlark.Value.
func (c *Context) Type() string { return "multiprocessing.context" }

// Hash hashes by method.
func (c *Context) Hash() (uint32, error) { return starlark.String(c.method).Hash() }

// Attr returns the module member of that name; Process and the start-method
// functions are bound to this context.
func (c *Context) Attr(name string) (starlark.Value, error) {
	switch name {
	case "Process":
		return starlark.NewBuiltin("multiprocessing.Process", c.newProcess), nil
	case "Pool":
		return starlark.NewBuiltin("multiprocessing.Pool", c.newPool), nil
	case "Queue", "JoinableQueue", "SimpleQueue":
		if c.url != "" {
			return c.clusterQueue(name), nil
		}
	case "get_start_method":
		return starlark.NewBuiltin("get_start_method", func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
			return starlark.String(c.method), nil
		}), nil
	case "get_context":
		return starlark.NewBuiltin("get_context", c.getContext), nil
	case "set_start_method":
		// A concrete context's method is fixed; the global one is not its
		// to change (CPython: BaseContext.set_start_method).
		return starlark.NewBuiltin("set_start_method", func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
			return nil, exceptions.ValueError.New("cannot set start method of concrete context")
		}), nil
	}
	return c.module[name], nil
}

// AttrNames implements starlark.HasAttrs.
func (c *Context) AttrNames() []string {
	names := slices.Collect(maps.Keys(c.module))
	sort.Strings(names)
	return names
}

// newPool is the module's Pool with this context as its context argument,
// as CPython's BaseContext.Pool.
func (c *Context) newPool(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(args) < 5 {
		kwargs = append(kwargs[:len(kwargs):len(kwargs)], starlark.Tuple{starlark.String("context"), c})
	}
	return c.module["Pool"].(*starlark.Builtin).CallInternal(thread, args, kwargs)
}

// def get_context(method=None): the context itself, or the one of method.
func (c *Context) getContext(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var method starlark.Value = starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "method?", &method); err != nil {
		return nil, err
	}
	if method == starlark.None {
		return c, nil
	}
	return GetContext(thread, b, args, kwargs)
}

func (c *Context) newProcess(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	v, err := NewProcess(thread, b, args, kwargs)
	if err != nil {
		return nil, err
	}
	if c.url == "" { // a cluster context's processes are local, of the default method
		v.(*Process).method = c.method
	}
	return v, nil
}

// quoted is a value as CPython's messages quote it: strings in Python's
// repr, anything else as Starlark shows it.
func quoted(v starlark.Value) string {
	if s, ok := v.(starlark.String); ok {
		return pyquote.Str(string(s))
	}
	return v.String()
}

// ForkserverWarmEnv sets how many prelaunched children the forkserver
// start method keeps waiting (default: the CPU count, at most 4).
const ForkserverWarmEnv = "MPSTAR_FORKSERVER_WARM"

// warmPool returns the runtime's pool of waiting children for the
// forkserver start method, starting it on first use; it is closed when the
// process finishes.
func (rt *Runtime) warmPool() *mpcore.WarmPool {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.warm == nil {
		size := min(runtime.NumCPU(), 4)
		if n, err := strconv.Atoi(os.Getenv(ForkserverWarmEnv)); err == nil && n > 0 {
			size = n
		}
		rt.warm = mpcore.NewWarmPool(mpcore.LaunchConfig{Executable: rt.cfg.Executable,
			Stdout: rt.stdout, Stderr: rt.stderr}, size)
		rt.atExit = append(rt.atExit, exitHook{-1, rt.warm.Close})
	}
	return rt.warm
}
