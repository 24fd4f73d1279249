package conn

import (
	"bytes"
	"errors"
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
