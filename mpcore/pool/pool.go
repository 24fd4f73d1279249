package pool

// The scheduler (CPython: pool.py's Pool, with its task, result and worker
// handler threads folded into one lock and a reader goroutine per worker).

import (
	"errors"
	"io"
	"sync"
	"time"

	"github.com/mpstar/mpstar/mpcore"
	"github.com/mpstar/mpstar/mpcore/conn"
	"github.com/mpstar/mpstar/mpcore/stop"
)

// killAfter is how long Terminate waits for workers to die of SIGTERM
// before it sends SIGKILL.
const killAfter = 2 * time.Second

// Worker is a started worker process, as Config.Start returns it. From
// then on the pool owns Conn (the pool's end of the worker's duplex
// connection) and closes it, and Child's sentinel, once the worker exited.
type Worker struct {
	Name  string // process name, for errors: "SpawnPoolWorker-3"
	Conn  *conn.Conn
	Child *mpcore.Child
}

// Config describes a pool.
type Config struct {
	// Processes is the number of workers; at least 1.
	Processes int
	// MaxTasksPerChild is how many tasks a worker runs before it exits and
	// is replaced (0: no limit). The worker must enforce the same limit
	// (Serve's maxTasks); the pool stops giving it tasks there.
	MaxTasksPerChild int
	// Start starts one worker, which must run Serve. The pool calls it
	// from New and, to replace workers, from its own goroutines.
	Start func() (*Worker, error)
	// Batch, if above 1, lets a worker whose last tasks took less than
	// quickTask each take up to Batch queued tasks in one message, which
	// saves a round trip per task (a cluster host's stream of small
	// tasks). Tasks with a Timeout, and pools with a MaxTasksPerChild, go
	// one at a time. A batch's tasks run in order; when its worker dies,
	// the task it was running is lost and the ones it had not started
	// are queued again.
	Batch int
}

// quickTask is how short a worker's tasks must be for it to take them in
// batches: longer tasks gain nothing from it, and a batch of them would
// keep tasks waiting behind one worker while another is idle. (A
// variable for the tests.)
var quickTask = time.Millisecond

// Task is one unit of work for a worker.
type Task struct {
	// Message is the task message: AppendTaskHeader, then the payload the
	// worker's RunFunc receives. The pool only reads it.
	Message []byte
	// Part, if not nil, receives the parts of the reply the worker sent
	// ahead (PartSender), in order, on one of the pool's goroutines, before
	// Done. Without it, parts are an error.
	Part func(part []byte)
	// Timeout, if positive, is how long the task may run once a worker
	// starts on it (as Began says when; a worker's start-up does not
	// count): past that the worker is killed and replaced, and the task
	// fails with a *TaskTimeoutError (CPython has no such limit: a stuck
	// task hangs map forever).
	Timeout time.Duration
	// Began, if not nil, is told which worker runs the task when the
	// worker starts on it: when it is handed the task, or when its
	// initializer is done if that is later. It is called with the pool's
	// lock held, so it must be quick and must not call into the pool; Done
	// comes after it. It is for timing tasks; leaving it nil costs nothing.
	Began func(w *Worker)
	// Done receives the outcome, exactly once: the worker's reply, or an
	// error (*WorkerLostError, *TaskTimeoutError, *InitError, *StartError,
	// ErrTerminated). It
	// is called on one of the pool's goroutines, or on the goroutine that
	// called Terminate; it must not call back into the pool.
	Done func(reply []byte, err error)
}

type state int

const (
	running state = iota
	closed
	terminated
)

// Pool is a set of worker processes running tasks. Its methods are safe
// for concurrent use.
type Pool struct {
	cfg Config

	mu       sync.Mutex
	state    state
	broken   error // why the pool can run no more tasks, or nil
	workers  map[*worker]struct{}
	idle     []*worker // workers waiting for a task; non-empty only when pending is empty
	pending  []*Task   // tasks waiting for a worker, oldest first
	starting int       // replacements being started
	exited   chan struct{}
	isExited bool
}

