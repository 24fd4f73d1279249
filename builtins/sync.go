package builtins

// Lock, RLock, Semaphore, BoundedSemaphore, Event, Condition and Barrier
// (CPython: synchronize.py), backed by futexes in shared memory
// (mpcore/shm). Each crosses to a child by handle.

import (
	"errors"
	"fmt"
	"sort"
	"time"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/builtins/exceptions"
	"github.com/mpstar/mpstar/mpcore/shm"
	"github.com/mpstar/mpstar/mpcore/stop"
)

func init() {
	for _, c := range []struct {
		name string
		fn   func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error)
	}{
		{"Lock", newLockBuiltin(false)}, {"RLock", newLockBuiltin(true)},
		{"Semaphore", newSemaphoreBuiltin(false)}, {"BoundedSemaphore", newSemaphoreBuiltin(true)},
		{"Event", newEvent}, {"Condition", newCondition}, {"Barrier", newBarrier},
	} {
		registerFunc("multiprocessing", c.name, c.fn)
	}
	RegisterShareKind("lock", decodeLock)
	RegisterShareKind("semaphore", decodeSemaphore)
	RegisterShareKind("event", decodeEvent)
	RegisterShareKind("condition", decodeCondition)
	RegisterShareKind("barrier", decodeBarrier)
}

// shmErr converts an engine error into the Python exception a script sees.
func shmErr(err error) error {
	if cause := stop.Stopped(); err != nil && cause != nil {
		return cause // a broken Barrier.wait, say, that the stop ended
	}
	var se *shm.Error
	if errors.As(err, &se) {
		return exceptions.Named(se.Kind).New(se.Msg)
	}
	return err
}

// runtimeObject gives Freeze and Truth to values that never freeze and
// are always true: runtime objects (locks, processes, managers, proxies,
// ...), which stay usable in frozen globals (SPEC §5), and immutable
// values (exception classes, ctypes types, error values).
type runtimeObject struct{}

// Freeze is a no-op: runtime objects stay usable in frozen globals, and
// immutable values have nothing to freeze.
func (runtimeObject) Freeze() {}

// Truth implements starlark.Value.
func (runtimeObject) Truth() starlark.Bool { return true }

// attrOf looks up a bound method in a sorted method table.
func attrOf(methods map[string]*starlark.Builtin, recv starlark.Value, name string) (starlark.Value, error) {
	if b, ok := methods[name]; ok {
		return b.BindReceiver(recv), nil
	}
	return nil, nil
}

func methodNames(methods map[string]*starlark.Builtin, extra ...string) []string {
	names := append([]string(nil), extra...)
	for n := range methods {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// acquireArgs unpacks CPython's acquire(block=True, timeout=None). The
// no-argument call is the hot path of lock_uncontended, so it skips
// UnpackArgs.
func acquireArgs(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (block bool, d time.Duration, err error) {
	if len(args) == 0 && len(kwargs) == 0 {
		return true, -1, nil
	}
	var blockV starlark.Value = starlark.True
	var timeout starlark.Value = starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "block?", &blockV, "timeout?", &timeout); err != nil {
		return false, 0, err
	}
	d, err = durationArg(b.Name(), timeout)
	return bool(blockV.Truth()), d, err
}

// timeoutOnly unpacks a method's only parameter, timeout=None (None waits
// for ever).
func timeoutOnly(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (time.Duration, error) {
	return timeoutOr(b, args, kwargs, -1)
}

// timeoutOr unpacks a method's only parameter, timeout=None, where None
// means def (a barrier's default timeout). The no-argument call skips
// UnpackArgs.
func timeoutOr(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple, def time.Duration) (time.Duration, error) {
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
	return durationArg(b.Name(), timeout)
}

// noArgs checks that a method got no arguments, without UnpackArgs' cost
// on hot paths.
func noArgs(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) error {
	if len(args)+len(kwargs) != 0 {
		return fmt.Errorf("%s: got %d arguments, want none", b.Name(), len(args)+len(kwargs))
	}
	return nil
}
