package builtins

// The run's events, for a host's timeline (interp.Event is their public
// form): the processes this process starts, and the pool tasks they run.

import (
	"time"

	"github.com/mpstar/mpstar/mpcore"
)

// RunEventKind says what a RunEvent reports.
type RunEventKind int

// The kinds of events, in interp.EventKind's order.
const (
	ProcessStarted RunEventKind = iota
	ProcessExited
	TaskStarted
	TaskFinished
	TaskFailed
	WorkerLost
)

// RunEvent is one thing that happened in a run; interp.Event documents
// the fields.
type RunEvent struct {
	Kind        RunEventKind
	Time        time.Time
	Process     string
	Pid         int
	StartMethod string
	ExitCode    int
	CPU         time.Duration
	MaxRSS      int64
	Task        string
	Start       time.Time
	Err         string
}

// Events returns the function the run's events go to (Config.Events), or
// nil when nobody listens: callers then skip the work of making them.
func (rt *Runtime) Events() func(RunEvent) { return rt.cfg.Events }

// reportProcess reports a child started at started, and its exit when it
// comes (before its join returns).
func (rt *Runtime) reportProcess(p *Process, started time.Time) {
	emit := rt.cfg.Events
	name, pid := p.name, p.pid
	emit(RunEvent{Kind: ProcessStarted, Time: started, Process: name, Pid: pid, StartMethod: p.startMethod()})
	p.child.OnExit(func(x mpcore.Exit) {
		emit(RunEvent{Kind: ProcessExited, Time: x.Time, Process: name, Pid: pid, ExitCode: x.Code, CPU: x.CPU, MaxRSS: x.MaxRSS})
	})
}