// worker is the pool's record of one worker.
type worker struct {
	*Worker
	sendMu sync.Mutex  // held while sending, so the reader never closes Conn under a send
	task   *Task       // the task it runs, or nil
	queued []*Task     // the tasks of its batch after task, not yet started
	sent   time.Time   // when it was given its task or batch
	batch  int         // how many tasks it was given then
	quick  bool        // its last task or batch took less than quickTask a task
	timer  *time.Timer // enforces task.Timeout, or nil
	late   *Task       // the task it was killed for running too long
	done   int         // tasks completed
	ready  bool        // its initializer succeeded
}

// New starts a pool of cfg.Processes workers. If one cannot be started,
// the ones already started are terminated.
func New(cfg Config) (*Pool, error) {
	if cfg.Processes < 1 {
		return nil, errors.New("Number of processes must be at least 1")
	}
	p := &Pool{cfg: cfg, workers: map[*worker]struct{}{}, exited: make(chan struct{})}
	for i := 0; i < cfg.Processes; i++ {
		w, err := cfg.Start()
		if err != nil {
			p.Terminate()
			return nil, err
		}
		p.adopt(w, false)
	}
	return p, nil
}

// adopt adds a started worker and gives it work; replacing says it ends
// a replacement counted in p.starting.
func (p *Pool) adopt(w *Worker, replacing bool) {
	wk := &worker{Worker: w}
	p.mu.Lock()
	if replacing {
		p.starting--
	}
	p.workers[wk] = struct{}{}
	var next []*Task
	stop := false
	if p.state == terminated || p.broken != nil {
		w.Child.Terminate() // its reader cleans up
	} else {
		next, stop = p.nextLocked(wk)
	}
	p.mu.Unlock()
	go p.read(wk)
	p.dispatch(wk, next, stop)
}

// nextLocked decides what a worker that is free does next: take the
// oldest pending task (or a batch of them), stop (the pool is closed and
// has nothing left), or wait idle.
func (p *Pool) nextLocked(wk *worker) (next []*Task, stop bool) {
	if len(p.pending) > 0 {
		n := p.batchLocked(wk)
		next = append([]*Task(nil), p.pending[:n]...)
		clear(p.pending[:n])
		p.pending = p.pending[n:]
		p.assignLocked(wk, next[0])
		wk.queued, wk.batch = next[1:], n
		return next, false
	}
	if p.state == closed {
		return nil, true
	}
	p.idle = append(p.idle, wk)
	return nil, false
}

// batchLocked returns how many pending tasks a worker takes: one, or for
// a worker of quick tasks up to Config.Batch, no more than its share of
// the pending tasks, and none with a Timeout.
func (p *Pool) batchLocked(wk *worker) int {
	if !p.batching() || !wk.quick {
		return 1
	}
	limit := min(p.cfg.Batch, (len(p.pending)+p.cfg.Processes-1)/p.cfg.Processes)
	n := 0
	for n < limit && p.pending[n].Timeout == 0 {
		n++
	}
	return max(n, 1)
}

// batching reports whether the pool's workers may take tasks in batches,
// which is when it times their tasks.
func (p *Pool) batching() bool { return p.cfg.Batch >= 2 && p.cfg.MaxTasksPerChild == 0 }

// assignLocked gives a worker a task, which starts at once if the worker
// is ready, else when it says it is (msgReady).
func (p *Pool) assignLocked(wk *worker, t *Task) {
	wk.task, wk.batch = t, 1
	if wk.ready {
		p.startLocked(wk, t)
	}
}

