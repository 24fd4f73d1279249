package queue

// Queue and JoinableQueue. Mirrors the Queue and JoinableQueue classes of
// CPython's Lib/multiprocessing/queues.py.

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Options configures a new Queue or JoinableQueue.
type Options struct {
	// MaxSize is how many items the queue holds before Put blocks;
	// ≤ 0 means unbounded.
	MaxSize int
	// Capacity is the size in bytes of the shared ring, rounded up to a
	// power of two; 0 means DefaultCapacity. Items larger than the ring
	// still pass, streamed through it.
	Capacity int
}

// Queue is a multi-producer, multi-consumer FIFO of byte items shared by
// processes. Put returns at once: an item the ring cannot take right now
// waits in this process's buffer, which a feeder goroutine flushes in
// order. Methods are safe for concurrent use.
type Queue struct {
	r        *ring
	joinable bool
	repr     string
	closed   atomic.Bool

	mu        sync.Mutex
	flushed   sync.Cond // signalled when the feeder stops or the join is cancelled
	buf       [][]byte  // items waiting for the feeder, in put order
	spare     [][]byte  // the feeder's previous batch, reused
	running   bool      // a feeder goroutine owns buf
	cancelled bool      // CancelJoinThread: exit does not wait for buf
	feedErr   error     // why the feeder dropped items, for the next Put and JoinThread
	run       *Run      // SetRun's, or nil
}

// NewQueue creates a Queue in a new shared-memory arena.
func NewQueue(o Options) (*Queue, error) {
	r, err := newRing(KindQueue, o.MaxSize, o.Capacity)
	if err != nil {
		return nil, err
	}
	return newQueue(r), nil
}

// AttachQueue maps the Queue another process made (see Handle).
func AttachQueue(h Handle) (*Queue, error) {
	r, err := attachRing(h, KindQueue)
	if err != nil {
		return nil, err
	}
	return newQueue(r), nil
}

func newQueue(r *ring) *Queue {
	q := &Queue{r: r, joinable: r.kind == KindJoinableQueue}
	q.flushed.L = &q.mu
	return q
}

// SetRepr sets how error messages name the queue (CPython puts the queue's
// repr in them). Call it before the queue is used by other goroutines.
func (q *Queue) SetRepr(repr string) { q.repr = repr }

// String returns the name error messages use for the queue.
func (q *Queue) String() string {
	if q.repr != "" {
		return q.repr
	}
	return fmt.Sprintf("<%s %016x>", q.r.kind, q.r.arena.ID)
}

// Handle returns what another process needs to attach the queue.
func (q *Queue) Handle() Handle { return q.r.handle() }

// MaxSize returns the queue's maxsize, 0 for unbounded.
func (q *Queue) MaxSize() int { return int(q.r.maxsize) }

