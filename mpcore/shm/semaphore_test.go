package shm

import (
	"errors"
	"os/exec"
	"testing"
	"time"

	"github.com/mpstar/mpstar/mpcore/internal/childtest"
)

func TestSemaphoreSlotsRecoveredFromKilledHolder(t *testing.T) {
	report, dead := captureDeadOwner()
	h := newTestHeap()
	s, _ := NewSemaphore(h, 2, false)
	s.OnDeadOwner(report)
	ready, _ := NewEvent(h)
	cmd := startChild(t, "holdsem", "", s.Block(), ready.Block())
	if !ready.Wait(10 * time.Second) {
		t.Fatal("child never took its slots")
	}
	if s.Acquire(false, 0) {
		t.Fatal("took a slot while the child holds both")
	}
	cmd.Process.Kill() // not reaped: a zombie counts as dead
	if !s.Acquire(true, 5*time.Second) {
		t.Fatal("Acquire after the holder died timed out")
	}
	select {
	case pid := <-dead:
		if pid != cmd.Process.Pid {
			t.Errorf("OnDeadOwner got pid %d, want the child's %d", pid, cmd.Process.Pid)
		}
	default:
		t.Error("OnDeadOwner was not called")
	}
	if s.Value() != 1 {
		t.Errorf("value = %d after recovering 2 slots and taking 1, want 1", s.Value())
	}
}

func TestSemaphoreRecoveryNeverExceedsInitialValue(t *testing.T) {
	// A signalling semaphore: the acquirer "holds" what others released.
	s, _ := NewSemaphore(newTestHeap(), 0, false)
	s.Release()
	s.Acquire(true, -1)
	// Pretend the holder entry belongs to a dead process.
	for _, h := range s.holders {
		if *h != 0 {
			*h = uint64(deadPID(t))<<32 | uint64(uint32(*h))
		}
	}
	if s.recoverDead() || s.Value() != 0 {
		t.Errorf("recovery raised a Semaphore(0) to %d", s.Value())
	}
}

func TestSemaphoreCountsAndTimesOut(t *testing.T) {
	s, _ := NewSemaphore(newTestHeap(), 2, false)
	if !s.Acquire(false, 0) || !s.Acquire(true, 0) || s.Value() != 0 {
		t.Fatalf("could not take 2 slots of Semaphore(2)")
	}
	if s.Acquire(false, 0) {
		t.Error("Acquire(false) with value 0 returned true")
	}
	done := make(chan bool, 1)
	go func() { done <- s.Acquire(true, 50*time.Millisecond) }()
	select {
	case ok := <-done:
		if ok {
			t.Error("Acquire(true, 50ms) with value 0 returned true")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Acquire(true, 50ms) did not return")
	}
	go func() { done <- s.Acquire(true, 10*time.Second) }()
	childtest.Until(t, "the acquirer sleeps", func() bool { return *s.sleepers == 1 })
	s.Release()
	if !<-done {
		t.Error("Release did not wake the waiter")
	}
	for range 3 {
		if err := s.Release(); err != nil {
			t.Fatalf("release of an unbounded semaphore: %v", err)
		}
	}
	if s.Value() != 3 {
		t.Errorf("value = %d, want 3", s.Value())
	}
}

func TestBoundedSemaphoreReleasedTooManyTimes(t *testing.T) {
	s, _ := NewSemaphore(newTestHeap(), 1, true)
	if err := s.Release(); !errors.Is(err, ErrReleasedTooManyTimes) {
		t.Errorf("release of a full BoundedSemaphore: %v, want %v", err, ErrReleasedTooManyTimes)
	}
	s.Acquire(true, -1)
	if err := s.Release(); err != nil {
		t.Error(err)
	}
	if !s.Bounded() || s.MaxValue() != 1 || s.Value() != 1 {
		t.Errorf("bounded %v max %d value %d, want true 1 1", s.Bounded(), s.MaxValue(), s.Value())
	}
}

func TestSemaphoreRejectsNegativeValue(t *testing.T) {
	if _, err := NewSemaphore(newTestHeap(), -1, false); err == nil {
		t.Error("NewSemaphore(-1) succeeded")
	}
}

// deadPID returns the pid of a process that has exited and been reaped.
func deadPID(t *testing.T) int {
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}
