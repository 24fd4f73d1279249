package builtins

// with_(obj, f, *args, **kwargs): Python's "with obj: f(*args, **kwargs)".

import (
	"fmt"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
)

// ContextManager is implemented by every value that is a context manager in
// Python (locks, pools, managers, connections, listeners, ...).
type ContextManager interface {
	starlark.Value
	// Enter is __enter__.
	Enter(thread *starlark.Thread) error
	// Exit is __exit__; failed says whether the body failed.
	Exit(thread *starlark.Thread, failed bool) error
}

// With is with_(obj, f, *args, **kwargs).
func With(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(args) < 2 {
		return nil, fmt.Errorf("%s: want (obj, f, *args, **kwargs), got %d positional arguments", b.Name(), len(args))
	}
	cm, ok := args[0].(ContextManager)
	if !ok {
		return nil, exceptions.TypeError.Errorf("%s: '%s' object does not support the context manager protocol", b.Name(), args[0].Type())
	}
	if err := cm.Enter(thread); err != nil {
		return nil, err
	}
	v, err := starlark.Call(thread, args[1], args[2:], kwargs)
	if exitErr := cm.Exit(thread, err != nil); err == nil {
		err = exitErr
	}
	return v, err
}
