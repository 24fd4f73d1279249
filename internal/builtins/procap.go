package builtins

// The run's process cap (--max-processes, Options.Limits.Processes): the
// live processes of a run, counted across all of them in a table in shared
// memory that every process of the run maps. A start past the cap fails
// as fork does in CPython past RLIMIT_NPROC, with BlockingIOError (EAGAIN),
// and the run goes on: a fork bomb stops at the cap.

import (
	"fmt"
	"os"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/mpcore"
	"github.com/mpstar/mpstar/mpcore/shm"
)

// pidTableKey is the Prep.Extra key of the handle of the run's table.
const pidTableKey = "mpstar.pidtable"

// processCap is a process's view of the run's cap: the shared table, or
// why there is none.
type processCap struct {
	table *shm.PidTable // nil: no cap, or err
	err   error         // the table could not be made or attached
}

// newProcessCap makes the table of a run's main process, whose own slot
// it takes: the cap counts the main process too.
func newProcessCap(n uint64) processCap {
	if n == 0 {
		return processCap{}
	}
	t, err := shm.NewPidTable(shm.DefaultHeap(), int(n))
	if err != nil {
		return processCap{err: fmt.Errorf("cannot make the table of the run's processes (--max-processes): %w", err)}
	}
	t.Fill(t.Reserve(), os.Getpid())
	return processCap{table: t}
}

// childProcessCap attaches the table a child's parent sent, if any.
func childProcessCap(boot *mpcore.Bootstrap) processCap {
	handle, ok := boot.Prep.Extra[pidTableKey]
	if !ok {
		return processCap{}
	}
	b, _, err := readBlock(&UnshareContext{FDs: boot.FDs}, handle)
	if err != nil {
		return processCap{err: fmt.Errorf("cannot attach the table of the run's processes: %w", err)}
	}
	t, err := shm.PidTableAt(b)
	if err != nil {
		return processCap{err: err}
	}
	return processCap{table: t}
}

// reserve takes a slot for a child about to start, and adds the table's
// handle to the child's extra data, carrying its descriptor in fds. slot
// is -1 without a cap; a full table is BlockingIOError.
func (c processCap) reserve(extra map[string][]byte, fds *mpcore.FDTable) (slot int, _ map[string][]byte, _ error) {
	if c.err != nil {
		return -1, extra, exceptions.OSError.Errorf("%v", c.err)
	}
	if c.table == nil {
		return -1, extra, nil
	}
	slot = c.table.Reserve()
	if slot < 0 {
		n := c.table.Cap()
		return -1, extra, exceptions.BlockingIOError.Errorf(
			"[Errno 11] process limit reached: %d processes live in this run (--max-processes=%d; interp: Options.Limits.Processes)", n, n)
	}
	handle, err := appendBlock(nil, &ShareContext{FDs: fds}, c.table.Block(), "PidTable")
	if err != nil {
		c.table.Release(slot, os.Getpid())
		return -1, extra, err
	}
	return slot, withExtra(extra, pidTableKey, handle), nil
}

// started gives a reserved slot to the started child (nil: the start
// failed) until it has exited and been reaped.
func (c processCap) started(slot int, child *mpcore.Child) {
	if slot < 0 {
		return
	}
	if child == nil {
		c.table.Release(slot, os.Getpid())
		return
	}
	c.table.Fill(slot, child.Pid)
	go func() {
		<-child.Done()
		c.table.Release(slot, child.Pid)
	}()
}
