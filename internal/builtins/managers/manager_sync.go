package managers

// The referents behind SyncManager's Lock, RLock, Semaphore,
// BoundedSemaphore, Event, Condition, Barrier, Queue and JoinableQueue
// (CPython: the threading and queue objects a manager's server makes).
// They live in the server process only, so they are plain Go
// synchronisation, safe for the server's concurrent sessions; an RLock's
// owner is the session (its Starlark thread), as it is the connection's
// thread in CPython. Calls into them do not take the server's lock on
// plain values, so a client blocked in acquire or get stalls no other.

import (
	"fmt"
	"sync"
	"time"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/value"
	"github.com/mpstar/mpstar/mpcore/manager"
)

// managerSafe marks referents that are safe for concurrent calls.
type managerSafe interface{ managerSafe() }

// holdable is a referent a session can hold (a lock, semaphore slots), so
// that what a client still holds when its connection ends, because it
// died, can be given back (the session is the holder: its Starlark
// thread).
type holdable interface {
	// heldBy reports whether thread holds any of it.
	heldBy(thread *starlark.Thread) bool
	// abandon gives back all that thread holds, after calling report if
	// it held anything (so the report comes before anyone can take it).
	abandon(thread *starlark.Thread, report func())
}

// threadObject holds what the referents share: identity and no freezing.
type threadObject struct{ value.Object }

func (threadObject) managerSafe() {}

// threadLock is threading.Lock, or threading.RLock when recursive.
type threadLock struct {
	threadObject
	manager.Monitor
	recursive bool
	held      bool
	owner     *starlark.Thread // the RLock's holder
	count     int
}

func (l *threadLock) Type() string {
	if l.recursive {
		return "threading.RLock"
	}
	return "threading.Lock"
}

func (l *threadLock) Hash() (uint32, error) { return value.IdentityHash(l), nil }

func (l *threadLock) String() string {
	l.Lock()
	defer l.Unlock()
	state := "unlocked"
	if l.held {
		state = "locked"
	}
	if l.recursive {
		return fmt.Sprintf("<%s _thread.RLock object count=%d at %p>", state, l.count, l)
	}
	return fmt.Sprintf("<%s _thread.lock object at %p>", state, l)
}

var threadLockMethods = value.NewMethods(func() map[string]*starlark.Builtin {
	return map[string]*starlark.Builtin{
		"acquire": starlark.NewBuiltin("acquire", threadLockAcquire),
		"release": starlark.NewBuiltin("release", threadLockRelease),
		"locked":  starlark.NewBuiltin("locked", threadLockLocked),
	}
})

func (l *threadLock) Attr(name string) (starlark.Value, error) {
	return value.Attr(threadLockMethods, l, name)
}

func (l *threadLock) AttrNames() []string { return value.AttrNames(threadLockMethods) }

// def acquire(blocking=True, timeout=-1)
func threadLockAcquire(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var blocking value.Block
	timeout := value.Seconds(-1)
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "blocking?", &blocking, "timeout?", &timeout); err != nil {
		return nil, err
	}
	d, err := timeout.Threading(true)
	if err != nil {
		return nil, err
	}
	if !blocking.Blocks() {
		if d >= 0 {
			return nil, exceptions.ValueError.New("can't specify a timeout for a non-blocking call")
		}
		d = 0
	}
	return starlark.Bool(b.Receiver().(*threadLock).acquire(thread, d)), nil
}

func (l *threadLock) acquire(thread *starlark.Thread, d time.Duration) bool {
	l.Lock()
	defer l.Unlock()
	if l.recursive && l.held && l.owner == thread {
		l.count++
		return true
	}
	if !l.Await(d, func() bool { return !l.held }) {
		return false
	}
	l.held, l.owner, l.count = true, thread, 1
	return true
}

func threadLockRelease(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	return starlark.None, b.Receiver().(*threadLock).release(thread)
}

