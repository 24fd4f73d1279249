package cluster_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mpstar/mpstar/cluster"
)

// TestPoolMethods: every Pool method works through the cluster as
// locally, with tasks spread over two worker hosts that have neither the
// script nor the file it loads on disk; handles that cannot reach another
// host fail at submit.
func TestPoolMethods(t *testing.T) {
	_, url := startServer(t)
	startHost(t, url, "h1", 2)
	startHost(t, url, "h2", 2)
	out := runScript(t, 120*time.Second, `
load("multiprocessing", "Lock", "Pipe", "Pool", "Queue", "Value")
load("helper.star", "square")

def add(a, b):
    return a + b

def fails(x):
    if x == 3:
        fail("three is bad")
    return x

got = []

if __name__ == "__main__":
    pool = Pool(4, cluster="`+url+`")
    print(pool.map(square, range(10)))
    print(pool.map(square, range(100), chunksize=7) == [x * x for x in range(100)])
    print(pool.starmap(add, [(1, 2), (3, 4)]))
    print(list(pool.imap(square, range(5))))
    print(sorted(pool.imap_unordered(square, range(5))))
    print(pool.apply_async(add, (2, 3)).get(timeout=30))
    r = pool.apply_async(square, (6,), callback=got.append)
    r.wait()
    pool.apply_async(fails, (3,), error_callback=lambda e: got.append(str(e))).wait()
    print(pool.apply(square, (7,)))
    print(got)
    v, err = catch(pool.map, fails, range(5))
    print(err)
    for h in (Lock(), Value("i", 0), Queue(), Pipe()[0]):
        _, err = catch(pool.apply_async, square, (h,))
        print(err)
    pool.close()
    pool.join()
`, "helper.star", "def square(x):\n    return x * x\n")
	expectLines(t, out,
		"[0, 1, 4, 9, 16, 25, 36, 49, 64, 81]",
		"True",
		"[3, 7]",
		"[0, 1, 4, 9, 16]",
		"[0, 1, 4, 9, 16]",
		"5",
		"49",
		`[36, "Error: three is bad"]`,
		"Error: three is bad",
		"RuntimeError: apply_async: args[0]: Lock objects should only be shared between processes through inheritance",
		"RuntimeError: apply_async: args[0]: Synchronized objects should only be shared between processes through inheritance",
		"RuntimeError: apply_async: args[0]: Queue objects should only be shared between processes through inheritance",
		"RuntimeError: apply_async: args[0]: Connection objects should only be shared between processes through inheritance")
}

// TestInitializerFails: an initializer that fails on the worker host
// fails the tasks with its error, as on a local pool; an initializer's
// argument that cannot reach another host fails at Pool().
func TestInitializerFails(t *testing.T) {
	_, url := startServer(t)
	startHost(t, url, "h1", 1)
	out := runScript(t, time.Minute, `
load("multiprocessing", "Lock", "Pool")

def bad():
    fail("no database here")

def square(x):
    return x * x

if __name__ == "__main__":
    for initializer, initargs in ((bad, ()), (print, (Lock(),))):
        pool, err = catch(Pool, 1, initializer=initializer, initargs=initargs, cluster="`+url+`")
        if err:
            print(err)
            continue
        _, err = catch(pool.apply, square, (3,))
        print(err)
        pool.terminate()
`)
	expectLines(t, out, "Error: no database here",
		"TypeError: cannot start cluster pool workers: the initializer's arguments hold objects (locks, queues, shared values, connections) that cannot reach another host")
}

// TestLoneTaskBeforeAnyHost: a lone task submitted while no host serves
// the pool finds no one to send it to directly, goes to the stream, and
// runs once a host comes. The heartbeat is long, so the task cannot
// reach the stream by its host's silence instead.
func TestLoneTaskBeforeAnyHost(t *testing.T) {
	_, url := startServer(t)
	s := newScript(t, `
load("multiprocessing", "Pool")

def double(x):
    return 2 * x

if __name__ == "__main__":
    pool = Pool(2, cluster="`+url+`")
    r = pool.apply_async(double, (21,))
    print("submitted")
    print(r.get())
    pool.terminate()
`)
	s.cmd.Env = append(s.cmd.Env, cluster.HeartbeatEnv+"=3600")
	lines := s.lines(t)
	s.start(t)
	awaitLine(t, s, lines, "submitted")
	startHost(t, url, "h1", 1)
	awaitLine(t, s, lines, "42")
	s.wait(t, time.Minute)
}

