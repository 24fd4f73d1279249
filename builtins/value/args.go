package value

// Arguments that many builtins share: timeouts, block flags, sequences.

import (
	"fmt"
	"time"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/builtins/exceptions"
)

// AsDuration converts a Python timeout (None = forever; negative = 0) to a
// Duration (< 0 = forever).
func AsDuration(fn string, v starlark.Value) (time.Duration, error) {
	if v == starlark.None {
		return -1, nil
	}
	f, ok := starlark.AsFloat(v)
	if !ok {
		return 0, exceptions.TypeError.Errorf("%s: timeout must be a number or None, not %s", fn, v.Type())
	}
	if f <= 0 {
		return 0, nil
	}
	return time.Duration(f * float64(time.Second)), nil
}

// AcquireArgs unpacks CPython's acquire(block=True, timeout=None). The
// no-argument call is the hot path of lock_uncontended, so it skips
// UnpackArgs.
func AcquireArgs(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (block bool, d time.Duration, err error) {
	if len(args) == 0 && len(kwargs) == 0 {
		return true, -1, nil
	}
	var blockV starlark.Value = starlark.True
	var timeout starlark.Value = starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "block?", &blockV, "timeout?", &timeout); err != nil {
		return false, 0, err
	}
	d, err = AsDuration(b.Name(), timeout)
	return bool(blockV.Truth()), d, err
}

// TimeoutOnly unpacks a method's only parameter, timeout=None (None waits
// for ever).
func TimeoutOnly(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (time.Duration, error) {
	return TimeoutOr(b, args, kwargs, -1)
}

// TimeoutOr unpacks a method's only parameter, timeout=None, where None
// means def (a barrier's default timeout). The no-argument call skips
// UnpackArgs.
func TimeoutOr(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple, def time.Duration) (time.Duration, error) {
	if len(args)+len(kwargs) == 0 {
		return def, nil
	}
	var timeout starlark.Value = starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "timeout?", &timeout); err != nil {
		return 0, err
	}
	if timeout == starlark.None {
		return def, nil
	}
	return AsDuration(b.Name(), timeout)
}

// NoArgs checks that a method got no arguments, without UnpackArgs' cost
// on hot paths.
func NoArgs(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) error {
	if len(args)+len(kwargs) != 0 {
		return fmt.Errorf("%s: got %d arguments, want none", b.Name(), len(args)+len(kwargs))
	}
	return nil
}

// AsTuple converts fn's argument what, a tuple or list, to a tuple.
func AsTuple(fn, what string, v starlark.Value) (starlark.Tuple, error) {
	switch v := v.(type) {
	case starlark.Tuple:
		return v, nil
	case *starlark.List:
		t := make(starlark.Tuple, v.Len())
		for i := range t {
			t[i] = v.Index(i)
		}
		return t, nil
	}
	return nil, exceptions.TypeError.Errorf("%s: %s must be a tuple or list, not %s", fn, what, v.Type())
}

// AsDict converts fn's argument what, a dict or None, to a dict.
func AsDict(fn, what string, v starlark.Value) (*starlark.Dict, error) {
	switch v := v.(type) {
	case starlark.NoneType:
		return starlark.NewDict(0), nil
	case *starlark.Dict:
		return v, nil
	}
	return nil, exceptions.TypeError.Errorf("%s: %s must be a dict, not %s", fn, what, v.Type())
}
