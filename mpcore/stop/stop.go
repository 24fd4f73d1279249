package stop

import (
	"math"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Signal stops the blocking waits of the threads bound to it. Its methods
// are safe for concurrent use.
type Signal struct {
	// word is 1 while the Signal is fired; futex waits sleep on it beside
	// their own word. (The Go heap never moves it.)
	word uint32

	mu    sync.Mutex
	cause error         // why it fired; nil while armed
	done  chan struct{} // closed when it fires
	efd   int           // eventfd, readable while fired; -1 until a Poll needs it
}

// New returns an armed Signal.
func New() *Signal { return &Signal{done: make(chan struct{}), efd: -1} }

// Fire stops every wait under s, now and until Reset, for cause (which
// must not be nil). Firing a fired Signal keeps the first cause.
func (s *Signal) Fire(cause error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cause != nil {
		return
	}
	s.cause = cause
	atomic.StoreUint32(&s.word, 1)
	unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(&s.word)), futexWake|futexPrivate, math.MaxInt32, 0, 0, 0)
	close(s.done)
	if s.efd >= 0 {
		unix.Write(s.efd, []byte{1, 0, 0, 0, 0, 0, 0, 0})
	}
}

// Reset arms a fired Signal again: the REPL's next chunk runs normally
// after a KeyboardInterrupt.
func (s *Signal) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cause == nil {
		return
	}
	s.cause = nil
	atomic.StoreUint32(&s.word, 0)
	s.done = make(chan struct{})
	if s.efd >= 0 {
		var b [8]byte
		unix.Read(s.efd, b[:])
	}
}

// Err returns the cause s fired for, or nil while it is armed.
func (s *Signal) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cause
}

// Done returns a channel closed when s fires.
func (s *Signal) Done() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.done
}

// Close releases the eventfd. s must not be used afterwards.
func (s *Signal) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.efd >= 0 {
		unix.Close(s.efd)
		s.efd = -1
	}
}

// eventFD returns the eventfd that is readable while s is fired, making
// it on first use.
func (s *Signal) eventFD() (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.efd < 0 {
		fd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
		if err != nil {
			return -1, err
		}
		s.efd = fd
		if s.cause != nil {
			unix.Write(fd, []byte{1, 0, 0, 0, 0, 0, 0, 0})
		}
	}
	return s.efd, nil
}

// bound maps the id of each OS thread that runs a script to its binding.
var bound sync.Map // int -> *binding

// binding is a Signal bound to a goroutine, and the one its Bind replaced
// (nested binds), so unbind restores it.
type binding struct {
	sig   *Signal
	outer *binding
	locks int // the goroutine's LockOSThread calls made by its Binds
}

// Bind makes s the Signal of the calling goroutine's waits until unbind is
// called (on the same goroutine), locking the goroutine to its OS thread
// meanwhile. Binds nest: unbind restores the Signal bound before.
func (s *Signal) Bind() (unbind func()) {
	runtime.LockOSThread()
	b := &binding{sig: s, locks: 1}
	if prev, ok := bound.Load(unix.Gettid()); ok {
		b.outer = prev.(*binding)
		b.locks += b.outer.locks
	}
	bound.Store(unix.Gettid(), b)
	return func() {
		// The thread may differ from Bind's: Wait lets go of it while
		// parked.
		tid := unix.Gettid()
		if b.outer != nil {
			bound.Store(tid, b.outer)
		} else {
			bound.Delete(tid)
		}
		runtime.UnlockOSThread()
	}
}

// current returns the binding of the calling goroutine, or nil.
func current() *binding {
	b, _ := bound.Load(unix.Gettid())
	bb, _ := b.(*binding)
	return bb
}

// park lets go of the calling goroutine's OS thread while it waits on a Go
// channel: a locked goroutine that parks in the scheduler is woken by a
// hand-off to its own thread, a context switch on every wake-up that
// doubled the latency of pool results and process joins. unpark locks the
// goroutine to whatever thread it then runs on and moves the binding
// there.
func (b *binding) park() (unpark func()) {
	bound.Delete(unix.Gettid())
	for range b.locks {
		runtime.UnlockOSThread()
	}
	return func() {
		for range b.locks {
			runtime.LockOSThread()
		}
		bound.Store(unix.Gettid(), b)
	}
}

// Current returns the Signal bound to the calling goroutine, or nil. (An
// unbound goroutine never runs on a bound thread: Bind locks the thread to
// the goroutine that bound it.)
func Current() *Signal {
	if b := current(); b != nil {
		return b.sig
	}
	return nil
}

// Stopped returns the cause the calling goroutine's Signal fired for, or
// nil when it has none or it is armed.
func Stopped() error {
	if s := Current(); s != nil {
		return s.Err()
	}
	return nil
}

// Done returns a channel closed when the calling goroutine's Signal
// fires, for a select over several channels; nil (never ready) when the
// goroutine has no Signal.
func Done() <-chan struct{} {
	if s := Current(); s != nil {
		return s.Done()
	}
	return nil
}

