package interp

// A script kept open after its top level, so that Go can call its
// functions (go.starlark.net's ExecFile returns the globals for the same
// reason).

import (
	"context"
	"fmt"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins"
)

// Script is a script whose top level has run as the main module and whose
// interpreter stays open: Go reads its globals and calls its functions,
// which may start processes and Pools as the script itself does. Close it
// to end its work as a run ends. A Script runs one thing at a time: its
// methods must not be called concurrently.
type Script struct {
	rt      *builtins.Runtime
	run     *runner
	thread  *starlark.Thread
	globals starlark.StringDict
	code    int // the top level's exit status
	closed  bool
}

// Exec runs src's top level as the main module (filename names it in
// tracebacks) under ctx, as RunStringContext does, and returns the open
// Script. When the top level fails, the error is returned with the Script
// (whose globals are those assigned before the failure): Close it still.
func Exec(ctx context.Context, filename, src string, opts Options) (*Script, error) {
	refuseInChild()
	r := newMainRunner(runtimeConfig(filename, []byte(src), opts), opts)
	s := &Script{rt: r.rt, run: r, thread: r.newThread("MainThread")}
	var code *ExitError
	r.under(ctx, func() { s.globals, code = r.runMainOn(s.thread, "__main__") })
	if s.code = code.Code; s.code != 0 {
		return s, code
	}
	return s, nil
}

// Globals returns the main module's globals.
func (s *Script) Globals() starlark.StringDict { return s.globals }

// Call calls the script's global function name with args (Go values are
// converted by ToValue) and returns its result, under ctx: when ctx ends,
// the call stops at once, even in a blocking call, and fails with an error
// wrapping ctx.Err(); the Script remains usable. An uncaught error is
// written to Stderr as a traceback and returned as an *ExitError.
func (s *Script) Call(ctx context.Context, name string, args ...any) (starlark.Value, error) {
	fn, ok := s.globals[name].(starlark.Callable)
	if !ok {
		return nil, fmt.Errorf("the script has no function %q", name)
	}
	tuple := make(starlark.Tuple, len(args))
	for i, a := range args {
		v, err := ToValue(a)
		if err != nil {
			return nil, fmt.Errorf("argument %d of %s: %w", i+1, name, err)
		}
		tuple[i] = v
	}
	var result starlark.Value
	var err error
	s.rt.Rearm()
	s.run.under(ctx, func() { result, err = starlark.Call(s.thread, fn, tuple, nil) })
	if err != nil {
		return nil, s.run.report(err)
	}
	return result, nil
}

// Close ends the script's work as the end of a run does: daemonic
// children are terminated, the others joined, the exit handlers run. It
// returns the error of a script that called sys.exit with a non-zero
// status there, or was stopped.
func (s *Script) Close() error { return s.CloseContext(context.Background()) }

// CloseContext is Close under ctx: when ctx ends while Close waits for
// children, every process the script started is ended at once.
func (s *Script) CloseContext(ctx context.Context) error {
	if s == nil || s.closed {
		return nil
	}
	s.closed = true
	s.run.under(ctx, s.run.finish)
	var err error
	if cause := s.rt.Stopped(); cause != nil {
		err = &ExitError{Code: 1, Err: cause}
	}
	s.run.events.end(max(s.code, ExitCode(err)))
	return err
}

// ToValue converts a Go value to a Starlark value: nil, bool, integers,
// floats, string, []byte, []any, map[string]any and []map[string]any
// (records, as a host reads them) become None, bool, int, float, str,
// bytes, list and dict; a starlark.Value is returned as it is.
func ToValue(x any) (starlark.Value, error) {
	switch x := x.(type) {
	case nil:
		return starlark.None, nil
	case starlark.Value:
		return x, nil
	case bool:
		return starlark.Bool(x), nil
	case int:
		return starlark.MakeInt(x), nil
	case int64:
		return starlark.MakeInt64(x), nil
	case uint64:
		return starlark.MakeUint64(x), nil
	case float64:
		return starlark.Float(x), nil
	case string:
		return starlark.String(x), nil
	case []byte:
		return starlark.Bytes(x), nil
	case []any:
		return listOf(x)
	case []map[string]any:
		items := make([]any, len(x))
		for i, m := range x {
			items[i] = m
		}
		return listOf(items)
	case map[string]any:
		d := starlark.NewDict(len(x))
		for k, v := range x {
			sv, err := ToValue(v)
			if err != nil {
				return nil, fmt.Errorf("key %q: %w", k, err)
			}
			d.SetKey(starlark.String(k), sv)
		}
		return d, nil
	}
	return nil, fmt.Errorf("cannot convert a Go %T to a Starlark value", x)
}

func listOf(xs []any) (starlark.Value, error) {
	items := make([]starlark.Value, len(xs))
	for i, x := range xs {
		v, err := ToValue(x)
		if err != nil {
			return nil, fmt.Errorf("item %d: %w", i, err)
		}
		items[i] = v
	}
	return starlark.NewList(items), nil
}
