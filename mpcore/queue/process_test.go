package queue

// Tests across real processes: the test binary re-executes itself as the
// child, selected by the QUEUE_TEST_CHILD environment variable, and receives
// the queue's arena as descriptor 3 (exec.Cmd.ExtraFiles).

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/mpstar/mpstar/mpcore/internal/childtest"
)

const (
	childEnv  = "QUEUE_TEST_CHILD" // the child's role
	argsEnv   = "QUEUE_TEST_ARGS"  // its integer arguments, space-separated
	handleEnv = "QUEUE_TEST_HANDLE"
	gateEnv   = "QUEUE_TEST_GATE" // "true": read a byte from stdin before starting
	arenaFD   = 3                 // where the child finds the arena
	reportFD  = 4                 // where a child that reports finds its pipe
)

func TestMain(m *testing.M) { childtest.Main(m, childEnv, runChild) }

// child is a running test child.
type child struct {
	role   string
	cmd    *exec.Cmd
	stdout *bufio.Reader // what the child writes to stdout
	report *os.File      // read end of the child's report pipe, or nil
	gate   *os.File      // the child's stdin, for a gated child
}

// How a child is started.
const (
	withReport = 1 << iota // a report pipe as descriptor 4
	withGate               // the child waits for a byte on stdin before its role
)

// startChild runs the test binary as role with integer args, carrying h's
// arena, with the pipes flags ask for. The child is killed when the test
// ends.
func startChild(tb testing.TB, role string, h Handle, flags int, args ...int) *child {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	strs := make([]string, len(args))
	for i, a := range args {
		strs[i] = strconv.Itoa(a)
	}
	cmd := childtest.Command(ctx, childEnv, role, argsEnv+"="+strings.Join(strs, " "),
		fmt.Sprintf("%s=%d %d", handleEnv, h.Kind, h.ArenaID),
		// Under -race a child would otherwise linger a second at exit.
		"GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"), fmt.Sprintf("%s=%t", gateEnv, flags&withGate != 0))
	fd, err := unix.Dup(h.FD)
	if err != nil {
		tb.Fatal(err)
	}
	arena := os.NewFile(uintptr(fd), "arena")
	defer arena.Close()
	cmd.ExtraFiles = []*os.File{arena}
	c := &child{role: role, cmd: cmd}
	if flags&withReport != 0 {
		r, w, err := os.Pipe()
		if err != nil {
			tb.Fatal(err)
		}
		defer w.Close()
		cmd.ExtraFiles = append(cmd.ExtraFiles, w)
		c.report = r
		tb.Cleanup(func() { r.Close() })
	}
	if flags&withGate != 0 {
		r, w, err := os.Pipe()
		if err != nil {
			tb.Fatal(err)
		}
		defer r.Close()
		cmd.Stdin = r
		c.gate = w
		tb.Cleanup(func() { w.Close() })
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	c.stdout = bufio.NewReader(out)
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		cancel()
		cmd.Process.Kill()
		cmd.Wait()
	})
	return c
}

// wait waits for the child to exit with status 0.
func (c *child) wait(tb testing.TB) {
	tb.Helper()
	if err := c.cmd.Wait(); err != nil {
		tb.Fatalf("child %s: %v", c.role, err)
	}
}

// kill SIGKILLs the child and reaps it.
func (c *child) kill() {
	c.cmd.Process.Kill()
	c.cmd.Wait()
}

// readPairs reads (producer, seq) pairs of 8 bytes until EOF.
func readPairs(r io.Reader) ([][2]uint32, error) {
	var pairs [][2]uint32
	var buf [8]byte
	for {
		if _, err := io.ReadFull(r, buf[:]); err == io.EOF {
			return pairs, nil
		} else if err != nil {
			return pairs, err
		}
		pairs = append(pairs, [2]uint32{binary.LittleEndian.Uint32(buf[:]), binary.LittleEndian.Uint32(buf[4:])})
	}
}

// ---- the children ----

// runChild runs the child role and returns its exit status.
func runChild(role string) int {
	var args []int
	for _, f := range strings.Fields(os.Getenv(argsEnv)) {
		n, _ := strconv.Atoi(f)
		args = append(args, n)
	}
	var h Handle
	fmt.Sscan(os.Getenv(handleEnv), &h.Kind, &h.ArenaID)
	h.FD = arenaFD
	if os.Getenv(gateEnv) == "true" {
		os.Stdin.Read(make([]byte, 1))
	}
	if err := childRoles[role](h, args); err != nil {
		fmt.Fprintf(os.Stderr, "child %s: %v\n", role, err)
		return 1
	}
	return 0
}