func (l *threadLock) release(thread *starlark.Thread) error {
	l.Lock()
	defer l.Unlock()
	if l.recursive && (!l.held || l.owner != thread) {
		return exceptions.RuntimeError.New("cannot release un-acquired lock")
	}
	if !l.held {
		return exceptions.RuntimeError.New("release unlocked lock")
	}
	l.count--
	if l.count == 0 {
		l.held, l.owner = false, nil
		l.Broadcast()
	}
	return nil
}

func threadLockLocked(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	l := b.Receiver().(*threadLock)
	l.Lock()
	defer l.Unlock()
	return starlark.Bool(l.held), nil
}

// owned reports whether thread may wait on a condition over l: it holds
// the RLock, or the Lock is held (CPython's Condition._is_owned).
func (l *threadLock) owned(thread *starlark.Thread) bool {
	l.Lock()
	defer l.Unlock()
	return l.held && (!l.recursive || l.owner == thread)
}

// releaseAll releases l however deep thread holds it and returns the
// depth, for a condition's wait.
func (l *threadLock) releaseAll() int {
	l.Lock()
	defer l.Unlock()
	n := l.count
	l.held, l.owner, l.count = false, nil, 0
	l.Broadcast()
	return n
}

func (l *threadLock) heldBy(thread *starlark.Thread) bool {
	l.Lock()
	defer l.Unlock()
	return l.held && l.owner == thread
}

func (l *threadLock) abandon(thread *starlark.Thread, report func()) {
	l.Lock()
	defer l.Unlock()
	if !l.held || l.owner != thread {
		return
	}
	report()
	l.held, l.owner, l.count = false, nil, 0
	l.Broadcast()
}

// restore reacquires l to the depth releaseAll returned.
func (l *threadLock) restore(thread *starlark.Thread, depth int) {
	l.acquire(thread, -1)
	l.Lock()
	l.count = depth
	l.Unlock()
}

// threadSemaphore is threading.Semaphore, or BoundedSemaphore when bound
// is at least 0.
type threadSemaphore struct {
	threadObject
	manager.Monitor
	value   int
	bound   int                      // initial value of a BoundedSemaphore; -1 otherwise
	holders map[*starlark.Thread]int // slots taken, by taker, until released
}

func (s *threadSemaphore) Type() string {
	if s.bound >= 0 {
		return "threading.BoundedSemaphore"
	}
	return "threading.Semaphore"
}

func (s *threadSemaphore) Hash() (uint32, error) { return value.IdentityHash(s), nil }

func (s *threadSemaphore) String() string {
	s.Lock()
	defer s.Unlock()
	return fmt.Sprintf("<%s at %p: value=%d>", s.Type(), s, s.value)
}

var threadSemaphoreMethods = value.NewMethods(func() map[string]*starlark.Builtin {
	return map[string]*starlark.Builtin{
		"acquire": starlark.NewBuiltin("acquire", threadSemaphoreAcquire),
		"release": starlark.NewBuiltin("release", threadSemaphoreRelease),
	}
})

func (s *threadSemaphore) Attr(name string) (starlark.Value, error) {
	return value.Attr(threadSemaphoreMethods, s, name)
}

func (s *threadSemaphore) AttrNames() []string { return value.AttrNames(threadSemaphoreMethods) }

// def acquire(blocking=True, timeout=None)
func threadSemaphoreAcquire(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var blocking value.Block
	var timeout value.Timeout
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "blocking?", &blocking, "timeout?", &timeout); err != nil {
		return nil, err
	}
	if !blocking.Blocks() && !timeout.IsNone() {
		return nil, exceptions.ValueError.New("can't specify timeout for non-blocking acquire")
	}
	d, err := timeout.Threading(false)
	if err != nil {
		return nil, err
	}
	if !blocking.Blocks() {
		d = 0
	}
	s := b.Receiver().(*threadSemaphore)
	s.Lock()
	defer s.Unlock()
	if !s.Await(d, func() bool { return s.value > 0 }) {
		return starlark.False, nil
	}
	s.value--
	if s.holders == nil {
		s.holders = map[*starlark.Thread]int{}
	}
	s.holders[thread]++
	return starlark.True, nil
}

