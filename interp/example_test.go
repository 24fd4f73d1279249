package interp_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"testing"
	"testing/fstest"
	"time"

	"github.com/mpstar/mpstar/interp"
	"go.starlark.net/starlark"
)

// hostOptions are the options of the example host. The child entry point
// and the script runs must use the same ones, so that a child sees the
// host's predeclared names too.
var hostOptions = interp.Options{
	Predeclared: starlark.StringDict{"HOST_NAME": starlark.String("example-host")},
}

// TestMain is the host's main: ChildMain first, so that this very test
// binary serves as the child executable.
func TestMain(m *testing.M) {
	interp.ChildMain(testOptions)
	os.Exit(m.Run())
}

// A Go host embeds mpstar and runs a script that starts a child process.
// The child re-executes the host's own binary.
func Example() {
	src := `
load("multiprocessing", "Process")

def work(n):
    print("child of", HOST_NAME, "got", n)

if __name__ == "__main__":
    p = Process(target=work, args=(42,))
    p.start()
    p.join()
    print("exitcode", p.exitcode)
`
	opts := hostOptions
	if err := interp.RunString("job.star", src, opts); err != nil {
		fmt.Println("error:", err, "status", interp.ExitCode(err))
	}
	// Output:
	// child of example-host got 42
	// exitcode 0
}

// A host stops a script with its context: here a deadline passes while
// the script waits on a queue nobody fills and on a child that never
// ends. The run returns at once with an error wrapping the context's, and
// the child is gone.
func ExampleRunStringContext() {
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	opts := hostOptions
	opts.Stderr = io.Discard // the traceback of where the script was
	err := interp.RunStringContext(ctx, "stuck.star", `
load("multiprocessing", "Process", "Queue", "Event")

def idle():
    Event().wait()

if __name__ == "__main__":
    Process(target=idle).start()
    Queue().get()  # nothing ever comes
`, opts)
	fmt.Println(errors.Is(err, context.DeadlineExceeded))
	// Output: true
}

// A host runs a script's top level, then calls one of its functions with
// Go values — here mapping a user-defined scoring function over records
// with a Pool — and gets the value back.
func ExampleExec() {
	ctx := context.Background()
	s, err := interp.Exec(ctx, "scoring.star", `
load("multiprocessing", "Pool")

def score(record):
    return record["qty"] * record["price"]

def score_all(records):
    pool = Pool(2)
    scores = pool.map(score, records)
    pool.close()
    return scores
`, hostOptions)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	records := []map[string]any{{"qty": 2, "price": 5}, {"qty": 1, "price": 7}}
	scores, err := s.Call(ctx, "score_all", records)
	fmt.Println(scores, err)
	// Output: [10, 7] <nil>
}

// A host serves load() from a file system of its own (here an in-memory
// one; an embed.FS works the same): the child process runs a function of
// the loaded module, which it gets from the run, not from the disk.
func ExampleFSLoader() {
	modules := fstest.MapFS{"greet.star": {Data: []byte(`
def greet(name):
    print("hello,", name)
`)}}
	opts := hostOptions
	opts.Loader = interp.FSLoader(modules)
	err := interp.RunString("main.star", `
load("multiprocessing", "Process")
load("greet.star", "greet")

if __name__ == "__main__":
    p = Process(target=greet, args=("child",))
    p.start()
    p.join()
`, opts)
	fmt.Println(err)
	// Output:
	// hello, child
	// <nil>
}

// A host watches a run's events: each process started and reaped (with
// its exit code, CPU time and peak memory) and each pool task, with the
// worker that ran it, when it started and ended, and how it failed. An
// interp.Trace collects them into a Chrome trace, as mpstar --trace does.
func ExampleOptions_events() {
	opts := hostOptions
	opts.Stdout = io.Discard
	opts.Events = func(e interp.Event) {
		switch e.Kind {
		case interp.ProcessStarted:
			fmt.Println(e.Kind, e.Process)
		case interp.ProcessExited:
			fmt.Println(e.Kind, e.Process, "exit code", e.ExitCode)
		case interp.TaskFailed:
			fmt.Printf("%s %q on %s: %s\n", e.Kind, e.Task, e.Process, e.Err)
		default:
			fmt.Printf("%s %q on %s\n", e.Kind, e.Task, e.Process)
		}
	}
	err := interp.RunString("events.star", `
load("multiprocessing", "Process", "Pool")

def leave():
    sys.exit(3)

def half(x):
    return 1 // x

if __name__ == "__main__":
    p = Process(target=leave)
    p.start()
    p.join()
    pool = Pool(1)
    pool.apply(half, (1,))
    catch(pool.apply, half, (0,))
    pool.close()
    pool.join()
`, opts)
	fmt.Println(err)
	// Output:
	// ProcessStarted MainProcess
	// ProcessStarted Process-1
	// ProcessExited Process-1 exit code 3
	// ProcessStarted SpawnPoolWorker-2
	// TaskStarted "task 1, half()" on SpawnPoolWorker-2
	// TaskFinished "task 1, half()" on SpawnPoolWorker-2
	// TaskStarted "task 2, half()" on SpawnPoolWorker-2
	// TaskFailed "task 2, half()" on SpawnPoolWorker-2: ZeroDivisionError: integer division or modulo by zero
	// ProcessExited SpawnPoolWorker-2 exit code 0
	// ProcessExited MainProcess exit code 0
	// <nil>
}
