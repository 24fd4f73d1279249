#!/usr/bin/env python3
"""CPython side of the mpstar benchmark (scripts/bench in the mpstar repository).

mpstar is a Starlark interpreter with a `multiprocessing` module that mirrors
Python's API.  This script measures a fixed set of workloads with CPython's own
multiprocessing; the same workloads are written as Starlark scripts next to
this file (`<workload>.star`), and `go run ./cmd/mpbench` runs both sides and
compares them ratio-wise.  WORKLOADS.md (next to this file) describes every
workload in language-neutral terms; the docstring of each `wl_*` function below
is the authoritative Python definition.

This is the project's own copy of the reference implementation that produced
the recorded figures (cpython_baseline_*.jsonl next to this file); the
workloads, sizes, timing points and output are unchanged, so figures measured
with it can be compared with those files.

Output: one JSON object per line on stdout, e.g.

  {"workload": "pipe_pingpong_small", "start_method": "spawn", "ops": 250000,
   "seconds": 9.74, "ops_per_s": 25661.7, "unit": "round trips/s",
   "p50_us": 31.1, "n": 250000, "check_ok": true, "wall_s": 9.86,
   "python": "3.11.7", "cpu_count": 2, "mode": "full"}

Some workloads add fields (pool_startup_s, manager_start_s, connect_p50_us,
...).  A workload that fails or raises prints check_ok: false and "error".
Progress and a summary table go to stderr.  Exit status: 0 when every selected
workload ran and passed its correctness check, 1 otherwise, 2 on bad usage.

Usage:
  python3 cpython_mp_bench.py [--quick] [--only NAME[,NAME...]]
                              [--start-method spawn|forkserver|fork]
                              [--timeout SECONDS_PER_WORKLOAD]

Conventions shared by all workloads
-----------------------------------
* Only the standard library is used; every function a child runs is a
  top-level function (required by the spawn start method).
* Child start-up is never inside a timed interval (except in
  `process_start_join`, whose whole point is start-up and exit).  Workloads
  that talk over a Connection first exchange a "ready" message or untimed
  warm-up round trips; the others use a *start gate*: each child calls
  ready.release() on a Semaphore(0) and then go.wait() on an Event; the
  parent acquires `ready` once per child, reads the clock, then calls
  go.set().
* Where the timer stops is stated per workload: usually when the parent has
  received the last reply/result (over the Connection, or on a separate
  `results` Queue).  Joining the children happens after the timer stopped
  (again except `process_start_join`).
* Latency workloads time every single operation with perf_counter and report
  the median ("p50_us"); "seconds" is still the whole timed loop.
* ops_per_s = ops / seconds.  N per workload: see SIZES.
"""

import hashlib
import os
import sys
import time
import multiprocessing
from multiprocessing.connection import Listener, Client

perf = time.perf_counter

MIB = 1024 * 1024
ARRAY_LEN = 1_000_000
AUTHKEY = b"mpstar-bench-authkey"
WARMUP_RT = 100           # untimed warm-up round trips for ping-pong workloads
WARMUP_PROCS = 2          # untimed warm-up iterations for process_start_join
WARMUP_APPLY = 20         # untimed warm-up apply_async calls
WAIT_S = 120              # safety timeout for individual blocking waits

# workload name -> (N in full mode, N in quick mode).  The meaning of N is
# given in each workload's docstring.
SIZES = {
    "process_start_join":        (160, 16),
    "pipe_pingpong_small":       (250000, 25000),
    "pipe_stream_small":         (2500000, 250000),
    "pipe_bytes_1mib":           (15000, 1500),
    "queue_throughput":          (2000000, 200000),
    "queue_mpmc":                (2000000, 200000),
    "joinable_queue_task_done":  (2000000, 200000),
    "lock_uncontended":          (20000000, 2000000),
    "value_increment_contended": (6000000, 600000),
    "array_sum":                 (200, 20),
    "manager_dict_ops":          (100000, 10000),
    "pool_map_small":            (10000000, 1000000),
    "pool_apply_async_latency":  (40000, 4000),
    "event_pingpong":            (70000, 7000),
    "listener_client_pingpong":  (100000, 10000),
    "files_hash_big":            (2000, 200),
    "files_hash_small":          (20000, 2000),
}
# number of timed authenticated connects in listener_client_pingpong
LISTENER_CONNECTS = (200, 20)