// def release(n=1)
func threadSemaphoreRelease(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	n := 1
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "n?", &n); err != nil {
		return nil, err
	}
	if n < 1 {
		return nil, exceptions.ValueError.New("n must be one or more")
	}
	s := b.Receiver().(*threadSemaphore)
	s.Lock()
	defer s.Unlock()
	if s.bound >= 0 && s.value+n > s.bound {
		return nil, exceptions.ValueError.New("Semaphore released too many times")
	}
	s.value += n
	s.unholdLocked(thread, n)
	s.Broadcast()
	return starlark.None, nil
}

// unholdLocked forgets n slots as held: the releaser's own first, then
// anyone's, since any thread may release a slot another took.
func (s *threadSemaphore) unholdLocked(thread *starlark.Thread, n int) {
	for _, mineOnly := range []bool{true, false} {
		for t, k := range s.holders {
			if n == 0 {
				return
			}
			if mineOnly && t != thread {
				continue
			}
			m := min(k, n)
			n -= m
			if s.holders[t] = k - m; k == m {
				delete(s.holders, t)
			}
		}
	}
}

func (s *threadSemaphore) heldBy(thread *starlark.Thread) bool {
	s.Lock()
	defer s.Unlock()
	return s.holders[thread] > 0
}

func (s *threadSemaphore) abandon(thread *starlark.Thread, report func()) {
	s.Lock()
	defer s.Unlock()
	n := s.holders[thread]
	if n == 0 {
		return
	}
	report()
	delete(s.holders, thread)
	s.value += n
	if s.bound >= 0 {
		s.value = min(s.value, s.bound)
	}
	s.Broadcast()
}

// threadEvent is threading.Event.
type threadEvent struct {
	threadObject
	manager.Monitor
	flag bool
}

func (e *threadEvent) Type() string { return "threading.Event" }

func (e *threadEvent) Hash() (uint32, error) { return value.IdentityHash(e), nil }

func (e *threadEvent) String() string {
	e.Lock()
	defer e.Unlock()
	state := "unset"
	if e.flag {
		state = "set"
	}
	return fmt.Sprintf("<threading.Event at %p: %s>", e, state)
}

var threadEventMethods = value.NewMethods(func() map[string]*starlark.Builtin {
	return map[string]*starlark.Builtin{
		"is_set": starlark.NewBuiltin("is_set", threadEventIsSet),
		"set":    starlark.NewBuiltin("set", threadEventSet),
		"clear":  starlark.NewBuiltin("clear", threadEventClear),
		"wait":   starlark.NewBuiltin("wait", threadEventWait),
	}
})

func (e *threadEvent) Attr(name string) (starlark.Value, error) {
	return value.Attr(threadEventMethods, e, name)
}

func (e *threadEvent) AttrNames() []string { return value.AttrNames(threadEventMethods) }

func threadEventIsSet(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	e := b.Receiver().(*threadEvent)
	e.Lock()
	defer e.Unlock()
	return starlark.Bool(e.flag), nil
}

func threadEventSet(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	return threadEventStore(b, args, kwargs, true)
}

func threadEventClear(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	return threadEventStore(b, args, kwargs, false)
}

func threadEventStore(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple, flag bool) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	e := b.Receiver().(*threadEvent)
	e.Lock()
	e.flag = flag
	e.Broadcast()
	e.Unlock()
	return starlark.None, nil
}

// def wait(timeout=None)
func threadEventWait(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	d, err := value.TimeoutArgs(b, args, kwargs, -1)
	if err != nil {
		return nil, err
	}
	e := b.Receiver().(*threadEvent)
	e.Lock()
	defer e.Unlock()
	return starlark.Bool(e.Await(d, func() bool { return e.flag })), nil
}

// threadCondition is threading.Condition over a threadLock.
type threadCondition struct {
	threadObject
	lock    *threadLock
	mu      sync.Mutex
	waiters []chan struct{}
}

func (c *threadCondition) Type() string { return "threading.Condition" }

func (c *threadCondition) Hash() (uint32, error) { return value.IdentityHash(c), nil }

func (c *threadCondition) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return fmt.Sprintf("<Condition(%s, %d)>", c.lock, len(c.waiters))
}