// Put adds item to the queue; the queue keeps item, which the caller must
// not modify afterwards. A bounded queue holding MaxSize items (counting
// items still buffered by producers) makes Put wait, for at most timeout
// (< 0: forever) when block is true; ErrFull when it gives up. Put
// returns ErrClosed after Close, and the feeder's error once the feeder
// could not deliver an earlier item.
func (q *Queue) Put(item []byte, block bool, timeout time.Duration) error {
	if q.closed.Load() {
		return queueError(ErrClosed, "Queue %s is closed", q)
	}
	if len(item) >= maxItem {
		return ErrTooLarge
	}
	if err := q.feederError(); err != nil {
		return err
	}
	if err := q.r.reserve(block, timeout); err != nil {
		return err
	}
	if q.joinable {
		atomic.AddUint32(q.r.unfinished, 1)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.running {
		// Nothing of ours is buffered, so writing directly keeps our order.
		if ok, err := q.r.tryPut(item); ok || err != nil {
			return err
		}
		q.startFeeder()
	}
	q.buf = append(q.buf, item)
	return nil
}

// Get removes and returns the item at the head of the queue, waiting for
// one for at most timeout (< 0: forever) when block is true; ErrEmpty when
// it gives up. Get returns ErrClosed after Close.
func (q *Queue) Get(block bool, timeout time.Duration) ([]byte, error) {
	if q.closed.Load() {
		return nil, queueError(ErrClosed, "Queue %s is closed", q)
	}
	return q.r.get(block, timeout)
}

// Qsize returns the approximate number of items in the queue, counting
// items put but still buffered in a producer (as CPython does).
func (q *Queue) Qsize() int { return q.r.count() }

// Empty reports whether no item is ready to be got. Items still buffered in
// a producer do not count, as in CPython; like CPython's, the answer may be
// stale by the time the caller acts on it.
func (q *Queue) Empty() bool { return q.r.isEmpty() }

// Full reports whether a bounded queue holds MaxSize items.
func (q *Queue) Full() bool {
	return q.r.maxsize != 0 && q.r.count() >= int(q.r.maxsize)
}

// Close says this process will put no more items; buffered items are still
// flushed. Later Puts and Gets through this handle return ErrClosed.
func (q *Queue) Close() { q.closed.Store(true) }

// JoinThread waits until this process's buffered items are flushed into
// the ring, unless CancelJoinThread was called, and returns the error that
// made the feeder drop items, if one did. It fails like CPython's
// assertion when the queue has not been closed.
func (q *Queue) JoinThread() error {
	if !q.closed.Load() {
		return queueError(ErrNotClosed, "Queue %s not closed", q)
	}
	q.Flush()
	return q.feederError()
}

// feederError returns why the feeder dropped items, or nil.
func (q *Queue) feederError() error {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.feedErr
}

// CancelJoinThread makes JoinThread and Flush stop waiting for this
// process's buffered items, which are lost if the process exits first.
func (q *Queue) CancelJoinThread() {
	q.mu.Lock()
	q.cancelled = true
	q.flushed.Broadcast()
	q.mu.Unlock()
}

// JoinableQueue is a Queue whose consumers confirm each item with TaskDone,
// so that producers can Join until all work is done.
type JoinableQueue struct {
	*Queue
}

// NewJoinableQueue creates a JoinableQueue in a new shared-memory arena.
func NewJoinableQueue(o Options) (*JoinableQueue, error) {
	r, err := newRing(KindJoinableQueue, o.MaxSize, o.Capacity)
	if err != nil {
		return nil, err
	}
	return &JoinableQueue{newQueue(r)}, nil
}

// AttachJoinableQueue maps the JoinableQueue another process made.
func AttachJoinableQueue(h Handle) (*JoinableQueue, error) {
	r, err := attachRing(h, KindJoinableQueue)
	if err != nil {
		return nil, err
	}
	return &JoinableQueue{newQueue(r)}, nil
}

// TaskDone says that an item got from the queue has been dealt with. It
// returns ErrTooManyTaskDone when called more times than items were put.
func (q *JoinableQueue) TaskDone() error { return q.r.taskDone() }

// Join waits until every item put has been confirmed with TaskDone, for at
// most timeout (< 0: forever), and reports whether that happened. Put
// counts an item before it returns, so a Join after a Put waits for it.
func (q *JoinableQueue) Join(timeout time.Duration) bool {
	done := func() bool { return atomic.LoadUint32(q.r.unfinished) == 0 }
	c := limit(timeout)
	return done() || q.r.joinEv.wait(done, &c)
}

// taskDone uncounts one unfinished task, waking Join at zero.
func (r *ring) taskDone() error {
	for {
		n := atomic.LoadUint32(r.unfinished)
		if n == 0 {
			return ErrTooManyTaskDone
		}
		if atomic.CompareAndSwapUint32(r.unfinished, n, n-1) {
			if n == 1 {
				r.joinEv.notify()
			}
			return nil
		}
	}
}