// startLocked starts a task as its worker begins it: its time limit, the
// clock a pool that batches reads (only that pool: two clock reads a task
// showed in the profile of a local pool's apply_async(...).get()), and
// Began. A replacement worker's start-up is not the task's run, so it
// counts against neither the limit nor the clock.
func (p *Pool) startLocked(wk *worker, t *Task) {
	if p.batching() {
		wk.sent = time.Now()
	}
	if t.Timeout > 0 {
		wk.timer = time.AfterFunc(t.Timeout, func() { p.expire(wk, t) })
	}
	if t.Began != nil {
		t.Began(wk.Worker)
	}
}

// takeLocked takes the task a worker holds away from it, with its clock.
func (p *Pool) takeLocked(wk *worker) *Task {
	t := wk.task
	wk.task = nil
	if wk.timer != nil {
		wk.timer.Stop()
		wk.timer = nil
	}
	return t
}

// expire kills a worker that still runs t past t.Timeout; its exit then
// fails t with a *TaskTimeoutError and starts a replacement.
func (p *Pool) expire(wk *worker, t *Task) {
	p.mu.Lock()
	late := wk.task == t
	if late {
		wk.late = t
	}
	p.mu.Unlock()
	if late {
		wk.Child.Kill()
	}
}

// dispatch sends a worker the tasks the pool gave it, or the stop
// message. A worker that cannot be written to is killed: its reader then
// fails the task as lost.
func (p *Pool) dispatch(wk *worker, tasks []*Task, stop bool) {
	var msg []byte
	switch {
	case len(tasks) == 1:
		msg = tasks[0].Message
	case len(tasks) > 1:
		msg = appendBatch(nil, tasks)
	case stop:
		msg = stopMessage
	default:
		return
	}
	wk.sendMu.Lock()
	err := wk.Conn.SendBytes(msg)
	wk.sendMu.Unlock()
	if err != nil {
		wk.Child.Kill()
	}
}

// Submit queues t. It fails with ErrNotRunning after Close or Terminate,
// and with the pool's breaking error once the pool is broken.
func (p *Pool) Submit(t *Task) error {
	p.mu.Lock()
	if p.broken != nil {
		err := p.broken
		p.mu.Unlock()
		return err
	}
	if p.state != running {
		p.mu.Unlock()
		return ErrNotRunning
	}
	var wk *worker
	if n := len(p.idle); n > 0 {
		// The most recently idle worker is the likeliest to be scheduled
		// and warm.
		wk = p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.assignLocked(wk, t)
	} else {
		p.pending = append(p.pending, t)
	}
	p.mu.Unlock()
	if wk != nil {
		p.dispatch(wk, []*Task{t}, false)
	}
	return nil
}

// read receives a worker's messages until it exits, then accounts for
// its exit.
func (p *Pool) read(wk *worker) {
	in := newInputWaiter(wk.Conn)
	defer in.close()
	for {
		err := in.await()
		var msg []byte
		if err == nil {
			msg, err = wk.Conn.RecvBytes(-1)
		}
		if err == io.EOF {
			break // the worker exited
		}
		var kind byte
		var payload []byte
		if err == nil {
			kind, payload, err = parse(msg)
		}
		if err == nil {
			err = p.handle(wk, kind, payload)
		}
		if err != nil {
			wk.Child.Kill() // a worker that garbles the protocol is unusable
			break
		}
	}
	<-wk.Child.Done()
	code, _ := wk.Child.ExitCode()
	wk.sendMu.Lock()
	wk.Conn.Close()
	wk.sendMu.Unlock()
	wk.Child.Close()
	p.exit(wk, code)
}