var threadConditionMethods = value.NewMethods(func() map[string]*starlark.Builtin {
	return map[string]*starlark.Builtin{
		"acquire":    starlark.NewBuiltin("acquire", threadConditionAcquire),
		"release":    starlark.NewBuiltin("release", threadConditionRelease),
		"wait":       starlark.NewBuiltin("wait", threadConditionWait),
		"notify":     starlark.NewBuiltin("notify", threadConditionNotify),
		"notify_all": starlark.NewBuiltin("notify_all", threadConditionNotifyAll),
	}
})

func (c *threadCondition) Attr(name string) (starlark.Value, error) {
	return value.Attr(threadConditionMethods, c, name)
}

func (c *threadCondition) AttrNames() []string { return value.AttrNames(threadConditionMethods) }

func threadConditionAcquire(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	return threadLockAcquire(thread, threadLockMethods.Table()["acquire"].BindReceiver(b.Receiver().(*threadCondition).lock), args, kwargs)
}

func threadConditionRelease(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	return starlark.None, b.Receiver().(*threadCondition).lock.release(thread)
}

// def wait(timeout=None)
func threadConditionWait(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	d, err := value.TimeoutArgs(b, args, kwargs, -1)
	if err != nil {
		return nil, err
	}
	c := b.Receiver().(*threadCondition)
	if !c.lock.owned(thread) {
		return nil, exceptions.RuntimeError.New("cannot wait on un-acquired lock")
	}
	ch := make(chan struct{})
	c.mu.Lock()
	c.waiters = append(c.waiters, ch)
	c.mu.Unlock()
	depth := c.lock.releaseAll()
	notified := true
	if d < 0 {
		<-ch
	} else {
		t := time.NewTimer(d)
		select {
		case <-ch:
		case <-t.C:
			notified = !c.forget(ch)
		}
		t.Stop()
	}
	c.lock.restore(thread, depth)
	return starlark.Bool(notified), nil
}

func (c *threadCondition) heldBy(thread *starlark.Thread) bool { return c.lock.heldBy(thread) }
func (c *threadCondition) abandon(thread *starlark.Thread, report func()) {
	c.lock.abandon(thread, report)
}

// forget removes a waiter that timed out; false if a notify took it first.
func (c *threadCondition) forget(ch chan struct{}) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, w := range c.waiters {
		if w == ch {
			c.waiters = append(c.waiters[:i], c.waiters[i+1:]...)
			return true
		}
	}
	return false
}

// def notify(n=1)
func threadConditionNotify(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	n := 1
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "n?", &n); err != nil {
		return nil, err
	}
	return starlark.None, b.Receiver().(*threadCondition).notify(thread, n)
}

func threadConditionNotifyAll(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	return starlark.None, b.Receiver().(*threadCondition).notify(thread, -1)
}

