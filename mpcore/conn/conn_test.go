package conn

import (
	"bytes"
	"errors"
	"io"
	"syscall"
	"testing"
	"time"
)

func TestPipeRoundTrip(t *testing.T) {
	a, b := mustPipe(t, true)
	for _, n := range []int{0, 1, 3, coalesceLimit, coalesceLimit + 1, readBufSize + 7, 1 << 20} {
		p := bytes.Repeat([]byte("xyz"), n)[:n]
		within(t, 10*time.Second, func() {
			errc := sendAsync(a, p)
			got, err := b.RecvBytes(-1)
			if err != nil || !bytes.Equal(got, p) {
				t.Errorf("size %d: got %d bytes, %v", n, len(got), err)
			}
			if err := <-errc; err != nil {
				t.Errorf("size %d: send: %v", n, err)
			}
		})
	}
}

func TestManySmallFramesInOneRead(t *testing.T) {
	a, b := mustPipe(t, true)
	for i := range 100 {
		if err := a.SendBytes([]byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 100 {
		got, err := b.RecvBytes(-1)
		if err != nil || len(got) != 1 || got[0] != byte(i) {
			t.Fatalf("message %d: %v, %v", i, got, err)
		}
		if i == 0 && b.Buffered() == 0 {
			t.Fatalf("the first receive read nothing ahead")
		}
	}
}

func TestOneWayPipe(t *testing.T) {
	r, w := mustPipe(t, false)
	if !r.Readable() || r.Writable() || w.Readable() || !w.Writable() {
		t.Fatalf("Pipe(false) directions: r %v/%v, w %v/%v", r.Readable(), r.Writable(), w.Readable(), w.Writable())
	}
	if err := r.SendBytes(nil); err != ErrReadOnly || err.Error() != "connection is read-only" {
		t.Fatalf("send on the read end: %v", err)
	}
	if _, err := w.RecvBytes(-1); err != ErrWriteOnly || err.Error() != "connection is write-only" {
		t.Fatalf("receive on the write end: %v", err)
	}
	if _, err := w.Poll(0); err != ErrWriteOnly {
		t.Fatalf("poll on the write end: %v", err)
	}
	if err := w.SendBytes([]byte("one way")); err != nil {
		t.Fatal(err)
	}
	if got, err := r.RecvBytes(-1); err != nil || string(got) != "one way" {
		t.Fatalf("got %q, %v", got, err)
	}
}

func TestClosed(t *testing.T) {
	a, _ := mustPipe(t, true)
	fd, err := a.Fileno()
	if err != nil || fd < 0 {
		t.Fatalf("Fileno: %d, %v", fd, err)
	}
	if a.Close() != nil || !a.Closed() || a.Close() != nil {
		t.Fatalf("Close twice should succeed and leave the Conn closed")
	}
	if _, err := a.Fileno(); err != ErrClosed {
		t.Fatalf("Fileno after Close: %v", err)
	}
	if _, err := a.RecvBytes(-1); err != ErrClosed || err.Error() != "handle is closed" {
		t.Fatalf("RecvBytes after Close: %v", err)
	}
	if err := a.SendBytes(nil); err != ErrClosed {
		t.Fatalf("SendBytes after Close: %v", err)
	}
}

func TestEOF(t *testing.T) {
	a, b := mustPipe(t, true)
	a.SendBytes([]byte("last"))
	a.Close()
	if got, err := b.RecvBytes(-1); err != nil || string(got) != "last" {
		t.Fatalf("got %q, %v", got, err)
	}
	if ok, err := b.Poll(0); !ok || err != nil {
		t.Fatalf("Poll at end of file: %v, %v (want ready)", ok, err)
	}
	if _, err := b.RecvBytes(-1); err != io.EOF {
		t.Fatalf("after the peer closed: %v, want io.EOF", err)
	}
}

func TestPeerClosesMidFrame(t *testing.T) {
	for _, tc := range []struct {
		name string
		raw  []byte
		size int
	}{
		{"in the header", []byte{0, 0}, -1},
		{"in the long header", []byte{0xff, 0xff, 0xff, 0xff, 0}, -1},
		{"in the payload", []byte{0, 0, 0, 10, 'a', 'b'}, 10},
		{"in a large payload", append([]byte{1, 0, 0, 0}, make([]byte, 70000)...), 1 << 24},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := mustPipe(t, true)
			within(t, 10*time.Second, func() {
				written := make(chan struct{})
				go func() {
					defer close(written)
					a.writeAll(a.wfd, tc.raw)
					a.Close()
				}()
				_, err := b.RecvBytes(-1)
				if e := errorAs[*TruncatedFrameError](t, err); e.Size != tc.size {
					t.Errorf("got %v, want a cut frame of size %d", err, tc.size)
				}
				<-written
			})
		})
	}
}