// attachAny attaches a Queue or a JoinableQueue's Queue.
func attachAny(h Handle) (*Queue, error) {
	if h.Kind == KindJoinableQueue {
		jq, err := AttachJoinableQueue(h)
		if err != nil {
			return nil, err
		}
		return jq.Queue, nil
	}
	return AttachQueue(h)
}

// Exit modes of the producer.
const (
	exitFlush  = iota // Flush, as the process exit hook does
	exitJoin          // Close and JoinThread
	exitCancel        // CancelJoinThread, then exit at once
)

var childRoles = map[string]func(h Handle, args []int) error{
	// produce id count size exitMode [sentinel]: put item(id, 0..count-1,
	// size), then an empty item if sentinel is 1.
	"produce": func(h Handle, args []int) error {
		q, err := attachAny(h)
		if err != nil {
			return err
		}
		id, count, size := uint32(args[0]), args[1], args[2]
		for i := range count {
			if err := q.Put(item(id, uint32(i), size), true, -1); err != nil {
				return err
			}
		}
		if len(args) > 4 && args[4] == 1 {
			if err := q.Put(nil, true, -1); err != nil {
				return err
			}
		}
		switch args[3] {
		case exitFlush:
			q.Flush()
		case exitJoin:
			q.Close()
			return q.JoinThread()
		case exitCancel:
			q.CancelJoinThread()
			os.Stdout.Write([]byte("x"))
		}
		return nil
	},
	// simpleproduce count size: put item(0, 0..count-1, size) on a SimpleQueue.
	"simpleproduce": func(h Handle, args []int) error {
		q, err := AttachSimpleQueue(h)
		if err != nil {
			return err
		}
		for i := range args[0] {
			if err := q.Put(item(0, uint32(i), args[1])); err != nil {
				return err
			}
		}
		return nil
	},
	// consume: get until an empty item, writing each (producer, seq) to stdout.
	"consume": func(h Handle, args []int) error {
		q, err := attachAny(h)
		if err != nil {
			return err
		}
		w := bufio.NewWriter(os.Stdout)
		defer w.Flush()
		for {
			b, err := q.Get(true, 30*time.Second)
			if err != nil {
				return err
			}
			if len(b) == 0 {
				return nil
			}
			w.Write(b[:8])
		}
	},
	// victim: get until an empty item, reporting each item on the report
	// pipe before getting the next. The test may kill it at any moment.
	"victim": func(h Handle, args []int) error {
		q, err := attachAny(h)
		if err != nil {
			return err
		}
		report := os.NewFile(reportFD, "report")
		for {
			b, err := q.Get(true, 30*time.Second)
			if err != nil || len(b) == 0 {
				return err
			}
			if len(b) < 8 || !bytes.Equal(b, item(binary.LittleEndian.Uint32(b), binary.LittleEndian.Uint32(b[4:]), len(b))) {
				return fmt.Errorf("corrupt item of %d bytes", len(b))
			}
			if _, err := report.Write(b[:8]); err != nil {
				return err
			}
		}
	},
	// syncproduce id count bigEvery bigSize: put item(id, 0..count-1),
	// each of 16 bytes but every bigEvery-th of bigSize, writing each to
	// the ring before reporting it on the report pipe, so that a reported
	// item is known to be complete. The test may kill it at any moment.
	"syncproduce": func(h Handle, args []int) error {
		q, err := attachAny(h)
		if err != nil {
			return err
		}
		report := os.NewFile(reportFD, "report")
		id, count, every, big := uint32(args[0]), args[1], args[2], args[3]
		for i := range count {
			size := 16
			if i%every == every/2 {
				size = big
			}
			b := item(id, uint32(i), size)
			if err := q.r.putAll([][]byte{b}); err != nil {
				return err
			}
			if _, err := report.Write(b[:8]); err != nil {
				return err
			}
		}
		return nil
	},
	// holdlock get|put: take the queue's get or put lock, write a byte to
	// stdout, and wait to be killed.
	"holdlock": func(h Handle, args []int) error {
		q, err := attachAny(h)
		if err != nil {
			return err
		}
		lock := q.r.getLock
		if args[0] == 1 {
			lock = q.r.putLock
		}
		lock.Acquire(true, -1)
		os.Stdout.Write([]byte("x"))
		time.Sleep(time.Minute)
		return nil
	},
	// joinconsume: get until an empty item, calling TaskDone for each
	// (the empty one too), then once more, and write the error to stdout.
	"joinconsume": func(h Handle, args []int) error {
		q, err := AttachJoinableQueue(h)
		if err != nil {
			return err
		}
		var sum uint64
		for {
			b, err := q.Get(true, 30*time.Second)
			if err != nil {
				return err
			}
			if err := q.TaskDone(); err != nil {
				return err
			}
			if len(b) == 0 {
				break
			}
			_, seq := binary.LittleEndian.Uint32(b), binary.LittleEndian.Uint32(b[4:])
			sum += uint64(seq)
		}
		fmt.Printf("%d %v", sum, q.TaskDone())
		return nil
	},
}

