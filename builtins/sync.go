package builtins

// Lock, RLock, Semaphore, BoundedSemaphore, Event, Condition and Barrier
// (CPython: synchronize.py), backed by futexes in shared memory
// (mpcore/shm). Each crosses to a child by handle.

import (
	"errors"

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
