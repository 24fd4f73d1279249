package shm

import (
	"errors"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"
)

func TestMutexCounterAcrossProcesses(t *testing.T) {
	const procs, perProc = 4, 25000
	h := newTestHeap()
	m, _ := NewMutex(h, false)
	c, _ := h.Alloc(8)
	start, _ := NewEvent(h)
	ready, _ := NewSemaphore(h, 0, false)
	var cmds []*exec.Cmd
	for range procs {
		cmds = append(cmds, startChild(t, "counter", strconv.Itoa(perProc), m.Block(), c, start.Block(), ready.Block()))
	}
	for range procs {
		if !ready.Acquire(true, 10*time.Second) {
			t.Fatal("a child did not get ready")
		}
	}
	t0 := time.Now()
	start.Set()
	for _, cmd := range cmds {
		waitChild(t, cmd)
	}
	t.Logf("%d contended increments in %v", procs*perProc, time.Since(t0))
	if got := *counter(c); got != procs*perProc {
		t.Errorf("counter = %d after %d processes × %d locked increments, want %d", got, procs, perProc, procs*perProc)
	}
	if m.Locked() {
		t.Error("lock still held after every process released it")
	}
}

// TestMutexCounterAcrossGoroutines guards Go memory with an RLock; under
// -race it also checks that the detector sees the lock's ordering.
func TestMutexCounterAcrossGoroutines(t *testing.T) {
	const workers, perWorker = 4, 5000
	m, _ := NewMutex(newTestHeap(), true)
	c := new(int)
	var wg sync.WaitGroup
	for range workers {
		mine := m.As(NewOwner())
		wg.Go(func() {
			for range perWorker {
				mine.Acquire(true, -1)
				mine.Acquire(true, -1) // an RLock re-enters for its owner only
				*c++
				mine.Release()
				mine.Release()
			}
		})
	}
	wg.Wait()
	if *c != workers*perWorker {
		t.Errorf("counter = %d, want %d", *c, workers*perWorker)
	}
}

func TestMutexRecoveredFromKilledOwner(t *testing.T) {
	for _, c := range []struct {
		name, arg string
		recursive bool
	}{{"Lock", "lock", false}, {"RLock", "rlock", true}} {
		t.Run(c.name, func(t *testing.T) {
			report, dead := captureDeadOwner()
			h := newTestHeap()
			m, _ := NewMutex(h, c.recursive)
			m.OnDeadOwner(report)
			ready, _ := NewEvent(h)
			cmd := startChild(t, "holdlock", c.arg, m.Block(), ready.Block())
			if !ready.Wait(10 * time.Second) {
				t.Fatal("child never took the lock")
			}
			if ok, _ := m.Acquire(false, 0); ok {
				t.Fatal("took a lock the child holds")
			}
			// Kill without reaping: the child stays a zombie, which must
			// count as dead.
			cmd.Process.Kill()
			ok, err := m.Acquire(true, 5*time.Second)
			if !ok || err != nil {
				t.Fatalf("Acquire after the owner died = %v, %v; want true", ok, err)
			}
			select {
			case pid := <-dead:
				if pid != cmd.Process.Pid {
					t.Errorf("OnDeadOwner got pid %d, want the child's %d", pid, cmd.Process.Pid)
				}
			default:
				t.Error("OnDeadOwner was not called")
			}
			if !m.IsMine() || m.Count() != 1 {
				t.Errorf("after takeover: IsMine %v Count %d, want true 1", m.IsMine(), m.Count())
			}
			if err := m.Release(); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestMutexTimesOut(t *testing.T) {
	m, _ := NewMutex(newTestHeap(), false)
	m.Acquire(true, -1)
	other := m.As(NewOwner())
	for _, timeout := range []time.Duration{0, 50 * time.Millisecond, 150 * time.Millisecond} {
		done := make(chan bool, 1)
		go func() { ok, _ := other.Acquire(true, timeout); done <- ok }()
		select {
		case ok := <-done:
			if ok {
				t.Errorf("Acquire(true, %v) of a held lock returned true", timeout)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("Acquire(true, %v) of a held lock did not return", timeout)
		}
	}
	if ok, _ := other.Acquire(false, -1); ok {
		t.Error("Acquire(false) of a held lock returned true")
	}
}

func TestMutexMisuse(t *testing.T) {
	h := newTestHeap()
	lock, _ := NewMutex(h, false)
	if err := lock.Release(); !errors.Is(err, ErrReleasedTooManyTimes) {
		t.Errorf("release of an unlocked Lock: %v, want %v", err, ErrReleasedTooManyTimes)
	}
	rlock, _ := NewMutex(h, true)
	if err := rlock.Release(); !errors.Is(err, ErrNotOwner) {
		t.Errorf("release of an unowned RLock: %v, want %v", err, ErrNotOwner)
	}
	rlock.Acquire(true, -1)
	if err := rlock.As(NewOwner()).Release(); !errors.Is(err, ErrNotOwner) {
		t.Errorf("release of an RLock by another owner: %v, want %v", err, ErrNotOwner)
	}
	var e *Error
	if err := rlock.As(NewOwner()).Release(); !errors.As(err, &e) || e.Kind != "AssertionError" ||
		e.Msg != "attempt to release recursive lock not owned by thread" {
		t.Errorf("RLock misuse error %#v: want CPython's AssertionError text", err)
	}
}

func TestMutexLockReleasedByAnotherOwner(t *testing.T) {
	// CPython allows any thread or process to release a Lock.
	m, _ := NewMutex(newTestHeap(), false)
	m.Acquire(true, -1)
	if err := m.As(NewOwner()).Release(); err != nil || m.Locked() {
		t.Errorf("release by another owner: %v, locked %v; want nil, false", err, m.Locked())
	}
}

func TestMutexReprInfo(t *testing.T) {
	m, _ := NewMutex(newTestHeap(), true)
	if m.Locked() || m.Count() != 0 || m.OwnerPID() != 0 || m.IsMine() {
		t.Errorf("free RLock: locked %v count %d pid %d mine %v", m.Locked(), m.Count(), m.OwnerPID(), m.IsMine())
	}
	for range 3 {
		m.Acquire(true, -1)
	}
	if !m.Locked() || m.Count() != 3 || m.OwnerPID() != int(selfPID) || !m.IsMine() || m.As(NewOwner()).IsMine() {
		t.Errorf("RLock held 3 deep: locked %v count %d pid %d mine %v", m.Locked(), m.Count(), m.OwnerPID(), m.IsMine())
	}
}

func BenchmarkMutexUncontended(b *testing.B) {
	m, _ := NewMutex(newTestHeap(), false)
	for b.Loop() {
		m.Acquire(true, -1)
		m.Release()
	}
}

func BenchmarkRLockUncontended(b *testing.B) {
	m, _ := NewMutex(newTestHeap(), true)
	for b.Loop() {
		m.Acquire(true, -1)
		m.Release()
	}
}