// ---- the tests ----

func TestFIFOAcrossProcesses(t *testing.T) {
	q, err := NewQueue(Options{Capacity: 1 << 16})
	if err != nil {
		t.Fatal(err)
	}
	const n = 100000
	p := startChild(t, "produce", q.Handle(), 0, 7, n, 8, exitJoin)
	for i := range n {
		b, err := q.Get(true, 20*time.Second)
		if err != nil {
			t.Fatalf("get %d: %v", i, err)
		}
		if id, seq := checkItem(t, b); id != 7 || seq != uint32(i) {
			t.Fatalf("got (%d, %d), want (7, %d)", id, seq, i)
		}
	}
	p.wait(t)
	if !q.Empty() || q.Qsize() != 0 {
		t.Fatalf("after draining: Empty %v, Qsize %d", q.Empty(), q.Qsize())
	}
}

func TestMPMCAcrossProcesses(t *testing.T) {
	q, err := NewQueue(Options{Capacity: 1 << 14})
	if err != nil {
		t.Fatal(err)
	}
	const producers, consumers, per = 4, 4, 50000
	var cs []*child
	results := make(chan [][2]uint32, consumers)
	for range consumers {
		c := startChild(t, "consume", q.Handle(), 0)
		cs = append(cs, c)
		go func() {
			pairs, err := readPairs(c.stdout)
			if err != nil {
				t.Error(err)
			}
			results <- pairs
		}()
	}
	var ps []*child
	for p := range producers {
		ps = append(ps, startChild(t, "produce", q.Handle(), 0, p, per, 8+p*7, exitFlush))
	}
	for _, p := range ps {
		p.wait(t)
	}
	for range consumers {
		if err := q.Put(nil, true, -1); err != nil {
			t.Fatal(err)
		}
	}
	seen := make([][]bool, producers)
	for p := range seen {
		seen[p] = make([]bool, per)
	}
	total := 0
	for range consumers {
		pairs := <-results
		last := make([]int64, producers)
		for p := range last {
			last[p] = -1
		}
		for _, pr := range pairs {
			p, s := pr[0], pr[1]
			if p >= producers || s >= per || seen[p][s] {
				t.Fatalf("item (%d, %d) unexpected or received twice", p, s)
			}
			if int64(s) <= last[p] {
				t.Fatalf("a consumer got producer %d's item %d after %d", p, s, last[p])
			}
			seen[p][s], last[p] = true, int64(s)
		}
		total += len(pairs)
	}
	for _, c := range cs {
		c.wait(t)
	}
	if total != producers*per {
		t.Fatalf("received %d items, want %d", total, producers*per)
	}
}

func TestConsumerKilledWhileWaiting(t *testing.T) {
	q, err := NewQueue(Options{Capacity: 1 << 14})
	if err != nil {
		t.Fatal(err)
	}
	v := startChild(t, "victim", q.Handle(), withReport)
	const first, total = 500, 2000
	for i := range first {
		q.Put(item(0, uint32(i), 8), true, -1)
	}
	reported := make(chan [][2]uint32)
	go func() {
		pairs, _ := readPairs(v.report)
		reported <- pairs
	}()
	// The victim is asleep in Get once the queue is empty and the data
	// event's flag is raised.
	childtest.Until(t, "the victim sleeps in Get", func() bool {
		return q.Empty() && atomic.LoadUint32(q.r.dataEv.flag) == 1
	})
	v.kill()
	victimGot := <-reported
	if len(victimGot) != first {
		t.Fatalf("victim reported %d items, want %d", len(victimGot), first)
	}
	for i := first; i < total; i++ {
		q.Put(item(0, uint32(i), 8), true, -1)
	}
	for i := first; i < total; i++ {
		b, err := q.Get(true, 10*time.Second)
		if err != nil {
			t.Fatalf("get after the victim died: %v", err)
		}
		if _, seq := checkItem(t, b); seq != uint32(i) {
			t.Fatalf("got %d, want %d", seq, i)
		}
	}
}

