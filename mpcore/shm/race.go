//go:build race

package shm

// Race-detector support: the atomics of a shared-memory object act on
// memory outside the Go heap, which the race detector does not watch, so
// the ordering a Lock gives between goroutines would be invisible to it and
// Go data guarded by the Lock would be reported as racing. In race builds
// every object also touches a Go-heap atomic (one per object per process)
// on release and acquire, which the detector does see.

import (
	"sync"
	"sync/atomic"
)

// raceSync is the Go-heap stand-in for one object's ordering.
type raceSync struct{ v *atomic.Uint32 }

// raceSyncs maps an object's location to its stand-in, so all handles on
// one object in this process share it.
var raceSyncs sync.Map // [2]uint64{arena ID, offset} -> *atomic.Uint32

func newRaceSync(b Block) raceSync {
	v, _ := raceSyncs.LoadOrStore([2]uint64{b.Arena.ID, uint64(b.Off)}, new(atomic.Uint32))
	return raceSync{v.(*atomic.Uint32)}
}

// release is called before an operation that lets others proceed.
func (r raceSync) release() { r.v.Add(1) }

// acquire is called after an operation that waited for others.
func (r raceSync) acquire() { r.v.Load() }
