package main

// Permission and limit flags, as Deno's: with none of them a script may
// do anything its user may (ported Python scripts just work); with
// --sandbox or any --allow-* flag it may do only what is granted, checked
// by the builtins and, where the kernel has Landlock, enforced by the
// kernel in every process of the run and every program they run.

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/mpstar/mpstar/interp"
	"github.com/mpstar/mpstar/mpcore/sandbox"
)

const permissionUsage = `Permissions (by default a script may do anything its user may; with
--sandbox or any --allow-* flag, only what is granted):
  --allow-read[=PATH,...]    read files and list directories
  --allow-write[=PATH,...]   create, write, rename and remove files
  --allow-run[=PROGRAM,...]  run programs (subprocess)
  --allow-net[=HOST[:PORT],...]  listen and connect (Listener, Client, managers)
  --allow-env[=NAME,...]     read environment variables (os.environ, os.getenv)
  --sandbox                  deny whatever is not granted
Limits, per process of the run:
  --max-memory=SIZE          memory it may map beyond what it has at start,
                             e.g. 512M or 2G (MemoryError past it)
  --max-cpu=SECONDS          CPU time (the process is killed past it)
  --max-files=N              open files
  --max-steps=N              Starlark execution steps per thread
Limits of the whole run:
  --max-processes=N          live processes, the main one included
                             (BlockingIOError past it)
`

// runFlags are the permission and limit flags of one invocation.
type runFlags struct {
	restricted bool
	limited    bool
}

// take consumes a permission or limit flag at the front of *args into
// opts, and says whether it did.
func (f *runFlags) take(args *[]string, opts *interp.Options) (bool, error) {
	if len(*args) == 0 || !strings.HasPrefix((*args)[0], "--") {
		return false, nil
	}
	name, value, hasValue := strings.Cut(strings.TrimPrefix((*args)[0], "--"), "=")
	ok, err := f.parse(name, value, hasValue, opts)
	if ok {
		*args = (*args)[1:]
	}
	return ok, err
}

// finish completes opts once every flag is read: with no permission flag
// the script may do anything its user may.
func (f *runFlags) finish(opts *interp.Options) {
	if !f.restricted {
		opts.Permissions = sandbox.AllowAll()
	}
	opts.Kernel = f.restricted
}

// parse reads one flag; it says false for a flag that is not its own.
func (f *runFlags) parse(name, value string, hasValue bool, opts *interp.Options) (bool, error) {
	grants := map[string]*sandbox.Access{
		"allow-read": &opts.Permissions.Read, "allow-write": &opts.Permissions.Write,
		"allow-run": &opts.Permissions.Run, "allow-net": &opts.Permissions.Net, "allow-env": &opts.Permissions.Env,
	}
	if access, ok := grants[name]; ok {
		a, err := sandbox.Parse(sandbox.Kind(strings.TrimPrefix(name, "allow-")), value, !hasValue)
		if err != nil {
			return true, err
		}
		*access = access.Union(a)
		f.restricted = true
		return true, nil
	}
	var err error
	switch name {
	case "sandbox":
		f.restricted = true
	case "max-memory":
		opts.Limits.Memory, err = parseSize(value)
	case "max-cpu":
		opts.Limits.CPU, err = strconv.ParseUint(value, 10, 64)
	case "max-files":
		opts.Limits.Files, err = strconv.ParseUint(value, 10, 64)
	case "max-processes":
		opts.Limits.Processes, err = strconv.ParseUint(value, 10, 64)
	case "max-steps":
		opts.MaxSteps, err = strconv.ParseUint(value, 10, 64)
	default:
		return false, nil
	}
	if err != nil {
		return true, fmt.Errorf("--%s=%s: %v", name, value, err)
	}
	f.limited = f.limited || strings.HasPrefix(name, "max-")
	return true, nil
}

// parseSize reads a byte count with an optional K, M or G suffix (powers
// of 1024).
func parseSize(s string) (uint64, error) {
	mult := uint64(1)
	if n := len(s); n > 0 {
		if i := strings.IndexByte("KMG", s[n-1]&^0x20); i >= 0 {
			mult, s = 1<<(10*(i+1)), s[:n-1]
		}
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil || v == 0 {
		return 0, fmt.Errorf("not a size such as 512M")
	}
	return v * mult, nil
}

// confine confines this process, the run's main process, when the flags
// restrict or limit it, and warns under --sandbox when the kernel cannot
// enforce the grants.
func (f runFlags) confine(opts interp.Options, filename string) error {
	if !f.restricted && !f.limited {
		return nil
	}
	layers, err := interp.ConfineProcess(opts, filename)
	if errors.Is(err, sandbox.ErrThreads) { // a build with cgo, such as the race detector's
		fmt.Fprintf(os.Stderr, "mpstar: warning: %v\n", err)
		return nil
	}
	if err != nil {
		return err
	}
	if f.restricted && layers.ABI == 0 {
		fmt.Fprintf(os.Stderr, "mpstar: warning: %s\n", layers)
	}
	return nil
}

// kernelLayers describes, for -version, what the kernel can enforce.
func kernelLayers() string {
	p := sandbox.Policy{FS: true, Net: true, Scope: true}
	return p.Layers().String()
}
