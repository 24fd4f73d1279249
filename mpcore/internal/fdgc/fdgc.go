package fdgc

// Counting descriptors that cleanups close, and collecting when too many
// are open.

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// maxBudget bounds the budget under a high descriptor limit, since each
// descriptor may also hold a shared-memory mapping.
const maxBudget = 256

// opened counts descriptors opened since the last forced collection.
var opened atomic.Int64

// budget is how many descriptors may be opened between collections.
var budget = sync.OnceValue(func() int64 {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil || lim.Cur == unix.RLIM_INFINITY {
		return maxBudget
	}
	return int64(min(max(lim.Cur/4, 1), maxBudget))
})

// mappedBudget is how many bytes of shared memory may be mapped between
// collections, since a mapping holds address space and memory until it
// is released.
const mappedBudget = 64 << 20

// mapped counts bytes mapped since the last forced collection.
var mapped atomic.Int64

// Opened records n descriptors that a cleanup will close, collecting
// garbage when the budget is spent.
func Opened(n int) {
	if opened.Add(int64(n)) >= budget() {
		collect()
	}
}

// Mapped records a shared-memory mapping of size bytes, with its
// descriptor, that a cleanup will release, collecting garbage when either
// budget is spent.
func Mapped(size int) {
	if mapped.Add(int64(size)) >= mappedBudget {
		collect()
		return
	}
	Opened(1)
}

// collect starts both budgets afresh and reclaims.
func collect() {
	opened.Store(0)
	mapped.Store(0)
	Reclaim()
}

// reclaimWait bounds how long Reclaim waits for the cleanups to run.
const reclaimWait = time.Second

// lastMarker holds Reclaim's marker for an instant.
var lastMarker atomic.Pointer[[16]uint64]

// Reclaim collects garbage and waits until the cleanups the collection
// queued have run: a marker object made unreachable before the collection
// gets a cleanup too, and Reclaim returns once it has run. A caller that
// ran out of descriptors calls it before trying again.
func Reclaim() {
	done := make(chan struct{})
	marker := new([16]uint64) // not a tiny allocation, which may never be freed
	// Storing the marker in a global keeps the compiler from placing it
	// on the stack, where its cleanup would never run.
	lastMarker.Store(marker)
	lastMarker.Store(nil)
	runtime.AddCleanup(marker, func(c chan struct{}) { close(c) }, done)
	runtime.GC()
	select {
	case <-done:
	case <-time.After(reclaimWait):
	}
}
