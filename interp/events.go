package interp

// A run's events, for a host that watches where the time goes (Ray's
// timeline, say): they are made where mpstar starts and reaps processes
// and hands out pool tasks, and delivered to Options.Events in order on a
// goroutine of their own.

import (
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/mpstar/mpstar/internal/builtins"
)

// EventKind says what an Event reports.
type EventKind int

// The kinds of events.
const (
	// ProcessStarted: a process started (Process, Pid, StartMethod).
	ProcessStarted EventKind = iota
	// ProcessExited: a process exited and was reaped (Process, Pid,
	// ExitCode, CPUTime, MaxRSS).
	ProcessExited
	// TaskStarted: a pool worker (Process, Pid) started on a task (Task).
	TaskStarted
	// TaskFinished: a task returned its value (Process, Pid, Task, Start).
	TaskFinished
	// TaskFailed: a task failed (Process, Pid, Task, Start, Err): it
	// raised, its worker died or was killed past task_timeout, or its
	// pool was terminated. Process is "" for a task no worker started.
	TaskFailed
	// WorkerLost: a pool worker (Process, Pid) died while running a task
	// (Task, Err), after that task's TaskFailed.
	WorkerLost
)

var eventKindNames = [...]string{"ProcessStarted", "ProcessExited", "TaskStarted", "TaskFinished", "TaskFailed", "WorkerLost"}

// String returns the kind's name, "ProcessStarted" say.
func (k EventKind) String() string {
	if k < 0 || int(k) >= len(eventKindNames) {
		return "EventKind(" + strconv.Itoa(int(k)) + ")"
	}
	return eventKindNames[k]
}

// Event is one thing that happened in a run: a process started or
// exited, a pool task started, finished or failed, a pool worker was lost.
// The run's main process reports the processes it starts (its Process
// children, pool workers, managers' servers) and their pool tasks, and
// itself as "MainProcess" from the start of the run to its end; processes
// started by children, and tasks of cluster pools, are not reported.
type Event struct {
	Kind EventKind
	// Time is when it happened; for TaskFinished and TaskFailed, when the
	// task ended.
	Time time.Time
	// Process and Pid are the process that started or exited, or the pool
	// worker of a task: "Process-1", "SpawnPoolWorker-3", "MainProcess".
	Process string
	Pid     int
	// StartMethod is the process's start method (ProcessStarted): spawn,
	// fork or forkserver; "" for the main process.
	StartMethod string
	// ExitCode (as Process.exitcode), CPUTime (user plus system) and MaxRSS
	// (peak resident memory, in bytes) are the process's, as the kernel
	// reports them when it is reaped (ProcessExited). The main process is
	// the host's own: its CPUTime and MaxRSS are zero.
	ExitCode int
	CPUTime  time.Duration
	MaxRSS   int64
	// Task names a pool task as error messages do ("task 3, square() on
	// items 0..9 of map"); Start is when its worker started on it
	// (TaskFinished, TaskFailed).
	Task  string
	Start time.Time
	// Err is what went wrong (TaskFailed, WorkerLost), as Python prints
	// it: "ZeroDivisionError: division by zero".
	Err string
}

// eventOf is the public form of a runtime's event.
func eventOf(e builtins.RunEvent) Event {
	return Event{
		Kind: EventKind(e.Kind), Time: e.Time, Process: e.Process, Pid: e.Pid,
		StartMethod: e.StartMethod, ExitCode: e.ExitCode, CPUTime: e.CPU, MaxRSS: e.MaxRSS,
		Task: e.Task, Start: e.Start, Err: e.Err,
	}
}

// eventQueue hands a run's events to the host's function in order, on a
// goroutine of its own: events are made on mpstar's goroutines, some
// holding a pool's lock, which must never wait for the host.
type eventQueue struct {
	deliver func(Event)
	mu      sync.Mutex
	pending []Event
	closed  bool
	wake    chan struct{} // has a value while pending may not be empty
	done    chan struct{} // closed when the last event was delivered
}

// startEvents starts delivering a run's events to deliver, and reports
// the main process's start; with no deliver it returns nil, and the run
// makes no events.
func startEvents(deliver func(Event), cfg *builtins.Config) *eventQueue {
	if deliver == nil {
		return nil
	}
	q := &eventQueue{deliver: deliver, wake: make(chan struct{}, 1), done: make(chan struct{})}
	go q.run()
	cfg.Events = q.emit
	q.emit(builtins.RunEvent{Kind: builtins.ProcessStarted, Time: time.Now(), Process: "MainProcess", Pid: os.Getpid()})
	return q
}

// emit queues an event; after end it drops it.
func (q *eventQueue) emit(e builtins.RunEvent) {
	q.mu.Lock()
	if !q.closed {
		q.pending = append(q.pending, eventOf(e))
	}
	q.mu.Unlock()
	q.poke()
}

// poke wakes the delivering goroutine.
func (q *eventQueue) poke() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (q *eventQueue) run() {
	defer close(q.done)
	for range q.wake {
		for {
			q.mu.Lock()
			batch, closed := q.pending, q.closed
			q.pending = nil
			q.mu.Unlock()
			if len(batch) == 0 && closed {
				return
			}
			if len(batch) == 0 {
				break
			}
			for _, e := range batch {
				q.deliver(e)
			}
		}
	}
}

// end reports the main process's exit with code, and returns once every
// event has been delivered; it does nothing more on a second call, nor on
// a nil queue.
func (q *eventQueue) end(code int) {
	if q == nil {
		return
	}
	q.mu.Lock()
	if !q.closed {
		q.pending = append(q.pending, Event{Kind: ProcessExited, Time: time.Now(), Process: "MainProcess", Pid: os.Getpid(), ExitCode: code})
		q.closed = true
	}
	q.mu.Unlock()
	q.poke()
	<-q.done
}
