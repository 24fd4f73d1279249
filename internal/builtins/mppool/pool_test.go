package mppool_test

// Pool tests that run scripts in real processes; the CPython examples are
// in conformance/testdata/pool_*.star.

import (
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe" // ioctl(TIOCSPTLCK) takes a pointer to its argument

	"golang.org/x/sys/unix"

	"github.com/mpstar/mpstar/internal/proctest"
	"github.com/mpstar/mpstar/interp"
)

// runPoolScript runs src as a script (its pool tasks are defined at top
// level, as spawn requires) and returns its stdout and stderr; it fails
// the test when the script fails or runs longer than limit.
func runPoolScript(t *testing.T, src string, stderr *os.File, limit time.Duration) (string, string) {
	t.Helper()
	var out, errOut proctest.Buffer
	opts := interp.Options{Stdout: &out, Stderr: &errOut}
	if stderr != nil {
		opts.Stderr = stderr
	}
	file := t.TempDir() + "/pool_test.star"
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- interp.RunFile(file, opts) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("script failed: %v\nstdout:\n%s\nstderr:\n%s", err, out.String(), errOut.String())
		}
	case <-time.After(limit):
		t.Fatalf("script still running after %v\nstdout:\n%s\nstderr:\n%s", limit, out.String(), errOut.String())
	}
	return out.String(), errOut.String()
}

