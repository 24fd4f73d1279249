package builtins

// The rest of the multiprocessing module's functions (CPython: context.py).

import (
	"go.starlark.net/starlark"
)

// FreezeSupport is freeze_support(), which does nothing: mpstar programs are
// never frozen executables.
func FreezeSupport(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return starlark.None, nil
}

// SetExecutable is set_executable(executable): the program children run; an
// embedding host may point it at its own binary.
func SetExecutable(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var exe string
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &exe); err != nil {
		return nil, err
	}
	rt := RuntimeOf(thread)
	rt.mu.Lock()
	rt.cfg.Executable = exe
	rt.mu.Unlock()
	return starlark.None, nil
}
