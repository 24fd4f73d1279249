package pool

// The pool's errors. The builtins layer maps them onto Python exceptions:
// ErrNotRunning and ErrStillRunning to ValueError with CPython's messages,
// *WorkerLostError to WorkerLostError, *InitError to the initializer's own
// error, the rest to RuntimeError.

import (
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

var (
	// ErrNotRunning is returned by Submit after Close or Terminate
	// (CPython's ValueError "Pool not running").
	ErrNotRunning = errors.New("Pool not running")
	// ErrStillRunning is returned by Join before Close or Terminate
	// (CPython's ValueError "Pool is still running").
	ErrStillRunning = errors.New("Pool is still running")
	// ErrTerminated fails the tasks a pool held when it was terminated;
	// CPython leaves them waiting forever.
	ErrTerminated = errors.New("Pool was terminated before the task finished")
	// ErrJoinTimeout is returned by Join when the workers are still
	// running at its deadline.
	ErrJoinTimeout = errors.New("pool workers still running")
)

// WorkerLostError fails the task a worker held when it died: killed by a
// signal, by the OOM killer, or by sys.exit inside the task. A cluster
// pool's task fails with one after its last delivery was lost too; Host
// says where that was and How what happened.
type WorkerLostError struct {
	Worker   string // the worker's process name
	Pid      int
	ExitCode int // CPython's exitcode: the status, or -N after signal N

	Host       string // a cluster worker host, or "" in a local pool
	How        string // how the cluster task was lost the last time
	Deliveries int    // how many times the cluster task was delivered
}

// Error implements the error interface.
func (e *WorkerLostError) Error() string {
	if e.Host != "" {
		return fmt.Sprintf("task lost %d times, the last time on host %s: %s", e.Deliveries, e.Host, e.How)
	}
	return fmt.Sprintf("worker %s (pid %d) exited with %s while running the task", e.Worker, e.Pid, DescribeExit(e.ExitCode))
}

// DescribeExit renders an exit code as "exitcode 3" or "exitcode -9
// (SIGKILL)".
func DescribeExit(code int) string {
	if code < 0 {
		if name := unix.SignalName(unix.Signal(-code)); name != "" {
			return fmt.Sprintf("exitcode %d (%s)", code, name)
		}
	}
	return fmt.Sprintf("exitcode %d", code)
}

// TaskTimeoutError fails a task that ran past its Timeout. Its worker was
// killed, and the pool replaced it.
type TaskTimeoutError struct {
	Worker  string // the killed worker's process name
	Pid     int
	Timeout time.Duration
}

// Error implements the error interface.
func (e *TaskTimeoutError) Error() string {
	return fmt.Sprintf("the task ran past its time limit of %v; worker %s (pid %d) was killed and replaced", e.Timeout, e.Worker, e.Pid)
}

// InitError breaks a pool whose worker's initializer failed: instead of
// respawning workers that fail the same way forever (as CPython does), the
// pool fails every task with it.
type InitError struct {
	Worker  string
	Payload []byte // the worker's encoding of the initializer's error
}

// Error implements the error interface.
func (e *InitError) Error() string {
	return fmt.Sprintf("the initializer failed in pool worker %s", e.Worker)
}

// StartError breaks a pool whose worker could not be started, or exited
// before it was ready (the script failed in the worker, say).
type StartError struct {
	Worker   string // empty when the process could not be launched
	ExitCode int
	Err      error // the launch error, if the process could not be launched
}

// Error implements the error interface.
func (e *StartError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("cannot start a pool worker: %v", e.Err)
	}
	return fmt.Sprintf("pool worker %s exited with %s before it was ready; see its error output", e.Worker, DescribeExit(e.ExitCode))
}

// Unwrap returns the launch error.
func (e *StartError) Unwrap() error { return e.Err }
