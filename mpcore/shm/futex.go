package shm

// Futex helpers over words in shared memory (MAP_SHARED), so waiters and
// wakers may live in different processes. CPython uses POSIX semaphores
// (Modules/_multiprocessing/semaphore.c); we use the futex directly.

import (
	"fmt"
	"time"
	"unsafe" // futex system calls and shared words take addresses inside mapped memory

	"golang.org/x/sys/unix"

	"github.com/mpstar/mpstar/mpcore/stop"
)

// futexWake is FUTEX_WAKE without FUTEX_PRIVATE_FLAG: shared between
// processes.
const futexWake = 1

// futexWaitWord blocks while *addr == val, for at most d (d < 0: no limit),
// or until the calling script thread is stopped (see package stop). It
// returns early on a wake-up, a signal or a spurious wake-up; callers
// re-check their condition in a loop.
func futexWaitWord(addr *uint32, val uint32, d time.Duration) { stop.FutexWait(addr, val, d) }

// futexWakeWord wakes at most n waiters blocked on addr.
func futexWakeWord(addr *uint32, n int) {
	unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(addr)), futexWake,
		uintptr(n), 0, 0, 0)
}

// Word returns the uint32 at byte offset off of mem, which must be
// 4-aligned: the one accessor of the words that processes share, for
// atomics and futexes (this package's objects and the queue ring).
func Word(mem []byte, off int) *uint32 {
	return (*uint32)(unsafe.Pointer(&mem[off]))
}

// FutexWait blocks while *addr == val, for at most d (d < 0: no limit),
// for engine packages that keep their own futex words in shared memory
// (the queue ring). Callers re-check their condition in a loop.
func FutexWait(addr *uint32, val uint32, d time.Duration) { stop.FutexWait(addr, val, d) }

// FutexWake wakes at most n waiters blocked on addr.
func FutexWake(addr *uint32, n int) { futexWakeWord(addr, n) }

// Word64 returns the uint64 at byte offset off of mem, which must be
// 8-aligned (see Word).
func Word64(mem []byte, off int) *uint64 {
	return (*uint64)(unsafe.Pointer(&mem[off]))
}

// objectMemory checks that b can hold a synchronisation object of size
// bytes (8-aligned, for 64-bit atomics) and returns its memory.
func objectMemory(b Block, size int, kind string) ([]byte, error) {
	if b.Arena == nil || b.Len < size || b.Off%8 != 0 {
		return nil, fmt.Errorf("shm: a %s needs an 8-aligned block of at least %d bytes, got %d bytes at offset %d", kind, size, b.Len, b.Off)
	}
	return b.Bytes(), nil
}

// spin polls ready up to n times before the caller falls back to sleeping
// on a futex: a wake-up costs microseconds, and the other process often
// answers sooner than that.
func spin(n int, ready func() bool) bool {
	for range n {
		if ready() {
			return true
		}
	}
	return false
}

// yieldSpin polls ready for up to d, giving the CPU away between polls:
// on a busy machine the process that will answer may need this CPU.
func yieldSpin(d time.Duration, ready func() bool) bool {
	for end := time.Now().Add(d); time.Now().Before(end); {
		if ready() {
			return true
		}
		unix.Syscall(unix.SYS_SCHED_YIELD, 0, 0, 0)
	}
	return false
}
