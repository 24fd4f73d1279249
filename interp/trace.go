package interp

// A run's events as a Chrome trace-event file (the JSON object format of
// "Trace Event Format", which Perfetto and chrome://tracing open): a
// track per process named after it, holding a slice for the process's
// life and, nested in it, a slice per pool task; failures are markers.

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"sync"
	"time"
)

// Trace collects a run's events and writes them as a Chrome trace-event
// file, a picture of where the time went: set Options.Events to its Add,
// and call WriteTo once the run has returned. Its zero value is ready to
// use; it is safe for concurrent use.
type Trace struct {
	mu     sync.Mutex
	events []Event
}

// Add records an event; it is an Options.Events.
func (t *Trace) Add(e Event) {
	t.mu.Lock()
	t.events = append(t.events, e)
	t.mu.Unlock()
}

// traceEvent is one entry of a trace-event file; times are in
// microseconds from the run's start.
type traceEvent struct {
	Name  string         `json:"name"`
	Phase string         `json:"ph"`
	TS    float64        `json:"ts"`
	Dur   float64        `json:"dur,omitempty"`
	Pid   int            `json:"pid"`
	Tid   int            `json:"tid"`
	Scope string         `json:"s,omitempty"`
	Args  map[string]any `json:"args,omitempty"`
}

// WriteTo writes the trace as a JSON object whose traceEvents are: for
// each process, its name ("M" process_name) and its life (an "X" slice
// with its start method, exit code, CPU time and peak memory); for each
// pool task, an "X" slice on its worker's track (each lies within its
// worker's life); for each failure — a task that failed, a worker lost, a
// process that exited with a non-zero code — an "i" marker where it
// happened. A process's pid is its track's.
func (t *Trace) WriteTo(w io.Writer) (int64, error) {
	t.mu.Lock()
	events := append([]Event(nil), t.events...)
	t.mu.Unlock()
	data, err := json.Marshal(struct {
		TraceEvents     []traceEvent `json:"traceEvents"`
		DisplayTimeUnit string       `json:"displayTimeUnit"`
	}{traceEvents(events), "ms"})
	if err != nil {
		return 0, err
	}
	n, err := w.Write(append(data, '\n'))
	return int64(n), err
}

// traceEvents renders events; the earliest event (the main process's
// start) is at time zero.
func traceEvents(events []Event) []traceEvent {
	if len(events) == 0 {
		return []traceEvent{}
	}
	origin, last := events[0].Time, events[0].Time
	for _, e := range events {
		if e.Time.After(last) {
			last = e.Time
		}
		if e.Time.Before(origin) {
			origin = e.Time
		}
	}
	micros := func(at time.Time) float64 { return float64(at.Sub(origin).Nanoseconds()) / 1e3 }
	var out []traceEvent
	lives := processLives(events)
	mainPid := events[0].Pid
	for i, life := range lives {
		end := life.exited
		if end.IsZero() {
			end = last // still running when the run ended
		}
		out = append(out,
			traceEvent{Name: "process_name", Phase: "M", Pid: life.pid, Tid: life.pid, Args: map[string]any{"name": life.name}},
			traceEvent{Name: "process_sort_index", Phase: "M", Pid: life.pid, Tid: life.pid, Args: map[string]any{"sort_index": i}},
			traceEvent{Name: life.name, Phase: "X", TS: micros(life.started), Dur: micros(end) - micros(life.started),
				Pid: life.pid, Tid: life.pid, Args: life.args})
	}
	for _, e := range events {
		switch e.Kind {
		case TaskFinished, TaskFailed:
			if e.Process == "" { // no worker started it
				out = append(out, marker("failed: "+e.Task, micros(e.Time), mainPid, e.Err))
				continue
			}
			args := map[string]any{"worker": e.Process}
			if e.Err != "" {
				args["error"] = e.Err
			}
			out = append(out, traceEvent{Name: e.Task, Phase: "X", TS: micros(e.Start), Dur: micros(e.Time) - micros(e.Start),
				Pid: e.Pid, Tid: e.Pid, Args: args})
			if e.Kind == TaskFailed {
				out = append(out, marker("failed: "+e.Task, micros(e.Time), e.Pid, e.Err))
			}
		case WorkerLost:
			out = append(out, marker("worker lost: "+e.Process, micros(e.Time), e.Pid, e.Err))
		case ProcessExited:
			if e.ExitCode != 0 {
				out = append(out, marker(fmt.Sprintf("%s exited with code %d", e.Process, e.ExitCode), micros(e.Time), e.Pid, ""))
			}
		}
	}
	return out
}

// marker is an instant event on a process's track.
func marker(name string, ts float64, pid int, err string) traceEvent {
	ev := traceEvent{Name: name, Phase: "i", TS: ts, Pid: pid, Tid: pid, Scope: "t"}
	if err != "" {
		ev.Args = map[string]any{"error": err}
	}
	return ev
}

// processLife is a process's track: its name, start, exit and what it used.
type processLife struct {
	name            string
	pid             int
	started, exited time.Time
	args            map[string]any
}

// processLives returns the processes of events in the order they started.
func processLives(events []Event) []*processLife {
	byPid := map[int]*processLife{}
	var lives []*processLife
	for _, e := range events {
		switch e.Kind {
		case ProcessStarted:
			life := &processLife{name: e.Process, pid: e.Pid, started: e.Time, args: map[string]any{}}
			if e.StartMethod != "" {
				life.args["start_method"] = e.StartMethod
			}
			byPid[e.Pid] = life
			lives = append(lives, life)
		case ProcessExited:
			if life := byPid[e.Pid]; life != nil {
				life.exited = e.Time
				life.args["exit_code"] = e.ExitCode
				if e.CPUTime > 0 || e.MaxRSS > 0 {
					life.args["cpu_time_ms"] = float64(e.CPUTime.Microseconds()) / 1e3
					life.args["max_rss_mib"] = float64(e.MaxRSS) / (1 << 20)
				}
			}
		}
	}
	sort.SliceStable(lives, func(i, j int) bool { return lives[i].started.Before(lives[j].started) })
	return lives
}
