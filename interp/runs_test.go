package interp_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/mpstar/mpstar/interp"
	"github.com/mpstar/mpstar/mpcore/sandbox"
)

// runA takes a Lock back from a child it killed while holding it, then
// leaves a Queue with an item its feeder cannot flush (it is larger than
// the ring and nobody reads), says so on READY and waits on GO.
const runA = `
load("multiprocessing", "Process", "Queue", "Lock", "Event")

def hold(lock, held, never):
    lock.acquire()
    held.set()
    never.wait()

if __name__ == "__main__":
    lock, held, never = Lock(), Event(), Event()
    p = Process(target=hold, args=(lock, held, never))
    p.start()
    held.wait()
    p.kill()
    p.join()
    lock.acquire()
    q = Queue()
    q.put(b"x" * (4 << 20))
    ready = open(%q, "w")
    ready.write("ready")
    ready.close()
    open(%q).read()
    q.cancel_join_thread()
`

const runB = `
load("multiprocessing", "Queue")

q = Queue()
q.put(1)
print(q.get())
`

// TestTwoRunsAtOnce runs two scripts in one Go process at the same time:
// neither touches the other's state. The second ends while the first has a
// queue it cannot flush (an exit that waited for every queue of the
// process would wait for ever), and the warning of the first about a lock
// it took back from a dead process goes to its own stderr, not to the
// process's or the other run's.
func TestTwoRunsAtOnce(t *testing.T) {
	dir := t.TempDir()
	ready, goOn := filepath.Join(dir, "ready"), filepath.Join(dir, "go")
	for _, f := range []string{ready, goOn} {
		if err := unix.Mkfifo(f, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var outA, errA bytes.Buffer
	optsA := testOptions
	optsA.Stdout, optsA.Stderr = &outA, &errA
	optsA.Permissions.Write = sandbox.Access{List: []string{dir}} // the two FIFOs
	doneA := make(chan error, 1)
	go func() { doneA <- interp.RunString("a.star", fmt.Sprintf(runA, ready, goOn), optsA) }()

	r, err := os.Open(ready) // returns once run A opens it to write
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(r); string(b) != "ready" {
		t.Fatalf("run A said %q on READY; its stderr:\n%s", b, errA.String())
	}
	r.Close()

	var outB, errB bytes.Buffer
	optsB := testOptions
	optsB.Stdout, optsB.Stderr = &outB, &errB
	doneB := make(chan error, 1)
	go func() { doneB <- interp.RunString("b.star", runB, optsB) }()
	select {
	case err := <-doneB:
		if err != nil || outB.String() != "1\n" || errB.Len() != 0 {
			t.Errorf("run B: %v, stdout %q, stderr %q", err, outB.String(), errB.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatal("run B did not end: its exit waits for run A's queue")
	}

	w, err := os.OpenFile(goOn, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	if err := <-doneA; err != nil {
		t.Fatalf("run A: %v\n%s", err, errA.String())
	}
	if !strings.Contains(errA.String(), "recovered from dead process") {
		t.Errorf("run A's stderr lacks the dead-owner warning: %q", errA.String())
	}
}
