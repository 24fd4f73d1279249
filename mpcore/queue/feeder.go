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
)

// SetWarn sets where the feeder reports buffered items it had to drop
// because it could not write them (the queue is broken), one line per
// failure: the run's stderr. Without it the line goes to the process's
// stderr. Items are dropped as CPython's feeder drops an item it cannot
// send, and the next Put or JoinThread of this process returns the error.
func (q *Queue) SetWarn(warn func(line string)) {
	q.mu.Lock()
	q.warn = warn
	q.mu.Unlock()
}

// reportFeederError reports a write the feeder could not make. The caller
// holds q.mu.
func (q *Queue) reportFeederError(err error) {
	line := fmt.Sprintf("mpstar: %s: dropping buffered items: %v\n", q, err)
	if q.warn == nil {
		os.Stderr.WriteString(line)
		return
	}
	q.warn(line)
}

// startFeeder starts the goroutine that flushes q.buf. The caller holds
// q.mu and q has no feeder running.
func (q *Queue) startFeeder() {
	q.running = true
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
			q.reportFeederError(err)
			q.feedErr = err
			clear(q.buf)
			q.buf = q.buf[:0]
		}
	}
	q.running = false
	q.flushed.Broadcast()
	q.mu.Unlock()
}

// Flush waits until this process's buffered items are in the ring, unless
// CancelJoinThread was called. A process calls it before exiting for each
// queue it put items into, as CPython's exit hooks join each queue's
// feeder thread. Like CPython, it waits for as long as that takes: if
// nobody ever reads a queue whose ring is full, it never returns (the
// "joining processes that use queues" caveat of the multiprocessing
// documentation).
func (q *Queue) Flush() {
	q.mu.Lock()
	for q.running && !q.cancelled {
		q.flushed.Wait()
	}
	q.mu.Unlock()
}
