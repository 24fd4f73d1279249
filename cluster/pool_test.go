package cluster_test

import (
	"testing"
	"time"
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
