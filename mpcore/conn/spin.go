package conn

// Spinning receives: a receive tries to read for a short while before it
// sleeps, because the reply to a small message usually comes within
// microseconds when the peer runs on another CPU, and catching it awake
// saves the wake-up of a sleeping reader, which is most of a round trip.

import (
	"io"
	"math/bits"
	"os"
	"runtime"
	"sync/atomic"
	"time"
	"unsafe" // preadv2(2) takes the address of an iovec

	"golang.org/x/sys/unix"

	"github.com/mpstar/mpstar/mpcore/stop"
)

// defaultSpin is how long a receive tries to read before it sleeps.
// Waiting longer than this for a reply costs at most defaultSpin of CPU.
var defaultSpin = func() time.Duration {
	if runtime.NumCPU() < 2 {
		return 0 // the peer needs this CPU to answer
	}
	return 20 * time.Microsecond
}()

// SetSpin sets how long a receive tries to read before it sleeps (0:
// never). A process that mostly waits long for its next message, such as a
// Pool worker between tasks, gives the CPU back at once instead.
func (c *Conn) SetSpin(d time.Duration) { c.spin = d }

// noWaitRefused is set once the kernel refuses reads that do not wait
// (older kernels have no preadv2, or no RWF_NOWAIT on pipes): spins then
// poll for input.
var noWaitRefused atomic.Bool

// spinRead reads fd into p (len(p) > 0) without ever sleeping in the
// kernel, trying for up to d. Each try is one preadv2(2) with RWF_NOWAIT,
// which takes the input as soon as it is there, where polling for it and
// then reading it would cost two system calls for every message. It
// returns what it read, or io.EOF, or the read's error; with nothing, it
// reports whether fd is known to be readable (a failed read then says why).
func spinRead(fd int, p []byte, d time.Duration) (n int, ready bool, err error) {
	if noWaitRefused.Load() {
		return 0, spinUntilReadable(fd, d), nil
	}
	var errno unix.Errno
	spinFor(d, func() bool {
		n, errno = readNoWait(fd, p)
		return errno != unix.EAGAIN && errno != unix.EINTR
	})
	switch {
	case errno == unix.EAGAIN || errno == unix.EINTR:
		return 0, false, nil // nothing came in time
	case errno == unix.EOPNOTSUPP || errno == unix.ENOSYS:
		noWaitRefused.Store(true)
		return 0, spinUntilReadable(fd, d), nil
	case errno != 0:
		return 0, false, os.NewSyscallError("read", errno) // named as the blocking read would name it
	case n == 0:
		return 0, false, io.EOF
	}
	return n, false, nil
}

// spinFor calls try until it reports true, or until d has passed since
// the first call; the clock is read only when the first try fails.
func spinFor(d time.Duration, try func() bool) bool {
	if try() {
		return true
	}
	for start := time.Now(); time.Since(start) <= d; {
		if try() {
			return true
		}
	}
	return false
}

// currentLo and currentHi are offset -1 split into preadv2's two words:
// it reads at the current position, as a pipe or socket requires.
const (
	currentLo = ^uintptr(0)
	currentHi = uintptr(^uint64(0) >> (bits.UintSize - 1) >> 1) // all ones on 32-bit, zero on 64-bit
)

// readNoWait is one read of fd into p that fails with EAGAIN instead of
// waiting. It cannot block, so it skips the runtime's bookkeeping for a
// blocking system call.
func readNoWait(fd int, p []byte) (int, unix.Errno) {
	iov := unix.Iovec{Base: &p[0]}
	iov.SetLen(len(p))
	n, _, errno := unix.RawSyscall6(unix.SYS_PREADV2, uintptr(fd), uintptr(unsafe.Pointer(&iov)), 1, currentLo, currentHi, unix.RWF_NOWAIT)
	return int(n), errno
}

// spinUntilReadable returns once fd has input (true), or after d (false).
func spinUntilReadable(fd int, d time.Duration) (ready bool) {
	return spinFor(d, func() bool { return stop.Ready(fd, unix.POLLIN) })
}
