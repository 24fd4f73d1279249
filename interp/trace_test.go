package interp_test

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/mpstar/mpstar/interp"
)

// traceScript starts a Process, then has a Pool of 2 run 20 apply_async
// tasks (one raises), a map of 22 items in 6 chunks, and a task whose
// worker exits under it.
const traceScript = `
load("multiprocessing", "Process", "Pool")

def hello():
    print("hello")

def square(x):
    if x == 7:
        return 1 // 0
    return x * x

def die():
    sys.exit(3)

if __name__ == "__main__":
    p = Process(target=hello)
    p.start()
    p.join()
    pool = Pool(2)
    for r in [pool.apply_async(square, (i,)) for i in range(20)]:
        r.wait()
    print(len(pool.map(square, range(8, 30), chunksize=4)))
    pool.apply_async(die).wait()
    pool.close()
    pool.join()
`

// chromeTrace is what the test reads of a trace-event file.
type chromeTrace struct {
	TraceEvents []struct {
		Name  string         `json:"name"`
		Phase string         `json:"ph"`
		TS    float64        `json:"ts"`
		Dur   float64        `json:"dur"`
		Pid   int            `json:"pid"`
		Tid   int            `json:"tid"`
		Args  map[string]any `json:"args"`
		Scope string         `json:"s"`
	} `json:"traceEvents"`
}

// TestTraceHasEveryProcessAndTask runs a script with a Trace as its
// events' receiver and reads the Chrome trace back: every process has a
// named track and a slice for its life, every task a slice nested in its
// worker's life, and the failures are marked.
func TestTraceHasEveryProcessAndTask(t *testing.T) {
	var trace interp.Trace
	opts := testOptions
	opts.Stdout, opts.Stderr, opts.Events = io.Discard, io.Discard, trace.Add
	if err := interp.RunString("trace.star", traceScript, opts); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := trace.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	var ct chromeTrace
	if err := json.Unmarshal(buf.Bytes(), &ct); err != nil {
		t.Fatalf("the trace is not JSON: %v\n%s", err, &buf)
	}
	type life struct{ start, end float64 }
	names, lives := map[int]string{}, map[int]life{}
	for _, e := range ct.TraceEvents {
		if e.Phase == "M" && e.Name == "process_name" {
			names[e.Pid] = e.Args["name"].(string)
		}
	}
	for _, e := range ct.TraceEvents {
		if e.Phase == "X" && e.Name == names[e.Pid] {
			lives[e.Pid] = life{e.TS, e.TS + e.Dur}
		}
	}
	count := map[string]int{}
	for pid, name := range names {
		count[strings.TrimRight(name, "0123456789")]++
		if _, ok := lives[pid]; !ok {
			t.Errorf("process %s (%d) has no slice for its life", name, pid)
		}
	}
	// The pool replaces the worker that died: three workers in all.
	if count["MainProcess"] != 1 || count["Process-"] != 1 || count["SpawnPoolWorker-"] != 3 {
		t.Errorf("processes %v, want MainProcess, Process-1 and three SpawnPoolWorker-N", names)
	}
	tasks, markers := 0, map[string]string{}
	for _, e := range ct.TraceEvents {
		switch {
		case e.Phase == "X" && e.Args["worker"] != nil:
			tasks++
			l, ok := lives[e.Pid]
			const rounding = 0.01 // µs: ts and dur are floats
			if e.Args["worker"] != names[e.Pid] || !ok || e.TS < l.start-rounding || e.TS+e.Dur > l.end+rounding || e.Tid != e.Pid {
				t.Errorf("task %q [%.0f, %.0f] on %d (%v) is not within its worker's life %+v", e.Name, e.TS, e.TS+e.Dur, e.Pid, e.Args["worker"], l)
			}
		case e.Phase == "i":
			err, _ := e.Args["error"].(string)
			markers[e.Name] = err
		}
	}
	if tasks != 20+6+1 {
		t.Errorf("%d task slices, want 27 (20 apply_async, 6 map chunks, 1 lost)", tasks)
	}
	wantMarkers := map[string]string{
		"failed: task 8, square()":                       "ZeroDivisionError",
		"failed: task 27, die()":                         "WorkerLostError",
		"failed: task 21, square() on items 0..3 of map": "",
	}
	for name, errType := range wantMarkers {
		err, ok := markers[name]
		if errType == "" {
			if ok {
				t.Errorf("a marker %q for a task that succeeded", name)
			}
			continue
		}
		if !ok || !strings.HasPrefix(err, errType) {
			t.Errorf("marker %q: %q, want an error %s...; markers: %v", name, err, errType, markers)
		}
	}
	lost := 0
	for name := range markers {
		if strings.HasPrefix(name, "worker lost: SpawnPoolWorker-") {
			lost++
		}
	}
	if lost != 1 {
		t.Errorf("%d worker-lost markers, want 1: %v", lost, markers)
	}
}
