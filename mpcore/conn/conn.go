package conn

// Conn, a framed connection over a raw file descriptor. Mirrors
// _ConnectionBase and Connection in CPython's Lib/multiprocessing/connection.py.

import (
	"encoding/binary"
	"errors"
	"io"
	"os"
	"runtime"
	"time"

	"golang.org/x/sys/unix"

	"github.com/mpstar/mpstar/mpcore/internal/fdgc"
	"github.com/mpstar/mpstar/mpcore/stop"
)

// readBufSize is the size of a Conn's read-ahead buffer: a read syscall takes
// whatever is available up to this much, so a run of small frames usually
// costs one syscall in all.
const readBufSize = 64 << 10

// Conn is one end of a connection carrying CPython-framed messages over a
// socket or pipe file descriptor, with blocking read and write syscalls on
// that descriptor (no Go netpoller, for the lowest round-trip latency), or
// in poll mode (SetPollable) waiting on Go's netpoller, for servers with
// many idle connections.
//
// Concurrency: one goroutine may send while another receives, but two
// goroutines must not send (or receive) at the same time, and Close must
// not run concurrently with any other method. As in CPython, a Conn is meant
// to be used by one thread at a time per direction.
//
// A Conn reads ahead: bytes of later frames may wait in its buffer, where
// poll(2) cannot see them. Poll accounts for them; callers of Wait must
// check Buffered first, and a Conn handed to another process must have
// nothing buffered.
type Conn struct {
	fd       int           // the read descriptor, or the only one; -1 once closed
	wfd      int           // the write descriptor: fd, unless the Conn is a pair of pipes
	bulk     int           // socket for large messages (see Pipe), or -1
	inBulk   bool          // the frame being received travels on bulk
	spin     time.Duration // how long a receive tries to read before sleeping; see defaultSpin
	readable bool
	writable bool
	maxFrame int
	gate     func(size int) // called before a payload is read; see SetPayloadGate

	rbuf       []byte // read-ahead buffer, allocated on first receive
	rpos, rend int    // rbuf[rpos:rend] holds bytes not yet consumed
	wbuf       []byte // staging for header+payload of small sends
	hdr        [longHeaderLen]byte

	// deadline, when not zero, bounds every read; only the authentication
	// handshake sets it, so the common path pays one comparison.
	deadline time.Time

	// polled are the descriptors in poll mode (see SetPollable); nil in
	// the usual blocking mode.
	polled []polledFD
	// small is where a receive in poll mode waits for a message's first
	// bytes, so that an idle Conn holds no read-ahead buffer.
	small [smallRead]byte

	cleanup runtime.Cleanup // closes the descriptors if the Conn is dropped open; see ReleaseWhenUnreachable
}

// NewConn returns a Conn owning fd, which must be a blocking or non-blocking
// socket or pipe. Its frame limit is NoFrameLimit; see SetMaxFrame.
func NewConn(fd int, readable, writable bool) (*Conn, error) {
	if fd < 0 {
		return nil, errors.New("invalid handle")
	}
	if !readable && !writable {
		return nil, errors.New("at least one of `readable` and `writable` must be True")
	}
	return newConn(fd, readable, writable, NoFrameLimit), nil
}

// NewPipeConn returns a Conn made of the descriptors Pipe makes (see FDs):
// rfd to read (-1 for a write-only end), wfd to write (-1 for a read-only
// end), and bulk, the socket large messages travel on. It owns them all.
func NewPipeConn(rfd, wfd, bulk int) (*Conn, error) {
	if (rfd < 0 && wfd < 0) || bulk < 0 {
		return nil, errors.New("invalid handle")
	}
	c := newConn(rfd, rfd >= 0, wfd >= 0, NoFrameLimit)
	if rfd < 0 {
		c.fd = wfd
	}
	c.wfd, c.bulk = wfd, bulk
	return c, nil
}

func newConn(fd int, readable, writable bool, maxFrame int) *Conn {
	return &Conn{fd: fd, wfd: fd, bulk: -1, readable: readable, writable: writable, maxFrame: maxFrame, spin: defaultSpin}
}

// FDs returns the descriptors a Pipe end is made of, for passing it to
// another process: read, write and bulk (see NewPipeConn). A Conn over a
// single socket returns it as r and w, and -1 as bulk.
func (c *Conn) FDs() (r, w, bulk int) {
	r, w = c.fd, c.wfd
	if !c.readable {
		r = -1
	}
	if !c.writable {
		w = -1
	}
	return r, w, c.bulk
}