// expectLines checks that out is exactly want, line by line.
func expectLines(t *testing.T, out string, want ...string) {
	t.Helper()
	got := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("output:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

const poolHeader = `
load("multiprocessing", "Pool", "Event", "Value", "active_children", "current_process")

def square(x):
    return x * x

def add(a, b):
    return a + b

def kw(a, b=0, c=0):
    return [a, b, c]

def fails(x):
    if x == 3:
        fail("three is bad")
    return x

def slow(x):
    time.sleep(0.05)
    return x

def pid(x):
    return os.getpid()

def name(x):
    return current_process().name
`

func TestPoolMethods(t *testing.T) {
	out, _ := runPoolScript(t, poolHeader+`
if __name__ == "__main__":
    pool = Pool(2)
    print(pool.apply(square, (7,)))
    print(pool.apply(kw, (1,), {"c": 3}))
    print(pool.apply_async(add, (2, 3)).get(10))
    print(pool.map(square, range(10)))
    print(pool.map(square, [5, 6], chunksize=1))
    print(pool.map(square, []))
    print(pool.map_async(square, range(5)).get(10))
    print(list(pool.imap(square, range(8), chunksize=3)))
    print(sorted(pool.imap_unordered(square, range(8))))
    print(pool.starmap(add, [(1, 2), [3, 4]]))
    print(pool.starmap_async(add, [(5, 6)]).get(10))
    print(pool.map(square, range(3, 30, 7)))
    print(sorted(set(pool.map(name, range(20), chunksize=1))))
    print(pool)
    pool.close()
    pool.join()
    print(pool)
`, nil, 60*time.Second)
	expectLines(t, out,
		"49",
		"[1, 0, 3]",
		"5",
		"[0, 1, 4, 9, 16, 25, 36, 49, 64, 81]",
		"[25, 36]",
		"[]",
		"[0, 1, 4, 9, 16]",
		"[0, 1, 4, 9, 16, 25, 36, 49]",
		"[0, 1, 4, 9, 16, 25, 36, 49]",
		"[3, 7]",
		"[11]",
		"[9, 100, 289, 576]",
		`["SpawnPoolWorker-1", "SpawnPoolWorker-2"]`,
		"<multiprocessing.pool.Pool state=RUN pool_size=2>",
		"<multiprocessing.pool.Pool state=CLOSE pool_size=2>",
	)
}

func TestPoolContext(t *testing.T) {
	out, _ := runPoolScript(t, poolHeader+`
load("multiprocessing", "get_context")

if __name__ == "__main__":
    ctx = get_context("fork")
    pool = ctx.Pool(1)
    print(pool.map(name, range(2)))
    pool.terminate()
    pool = Pool(1, context=get_context("forkserver"))
    print(pool.apply(name, (1,)))
    pool.terminate()
`, nil, 60*time.Second)
	expectLines(t, out, `["ForkPoolWorker-1", "ForkPoolWorker-1"]`, "ForkServerPoolWorker-2")
}

func TestPoolOrdering(t *testing.T) {
	// Tasks finish in reverse order; map and imap keep the input order,
	// imap_unordered yields in completion order (which the main process
	// sets by releasing the tasks one at a time).
	out, _ := runPoolScript(t, poolHeader+`
load("multiprocessing", "Manager")

def backwards(x):
    time.sleep(0.03 * (4 - x))
    return x

def released(arg):
    x, events = arg
    events[x].wait(60)
    return x

if __name__ == "__main__":
    pool = Pool(4)
    pool.map(square, range(4), chunksize=1)  # all workers up
    print(pool.map(backwards, range(4), chunksize=1))
    print(list(pool.imap(backwards, range(4))))
    manager = Manager()
    events = [manager.Event() for _ in range(4)]
    it = pool.imap_unordered(released, [(x, events) for x in range(4)])
    got = []
    for x in [3, 2, 1, 0]:
        events[x].set()
        got.append(it.next(60))
    print(got)
    manager.shutdown()
    rs = [pool.apply_async(backwards, (i,)) for i in range(4)]
    print([r.get(10) for r in rs])
    pool.terminate()
`, nil, 60*time.Second)
	expectLines(t, out, "[0, 1, 2, 3]", "[0, 1, 2, 3]", "[3, 2, 1, 0]", "[0, 1, 2, 3]")
}

func TestPoolCallbacks(t *testing.T) {
	out, _ := runPoolScript(t, poolHeader+`
if __name__ == "__main__":
    pool = Pool(2)
    seen = []
    r = pool.apply_async(square, (4,), callback=seen.append)
    print(r.get(10), seen)  # the callback ran before get returned
    # Callbacks wait for the script's next call into the module: never
    # concurrently with the script.
    r = pool.apply_async(square, (5,), callback=seen.append)
    deadline = time.monotonic() + 0.3
    for i in range(1000000):
        if time.monotonic() > deadline:
            break
    print(seen)
    r.wait()
    print(seen)
    errs = []
    r = pool.apply_async(fails, (3,), error_callback=errs.append)
    r.wait(10)
    print(r.ready(), r.successful(), [str(e) for e in errs])
    m = pool.map_async(square, range(4), callback=seen.append)
    m.wait(10)
    print(seen)
    m = pool.map_async(fails, range(6), chunksize=1, error_callback=errs.append)
    m.wait(10)
    print(m.successful(), len(errs), errs[-1].type)
    v, err = catch(r.get)
    print(err)
    pool.close()
    pool.join()
`, nil, 60*time.Second)
	expectLines(t, out,
		"16 [16]",
		"[16]",
		"[16, 25]",
		`True False ["Error: three is bad"]`,
		"[16, 25, [0, 1, 4, 9]]",
		"False 2 Error",
		"Error: three is bad",
	)
}

// TestPoolCallbackFailsDuringWait checks that a callback that fails while
// the script waits has its error reported by the call that waited, once,
// and that callbacks go on running afterwards.
func TestPoolCallbackFailsDuringWait(t *testing.T) {
	out, _ := runPoolScript(t, poolHeader+`
def set_and_fail(v):
    ev.set()
    fail("callback failed on %d" % v)

if __name__ == "__main__":
    pool = Pool(2)
    ev = Event()
    pool.apply_async(square, (3,), callback=set_and_fail)
    v, err = catch(ev.wait, 60)
    print(v, err)
    print(ev.wait(0))
    seen = []
    r = pool.apply_async(square, (4,), callback=seen.append)
    print(r.get(10), seen)
    pool.close()
    pool.join()
`, nil, 60*time.Second)
	expectLines(t, out, "None Error: callback failed on 9", "True", "16 [16]")
}

func TestPoolErrorPropagation(t *testing.T) {
	out, _ := runPoolScript(t, poolHeader+`
def typed(x):
    return Pool(0)

if __name__ == "__main__":
    pool = Pool(2)
    v, err = catch(pool.apply, fails, (3,))
    print(err.type, "|", err.message)
    print(err.traceback)
    v, err = catch(pool.map, fails, range(10))
    print("map:", err)
    v, err = catch(pool.apply, typed, (1,))
    print(err.type)
    v, err = catch(pool.apply, lambda x: x, (1,))
    print(err.type, "|", err.message)
    v, err = catch(pool.map, square, [1, Event()])
    print(err.type)
    pool.close()
    v, err = catch(pool.apply, square, (1,))
    print(err)
    pool.join()
`, nil, 60*time.Second)
	lines := strings.Split(out, "\n")
	if lines[0] != "Error | three is bad" {
		t.Errorf("apply's error: %q", lines[0])
	}
	for _, want := range []string{`multiprocessing.pool.RemoteTraceback: `, `in fails`, `Error: three is bad`,
		"The above exception was the direct cause of the following exception:", "in <module>"} {
		if !strings.Contains(out, want) {
			t.Errorf("traceback lacks %q:\n%s", want, out)
		}
	}
	for _, want := range []string{
		"map: Error: three is bad",
		"ValueError",
		"TypeError | apply: cannot send the task: func: cannot send a lambda that is not bound to a top-level name; define it with def at the top level",
		"RuntimeError",
		"ValueError: Pool not running",
	} {
		if !strings.Contains(out, "\n"+want+"\n") {
			t.Errorf("output lacks the line %q:\n%s", want, out)
		}
	}
}

func TestPoolMisuse(t *testing.T) {
	out, _ := runPoolScript(t, poolHeader+`
def show(f, *args, **kwargs):
    v, err = catch(f, *args, **kwargs)
    print(err)

if __name__ == "__main__":
    show(Pool, 0)
    show(Pool, 1, initializer=3)
    show(Pool, 1, maxtasksperchild=0)
    pool = Pool(1)
    r = pool.apply_async(slow, (1,))
    v, err = catch(r.successful)
    print(err.type, err.message.endswith(" not ready"))
    show(pool.join)
    show(pool.imap, square, range(3), chunksize=0)
    show(pool.map, square, 5)
    it = pool.imap(square, range(2))
    print(it.next(10), it.next(10))
    show(it.next)
    pool.terminate()
    pool.join()
`, nil, 60*time.Second)
	expectLines(t, out,
		"ValueError: Number of processes must be at least 1",
		"TypeError: initializer must be a callable",
		"ValueError: maxtasksperchild must be a positive int or None",
		"ValueError True",
		"ValueError: Pool is still running",
		"ValueError: Chunksize must be 1+, not 0",
		"TypeError: 'int' object is not iterable",
		"0 1",
		"StopIteration",
	)
}

func TestPoolIMapTimeout(t *testing.T) {
	out, _ := runPoolScript(t, poolHeader+`
def nap(x):
    time.sleep(0.3)
    return x

if __name__ == "__main__":
    pool = Pool(1)
    it = pool.imap(nap, range(2))
    v, err = catch(it.next, 0.01)
    print(err)
    print(err.is_a("ProcessError"), err.is_a(multiprocessing.TimeoutError))
    print(it.next(10), it.next(10))
    r = pool.apply_async(nap, (1,))
    v, err = catch(r.get, 0.01)
    print(err.type, r.ready())
    print(r.get(10))
    pool.terminate()
`, nil, 60*time.Second)
	expectLines(t, out, "TimeoutError", "True True", "0 1", "TimeoutError False", "1")
}

func TestPoolMaxTasksPerChild(t *testing.T) {
	out, _ := runPoolScript(t, poolHeader+`
if __name__ == "__main__":
    pool = Pool(2, maxtasksperchild=1)
    pids = [pool.apply(pid, (i,)) for i in range(6)]
    print(len(set(pids)))
    pids = pool.map(pid, range(6), chunksize=1)
    print(len(set(pids)))
    pool.close()
    pool.join()
`, nil, 60*time.Second)
	expectLines(t, out, "6", "6")
}

func TestPoolInitializer(t *testing.T) {
	out, stderr := runPoolScript(t, poolHeader+`
state = {"n": 0}

def init(counter, base):
    state["n"] = base
    counter.get_lock().acquire()
    counter.value += 1
    counter.get_lock().release()

def get_state(x):
    state["n"] += 1
    return state["n"]

def bad_init():
    fail("no init today")

if __name__ == "__main__":
    counter = Value("i", 0)
    pool = Pool(3, initializer=init, initargs=(counter, 100))
    print(sorted(pool.map(get_state, range(3), chunksize=1))[0] > 100)
    pool.close()
    pool.join()
    print(counter.value)
    start = time.monotonic()
    bad = Pool(2, initializer=bad_init)
    v, err = catch(bad.map, square, range(10))
    print(err)
    v, err = catch(bad.apply_async, square, (1,))
    print(err, time.monotonic() - start < 10)
    bad.terminate()
`, nil, 60*time.Second)
	expectLines(t, out, "True", "3", "Error: no init today", "Error: no init today True")
	if !strings.Contains(stderr, "Process SpawnPoolWorker-") || !strings.Contains(stderr, "no init today") {
		t.Errorf("the failing initializer's traceback is not on stderr:\n%s", stderr)
	}
}

func TestPoolTerminateMidMap(t *testing.T) {
	out, _ := runPoolScript(t, poolHeader+`
if __name__ == "__main__":
    pool = Pool(2)
    r = pool.map_async(slow, range(200), chunksize=1)
    t0 = time.monotonic()
    pool.terminate()
    v, err = catch(r.get, 10)
    print(err, time.monotonic() - t0 < 5)
    print([p.name for p in active_children()])
    pool.join()
    v, err = catch(pool.map, square, range(3))
    print(err)
    pool2 = Pool(1)
    print(with_(pool2, pool2.map, square, range(3)))
    v, err = catch(pool2.apply, square, (1,))
    print(err)
`, nil, 60*time.Second)
	expectLines(t, out,
		"RuntimeError: Pool was terminated before the task finished True",
		"[]",
		"ValueError: Pool not running",
		"[0, 1, 4]",
		"ValueError: Pool not running",
	)
}

func TestPoolWorkerLost(t *testing.T) {
	out, _ := runPoolScript(t, poolHeader+`
state = {}

def init(holding, pid):
    state["holding"] = holding
    state["pid"] = pid

def task(x):
    if x == 500 and not state["holding"].is_set():
        state["pid"].value = os.getpid()
        state["holding"].set()
        time.sleep(60)
    return x * 2

def kill_holder(pid):
    for p in active_children():
        if p.pid == pid.value:
            p.kill()
            return p.name
    return None

def bye(x):
    sys.exit(3)

if __name__ == "__main__":
    holding = Event()
    pid = Value("i", 0)
    pool = Pool(2, initializer=init, initargs=(holding, pid))
    r = pool.map_async(task, range(1000))
    print(holding.wait(20))
    killed = kill_holder(pid)
    t0 = time.monotonic()
    v, err = catch(r.get, 10)
    print("map:", err.type, time.monotonic() - t0 < 5)
    print(err.message)
    print(killed in err.message, "exitcode -9 (SIGKILL)" in err.message, "items 500..624 of map" in err.message)

    holding.clear()
    it = pool.imap(task, range(1000))
    got, errs = [], []
    for i in range(1000):
        if i == 100:
            print(holding.wait(20))
            kill_holder(pid)
        v, err = catch(it.next, 20)
        if err:
            errs.append(err.type)
        else:
            got.append(v)
    print(len(got), errs, got == [2 * x for x in range(1000) if x != 500])
    print(pool.map(square, range(5)))
    v, err = catch(pool.apply, bye, (1,))
    print(err.type, "exitcode 3" in err.message)
    print(pool.apply(square, (9,)))
    pool.close()
    pool.join()
`, nil, 120*time.Second)
	lines := strings.Split(out, "\n")
	if len(lines) < 9 {
		t.Fatalf("output:\n%s", out)
	}
	expectLines(t, strings.Join(append(lines[:2:2], lines[3:9]...), "\n"),
		"True",
		"map: WorkerLostError True",
		"True True True",
		"True",
		`999 ["WorkerLostError"] True`,
		"[0, 1, 4, 9, 16]",
		"WorkerLostError True",
		"81",
	)
	if !regexp.MustCompile(`^worker SpawnPoolWorker-\d+ \(pid \d+\) exited with exitcode -9 \(SIGKILL\) while running task \d+, task\(\) on items 500..624 of map_async$`).MatchString(lines[2]) {
		t.Errorf("WorkerLostError message: %q", lines[2])
	}
}

func TestPoolDefaultSize(t *testing.T) {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		t.Skip(err)
	}
	out, _ := runPoolScript(t, poolHeader+`
if __name__ == "__main__":
    pool = Pool()
    print(pool._processes)
    pool.terminate()
`, nil, 60*time.Second)
	n, _ := strconv.Atoi(strings.TrimSpace(out))
	if n < 1 || n > set.Count() {
		t.Errorf("Pool() has %d workers; the affinity mask allows %d CPUs", n, set.Count())
	}
}

const progressScript = poolHeader + `
def tick(x):
    time.sleep(0.002)
    return x

if __name__ == "__main__":
    pool = Pool(2)
    print(len(pool.map(tick, range(300), chunksize=5, progress=True)))
    print(len([v for v in pool.imap_unordered(int, ["1", "2", "x", "4"], progress=True) if type(v) != "error"]))
    print(len(list(pool.imap(tick, range(50), progress=True))))
    pool.close()
    pool.join()
`

func TestPoolProgressOnTerminal(t *testing.T) {
	master, slave := openPty(t)
	var term proctest.Buffer
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			term.Write(buf[:n])
			if err != nil {
				return
			}
		}
	}()
	out, _ := runPoolScript(t, progressScript, slave, 60*time.Second)
	expectLines(t, out, "300", "3", "50")
	slave.Close()
	select {
	case <-copied:
	case <-time.After(2 * time.Second):
	}
	drawn := term.String()
	failed := "task 2 failed: ValueError: invalid literal for int() with base 10: 'x'"
	for _, want := range []string{"300/300 100%", failed, "50/50 100%", "\r[", "/s ETA "} {
		if !strings.Contains(drawn, want) {
			t.Errorf("the terminal did not get %q:\n%q", want, drawn)
		}
	}
	if last := drawn[strings.LastIndex(drawn, "\r["):]; !strings.Contains(last, "50/50 100%") {
		t.Errorf("the last bar drawn is not at 100%%: %q", last)
	}
}

