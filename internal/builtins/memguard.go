package builtins

// Running out of address space. Under ulimit -v (RLIMIT_AS) Go's allocator
// dies with a runtime dump when a mapping fails; Python raises MemoryError.
// A process with such a limit, or the run's own (--max-memory: see
// sandbox.MemoryCeiling), watches how much address space it has mapped
// and, close to the limit, releases what unreachable objects hold,
// then, if that was not enough, stops its script with MemoryError, which
// is reported in Python's shape instead.

import (
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/mpcore"
	"github.com/mpstar/mpstar/mpcore/sandbox"
)

// memoryCheckInterval is how often the address space in use is checked.
const memoryCheckInterval = 2 * time.Millisecond

// memoryReserve is the address space kept free below the limit: Go maps
// heap memory in chunks of up to 64 MiB, and the script must still be able
// to report the error.
const memoryReserve = 128 << 20

var watchMemoryOnce sync.Once

// watchMemory starts, once per process and only under an address-space
// limit, the goroutine that stops rt's script with MemoryError near it.
func (rt *Runtime) watchMemory() {
	watchMemoryOnce.Do(func() {
		var lim unix.Rlimit
		if unix.Getrlimit(unix.RLIMIT_AS, &lim) != nil || lim.Cur == unix.RLIM_INFINITY {
			return
		}
		used := sandbox.MappedBytes()
		if used == 0 {
			return
		}
		// Keep the reserve, or half of what is left if that is less; the
		// run's own limit lies below.
		threshold := lim.Cur - min(memoryReserve, (lim.Cur-min(used, lim.Cur))/2)
		if ceiling := sandbox.MemoryCeiling(); ceiling > 0 {
			threshold = min(threshold, ceiling)
		}
		go func() {
			for range time.Tick(memoryCheckInterval) {
				if sandbox.MappedBytes() < threshold {
					continue
				}
				// Dropped queues and arrays may hold much of it.
				mpcore.ReleaseUnreachable()
				if sandbox.MappedBytes() >= threshold {
					rt.Stop(rt.memoryError())
					return
				}
			}
		}()
	})
}

// memoryError is the MemoryError of a script out of address space: under
// the run's own limit it names the limit, as Python's bare MemoryError
// (under ulimit -v, say) cannot.
func (rt *Runtime) memoryError() error {
	limit := rt.cfg.Confine.Limits.Memory
	if limit == 0 {
		return &exceptions.Error{Type: exceptions.MemoryError}
	}
	return exceptions.MemoryError.Errorf("limit exceeded: memory %d MiB (the --max-memory flag; interp: Options.Limits.Memory)", limit>>20)
}
