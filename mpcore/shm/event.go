package shm

// Event. Mirrors the Event class of CPython's
// Lib/multiprocessing/synchronize.py, which builds it from a Condition and
// a Semaphore; here it is one futex word.

import (
	"math"
	"sync/atomic"
	"time"
)

// Layout of an Event in its block.
const (
	eventFlag     = 0 // 1 when set; the futex word
	eventSleepers = 4 // processes asleep in Wait, so Set knows to wake
	eventSize     = 8
)

// Before sleeping, Wait polls eventSpin times (about 8 µs), then for
// eventYield more while yielding the CPU. Events are used for ping-pong
// between processes, where the answer often comes within microseconds,
// sooner than a futex wake-up (5–20 µs here) would deliver it; yielding
// lets the answering process run when it shares our CPU.
const (
	eventSpin  = 4000
	eventYield = 50 * time.Microsecond
)

// Event is a process-shared flag that processes can wait for.
type Event struct {
	b        Block
	flag     *uint32
	sleepers *uint32
	hb       raceSync
}

// NewEvent allocates a clear Event from h.
func NewEvent(h *Heap) (*Event, error) {
	b, err := h.Alloc(eventSize)
	if err != nil {
		return nil, err
	}
	return EventAt(b)
}

// EventAt returns a handle on the event that lives in b, which NewEvent
// made in this or another process.
func EventAt(b Block) (*Event, error) {
	mem, err := objectMemory(b, eventSize, "Event")
	if err != nil {
		return nil, err
	}
	return &Event{b: b, flag: Word(mem, eventFlag), sleepers: Word(mem, eventSleepers), hb: newRaceSync(b)}, nil
}

// Block returns the shared memory the event lives in.
func (e *Event) Block() Block { return e.b }

// Set sets the flag and wakes every waiter.
func (e *Event) Set() {
	e.hb.release()
	if atomic.SwapUint32(e.flag, 1) == 0 && atomic.LoadUint32(e.sleepers) > 0 {
		futexWakeWord(e.flag, math.MaxInt32)
	}
}

// Clear clears the flag.
func (e *Event) Clear() {
	atomic.StoreUint32(e.flag, 0)
}

// IsSet reports whether the flag is set.
func (e *Event) IsSet() bool {
	if atomic.LoadUint32(e.flag) == 1 {
		e.hb.acquire()
		return true
	}
	return false
}

// Wait waits up to timeout (< 0: forever) for the flag to be set and
// reports whether it is.
func (e *Event) Wait(timeout time.Duration) bool {
	if e.IsSet() {
		return true
	}
	if timeout == 0 {
		return false
	}
	if spin(eventSpin, e.IsSet) || yieldSpin(eventYield, e.IsSet) {
		return true
	}
	p := newPatience(timeout, false)
	atomic.AddUint32(e.sleepers, 1)
	defer atomic.AddUint32(e.sleepers, ^uint32(0))
	for {
		if e.IsSet() {
			return true
		}
		sleep, _, expired := p.step()
		if expired {
			return false
		}
		futexWaitWord(e.flag, 0, sleep)
	}
}
