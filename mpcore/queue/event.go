package queue

// Waiting for another process without a system call when nobody sleeps.
// CPython's queues block in read(2) on a pipe and in sem_wait; we wait on
// futex words in the queue's shared memory.

import (
	"math"
	"sync/atomic"
	"time"

	"github.com/mpstar/mpstar/mpcore/shm"
	"github.com/mpstar/mpstar/mpcore/stop"
	"golang.org/x/sys/unix"
)

// Spinning before sleeping: a futex sleep and wake-up costs several
// microseconds, and the other process usually answers sooner than that.
const (
	spinPolls  = 64 // polls of the condition in a tight loop
	spinYields = 16 // further polls, each after sched_yield(2), which lets a process on this CPU run
)

// event is a condition processes sleep on: a futex sequence word that
// changes with every wake-up, and a flag that sleepers raise so that the
// notifier knows a wake-up system call is needed. The flag is cleared by the
// notifier, never by a sleeper, so a process killed while asleep costs at
// most one spurious wake-up.
type event struct {
	seq, flag *uint32
}

// eventAt returns the event whose two words start at byte off of mem.
func eventAt(mem []byte, off int) event {
	return event{seq: shm.Word(mem, off), flag: shm.Word(mem, off+4)}
}

// notify wakes every sleeper, if there is one. The condition the sleepers
// wait for must already be true (published with an atomic store).
func (e event) notify() {
	if atomic.LoadUint32(e.flag) != 0 && atomic.SwapUint32(e.flag, 0) != 0 {
		atomic.AddUint32(e.seq, 1)
		shm.FutexWake(e.seq, math.MaxInt32)
	}
}

// wait returns true as soon as ready() is, or false once the time limit
// has passed with ready() still false. ready must not block.
//
// The sleeper reads seq, raises the flag, and re-checks ready before
// sleeping on seq. A notifier makes the condition true before it looks at
// the flag; Go's atomics are sequentially consistent, so either the sleeper
// sees the condition or the notifier sees the flag and changes seq, which
// makes the futex wait return at once.
func (e event) wait(ready func() bool, limit *clock) bool {
	if limit.timeout == 0 {
		return ready()
	}
	for range spinPolls {
		if ready() {
			return true
		}
	}
	for range spinYields {
		unix.Syscall(unix.SYS_SCHED_YIELD, 0, 0, 0)
		if ready() {
			return true
		}
	}
	for {
		seq := atomic.LoadUint32(e.seq)
		atomic.StoreUint32(e.flag, 1)
		if ready() {
			return true
		}
		d := limit.left()
		if d == 0 {
			return false
		}
		shm.FutexWait(e.seq, seq, d)
		if ready() {
			return true
		}
	}
}

// clock is a time limit whose deadline is computed when first asked for,
// so an operation that completes without waiting never reads the clock.
type clock struct {
	timeout   time.Duration // < 0: no limit
	at        time.Time     // the deadline, once computed
	stoppable bool          // a stopped script thread runs out of time (package stop)
}

// limit returns the clock of a caller's wait for timeout (< 0: no limit),
// which ends early when the calling script thread is stopped.
func limit(timeout time.Duration) clock { return clock{timeout: timeout, stoppable: true} }

// probeTurn returns the clock of one turn of a wait in the middle of
// moving an item, which is never stopped halfway: the item would be lost.
func probeTurn() clock { return clock{timeout: probeInterval} }

// left returns the time remaining: -1 for no limit, 0 once expired.
func (c *clock) left() time.Duration {
	if c.stoppable && stop.Stopped() != nil {
		return 0
	}
	if c.timeout < 0 {
		return -1
	}
	if c.at.IsZero() {
		c.at = time.Now().Add(c.timeout)
	}
	return max(time.Until(c.at), 0)
}
