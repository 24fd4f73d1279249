package builtins

// Running out of address space. Under ulimit -v (RLIMIT_AS) Go's allocator
// dies with a runtime dump when a mapping fails; Python raises MemoryError.
// A process with such a limit watches how much address space it has
// mapped and, close to the limit, releases what unreachable objects hold,
// then, if that was not enough, stops its script with MemoryError, which
// is reported in Python's shape instead.

import (
	"bytes"
	"os"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/mpcore"
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
		used := addressSpace()
		if used == 0 {
			return
		}
		// Keep the reserve, or half of what is left if that is less.
		threshold := lim.Cur - min(memoryReserve, (lim.Cur-min(used, lim.Cur))/2)
		go func() {
			for range time.Tick(memoryCheckInterval) {
				if addressSpace() < threshold {
					continue
				}
				// Dropped queues and arrays may hold much of it.
				mpcore.ReleaseUnreachable()
				if addressSpace() >= threshold {
					rt.Stop(&exceptions.Error{Type: exceptions.MemoryError})
					return
				}
			}
		}()
	})
}

// addressSpace returns the bytes of address space this process has mapped
// (the first field of /proc/self/statm, in pages), or 0 if unknown.
func addressSpace() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	field, _, _ := bytes.Cut(b, []byte(" "))
	pages, err := strconv.ParseUint(string(field), 10, 64)
	if err != nil {
		return 0
	}
	return pages * uint64(os.Getpagesize())
}