// notify wakes n waiters (n < 0: all).
func (c *threadCondition) notify(thread *starlark.Thread, n int) error {
	if !c.lock.owned(thread) {
		return exceptions.RuntimeError.New("cannot notify on un-acquired lock")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if n < 0 || n > len(c.waiters) {
		n = len(c.waiters)
	}
	for _, ch := range c.waiters[:n] {
		close(ch)
	}
	c.waiters = append(c.waiters[:0], c.waiters[n:]...)
	return nil
}

// threadBarrier is threading.Barrier.
type threadBarrier struct {
	threadObject
	manager.Monitor
	parties    int
	action     starlark.Value // None or a callable, run by the last arrival
	timeout    time.Duration  // default wait timeout (< 0: none)
	count      int            // arrivals in this generation
	generation int
	resetGen   int // a generation ended by reset; its waiters fail
	broken     bool
	srv        *managerServer // whose lock guards the action's Starlark values
}

func (br *threadBarrier) Type() string { return "threading.Barrier" }

func (br *threadBarrier) Hash() (uint32, error) { return value.IdentityHash(br), nil }

func (br *threadBarrier) String() string {
	br.Lock()
	defer br.Unlock()
	if br.broken {
		return fmt.Sprintf("<threading.Barrier at %p: broken>", br)
	}
	return fmt.Sprintf("<threading.Barrier at %p: waiters=%d/%d>", br, br.count, br.parties)
}

var threadBarrierMethods = value.NewMethods(func() map[string]*starlark.Builtin {
	return map[string]*starlark.Builtin{
		"wait":  starlark.NewBuiltin("wait", threadBarrierWait),
		"abort": starlark.NewBuiltin("abort", threadBarrierAbort),
		"reset": starlark.NewBuiltin("reset", threadBarrierReset),
	}
})

func (br *threadBarrier) Attr(name string) (starlark.Value, error) {
	br.Lock()
	defer br.Unlock()
	switch name {
	case "parties":
		return starlark.MakeInt(br.parties), nil
	case "n_waiting":
		if br.broken {
			return starlark.MakeInt(0), nil
		}
		return starlark.MakeInt(br.count), nil
	case "broken":
		return starlark.Bool(br.broken), nil
	}
	return value.Attr(threadBarrierMethods, br, name)
}

func (br *threadBarrier) AttrNames() []string {
	return value.AttrNames(threadBarrierMethods, "broken", "n_waiting", "parties")
}

var errBrokenBarrier = exceptions.BrokenBarrierError.New("")

// def wait(timeout=None)
func threadBarrierWait(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	br := b.Receiver().(*threadBarrier)
	d, err := value.TimeoutArgs(b, args, kwargs, br.timeout)
	if err != nil {
		return nil, err
	}
	br.Lock()
	defer br.Unlock()
	if br.broken {
		return nil, errBrokenBarrier
	}
	index, gen := br.count, br.generation
	br.count++
	if br.count == br.parties {
		if err := br.runAction(thread); err != nil {
			br.broken = true
			br.Broadcast()
			return nil, err
		}
		br.count = 0
		br.generation++
		br.Broadcast()
		return starlark.MakeInt(index), nil
	}
	passed := br.Await(d, func() bool { return br.generation != gen || br.broken })
	switch {
	case !passed:
		br.broken = true
		br.Broadcast()
		return nil, errBrokenBarrier
	case br.generation == gen || br.resetGen == gen+1:
		return nil, errBrokenBarrier
	}
	return starlark.MakeInt(index), nil
}

// runAction calls the barrier's action, holding the server's lock on
// plain Starlark values as any user code in the server does.
func (br *threadBarrier) runAction(thread *starlark.Thread) error {
	if br.action == nil || br.action == starlark.None {
		return nil
	}
	br.srv.mu.Lock()
	defer br.srv.mu.Unlock()
	_, err := starlark.Call(thread, br.action, nil, nil)
	return err
}

func threadBarrierAbort(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	br := b.Receiver().(*threadBarrier)
	br.Lock()
	br.broken = true
	br.Broadcast()
	br.Unlock()
	return starlark.None, nil
}

// def reset(): waiters of the current generation fail; the barrier is
// whole again.
func threadBarrierReset(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	br := b.Receiver().(*threadBarrier)
	br.Lock()
	if br.count > 0 {
		br.resetGen = br.generation + 1
	}
	br.count, br.broken = 0, false
	br.generation++
	br.Broadcast()
	br.Unlock()
	return starlark.None, nil
}

// threadQueue is queue.Queue (with task_done and join, as Python's).
type threadQueue struct {
	threadObject
	manager.Monitor
	items      []starlark.Value
	head       int // items[head:] are queued
	maxsize    int
	unfinished int
}

func (q *threadQueue) Type() string { return "queue.Queue" }

func (q *threadQueue) Hash() (uint32, error) { return value.IdentityHash(q), nil }

func (q *threadQueue) String() string {
	return fmt.Sprintf("<queue.Queue object at %p>", q)
}

var threadQueueMethods = value.NewMethods(func() map[string]*starlark.Builtin {
	return map[string]*starlark.Builtin{
		"put":        starlark.NewBuiltin("put", threadQueuePut),
		"put_nowait": starlark.NewBuiltin("put_nowait", threadQueuePutNowait),
		"get":        starlark.NewBuiltin("get", threadQueueGet),
		"get_nowait": starlark.NewBuiltin("get_nowait", threadQueueGetNowait),
		"qsize":      starlark.NewBuiltin("qsize", threadQueueQsize),
		"empty":      starlark.NewBuiltin("empty", threadQueueQsize),
		"full":       starlark.NewBuiltin("full", threadQueueQsize),
		"task_done":  starlark.NewBuiltin("task_done", threadQueueTaskDone),
		"join":       starlark.NewBuiltin("join", threadQueueJoin),
	}
})

func (q *threadQueue) Attr(name string) (starlark.Value, error) {
	return value.Attr(threadQueueMethods, q, name)
}

func (q *threadQueue) AttrNames() []string { return value.AttrNames(threadQueueMethods) }

func (q *threadQueue) lenLocked() int { return len(q.items) - q.head }

// blockArgs unpacks (block=True, timeout=None) after the leading params.
func blockArgs(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple, lead ...any) (time.Duration, error) {
	var block value.Block
	var timeout value.Timeout
	params := append(lead, "block?", &block, "timeout?", &timeout)
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, params...); err != nil {
		return 0, err
	}
	if !block.Blocks() {
		return 0, nil
	}
	return timeout.Threading(false)
}

