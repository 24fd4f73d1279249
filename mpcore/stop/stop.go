package stop

import (
	"maps"
	"math"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe" // futex and futex_waitv system calls take addresses of words and structs

	"golang.org/x/sys/unix"
)

// Signal stops the blocking waits of the goroutines bound to it, and has
// them run the work posted to it meanwhile. Its methods are safe for
// concurrent use.
type Signal struct {
	// word holds the fired and posted bits; futex waits sleep on it beside
	// their own word, so either wakes them. (The Go heap never moves it.)
	word uint32

	mu     sync.Mutex
	cause  error         // why it fired; nil while armed
	done   chan struct{} // closed when it fires
	efd    int           // eventfd, readable while fired; -1 until a Poll needs it
	work   func()        // what a wait runs when work is posted (SetWork)
	posted chan struct{} // has a value while work is posted
	wfd    int           // eventfd, readable while work is posted; -1 until a Poll needs it
}

// The bits of Signal.word.
const (
	fired  = 1 << iota // Fire was called, and Reset not since
	posted             // Post was called, and the work not run since
)

// New returns an armed Signal with no work.
func New() *Signal {
	return &Signal{done: make(chan struct{}), efd: -1, posted: make(chan struct{}, 1), wfd: -1}
}

// Fire stops every wait under s, now and until Reset, for cause (which
// must not be nil). Firing a fired Signal keeps the first cause.
func (s *Signal) Fire(cause error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cause != nil {
		return
	}
	s.cause = cause
	s.raise(fired)
	close(s.done)
	notify(s.efd)
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
	atomic.AndUint32(&s.word, ^uint32(fired))
	s.done = make(chan struct{})
	drain(s.efd)
}

// SetWork makes fn the work that Post asks for: the waits of the goroutine
// bound to s run it, on that goroutine, as soon as it is posted, and then
// go on waiting. The embedding layer delivers Pool callbacks this way, on
// the script's thread while it waits, as CPython's result thread would
// deliver them meanwhile. fn runs with nothing held, but may run inside any
// blocking call, including one made by fn itself: it must guard against
// running nested.
func (s *Signal) SetWork(fn func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.work = fn
}

// Post asks the goroutine bound to s to run its work (SetWork): at once if
// it is waiting, else in its next wait. Posts before the work runs ask
// for one run. It may be called from any goroutine.
func (s *Signal) Post() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if atomic.LoadUint32(&s.word)&posted != 0 {
		return
	}
	s.raise(posted)
	select {
	case s.posted <- struct{}{}:
	default:
	}
	notify(s.wfd)
}

// serve runs the posted work on the calling goroutine, unless s is fired
// (the waits end instead). A wait calls it only with its binding in place,
// so the work's own waits are stoppable too.
func (s *Signal) serve() {
	s.mu.Lock()
	work := s.work
	if s.cause != nil {
		work = nil
	}
	// Taking the post before running the work keeps a post made while it
	// runs for the next wait.
	if atomic.LoadUint32(&s.word)&posted != 0 {
		atomic.AndUint32(&s.word, ^uint32(posted))
		select {
		case <-s.posted:
		default:
		}
		drain(s.wfd)
	}
	s.mu.Unlock()
	if work != nil {
		work()
	}
}

// raise sets bit in s.word and wakes the futex waits sleeping on it.
// s.mu is held.
func (s *Signal) raise(bit uint32) {
	atomic.OrUint32(&s.word, bit)
	unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(&s.word)), futexWake|futexPrivate, math.MaxInt32, 0, 0, 0)
}

// notify makes the eventfd fd readable; fd < 0 is none yet.
func notify(fd int) {
	if fd >= 0 {
		unix.Write(fd, []byte{1, 0, 0, 0, 0, 0, 0, 0})
	}
}

// drain makes the eventfd fd unreadable again; fd < 0 is none yet.
func drain(fd int) {
	if fd >= 0 {
		var b [8]byte
		unix.Read(fd, b[:])
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

// Close releases the eventfds. s must not be used afterwards.
func (s *Signal) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, fd := range []*int{&s.efd, &s.wfd} {
		if *fd >= 0 {
			unix.Close(*fd)
			*fd = -1
		}
	}
}

// eventFDs returns the eventfds that are readable while s is fired and
// while work is posted, making them on first use.
func (s *Signal) eventFDs() (efd, wfd int, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.wfd < 0 {
		fds := [2]int{-1, -1}
		for i := range fds {
			if fds[i], err = unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK); err != nil {
				if i > 0 {
					unix.Close(fds[0])
				}
				return -1, -1, err
			}
		}
		s.efd, s.wfd = fds[0], fds[1]
		w := atomic.LoadUint32(&s.word)
		if w&fired != 0 {
			notify(s.efd)
		}
		if w&posted != 0 {
			notify(s.wfd)
		}
	}
	return s.efd, s.wfd, nil
}

// bindings maps each goroutine that runs a script (by the address of its
// runtime record, see getg) to its binding. Every blocking wait looks it
// up and only Bind and unbind change it, so the map is replaced whole
// under bindMu and read without a lock. Keying it by goroutine, not by OS
// thread, lets a bound goroutine move between threads like any other: a
// goroutine locked to its thread is woken from a channel wait by a
// hand-off to that thread, a context switch that doubled the latency of
// pool results and process joins.
var (
	bindings atomic.Pointer[map[uintptr]*binding]
	bindMu   sync.Mutex
)

// boundTo returns the binding of goroutine g, or nil.
func boundTo(g uintptr) *binding {
	if m := bindings.Load(); m != nil {
		return (*m)[g]
	}
	return nil
}