func TestConsumerKilledAmidStream(t *testing.T) {
	// Consumers are killed at random moments while producers and a
	// survivor carry on. Every item must be received by the survivor or
	// reported by a victim, except the one a victim may have taken and not
	// yet reported; none twice.
	q, err := NewQueue(Options{Capacity: 1 << 14})
	if err != nil {
		t.Fatal(err)
	}
	const per = 60000
	survivor := startChild(t, "consume", q.Handle(), 0)
	got := make(chan [][2]uint32, 1)
	go func() {
		pairs, err := readPairs(survivor.stdout)
		if err != nil {
			t.Error(err)
		}
		got <- pairs
	}()
	// The victims wait for items before the producer starts; each is
	// killed once it has taken one, while the others carry on.
	var firsts, rests []chan [][2]uint32
	var vs []*child
	for range 3 {
		v := startChild(t, "victim", q.Handle(), withReport)
		first, rest := make(chan [][2]uint32, 1), make(chan [][2]uint32, 1)
		go func() {
			one, _ := readPairs(io.LimitReader(v.report, 8))
			first <- one
			more, _ := readPairs(v.report)
			rest <- append(one, more...)
		}()
		vs, firsts, rests = append(vs, v), append(firsts, first), append(rests, rest)
	}
	p := startChild(t, "produce", q.Handle(), 0, 0, per, 16, exitFlush)
	var victims [][][2]uint32
	for i, v := range vs {
		select {
		case <-firsts[i]:
		case <-time.After(2 * time.Second): // the others took everything
		}
		v.kill()
		victims = append(victims, <-rests[i])
	}
	p.wait(t)
	q.Put(nil, true, -1)
	seen := make([]int, per)
	for _, pr := range <-got {
		seen[pr[1]]++
	}
	for _, pairs := range victims {
		for _, pr := range pairs {
			seen[pr[1]]++
		}
	}
	lost := 0
	for s, n := range seen {
		switch {
		case n > 1:
			t.Fatalf("item %d received %d times", s, n)
		case n == 0:
			lost++
		}
	}
	t.Logf("victims took %d, %d, %d items; %d lost in flight", len(victims[0]), len(victims[1]), len(victims[2]), lost)
	if lost > len(victims) {
		t.Fatalf("%d items lost, more than one per killed consumer", lost)
	}
}

func TestConsumerKilledHoldingGetLock(t *testing.T) {
	q, err := NewQueue(Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		q.Put(item(0, uint32(i), 100), true, -1)
	}
	h := startChild(t, "holdlock", q.Handle(), 0, 0)
	if _, err := h.stdout.ReadByte(); err != nil {
		t.Fatal(err)
	}
	h.kill()
	for i := range 3 {
		// Without blocking, too: the lock of a dead holder is taken over.
		b, err := q.Get(i != 0, 5*time.Second)
		if err != nil {
			t.Fatalf("get %d after the lock holder died: %v", i, err)
		}
		if _, seq := checkItem(t, b); seq != uint32(i) {
			t.Fatalf("got %d, want %d", seq, i)
		}
	}
}

