package shm

// Misuse errors of the synchronisation objects, with the exception type and
// message text of CPython's Lib/multiprocessing/synchronize.py and
// Modules/_multiprocessing/semaphore.c.

// Error is a misuse error a script can catch. Kind is the CPython exception
// type ("ValueError", "AssertionError", "BrokenBarrierError"), a name in the
// internal/builtins/exceptions table, whose test fails if it is missing;
// Msg is CPython's message, which is empty for BrokenBarrierError.
type Error struct {
	Kind string
	Msg  string
}

// Error returns Msg, or Kind when CPython gives no message.
func (e *Error) Error() string {
	if e.Msg == "" {
		return e.Kind
	}
	return e.Msg
}

// The misuse errors. Compare with errors.Is.
var (
	// ErrReleasedTooManyTimes: release of an unlocked Lock, or of a
	// BoundedSemaphore already at its initial value.
	ErrReleasedTooManyTimes = &Error{"ValueError", "semaphore or lock released too many times"}
	// ErrNotOwner: release of an RLock the caller does not hold.
	ErrNotOwner = &Error{"AssertionError", "attempt to release recursive lock not owned by thread"}
	// ErrWaitNotOwned: Condition.Wait without holding its lock.
	ErrWaitNotOwned = &Error{"AssertionError", "must acquire() condition before using wait()"}
	// ErrNotifyNotOwned: Condition.Notify or NotifyAll without holding its lock.
	ErrNotifyNotOwned = &Error{"AssertionError", "lock is not owned"}
	// ErrRecursionOverflow: an RLock acquired 2³²-1 times by one owner.
	ErrRecursionOverflow = &Error{"OverflowError", "recursive lock acquired too many times"}
	// ErrBrokenBarrier: the barrier was aborted, timed out, or its action
	// failed (CPython's threading.BrokenBarrierError).
	ErrBrokenBarrier = &Error{"BrokenBarrierError", ""}
)
