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
	"os"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/mpstar/mpstar/mpcore/stop"
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

// pollerWait parks the goroutine on Go's poller until fd, which a read or
// write just found not ready, is ready for events (wait is fd's RawConn
// Read or Write), or its deadline passes, or it is closed. The Conn reads
// and writes its descriptors itself and comes here only after EAGAIN, so a
// message that is already there, or fits, costs one system call and no
// allocation. The poller forgets what it saw before the wait begins
// (RawConn clears it), so readiness that came between the EAGAIN and the
// wait is checked for with poll(2) once the wait has begun; the poller
// reports anything later.
func pollerWait(wait func(func(fd uintptr) bool) error, events int16) error {
	begun := false
	return wait(func(fd uintptr) bool {
		if begun {
			return true
		}
		begun = true
		return stop.Ready(int(fd), events)
	})
}

// awaitReady waits until fd, which a read or write just found not ready, is
// ready for events: on Go's poller when the Conn is in poll mode (rc is
// fd's handle there), else in poll(2).
func awaitReady(rc syscall.RawConn, fd int, events int16) error {
	if rc == nil {
		return await(fd, events)
	}
	if events == unix.POLLIN {
		return pollerWait(rc.Read, events)
	}
	return pollerWait(rc.Write, events)
}