func TestProducerKilledHoldingPutLock(t *testing.T) {
	q, err := NewQueue(Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := startChild(t, "holdlock", q.Handle(), 0, 1)
	if _, err := h.stdout.ReadByte(); err != nil {
		t.Fatal(err)
	}
	h.kill()
	if err := q.Put(item(0, 1, 10), true, -1); err != nil {
		t.Fatal(err)
	}
	if b, err := q.Get(true, 5*time.Second); err != nil || len(b) != 10 {
		t.Fatalf("get after the put lock holder died: %v", err)
	}
}

func TestLargeItemsAcrossProcesses(t *testing.T) {
	q, err := NewQueue(Options{Capacity: 8192})
	if err != nil {
		t.Fatal(err)
	}
	sizes := []int{100000, 8, 8192, 8184, 3000, 250000}
	var ps []*child
	for i, size := range sizes {
		ps = append(ps, startChild(t, "produce", q.Handle(), 0, i, 3, size, exitJoin))
	}
	next := make([]uint32, len(sizes))
	for range 3 * len(sizes) {
		b, err := q.Get(true, 20*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		id, seq := checkItem(t, b)
		if len(b) != sizes[id] || seq != next[id] {
			t.Fatalf("producer %d: got item %d of %d bytes, want item %d of %d", id, seq, len(b), next[id], sizes[id])
		}
		next[id]++
	}
	for _, p := range ps {
		p.wait(t)
	}
}

func TestBoundedAcrossProcesses(t *testing.T) {
	q, err := NewQueue(Options{MaxSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	// The producer puts 10 items into a queue of 3: it blocks until we get.
	p := startChild(t, "produce", q.Handle(), 0, 1, 10, 8, exitJoin)
	childtest.Until(t, "the queue is full", q.Full)
	if q.Qsize() != 3 {
		t.Fatalf("Qsize of a full queue: %d", q.Qsize())
	}
	if err := q.Put(item(9, 0, 8), false, 0); !errors.Is(err, ErrFull) {
		t.Fatalf("Put on a full queue: %v", err)
	}
	for i := range 10 {
		b, err := q.Get(true, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if _, seq := checkItem(t, b); seq != uint32(i) {
			t.Fatalf("got %d, want %d", seq, i)
		}
		if n := q.Qsize(); n > 3 {
			t.Fatalf("Qsize %d exceeds maxsize", n)
		}
	}
	p.wait(t)
}

func TestJoinableAcrossProcesses(t *testing.T) {
	jq, err := NewJoinableQueue(Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := startChild(t, "joinconsume", jq.Handle(), 0)
	const n = 20000
	for i := range n {
		jq.Put(item(0, uint32(i), 8), true, -1)
	}
	jq.Put(nil, true, -1)
	if !jq.Join(20 * time.Second) {
		t.Fatal("Join timed out")
	}
	out, err := io.ReadAll(c.stdout)
	if err != nil {
		t.Fatal(err)
	}
	c.wait(t)
	if want := fmt.Sprintf("%d task_done() called too many times", n*(n-1)/2); string(out) != want {
		t.Fatalf("consumer says %q, want %q", out, want)
	}
}

func TestExitFlushesBufferedItems(t *testing.T) {
	// The producer puts 200 KiB into a 4 KiB ring nobody reads yet: most
	// stays buffered, and Flush at exit must wait until we read it.
	q, err := NewQueue(Options{Capacity: minCapacity})
	if err != nil {
		t.Fatal(err)
	}
	const n = 2000
	p := startChild(t, "produce", q.Handle(), 0, 0, n, 100, exitFlush)
	for i := range n {
		b, err := q.Get(true, 10*time.Second)
		if err != nil {
			t.Fatalf("get %d: %v", i, err)
		}
		if _, seq := checkItem(t, b); seq != uint32(i) {
			t.Fatalf("got %d, want %d", seq, i)
		}
	}
	p.wait(t)
}

func TestCancelJoinThreadDropsBufferedItems(t *testing.T) {
	q, err := NewQueue(Options{Capacity: minCapacity})
	if err != nil {
		t.Fatal(err)
	}
	const n = 2000
	p := startChild(t, "produce", q.Handle(), 0, 0, n, 100, exitCancel)
	if _, err := p.stdout.ReadByte(); err != nil {
		t.Fatal(err)
	}
	p.wait(t) // exits without waiting for its buffer
	got := 0
	for {
		b, err := q.Get(false, 0)
		if errors.Is(err, ErrEmpty) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if _, seq := checkItem(t, b); seq != uint32(got) {
			t.Fatalf("got %d, want %d", seq, got)
		}
		got++
	}
	if got == 0 || got >= n {
		t.Fatalf("got %d of %d items; want only those that fitted the ring", got, n)
	}
	if q.Qsize() != n-got {
		// The lost items were counted by Put and never taken, as in CPython.
		t.Fatalf("Qsize after the producer's buffer was lost: %d, want %d", q.Qsize(), n-got)
	}
}

func TestSimpleQueueAcrossProcesses(t *testing.T) {
	q, err := NewSimpleQueue(minCapacity)
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []int{8, 10000} { // within the ring, and streamed
		const n = 200
		p := startChild(t, "simpleproduce", q.Handle(), 0, n, size)
		for i := range n {
			b, err := q.Get(true, 10*time.Second)
			if err != nil {
				t.Fatalf("get %d: %v", i, err)
			}
			if _, seq := checkItem(t, b); seq != uint32(i) || len(b) != size {
				t.Fatalf("got item %d of %d bytes, want %d of %d", seq, len(b), i, size)
			}
		}
		p.wait(t)
		if !q.Empty() {
			t.Fatal("Empty is false after draining")
		}
	}
}
