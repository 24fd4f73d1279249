package os

import (
	"maps"
	"os"
	"runtime"
	"strings"

	"go.starlark.net/starlark"
	"golang.org/x/sys/unix"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/perm"
	"github.com/mpstar/mpstar/internal/builtins/value"
	"github.com/mpstar/mpstar/lib/ospath"
	"github.com/mpstar/mpstar/mpcore/sandbox"
)

// New returns an os module whose environ is a snapshot of the environment
// taken now, of the variables g lets the run read:
//
//	def getpid()
//	def getppid()
//	environ                    # a dict
//	def getenv(key, default=None)
//	def cpu_count()
//	def sched_getaffinity(pid) # a set of CPU numbers
//	path                       # os.path
//
// and the file and directory functions of files.go.
func New(g *sandbox.Grants) *value.Module {
	return value.NewModule("os", func() starlark.StringDict { return members(g) })
}

// members are the os module's members for a run with grants g.
func members(g *sandbox.Grants) starlark.StringDict {
	environ := os.Environ()
	env := starlark.NewDict(len(environ))
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		if g.CheckEnv(k) == nil {
			env.SetKey(starlark.String(k), starlark.String(v))
		}
	}
	m := starlark.StringDict{
		"getpid":            starlark.NewBuiltin("os.getpid", osGetpid),
		"getppid":           starlark.NewBuiltin("os.getppid", osGetppid),
		"environ":           env,
		"getenv":            starlark.NewBuiltin("os.getenv", osGetenv),
		"cpu_count":         starlark.NewBuiltin("os.cpu_count", CPUCount),
		"sched_getaffinity": starlark.NewBuiltin("os.sched_getaffinity", schedGetaffinity),
		"path":              ospath.Module,
	}
	maps.Copy(m, fileMembers())
	return m
}

func osGetpid(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	return starlark.MakeInt(os.Getpid()), nil
}

func osGetppid(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	return starlark.MakeInt(os.Getppid()), nil
}

// def getenv(key, default=None): a variable the run may not read is
// refused, not reported missing.
func osGetenv(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var key string
	var def starlark.Value = starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "key", &key, "default?", &def); err != nil {
		return nil, err
	}
	if err := perm.Env(thread, key); err != nil {
		return nil, err
	}
	if v, ok := os.LookupEnv(key); ok {
		return starlark.String(v), nil
	}
	return def, nil
}

// CPUCount is cpu_count(): the number of CPUs in the system, as Python's
// os.cpu_count() and multiprocessing.cpu_count().
func CPUCount(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	return starlark.MakeInt(runtime.NumCPU()), nil
}

// def sched_getaffinity(pid): the set of CPUs pid may run on.
func schedGetaffinity(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var pid int
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &pid); err != nil {
		return nil, err
	}
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(pid, &set); err != nil {
		return nil, exceptions.OSError.Errorf("%s: %v", b.Name(), err)
	}
	out := starlark.NewSet(set.Count())
	for i := 0; i < len(set)*64; i++ {
		if set.IsSet(i) {
			out.Insert(starlark.MakeInt(i))
		}
	}
	return out, nil
}