func TestHugeLengthHeader(t *testing.T) {
	// A pipe has no limit: the 2^40-byte frame is read as it arrives and
	// ends truncated, with no 1 TiB allocation.
	a, b := mustPipe(t, true)
	writeRaw(t, a, AppendHeader(nil, 1<<40))
	writeRaw(t, a, []byte("a little"))
	a.Close()
	before := totalAlloc()
	_, err := b.RecvBytes(-1)
	errorAs[*TruncatedFrameError](t, err)
	if grew := totalAlloc() - before; grew > 2*eagerAlloc {
		t.Fatalf("allocated %d bytes for a frame that never came", grew)
	}

	// A socket-style limit refuses it outright and stops receiving.
	a, b = mustPipe(t, true)
	b.SetMaxFrame(DefaultMaxFrame)
	writeRaw(t, a, AppendHeader(nil, 1<<40))
	_, err = b.RecvBytes(-1)
	if e := errorAs[*FrameTooLargeError](t, err); e.Size != 1<<40 || e.Max != DefaultMaxFrame {
		t.Fatalf("got %v", err)
	}
	if _, err := b.RecvBytes(-1); err != ErrWriteOnly {
		t.Fatalf("receiving after a refused frame: %v, want ErrWriteOnly", err)
	}
}

func TestMaxLength(t *testing.T) {
	// A duplex Conn stops receiving but can still send, as in CPython.
	a, b := mustPipe(t, true)
	a.SendBytes([]byte("12345"))
	_, err := b.RecvBytes(4)
	if e := errorAs[*FrameTooLargeError](t, err); e.Size != 5 || e.Max != 4 {
		t.Fatalf("got %v", err)
	}
	if b.Readable() || b.Closed() {
		t.Fatalf("after a bad message length a duplex Conn is write-only")
	}
	if err := b.SendBytes([]byte("still")); err != nil {
		t.Fatal(err)
	}
	// A read-only Conn is closed.
	r, w := mustPipe(t, false)
	w.SendBytes([]byte("12345"))
	if _, err := r.RecvBytes(4); err == nil {
		t.Fatal("no error for a frame over maxlength")
	}
	if !r.Closed() {
		t.Fatalf("after a bad message length a read-only Conn is closed")
	}
	// maxlength equal to the size is fine.
	a2, b2 := mustPipe(t, true)
	a2.SendBytes([]byte("1234"))
	if got, err := b2.RecvBytes(4); err != nil || string(got) != "1234" {
		t.Fatalf("got %q, %v", got, err)
	}
}

func TestRecvBytesInto(t *testing.T) {
	a, b := mustPipe(t, true)
	a.SendBytes([]byte("hello"))
	buf := make([]byte, 8)
	if n, err := b.RecvBytesInto(buf); n != 5 || err != nil || string(buf[:5]) != "hello" {
		t.Fatalf("got %d %q, %v", n, buf, err)
	}
	big := bytes.Repeat([]byte("0123456789"), 10000)
	sent := sendAsync(a, big)
	within(t, 10*time.Second, func() {
		_, err := b.RecvBytesInto(buf)
		if e := errorAs[*BufferTooShortError](t, err); !bytes.Equal(e.Msg, big) {
			t.Errorf("BufferTooShort holds %d bytes, want the %d-byte message", len(e.Msg), len(big))
		}
		if err := <-sent; err != nil {
			t.Error(err)
		}
	})
	// The connection is still in step after BufferTooShort.
	a.SendBytes([]byte("next"))
	if got, err := b.RecvBytes(-1); err != nil || string(got) != "next" {
		t.Fatalf("after BufferTooShort: %q, %v", got, err)
	}
	// A large message that fits is read straight into the buffer.
	dst := make([]byte, len(big))
	sent = sendAsync(a, big)
	within(t, 10*time.Second, func() {
		n, err := b.RecvBytesInto(dst)
		if n != len(big) || err != nil || !bytes.Equal(dst, big) {
			t.Errorf("got %d bytes, %v", n, err)
		}
		if err := <-sent; err != nil {
			t.Error(err)
		}
	})
}

