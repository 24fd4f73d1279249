package cluster_test

// Failures: workers killed, hosts cut off, poison tasks, parents killed.
// Set MPSTAR_CLUSTER_LONG=1 for the full-size runs (20 rounds of 100,000
// one-item tasks); by default the rounds use chunks of 100 items, and
// -short runs 3 rounds.

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/mpstar/mpstar/cluster"
)

// longRuns says whether to run the full-size variants.
func longRuns() bool { return os.Getenv("MPSTAR_CLUSTER_LONG") != "" }

// roundsScript maps over n items per round, printing "start R" before
// each round and "ok R True" when round R returned every result once.
// The workers print "tick" every 1,000 items, on their host's output.
func roundsScript(url string, rounds, n, chunksize int) string {
	return fmt.Sprintf(`
load("multiprocessing", "Pool")

def double(x):
    if x %% 1000 == 0:
        print("tick")
    return 2 * x

if __name__ == "__main__":
    pool = Pool(4, cluster=%q)
    want = [2 * x for x in range(%d)]
    for r in range(%d):
        print("start", r)
        print("ok", r, pool.map(double, range(%d), chunksize=%d) == want)
    pool.close()
    pool.join()
`, url, n, rounds, n, chunksize)
}

// awaitLine waits for the next line of the script, failing the test if
// it isn't want.
func awaitLine(t *testing.T, s *script, lines <-chan string, want string) {
	t.Helper()
	select {
	case l := <-lines:
		if l != want {
			t.Fatalf("script printed %q, want %q\nstderr:\n%s", l, want, s.errs.String())
		}
	case <-time.After(5 * time.Minute):
		t.Fatalf("no %q from the script\nstderr:\n%s", want, s.errs.String())
	}
}

// TestKilledWorkers: a local worker process SIGKILLed at a random point
// of each round loses nothing: its task runs again and map returns every
// result exactly once.
func TestKilledWorkers(t *testing.T) {
	_, url := startServer(t)
	hosts := []*host{startHost(t, url, "h1", 2), startHost(t, url, "h2", 2)}
	rounds, chunksize := 20, 100
	if longRuns() {
		chunksize = 1
	}
	if testing.Short() {
		rounds = 3
	}
	s := newScript(t, roundsScript(url, rounds, 100000, chunksize))
	lines := s.lines(t)
	s.start(t)
	kills := 0
	for r := 0; r < rounds; r++ {
		awaitLine(t, s, lines, fmt.Sprintf("start %d", r))
		// The kill lands at a random point of the round: after a random
		// number of ticks of a random host, which is then busy.
		h := hosts[rand.IntN(len(hosts))]
		for n := rand.IntN(5); n >= 0; n-- {
			h.await(t, "tick")
		}
		if pids := h.workers(); len(pids) > 0 {
			if syscall.Kill(pids[rand.IntN(len(pids))], syscall.SIGKILL) == nil {
				kills++
			}
		}
		awaitLine(t, s, lines, fmt.Sprintf("ok %d True", r))
	}
	s.wait(t, time.Minute)
	if kills < rounds/2 {
		t.Errorf("only %d of %d kills found a worker to kill", kills, rounds)
	}
}

// TestKilledHost: a whole host SIGKILLed mid-map loses nothing: its tasks
// are redelivered to the other host once their AckWait passes.
func TestKilledHost(t *testing.T) {
	_, url := startServer(t)
	victim := startHost(t, url, "h1", 2)
	startHost(t, url, "h2", 2)
	s := newScript(t, roundsScript(url, 2, 100000, 100))
	lines := s.lines(t)
	s.start(t)
	awaitLine(t, s, lines, "start 0")
	victim.await(t, "tick") // it holds tasks
	victim.cmd.Process.Kill()
	awaitLine(t, s, lines, "ok 0 True")
	awaitLine(t, s, lines, "start 1")
	awaitLine(t, s, lines, "ok 1 True")
	s.wait(t, time.Minute)
}