// Fileno returns the file descriptor, or ErrClosed.
func (c *Conn) Fileno() (int, error) {
	if c.fd < 0 {
		return -1, ErrClosed
	}
	return c.fd, nil
}

// Closed reports whether Close has been called.
func (c *Conn) Closed() bool { return c.fd < 0 }

// Readable reports whether the Conn may receive.
func (c *Conn) Readable() bool { return c.readable }

// Writable reports whether the Conn may send.
func (c *Conn) Writable() bool { return c.writable }

// MaxFrame returns the largest payload the Conn accepts.
func (c *Conn) MaxFrame() int { return c.maxFrame }

// SetMaxFrame sets the largest payload the Conn accepts (NoFrameLimit: none).
func (c *Conn) SetMaxFrame(n int) { c.maxFrame = n }

// SetPayloadGate makes every receive call gate with the size of a message
// once its header has come and before its payload is read. A server uses
// it for back-pressure: the gate may block until there is memory for the
// payload, and meanwhile the payload waits in the kernel and the sender's
// writes block.
func (c *Conn) SetPayloadGate(gate func(size int)) { c.gate = gate }

func (c *Conn) openGate(size int) {
	if c.gate != nil {
		c.gate(size)
	}
}

// Buffered returns how many received bytes wait in the read-ahead buffer.
// A Conn with Buffered() > 0 has input even if poll(2) says its fd has none.
func (c *Conn) Buffered() int { return c.rend - c.rpos }

// ReleaseWhenUnreachable has the garbage collector close the Conn's
// descriptors if the Conn becomes unreachable without Close, as CPython's
// Connection.__del__ does. Only a Conn that alone owns its descriptors may
// ask for it.
func (c *Conn) ReleaseWhenUnreachable() {
	if c.fd >= 0 {
		fds := c.descriptors()
		c.cleanup = runtime.AddCleanup(c, closeDescriptors, fds)
		fdgc.Opened(len(fds))
	}
}

// closeDescriptors closes fds.
func closeDescriptors(fds []int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}

// Close closes the descriptor. Closing a closed Conn does nothing.
func (c *Conn) Close() error {
	if c.fd < 0 {
		return nil
	}
	c.cleanup.Stop()
	var err error
	for _, fd := range c.descriptors() {
		if cerr := c.closeFD(fd); err == nil {
			err = cerr
		}
	}
	c.fd, c.wfd, c.bulk = -1, -1, -1
	c.polled = nil
	c.releaseReadBuf()
	c.rbuf, c.wbuf = nil, nil
	c.rpos, c.rend = 0, 0
	return err
}

// descriptors returns the Conn's distinct open descriptors.
func (c *Conn) descriptors() []int {
	fds := []int{c.fd}
	for _, fd := range []int{c.wfd, c.bulk} {
		if fd >= 0 && fd != c.fd {
			fds = append(fds, fd)
		}
	}
	return fds
}

func (c *Conn) checkReadable() error {
	if c.fd < 0 {
		return ErrClosed
	}
	if !c.readable {
		return ErrWriteOnly
	}
	return nil
}

func (c *Conn) checkWritable() error {
	if c.fd < 0 {
		return ErrClosed
	}
	if !c.writable {
		return ErrReadOnly
	}
	return nil
}

// SendBytes sends p as one message. A peer that has closed its end gives an
// error matching syscall.EPIPE (BrokenPipeError).
func (c *Conn) SendBytes(p []byte) error {
	if err := c.checkWritable(); err != nil {
		return err
	}
	if len(p) <= coalesceLimit {
		c.wbuf = append(AppendHeader(c.wbuf[:0], len(p)), p...)
		return c.writeAll(c.wfd, c.wbuf)
	}
	if c.bulk >= 0 && len(p) >= bulkThreshold {
		if err := c.writeAll(c.wfd, binary.BigEndian.AppendUint32(c.hdr[:0], bulkMarker)); err != nil {
			return err
		}
		return c.writeTwo(c.bulk, AppendHeader(c.hdr[:0], len(p)), p)
	}
	return c.writeTwo(c.wfd, AppendHeader(c.hdr[:0], len(p)), p)
}

