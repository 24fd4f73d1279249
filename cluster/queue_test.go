package cluster_test

import (
	"strings"
	"testing"
	"time"
)

// TestQueueLikeLocal: a named cluster Queue, JoinableQueue and
// SimpleQueue answer as the local ones do, timeouts, queue.Full and
// queue.Empty included.
func TestQueueLikeLocal(t *testing.T) {
	_, url := startServer(t)
	s := newScript(t, `
load("multiprocessing", "get_context")

def show(f, *args, **kwargs):
    v, err = catch(f, *args, **kwargs)
    print(err if err else v)

def exercise(q, j, s):
    q.put(1)
    q.put([2, "x"])
    show(q.put, 3, timeout=0.05)
    show(q.put_nowait, 3)
    print(q.qsize(), q.full(), q.empty())
    print(q.get(), q.get(timeout=5))
    show(q.get, timeout=0.05)
    show(q.get_nowait)
    print(q.qsize(), q.full(), q.empty())
    j.put("a")
    print(j.get())
    j.task_done()
    show(j.task_done)
    j.join()
    s.put({"k": 1})
    print(s.get(), s.empty())

if __name__ == "__main__":
    for ctx in (get_context("spawn"), get_context("cluster")):
        name = ctx.get_start_method()
        if name == "cluster":
            exercise(ctx.Queue(2, name="q"), ctx.JoinableQueue(name="j"), ctx.SimpleQueue(name="s"))
        else:
            exercise(ctx.Queue(2), ctx.JoinableQueue(), ctx.SimpleQueue())
        print("--")
`)
	s.cmd.Env = append(s.cmd.Env, "MPSTAR_CLUSTER="+url)
	s.start(t)
	out := s.wait(t, time.Minute)
	local, cluster, ok := strings.Cut(out, "--\n")
	if !ok || local+"--\n" != cluster {
		t.Errorf("local and cluster queues differ:\n%s", out)
	}
}

// TestJoinableQueueConsumerKilled: an item whose consumer dies before
// task_done is delivered again, and join() returns once another consumer
// is done with it (CPython's join() hangs forever there).
func TestJoinableQueueConsumerKilled(t *testing.T) {
	_, url := startServer(t)
	s := newScript(t, `
load("multiprocessing", "Process", "get_context")

def consumer(die):
    q = get_context("cluster").JoinableQueue(name="jobs")
    item = q.get()
    print("got", item)
    if die:
        sys.exit(9)
    q.task_done()

if __name__ == "__main__":
    q = get_context("cluster").JoinableQueue(name="jobs")
    q.put("work")
    p = Process(target=consumer, args=(True,))
    p.start()
    p.join()
    print("first consumer exited with", p.exitcode)
    p = Process(target=consumer, args=(False,))
    p.start()
    q.join()
    print("joined")
    p.join()
`)
	s.cmd.Env = append(s.cmd.Env, "MPSTAR_CLUSTER="+url)
	s.start(t)
	expectLines(t, s.wait(t, time.Minute), "got work", "first consumer exited with 9", "got work", "joined")
}
