package interp_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/mpstar/mpstar/interp"
)

// readyWriter collects output and closes ready when a line "ready" has
// been written: the script is about to block.
type readyWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	ready chan struct{}
	once  sync.Once
}

func (w *readyWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if strings.Contains(w.buf.String(), "ready\n") {
		w.once.Do(func() { close(w.ready) })
	}
	return len(p), nil
}

func (w *readyWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// blockingCalls are scripts that print "ready" and then block for good in
// one call each.
var blockingCalls = map[string]string{
	"join": `
p = Process(target=wait_forever)
p.start()
print("ready")
p.join()`,
	"get":        `q = Queue(); print("ready"); q.get()`,
	"put":        `q = Queue(1); q.put(1); print("ready"); q.put(2)`,
	"simple_get": `q = SimpleQueue(); print("ready"); q.get()`,
	"queue_join": `q = JoinableQueue(); q.put(1); print("ready"); q.join()`,
	"acquire":    `l = Lock(); l.acquire(); print("ready"); l.acquire()`,
	"with_lock":  `l = Lock(); l.acquire(); print("ready"); with_(l, print, "never")`,
	"semaphore":  `s = Semaphore(0); print("ready"); s.acquire()`,
	"wait":       `e = Event(); print("ready"); e.wait()`,
	"recv":       `a, b = Pipe(); print("ready"); a.recv()`,
	"recv_bytes": `a, b = Pipe(); print("ready"); a.recv_bytes()`,
	"poll":       `a, b = Pipe(); print("ready"); a.poll(None)`,
	"conn_wait":  `a, b = Pipe(); print("ready"); conn_wait([a])`,
	"accept":     `l = Listener(); print("ready"); l.accept()`,
	"accept_key": `l = Listener(authkey=b"key"); print("ready"); l.accept()`,
	"sleep":      `print("ready"); sleep(1000)`,
	"barrier":    `b = Barrier(2); print("ready"); b.wait()`,
	"condition":  `c = Condition(); c.acquire(); print("ready"); c.wait()`,
	"wait_for":   `c = Condition(); c.acquire(); print("ready"); c.wait_for(lambda: False)`,
	"pool_map":   `pool = Pool(2); print("ready"); pool.map(sleep_forever, range(4))`,
	"pool_apply": `pool = Pool(2); print("ready"); pool.apply(sleep_forever, (1,))`,
	"async_get":  `pool = Pool(2); r = pool.apply_async(sleep_forever, (1,)); print("ready"); r.get()`,
	"imap":       `pool = Pool(2); it = pool.imap(sleep_forever, range(4)); print("ready"); it.next()`,
	"manager":    `m = Manager(); q = m.Queue(); print("ready"); q.get()`,
	"exit_join": `
p = Process(target=wait_forever)
p.start()
print("ready")`,
}

const blockingPrelude = `
load("multiprocessing", "Process", "Queue", "SimpleQueue", "JoinableQueue", "Lock", "Semaphore", "Event", "Pipe", "Barrier", "Condition", "Pool", "Manager")
load("multiprocessing.connection", "Listener", conn_wait = "wait")
load("time", "sleep")

def wait_forever():
    Event().wait()

def sleep_forever(x):
    sleep(1000)

if __name__ == "__main__":
`

// runMarker is set in the environment of every run of the cancellation
// tests, so that any process a run started can be found in /proc.
const runMarker = "MPSTAR_CANCEL_TEST_RUN"

// Cancelling the context stops a script blocked in any blocking call: the
// run returns an error wrapping context.Canceled, and no process it
// started is left.
func TestCancelStopsABlockedScript(t *testing.T) {
	for name, body := range blockingCalls {
		t.Run(name, func(t *testing.T) {
			marker := fmt.Sprintf("%s-%d", name, time.Now().UnixNano())
			t.Setenv(runMarker, marker)
			shmBefore := dirNames(t, "/dev/shm")
			socketsBefore := listeningSockets(t)
			out := &readyWriter{ready: make(chan struct{})}
			var stderr bytes.Buffer
			opts := testOptions
			opts.Stdout, opts.Stderr = out, &stderr
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			src := blockingPrelude + indent(body)
			go func() { done <- interp.RunStringContext(ctx, "blocked.star", src, opts) }()
			select {
			case <-out.ready:
			case err := <-done:
				t.Fatalf("the script ended before blocking: %v\n%s%s", err, out, &stderr)
			case <-time.After(30 * time.Second):
				t.Fatalf("the script never got ready\n%s%s", out, &stderr)
			}
			cancelled := time.Now()
			cancel()
			var err error
			select {
			case err = <-done:
			case <-time.After(30 * time.Second):
				t.Fatalf("the run did not return after cancel\n%s", &stderr)
			}
			t.Logf("returned %v after cancel", time.Since(cancelled))
			if !errors.Is(err, context.Canceled) {
				t.Errorf("the run returned %v, want an error wrapping context.Canceled\n%s", err, &stderr)
			}
			if left := processesWith(t, runMarker+"="+marker); len(left) > 0 {
				t.Errorf("processes left after the run: %v", left)
			}
			if after := dirNames(t, "/dev/shm"); len(after) > len(shmBefore) {
				t.Errorf("/dev/shm had %v, now %v", shmBefore, after)
			}
			if after := listeningSockets(t); len(after) > len(socketsBefore) {
				t.Errorf("listening sockets before the run: %v, after: %v", socketsBefore, after)
			}
		})
	}
}

func indent(body string) string {
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(body), "\n") {
		b.WriteString("    " + line + "\n")
	}
	return b.String()
}

// dirNames lists dir, leaving out CPython's semaphores (sem.mp-*), which
// python3 runs of other packages' tests make meanwhile; mpstar makes none.
func dirNames(t *testing.T, dir string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "sem.mp-") {
			names = append(names, e.Name())
		}
	}
	return names
}

// listeningSockets returns this process's listening sockets (it is the
// only process of the run still alive; a manager's or a Listener's would
// be one), and the socket files mpstar makes in the temporary directory.
func listeningSockets(t *testing.T) []string {
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, fd := range fds {
		target, _ := os.Readlink(filepath.Join("/proc/self/fd", fd.Name()))
		n, err := strconv.Atoi(fd.Name())
		if err != nil || !strings.HasPrefix(target, "socket:") {
			continue
		}
		if on, err := unix.GetsockoptInt(n, unix.SOL_SOCKET, unix.SO_ACCEPTCONN); err == nil && on == 1 {
			found = append(found, target)
		}
	}
	files, _ := filepath.Glob(filepath.Join(os.TempDir(), "mpstar-sock-*"))
	return append(found, files...)
}

// processesWith returns the pids of live processes (zombies included: a
// process not yet reaped is not gone) whose environment holds entry.
func processesWith(t *testing.T, entry string) []string {
	procs, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var pids []string
	self := fmt.Sprint(os.Getpid())
	for _, p := range procs {
		if p.Name() == self || p.Name()[0] < '0' || p.Name()[0] > '9' {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", p.Name(), "environ"))
		if err != nil {
			continue
		}
		for _, kv := range bytes.Split(env, []byte{0}) {
			if string(kv) == entry {
				pids = append(pids, p.Name())
			}
		}
	}
	return pids
}
