package manager

// The waiting primitive of a server's referents (CPython: the
// threading.Condition under threading's Semaphore, Event and Barrier and
// queue.Queue).

import (
	"sync"
	"time"
)

// Monitor is a mutex with a broadcast: a waiter sleeps, with the mutex
// released, until the state it waits for may have changed or its timeout
// passes. It is what the referents of a SyncManager's Lock, Semaphore,
// Event, Barrier and Queue wait on in the server process, where calls from
// many sessions meet. The zero value is an unlocked Monitor with no
// waiters.
type Monitor struct {
	mu sync.Mutex
	ch chan struct{} // closed by the next Broadcast; nil when nobody waits
}

// Lock locks the monitor's mutex.
func (m *Monitor) Lock() { m.mu.Lock() }

// Unlock unlocks the monitor's mutex.
func (m *Monitor) Unlock() { m.mu.Unlock() }

// Broadcast wakes every waiter, which checks its condition again. The
// caller holds the mutex, having changed the state.
func (m *Monitor) Broadcast() {
	if m.ch != nil {
		close(m.ch)
		m.ch = nil
	}
}

// Await waits, with the mutex held, until ok() holds or timeout passes
// (< 0: no limit; 0: don't wait), and reports whether ok() holds. It
// releases the mutex while it sleeps and holds it again when it returns.
func (m *Monitor) Await(timeout time.Duration, ok func() bool) bool {
	if ok() {
		return true
	}
	if timeout == 0 {
		return false
	}
	var expired <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		expired = t.C
	}
	for !ok() {
		if m.ch == nil {
			m.ch = make(chan struct{})
		}
		ch := m.ch
		m.mu.Unlock()
		select {
		case <-ch:
			m.mu.Lock()
		case <-expired:
			m.mu.Lock()
			return ok()
		}
	}
	return true
}
