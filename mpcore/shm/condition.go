package shm

// Condition. Mirrors the Condition class of CPython's
// Lib/multiprocessing/synchronize.py, which counts sleepers and wakers with
// three semaphores; here a sequence word to sleep on and one word that
// counts sleepers and the wake-ups granted to them.

import (
	"math"
	"sync/atomic"
	"time"
)

// Layout of a Condition in its block.
const (
	condSeq   = 0 // bumped by every notify; the futex word
	condState = 4 // sleepers<<16 | tokens: registered waiters, wake-ups granted
	condSize  = 8
)

// condOne is one sleeper in the condState word.
const condOne = 1 << 16

// Condition is a process-shared condition variable over a Mutex, which may
// be a Lock or an RLock. Notify(n) grants exactly n wake-ups (or as many as
// there are waiters), each taken by one waiter.
type Condition struct {
	b     Block
	m     *Mutex
	seq   *uint32
	state *uint32
}

// NewCondition allocates a Condition over m from h.
func NewCondition(h *Heap, m *Mutex) (*Condition, error) {
	b, err := h.Alloc(condSize)
	if err != nil {
		return nil, err
	}
	return ConditionAt(b, m)
}

// ConditionAt returns a handle on the condition that lives in b, which
// NewCondition made in this or another process, over a handle on its lock.
func ConditionAt(b Block, m *Mutex) (*Condition, error) {
	mem, err := objectMemory(b, condSize, "Condition")
	if err != nil {
		return nil, err
	}
	return &Condition{b: b, m: m, seq: Word(mem, condSeq), state: Word(mem, condState)}, nil
}

// Block returns the shared memory the condition lives in (not its lock's).
func (c *Condition) Block() Block { return c.b }

// Lock returns the condition's lock.
func (c *Condition) Lock() *Mutex { return c.m }

// Sleepers returns how many waiters have not been notified yet (CPython's
// count in repr(Condition)).
func (c *Condition) Sleepers() int {
	st := atomic.LoadUint32(c.state)
	return int(st/condOne) - int(st%condOne)
}

// Wait releases the lock (fully, for an RLock), waits up to timeout (< 0:
// forever) for a notification, takes the lock back at its old depth, and
// reports whether it was notified. The caller must hold the lock
// (ErrWaitNotOwned).
func (c *Condition) Wait(timeout time.Duration) (bool, error) {
	if !c.m.IsMine() {
		return false, ErrWaitNotOwned
	}
	// Register while holding the lock, so a notify that follows our
	// release counts us, and note which notifies came before us: their
	// wake-ups are not ours to take.
	atomic.AddUint32(c.state, condOne)
	registered := atomic.LoadUint32(c.seq)
	depth := c.m.releaseFully()
	notified := c.sleep(registered, timeout)
	c.m.reacquire(depth)
	return notified, nil
}

// sleep waits until timeout for a wake-up token granted by a notify after
// registered (the sequence number when this waiter registered); on timeout
// it leaves the sleepers, unless a token arrived at the last moment.
//
// A waiter may take any token granted after it registered, not only "its"
// own: every notify grants at most as many tokens as there are waiters
// registered before it, so the tokens never outnumber the waiters entitled
// to them, and every token is taken.
func (c *Condition) sleep(registered uint32, timeout time.Duration) bool {
	p := newPatience(timeout, false)
	for {
		// Read seq before looking for a token: a notify that grants one
		// after the look bumps seq after the read, so the futex wait
		// returns at once instead of missing it.
		seq := atomic.LoadUint32(c.seq)
		entitled := seq != registered
		if entitled && c.take() {
			return true
		}
		sleep, _, expired := p.step()
		if expired {
			return c.leave(entitled)
		}
		futexWaitWord(c.seq, seq, sleep)
	}
}

// take consumes a wake-up token if there is one, leaving the sleepers,
// and reports whether it did.
func (c *Condition) take() bool {
	for {
		w := atomic.LoadUint32(c.state)
		if w&(condOne-1) == 0 {
			return false
		}
		if atomic.CompareAndSwapUint32(c.state, w, w-condOne-1) {
			return true
		}
	}
}

// leave leaves the sleepers after a timeout, consuming a token instead if
// the waiter is entitled to one and one is there; it reports whether it
// consumed one.
func (c *Condition) leave(entitled bool) bool {
	for {
		w := atomic.LoadUint32(c.state)
		token := entitled && w&(condOne-1) > 0
		next := w - condOne
		if token {
			next--
		}
		if atomic.CompareAndSwapUint32(c.state, w, next) {
			return token
		}
	}
}

// Notify wakes up to n waiters. The caller must hold the lock
// (ErrNotifyNotOwned).
func (c *Condition) Notify(n int) error {
	if !c.m.IsMine() {
		return ErrNotifyNotOwned
	}
	if n <= 0 {
		return nil
	}
	for {
		w := atomic.LoadUint32(c.state)
		sleepers, tokens := w>>16, w&(condOne-1)
		k := uint32(min(n, int(sleepers-tokens)))
		if k == 0 {
			return nil
		}
		if atomic.CompareAndSwapUint32(c.state, w, w+k) {
			atomic.AddUint32(c.seq, 1)
			futexWakeWord(c.seq, int(k))
			return nil
		}
	}
}

// NotifyAll wakes every waiter. The caller must hold the lock
// (ErrNotifyNotOwned).
func (c *Condition) NotifyAll() error {
	return c.Notify(math.MaxInt32)
}
