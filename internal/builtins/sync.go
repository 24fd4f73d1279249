package builtins

// Lock, RLock, Semaphore, BoundedSemaphore, Event, Condition and Barrier
// (CPython: synchronize.py), backed by futexes in shared memory
// (mpcore/shm). Each crosses to a child by handle.

import (
	"errors"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/mpcore/shm"
	"github.com/mpstar/mpstar/mpcore/stop"
)

// The constructors of the synchronisation primitives (CPython: context.py
// Lock, RLock, Semaphore, BoundedSemaphore; Event, Condition and Barrier are
// in their own files).
var (
	NewLock             = newLockBuiltin(false)
	NewRLock            = newLockBuiltin(true)
	NewSemaphore        = newSemaphoreBuiltin(false)
	NewBoundedSemaphore = newSemaphoreBuiltin(true)
)

// shmErr converts an engine error into the Python exception a script sees.
func shmErr(err error) error {
	if err == nil {
		return nil
	}
	if cause := stop.Stopped(); cause != nil {
		return cause // a broken Barrier.wait, say, that the stop ended
	}
	var se *shm.Error
	if errors.As(err, &se) {
		return exceptions.Named(se.Kind).New(se.Msg)
	}
	return err
}
