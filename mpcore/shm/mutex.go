package shm

// Lock and RLock. Mirrors the Lock and RLock classes of CPython's
// Lib/multiprocessing/synchronize.py and the SemLock of
// Modules/_multiprocessing/semaphore.c, as a futex mutex instead of a POSIX
// semaphore: the lock word holds the owner's pid, so a waiter can tell when
// the owner has died and take the lock over.

import (
	"math"
	"sync/atomic"
	"time"
)

// Layout of a Mutex in its block.
const (
	mutexState = 0  // owner pid | waitersBit, 0 when unlocked; the futex word
	mutexToken = 4  // Owner token of the holder within its process
	mutexCount = 8  // recursion depth of an RLock
	mutexSize  = 12 // bytes used
)

// waitersBit in the lock word means some process may be asleep on it, so
// Release must wake one. Pids are below 2²² on Linux, so it never collides.
const waitersBit = 1 << 31

// mutexSpin is how many times a contended Acquire polls before sleeping.
const mutexSpin = 200

// Mutex is a process-shared Lock (recursive false) or RLock (recursive true)
// in a Block of shared memory. Acquire and Release of a free lock are a few
// atomic instructions and no system call. A Mutex handle acts for one Owner
// (MainOwner unless made with As); handles are safe for concurrent use by
// goroutines acting for different owners.
type Mutex struct {
	b         Block
	state     *uint32
	token     *uint32
	count     *uint32
	recursive bool
	owner     Owner
	kind      string // what messages call it: "Lock", "RLock", "Barrier"
	hb        raceSync
	onDead    DeadOwnerFunc // OnDeadOwner's
}

// NewMutex allocates an unlocked Lock (or RLock if recursive) from h.
func NewMutex(h *Heap, recursive bool) (*Mutex, error) {
	b, err := h.Alloc(mutexSize)
	if err != nil {
		return nil, err
	}
	return MutexAt(b, recursive)
}

// MutexAt returns a handle on the lock that lives in b, which NewMutex made
// in this or another process. recursive must be what it was made with.
func MutexAt(b Block, recursive bool) (*Mutex, error) {
	kind := "Lock"
	if recursive {
		kind = "RLock"
	}
	mem, err := objectMemory(b, mutexSize, kind)
	if err != nil {
		return nil, err
	}
	return &Mutex{
		b:         b,
		state:     Word(mem, mutexState),
		token:     Word(mem, mutexToken),
		count:     Word(mem, mutexCount),
		recursive: recursive,
		owner:     MainOwner,
		kind:      kind,
		hb:        newRaceSync(b),
	}, nil
}

// As returns a handle on the same lock that acts for owner o, so that
// goroutines of one process can hold an RLock independently.
func (m *Mutex) As(o Owner) *Mutex {
	c := *m
	c.owner = o
	return &c
}

// OnDeadOwner sets what this handle calls when it takes the lock over from
// a process that died holding it (the run's stderr); without it a warning
// goes to the process's stderr. Set it before the handle is shared.
func (m *Mutex) OnDeadOwner(f DeadOwnerFunc) { m.onDead = f }

// Block returns the shared memory the lock lives in.
func (m *Mutex) Block() Block { return m.b }

// Recursive reports whether this is an RLock.
func (m *Mutex) Recursive() bool { return m.recursive }

// Acquire takes the lock. With block false, or a zero timeout, it only
// tries; otherwise it waits up to timeout (< 0: forever) and reports
// whether it got the lock. An RLock its owner already holds is re-entered.
// A lock whose holder process has died is taken over (see OnDeadOwner).
// A stopped script thread stops waiting (see package stop).
func (m *Mutex) Acquire(block bool, timeout time.Duration) (bool, error) {
	return m.acquire(block, timeout, true)
}

// acquire is Acquire; a wait that is not stoppable lasts until the lock
// is taken or the timeout passes.
func (m *Mutex) acquire(block bool, timeout time.Duration, stoppable bool) (bool, error) {
	if m.recursive && m.IsMine() {
		c := atomic.LoadUint32(m.count)
		if c == math.MaxUint32 {
			return false, ErrRecursionOverflow
		}
		atomic.StoreUint32(m.count, c+1)
		return true, nil
	}
	if atomic.CompareAndSwapUint32(m.state, 0, selfPID) {
		m.own()
		return true, nil
	}
	if !block || timeout == 0 {
		return false, nil
	}
	return m.acquireSlow(timeout, stoppable), nil
}

