package shm

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mpstar/mpstar/mpcore/internal/childtest"
)

func TestConditionNotifyAcrossProcesses(t *testing.T) {
	h := newTestHeap()
	m, _ := NewMutex(h, true)
	c, _ := NewCondition(h, m)
	woken, _ := h.Alloc(8)
	woke, _ := NewEvent(h)
	blocks := []Block{m.Block(), c.Block(), woken, woke.Block()}
	cmd1 := startChild(t, "condwait", "", blocks...)
	cmd2 := startChild(t, "condwait", "", blocks...)
	childtest.Until(t, "both children wait", func() bool { return atomic.LoadUint32(c.state)>>16 == 2 })

	m.Acquire(true, -1)
	if err := c.Notify(1); err != nil {
		t.Fatal(err)
	}
	m.Release()
	if !woke.Wait(10 * time.Second) {
		t.Fatal("Notify(1) woke no child")
	}
	m.Acquire(true, -1) // the woken child has released the lock
	if n := atomic.LoadUint64(counter(woken)); n != 1 {
		t.Errorf("Notify(1) woke %d children, want 1", n)
	}
	if err := c.NotifyAll(); err != nil {
		t.Fatal(err)
	}
	m.Release()
	waitChild(t, cmd1)
	waitChild(t, cmd2)
	if n := atomic.LoadUint64(counter(woken)); n != 2 {
		t.Errorf("%d children woke in all, want 2", n)
	}
}

func TestConditionWaitTimesOutAndKeepsLock(t *testing.T) {
	m, _ := NewMutex(newTestHeap(), true)
	c, _ := NewCondition(newTestHeap(), m)
	m.Acquire(true, -1)
	m.Acquire(true, -1)
	ok, err := c.Wait(20 * time.Millisecond)
	if ok || err != nil {
		t.Errorf("Wait with no notifier = %v, %v; want false, nil", ok, err)
	}
	if !m.IsMine() || m.Count() != 2 {
		t.Errorf("after Wait: IsMine %v Count %d, want true 2", m.IsMine(), m.Count())
	}
	if s := atomic.LoadUint32(c.state); s != 0 {
		t.Errorf("condition state %#x after a timed-out wait, want 0", s)
	}
}

func TestConditionWakesGoroutineOfOtherOwner(t *testing.T) {
	m, _ := NewMutex(newTestHeap(), false)
	c, _ := NewCondition(newTestHeap(), m)
	waiter, _ := ConditionAt(c.Block(), m.As(NewOwner()))
	done := make(chan bool, 1)
	go func() {
		waiter.Lock().Acquire(true, -1)
		ok, _ := waiter.Wait(10 * time.Second)
		waiter.Lock().Release()
		done <- ok
	}()
	childtest.Until(t, "the goroutine waits", func() bool { return atomic.LoadUint32(c.state)>>16 == 1 })
	m.Acquire(true, -1)
	c.Notify(1)
	m.Release()
	if !<-done {
		t.Error("the waiter was not notified")
	}
}

func TestConditionMisuse(t *testing.T) {
	m, _ := NewMutex(newTestHeap(), false)
	c, _ := NewCondition(newTestHeap(), m)
	if _, err := c.Wait(0); !errors.Is(err, ErrWaitNotOwned) {
		t.Errorf("Wait without the lock: %v, want %v", err, ErrWaitNotOwned)
	}
	if err := c.Notify(1); !errors.Is(err, ErrNotifyNotOwned) {
		t.Errorf("Notify without the lock: %v, want %v", err, ErrNotifyNotOwned)
	}
	if err := c.NotifyAll(); !errors.Is(err, ErrNotifyNotOwned) {
		t.Errorf("NotifyAll without the lock: %v, want %v", err, ErrNotifyNotOwned)
	}
	m.Acquire(true, -1)
	if err := c.NotifyAll(); err != nil {
		t.Errorf("NotifyAll with no waiters: %v", err)
	}
}