// handle acts on one message from a worker.
func (p *Pool) handle(wk *worker, kind byte, payload []byte) error {
	switch kind {
	case msgReply:
		return p.reply(wk, payload)
	case msgNext:
		p.mu.Lock()
		t := wk.task
		ok := t != nil && len(wk.queued) > 0
		if ok {
			wk.task, wk.queued = wk.queued[0], wk.queued[1:]
			wk.done++
			if wk.task.Began != nil {
				wk.task.Began(wk.Worker)
			}
		}
		p.mu.Unlock()
		if !ok {
			return &ProtocolError{Header: []byte{ProtocolVersion, kind}, Reason: "the reply to a task of a batch, with no batch"}
		}
		t.Done(payload, nil)
	case msgPart:
		p.mu.Lock()
		t := wk.task
		p.mu.Unlock()
		if t != nil && t.Part == nil {
			return &ProtocolError{Header: []byte{ProtocolVersion, kind}, Reason: "a part of the reply to a task that takes none"}
		}
		if t != nil {
			t.Part(payload)
		}
	case msgReady:
		p.mu.Lock()
		wk.ready = true
		if t := wk.task; t != nil {
			p.startLocked(wk, t) // it waited for the initializer
		}
		p.mu.Unlock()
	case msgInitFailed:
		p.mu.Lock()
		failed := p.breakLocked(&InitError{Worker: wk.Name, Payload: payload})
		err := p.broken
		p.mu.Unlock()
		failAll(failed, err)
	default:
		return &ProtocolError{Header: []byte{ProtocolVersion, kind}, Reason: "a pool expects a reply, next, part, ready or initfail message"}
	}
	return nil
}

// reply completes the task a worker held (the last of its batch) and
// gives it the next one.
func (p *Pool) reply(wk *worker, payload []byte) error {
	p.mu.Lock()
	if len(wk.queued) > 0 {
		p.mu.Unlock()
		return &ProtocolError{Header: []byte{ProtocolVersion, msgReply}, Reason: "a batch ended before its last task"}
	}
	if p.batching() {
		wk.quick = time.Since(wk.sent) < time.Duration(wk.batch)*quickTask
	}
	t := p.takeLocked(wk)
	wk.done++
	var next []*Task
	stop := false
	retiring := p.cfg.MaxTasksPerChild > 0 && wk.done >= p.cfg.MaxTasksPerChild
	if !retiring && p.state != terminated && p.broken == nil {
		next, stop = p.nextLocked(wk)
	}
	p.mu.Unlock()
	p.dispatch(wk, next, stop)
	if t != nil {
		t.Done(payload, nil)
	}
	return nil
}

// exit accounts for a worker that has exited: its task fails as lost, a
// worker that died before it was ready breaks the pool, and a replacement
// starts while the pool has work to do.
func (p *Pool) exit(wk *worker, code int) {
	p.mu.Lock()
	delete(p.workers, wk)
	p.removeIdleLocked(wk)
	lost := p.takeLocked(wk)
	// The tasks of its batch it had not started never ran: they wait for
	// another worker, at the head of the queue.
	p.pending = append(wk.queued, p.pending...)
	wk.queued = nil
	var failed []*Task
	if !wk.ready && code > 0 && p.state != terminated {
		// It never got going (the script failed in it, say): another
		// would fail the same way, and its task fails with the reason.
		failed = p.breakLocked(&StartError{Worker: wk.Name, ExitCode: code})
		if lost != nil {
			failed, lost = append(failed, lost), nil
		}
	}
	// Idle workers take the tasks given back.
	type handoff struct {
		wk   *worker
		next []*Task
	}
	var handoffs []handoff
	for p.broken == nil && p.state != terminated && len(p.pending) > 0 && len(p.idle) > 0 {
		w := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		next, _ := p.nextLocked(w)
		handoffs = append(handoffs, handoff{w, next})
	}
	replace := p.broken == nil && len(p.workers)+p.starting < p.cfg.Processes &&
		(p.state == running || (p.state == closed && len(p.pending) > 0))
	if replace {
		p.starting++
	}
	broken := p.broken
	p.checkExitedLocked()
	p.mu.Unlock()
	for _, h := range handoffs {
		p.dispatch(h.wk, h.next, false)
	}
	switch {
	case lost != nil && lost == wk.late:
		lost.Done(nil, &TaskTimeoutError{Worker: wk.Name, Pid: wk.Child.Pid, Timeout: lost.Timeout})
	case lost != nil:
		lost.Done(nil, &WorkerLostError{Worker: wk.Name, Pid: wk.Child.Pid, ExitCode: code})
	}
	failAll(failed, broken)
	if replace {
		p.replace()
	}
}

