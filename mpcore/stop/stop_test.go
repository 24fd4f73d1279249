package stop

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unsafe" // the test wakes a futex word directly, as another process would

	"golang.org/x/sys/unix"
)

var errCause = errors.New("stopped for the test")

// script is a goroutine bound to a Signal, as the embedding layer binds
// the goroutine that runs a script.
type script struct {
	tid  int           // its thread, to which the test locks it so that awaitSyscall can watch it
	done chan struct{} // closed when fn has returned and the Signal is unbound
}

// runBound runs fn on a new goroutine bound to s.
func runBound(s *Signal, fn func()) *script {
	sc := &script{done: make(chan struct{})}
	started := make(chan int)
	go func() {
		defer close(sc.done)
		runtime.LockOSThread() // Bind does not; see TestBindingFollowsTheGoroutine
		unbind := s.Bind()
		defer unbind()
		started <- unix.Gettid()
		fn()
	}()
	sc.tid = <-started
	return sc
}

// finished waits for sc's function to return.
func (sc *script) finished(t *testing.T) {
	t.Helper()
	select {
	case <-sc.done:
	case <-time.After(time.Minute):
		t.Fatal("the bound goroutine is still waiting")
	}
}

// awaitSyscall waits until thread tid is blocked in system call nr.
func awaitSyscall(t *testing.T, tid, nr int) {
	t.Helper()
	path := fmt.Sprintf("/proc/self/task/%d/syscall", tid)
	prefix := strconv.Itoa(nr) + " "
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); runtime.Gosched() {
		if b, err := os.ReadFile(path); err == nil && strings.HasPrefix(string(b), prefix) {
			return
		}
	}
	t.Fatalf("thread %d never blocked in system call %d", tid, nr)
}

// awaitParked waits until a goroutine is blocked in a select inside fn.
func awaitParked(t *testing.T, fn string) {
	t.Helper()
	if !parked(fn) {
		t.Fatalf("no goroutine parked in %s", fn)
	}
}

// parked is awaitParked for any goroutine: it reports whether it saw one
// within a minute.
func parked(fn string) bool {
	buf := make([]byte, 1<<20)
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); runtime.Gosched() {
		n := runtime.Stack(buf, true)
		for g := range strings.SplitSeq(string(buf[:n]), "\n\n") {
			if strings.Contains(g, " [select") && strings.Contains(g, fn+"(") {
				return true
			}
		}
	}
	return false
}

// closeWhenParked closes ch once a goroutine is parked in fn, and
// reports on missed whether none was.
func closeWhenParked(ch chan struct{}, fn string, missed *atomic.Bool) {
	go func() {
		missed.Store(!parked(fn))
		close(ch)
	}()
}

// pipe returns a pipe's read and write ends, closed at the end of the test.
func pipe(t *testing.T) (r, w int) {
	t.Helper()
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(p[0]); unix.Close(p[1]) })
	return p[0], p[1]
}

// wakeWord stores v in *addr and wakes the futex waits on it.
func wakeWord(addr *uint32, v uint32) {
	atomic.StoreUint32(addr, v)
	unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(addr)), futexWake, 1<<30, 0, 0, 0)
}

func newSignal(t *testing.T) *Signal {
	s := New()
	t.Cleanup(s.Close)
	return s
}

func TestFireWakesFutexWait(t *testing.T) {
	s := newSignal(t)
	var word uint32
	var stopped error
	sc := runBound(s, func() {
		for atomic.LoadUint32(&word) == 0 && Stopped() == nil {
			FutexWait(&word, 0, -1)
		}
		stopped = Stopped()
	})
	awaitSyscall(t, sc.tid, unix.SYS_FUTEX_WAITV)
	s.Fire(errCause)
	sc.finished(t)
	if stopped != errCause {
		t.Errorf("Stopped() in the woken wait = %v, want %v", stopped, errCause)
	}
}

