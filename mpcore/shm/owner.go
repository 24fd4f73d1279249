package shm

// Who holds a lock, and what happens when that process dies. CPython's
// SemLock (Modules/_multiprocessing/semaphore.c) records the owning pid and
// thread for RLock; it never recovers a lock from a dead process, we do.

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/mpstar/mpstar/mpcore/stop"
)

// Owner tells apart the holders of a lock inside one process, the way
// CPython tells apart threads. A lock's holder is the pair (pid, Owner).
// Handles act for MainOwner unless made with As; a goroutine that must not
// share recursive ownership with the script thread (a queue feeder, a
// second interpreter) takes its own token from NewOwner.
type Owner uint32

// MainOwner is the owner the script thread acts as.
const MainOwner Owner = 1

var lastOwner atomic.Uint32

func init() { lastOwner.Store(uint32(MainOwner)) }

// NewOwner returns an Owner no other caller in this process has.
func NewOwner() Owner {
	return Owner(lastOwner.Add(1))
}

// selfPID is this process's pid. Go cannot fork, so it never changes.
var selfPID = uint32(os.Getpid())

// DeadOwnerFunc is called when a lock, an RLock or semaphore slots held by
// a process that has died are taken over. what names the object; pid is
// the dead process. It may be called from any goroutine and must not block
// for long. Pids are reused by the kernel: if a dead holder's pid has
// already been given to a new process, the holder looks alive and its lock
// is not recovered.
type DeadOwnerFunc func(what string, pid int)

// report calls f, or without one writes DeadOwnerWarning to the process's
// stderr.
func (f DeadOwnerFunc) report(what string, pid int) {
	if f == nil {
		os.Stderr.WriteString(DeadOwnerWarning(what, pid))
		return
	}
	f(what, pid)
}

// DeadOwnerWarning is the line that reports what, a lock or semaphore
// slots, taken back from pid, a process that died holding it: the words
// every kind of lock uses, shared memory's and a manager's alike.
func DeadOwnerWarning(what string, pid int) string {
	return fmt.Sprintf("mpstar: warning: %s recovered from dead process %d\n", what, pid)
}

// deadCheckInterval is how long a blocked acquirer sleeps between checks
// that the holder is still alive.
const deadCheckInterval = 100 * time.Millisecond

// processDead reports whether pid has exited. A zombie (exited, not yet
// reaped by its parent) counts as dead: the parent may be the very process
// that is blocked waiting for the lock.
func processDead(pid uint32) bool {
	if pid == selfPID || pid == 0 {
		return false
	}
	if err := unix.Kill(int(pid), 0); errors.Is(err, unix.ESRCH) {
		return true
	}
	stat, err := os.ReadFile("/proc/" + strconv.FormatUint(uint64(pid), 10) + "/stat")
	if err != nil {
		return false
	}
	// The state letter follows the command name, which is in parentheses
	// and may itself contain ") ".
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 || i+2 >= len(stat) {
		return false
	}
	state := stat[i+2]
	return state == 'Z' || state == 'X'
}

// patience paces a blocking wait: it sleeps in slices no longer than
// deadCheckInterval when the holder must be watched for death, and knows
// when the caller's timeout has run out.
type patience struct {
	deadline  time.Time // zero: wait forever
	nextCheck time.Time // zero: never check the holder
	stoppable bool      // a stopped script thread ends the wait (package stop)
}

// newPatience starts a wait of timeout (< 0: forever) that ends early
// when the calling script thread is stopped; watch asks for a liveness
// check of the holder every deadCheckInterval.
func newPatience(timeout time.Duration, watch bool) patience {
	p := patience{stoppable: true}
	now := time.Now()
	if timeout >= 0 {
		p.deadline = now.Add(timeout)
	}
	if watch {
		p.nextCheck = now.Add(deadCheckInterval)
	}
	return p
}

// step says how long to sleep next (< 0: no limit), whether the holder is
// due a liveness check, and whether the deadline has passed. A watched wait
// always gets a last check when it expires.
func (p *patience) step() (sleep time.Duration, check, expired bool) {
	now := time.Now()
	expired = !p.deadline.IsZero() && !now.Before(p.deadline) ||
		p.stoppable && stop.Stopped() != nil
	if !p.nextCheck.IsZero() {
		check = expired || !now.Before(p.nextCheck)
		if check {
			p.nextCheck = now.Add(deadCheckInterval)
		}
	}
	sleep = -1
	if !p.nextCheck.IsZero() {
		sleep = p.nextCheck.Sub(now)
	}
	if !p.deadline.IsZero() {
		if d := p.deadline.Sub(now); sleep < 0 || d < sleep {
			sleep = d
		}
	}
	return sleep, check, expired
}