// futexWaitv is struct futex_waitv of futex_waitv(2).
type futexWaitv struct {
	val      uint64
	uaddr    uint64
	flags    uint32
	reserved uint32
}

const (
	futex2SizeU32 = 0x02
	futex2Private = 128
	futexWait     = 0   // FUTEX_WAIT, shared between processes
	futexWake     = 1   // FUTEX_WAKE
	futexPrivate  = 128 // FUTEX_PRIVATE_FLAG: the Signal's word is this process's
)

// FutexWait blocks while *addr == val, for at most d (d < 0: no limit),
// as FUTEX_WAIT on a word shared between processes does; it also returns
// as soon as the calling goroutine's Signal fires. Like any futex wait it
// may return early: callers re-check their condition, and Stopped.
func FutexWait(addr *uint32, val uint32, d time.Duration) {
	s := Current()
	if s == nil {
		futex(addr, val, d)
		return
	}
	if atomic.LoadUint32(&s.word) != 0 {
		return
	}
	waitv := [2]futexWaitv{
		{val: uint64(val), uaddr: uint64(uintptr(unsafe.Pointer(addr))), flags: futex2SizeU32},
		{val: 0, uaddr: uint64(uintptr(unsafe.Pointer(&s.word))), flags: futex2SizeU32 | futex2Private},
	}
	var tsp unsafe.Pointer
	var ts unix.Timespec
	if d >= 0 {
		// futex_waitv takes an absolute time on the given clock.
		unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
		ts = unix.NsecToTimespec(ts.Nano() + int64(d))
		tsp = unsafe.Pointer(&ts)
	}
	_, _, errno := unix.Syscall6(unix.SYS_FUTEX_WAITV, uintptr(unsafe.Pointer(&waitv[0])), 2, 0, uintptr(tsp), unix.CLOCK_MONOTONIC, 0)
	runtime.KeepAlive(s)
	if errno == unix.ENOSYS {
		// Before Linux 5.16: sleep in short turns, checking the Signal.
		futex(addr, val, min(uint64Dur(d), fallbackTurn))
	}
}

// fallbackTurn bounds each sleep of FutexWait on kernels without
// futex_waitv, and so how late it notices a fired Signal.
const fallbackTurn = 20 * time.Millisecond

// uint64Dur maps "no limit" (d < 0) to the longest duration.
func uint64Dur(d time.Duration) time.Duration {
	if d < 0 {
		return math.MaxInt64
	}
	return d
}

// futex is a plain FUTEX_WAIT on a shared word.
func futex(addr *uint32, val uint32, d time.Duration) {
	var tsp unsafe.Pointer
	var ts unix.Timespec
	if d >= 0 {
		ts = unix.NsecToTimespec(int64(d))
		tsp = unsafe.Pointer(&ts)
	}
	unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(addr)), futexWait, uintptr(val), uintptr(tsp), 0, 0)
}

// Poll is ppoll(2) on fds for at most d (d < 0: no limit), resumed on
// EINTR with the time left; it returns the number of ready entries. When
// the calling goroutine's Signal fires it returns at once with the
// Signal's cause as the error.
func Poll(fds []unix.PollFd, d time.Duration) (int, error) {
	s := Current()
	if s == nil {
		return ppoll(fds, d)
	}
	efd, err := s.eventFD()
	if err != nil {
		return ppoll(fds, d)
	}
	all := append(make([]unix.PollFd, 0, len(fds)+1), fds...)
	all = append(all, unix.PollFd{Fd: int32(efd), Events: unix.POLLIN})
	n, err := ppoll(all, d)
	if err != nil {
		return 0, err
	}
	if all[len(fds)].Revents != 0 {
		if cause := s.Err(); cause != nil {
			return 0, cause
		}
		n-- // fired and reset meanwhile
	}
	copy(fds, all)
	return n, nil
}

// ppoll is ppoll(2) resumed on EINTR with the time left.
func ppoll(fds []unix.PollFd, d time.Duration) (int, error) {
	var deadline time.Time
	if d > 0 {
		deadline = time.Now().Add(d)
	}
	for {
		var ts *unix.Timespec
		if d >= 0 {
			t := unix.NsecToTimespec(int64(d))
			ts = &t
		}
		n, err := unix.Ppoll(fds, ts, nil)
		if err != unix.EINTR {
			if err != nil {
				return 0, os.NewSyscallError("ppoll", err)
			}
			return n, nil
		}
		if d > 0 {
			d = max(time.Until(deadline), 0)
		}
	}
}

// Wait waits for ch to deliver or close, for at most d (d < 0: no limit),
// and reports whether it did. When the calling goroutine's Signal fires
// first it returns false and the Signal's cause.
func Wait(ch <-chan struct{}, d time.Duration) (bool, error) {
	select {
	case <-ch:
		return true, nil
	default:
	}
	var stopped <-chan struct{}
	var s *Signal
	if b := current(); b != nil {
		s = b.sig
		stopped = s.Done()
		defer b.park()()
	}
	var timeout <-chan time.Time
	if d >= 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-ch:
		return true, nil
	case <-stopped:
		return false, s.Err()
	case <-timeout:
		return false, nil
	}
}
