package shm

// Semaphore and BoundedSemaphore. Mirrors the Semaphore and BoundedSemaphore
// classes of CPython's Lib/multiprocessing/synchronize.py and the SEMAPHORE
// kind of Modules/_multiprocessing/semaphore.c, on a futex counter. Beyond
// CPython, a small table of holders lets waiters give back the slots of
// processes that died holding them.

import (
	"fmt"
	"math"
	"sync/atomic"
	"time"
)

// Layout of a Semaphore in its block.
const (
	semValue    = 0  // current value; the futex word
	semSleepers = 4  // processes asleep in Acquire, so Release knows to wake
	semMax      = 8  // initial value: the bound, and the cap on recovery
	semBounded  = 12 // 1 for a BoundedSemaphore
	semHolders  = 16 // holderSlots words of pid<<32 | slots held
	holderSlots = 16
	semSize     = semHolders + 8*holderSlots
)

// semaphoreSpin is how many times a blocked Acquire polls before sleeping.
const semaphoreSpin = 200

// maxSemaphoreValue is CPython's SEM_VALUE_MAX on Linux.
const maxSemaphoreValue = math.MaxInt32

// errSemaphoreOverflow is what sem_post's EOVERFLOW becomes in CPython.
var errSemaphoreOverflow = &Error{"OSError", "[Errno 75] Value too large for defined data type"}

// Semaphore is a process-shared counting semaphore in a Block of shared
// memory. Any process may release it, as in CPython.
//
// Robustness: Acquire records the acquiring pid in a table of holderSlots
// entries and Release crosses it out (its own entry, else anyone's, since a
// semaphore may be released by a process that did not acquire it). A waiter
// that has slept deadCheckInterval gives back the slots of dead holders, but
// never lifts the value above the initial one, so a semaphore used for
// signalling (Semaphore(0)) never gains spurious releases. This is best
// effort: when more than holderSlots processes hold slots at once, the extra
// holders are not recorded and their slots are not recovered. A process that
// exits without releasing counts as dead.
type Semaphore struct {
	b        Block
	value    *uint32
	sleepers *uint32
	max      uint32
	bounded  bool
	holders  []*uint64
	hb       raceSync
	onDead   DeadOwnerFunc // OnDeadOwner's
}

// OnDeadOwner sets what this handle calls when it takes slots back from a
// process that died holding them (the run's stderr); without it a warning
// goes to the process's stderr. Set it before the handle is shared.
func (s *Semaphore) OnDeadOwner(f DeadOwnerFunc) { s.onDead = f }

// NewSemaphore allocates a Semaphore with the given initial value from h;
// bounded makes it a BoundedSemaphore, whose value may not exceed that.
func NewSemaphore(h *Heap, value int, bounded bool) (*Semaphore, error) {
	if value < 0 || value > maxSemaphoreValue {
		return nil, fmt.Errorf("shm: semaphore initial value must be between 0 and %d, got %d", maxSemaphoreValue, value)
	}
	b, err := h.Alloc(semSize)
	if err != nil {
		return nil, err
	}
	mem := b.Bytes()
	atomic.StoreUint32(Word(mem, semValue), uint32(value))
	atomic.StoreUint32(Word(mem, semMax), uint32(value))
	if bounded {
		atomic.StoreUint32(Word(mem, semBounded), 1)
	}
	return SemaphoreAt(b)
}

// SemaphoreAt returns a handle on the semaphore that lives in b, which
// NewSemaphore made in this or another process.
func SemaphoreAt(b Block) (*Semaphore, error) {
	mem, err := objectMemory(b, semSize, "Semaphore")
	if err != nil {
		return nil, err
	}
	s := &Semaphore{
		b:        b,
		value:    Word(mem, semValue),
		sleepers: Word(mem, semSleepers),
		max:      atomic.LoadUint32(Word(mem, semMax)),
		bounded:  atomic.LoadUint32(Word(mem, semBounded)) == 1,
		holders:  make([]*uint64, holderSlots),
		hb:       newRaceSync(b),
	}
	for i := range s.holders {
		s.holders[i] = Word64(mem, semHolders+8*i)
	}
	return s, nil
}

// Block returns the shared memory the semaphore lives in.
func (s *Semaphore) Block() Block { return s.b }

// Bounded reports whether this is a BoundedSemaphore.
func (s *Semaphore) Bounded() bool { return s.bounded }

// MaxValue returns the initial value, which bounds a BoundedSemaphore.
func (s *Semaphore) MaxValue() int { return int(s.max) }

// Value returns the current value (CPython's get_value).
func (s *Semaphore) Value() int { return int(atomic.LoadUint32(s.value)) }

