package conn

// The order in which Accept returns connections whose handshakes ran
// concurrently.

import (
	"sync"
	"time"
)

// turnGrace is how long a connection whose handshake has ended waits for
// the connections that arrived before it, which are still in their
// handshakes, to be returned by Accept first. CPython's Listener.accept
// runs each handshake in turn, so a client that connects several times
// finds its connections accepted in that order, and scripts rely on it;
// handshakes here run concurrently so that a silent peer holds up no one,
// and it holds up the connections after it for turnGrace at most.
const turnGrace = 100 * time.Millisecond

// acceptQueue numbers a Listener's connections as they arrive and hands
// the results of their handshakes to Accept in that order. Its methods
// are safe for concurrent use.
type acceptQueue struct {
	grace time.Duration // turnGrace; tests raise it

	mu      sync.Mutex
	closed  bool
	next    uint64              // the number of the next connection to arrive
	turn    uint64              // the oldest connection not yet taken
	results map[uint64]accepted // handshakes that ended, not yet taken
	skipped map[uint64]bool     // taken ahead of turn
	changed chan struct{}       // closed by the next put
}

func newAcceptQueue() *acceptQueue {
	return &acceptQueue{grace: turnGrace, results: map[uint64]accepted{}, skipped: map[uint64]bool{}, changed: make(chan struct{})}
}

// number returns the number of the connection that has just arrived.
func (q *acceptQueue) number() uint64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := q.next
	q.next++
	return n
}

// put stores r, the result of connection n; once the queue is closed it
// closes r's Conn instead.
func (q *acceptQueue) put(n uint64, r accepted) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		if r.c != nil {
			r.c.Close()
		}
		return
	}
	r.ended = time.Now()
	q.results[n] = r
	close(q.changed)
	q.changed = make(chan struct{})
}

// take returns the result Accept is to return now: the oldest
// connection's, or, while that one is still in its handshake, the earliest
// result that has waited q.grace. Without one, ok is false, changed is
// closed by the next put, and a result may be taken out of turn after
// wait (never, if wait < 0).
func (q *acceptQueue) take(now time.Time) (r accepted, ok bool, changed <-chan struct{}, wait time.Duration) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if r, ok := q.results[q.turn]; ok {
		delete(q.results, q.turn)
		for q.turn++; q.skipped[q.turn]; q.turn++ {
			delete(q.skipped, q.turn)
		}
		return r, true, nil, 0
	}
	first, found := uint64(0), false
	for n, res := range q.results {
		if !found || res.ended.Before(r.ended) {
			first, r, found = n, res, true
		}
	}
	if !found {
		return accepted{}, false, q.changed, -1
	}
	if waited := now.Sub(r.ended); waited < q.grace {
		return accepted{}, false, q.changed, q.grace - waited
	}
	delete(q.results, first)
	q.skipped[first] = true
	return r, true, nil, 0
}

// close closes the Conns of the results not taken, and wakes the takers
// waiting for a change; later puts close their Conns.
func (q *acceptQueue) close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closed = true
	close(q.changed)
	for n, r := range q.results {
		if r.c != nil {
			r.c.Close()
		}
		delete(q.results, n)
	}
}
