package queue

// The errors of queues, with the exception type and message text of CPython's
// Lib/multiprocessing/queues.py (and of the queue module's Empty and Full).

import "fmt"

// Error is an error a script can catch. Kind is the CPython exception type
// ("queue.Empty", "queue.Full", "ValueError", "AssertionError", "OSError",
// "RuntimeError"), a name in the internal/builtins/exceptions table, whose
// test fails if it is missing; Msg is CPython's message, empty where CPython
// gives none.
type Error struct {
	Kind string
	Msg  string

	// of is the sentinel this error is an instance of when its message
	// names a particular queue; nil for the sentinels themselves.
	of *Error
}

// Error returns Msg, or Kind when there is no message.
func (e *Error) Error() string {
	if e.Msg == "" {
		return e.Kind
	}
	return e.Msg
}

// Is makes errors.Is(err, ErrClosed) true for the closed error of any queue.
func (e *Error) Is(target error) bool {
	return e.of != nil && e.of == target
}

// The queue errors. Compare with errors.Is.
var (
	// ErrEmpty: Get without blocking found nothing, or its timeout ran out.
	ErrEmpty = &Error{Kind: "queue.Empty"}
	// ErrFull: Put without blocking found the queue at maxsize, or its
	// timeout ran out.
	ErrFull = &Error{Kind: "queue.Full"}
	// ErrClosed: Put or Get on a Queue this process has closed. The error
	// returned names the queue: "Queue <repr> is closed".
	ErrClosed = &Error{Kind: "ValueError", Msg: "Queue is closed"}
	// ErrNotClosed: JoinThread before Close. The error returned names the
	// queue: "Queue <repr> not closed".
	ErrNotClosed = &Error{Kind: "AssertionError", Msg: "Queue not closed"}
	// ErrTooManyTaskDone: TaskDone called more times than items were put.
	ErrTooManyTaskDone = &Error{Kind: "ValueError", Msg: "task_done() called too many times"}
	// ErrHandleClosed: Put or Get on a SimpleQueue this process has closed
	// (CPython's Connection "handle is closed").
	ErrHandleClosed = &Error{Kind: "OSError", Msg: "handle is closed"}
	// ErrTooLarge: an item of 2⁴⁰ bytes or more.
	ErrTooLarge = &Error{Kind: "ValueError", Msg: "queue item is too large (the limit is 1 TiB)"}
	// ErrBroken: the queue can no longer be used because its memory holds
	// something no mpstar process wrote. The error returned names the
	// queue.
	ErrBroken = &Error{Kind: "OSError", Msg: "queue is broken"}
)

// queueError returns an instance of sentinel whose message names the queue
// q, in CPython's words: format has one %s for the queue.
func queueError(sentinel *Error, format string, q fmt.Stringer) error {
	return &Error{Kind: sentinel.Kind, Msg: fmt.Sprintf(format, q), of: sentinel}
}
