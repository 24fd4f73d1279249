package queue

// The feeder: a goroutine per queue that flushes this process's buffered
// items into the ring, and the exit-time wait for it. Mirrors Queue._feed,
// _start_thread and the _finalize_join exit hook of CPython's
// Lib/multiprocessing/queues.py; unlike CPython's thread, the goroutine
// exits whenever the buffer is empty and is started again by the next Put
// that needs it, so an idle or forgotten queue holds no goroutine.

import (
	"fmt"
	"os"
	"sync"
)

// OnFeederError is called when the feeder cannot write buffered items
// (the queue is broken); the items are dropped, as CPython's feeder drops
// an item it cannot send, and the next Put or JoinThread of this process
// returns the error. The default writes one line to stderr.
var OnFeederError = func(q fmt.Stringer, err error) {
	fmt.Fprintf(os.Stderr, "mpstar: %s: dropping buffered items: %v\n", q, err)
}

// pending holds the queues whose feeder is running, for FlushAll.
var pending struct {
	sync.Mutex
	queues map[*Queue]struct{}
}

// startFeeder starts the goroutine that flushes q.buf. The caller holds
// q.mu and q has no feeder running.
func (q *Queue) startFeeder() {
	q.running = true
	pending.Lock()
	if pending.queues == nil {
		pending.queues = make(map[*Queue]struct{})
	}
	pending.queues[q] = struct{}{}
	pending.Unlock()
	go q.feed()
}

// feed writes batches of buffered items until the buffer is empty.
func (q *Queue) feed() {
	q.mu.Lock()
	for len(q.buf) > 0 {
		batch := q.buf
		q.buf, q.spare = q.spare, nil
		q.mu.Unlock()
		err := q.r.putAll(batch)
		clear(batch) // let the items be collected
		q.mu.Lock()
		q.spare = batch[:0]
		if err != nil {
			OnFeederError(q, err)
			q.feedErr = err
			clear(q.buf)
			q.buf = q.buf[:0]
		}
	}
	q.running = false
	q.flushed.Broadcast()
	q.mu.Unlock()
	pending.Lock()
	delete(pending.queues, q)
	pending.Unlock()
}

// waitFlushed waits until the feeder has flushed everything or the join is
// cancelled.
func (q *Queue) waitFlushed() {
	q.mu.Lock()
	for q.running && !q.cancelled {
		q.flushed.Wait()
	}
	q.mu.Unlock()
}

// FlushAll waits until every queue of this process has flushed its
// buffered items, except queues whose CancelJoinThread was called. A
// process calls it before exiting, as CPython's exit hooks join each
// queue's feeder thread. Like CPython, it waits for as long as that takes:
// if nobody ever reads a queue whose ring is full, it never returns (the
// "joining processes that use queues" caveat of the multiprocessing
// documentation).
func FlushAll() {
	pending.Lock()
	queues := make([]*Queue, 0, len(pending.queues))
	for q := range pending.queues {
		queues = append(queues, q)
	}
	pending.Unlock()
	for _, q := range queues {
		q.waitFlushed()
	}
}