func TestFireWakesPoll(t *testing.T) {
	s := newSignal(t)
	r, _ := pipe(t)
	var n int
	var err error
	sc := runBound(s, func() {
		n, err = Poll([]unix.PollFd{{Fd: int32(r), Events: unix.POLLIN}}, -1)
	})
	awaitSyscall(t, sc.tid, unix.SYS_PPOLL)
	s.Fire(errCause)
	sc.finished(t)
	if n != 0 || err != errCause {
		t.Errorf("Poll = %d, %v; want 0, %v", n, err, errCause)
	}
}

func TestFireWakesWait(t *testing.T) {
	s := newSignal(t)
	var ok bool
	var err error
	sc := runBound(s, func() { ok, err = Wait(make(chan struct{}), -1) })
	awaitParked(t, "stop.Wait")
	s.Fire(errCause)
	sc.finished(t)
	if ok || err != errCause {
		t.Errorf("Wait = %v, %v; want false, %v", ok, err, errCause)
	}
}

func TestFiredSignalStopsWaitsAtOnce(t *testing.T) {
	s := newSignal(t)
	s.Fire(errCause)
	s.Fire(errors.New("a second cause")) // the first one stays
	r, _ := pipe(t)
	sc := runBound(s, func() {
		var word uint32
		FutexWait(&word, 0, -1)
		if n, err := Poll([]unix.PollFd{{Fd: int32(r), Events: unix.POLLIN}}, -1); n != 0 || err != errCause {
			t.Errorf("Poll = %d, %v; want 0, %v", n, err, errCause)
		}
		if ok, err := Wait(nil, -1); ok || err != errCause {
			t.Errorf("Wait = %v, %v; want false, %v", ok, err, errCause)
		}
		select {
		case <-Done():
		default:
			t.Error("Done() is not closed")
		}
	})
	sc.finished(t)
}

// TestUnboundGoroutinesNotStopped fires a Signal bound to one goroutine
// and checks that the waits of another (a queue's feeder, a pool's result
// handler) sleep on, and end only when what they wait for happens.
func TestUnboundGoroutinesNotStopped(t *testing.T) {
	s := newSignal(t)
	hold := make(chan struct{})
	sc := runBound(s, func() { <-hold })
	s.Fire(errCause)
	s.Post()
	defer func() { close(hold); sc.finished(t) }()

	if Current() != nil || Stopped() != nil || Done() != nil || Posted() != nil {
		t.Fatal("the test goroutine has a Signal")
	}
	var word uint32
	tid := make(chan int)
	returned := make(chan struct{})
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		tid <- unix.Gettid()
		for atomic.LoadUint32(&word) == 0 {
			FutexWait(&word, 0, -1)
		}
		close(returned)
	}()
	awaitSyscall(t, <-tid, unix.SYS_FUTEX)
	wakeWord(&word, 1)
	<-returned

	r, w := pipe(t)
	polled := make(chan error)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		tid <- unix.Gettid()
		n, err := Poll([]unix.PollFd{{Fd: int32(r), Events: unix.POLLIN}}, -1)
		if n != 1 && err == nil {
			err = fmt.Errorf("Poll found %d ready, want 1", n)
		}
		polled <- err
	}()
	awaitSyscall(t, <-tid, unix.SYS_PPOLL)
	unix.Write(w, []byte{1})
	if err := <-polled; err != nil {
		t.Error(err)
	}

	ch := make(chan struct{})
	waited := make(chan bool)
	go func() {
		ok, _ := Wait(ch, -1)
		waited <- ok
	}()
	awaitParked(t, "stop.Wait")
	close(ch)
	if !<-waited {
		t.Error("an unbound Wait did not see its channel close")
	}
}