// RecvBytes receives one message. maxlength < 0 means no limit beyond
// MaxFrame. A longer message gives a *FrameTooLargeError, after which the
// Conn can no longer receive (a read-only Conn is closed), as in CPython.
// A peer that closed between messages gives io.EOF (EOFError).
func (c *Conn) RecvBytes(maxlength int) ([]byte, error) {
	if err := c.checkReadable(); err != nil {
		return nil, err
	}
	limit := c.maxFrame
	if maxlength >= 0 && maxlength < limit {
		limit = maxlength
	}
	size, err := c.recvHeader(limit)
	if err != nil {
		return nil, err
	}
	c.openGate(size)
	r, prefix := c.payloadSource(size)
	msg, err := readPayload(r, prefix, size)
	c.consume(len(prefix))
	return msg, err
}

// RecvBytesInto receives one message into buf and returns its length. If the
// message is longer than buf, it returns a *BufferTooShortError holding the
// whole message.
func (c *Conn) RecvBytesInto(buf []byte) (int, error) {
	if err := c.checkReadable(); err != nil {
		return 0, err
	}
	size, err := c.recvHeader(c.maxFrame)
	if err != nil {
		return 0, err
	}
	c.openGate(size)
	r, prefix := c.payloadSource(size)
	n, err := readInto(r, prefix, buf, size)
	c.consume(len(prefix))
	return n, err
}

// payloadSource returns where the payload of the frame whose header was
// just received comes from: the bulk socket, or the Conn's descriptor
// behind the part already read ahead (prefix, which the caller consumes
// once it has used it).
func (c *Conn) payloadSource(size int) (r io.Reader, prefix []byte) {
	if c.inBulk {
		c.inBulk = false
		return (*bulkReader)(c), nil
	}
	return (*rawReader)(c), c.rbuf[c.rpos : c.rpos+min(c.Buffered(), size)]
}

// Poll reports whether a message (or end of file) is ready to be received,
// waiting up to timeout for one (timeout < 0: no limit; 0: don't wait).
func (c *Conn) Poll(timeout time.Duration) (bool, error) {
	if err := c.checkReadable(); err != nil {
		return false, err
	}
	if c.Buffered() > 0 {
		return true, nil
	}
	return stop.WaitFD(c.fd, unix.POLLIN, timeout)
}

// recvHeader reads a frame header and returns the payload size. A frame
// over limit is refused: the payload stays unread and the Conn stops
// receiving, as CPython's _bad_message_length does.
func (c *Conn) recvHeader(limit int) (int, error) {
	if c.rbuf == nil {
		if err := c.newReadBuf(); err != nil {
			return 0, err
		}
	}
	if err := c.fill(shortHeaderLen); err != nil {
		return 0, err
	}
	if c.bulk >= 0 && binary.BigEndian.Uint32(c.rbuf[c.rpos:]) == bulkMarker {
		c.consume(shortHeaderLen)
		return c.recvBulkHeader(limit)
	}
	n := headerLenOf(c.rbuf[c.rpos:])
	if err := c.fill(n); err != nil {
		return 0, err
	}
	size, err := decodeHeader(c.rbuf[c.rpos:c.rpos+n], limit)
	c.consume(n)
	if err != nil {
		c.stopReading()
		return 0, err
	}
	return size, nil
}

// recvBulkHeader reads the header of a frame announced on the bulk socket.
func (c *Conn) recvBulkHeader(limit int) (int, error) {
	size, err := readHeader((*bulkReader)(c), limit)
	if err != nil {
		// The marker announced a frame, so even a clean end of file
		// truncates it.
		err = truncated(err, -1)
		var tooLarge *FrameTooLargeError
		var malformed *MalformedFrameError
		if errors.As(err, &tooLarge) || errors.As(err, &malformed) {
			c.stopReading() // as recvHeader does for a bad header
		}
		return 0, err
	}
	c.inBulk = true
	return size, nil
}

// stopReading makes the Conn unusable for receiving after a bad frame.
func (c *Conn) stopReading() {
	if c.writable {
		c.readable = false
		return
	}
	c.Close()
}