class CheckFailed(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise CheckFailed(msg)


def median(xs):
    """Median of a non-empty list (mean of the two middle values if even)."""
    s = sorted(xs)
    n = len(s)
    m = n // 2
    if n % 2:
        return s[m]
    return (s[m - 1] + s[m]) / 2.0


# ---------------------------------------------------------------------------
# Child-side functions (must be top level for spawn)
# ---------------------------------------------------------------------------

def noop():
    pass


def square(x):
    return x * x


def one(_):
    return 1


def hash_file(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def gate_wait(ready, go):
    ready.release()
    go.wait()


def open_gate(ready, go, nchildren):
    """Wait until every child is ready, read the clock, open the gate."""
    for _ in range(nchildren):
        if not ready.acquire(timeout=WAIT_S):
            raise CheckFailed("child did not become ready")
    t0 = perf()
    go.set()
    return t0


def child_pipe_echo(conn):
    # reply x+1 to every x until None
    while True:
        x = conn.recv()
        if x is None:
            break
        conn.send(x + 1)
    conn.close()


def child_pipe_count(conn):
    conn.send("ready")
    count = 0
    total = 0
    while True:
        m = conn.recv()
        if m is None:
            break
        if m[1] != "x":
            total = -1 << 62  # poison the sum
        count += 1
        total += m[0]
    conn.send((count, total))
    conn.close()


def child_pipe_recv_bytes(conn, size):
    conn.send("ready")
    count = 0
    bad = 0
    while True:
        b = conn.recv_bytes()
        if len(b) == 0:          # empty message = end of stream
            break
        if len(b) != size or b[0] != 0 or b[-1] != 255:
            bad += 1
        count += 1
    conn.send((count, bad))
    conn.close()


def child_queue_producer(q, ready, go, start, n):
    gate_wait(ready, go)
    for i in range(start, start + n):
        q.put(i)


def child_mpmc_producer(q, ready, go, start, n):
    gate_wait(ready, go)
    for i in range(start, start + n):
        q.put(i)
    q.put(None)  # one sentinel per producer (== one per consumer here)


def child_mpmc_consumer(q, results, ready, go):
    gate_wait(ready, go)
    count = 0
    total = 0
    while True:
        x = q.get()
        if x is None:
            break
        count += 1
        total += x
    results.put((count, total))


def child_jq_worker(q, results, ready, go):
    gate_wait(ready, go)
    count = 0
    total = 0
    while True:
        x = q.get()
        q.task_done()
        if x is None:
            break
        count += 1
        total += x
    results.put((count, total))


def child_value_incr(v, n, results, ready, go):
    gate_wait(ready, go)
    for _ in range(n):
        with v.get_lock():
            v.value += 1
    results.put(n)


def child_array_sum(arr, passes, expected, results, ready, go):
    gate_wait(ready, go)
    raw = arr.get_obj()          # unsynchronised view: no lock is taken
    bad = 0
    s = 0.0
    for _ in range(passes):
        s = sum(raw[:])          # bulk copy to a list, then sum
        if s != expected:
            bad += 1
    results.put((passes, bad, s))


def child_manager_dict(d, n, results, ready, go):
    gate_wait(ready, go)
    for i in range(n):
        d[i] = i
    bad = 0
    for i in range(n):
        if d[i] != i:
            bad += 1
    results.put((n, bad))


def child_event_pong(e1, e2, total):
    for _ in range(total):
        e1.wait()
        e1.clear()
        e2.set()


def child_listener_client(address, authkey, connects):
    times = []
    c = None
    for j in range(connects):
        t = perf()
        c = Client(address, authkey=authkey)
        times.append(perf() - t)
        if j < connects - 1:
            c.close()
    c.send(times)
    while True:
        x = c.recv()
        if x is None:
            break
        c.send(x + 1)
    c.close()


# ---------------------------------------------------------------------------
# Workloads (parent side).  Each returns a dict with at least
# ops, seconds, unit; checks raise CheckFailed.
# ---------------------------------------------------------------------------

def join_all(procs):
    for p in procs:
        p.join(WAIT_S)
        check(not p.is_alive(), "child %s did not exit" % p.name)
        check(p.exitcode == 0, "child %s exitcode %r" % (p.name, p.exitcode))


def wl_process_start_join(ctx, n, quick):
    """N sequential (Process(target=noop) ; start() ; join()).

    Untimed warm-up: 2 iterations (for forkserver this starts the server).
    Each iteration is timed from just before the Process object is created
    until join() has returned.  Check: every exitcode == 0.
    Reports processes/s and the median per-iteration latency.
    """
    for _ in range(WARMUP_PROCS):
        p = ctx.Process(target=noop)
        p.start()
        p.join()
        check(p.exitcode == 0, "warm-up exitcode %r" % p.exitcode)
    lat = []
    bad = 0
    t0 = perf()
    for _ in range(n):
        s = perf()
        p = ctx.Process(target=noop)
        p.start()
        p.join()
        lat.append(perf() - s)
        if p.exitcode != 0:
            bad += 1
    t1 = perf()
    check(bad == 0, "%d children exited non-zero" % bad)
    return dict(ops=n, seconds=t1 - t0, unit="processes/s",
                p50_us=median(lat) * 1e6)


def wl_pipe_pingpong_small(ctx, n, quick):
    """Duplex Pipe() to one child; N round trips of parent send(i) -> child
    recv, send(i+1) -> parent recv.

    100 untimed warm-up round trips first.  Each round trip timed from before
    send until recv returns.  Check: every reply == i+1.  Finally the parent
    sends None and the child exits.
    """
    a, b = ctx.Pipe()
    p = ctx.Process(target=child_pipe_echo, args=(b,))
    p.start()
    b.close()
    for i in range(WARMUP_RT):
        a.send(i)
        check(a.recv() == i + 1, "warm-up reply mismatch")
    lat = []
    bad = 0
    t0 = perf()
    for i in range(n):
        s = perf()
        a.send(i)
        r = a.recv()
        lat.append(perf() - s)
        if r != i + 1:
            bad += 1
    t1 = perf()
    a.send(None)
    join_all([p])
    a.close()
    check(bad == 0, "%d bad replies" % bad)
    return dict(ops=n, seconds=t1 - t0, unit="round trips/s",
                p50_us=median(lat) * 1e6)


def wl_pipe_stream_small(ctx, n, quick):
    """Duplex Pipe() to one child; parent send()s N tuples (i, "x") for
    i = 0..N-1, then None; child counts them and sums i, then sends back
    (count, sum).

    Timed from when the parent has received the child's "ready" message until
    it has received (count, sum).  Check: count == N, sum == N*(N-1)/2.
    """
    a, b = ctx.Pipe()
    p = ctx.Process(target=child_pipe_count, args=(b,))
    p.start()
    b.close()
    check(a.recv() == "ready", "no ready")
    t0 = perf()
    for i in range(n):
        a.send((i, "x"))
    a.send(None)
    count, total = a.recv()
    t1 = perf()
    join_all([p])
    a.close()
    check(count == n, "count %d != %d" % (count, n))
    check(total == n * (n - 1) // 2, "sum mismatch %d" % total)
    return dict(ops=n, seconds=t1 - t0, unit="messages/s")


def wl_pipe_bytes_1mib(ctx, n, quick):
    """Duplex Pipe() to one child; parent send_bytes() the same 1 MiB payload
    N times, then one empty message as terminator; child recv_bytes() each,
    checks its length (1048576) and first/last byte, and finally sends
    (count, bad).

    Payload: bytes(range(256)) * 4096, built before timing.  Timed from
    receipt of the child's "ready" to receipt of (count, bad).
    Check: count == N, bad == 0.  ops = N, so ops_per_s is MiB/s.
    """
    payload = bytes(range(256)) * (MIB // 256)
    a, b = ctx.Pipe()
    p = ctx.Process(target=child_pipe_recv_bytes, args=(b, MIB))
    p.start()
    b.close()
    check(a.recv() == "ready", "no ready")
    t0 = perf()
    for _ in range(n):
        a.send_bytes(payload)
    a.send_bytes(b"")
    count, bad = a.recv()
    t1 = perf()
    join_all([p])
    a.close()
    check(count == n and bad == 0, "count=%d bad=%d" % (count, bad))
    return dict(ops=n, seconds=t1 - t0, unit="MiB/s", payload_bytes=MIB)


def wl_queue_throughput(ctx, n, quick):
    """One producer child put()s the ints 0..N-1 into a Queue(); the parent
    get()s N items.

    Start gate (1 child).  Timed from opening the gate until the parent has
    got the N-th item.  Check: the k-th item got equals k (FIFO order).
    """
    q = ctx.Queue()
    ready, go = ctx.Semaphore(0), ctx.Event()
    p = ctx.Process(target=child_queue_producer, args=(q, ready, go, 0, n))
    p.start()
    bad = 0
    t0 = open_gate(ready, go, 1)
    for i in range(n):
        if q.get() != i:
            bad += 1
    t1 = perf()
    join_all([p])
    q.close()
    q.join_thread()
    check(bad == 0, "%d items out of order" % bad)
    return dict(ops=n, seconds=t1 - t0, unit="items/s")


def wl_queue_mpmc(ctx, n, quick):
    """2 producer children and 2 consumer children share one Queue().

    Producer j (j = 0, 1) puts the ints j*N/2 .. (j+1)*N/2 - 1 and then one
    None sentinel.  Each consumer get()s until it receives a None, then puts
    (count, sum) on a separate results Queue.  (Two sentinels, one per
    consumer; each producer's sentinel follows all of its own items.)
    Start gate (4 children).  Timed from opening the gate until the parent
    has received both (count, sum) results.
    Check: total count == N, total sum == N*(N-1)/2.
    """
    half = n // 2
    q = ctx.Queue()
    results = ctx.Queue()
    ready, go = ctx.Semaphore(0), ctx.Event()
    procs = [ctx.Process(target=child_mpmc_producer,
                         args=(q, ready, go, j * half, half)) for j in range(2)]
    procs += [ctx.Process(target=child_mpmc_consumer,
                          args=(q, results, ready, go)) for _ in range(2)]
    for p in procs:
        p.start()
    t0 = open_gate(ready, go, len(procs))
    r = [results.get(timeout=WAIT_S) for _ in range(2)]
    t1 = perf()
    join_all(procs)
    count = sum(c for c, _ in r)
    total = sum(s for _, s in r)
    n2 = 2 * half
    check(count == n2, "count %d != %d" % (count, n2))
    check(total == n2 * (n2 - 1) // 2, "sum mismatch %d" % total)
    return dict(ops=n2, seconds=t1 - t0, unit="items/s",
                per_consumer=[c for c, _ in r])


def wl_joinable_queue_task_done(ctx, n, quick):
    """Parent put()s the ints 0..N-1 and then None into a JoinableQueue();
    one worker child does get(); task_done() for every item (sentinel
    included) and stops after None, then puts (count, sum) on a results
    Queue.  The parent calls q.join() after its last put.

    Start gate (1 child).  Timed from opening the gate until q.join()
    returns.  Check (after timing): count == N, sum == N*(N-1)/2.
    """
    q = ctx.JoinableQueue()
    results = ctx.Queue()
    ready, go = ctx.Semaphore(0), ctx.Event()
    p = ctx.Process(target=child_jq_worker, args=(q, results, ready, go))
    p.start()
    t0 = open_gate(ready, go, 1)
    for i in range(n):
        q.put(i)
    q.put(None)
    q.join()
    t1 = perf()
    count, total = results.get(timeout=WAIT_S)
    join_all([p])
    q.close()
    q.join_thread()
    check(count == n, "count %d != %d" % (count, n))
    check(total == n * (n - 1) // 2, "sum mismatch")
    return dict(ops=n, seconds=t1 - t0, unit="items/s")


def wl_lock_uncontended(ctx, n, quick):
    """In the parent only: lock = Lock(); N times lock.acquire(); lock.release().

    Timed around the whole loop.  Check: afterwards a non-blocking acquire
    succeeds (the lock was left released).  ops = N acquire/release pairs.
    """
    lock = ctx.Lock()
    acq = lock.acquire
    rel = lock.release
    t0 = perf()
    for _ in range(n):
        acq()
        rel()
    t1 = perf()
    check(lock.acquire(False), "lock left held")
    lock.release()
    return dict(ops=n, seconds=t1 - t0, unit="acquire+release/s")


def wl_value_increment_contended(ctx, n, quick):
    """v = Value('i', 0) (default: with an RLock).  2 children each do
    N/2 times:  with v.get_lock(): v.value += 1   then put N/2 on a results
    Queue.

    Start gate (2 children).  Timed from opening the gate until both results
    are received.  Check: v.value == N.
    """
    half = n // 2
    v = ctx.Value('i', 0)
    results = ctx.Queue()
    ready, go = ctx.Semaphore(0), ctx.Event()
    procs = [ctx.Process(target=child_value_incr,
                         args=(v, half, results, ready, go)) for _ in range(2)]
    for p in procs:
        p.start()
    t0 = open_gate(ready, go, 2)
    done = [results.get(timeout=WAIT_S) for _ in range(2)]
    t1 = perf()
    join_all(procs)
    n2 = 2 * half
    check(sum(done) == n2, "children reported %r" % done)
    check(v.value == n2, "v.value %d != %d" % (v.value, n2))
    return dict(ops=n2, seconds=t1 - t0, unit="increments/s")


def wl_array_sum(ctx, n, quick):
    """arr = Array('d', 1_000_000) (default lock), filled by the parent with
    arr[i] = float(i) before the child starts.  One child sums all elements
    N times without taking the lock (CPython: sum(arr.get_obj()[:]), i.e. a
    bulk copy then the builtin sum) and puts (passes, bad, last_sum) on a
    results Queue.

    Start gate (1 child).  Timed from opening the gate until the result is
    received.  Check: every pass sum == 1e6*(1e6-1)/2 = 499999500000.0
    (exact in float64).  ops = N * 1_000_000 elements.
    """
    arr = ctx.Array('d', ARRAY_LEN)
    arr[:] = [float(i) for i in range(ARRAY_LEN)]
    expected = float(ARRAY_LEN * (ARRAY_LEN - 1) // 2)
    results = ctx.Queue()
    ready, go = ctx.Semaphore(0), ctx.Event()
    p = ctx.Process(target=child_array_sum,
                    args=(arr, n, expected, results, ready, go))
    p.start()
    t0 = open_gate(ready, go, 1)
    passes, bad, s = results.get(timeout=WAIT_S)
    t1 = perf()
    join_all([p])
    check(passes == n and bad == 0, "passes=%d bad=%d last=%r" % (passes, bad, s))
    return dict(ops=n * ARRAY_LEN, seconds=t1 - t0, unit="elements/s",
                passes=n, elements=ARRAY_LEN)


def wl_manager_dict_ops(ctx, n, quick):
    """m = Manager(); d = m.dict().  One child, given the proxy d, does
    d[i] = i for i = 0..N-1, then reads d[i] for i = 0..N-1 comparing with i,
    then puts (N, mismatches) on a results Queue.

    Manager start-up (Manager() until it returns) is reported separately as
    manager_start_s.  Start gate (1 child).  Timed from opening the gate until
    the result is received.  Check: mismatches == 0 and len(d) == N (read in
    the parent).  ops = 2N proxy operations.
    """
    t = perf()
    m = ctx.Manager()
    manager_start = perf() - t
    try:
        d = m.dict()
        results = ctx.Queue()
        ready, go = ctx.Semaphore(0), ctx.Event()
        p = ctx.Process(target=child_manager_dict,
                        args=(d, n, results, ready, go))
        p.start()
        t0 = open_gate(ready, go, 1)
        cnt, bad = results.get(timeout=WAIT_S)
        t1 = perf()
        join_all([p])
        length = len(d)
    finally:
        m.shutdown()
    check(cnt == n and bad == 0, "cnt=%d bad=%d" % (cnt, bad))
    check(length == n, "len(d) %d != %d" % (length, n))
    return dict(ops=2 * n, seconds=t1 - t0, unit="proxy ops/s",
                manager_start_s=manager_start)


def wl_pool_map_small(ctx, n, quick):
    """pool = Pool(2); pool.map(square, range(N)) with the default chunksize
    (CPython: ceil(N / (4 * 2)) items per chunk).

    pool_startup_s (reported separately) is timed from the Pool(2) call until
    a first pool.map(square, range(2), chunksize=1) returns.  Then the timed
    interval is one pool.map(square, range(N)) call.
    Check: result == [i*i for i in range(N)].  Then close(); join().
    """
    t = perf()
    pool = ctx.Pool(2)
    try:
        check(pool.map(square, range(2), chunksize=1) == [0, 1], "warm-up map")
        startup = perf() - t
        t0 = perf()
        res = pool.map(square, range(n))
        t1 = perf()
        pool.close()
        pool.join()
    except BaseException:
        pool.terminate()
        raise
    check(len(res) == n, "len %d" % len(res))
    check(all(r == i * i for i, r in enumerate(res)), "wrong results")
    return dict(ops=n, seconds=t1 - t0, unit="tasks/s",
                pool_startup_s=startup)


def wl_pool_apply_async_latency(ctx, n, quick):
    """pool = Pool(2); 20 untimed warm-up calls; then N sequential
    pool.apply_async(square, (i,)).get(), each timed individually.

    Reports calls/s over the timed loop and the median latency.
    Check: every result == i*i.
    """
    pool = ctx.Pool(2)
    try:
        for i in range(WARMUP_APPLY):
            check(pool.apply_async(square, (i,)).get(WAIT_S) == i * i, "warm-up")
        lat = []
        bad = 0
        t0 = perf()
        for i in range(n):
            s = perf()
            r = pool.apply_async(square, (i,)).get()
            lat.append(perf() - s)
            if r != i * i:
                bad += 1
        t1 = perf()
        pool.close()
        pool.join()
    except BaseException:
        pool.terminate()
        raise
    check(bad == 0, "%d wrong results" % bad)
    return dict(ops=n, seconds=t1 - t0, unit="calls/s",
                p50_us=median(lat) * 1e6)


def wl_event_pingpong(ctx, n, quick):
    """Two Events e1, e2 and one child that loops (100 + N) times:
        e1.wait(); e1.clear(); e2.set()
    The parent loops 100 untimed then N timed times:
        e1.set(); e2.wait(); e2.clear()
    Each timed round trip is measured individually (median reported).
    Check: every e2.wait() returns True (timeout 120 s) and the child exits 0.
    """
    e1, e2 = ctx.Event(), ctx.Event()
    p = ctx.Process(target=child_event_pong, args=(e1, e2, WARMUP_RT + n))
    p.start()
    for _ in range(WARMUP_RT):
        e1.set()
        check(e2.wait(WAIT_S), "warm-up timeout")
        e2.clear()
    lat = []
    ok = True
    t0 = perf()
    for _ in range(n):
        s = perf()
        e1.set()
        ok = e2.wait(WAIT_S) and ok
        e2.clear()
        lat.append(perf() - s)
    t1 = perf()
    join_all([p])
    check(ok, "an e2.wait() timed out")
    return dict(ops=n, seconds=t1 - t0, unit="round trips/s",
                p50_us=median(lat) * 1e6)


def wl_listener_client_pingpong(ctx, n, quick):
    """listener = Listener(('127.0.0.1', 0), authkey=KEY) (ephemeral port).
    The child calls Client(listener.address, authkey=KEY) C times, timing
    each call (from just before Client() until it returns, i.e. TCP connect
    plus the mutual HMAC challenge); the first C-1 connections are closed at
    once, the last one is kept.  The parent accept()s C times.  Over the kept
    connection the child sends its list of connect times, then echoes
    (x -> x+1) until None.  The parent does 100 untimed then N timed
    round trips send(i) / recv() == i+1 (each timed; median reported).

    KEY = b"mpstar-bench-authkey".  C = 200 (full) / 20 (quick).
    connect_p50_us is the median of the C connect times measured in the child.
    Check: every reply == i+1; C connect times received.
    """
    connects = LISTENER_CONNECTS[1 if quick else 0]
    listener = Listener(("127.0.0.1", 0), authkey=AUTHKEY)
    try:
        p = ctx.Process(target=child_listener_client,
                        args=(listener.address, AUTHKEY, connects))
        p.start()
        for _ in range(connects - 1):
            listener.accept().close()
        conn = listener.accept()
    finally:
        listener.close()
    times = conn.recv()
    check(len(times) == connects, "got %d connect times" % len(times))
    for i in range(WARMUP_RT):
        conn.send(i)
        check(conn.recv() == i + 1, "warm-up reply mismatch")
    lat = []
    bad = 0
    t0 = perf()
    for i in range(n):
        s = perf()
        conn.send(i)
        r = conn.recv()
        lat.append(perf() - s)
        if r != i + 1:
            bad += 1
    t1 = perf()
    conn.send(None)
    join_all([p])
    conn.close()
    check(bad == 0, "%d bad replies" % bad)
    return dict(ops=n, seconds=t1 - t0, unit="round trips/s",
                p50_us=median(lat) * 1e6,
                connect_p50_us=median(times) * 1e6,
                connect_mean_us=sum(times) / len(times) * 1e6,
                connects=connects)


FILES_PER_DIR = 100
FILE_SIZES = {"files_hash_big": 100 * 1024, "files_hash_small": 4 * 1024}


def files_tree(name, n):
    """The root of the workload's tree of n files, generated first unless an
    earlier run left it complete; under $MPBENCH_FILES_DIR (mpbench sets it;
    default /tmp/mpbench-files). File i starts with its number and a
    newline, so every digest differs."""
    base = os.environ.get("MPBENCH_FILES_DIR") or "/tmp/mpbench-files"
    root = "%s/%s-%d" % (base, name, n)
    if os.path.exists(root + ".complete"):
        return root
    size = FILE_SIZES[name]
    block = b"0123456789abcdef" * (size // 16)
    for i in range(n):
        d = "%s/d%d" % (root, i // FILES_PER_DIR)
        if i % FILES_PER_DIR == 0:
            os.makedirs(d, exist_ok=True)
        label = b"%d\n" % i
        with open("%s/f%d.bin" % (d, i), "wb") as f:
            f.write(label + block[len(label):])
    open(root + ".complete", "w").close()
    return root


def wl_files_hash(name, ctx, n):
    """Untimed: the tree, Pool(cpu_count) and a warm-up map.  Timed: os.walk
    of the tree and pool.map(hash_file, paths).  Check: one digest per
    file, all different."""
    root = files_tree(name, n)
    workers = os.cpu_count()
    pool = ctx.Pool(workers)
    try:
        check(sum(pool.map(one, range(workers), chunksize=1)) == workers, "warm-up map")
        t0 = perf()
        paths = []
        for dirpath, _, filenames in os.walk(root):
            for filename in filenames:
                paths.append(os.path.join(dirpath, filename))
        digests = pool.map(hash_file, paths)
        t1 = perf()
        pool.close()
        pool.join()
    except BaseException:
        pool.terminate()
        raise
    check(len(digests) == n, "%d digests for %d files" % (len(digests), n))
    check(len(set(digests)) == n, "digests repeat")
    mib = n * FILE_SIZES[name] / (1024 * 1024)
    return dict(ops=n, seconds=t1 - t0, unit="files/s", mib_per_s=mib / (t1 - t0))


def wl_files_hash_big(ctx, n, quick):
    """SHA-256 of a generated tree of 2,000 files of 100 KiB."""
    return wl_files_hash("files_hash_big", ctx, n)


def wl_files_hash_small(ctx, n, quick):
    """SHA-256 of a generated tree of 20,000 files of 4 KiB."""
    return wl_files_hash("files_hash_small", ctx, n)


WORKLOADS = [
    ("process_start_join", wl_process_start_join),
    ("pipe_pingpong_small", wl_pipe_pingpong_small),
    ("pipe_stream_small", wl_pipe_stream_small),
    ("pipe_bytes_1mib", wl_pipe_bytes_1mib),
    ("queue_throughput", wl_queue_throughput),
    ("queue_mpmc", wl_queue_mpmc),
    ("joinable_queue_task_done", wl_joinable_queue_task_done),
    ("lock_uncontended", wl_lock_uncontended),
    ("value_increment_contended", wl_value_increment_contended),
    ("array_sum", wl_array_sum),
    ("manager_dict_ops", wl_manager_dict_ops),
    ("pool_map_small", wl_pool_map_small),
    ("pool_apply_async_latency", wl_pool_apply_async_latency),
    ("event_pingpong", wl_event_pingpong),
    ("listener_client_pingpong", wl_listener_client_pingpong),
    ("files_hash_big", wl_files_hash_big),
    ("files_hash_small", wl_files_hash_small),
]


# ---------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------

class WorkloadTimeout(Exception):
    pass


def _on_alarm(signum, frame):
    raise WorkloadTimeout("workload exceeded its time limit")


def _kill_children():
    for c in multiprocessing.active_children():
        try:
            c.terminate()
            c.join(2)
        except Exception:
            pass


def _round(d):
    out = {}
    for k, v in d.items():
        if isinstance(v, float):
            if k.endswith("_us"):
                v = round(v, 2)
            elif k == "ops_per_s":
                v = round(v, 1)
            else:
                v = round(v, 6)
        out[k] = v
    return out


def main(argv=None):
    import argparse
    import json
    import platform
    import signal
    import traceback

    names = [name for name, _ in WORKLOADS]
    ap = argparse.ArgumentParser(
        description="CPython multiprocessing reference benchmark (mpstar).")
    ap.add_argument("--quick", action="store_true",
                    help="fewer operations; whole run well under a minute")
    ap.add_argument("--only", default="",
                    help="comma-separated workload names; known: "
                         + ",".join(names))
    ap.add_argument("--start-method", default="spawn",
                    choices=["spawn", "forkserver", "fork"])
    ap.add_argument("--timeout", type=float, default=300.0,
                    help="per-workload safety limit in seconds (default 300)")
    args = ap.parse_args(argv)

    selected = names
    if args.only:
        selected = [s.strip() for s in args.only.split(",") if s.strip()]
        unknown = [s for s in selected if s not in names]
        if unknown:
            ap.error("unknown workload(s): %s (known: %s)"
                     % (",".join(unknown), ",".join(names)))

    ctx = multiprocessing.get_context(args.start_method)
    mode = "quick" if args.quick else "full"
    common = {"python": platform.python_version(),
              "cpu_count": os.cpu_count(),
              "mode": mode}
    signal.signal(signal.SIGALRM, _on_alarm)

    failures = 0
    rows = []
    run_t0 = perf()
    for name, fn in WORKLOADS:
        if name not in selected:
            continue
        n = SIZES[name][1 if args.quick else 0]
        print("[bench] %s (%s, N=%d) ..." % (name, args.start_method, n),
              file=sys.stderr, flush=True)
        wall = perf()
        signal.setitimer(signal.ITIMER_REAL, args.timeout)
        try:
            r = fn(ctx, n, args.quick)
            signal.setitimer(signal.ITIMER_REAL, 0)
            rec = {"workload": name, "start_method": args.start_method,
                   "ops": r.pop("ops"), "seconds": r.pop("seconds")}
            rec["ops_per_s"] = rec["ops"] / rec["seconds"]
            rec["unit"] = r.pop("unit")
            if "p50_us" in r:
                rec["p50_us"] = r.pop("p50_us")
            rec["n"] = n
            rec.update(r)
            rec["check_ok"] = True
        except BaseException as e:  # noqa: BLE001 - report and continue
            signal.setitimer(signal.ITIMER_REAL, 0)
            if isinstance(e, KeyboardInterrupt):
                _kill_children()
                raise
            failures += 1
            traceback.print_exc(file=sys.stderr)
            _kill_children()
            rec = {"workload": name, "start_method": args.start_method,
                   "ops": None, "seconds": None, "ops_per_s": None,
                   "unit": None, "n": n, "check_ok": False,
                   "error": "%s: %s" % (type(e).__name__, e)}
        rec["wall_s"] = perf() - wall
        rec.update(common)
        rec = _round(rec)
        rows.append(rec)
        print(json.dumps(rec), flush=True)

    total = perf() - run_t0
    # human-readable summary on stderr
    print("\n[bench] %s, start method %s, %d workload(s), %.1f s total"
          % (mode, args.start_method, len(rows), total), file=sys.stderr)
    print("%-27s %14s %-18s %10s %s" % ("workload", "ops_per_s", "unit",
                                        "p50_us", "check"), file=sys.stderr)
    for rec in rows:
        print("%-27s %14s %-18s %10s %s" % (
            rec["workload"],
            "-" if rec["ops_per_s"] is None else "%.1f" % rec["ops_per_s"],
            rec["unit"] or "-",
            "%.1f" % rec["p50_us"] if "p50_us" in rec else "",
            "ok" if rec["check_ok"] else "FAIL: " + rec.get("error", "")),
            file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
