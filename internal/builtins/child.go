package builtins

// The child side of a Process (CPython: process.py BaseProcess._bootstrap).

import (
	"errors"
	"fmt"
	"os"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/mpcore"
)

// NewChildRuntime returns the runtime of a launched child: it is the
// process the parent prepared, and it is bootstrapping until the embedding
// layer has executed the main script.
func NewChildRuntime(cfg Config, boot *mpcore.Bootstrap) *Runtime {
	prep := boot.Prep
	cfg.Filename, cfg.Source, cfg.Argv = prep.Filename, prep.Source, prep.Argv
	if extra, err := withRunValues(cfg.Extra, prep.Extra); err == nil {
		cfg.Extra = extra
	} else {
		fmt.Fprintf(os.Stderr, "mpstar child: cannot decode the run's predeclared values: %v\n", err)
	}
	rt := newRuntime(cfg)
	rt.self = &Process{rt: rt, kind: kindSelf, name: prep.Name, identity: prep.Identity, daemon: prep.Daemon,
		authkey: prep.Authkey, pid: os.Getpid(), parent: prep.ParentPID, started: true}
	childSelf.Store(rt.self)
	rt.parent = &Process{rt: rt, kind: kindParent, name: prep.ParentName, pid: prep.ParentPID, started: true}
	rt.startMethod = prep.StartMethod
	rt.bootstrapping = true
	rt.boot = boot
	rt.procs = childProcessCap(boot)
	return rt
}

// RunChild runs the target the parent sent and returns the exit code, as
// CPython's _bootstrap: 0 on success, the sys.exit code, or 1 after an
// uncaught error, whose traceback goes to stderr under "Process <name>:".
// It finishes the process's own children and queues before returning.
func (rt *Runtime) RunChild(thread *starlark.Thread) int {
	rt.Log(LevelInfo, "child process calling self.run()")
	code := rt.runTarget(thread)
	rt.Finish()
	rt.Log(LevelInfo, "process exiting with exitcode %d", code)
	return code
}

func (rt *Runtime) runTarget(thread *starlark.Thread) int {
	dc := rt.DecodeContext(thread, rt.boot.FDs)
	target, args, kwargs, err := decodeTarget(rt.boot.Prep.Payload, dc)
	if err == nil && target != starlark.None {
		_, err = starlark.Call(thread, target, args, kwargs.Items())
	}
	return rt.ChildExit(err, FormatUncaught)
}

// ChildExit returns the exit code of a child whose work ended with err: 0
// for nil, the sys.exit code, or 1 after writing the error, rendered by
// format, under CPython's "Process <name>:" header.
func (rt *Runtime) ChildExit(err error, format func(error) string) int {
	if err == nil {
		return 0
	}
	if code, ok := ExitCodeOf(err, rt.WriteStderr); ok {
		return code
	}
	if cause := rt.Stopped(); cause != nil {
		err = stoppedAt(err, cause)
	}
	rt.WriteStderr(fmt.Sprintf("Process %s:\n%s", rt.self.name, format(err)))
	return 1
}

// stoppedAt returns the error a stopped script reports: the cause of the
// stop (MemoryError, say), with the traceback of err, where it was.
func stoppedAt(err, cause error) error {
	e := ErrorFromGo(cause)
	var ee *starlark.EvalError
	if errors.As(err, &ee) {
		e.traceback = FormatTraceback(ee) + e.traceback
	}
	return e.AsGoError()
}

// ExitCodeOf reports the exit code a sys.exit error asks for, writing its
// message (if any) with writeErr, as Python does for SystemExit("msg").
func ExitCodeOf(err error, writeErr func(string)) (int, bool) {
	var ex *exceptions.ExitError
	if !errors.As(err, &ex) {
		return 0, false
	}
	if ex.Msg != "" {
		writeErr(ex.Msg + "\n")
	}
	return ex.Code, true
}

// FormatUncaught renders an uncaught error as Python does: the traceback,
// then "Type: message".
func FormatUncaught(err error) string {
	e := ErrorFromGo(err)
	return e.traceback + e.String() + "\n"
}
