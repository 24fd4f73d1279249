package conn

// Poll mode: a Conn whose descriptors wait on Go's network poller (epoll)
// instead of in blocking system calls. A goroutine blocked in read(2)
// holds an OS thread; one parked on the poller holds none, so a server in
// poll mode keeps thousands of idle connections on a handful of threads,
// as NATS and Redis do. An idle Conn in poll mode also gives its
// read-ahead buffer back to a pool and waits for its next message in a
// small array of its own. Clients stay in blocking mode, whose wake-up is
// a little faster.

import (
	"io"
	"os"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// smallRead is the size of the array a Conn in poll mode waits in: most
// requests fit, so a small message still costs one read(2).
const smallRead = 256

// polledFD is a descriptor registered with the poller.
type polledFD struct {
	fd int
	f  *os.File
	rc syscall.RawConn
}

// readBufs are the read-ahead buffers of Conns in poll mode, shared while
// those are idle.
var readBufs = sync.Pool{New: func() any { return new([readBufSize]byte) }}

// SetPollable puts the Conn in poll mode: its descriptors become
// non-blocking and are registered with Go's network poller, so a goroutine
// waiting to receive (or to send) holds no OS thread, and an idle Conn
// holds no read-ahead buffer. Call it before the Conn is first used;
// descriptors handed to another process afterwards stay non-blocking.
func (c *Conn) SetPollable() error {
	if c.polled != nil || c.fd < 0 {
		return nil
	}
	var polled []polledFD
	for _, fd := range c.descriptors() {
		if err := unix.SetNonblock(fd, true); err != nil {
			return os.NewSyscallError("fcntl", err)
		}
		f := os.NewFile(uintptr(fd), "conn")
		rc, err := f.SyscallConn()
		if err != nil {
			return err
		}
		polled = append(polled, polledFD{fd: fd, f: f, rc: rc})
	}
	c.polled = polled
	return nil
}

// rawConn returns the poller's handle of fd in poll mode, else nil.
func (c *Conn) rawConn(fd int) syscall.RawConn {
	for i := range c.polled {
		if c.polled[i].fd == fd {
			return c.polled[i].rc
		}
	}
	return nil
}

// closeFD closes one of the Conn's descriptors, through its os.File in
// poll mode (which unregisters it from the poller).
func (c *Conn) closeFD(fd int) error {
	for _, p := range c.polled {
		if p.fd == fd {
			return p.f.Close()
		}
	}
	if err := unix.Close(fd); err != nil {
		return os.NewSyscallError("close", err)
	}
	return nil
}

// setDeadline bounds every read until t (zero: no bound).
func (c *Conn) setDeadline(t time.Time) {
	c.deadline = t
	for _, p := range c.polled {
		p.f.SetReadDeadline(t)
	}
}

// newReadBuf gives the Conn a read-ahead buffer. In poll mode it first
// waits for the next message's first bytes in c.small, holding no buffer
// while idle, then takes one from the pool.
func (c *Conn) newReadBuf() error {
	if c.polled == nil {
		c.rbuf = make([]byte, readBufSize)
		return nil
	}
	n, err := c.read(c.small[:])
	if err != nil {
		return err
	}
	c.rbuf = readBufs.Get().(*[readBufSize]byte)[:]
	c.rpos, c.rend = 0, copy(c.rbuf, c.small[:n])
	return nil
}

// releaseReadBuf gives an empty read-ahead buffer of a Conn in poll mode
// back to the pool.
func (c *Conn) releaseReadBuf() {
	if c.polled != nil && c.rbuf != nil && c.Buffered() == 0 {
		readBufs.Put((*[readBufSize]byte)(c.rbuf))
		c.rbuf = nil
	}
}

// pollRead is one read(2) into p that waits on the poller for input.
func pollRead(rc syscall.RawConn, p []byte) (int, error) {
	var n int
	var err error
	perr := rc.Read(func(fd uintptr) bool {
		n, err = retryEINTR(func() (int, error) { return unix.Read(int(fd), p) })
		return err != unix.EAGAIN
	})
	switch {
	case perr != nil:
		return 0, perr // the deadline passed, or the Conn was closed
	case err != nil:
		return 0, os.NewSyscallError("read", err)
	case n == 0:
		return 0, io.EOF
	}
	return n, nil
}

// pollWritev is one writev(2) of bufs that waits on the poller for room.
func pollWritev(rc syscall.RawConn, bufs [][]byte) (int, error) {
	var n int
	var err error
	perr := rc.Write(func(fd uintptr) bool {
		n, err = retryEINTR(func() (int, error) { return unix.Writev(int(fd), bufs) })
		return err != unix.EAGAIN
	})
	switch {
	case perr != nil:
		return 0, perr
	case err != nil:
		return 0, os.NewSyscallError("write", err)
	}
	return n, nil
}

// retryEINTR calls f until it fails with something other than EINTR.
func retryEINTR(f func() (int, error)) (int, error) {
	for {
		n, err := f()
		if err != unix.EINTR {
			return n, err
		}
	}
}
