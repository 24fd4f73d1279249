package value

// Arguments that many builtins share: timeouts, block flags, sequences.

import (
	"fmt"
	"time"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
)

// Timeout is a timeout argument in seconds, a number or None. It is a
// starlark.Unpacker, so it goes straight into starlark.UnpackArgs (as
// go.starlark.net's lib/time Duration does); its zero value is None, the
// usual default. Each API mpstar copies reads it its own way:
// Duration as multiprocessing does, Threading as threading does, Limit
// as a task's time limit.
type Timeout struct {
	v    starlark.Value // as given; nil for None
	secs float64
}

// Seconds is a timeout of secs seconds, for a parameter whose default is
// a number.
func Seconds(secs float64) Timeout { return Timeout{v: starlark.Float(secs), secs: secs} }

// Unpack implements starlark.Unpacker.
func (t *Timeout) Unpack(v starlark.Value) error {
	if v == starlark.None {
		*t = Timeout{}
		return nil
	}
	secs, ok := starlark.AsFloat(v)
	if !ok {
		return fmt.Errorf("must be a number or None, not %s", v.Type())
	}
	*t = Timeout{v: v, secs: secs}
	return nil
}

// IsNone reports whether the timeout is None.
func (t Timeout) IsNone() bool { return t.v == nil }

// Value is the timeout as the script gave it, for messages and
// exception arguments that show it.
func (t Timeout) Value() starlark.Value {
	if t.v == nil {
		return starlark.None
	}
	return t.v
}

// Duration reads the timeout as multiprocessing does: None waits for ever
// (a negative Duration) and a number up to 0 does not wait.
func (t Timeout) Duration() time.Duration {
	if t.v == nil {
		return -1
	}
	return t.duration()
}

// Or is Duration, except that None means def (a barrier's own default).
func (t Timeout) Or(def time.Duration) time.Duration {
	if t.v == nil {
		return def
	}
	return t.duration()
}

// Threading reads the timeout as threading does: None waits for ever, and
// so does -1 where it is the default (Lock.acquire's); another negative
// number is CPython's ValueError.
func (t Timeout) Threading(minusOneDefault bool) (time.Duration, error) {
	switch {
	case t.v == nil, minusOneDefault && t.secs == -1:
		return -1, nil
	case t.secs < 0 && minusOneDefault:
		return 0, exceptions.ValueError.New("timeout value must be a non-negative number")
	case t.secs < 0:
		return 0, exceptions.ValueError.New("'timeout' must be a non-negative number")
	}
	return t.duration(), nil
}

// Limit reads the timeout as a time limit: None for no limit (0), else a
// positive number; fn and name say whose parameter it is in the error.
func (t Timeout) Limit(fn, name string) (time.Duration, error) {
	if t.v == nil {
		return 0, nil
	}
	if d := t.duration(); d > 0 {
		return d, nil
	}
	return 0, exceptions.ValueError.Errorf("%s: %s must be a positive number of seconds or None", fn, name)
}

// duration is the number of seconds as a Duration, 0 if not positive.
func (t Timeout) duration() time.Duration {
	if t.secs <= 0 {
		return 0
	}
	return time.Duration(t.secs * float64(time.Second))
}

// Block is a block= or blocking= argument, read by its truth as CPython
// reads it: get(block=0) does not block, and any other value is accepted.
// Its zero value blocks, the default everywhere.
type Block struct{ off bool }

// Unpack implements starlark.Unpacker.
func (b *Block) Unpack(v starlark.Value) error {
	b.off = !bool(v.Truth())
	return nil
}

// Blocks reports whether the call may block.
func (b Block) Blocks() bool { return !b.off }

// BlockArgs unpacks (block=True, timeout=None) as acquire, Queue.get and
// Queue.put take them, after the leading parameters lead (name and
// pointer pairs, as UnpackArgs takes them). The call with no arguments at
// all, the hot path of lock_uncontended and of every consumer's get(),
// skips UnpackArgs and allocates nothing.
func BlockArgs(fn string, args starlark.Tuple, kwargs []starlark.Tuple, lead ...any) (block bool, d time.Duration, err error) {
	if len(args)+len(kwargs)+len(lead) == 0 {
		return true, -1, nil
	}
	var flag Block
	var timeout Timeout
	pairs := append(lead, "block?", &flag, "timeout?", &timeout)
	if err := starlark.UnpackArgs(fn, args, kwargs, pairs...); err != nil {
		return false, 0, err
	}
	return flag.Blocks(), timeout.Duration(), nil
}

// TimeoutArgs unpacks a method's only parameter, timeout=None, where None
// means def: for ever (-1) for most, a barrier's default timeout for
// Barrier.wait. The no-argument call skips UnpackArgs.
func TimeoutArgs(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple, def time.Duration) (time.Duration, error) {
	if len(args)+len(kwargs) == 0 {
		return def, nil
	}
	var timeout Timeout
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "timeout?", &timeout); err != nil {
		return 0, err
	}
	return timeout.Or(def), nil
}

// NoArgs checks that fn, a function or method that takes no arguments,
// got none, with CPython's TypeError if it did. It is the one check for
// such builtins, cheap enough for their hot paths.
func NoArgs(fn string, args starlark.Tuple, kwargs []starlark.Tuple) error {
	switch {
	case len(args)+len(kwargs) == 0:
		return nil
	case len(kwargs) != 0:
		return exceptions.TypeError.Errorf("%s() takes no keyword arguments", fn)
	}
	return exceptions.TypeError.Errorf("%s() takes no arguments (%d given)", fn, len(args))
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