func TestResetRearms(t *testing.T) {
	s := newSignal(t)
	r, w := pipe(t)
	var word uint32
	step := make(chan struct{})
	var results []string
	sc := runBound(s, func() {
		// Make the eventfds before the Signal fires, so Reset must drain
		// the one that says it is fired.
		Poll([]unix.PollFd{{Fd: int32(r), Events: unix.POLLIN}}, 0)
		<-step // fired and reset meanwhile
		if Stopped() != nil {
			t.Error("Stopped() after Reset:", Stopped())
		}
		select {
		case <-Done():
			t.Error("Done() is closed after Reset")
		default:
		}
		for atomic.LoadUint32(&word) == 0 {
			FutexWait(&word, 0, -1)
		}
		n, err := Poll([]unix.PollFd{{Fd: int32(r), Events: unix.POLLIN}}, -1)
		results = append(results, fmt.Sprint(n, err))
	})
	s.Fire(errCause)
	s.Reset()
	if s.Err() != nil {
		t.Fatal("Err() after Reset:", s.Err())
	}
	close(step)
	// A re-armed Signal lets the waits sleep: each returns only when its
	// own condition comes true.
	awaitSyscall(t, sc.tid, unix.SYS_FUTEX_WAITV)
	wakeWord(&word, 1)
	awaitSyscall(t, sc.tid, unix.SYS_PPOLL)
	unix.Write(w, []byte{1})
	sc.finished(t)
	if got := strings.Join(results, ";"); got != "1 <nil>" {
		t.Errorf("Poll after Reset = %s, want 1 <nil>", got)
	}
	// And the Signal fires again.
	s.Fire(errCause)
	if s.Err() != errCause {
		t.Errorf("Err() after a second Fire = %v", s.Err())
	}
}

func TestNestedBindRestores(t *testing.T) {
	outer, inner := newSignal(t), newSignal(t)
	var missed atomic.Bool
	sc := runBound(outer, func() {
		if Current() != outer {
			t.Error("Current() is not the bound Signal")
		}
		unbind := inner.Bind()
		if Current() != inner {
			t.Error("Current() is not the inner Signal")
		}
		// A channel wait comes back bound to inner; unbind then restores
		// outer.
		if ok, _ := Wait(nil, 0); ok {
			t.Error("Wait on nil reported a delivery")
		}
		ch := make(chan struct{})
		closeWhenParked(ch, "stop.Wait", &missed)
		if ok, _ := Wait(ch, -1); !ok {
			t.Error("Wait missed its channel closing")
		}
		if Current() != inner {
			t.Error("Current() after Wait is not the inner Signal")
		}
		unbind()
		if Current() != outer {
			t.Error("unbind did not restore the outer Signal")
		}
		inner.Fire(errCause)
		if Stopped() != nil {
			t.Error("the inner Signal's Fire stopped the outer binding")
		}
	})
	sc.finished(t)
	if missed.Load() {
		t.Error("the nested Wait never parked")
	}
	if n := boundCount(); n != 0 {
		t.Errorf("%d bindings left after unbind", n)
	}
}

// boundCount counts the goroutines with a binding.
func boundCount() int {
	if m := bindings.Load(); m != nil {
		return len(*m)
	}
	return 0
}

// TestBindingFollowsTheGoroutine checks that the binding belongs to the
// goroutine, not to the OS thread it runs on (Bind does not lock it to
// one): a bound goroutine and an unbound one take turns on the same
// thread, and each time the bound one has its Signal and the other none.
func TestBindingFollowsTheGoroutine(t *testing.T) {
	// With one processor the two goroutines take their turns on one
	// thread, which a binding kept by thread would give to both.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	s := newSignal(t)
	const rounds = 100
	ping, pong := make(chan int), make(chan struct{})
	wrong := make(chan string, 2)
	shared := 0 // turns of the unbound goroutine on a thread the bound one ran on
	go func() {
		unbind := s.Bind()
		defer unbind()
		for range rounds {
			if Current() != s {
				wrong <- "the bound goroutine lost its Signal"
				return
			}
			ping <- unix.Gettid()
			if ok, _ := Wait(pong, -1); !ok {
				wrong <- "Wait did not see its channel deliver"
				return
			}
		}
		wrong <- ""
	}()
	go func() {
		for range rounds {
			if <-ping == unix.Gettid() {
				shared++
			}
			if Current() != nil {
				wrong <- "an unbound goroutine has a Signal"
				return
			}
			pong <- struct{}{}
		}
	}()
	if msg := <-wrong; msg != "" {
		t.Fatal(msg)
	}
	if shared == 0 {
		t.Error("the goroutines never took turns on one thread, so the test shows nothing")
	}
	if boundCount() != 0 {
		t.Errorf("%d bindings left after unbind", boundCount())
	}
}

