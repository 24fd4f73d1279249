package shm

// Barrier. Mirrors CPython's threading.Barrier, which
// Lib/multiprocessing/synchronize.py reuses over a process-shared Condition
// and shared state; the algorithm and its states are CPython's.

import (
	"fmt"
	"sync/atomic"
	"time"
)

// Layout of a Barrier in its block: its own lock and condition, then state.
const (
	barrierLock    = 0  // a Mutex (mutexSize bytes, padded to 16)
	barrierCond    = 16 // a Condition (condSize bytes)
	barrierState   = 24 // one of the barrier states below, as int32
	barrierCount   = 28 // processes inside Wait
	barrierParties = 32
	barrierSize    = 36
)

// Barrier states, as in threading.Barrier.
const (
	barrierFilling   = 0
	barrierDraining  = 1
	barrierResetting = -1
	barrierBroken    = -2
)

// Barrier is a process-shared barrier for a fixed number of parties.
type Barrier struct {
	b       Block
	m       *Mutex
	c       *Condition
	state   *uint32
	count   *uint32
	parties int
}

// OnDeadOwner sets what this handle calls when it takes the barrier's lock
// over from a process that died holding it (see Mutex.OnDeadOwner).
func (br *Barrier) OnDeadOwner(f DeadOwnerFunc) { br.m.OnDeadOwner(f) }

// NewBarrier allocates a barrier for parties (> 0) parties from h.
func NewBarrier(h *Heap, parties int) (*Barrier, error) {
	if parties <= 0 || parties > 1<<16-1 {
		return nil, fmt.Errorf("shm: barrier parties must be between 1 and %d, got %d", 1<<16-1, parties)
	}
	b, err := h.Alloc(barrierSize)
	if err != nil {
		return nil, err
	}
	atomic.StoreUint32(Word(b.Bytes(), barrierParties), uint32(parties))
	return BarrierAt(b)
}

// BarrierAt returns a handle on the barrier that lives in b, which
// NewBarrier made in this or another process.
func BarrierAt(b Block) (*Barrier, error) {
	mem, err := objectMemory(b, barrierSize, "Barrier")
	if err != nil {
		return nil, err
	}
	m, err := MutexAt(Block{Arena: b.Arena, Off: b.Off + barrierLock, Len: mutexSize}, false)
	if err != nil {
		return nil, err
	}
	m.kind = "Barrier"
	c, err := ConditionAt(Block{Arena: b.Arena, Off: b.Off + barrierCond, Len: condSize}, m)
	if err != nil {
		return nil, err
	}
	return &Barrier{
		b:       b,
		m:       m,
		c:       c,
		state:   Word(mem, barrierState),
		count:   Word(mem, barrierCount),
		parties: int(atomic.LoadUint32(Word(mem, barrierParties))),
	}, nil
}

// Block returns the shared memory the barrier lives in.
func (b *Barrier) Block() Block { return b.b }

// Parties returns the number of parties the barrier waits for.
func (b *Barrier) Parties() int { return b.parties }

// NWaiting returns how many parties are waiting at the barrier.
func (b *Barrier) NWaiting() int {
	if b.getState() == barrierFilling {
		return int(atomic.LoadUint32(b.count))
	}
	return 0
}

// Broken reports whether the barrier is broken.
func (b *Barrier) Broken() bool {
	return b.getState() == barrierBroken
}

// Wait waits up to timeout (< 0: forever) until all parties have called
// Wait, and returns this party's arrival index, 0 to Parties()-1. The last
// party to arrive runs action (if not nil) before the others are released;
// if action fails, that party gets its error, the others ErrBrokenBarrier,
// and the barrier is broken. A timeout breaks the barrier too.
func (b *Barrier) Wait(timeout time.Duration, action func() error) (index int, err error) {
	b.lock()
	defer b.m.Release()
	if err := b.enter(); err != nil {
		return 0, err
	}
	index = int(atomic.LoadUint32(b.count))
	atomic.StoreUint32(b.count, uint32(index+1))
	defer b.exit()
	if index+1 == b.parties {
		return index, b.release(action)
	}
	return index, b.wait(timeout)
}

// enter waits while a previous cycle drains or resets.
func (b *Barrier) enter() error {
	for s := b.getState(); s == barrierDraining || s == barrierResetting; s = b.getState() {
		b.c.Wait(-1) // cannot fail: we hold the lock
	}
	if b.getState() < 0 {
		return ErrBrokenBarrier
	}
	return nil
}

// release runs the action and lets the waiting parties go.
func (b *Barrier) release(action func() error) error {
	if action != nil {
		if err := action(); err != nil {
			b.breakBarrier()
			return err
		}
	}
	b.setState(barrierDraining)
	b.c.NotifyAll() // cannot fail: we hold the lock
	return nil
}

// wait waits for the last party, breaking the barrier on timeout.
func (b *Barrier) wait(timeout time.Duration) error {
	p := newPatience(timeout, false)
	for b.getState() == barrierFilling {
		sleep, _, expired := p.step()
		if expired {
			b.breakBarrier()
			return ErrBrokenBarrier
		}
		b.c.Wait(sleep) // cannot fail: we hold the lock
	}
	if b.getState() < 0 {
		return ErrBrokenBarrier
	}
	return nil
}

// exit leaves Wait; the last one out of a draining or resetting barrier
// makes it ready for the next cycle.
func (b *Barrier) exit() {
	n := atomic.AddUint32(b.count, ^uint32(0))
	if s := b.getState(); n == 0 && (s == barrierDraining || s == barrierResetting) {
		b.setState(barrierFilling)
		b.c.NotifyAll()
	}
}

// Reset returns the barrier to its initial state; parties waiting get
// ErrBrokenBarrier.
func (b *Barrier) Reset() {
	b.lock()
	defer b.m.Release()
	if atomic.LoadUint32(b.count) > 0 {
		if s := b.getState(); s == barrierFilling || s == barrierBroken {
			b.setState(barrierResetting)
		}
	} else {
		b.setState(barrierFilling)
	}
	b.c.NotifyAll()
}

// Abort breaks the barrier: parties waiting now or later get
// ErrBrokenBarrier until Reset.
func (b *Barrier) Abort() {
	b.lock()
	defer b.m.Release()
	b.breakBarrier()
}

// breakBarrier marks the barrier broken and wakes everyone; the caller
// holds the lock.
func (b *Barrier) breakBarrier() {
	b.setState(barrierBroken)
	b.c.NotifyAll()
}

// lock takes the barrier's own lock, waiting as long as it takes: it is
// held only for moments.
func (b *Barrier) lock() {
	b.m.acquire(true, -1, false) // cannot fail: a Lock has no recursion to overflow
}

func (b *Barrier) getState() int32  { return int32(atomic.LoadUint32(b.state)) }
func (b *Barrier) setState(s int32) { atomic.StoreUint32(b.state, uint32(s)) }
