package pool

// Waiting for a worker's messages in Go's network poller.
//
// conn.Conn reads with blocking read(2), which keeps a thread in the
// kernel. A goroutine woken from there hands the task's outcome to the
// script's goroutine through a run queue that only frees up once the
// reader blocks again and the runtime retakes its processor: about 50 µs
// per apply_async(...).get(). Parking the reader in the netpoller instead
// lets the scheduler run the woken goroutine at once, so the reader waits
// there and calls RecvBytes only when input is ready.

import (
	"os"

	"golang.org/x/sys/unix"

	"github.com/mpstar/mpstar/mpcore/conn"
	"github.com/mpstar/mpstar/mpcore/stop"
)

// inputWaiter parks a goroutine until a Conn has input.
type inputWaiter struct {
	c    *conn.Conn
	file *os.File // a non-blocking duplicate of c's read descriptor, registered with the poller
	wait func() error
}

// newInputWaiter returns a waiter for c, or nil when the poller cannot
// watch c's descriptor (the reader then blocks in RecvBytes).
func newInputWaiter(c *conn.Conn) *inputWaiter {
	r, _, _ := c.FDs()
	if r < 0 {
		return nil
	}
	fd, err := unix.FcntlInt(uintptr(r), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return nil
	}
	// The duplicate shares the file description, so c's descriptor turns
	// non-blocking too; Conn waits with poll(2) on EAGAIN.
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil
	}
	f := os.NewFile(uintptr(fd), "pool-worker-input")
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil
	}
	w := &inputWaiter{c: c, file: f}
	w.wait = func() error { return rc.Read(hasInput) }
	return w
}

// hasInput reports whether fd has input (or end of file) without waiting.
func hasInput(fd uintptr) bool {
	return stop.Ready(int(fd), unix.POLLIN)
}

// await returns once c has a message (or end of file) to receive.
func (w *inputWaiter) await() error {
	if w == nil || w.c.Buffered() > 0 {
		return nil
	}
	return w.wait()
}

// close releases the duplicate descriptor.
func (w *inputWaiter) close() {
	if w != nil {
		w.file.Close()
	}
}