// sendAsync sends p on c from another goroutine (a large message does not
// fit the socket buffer) and reports the outcome on the channel.
func sendAsync(c *Conn, p []byte) <-chan error {
	errc := make(chan error, 1)
	go func() { errc <- c.SendBytes(p) }()
	return errc
}

func TestBufferTooShortCarriesMessage(t *testing.T) {
	a, b := mustPipe(t, true)
	a.SendBytes([]byte("too long for it"))
	_, err := b.RecvBytesInto(make([]byte, 3))
	if e := errorAs[*BufferTooShortError](t, err); string(e.Msg) != "too long for it" {
		t.Fatalf("BufferTooShort message: %q", e.Msg)
	}
}

func TestPoll(t *testing.T) {
	a, b := mustPipe(t, true)
	if ok, err := b.Poll(0); ok || err != nil {
		t.Fatalf("Poll(0) on an empty pipe: %v, %v", ok, err)
	}
	start := time.Now()
	if ok, _ := b.Poll(30 * time.Millisecond); ok || time.Since(start) < 30*time.Millisecond {
		t.Fatalf("Poll(30ms) returned %v after %v", ok, time.Since(start))
	}
	a.SendBytes([]byte("1"))
	a.SendBytes([]byte("2"))
	if ok, err := b.Poll(-1); !ok || err != nil {
		t.Fatalf("Poll(-1) with data: %v, %v", ok, err)
	}
	b.RecvBytes(-1)
	// The second frame now sits in b's buffer, invisible to poll(2).
	if b.Buffered() == 0 {
		t.Skip("the second frame was not read ahead")
	}
	fd, _ := b.Fileno()
	if ready, _ := Wait([]int{fd}, 0); len(ready) != 0 {
		t.Fatalf("Wait sees data that was already read ahead: %v", ready)
	}
	if ok, _ := b.Poll(0); !ok {
		t.Fatalf("Poll ignores read-ahead data")
	}
}

func TestWait(t *testing.T) {
	a1, b1 := mustPipe(t, true)
	a2, b2 := mustPipe(t, true)
	fd1, _ := b1.Fileno()
	fd2, _ := b2.Fileno()
	if ready, err := Wait([]int{fd1, fd2}, 10*time.Millisecond); len(ready) != 0 || err != nil {
		t.Fatalf("nothing sent: %v, %v", ready, err)
	}
	a2.SendBytes([]byte("x"))
	if ready, err := Wait([]int{fd1, fd2}, -1); len(ready) != 1 || ready[0] != fd2 || err != nil {
		t.Fatalf("got %v, %v, want [%d]", ready, err, fd2)
	}
	a1.Close()
	if ready, err := Wait([]int{fd1, fd2}, -1); len(ready) != 2 || err != nil {
		t.Fatalf("end of file counts as ready: %v, %v", ready, err)
	}
}

func TestSendToClosedPeerIsBrokenPipe(t *testing.T) {
	for _, duplex := range []bool{true, false} {
		a, b := mustPipe(t, duplex)
		if duplex {
			a, b = b, a
		}
		a.Close() // the reader
		err := b.SendBytes([]byte("anyone?"))
		if !errors.Is(err, syscall.EPIPE) {
			t.Fatalf("duplex=%v: send to a closed peer: %v, want EPIPE", duplex, err)
		}
		// Large sends take the writev path.
		if err := b.SendBytes(make([]byte, 1<<20)); !errors.Is(err, syscall.EPIPE) {
			t.Fatalf("duplex=%v: large send to a closed peer: %v, want EPIPE", duplex, err)
		}
	}
}

func TestNewConnChecks(t *testing.T) {
	if _, err := NewConn(-1, true, true); err == nil {
		t.Fatal("NewConn(-1) succeeded")
	}
	if _, err := NewConn(0, false, false); err == nil {
		t.Fatal("NewConn with neither direction succeeded")
	}
}

func TestAcrossProcesses(t *testing.T) {
	c := startEcho(t)
	within(t, 20*time.Second, func() {
		for _, n := range []int{0, 5, coalesceLimit + 1, 3 << 20} {
			p := bytes.Repeat([]byte{7}, n)
			errc := sendAsync(c, p)
			got, err := c.RecvBytes(-1)
			if err != nil || !bytes.Equal(got, p) {
				t.Errorf("size %d: echo gave %d bytes, %v", n, len(got), err)
			}
			if err := <-errc; err != nil {
				t.Error(err)
			}
		}
	})
}