// worker records the runs of a Signal's work.
type worker struct {
	runs  atomic.Int32
	bound atomic.Int32 // runs that found the Signal bound (not parked)
	then  func()       // what each run does next
}

func (w *worker) set(s *Signal) *worker {
	s.SetWork(func() {
		w.runs.Add(1)
		if Current() == s {
			w.bound.Add(1)
		}
		if w.then != nil {
			w.then()
		}
	})
	return w
}

// check says whether the work ran n times, every time on the bound
// goroutine with its binding in place.
func (w *worker) check(t *testing.T, n int32) {
	t.Helper()
	if runs, bound := w.runs.Load(), w.bound.Load(); runs != n || bound != n {
		t.Errorf("work ran %d times (%d bound), want %d", runs, bound, n)
	}
}

func TestPostRunsWorkInFutexWait(t *testing.T) {
	s := newSignal(t)
	var word uint32
	// The work makes the waited-for condition true, as a Pool callback
	// that sets an Event the script waits on.
	w := (&worker{then: func() { atomic.StoreUint32(&word, 1) }}).set(s)
	sc := runBound(s, func() {
		for atomic.LoadUint32(&word) == 0 {
			FutexWait(&word, 0, -1)
		}
	})
	awaitSyscall(t, sc.tid, unix.SYS_FUTEX_WAITV)
	s.Post()
	sc.finished(t)
	w.check(t, 1)
}

func TestPostRunsWorkInPoll(t *testing.T) {
	s := newSignal(t)
	r, wfd := pipe(t)
	served := make(chan struct{})
	w := (&worker{then: func() { close(served) }}).set(s)
	var n int
	var err error
	var revents int16
	sc := runBound(s, func() {
		fds := []unix.PollFd{{Fd: int32(r), Events: unix.POLLIN}}
		n, err = Poll(fds, -1)
		revents = fds[0].Revents
	})
	awaitSyscall(t, sc.tid, unix.SYS_PPOLL)
	s.Post()
	<-served
	// The poll goes on after the work: it ends when the pipe has input.
	awaitSyscall(t, sc.tid, unix.SYS_PPOLL)
	unix.Write(wfd, []byte{1})
	sc.finished(t)
	if n != 1 || err != nil || revents&unix.POLLIN == 0 {
		t.Errorf("Poll = %d, %v (revents %#x); want 1, nil, POLLIN", n, err, revents)
	}
	w.check(t, 1)
}

func TestPostRunsWorkInWait(t *testing.T) {
	s := newSignal(t)
	ch := make(chan struct{})
	served := make(chan struct{})
	w := (&worker{then: func() { close(served) }}).set(s)
	var ok bool
	var err error
	sc := runBound(s, func() { ok, err = Wait(ch, -1) })
	awaitParked(t, "stop.Wait")
	s.Post()
	<-served
	// The wait goes on, parked again, until its channel closes.
	awaitParked(t, "stop.Wait")
	close(ch)
	sc.finished(t)
	if !ok || err != nil {
		t.Errorf("Wait = %v, %v; want true, nil", ok, err)
	}
	w.check(t, 1)
}

