package shm

// PidTable: the live processes of a run, counted across all of them, for
// the run's process cap. CPython has no counterpart (a fork bomb in
// CPython's multiprocessing takes the machine).

import (
	"errors"
	"sync/atomic"
)

// PidTable is a fixed number of slots in shared memory, each empty (0) or
// holding the pid of a process of the run. Every process of the run maps
// the same table: a parent takes a slot before it starts a child, so the
// run can never have more live children than slots, however many
// processes start them at once.
//
// A slot whose process is gone (or a zombie: it holds nothing but its
// pid) is free again, whoever was to release it: a child SIGKILLed
// together with its parent (through the lifeline) never has its slot
// released by anyone, and the table heals itself. A pid that the kernel
// reuses for an unrelated process keeps its slot until that process exits.
type PidTable struct {
	b     Block
	slots []*uint32
}

// PidTableSize is the block size a table of n slots needs.
func PidTableSize(n int) int { return 4 * n }

// NewPidTable allocates a table of n empty slots from h.
func NewPidTable(h *Heap, n int) (*PidTable, error) {
	b, err := h.Alloc(PidTableSize(n))
	if err != nil {
		return nil, err
	}
	return PidTableAt(b)
}

// PidTableAt returns a handle on the table that lives in b, which
// NewPidTable made in this or another process.
func PidTableAt(b Block) (*PidTable, error) {
	if b.Len < 4 {
		return nil, errors.New("shm: a PidTable needs at least one slot")
	}
	mem, err := objectMemory(b, b.Len, "PidTable")
	if err != nil {
		return nil, err
	}
	t := &PidTable{b: b, slots: make([]*uint32, b.Len/4)}
	for i := range t.slots {
		t.slots[i] = Word(mem, 4*i)
	}
	return t, nil
}

// Block returns the shared memory the table lives in.
func (t *PidTable) Block() Block { return t.b }

// Cap is the number of slots.
func (t *PidTable) Cap() int { return len(t.slots) }

// Reserve takes a free slot for a child the caller is about to start and
// returns it, or -1 when every slot holds a live process. Until Fill, the
// slot holds the caller's own pid, so a caller that dies before it starts
// the child frees the slot too.
func (t *PidTable) Reserve() int {
	for i, slot := range t.slots {
		old := atomic.LoadUint32(slot)
		if (old == 0 || processDead(old)) && atomic.CompareAndSwapUint32(slot, old, selfPID) {
			return i
		}
	}
	return -1
}

// Fill records the started child's pid in the slot Reserve returned.
func (t *PidTable) Fill(slot, pid int) { atomic.StoreUint32(t.slots[slot], uint32(pid)) }

// Release empties a slot that still holds pid: the child pid was reaped,
// or (pid the caller's own) never started. A slot another process took
// over meanwhile, its zombie counting as gone, is not its to empty.
func (t *PidTable) Release(slot, pid int) {
	atomic.CompareAndSwapUint32(t.slots[slot], uint32(pid), 0)
}

// Live counts the slots that hold a live process.
func (t *PidTable) Live() int {
	n := 0
	for _, slot := range t.slots {
		if pid := atomic.LoadUint32(slot); pid != 0 && !processDead(pid) {
			n++
		}
	}
	return n
}
