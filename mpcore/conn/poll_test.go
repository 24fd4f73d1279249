package conn

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"
)

// mustPollablePipe is a duplex pipe whose two ends are in poll mode.
func mustPollablePipe(t *testing.T) (*Conn, *Conn) {
	t.Helper()
	a, b := mustPipe(t, true)
	for _, c := range []*Conn{a, b} {
		if err := c.SetPollable(); err != nil {
			t.Fatal(err)
		}
	}
	return a, b
}

// Messages far larger than a pipe's buffer, both ways at once, make every
// read and write of poll mode find its descriptor not ready and wait on
// the poller.
func TestPollModeLargeMessagesBothWays(t *testing.T) {
	a, b := mustPollablePipe(t)
	for _, n := range []int{1, coalesceLimit + 1, readBufSize + 7, 4 << 20} {
		p := bytes.Repeat([]byte("0123456789"), n/10+1)[:n]
		within(t, 20*time.Second, func() {
			errA, errB := sendAsync(a, p), sendAsync(b, p)
			for _, c := range []*Conn{a, b} {
				if got, err := c.RecvBytes(-1); err != nil || !bytes.Equal(got, p) {
					t.Errorf("size %d: got %d bytes, %v", n, len(got), err)
				}
			}
			if err := errors.Join(<-errA, <-errB); err != nil {
				t.Errorf("size %d: send: %v", n, err)
			}
		})
	}
}

// A receive in poll mode with a deadline gives up when it passes, and
// still receives a message sent afterwards.
func TestPollModeDeadline(t *testing.T) {
	a, b := mustPollablePipe(t)
	b.setDeadline(time.Now().Add(20 * time.Millisecond))
	within(t, 10*time.Second, func() {
		if _, err := b.RecvBytes(-1); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("receive past the deadline: %v", err)
		}
	})
	b.setDeadline(time.Time{})
	if err := a.SendBytes([]byte("late")); err != nil {
		t.Fatal(err)
	}
	if got, err := b.RecvBytes(-1); err != nil || string(got) != "late" {
		t.Fatalf("receive after the deadline was lifted: %q, %v", got, err)
	}
}

// Input that comes while a receive is between finding nothing and
// parking on the poller is not lost: a listener in poll mode completes
// many authenticated handshakes from concurrent clients (each a quick
// exchange of challenges) and echoes a message on each connection.
func TestPollModeHandshakesAndEchoes(t *testing.T) {
	key := []byte("key")
	l := mustListen(t, InetAddress("127.0.0.1", 0), key)
	l.Poll = true
	const clients, each = 8, 100
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return // the listener was closed
			}
			go func() {
				defer c.Close()
				if p, err := c.RecvBytes(-1); err == nil {
					c.SendBytes(p)
				}
			}()
		}
	}()
	within(t, 60*time.Second, func() {
		errs := make(chan error, clients)
		for range clients {
			go func() { errs <- dialAndEcho(l.Address(), key, each) }()
		}
		for range clients {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
	})
}

// dialAndEcho connects to address n times in turn, checking each time
// that a message comes back.
func dialAndEcho(address Address, key []byte, n int) error {
	for i := range n {
		c, err := (&Dialer{AuthKey: key}).Dial(address)
		if err != nil {
			return fmt.Errorf("connection %d: %w", i, err)
		}
		msg := []byte{byte(i)}
		err = c.SendBytes(msg)
		got, rerr := c.RecvBytes(-1)
		c.Close()
		if err = errors.Join(err, rerr); err != nil || !bytes.Equal(got, msg) {
			return fmt.Errorf("connection %d: echo %q, %v", i, got, err)
		}
	}
	return nil
}
