package shm

// The shared-memory heap. Mirrors the Heap class of CPython's
// Lib/multiprocessing/heap.py, simplified to bump allocation: blocks are
// never freed individually, all memory returns to the kernel when the
// processes that map it exit.

import (
	"fmt"
	"sync"
)

const (
	// DefaultArenaSize is the size of the arenas a heap carves blocks from.
	DefaultArenaSize = 1 << 20
	// BlockAlign is the alignment of every block: a cache line, so two
	// synchronisation objects never share one and 64-bit atomics are safe.
	BlockAlign = 64
)

// Heap hands out Blocks of shared memory. It is safe for concurrent use.
type Heap struct {
	arenaSize int

	mu   sync.Mutex
	cur  *Arena // the arena small blocks are bumped from; nil before the first
	next int    // offset of the first free byte in cur
}

// NewHeap returns a heap that allocates arenas of arenaSize bytes; a
// request larger than a quarter of that gets an arena of its own.
func NewHeap(arenaSize int) *Heap {
	return &Heap{arenaSize: arenaSize}
}

var defaultHeap = sync.OnceValue(func() *Heap { return NewHeap(DefaultArenaSize) })

// DefaultHeap returns the process-wide heap that mpstar's shared objects are
// allocated from.
func DefaultHeap() *Heap {
	return defaultHeap()
}

// Alloc returns a zero-filled block of size bytes aligned to BlockAlign.
func (h *Heap) Alloc(size int) (Block, error) {
	if size < 0 {
		return Block{}, fmt.Errorf("shm: cannot allocate a block of %d bytes", size)
	}
	span := roundUp(max(size, 1), BlockAlign)
	if span > h.arenaSize/4 {
		a, err := NewArena(span)
		if err != nil {
			return Block{}, err
		}
		return Block{Arena: a, Off: 0, Len: size}, nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.cur == nil || h.next+span > h.cur.Size {
		a, err := NewArena(h.arenaSize)
		if err != nil {
			return Block{}, err
		}
		h.cur, h.next = a, 0
	}
	b := Block{Arena: h.cur, Off: h.next, Len: size}
	h.next += span
	return b, nil
}