// TestLostHostWithinHeartbeat: the tasks of a worker host process killed
// with SIGKILL mid-task run on another host within a heartbeat (plus half
// of one for the delivery, the run and the way back), not after a longer
// timeout. The pool's heartbeat is 4 s, long enough that a loaded machine
// still tells one heartbeat from two. The task is a lone one sent
// straight to the host (the first task's result says the host takes
// them), so it is the parent, not the server, that sees the host fall
// silent.
func TestLostHostWithinHeartbeat(t *testing.T) {
	const heartbeat = 4 * time.Second
	_, url := startServer(t)
	victim := startHost(t, url, "victim", 1)
	s := newScript(t, `
load("multiprocessing", "Pool")

def task(x):
    if x > 0 and os.getenv("MPSTAR_TEST_NAME") == "victim":
        print("running on the victim")
        time.sleep(600)
    return 2 * x

if __name__ == "__main__":
    pool = Pool(1, cluster="`+url+`")
    pool.apply(task, (0,))
    print(pool.apply(task, (21,)))
    pool.terminate()
`)
	s.cmd.Env = append(s.cmd.Env, fmt.Sprintf("%s=%g", cluster.HeartbeatEnv, heartbeat.Seconds()))
	lines := s.lines(t)
	s.start(t)
	victim.await(t, "running on the victim")
	rescuer := startHost(t, url, "rescuer", 1)
	rescuer.await(t, "serving pool")
	victim.cmd.Process.Kill()
	limit := heartbeat + heartbeat/2
	deadline := time.After(limit)
	select {
	case l := <-lines:
		if l != "42" {
			t.Fatalf("script printed %q, want 42\nstderr:\n%s", l, s.errs.String())
		}
	case <-deadline:
		t.Fatalf("the task of the killed host did not complete elsewhere within %v (its heartbeat is %v)", limit, heartbeat)
	}
	s.wait(t, time.Minute)
}

// TestPoisonTask: a task that kills its worker every time fails with
// WorkerLostError after retries+1 deliveries, naming the task, the host
// and how it was lost, and the pool goes on. The poison task is a lone
// one, sent straight to the host (which the first task's result says is
// there) before it goes to the stream; that first delivery counts.
func TestPoisonTask(t *testing.T) {
	_, url := startServer(t)
	h := startHost(t, url, "h1", 2)
	out := runScript(t, 2*time.Minute, `
load("multiprocessing", "Pool")

def poison(x):
    print("poison ran", x)
    sys.exit(3)

def double(x):
    return 2 * x

if __name__ == "__main__":
    for retries in (2, 0):
        pool = Pool(2, cluster="`+url+`", retries=retries)
        pool.apply(double, (0,))
        _, err = catch(pool.apply, poison, (retries,))
        print(err)
        print(pool.map(double, range(5)))
        pool.terminate()
`)
	re := regexp.MustCompile(`^WorkerLostError: task 2, poison\(\) was lost (\d) times; the last time on host h1: worker SpawnPoolWorker-\d+ \(pid \d+\) exited with exitcode 3$`)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 {
		t.Fatalf("output:\n%s", out)
	}
	for i, want := range []string{"3", "1"} {
		m := re.FindStringSubmatch(lines[2*i])
		if m == nil || m[1] != want {
			t.Errorf("error %q, want one lost %s times", lines[2*i], want)
		}
		if lines[2*i+1] != "[0, 2, 4, 6, 8]" {
			t.Errorf("after the poison task: %s", lines[2*i+1])
		}
	}
	// The second pool's run is the last one printed: the first pool's
	// runs are all in the host's output once it is.
	h.await(t, "poison ran 0")
	if n := strings.Count(h.out.String(), "poison ran 2"); n != 3 {
		t.Errorf("the poison task ran %d times with retries=2, want 3", n)
	}
}