// def put(item, block=True, timeout=None)
func threadQueuePut(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var item starlark.Value
	d, err := blockArgs(b, args, kwargs, "item", &item)
	if err != nil {
		return nil, err
	}
	return starlark.None, b.Receiver().(*threadQueue).put(item, d)
}

func threadQueuePutNowait(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var item starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &item); err != nil {
		return nil, err
	}
	return starlark.None, b.Receiver().(*threadQueue).put(item, 0)
}

func (q *threadQueue) put(item starlark.Value, d time.Duration) error {
	q.Lock()
	defer q.Unlock()
	if q.maxsize > 0 && !q.Await(d, func() bool { return q.lenLocked() < q.maxsize }) {
		return exceptions.Full.New("")
	}
	if q.head > 0 && q.head >= len(q.items)/2 {
		n := copy(q.items, q.items[q.head:])
		clear(q.items[n:])
		q.items, q.head = q.items[:n], 0
	}
	q.items = append(q.items, item)
	q.unfinished++
	q.Broadcast()
	return nil
}

// def get(block=True, timeout=None)
func threadQueueGet(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	d, err := blockArgs(b, args, kwargs)
	if err != nil {
		return nil, err
	}
	return b.Receiver().(*threadQueue).get(d)
}

func threadQueueGetNowait(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	return b.Receiver().(*threadQueue).get(0)
}

func (q *threadQueue) get(d time.Duration) (starlark.Value, error) {
	q.Lock()
	defer q.Unlock()
	if !q.Await(d, func() bool { return q.lenLocked() > 0 }) {
		return nil, exceptions.Empty.New("")
	}
	v := q.items[q.head]
	q.items[q.head] = nil
	q.head++
	q.Broadcast()
	return v, nil
}

// qsize, empty and full share one builtin, told apart by name.
func threadQueueQsize(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	q := b.Receiver().(*threadQueue)
	q.Lock()
	defer q.Unlock()
	n := q.lenLocked()
	switch b.Name() {
	case "empty":
		return starlark.Bool(n == 0), nil
	case "full":
		return starlark.Bool(q.maxsize > 0 && n >= q.maxsize), nil
	}
	return starlark.MakeInt(n), nil
}

func threadQueueTaskDone(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	q := b.Receiver().(*threadQueue)
	q.Lock()
	defer q.Unlock()
	if q.unfinished <= 0 {
		return nil, exceptions.ValueError.New("task_done() called too many times")
	}
	q.unfinished--
	q.Broadcast()
	return starlark.None, nil
}

func threadQueueJoin(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	q := b.Receiver().(*threadQueue)
	q.Lock()
	defer q.Unlock()
	q.Await(-1, func() bool { return q.unfinished == 0 })
	return starlark.None, nil
}
