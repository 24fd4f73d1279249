package cluster_test

// The cluster workloads of mpbench, side by side with the local pool in
// one sitting. mpbench itself links no server, so they run here, with the
// embedded one:
//
//	MPSTAR_CLUSTER_BENCH=1 go test ./cluster -run TestClusterBench -v
//
// (without -race: the figures are speeds). MPSTAR_CLUSTER_BENCH_N scales
// the one-message task count (default 1,000,000); MPSTAR_TEST_PREFETCH
// sets the host's -prefetch (default 1); MPSTAR_TEST_CPUPROFILE=DIR has
// the host and script processes write CPU profiles there (and
// -test.cpuprofile profiles the server). One host serves the pool with
// two worker processes, as the local pool has. A cluster pool's start-up
// is its parent's: publishing the code, creating the stream and
// announcing the pool, then the hosts starting its workers.

import (
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"
)

const benchScript = `
load("multiprocessing", "Pool")

def square(x):
    return x * x

def rate(pool, n, chunksize):
    t = time.perf_counter()
    res = pool.map(square, range(n), chunksize=chunksize)
    d = time.perf_counter() - t
    if len(res) != n or res[n - 1] != (n - 1) * (n - 1):
        fail("wrong results")
    return n / d

def latency(pool, n):
    # The p50 and p99 of a lone task's round trip, in microseconds.
    lat = []
    for i in range(20):
        pool.apply_async(square, (i,)).get()
    for i in range(n):
        s = time.perf_counter()
        r = pool.apply_async(square, (i,)).get()
        lat.append(time.perf_counter() - s)
        if r != i * i:
            fail("wrong result")
    lat = sorted(lat)
    return lat[n // 2] * 1e6, lat[n * 99 // 100] * 1e6

def startup(make):
    # A pool's start-up cost: making it and the first result back.
    lat = []
    for i in range(5):
        t = time.perf_counter()
        pool = make()
        pool.apply(square, (i,))
        lat.append(time.perf_counter() - t)
        pool.terminate()
    return sorted(lat)[2] * 1e3

def measure(name, pool, tasks):
    print("%s pool_map_small_chunk1000 %d tasks/s" % (name, int(rate(pool, 1000000, 1000))))
    print("%s pool_map_small_default %d tasks/s" % (name, int(rate(pool, 1000000, None))))
    p50, p99 = latency(pool, 4000)
    print("%s pool_apply_async_latency_p50 %d us" % (name, int(p50)))
    print("%s pool_apply_async_latency_p99 %d us" % (name, int(p99)))
    print("%s one_message_tasks %d tasks/s" % (name, int(rate(pool, tasks, 1))))
    pool.terminate()

if __name__ == "__main__":
    print("local pool_startup_p50", format(startup(lambda: Pool(2)), ".1f"), "ms")
    print("cluster pool_startup_p50", format(startup(lambda: Pool(2, cluster=URL)), ".1f"), "ms")
    measure("local", Pool(2), TASKS)
    measure("cluster", Pool(2, cluster=URL), TASKS)
`

func TestClusterBench(t *testing.T) {
	if os.Getenv("MPSTAR_CLUSTER_BENCH") == "" {
		t.Skip("set MPSTAR_CLUSTER_BENCH=1 to measure the cluster workloads")
	}
	tasks := 1000000
	if n, err := strconv.Atoi(os.Getenv("MPSTAR_CLUSTER_BENCH_N")); err == nil {
		tasks = n
	}
	_, url := startServer(t)
	startHost(t, url, "h1", 2)
	src := fmt.Sprintf("URL = %q\nTASKS = %d\n", url, tasks) + benchScript
	s := startScript(t, src)
	out := s.wait(t, 30*time.Minute)
	t.Logf("\n%s", out)
}