// TestParentKilled: when a pool's parent is killed, the hosts stop its
// workers and remove its stream.
func TestParentKilled(t *testing.T) {
	_, url := startServer(t)
	h := startHost(t, url, "h1", 2)
	s := newScript(t, `
load("multiprocessing", "Pool")

def double(x):
    return 2 * x

if __name__ == "__main__":
    pool = Pool(2, cluster="`+url+`")
    print(pool.map(double, range(3)))
    pool.apply_async(time.sleep, (600,))
    print("ready")
    time.sleep(600)
`)
	lines := s.lines(t)
	s.start(t)
	awaitLine(t, s, lines, "[0, 2, 4]")
	awaitLine(t, s, lines, "ready")
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	s.cmd.Process.Kill()
	// The host gives up on the parent after 5 s without its heartbeat,
	// stops the workers, removes the stream, then logs it.
	h.await(t, "removed it")
	if n := len(h.workers()); n > 0 {
		t.Errorf("%d workers of the dead parent's pool still run", n)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	if n := poolStreams(js); n > 0 {
		t.Errorf("%d pool streams remain", n)
	}
}

// poolStreams counts the pool streams on the server.
func poolStreams(js jetstream.JetStream) int {
	n := 0
	names := js.StreamNames(context.Background())
	for name := range names.Name() {
		if strings.HasPrefix(name, "MPSTAR_POOL_") {
			n++
		}
	}
	return n
}

// stallProxy forwards TCP connections to a server on loopback, and can
// stop every byte in both directions for a while: a network partition
// that leaves the connections open, as a cut cable does.
type stallProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	open   chan struct{} // closed while traffic flows
	conns  []net.Conn
}

func newStallProxy(t *testing.T, target string) *stallProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &stallProxy{ln: ln, target: target, open: make(chan struct{})}
	close(p.open)
	t.Cleanup(func() { ln.Close() })
	go p.serve()
	return p
}

func (p *stallProxy) url() string { return "nats://" + p.ln.Addr().String() }

func (p *stallProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, s)
		p.mu.Unlock()
		go p.pipe(c, s)
		go p.pipe(s, c)
	}
}

// drop closes every connection through the proxy: the clients reconnect.
func (p *stallProxy) drop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *stallProxy) pipe(dst, src net.Conn) {
	defer dst.Close()
	buf := make([]byte, 64<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			open := p.open
			p.mu.Unlock()
			<-open
			if _, err := dst.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			if err != io.EOF {
				return
			}
			return
		}
	}
}

// partition stops all traffic for d.
func (p *stallProxy) partition(d time.Duration) {
	p.mu.Lock()
	p.open = make(chan struct{})
	open := p.open
	p.mu.Unlock()
	time.Sleep(d) // the partition's length, not synchronisation
	close(open)
}

// TestPartition: a host cut off from the server for 3 seconds mid-map
// loses nothing; its tasks run again on the other host, and the results
// it sends once the partition heals are dropped as duplicates.
func TestPartition(t *testing.T) {
	ns, url := startServer(t)
	proxy := newStallProxy(t, strings.TrimPrefix(ns.ClientURL(), "nats://"))
	h := startHost(t, proxy.url(), "cut", 2)
	startHost(t, url, "h2", 2)
	s := newScript(t, roundsScript(url, 2, 100000, 100))
	lines := s.lines(t)
	s.start(t)
	awaitLine(t, s, lines, "start 0")
	h.await(t, "tick") // it holds tasks
	proxy.partition(3 * time.Second)
	awaitLine(t, s, lines, "ok 0 True")
	awaitLine(t, s, lines, "start 1")
	awaitLine(t, s, lines, "ok 1 True")
	s.wait(t, time.Minute)
}

// TestHostReconnects: the only host loses its connection mid-map (the
// server sees it close); it reconnects, takes back its idle slots, and the
// map completes with every result once, as does the next one.
func TestHostReconnects(t *testing.T) {
	ns, url := startServer(t)
	proxy := newStallProxy(t, strings.TrimPrefix(ns.ClientURL(), "nats://"))
	h := startHost(t, proxy.url(), "h1", 2)
	s := newScript(t, roundsScript(url, 2, 100000, 100))
	lines := s.lines(t)
	s.start(t)
	awaitLine(t, s, lines, "start 0")
	h.await(t, "tick") // it holds tasks
	proxy.drop()
	awaitLine(t, s, lines, "ok 0 True")
	awaitLine(t, s, lines, "start 1")
	awaitLine(t, s, lines, "ok 1 True")
	s.wait(t, time.Minute)
}