// acquireSlow spins briefly, then sleeps on the lock word, checking every
// deadCheckInterval that the holder is alive.
func (m *Mutex) acquireSlow(timeout time.Duration, stoppable bool) bool {
	if spin(mutexSpin, m.tryLock) {
		return true
	}
	p := newPatience(timeout, true)
	p.stoppable = stoppable
	for {
		old := atomic.LoadUint32(m.state)
		if old == 0 {
			// Keep the waiters bit: others may still be asleep.
			if atomic.CompareAndSwapUint32(m.state, 0, selfPID|waitersBit) {
				m.own()
				return true
			}
			continue
		}
		if old&waitersBit == 0 && !atomic.CompareAndSwapUint32(m.state, old, old|waitersBit) {
			continue
		}
		old |= waitersBit
		sleep, check, expired := p.step()
		if check && m.takeOverDead(old) {
			return true
		}
		if expired {
			return false
		}
		futexWaitWord(m.state, old, sleep)
	}
}

// tryLock takes the lock if it is free.
func (m *Mutex) tryLock() bool {
	if atomic.LoadUint32(m.state) == 0 && atomic.CompareAndSwapUint32(m.state, 0, selfPID) {
		m.own()
		return true
	}
	return false
}

// own records the caller as holder, after the lock word says this pid.
func (m *Mutex) own() {
	m.hb.acquire()
	atomic.StoreUint32(m.token, uint32(m.owner))
	if m.recursive {
		atomic.StoreUint32(m.count, 1)
	}
}

// takeOverDead takes the lock if old (the lock word last seen) names a
// process that has died.
func (m *Mutex) takeOverDead(old uint32) bool {
	pid := old &^ waitersBit
	if !processDead(pid) || !atomic.CompareAndSwapUint32(m.state, old, selfPID|waitersBit) {
		return false
	}
	m.own()
	m.onDead.report(m.kind+" <"+m.b.String()+">", int(pid))
	return true
}

// Release releases the lock. A Lock may be released by any process, as in
// CPython; releasing an unlocked Lock returns ErrReleasedTooManyTimes. An
// RLock must be released by its owner (ErrNotOwner) as many times as it
// was acquired.
func (m *Mutex) Release() error {
	if m.recursive {
		if !m.IsMine() {
			return ErrNotOwner
		}
		if c := atomic.LoadUint32(m.count); c > 1 {
			atomic.StoreUint32(m.count, c-1)
			return nil
		}
		atomic.StoreUint32(m.count, 0)
	}
	m.hb.release()
	atomic.StoreUint32(m.token, 0)
	old := atomic.SwapUint32(m.state, 0)
	if old == 0 {
		return ErrReleasedTooManyTimes
	}
	if old&waitersBit != 0 {
		futexWakeWord(m.state, 1)
	}
	return nil
}

// Locked reports whether anyone holds the lock.
func (m *Mutex) Locked() bool {
	return atomic.LoadUint32(m.state) != 0
}

// IsMine reports whether this handle's owner in this process holds the
// lock (CPython's SemLock._is_mine).
func (m *Mutex) IsMine() bool {
	return atomic.LoadUint32(m.state)&^waitersBit == selfPID &&
		atomic.LoadUint32(m.token) == uint32(m.owner)
}

// OwnerPID returns the pid of the process holding the lock, or 0.
func (m *Mutex) OwnerPID() int {
	return int(atomic.LoadUint32(m.state) &^ waitersBit)
}

// Count returns how many times the holder has acquired the lock: 0 when it
// is free, 1 for a held Lock, the recursion depth of a held RLock.
func (m *Mutex) Count() int {
	switch {
	case !m.Locked():
		return 0
	case m.recursive:
		return int(atomic.LoadUint32(m.count))
	default:
		return 1
	}
}

// releaseFully releases a lock the caller holds, however deeply, and
// returns the depth for reacquire (Condition.Wait).
func (m *Mutex) releaseFully() uint32 {
	depth := uint32(1)
	if m.recursive {
		depth = atomic.LoadUint32(m.count)
		atomic.StoreUint32(m.count, 1)
	}
	m.Release() // cannot fail: the caller holds the lock
	return depth
}

// reacquire takes the lock again, waiting as long as it takes (even on a
// stopped thread, as Python's Condition.wait does in its finally), at the
// depth releaseFully returned.
func (m *Mutex) reacquire(depth uint32) {
	m.acquire(true, -1, false) // cannot fail: the caller held no recursion
	if m.recursive {
		atomic.StoreUint32(m.count, depth)
	}
}
