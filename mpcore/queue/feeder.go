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

// Run is what a queue's feeder belongs to: one run of a script (the
// embedding layer's runtime). It knows the queues whose feeder is running,
// so that the run can wait for them at exit without waiting for another
// run's, and where the feeders report what they had to drop. The zero
// value reports to the process's stderr.
type Run struct {
	// Warn writes a line to the run's stderr; nil: the process's.
	Warn func(line string)

	mu      sync.Mutex
	feeding map[*Queue]struct{}
}

// SetRun makes q's feeder belong to run: Run.Flush waits for it, and it
// reports to run.Warn. Without a run, nothing waits for the feeder but
// JoinThread, and reports go to the process's stderr.
func (q *Queue) SetRun(run *Run) {
	q.mu.Lock()
	q.run = run
	q.mu.Unlock()
}

// Flush waits until every queue of the run has flushed its buffered items
// (see Queue.Flush). A run calls it before it ends, as CPython's exit
// hooks join each queue's feeder thread.
func (run *Run) Flush() {
	run.mu.Lock()
	queues := make([]*Queue, 0, len(run.feeding))
	for q := range run.feeding {
		queues = append(queues, q)
	}
	run.mu.Unlock()
	for _, q := range queues {
		q.Flush()
	}
}

// feederStarted and feederStopped keep the set of q's feeding queues.
func (run *Run) feederStarted(q *Queue) {
	run.mu.Lock()
	if run.feeding == nil {
		run.feeding = map[*Queue]struct{}{}
	}
	run.feeding[q] = struct{}{}
	run.mu.Unlock()
}

func (run *Run) feederStopped(q *Queue) {
	run.mu.Lock()
	delete(run.feeding, q)
	run.mu.Unlock()
}

// reportFeederError reports a write the feeder could not make. The caller
// holds q.mu.
func (q *Queue) reportFeederError(err error) {
	line := fmt.Sprintf("mpstar: %s: dropping buffered items: %v\n", q, err)
	if q.run == nil || q.run.Warn == nil {
		os.Stderr.WriteString(line)
		return
	}
	q.run.Warn(line)
}

// startFeeder starts the goroutine that flushes q.buf. The caller holds
// q.mu and q has no feeder running.
func (q *Queue) startFeeder() {
	q.running = true
	if q.run != nil {
		q.run.feederStarted(q)
	}
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
	run := q.run
	q.mu.Unlock()
	if run != nil {
		run.feederStopped(q)
	}
}

// Flush waits until this process's buffered items are in the ring, unless
// CancelJoinThread was called. Like CPython, it waits for as long as that takes: if
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
