package conn

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/mpstar/mpstar/mpcore/internal/childtest"
)

// childEnv selects the child role when the test binary re-executes itself.
const childEnv = "MPCORE_CONN_TEST_CHILD"

func TestMain(m *testing.M) { childtest.Main(m, childEnv, runChild) }

// runChild plays a child role and returns its exit status.
func runChild(role string) int {
	switch role {
	case "echo":
		return echoChild()
	case "stream":
		return streamChild()
	case "dial":
		return dialChild()
	}
	fmt.Fprintf(os.Stderr, "unknown child role %q\n", role)
	return 2
}

// childConn is the child's end of the Pipe startChild made: fds 3 (read),
// 4 (write) and 5 (bulk).
func childConn() (*Conn, error) { return NewPipeConn(3, 4, 5) }

// echoChild sends back every message received until end of file.
func echoChild() int {
	c, err := childConn()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	for {
		msg, err := c.RecvBytes(-1)
		if err == io.EOF {
			return 0
		}
		if err == nil {
			err = c.SendBytes(msg)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "echo child:", err)
			return 1
		}
	}
}

// streamChild answers each request, a message "count size", with count
// messages of size bytes, until end of file.
func streamChild() int {
	c, err := childConn()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	for {
		req, err := c.RecvBytes(-1)
		if err == io.EOF {
			return 0
		}
		var count, size int
		if err == nil {
			_, err = fmt.Sscan(string(req), &count, &size)
		}
		payload := make([]byte, size)
		for i := 0; i < count && err == nil; i++ {
			err = c.SendBytes(payload)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "stream child:", err)
			return 1
		}
	}
}

// startEcho starts the echo child on a new duplex Pipe and returns our end.
// The child exits when our end is closed; tb's cleanup waits for it.
func startEcho(tb testing.TB) *Conn {
	return startChild(tb, "echo")
}

// startChild starts the test binary as the child role on a new duplex
// Pipe and returns our end.
func startChild(tb testing.TB, role string) *Conn {
	tb.Helper()
	ours, theirs, err := Pipe(true)
	if err != nil {
		tb.Fatal(err)
	}
	var files []*os.File
	r, w, bulk := theirs.FDs()
	for _, fd := range []int{r, w, bulk} {
		dup, err := unix.Dup(fd)
		if err != nil {
			tb.Fatal(err)
		}
		files = append(files, os.NewFile(uintptr(dup), "child-conn"))
	}
	theirs.Close()
	cmd := childtest.Command(context.Background(), childEnv, role)
	cmd.ExtraFiles = files
	err = cmd.Start()
	for _, f := range files {
		f.Close()
	}
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		ours.Close()
		if err := childtest.Wait(cmd, 10*time.Second); err != nil {
			tb.Errorf("%s child, after its connection closed: %v", role, err)
		}
	})
	return ours
}

// within runs f in a goroutine and fails the test if it has not returned
// after d, so a blocking bug fails instead of hanging the suite.
func within(tb testing.TB, d time.Duration, f func()) {
	tb.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(d):
		tb.Fatalf("still blocked after %v", d)
	}
}

// mustPipe returns a duplex Pipe closed at the end of the test.
func mustPipe(tb testing.TB, duplex bool) (*Conn, *Conn) {
	tb.Helper()
	a, b, err := Pipe(duplex)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

// writeRaw writes bytes on c's descriptor directly, bypassing framing.
func writeRaw(tb testing.TB, c *Conn, p []byte) {
	tb.Helper()
	if err := c.writeAll(c.wfd, p); err != nil {
		tb.Fatal(err)
	}
}

// errorAs asserts that err is an E and returns it.
func errorAs[E error](tb testing.TB, err error) E {
	tb.Helper()
	var target E
	if !errors.As(err, &target) {
		tb.Fatalf("got error %v (%T), want a %T", err, err, target)
	}
	return target
}

// servesNext checks, within 10 s, that the next Conn Accept put on
// accepted is client's peer: it receives what client sends. what names
// the failure.
func servesNext(t *testing.T, accepted <-chan *Conn, client *Conn, what string) {
	t.Helper()
	within(t, 10*time.Second, func() {
		server := <-accepted
		defer server.Close()
		client.SendBytes([]byte("ping"))
		if got, err := server.RecvBytes(-1); err != nil || string(got) != "ping" {
			t.Errorf("%s: the server got %q, %v", what, got, err)
		}
	})
}
