package sys

import (
	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/lib/file"
)

// New returns the sys module of one run, with its own argv and streams:
// stdin is the file object input() reads too, and each write to stdout or
// stderr is one call of the function given:
//
//	argv              # a list of str
//	def exit(status=None)
//	stdin             # read, readline, iteration
//	stdout.write(s), stdout.flush()
//	stderr.write(s), stderr.flush()
//	def flush()
func New(args []string, stdin *file.File, stdout, stderr func(string)) *starlarkstruct.Module {
	argv := make([]starlark.Value, len(args))
	for i, a := range args {
		argv[i] = starlark.String(a)
	}
	return &starlarkstruct.Module{Name: "sys", Members: starlark.StringDict{
		"argv":   starlark.NewList(argv),
		"exit":   starlark.NewBuiltin("sys.exit", sysExit),
		"stdin":  stdin,
		"stdout": stream("sys.stdout", stdout),
		"stderr": stream("sys.stderr", stderr),
		"flush":  starlark.NewBuiltin("sys.flush", noop),
	}}
}

// stream is a file-like struct with write and flush.
func stream(name string, write func(string)) starlark.Value {
	return starlarkstruct.FromStringDict(starlark.String(name), starlark.StringDict{
		"write": starlark.NewBuiltin(name+".write", func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var s string
			if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &s); err != nil {
				return nil, err
			}
			write(s)
			return starlark.MakeInt(len(s)), nil
		}),
		"flush": starlark.NewBuiltin(name+".flush", noop),
	})
}

func noop(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	return starlark.None, nil
}

// def exit(status=None): ends the process with status, like Python's
// SystemExit: an int (or a bool, which is an int in Python) is the exit
// code, None is 0, anything else is printed to stderr and gives 1.
func sysExit(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var status starlark.Value = starlark.None
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 0, &status); err != nil {
		return nil, err
	}
	switch s := status.(type) {
	case starlark.NoneType:
		return nil, &exceptions.ExitError{Code: 0}
	case starlark.Bool: // an int in Python
		if s {
			return nil, &exceptions.ExitError{Code: 1}
		}
		return nil, &exceptions.ExitError{Code: 0}
	case starlark.Int:
		code, ok := s.Int64()
		if !ok {
			return nil, &exceptions.ExitError{Code: 1, Msg: s.String()}
		}
		return nil, &exceptions.ExitError{Code: int(code)}
	case starlark.String:
		return nil, &exceptions.ExitError{Code: 1, Msg: string(s)}
	}
	return nil, &exceptions.ExitError{Code: 1, Msg: status.String()}
}

// ExitBuiltin returns a builtin named name that does what sys.exit does: the
// REPL's exit() and quit().
func ExitBuiltin(name string) *starlark.Builtin { return starlark.NewBuiltin(name, sysExit) }