// Acquire decrements the value, waiting while it is 0. With block false, or
// a zero timeout, it only tries; otherwise it waits up to timeout (< 0:
// forever). It reports whether it decremented.
func (s *Semaphore) Acquire(block bool, timeout time.Duration) bool {
	if s.tryTake() {
		return true
	}
	if !block || timeout == 0 {
		return false
	}
	if spin(semaphoreSpin, s.tryTake) {
		return true
	}
	p := newPatience(timeout, true)
	atomic.AddUint32(s.sleepers, 1)
	defer atomic.AddUint32(s.sleepers, ^uint32(0))
	for {
		if s.tryTake() {
			return true
		}
		sleep, check, expired := p.step()
		if check && s.recoverDead() {
			continue
		}
		if expired {
			return false
		}
		futexWaitWord(s.value, 0, sleep)
	}
}

// tryTake decrements a positive value and records the slot as held.
func (s *Semaphore) tryTake() bool {
	for {
		v := atomic.LoadUint32(s.value)
		if v == 0 {
			return false
		}
		if atomic.CompareAndSwapUint32(s.value, v, v-1) {
			s.hb.acquire()
			s.hold()
			return true
		}
	}
}

// Release increments the value and wakes one waiter. A BoundedSemaphore
// already at its initial value returns ErrReleasedTooManyTimes.
func (s *Semaphore) Release() error {
	s.hb.release()
	for {
		v := atomic.LoadUint32(s.value)
		if s.bounded && v >= s.max {
			return ErrReleasedTooManyTimes
		}
		if v >= maxSemaphoreValue {
			return errSemaphoreOverflow
		}
		if atomic.CompareAndSwapUint32(s.value, v, v+1) {
			break
		}
	}
	s.unhold()
	if atomic.LoadUint32(s.sleepers) > 0 {
		futexWakeWord(s.value, 1)
	}
	return nil
}

// hold adds one slot to this process's entry in the holder table, claiming
// a free entry if it has none; when the table is full the slot goes
// unrecorded.
func (s *Semaphore) hold() {
	for {
		i, w := s.holderEntry()
		switch {
		case i < 0:
			return
		case w == 0:
			if atomic.CompareAndSwapUint64(s.holders[i], 0, uint64(selfPID)<<32|1) {
				return
			}
		default:
			if atomic.CompareAndSwapUint64(s.holders[i], w, w+1) {
				return
			}
		}
	}
}

// holderEntry returns the index and word of this process's entry, else of
// the first free one (word 0), else -1.
func (s *Semaphore) holderEntry() (int, uint64) {
	free := -1
	for i, h := range s.holders {
		w := atomic.LoadUint64(h)
		if uint32(w>>32) == selfPID {
			return i, w
		}
		if w == 0 && free < 0 {
			free = i
		}
	}
	return free, 0
}

// unhold removes one slot from this process's entry, or from any holder's
// if it has none: the release hands back a slot someone took.
func (s *Semaphore) unhold() {
	for _, mineOnly := range []bool{true, false} {
		for _, h := range s.holders {
			for {
				w := atomic.LoadUint64(h)
				pid := uint32(w >> 32)
				if pid == 0 || mineOnly && pid != selfPID {
					break
				}
				next := w - 1
				if uint32(w) <= 1 {
					next = 0
				}
				if atomic.CompareAndSwapUint64(h, w, next) {
					return
				}
			}
		}
	}
}

// recoverDead gives back the slots held by dead processes, up to the
// initial value, and reports whether it gave any.
func (s *Semaphore) recoverDead() bool {
	gave := false
	for _, h := range s.holders {
		w := atomic.LoadUint64(h)
		pid := uint32(w >> 32)
		if pid == 0 || !processDead(pid) || !atomic.CompareAndSwapUint64(h, w, 0) {
			continue
		}
		if n := s.giveBack(uint32(w)); n > 0 {
			futexWakeWord(s.value, int(n))
			s.onDead.report(s.kind()+" <"+s.b.String()+">", int(pid))
			gave = true
		}
	}
	return gave
}

// giveBack adds up to n to the value without passing the initial value and
// returns how much it added.
func (s *Semaphore) giveBack(n uint32) uint32 {
	for {
		v := atomic.LoadUint32(s.value)
		if v >= s.max {
			return 0
		}
		k := min(n, s.max-v)
		if atomic.CompareAndSwapUint32(s.value, v, v+k) {
			return k
		}
	}
}

// kind is the CPython class name, for messages.
func (s *Semaphore) kind() string {
	if s.bounded {
		return "BoundedSemaphore"
	}
	return "Semaphore"
}
