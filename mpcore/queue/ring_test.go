package queue

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// item makes the test item for (producer, seq), padded to size bytes.
func item(producer, seq uint32, size int) []byte {
	b := make([]byte, max(size, 8))
	binary.LittleEndian.PutUint32(b, producer)
	binary.LittleEndian.PutUint32(b[4:], seq)
	for i := 8; i < len(b); i++ {
		b[i] = byte(int(seq) + i)
	}
	return b
}

// checkItem verifies an item made by item and returns its producer and seq.
func checkItem(t testing.TB, b []byte) (producer, seq uint32) {
	t.Helper()
	if len(b) < 8 {
		t.Fatalf("item of %d bytes", len(b))
	}
	producer, seq = binary.LittleEndian.Uint32(b), binary.LittleEndian.Uint32(b[4:])
	if want := item(producer, seq, len(b)); !bytes.Equal(b, want) {
		t.Fatalf("item (%d, %d) of %d bytes is corrupt", producer, seq, len(b))
	}
	return producer, seq
}

func TestFIFOInProcess(t *testing.T) {
	q, err := NewQueue(Options{Capacity: minCapacity})
	if err != nil {
		t.Fatal(err)
	}
	sizes := []int{8, 100, 1000, 5000, 20000, 8, 4090, 4096, 12345}
	const n = 3000
	go func() {
		for i := range n {
			if err := q.Put(item(1, uint32(i), sizes[i%len(sizes)]), true, -1); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for i := range n {
		b, err := q.Get(true, 10*time.Second)
		if err != nil {
			t.Fatalf("get %d: %v", i, err)
		}
		if _, seq := checkItem(t, b); seq != uint32(i) || len(b) != max(sizes[i%len(sizes)], 8) {
			t.Fatalf("got seq %d (%d bytes), want %d", seq, len(b), i)
		}
	}
	if !q.Empty() || q.Qsize() != 0 {
		t.Fatalf("after draining: Empty %v, Qsize %d", q.Empty(), q.Qsize())
	}
}

func TestMPMCInProcess(t *testing.T) {
	q, err := NewQueue(Options{Capacity: 8192})
	if err != nil {
		t.Fatal(err)
	}
	const producers, consumers, per = 4, 4, 20000
	var wg sync.WaitGroup
	for p := range producers {
		wg.Go(func() {
			for i := range per {
				if err := q.Put(item(uint32(p), uint32(i), 8+i%50), true, -1); err != nil {
					t.Error(err)
				}
			}
		})
	}
	seen := make([][]bool, producers)
	for p := range seen {
		seen[p] = make([]bool, per)
	}
	var mu sync.Mutex
	var cw sync.WaitGroup
	for range consumers {
		cw.Go(func() {
			last := make([]int, producers)
			for p := range last {
				last[p] = -1
			}
			for {
				b, err := q.Get(true, 10*time.Second)
				if err != nil {
					t.Error(err)
					return
				}
				if len(b) == 0 {
					return
				}
				p, s := checkItem(t, b)
				if int(s) <= last[p] {
					t.Errorf("producer %d: seq %d after %d", p, s, last[p])
				}
				last[p] = int(s)
				mu.Lock()
				if seen[p][s] {
					t.Errorf("item (%d, %d) twice", p, s)
				}
				seen[p][s] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for range consumers {
		q.Put(nil, true, -1)
	}
	cw.Wait()
	for p := range seen {
		for s, ok := range seen[p] {
			if !ok {
				t.Fatalf("item (%d, %d) lost", p, s)
			}
		}
	}
}

func TestBoundedInProcess(t *testing.T) {
	q, err := NewQueue(Options{MaxSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	if q.Full() || !q.Empty() || q.Qsize() != 0 {
		t.Fatalf("new queue: Full %v Empty %v Qsize %d", q.Full(), q.Empty(), q.Qsize())
	}
	for i := range 2 {
		if err := q.Put(item(0, uint32(i), 8), false, 0); err != nil {
			t.Fatal(err)
		}
	}
	if !q.Full() || q.Empty() || q.Qsize() != 2 {
		t.Fatalf("full queue: Full %v Empty %v Qsize %d", q.Full(), q.Empty(), q.Qsize())
	}
	if err := q.Put(item(0, 2, 8), false, 0); !errors.Is(err, ErrFull) {
		t.Fatalf("Put(block=false) on a full queue: %v, want ErrFull", err)
	}
	start := time.Now()
	if err := q.Put(item(0, 2, 8), true, 50*time.Millisecond); !errors.Is(err, ErrFull) {
		t.Fatalf("Put(timeout) on a full queue: %v, want ErrFull", err)
	}
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Fatalf("Put(timeout=50ms) gave up after %v", d)
	}
	done := make(chan error)
	go func() { done <- q.Put(item(0, 2, 8), true, 10*time.Second) }()
	if b, err := q.Get(true, time.Second); err != nil || binary.LittleEndian.Uint32(b[4:]) != 0 {
		t.Fatalf("Get: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("blocked Put after a Get: %v", err)
	}
	for i := 1; i <= 2; i++ {
		b, err := q.Get(false, 0)
		if err != nil || binary.LittleEndian.Uint32(b[4:]) != uint32(i) {
			t.Fatalf("Get %d: %v", i, err)
		}
	}
	if _, err := q.Get(false, 0); !errors.Is(err, ErrEmpty) {
		t.Fatalf("Get(block=false) on an empty queue: %v, want ErrEmpty", err)
	}
	start = time.Now()
	if _, err := q.Get(true, 30*time.Millisecond); !errors.Is(err, ErrEmpty) || time.Since(start) < 30*time.Millisecond {
		t.Fatalf("Get(timeout=30ms) on an empty queue: %v after %v", err, time.Since(start))
	}
}

func TestMisuseErrors(t *testing.T) {
	q, err := NewQueue(Options{})
	if err != nil {
		t.Fatal(err)
	}
	q.SetRepr("<multiprocessing.queues.Queue object at 0x1>")
	if err := q.JoinThread(); !errors.Is(err, ErrNotClosed) || err.Error() != "Queue <multiprocessing.queues.Queue object at 0x1> not closed" {
		t.Fatalf("JoinThread before Close: %v", err)
	}
	q.Close()
	if err := q.JoinThread(); err != nil {
		t.Fatalf("JoinThread after Close: %v", err)
	}
	err = q.Put([]byte("x"), true, -1)
	var qe *Error
	if !errors.Is(err, ErrClosed) || !errors.As(err, &qe) || qe.Kind != "ValueError" ||
		err.Error() != "Queue <multiprocessing.queues.Queue object at 0x1> is closed" {
		t.Fatalf("Put after Close: %v", err)
	}
	if _, err := q.Get(false, 0); !errors.Is(err, ErrClosed) {
		t.Fatalf("Get after Close: %v", err)
	}

	jq, err := NewJoinableQueue(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := jq.TaskDone(); err != ErrTooManyTaskDone || err.Error() != "task_done() called too many times" {
		t.Fatalf("TaskDone on a fresh queue: %v", err)
	}
	if !jq.Join(0) {
		t.Fatal("Join on a fresh queue waits")
	}
	jq.Put([]byte("a"), true, -1)
	if jq.Join(10 * time.Millisecond) {
		t.Fatal("Join returned with a task unfinished")
	}
	jq.Get(true, -1)
	if err := jq.TaskDone(); err != nil || !jq.Join(time.Second) {
		t.Fatalf("TaskDone: %v", err)
	}

	sq, err := NewSimpleQueue(0)
	if err != nil {
		t.Fatal(err)
	}
	sq.Close()
	if err := sq.Put([]byte("x")); err != ErrHandleClosed || err.Error() != "handle is closed" {
		t.Fatalf("SimpleQueue.Put after Close: %v", err)
	}

	if _, err := AttachSimpleQueue(q.Handle()); err == nil {
		t.Fatal("a Queue attached as a SimpleQueue")
	}
	if !strings.HasPrefix(sq.String(), "<SimpleQueue ") {
		t.Fatalf("SimpleQueue.String: %q", sq.String())
	}
}

func TestFeederErrorReachesTheCaller(t *testing.T) {
	// Items the feeder cannot deliver are not dropped silently: the next
	// Put and JoinThread of the process return why.
	q, err := NewQueue(Options{Capacity: minCapacity})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 100 { // more than the ring holds: the feeder waits for room
		if err := q.Put(item(0, uint32(i), 100), true, -1); err != nil {
			t.Fatal(err)
		}
	}
	q.r.breakQueue()
	q.Close()
	if err := q.JoinThread(); !errors.Is(err, ErrBroken) {
		t.Fatalf("JoinThread after the feeder failed: %v, want ErrBroken", err)
	}
	q.closed.Store(false)
	if err := q.Put(item(0, 100, 8), true, -1); !errors.Is(err, ErrBroken) {
		t.Fatalf("Put after the feeder failed: %v, want ErrBroken", err)
	}
}
