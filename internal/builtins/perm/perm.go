// Package perm holds a run's permissions on the Starlark side: the grants
// (mpcore/sandbox.Grants) attached to each thread of a run, and the checks
// that the builtins and lib modules make before touching a file, starting
// a program, opening a socket or reading the environment. A refused
// operation raises PermissionError naming what was refused and the flag
// (or interp option) that would grant it.
//
// Every thread a run executes on has its run's grants attached (the
// runtime does it). A thread with none attached is not part of a run: a
// host calling a module's builtin directly, or a test. It is refused
// everything, so that forgetting to attach grants can never widen them.
//
// The checks are the first layer. Where the kernel has Landlock, every
// process of a restricted run is also confined by it (see mpcore/sandbox),
// so a program a script runs, which these checks never see, is held to
// the same grants.
package perm

import (
	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/mpcore/sandbox"
)

const key = "mpstar.grants"

// Attach gives thread the grants it is held to.
func Attach(thread *starlark.Thread, g *sandbox.Grants) { thread.SetLocal(key, g) }

// Of returns the grants of thread: none when nothing is attached.
func Of(thread *starlark.Thread) *sandbox.Grants {
	if g, ok := thread.Local(key).(*sandbox.Grants); ok {
		return g
	}
	return &sandbox.Grants{}
}

// Read refuses reading path (a file, or listing a directory).
func Read(thread *starlark.Thread, path string) error { return raise(Of(thread).CheckRead(path)) }

// Write refuses writing, creating, renaming or removing path.
func Write(thread *starlark.Thread, path string) error { return raise(Of(thread).CheckWrite(path)) }

// Run refuses starting program; resolved is the file it was found at ("" if
// it was not found, in which case only a grant of the same name allows it).
func Run(thread *starlark.Thread, program, resolved string) error {
	return raise(Of(thread).CheckRun(program, resolved))
}

// Net refuses connecting to, or listening on, host:port.
func Net(thread *starlark.Thread, host string, port int) error {
	return raise(Of(thread).CheckNet(host, port))
}

// Env refuses reading or setting the environment variable name.
func Env(thread *starlark.Thread, name string) error { return raise(Of(thread).CheckEnv(name)) }

// raise turns a refusal into Python's PermissionError.
func raise(err error) error {
	if err == nil {
		return nil
	}
	return exceptions.PermissionError.New(err.Error())
}
