package main

// CPython's connection framing (Lib/multiprocessing/connection.py,
// Connection._send_bytes/_recv_bytes: a 4-byte big-endian length, then the
// payload) over one end of a socketpair, with blocking read and write system
// calls on the raw descriptor: the least work Go can do to move a message
// from one process to another. The floors use it.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"golang.org/x/sys/unix"
)

// readBufSize is the receive buffer. Reading whatever is available into it
// is not batching: the sender still writes every message on its own.
const readBufSize = 64 << 10

// fdConn is one end of a stream socket used with blocking system calls.
type fdConn struct {
	fd   int
	in   []byte // receive buffer; the unread bytes are in[r:w]
	r, w int
	out  []byte // the frame being sent, reused
}

func newFDConn(fd int) *fdConn {
	return &fdConn{fd: fd, in: make([]byte, readBufSize), out: make([]byte, 0, 64)}
}

// setDeadline makes every later read or write on c fail after d instead of
// blocking for ever, so a dead peer cannot hang the benchmark. It costs
// nothing per call.
func (c *fdConn) setDeadline(d time.Duration) error {
	tv := unix.NsecToTimeval(d.Nanoseconds())
	if err := unix.SetsockoptTimeval(c.fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		return err
	}
	return unix.SetsockoptTimeval(c.fd, unix.SOL_SOCKET, unix.SO_SNDTIMEO, &tv)
}

// writeAll writes p, going on after partial writes and interruptions.
func (c *fdConn) writeAll(p []byte) error {
	for len(p) > 0 {
		n, err := unix.Write(c.fd, p)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return ioError("write", err)
		}
		p = p[n:]
	}
	return nil
}

// sendSmall sends one message with its header in a single write, as CPython
// does for messages up to 16 KiB.
func (c *fdConn) sendSmall(payload []byte) error {
	c.out = binary.BigEndian.AppendUint32(c.out[:0], uint32(len(payload)))
	c.out = append(c.out, payload...)
	return c.writeAll(c.out)
}

// sendLarge sends one message as a header write and a payload write, as
// CPython does for large messages, so the payload is never copied.
func (c *fdConn) sendLarge(payload []byte) error {
	c.out = binary.BigEndian.AppendUint32(c.out[:0], uint32(len(payload)))
	if err := c.writeAll(c.out); err != nil {
		return err
	}
	return c.writeAll(payload)
}

// read is one read system call into p.
func (c *fdConn) read(p []byte) (int, error) {
	for {
		n, err := unix.Read(c.fd, p)
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			return 0, ioError("read", err)
		case n == 0:
			return 0, io.EOF
		}
		return n, nil
	}
}

// fill reads at least one more byte into the buffer.
func (c *fdConn) fill() error {
	if c.r > 0 {
		c.w = copy(c.in, c.in[c.r:c.w])
		c.r = 0
	}
	n, err := c.read(c.in[c.w:])
	c.w += n
	return err
}

// recvLen reads a message header.
func (c *fdConn) recvLen() (int, error) {
	for c.w-c.r < 4 {
		if err := c.fill(); err != nil {
			return 0, err
		}
	}
	n := int(binary.BigEndian.Uint32(c.in[c.r:]))
	c.r += 4
	return n, nil
}

// recvSmall reads one message that fits the receive buffer; the result is
// valid until the next receive.
func (c *fdConn) recvSmall() ([]byte, error) {
	n, err := c.recvLen()
	if err != nil {
		return nil, err
	}
	if n > len(c.in) {
		return nil, fmt.Errorf("message of %d bytes is larger than the %d-byte receive buffer", n, len(c.in))
	}
	for c.w-c.r < n {
		if err := c.fill(); err != nil {
			return nil, err
		}
	}
	p := c.in[c.r : c.r+n]
	c.r += n
	return p, nil
}

// recvAlloc reads one message into a new slice, as recv_bytes must return a
// new bytes object. What the buffer holds is copied; the rest is read
// straight into the slice.
func (c *fdConn) recvAlloc() ([]byte, error) {
	n, err := c.recvLen()
	if err != nil {
		return nil, err
	}
	p := make([]byte, n)
	got := copy(p, c.in[c.r:c.w])
	c.r += got
	for got < n {
		m, err := c.read(p[got:])
		if err != nil {
			return nil, err
		}
		got += m
	}
	return p, nil
}

// ioError names the operation, and says "timed out" for an expired socket
// deadline instead of "resource temporarily unavailable".
func ioError(op string, err error) error {
	if errors.Is(err, unix.EAGAIN) {
		return fmt.Errorf("socket %s timed out (the peer is stuck or gone)", op)
	}
	return fmt.Errorf("socket %s: %w", op, err)
}
