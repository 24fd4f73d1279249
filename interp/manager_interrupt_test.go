package interp

import (
	"strings"
	"testing"
	"time"
)

// Ctrl-C on a call to a manager's object interrupts it at once, and the
// session's managed objects survive: the interrupted call's connection is
// not closed, which would make the server release them.
func TestInterruptedManagerCallKeepsObjects(t *testing.T) {
	s := newTestSession(t)
	s.echo("m = multiprocessing.Manager()\nq = m.Queue()\nd = m.dict()\nd['a'] = 1\n")
	done := make(chan error, 1)
	go func() { done <- s.Exec("print('getting')\nq.get()\n") }()
	select {
	case <-s.stdout.wrote:
	case <-time.After(10 * time.Second):
		t.Fatal("the chunk did not start")
	}
	s.Interrupt()
	if err := <-done; err == nil {
		t.Fatal("the interrupted get succeeded")
	}
	if report := s.stderr.take(); !strings.HasSuffix(report, "\nKeyboardInterrupt\n") {
		t.Errorf("the interruption reported %q", report)
	}
	s.stdout.take()
	// (The server may still finish the interrupted get, as CPython's does:
	// it takes the next item put.)
	if got := s.echo("q.put(5)\nprint(d['a'], len(d))\n"); got != "1 1\n" {
		t.Errorf("after the interruption the dict gave %q, want 1 1", got)
	}
}