// TestPoolProgressLinesOnPipe: where stderr is no terminal (a pipe here,
// as under a CI runner or a log collector), progress=True writes plain
// lines, the last one at the end, and no terminal control characters.
func TestPoolProgressLinesOnPipe(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	read := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(r)
		read <- b
	}()
	out, _ := runPoolScript(t, progressScript, w, 60*time.Second)
	w.Close()
	expectLines(t, out, "300", "3", "50")
	lines := string(<-read)
	failed := "task 2 failed: ValueError: invalid literal for int() with base 10: 'x'\n"
	for _, want := range []string{"map: 300/300 tasks done\n", failed, "imap_unordered: 3/4 tasks done\n", "imap: 50/50 tasks done\n"} {
		if !strings.Contains(lines, want) {
			t.Errorf("stderr lacks %q:\n%s", want, lines)
		}
	}
	if strings.ContainsAny(lines, "\r\x1b") {
		t.Errorf("stderr has terminal control characters: %q", lines)
	}
}

// openPty opens a pseudo-terminal pair through /dev/ptmx.
func openPty(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	var unlock int32
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(m), unix.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		t.Fatalf("unlockpt: %v", e)
	}
	n, err := unix.IoctlGetInt(m, unix.TIOCGPTN)
	if err != nil {
		t.Fatalf("ptsname: %v", err)
	}
	s, err := unix.Open("/dev/pts/"+strconv.Itoa(n), unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("open pty slave: %v", err)
	}
	master, slave = os.NewFile(uintptr(m), "ptmx"), os.NewFile(uintptr(s), "pts")
	t.Cleanup(func() { master.Close(); slave.Close() })
	return master, slave
}
