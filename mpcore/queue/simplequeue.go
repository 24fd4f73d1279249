package queue

// SimpleQueue. Mirrors the SimpleQueue class of CPython's
// Lib/multiprocessing/queues.py: puts are written synchronously under the
// put lock, with no buffer and no feeder.

import (
	"fmt"
	"sync/atomic"
	"time"
)

// SimpleQueue is a FIFO of byte items shared by processes whose Put writes
// the item before returning. Methods are safe for concurrent use.
type SimpleQueue struct {
	r      *ring
	closed atomic.Bool
}

// NewSimpleQueue creates a SimpleQueue whose ring holds capacity bytes
// (rounded up to a power of two; 0: DefaultCapacity).
func NewSimpleQueue(capacity int) (*SimpleQueue, error) {
	r, err := newRing(KindSimpleQueue, 0, capacity)
	if err != nil {
		return nil, err
	}
	return &SimpleQueue{r: r}, nil
}

// AttachSimpleQueue maps the SimpleQueue another process made.
func AttachSimpleQueue(h Handle) (*SimpleQueue, error) {
	r, err := attachRing(h, KindSimpleQueue)
	if err != nil {
		return nil, err
	}
	return &SimpleQueue{r: r}, nil
}

// String names the queue in messages.
func (q *SimpleQueue) String() string {
	return fmt.Sprintf("<SimpleQueue %016x>", q.r.arena.ID)
}

// Handle returns what another process needs to attach the queue.
func (q *SimpleQueue) Handle() Handle { return q.r.handle() }

// Put writes item to the queue, waiting for room as long as it takes; the
// caller must not modify item while Put runs.
func (q *SimpleQueue) Put(item []byte) error {
	if q.closed.Load() {
		return ErrHandleClosed
	}
	if len(item) >= maxItem {
		return ErrTooLarge
	}
	return q.r.putAll([][]byte{item})
}

// Get removes and returns the item at the head of the queue. CPython's
// get() always blocks (Get(true, -1)); block and timeout let a caller stay
// responsive to cancellation, with ErrEmpty when it gives up.
func (q *SimpleQueue) Get(block bool, timeout time.Duration) ([]byte, error) {
	if q.closed.Load() {
		return nil, ErrHandleClosed
	}
	return q.r.get(block, timeout)
}

// Empty reports whether no item is ready to be got.
func (q *SimpleQueue) Empty() bool { return q.r.isEmpty() }

// Close makes later Puts and Gets through this handle fail with
// ErrHandleClosed, as CPython's close() closes both pipe ends.
func (q *SimpleQueue) Close() { q.closed.Store(true) }