// TestWaitsKeepTheirTimeout checks that a wait that ran work ends at its
// own deadline, not one restarted after each run: under work that posts
// itself again and again, a restarted timeout would never run out.
func TestWaitsKeepTheirTimeout(t *testing.T) {
	s := newSignal(t)
	r, _ := pipe(t)
	w := (&worker{then: s.Post}).set(s)
	var ok bool
	var waitErr, pollErr error
	var n int
	sc := runBound(s, func() {
		ok, waitErr = Wait(make(chan struct{}), 50*time.Millisecond)
		n, pollErr = Poll([]unix.PollFd{{Fd: int32(r), Events: unix.POLLIN}}, 50*time.Millisecond)
	})
	s.Post()
	sc.finished(t)
	if ok || waitErr != nil {
		t.Errorf("Wait = %v, %v; want false, nil", ok, waitErr)
	}
	if n != 0 || pollErr != nil {
		t.Errorf("Poll = %d, %v; want 0, nil", n, pollErr)
	}
	if w.runs.Load() < 2 {
		t.Errorf("work ran %d times, want at least once in each wait", w.runs.Load())
	}
}

func TestPostBeforeWaitRunsInTheNextWait(t *testing.T) {
	s := newSignal(t)
	w := (&worker{}).set(s)
	s.Post()
	s.Post() // before the work runs: one run
	if len(Posted()) != 0 {
		t.Error("the test goroutine sees posted work")
	}
	sc := runBound(s, func() {
		select {
		case <-Posted():
		default:
			t.Error("Posted() has no value after Post")
		}
		Serve()
		Serve() // nothing posted since
		var word uint32
		s.Post()
		FutexWait(&word, 0, -1) // runs the work, returns as a spurious wake-up
	})
	sc.finished(t)
	w.check(t, 2)
}

// TestPostDuringWorkRunsAgain checks that work posted while the work runs
// is not lost: the wait runs it again.
func TestPostDuringWorkRunsAgain(t *testing.T) {
	s := newSignal(t)
	ch := make(chan struct{})
	w := &worker{}
	w.then = func() {
		if w.runs.Load() == 1 {
			s.Post()
		} else {
			close(ch)
		}
	}
	w.set(s)
	sc := runBound(s, func() {
		if ok, _ := Wait(ch, -1); !ok {
			t.Error("Wait did not see its channel close")
		}
	})
	s.Post()
	sc.finished(t)
	w.check(t, 2)
}

// TestWorkWaitsAreStoppable checks that a wait inside the work (a callback
// that blocks) sleeps with the binding in place: Fire ends it.
func TestWorkWaitsAreStoppable(t *testing.T) {
	s := newSignal(t)
	var inner error
	w := (&worker{then: func() { _, inner = Wait(make(chan struct{}), -1) }}).set(s)
	var outer error
	sc := runBound(s, func() { _, outer = Wait(make(chan struct{}), -1) })
	s.Post()
	for w.runs.Load() == 0 {
		runtime.Gosched()
	}
	awaitParked(t, "stop.Wait") // the work's own wait, nested in the first
	s.Fire(errCause)
	sc.finished(t)
	if inner != errCause || outer != errCause {
		t.Errorf("the work's wait ended with %v and the outer wait with %v; want %v for both", inner, outer, errCause)
	}
	w.check(t, 1)
}

func TestFiredSignalRunsNoWork(t *testing.T) {
	s := newSignal(t)
	w := (&worker{}).set(s)
	s.Fire(errCause)
	s.Post()
	sc := runBound(s, func() {
		var word uint32
		FutexWait(&word, 0, -1)
		Wait(nil, -1)
		Serve()
	})
	sc.finished(t)
	w.check(t, 0)
}

func TestUnboundGoroutinesRunNoWork(t *testing.T) {
	s := newSignal(t)
	w := (&worker{}).set(s)
	hold := make(chan struct{})
	sc := runBound(s, func() { <-hold })
	defer func() { close(hold); sc.finished(t) }()
	s.Post()
	ch := make(chan struct{})
	var missed atomic.Bool
	closeWhenParked(ch, "stop.Wait", &missed)
	if ok, _ := Wait(ch, -1); !ok || missed.Load() {
		t.Error("an unbound Wait did not park until its channel closed")
	}
	var word uint32
	FutexWait(&word, 1, -1) // *addr != val: returns at once
	Serve()
	w.check(t, 0)
}
