package manager

import (
	"testing"
	"time"
)

func TestMonitorBroadcastWakesWaiter(t *testing.T) {
	var m Monitor
	ready, flag := make(chan struct{}), false
	got := make(chan bool, 1)
	go func() {
		m.Lock()
		defer m.Unlock()
		close(ready)
		got <- m.Await(-1, func() bool { return flag })
	}()
	<-ready
	m.Lock() // the waiter has released the mutex: it sleeps in Await
	flag = true
	m.Broadcast()
	m.Unlock()
	select {
	case ok := <-got:
		if !ok {
			t.Error("Await returned false after the broadcast made its condition true")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the broadcast did not wake the waiter")
	}
}

func TestMonitorAwaitTimeout(t *testing.T) {
	var m Monitor
	m.Lock()
	defer m.Unlock()
	if m.Await(0, func() bool { return false }) {
		t.Error("Await(0) of a false condition returned true")
	}
	if m.Await(time.Millisecond, func() bool { return false }) {
		t.Error("Await past its timeout of a false condition returned true")
	}
	if !m.Await(0, func() bool { return true }) {
		t.Error("Await of a true condition returned false")
	}
}