// TestIMapFeedsLazily: imap and imap_unordered over a range too large to
// read at once yield their first results: the pool is fed from the
// range as results are taken, a window at a time.
func TestIMapFeedsLazily(t *testing.T) {
	_, url := startServer(t)
	startHost(t, url, "h1", 2)
	out := runScript(t, 2*time.Minute, `
load("multiprocessing", "Pool")

def double(x):
    return 2 * x

if __name__ == "__main__":
    pool = Pool(2, cluster="`+url+`")
    it = pool.imap(double, range(2000000000))
    print([it.next(timeout=60) for _ in range(3)])
    n = 0
    for v in pool.imap_unordered(double, range(2000000000), chunksize=10):
        n += 1
        if n == 10000:
            break
    print(n)
    pool.terminate()
`)
	expectLines(t, out, "[0, 2, 4]", "10000")
}

// TestTaskTimeout: task_timeout, apply_async's timeout= and map's
// timeout= bound a task's run on a worker host as on a local pool: the
// task fails with the same TimeoutError and message (the pid aside), its
// worker is killed and replaced, and the pool goes on.
func TestTaskTimeout(t *testing.T) {
	_, url := startServer(t)
	startHost(t, url, "h1", 1)
	out := runScript(t, 2*time.Minute, `
load("multiprocessing", "Pool")

def stuck(x):
    time.sleep(600)

def worker_pid(x):
    return os.getpid()

def run(name, pool):
    before = pool.apply(worker_pid, (0,))
    _, err = catch(pool.apply_async(stuck, (1,)).get)
    print(name, err.type, err.is_a("TimeoutError"), err.message)
    print(name, "a fresh worker ran the next task:", pool.apply(worker_pid, (0,)) != before)
    _, err = catch(pool.apply_async(stuck, (2,), timeout=0.2).get)
    print(name, err.message)
    _, err = catch(pool.map, stuck, range(3), chunksize=2, timeout=0.2)
    print(name, err.message)
    print(name, pool.map(worker_pid, range(3), timeout=60) == [pool.apply(worker_pid, (0,))] * 3)
    pool.close()
    pool.join()

if __name__ == "__main__":
    run("local", Pool(1, task_timeout=0.3))
    run("cluster", Pool(1, task_timeout=0.3, cluster="`+url+`"))
`)
	pid := regexp.MustCompile(`\(pid [0-9]+\)`)
	var local, cluster []string
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		l = pid.ReplaceAllString(l, "(pid P)")
		if rest, ok := strings.CutPrefix(l, "local "); ok {
			local = append(local, rest)
		} else if rest, ok := strings.CutPrefix(l, "cluster "); ok {
			cluster = append(cluster, rest)
		}
	}
	want := []string{
		"TimeoutError True task 2, stuck() ran past its time limit of 0.3 seconds; worker SpawnPoolWorker-1 (pid P) was killed and replaced",
		"a fresh worker ran the next task: True",
		"task 4, stuck() ran past its time limit of 0.2 seconds; worker SpawnPoolWorker-2 (pid P) was killed and replaced",
		"task 5, stuck() on items 0..1 of map ran past its time limit of 0.2 seconds; worker SpawnPoolWorker-3 (pid P) was killed and replaced",
		"True",
	}
	if strings.Join(local, "\n") != strings.Join(want, "\n") {
		t.Fatalf("local pool:\n%s\nwant:\n%s", out, strings.Join(want, "\n"))
	}
	if strings.Join(cluster, "\n") != strings.Join(local, "\n") {
		t.Errorf("cluster pool:\n%s\nlocal pool:\n%s", strings.Join(cluster, "\n"), strings.Join(local, "\n"))
	}
}
