package shm

import (
	"strconv"
	"testing"
	"time"

	"github.com/mpstar/mpstar/mpcore/internal/childtest"
)

func TestEventWakesAnotherProcess(t *testing.T) {
	h := newTestHeap()
	e1, _ := NewEvent(h)
	e2, _ := NewEvent(h)
	cmd := startChild(t, "eventwait", "", e1.Block(), e2.Block())
	childtest.Until(t, "the child sleeps on the event", func() bool { return *e1.sleepers == 1 })
	e1.Set()
	if !e2.Wait(10 * time.Second) {
		t.Fatal("the child did not answer")
	}
	waitChild(t, cmd)
}

func TestEventSetClearWait(t *testing.T) {
	e, _ := NewEvent(newTestHeap())
	if e.IsSet() || e.Wait(0) {
		t.Error("a new event is set")
	}
	start := time.Now()
	if e.Wait(30 * time.Millisecond) {
		t.Error("Wait on a clear event returned true")
	}
	if time.Since(start) > 10*time.Second {
		t.Error("Wait(30ms) did not return in time")
	}
	e.Set()
	e.Set()
	if !e.IsSet() || !e.Wait(-1) {
		t.Error("a set event does not report set")
	}
	e.Clear()
	if e.IsSet() {
		t.Error("Clear left the event set")
	}
}

func BenchmarkEventPingPong(b *testing.B) {
	h := newTestHeap()
	e1, _ := NewEvent(h)
	e2, _ := NewEvent(h)
	cmd := startChild(b, "pong", strconv.Itoa(b.N), e1.Block(), e2.Block())
	b.ResetTimer()
	for range b.N {
		e1.Set()
		if !e2.Wait(10 * time.Second) {
			b.Fatal("no pong")
		}
		e2.Clear()
	}
	b.StopTimer()
	waitChild(b, cmd)
}