// setBinding makes b the binding of goroutine g; nil removes it.
func setBinding(g uintptr, b *binding) {
	bindMu.Lock()
	defer bindMu.Unlock()
	m := map[uintptr]*binding{}
	if old := bindings.Load(); old != nil {
		maps.Copy(m, *old)
	}
	if b == nil {
		delete(m, g)
	} else {
		m[g] = b
	}
	bindings.Store(&m)
}

// binding is a Signal bound to a goroutine, and the one its Bind replaced
// (nested binds), so unbind restores it.
type binding struct {
	sig   *Signal
	outer *binding
}

// Bind makes s the Signal of the calling goroutine's waits until unbind is
// called (on the same goroutine). Binds nest: unbind restores the Signal
// bound before.
func (s *Signal) Bind() (unbind func()) {
	g := getg()
	b := &binding{sig: s, outer: boundTo(g)}
	setBinding(g, b)
	return func() { setBinding(g, b.outer) }
}

// Current returns the Signal bound to the calling goroutine, or nil.
func Current() *Signal {
	if b := boundTo(getg()); b != nil {
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

// Posted returns a channel that has a value when work is posted to the
// calling goroutine's Signal, for a select over several channels, which
// then calls Serve; nil (never ready) when the goroutine has no Signal.
func Posted() <-chan struct{} {
	if s := Current(); s != nil {
		return s.posted
	}
	return nil
}

// Serve runs the work posted to the calling goroutine's Signal (see
// Posted), if any.
func Serve() {
	if s := Current(); s != nil && atomic.LoadUint32(&s.word)&posted != 0 {
		s.serve()
	}
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
// as soon as the calling goroutine's Signal fires, and when work is posted
// to it, after running the work. Like any futex wait it may return early:
// callers re-check their condition, and Stopped.
func FutexWait(addr *uint32, val uint32, d time.Duration) {
	s := Current()
	if s == nil {
		futex(addr, val, d)
		return
	}
	w := atomic.LoadUint32(&s.word)
	if w&fired != 0 {
		return
	}
	if w&posted != 0 {
		s.serve()
		return
	}
	waitv := [2]futexWaitv{
		{val: uint64(val), uaddr: uint64(uintptr(unsafe.Pointer(addr))), flags: futex2SizeU32},
		{val: uint64(w), uaddr: uint64(uintptr(unsafe.Pointer(&s.word))), flags: futex2SizeU32 | futex2Private},
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
	if atomic.LoadUint32(&s.word)&posted != 0 {
		s.serve()
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
// Signal's cause as the error; work posted to it runs meanwhile, and the
// poll goes on with the time left.
func Poll(fds []unix.PollFd, d time.Duration) (int, error) { return Current().Poll(fds, d) }

// Poll is the package's Poll under s, for a caller that has looked up its
// Signal already. Under a nil Signal it cannot be stopped.
func (s *Signal) Poll(fds []unix.PollFd, d time.Duration) (int, error) {
	if s == nil {
		return ppoll(fds, d)
	}
	efd, wfd, err := s.eventFDs()
	if err != nil {
		return ppoll(fds, d)
	}
	var buf [4]unix.PollFd // one or two descriptors and the eventfds, without an allocation
	all := append(append(buf[:0], fds...), unix.PollFd{Fd: int32(efd), Events: unix.POLLIN}, unix.PollFd{Fd: int32(wfd), Events: unix.POLLIN})
	var deadline time.Time
	if d > 0 {
		deadline = time.Now().Add(d)
	}
	for {
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
		if all[len(fds)+1].Revents != 0 {
			n--
			s.serve()
			if n == 0 && d != 0 {
				if d > 0 {
					d = max(time.Until(deadline), 0)
				}
				continue
			}
		}
		copy(fds, all)
		return n, nil
	}
}

// WaitFD is Poll on the one descriptor fd for events, reporting whether
// it became ready (or failed: POLLERR, POLLHUP) within d.
func WaitFD(fd int, events int16, d time.Duration) (bool, error) {
	return Current().WaitFD(fd, events, d)
}

// WaitFD is the package's WaitFD under s, as Signal.Poll is Poll.
func (s *Signal) WaitFD(fd int, events int16, d time.Duration) (bool, error) {
	pfd := [1]unix.PollFd{{Fd: int32(fd), Events: events}}
	n, err := s.Poll(pfd[:], d)
	return err == nil && n > 0, err
}

// Ready reports, without waiting and without watching the Signal, whether
// fd is ready for events. A descriptor poll(2) cannot check counts as
// ready, so that the caller's next read or write reports why.
func Ready(fd int, events int16) bool {
	pfd := [1]unix.PollFd{{Fd: int32(fd), Events: events}}
	n, err := unix.Poll(pfd[:], 0)
	return n > 0 || (err != nil && err != unix.EINTR)
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
// first it returns false and the Signal's cause; work posted to it runs
// meanwhile, and the wait goes on with the time left.
func Wait(ch <-chan struct{}, d time.Duration) (bool, error) {
	select {
	case <-ch:
		return true, nil
	default:
	}
	var timeout <-chan time.Time
	if d >= 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	s := Current()
	if s == nil {
		select {
		case <-ch:
			return true, nil
		case <-timeout:
			return false, nil
		}
	}
	stopped := s.Done()
	for {
		select {
		case <-ch:
			return true, nil
		case <-s.posted:
			s.serve()
		case <-stopped:
			return false, s.Err()
		case <-timeout:
			return false, s.Err()
		}
	}
}