// replace starts a worker in place of one that exited.
func (p *Pool) replace() {
	w, err := p.cfg.Start()
	if err == nil {
		p.adopt(w, true)
		return
	}
	p.mu.Lock()
	p.starting--
	failed := p.breakLocked(&StartError{Err: err})
	broken := p.broken
	p.checkExitedLocked()
	p.mu.Unlock()
	failAll(failed, broken)
}

func (p *Pool) removeIdleLocked(wk *worker) {
	for i, w := range p.idle {
		if w == wk {
			p.idle = append(p.idle[:i], p.idle[i+1:]...)
			return
		}
	}
}

// breakLocked records why the pool can run no more tasks (the first
// reason wins), stops every worker, and returns the tasks to fail.
func (p *Pool) breakLocked(err error) []*Task {
	if p.broken == nil {
		p.broken = err
	}
	return p.dropTasksLocked()
}

// dropTasksLocked takes every pending and in-flight task away from the
// pool and sends the workers SIGTERM.
func (p *Pool) dropTasksLocked() []*Task {
	failed := p.pending
	p.pending = nil
	p.idle = nil
	for wk := range p.workers {
		if t := p.takeLocked(wk); t != nil {
			failed = append(failed, t)
		}
		failed = append(failed, wk.queued...)
		wk.queued = nil
		wk.Child.Terminate()
	}
	return failed
}

func failAll(tasks []*Task, err error) {
	for _, t := range tasks {
		t.Done(nil, err)
	}
}

// checkExitedLocked closes p.exited once the pool is closed or terminated
// and its last worker has exited.
func (p *Pool) checkExitedLocked() {
	if p.state != running && len(p.workers) == 0 && p.starting == 0 && !p.isExited {
		p.isExited = true
		close(p.exited)
	}
}

// Close stops the pool taking tasks; the workers exit once the tasks
// already submitted are done (CPython's Pool.close).
func (p *Pool) Close() {
	p.mu.Lock()
	if p.state != running {
		p.mu.Unlock()
		return
	}
	p.state = closed
	stops := p.idle // pending is empty whenever a worker is idle
	p.idle = nil
	p.checkExitedLocked()
	p.mu.Unlock()
	for _, wk := range stops {
		p.dispatch(wk, nil, true)
	}
}

// Terminate stops the workers at once (SIGTERM, then SIGKILL after
// killAfter) and fails every task not yet done with ErrTerminated. It
// returns when the workers have exited.
func (p *Pool) Terminate() {
	p.mu.Lock()
	var failed []*Task
	if p.state != terminated {
		p.state = terminated
		failed = p.dropTasksLocked()
		p.checkExitedLocked()
	}
	p.mu.Unlock()
	failAll(failed, ErrTerminated)
	if p.Join(killAfter) == nil {
		return
	}
	p.mu.Lock()
	for wk := range p.workers {
		wk.Child.Kill()
	}
	p.mu.Unlock()
	p.Join(-1)
}

// Join waits for the workers to exit after Close or Terminate, for at
// most timeout (timeout < 0: no limit).
func (p *Pool) Join(timeout time.Duration) error {
	p.mu.Lock()
	st := p.state
	p.mu.Unlock()
	if st == running {
		return ErrStillRunning
	}
	ok, err := stop.Wait(p.exited, timeout)
	switch {
	case err != nil:
		return err // the calling script thread was stopped
	case !ok:
		return ErrJoinTimeout
	}
	return nil
}

// Size returns the number of live workers.
func (p *Pool) Size() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.workers)
}