// fill makes at least n (<= longHeaderLen) unconsumed bytes available in the
// read buffer. It reads only what is already available beyond the first
// byte, so it never waits for data past the frame being received. End of
// file before any byte gives io.EOF; after some, a *TruncatedFrameError.
func (c *Conn) fill(n int) error {
	if c.rpos+n > len(c.rbuf) {
		c.rend = copy(c.rbuf, c.rbuf[c.rpos:c.rend])
		c.rpos = 0
	}
	for c.Buffered() < n {
		m, err := c.read(c.rbuf[c.rend:])
		c.rend += m
		if err == io.EOF && c.Buffered() > 0 {
			return &TruncatedFrameError{Size: -1}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// consume marks n buffered bytes as used.
func (c *Conn) consume(n int) {
	c.rpos += n
	if c.rpos == c.rend {
		c.rpos, c.rend = 0, 0
		if c.polled != nil && !c.inBulk {
			c.releaseReadBuf() // idle until the next message
		}
	}
}

// read is one read(2) of the Conn's descriptor into p (len(p) > 0),
// retried on EINTR and, for a non-blocking descriptor, after waiting for
// input. End of file is io.EOF.
func (c *Conn) read(p []byte) (int, error) { return c.readFD(c.fd, p) }

func (c *Conn) readFD(fd int, p []byte) (int, error) {
	ready := false
	if c.deadline.IsZero() && c.spin > 0 {
		n, readable, err := spinRead(fd, p, c.spin)
		if n > 0 || err != nil {
			return n, err
		}
		ready = readable
	}
	if !ready && c.deadline.IsZero() {
		// A script's thread must not sleep in read(2), which nothing
		// ends but input: it sleeps in poll(2) with its stop Signal.
		if s := stop.Current(); s != nil {
			if _, err := s.WaitFD(fd, unix.POLLIN, -1); err != nil {
				return 0, err
			}
		}
	}
	rc := c.rawConn(fd)
	for {
		if rc == nil && !c.deadline.IsZero() {
			if err := c.awaitDeadline(); err != nil {
				return 0, err
			}
		}
		n, err := unix.Read(fd, p)
		switch err {
		case nil:
			if n == 0 {
				return 0, io.EOF
			}
			return n, nil
		case unix.EINTR:
		case unix.EAGAIN:
			if err := awaitReady(rc, fd, unix.POLLIN); err != nil {
				return 0, err
			}
		default:
			return 0, os.NewSyscallError("read", err)
		}
	}
}

// awaitDeadline waits for input until c.deadline, failing with
// os.ErrDeadlineExceeded when none comes.
func (c *Conn) awaitDeadline() error {
	ready, err := stop.WaitFD(c.fd, unix.POLLIN, max(0, time.Until(c.deadline)))
	if err == nil && !ready {
		return os.ErrDeadlineExceeded
	}
	return err
}

// await blocks until fd is ready for events.
func await(fd int, events int16) error {
	_, err := stop.WaitFD(fd, events, -1)
	return err
}

// writeAll writes all of p to fd.
func (c *Conn) writeAll(fd int, p []byte) error {
	for len(p) > 0 {
		n, err := unix.Write(fd, p)
		if err != nil {
			if err = c.writeFailed(fd, err); err != nil {
				return err
			}
			continue
		}
		p = p[n:]
	}
	return nil
}

// writeTwo writes hdr then p with writev(2), so a large message costs one
// syscall without being copied behind its header.
func (c *Conn) writeTwo(fd int, hdr, p []byte) error {
	for {
		n, err := unix.Writev(fd, [][]byte{hdr, p})
		if err != nil {
			if err = c.writeFailed(fd, err); err != nil {
				return err
			}
			continue
		}
		if n >= len(hdr) {
			return c.writeAll(fd, p[n-len(hdr):])
		}
		hdr = hdr[n:]
	}
}

// writeFailed returns nil when a write to fd that failed with err is to be
// tried again: after EINTR, or after EAGAIN once fd has room; else the
// error to report.
func (c *Conn) writeFailed(fd int, err error) error {
	switch err {
	case unix.EINTR:
		return nil
	case unix.EAGAIN:
		return awaitReady(c.rawConn(fd), fd, unix.POLLOUT)
	}
	return os.NewSyscallError("write", err)
}

// rawReader reads a Conn's descriptor directly, bypassing its buffer; it
// lets frame helpers fill large payloads without an extra copy.
type rawReader Conn

func (r *rawReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	return (*Conn)(r).read(p)
}

// bulkReader reads a Conn's bulk socket.
type bulkReader Conn

func (r *bulkReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	return (*Conn)(r).readFD(r.bulk, p)
}
