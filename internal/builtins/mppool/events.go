package mppool

// A pool's tasks as the run's events (builtins.RunEvent): when a worker
// started each, and how it ended. Only a run with someone listening pays
// for them.

import (
	"errors"
	"time"

	"github.com/mpstar/mpstar/internal/builtins"
	"github.com/mpstar/mpstar/mpcore/pool"
)

// reportTask makes t report its start and end to emit. A task's start is
// known only to a local engine (cluster pools are not reported), which
// calls Began with the pool's lock held; Done comes after it.
func (p *Pool) reportTask(emit func(builtins.RunEvent), t *pool.Task, describe func() string) {
	var worker *pool.Worker
	var start time.Time
	t.Began = func(w *pool.Worker) {
		worker, start = w, time.Now()
		emit(builtins.RunEvent{Kind: builtins.TaskStarted, Time: start, Process: w.Name, Pid: w.Child.Pid, Task: describe()})
	}
	done := t.Done
	t.Done = func(reply []byte, err error) {
		ev := builtins.RunEvent{Kind: builtins.TaskFinished, Time: time.Now(), Start: start, Task: describe()}
		failed := err != nil || len(reply) > 0 && reply[0] == replyError
		if failed {
			_, ferr := p.decodeReply(reply, err, describe)
			ev.Kind, ev.Err = builtins.TaskFailed, builtins.ErrorFromGo(ferr).String()
		}
		var lost bool
		if worker != nil {
			ev.Process, ev.Pid = worker.Name, worker.Child.Pid
			if lost = isLost(err); lost {
				// The worker's exit came first: the task ended with it.
				if x, ok := worker.Child.Exit(); ok {
					ev.Time = x.Time
				}
			}
		}
		// The events go out before the result reaches the script, so a host
		// never sees the script's next task start before this one ended.
		emit(ev)
		if lost {
			emit(builtins.RunEvent{Kind: builtins.WorkerLost, Time: ev.Time, Process: ev.Process, Pid: ev.Pid, Task: ev.Task, Err: ev.Err})
		}
		done(reply, err)
	}
}

// isLost reports whether a task failed because its worker died or was
// killed for running past its time limit.
func isLost(err error) bool {
	var lost *pool.WorkerLostError
	var late *pool.TaskTimeoutError
	return errors.As(err, &lost) || errors.As(err, &late)
}
