package conformance

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/mpstar/mpstar/mpcore/conn"
	"github.com/mpstar/mpstar/mpcore/manager"
)

// managersDir holds the scripts of the manager tests.
var managersDir = filepath.Join("testdata", "managers")

// startScript starts mpstar in dir on args (a script and its arguments)
// and returns the command and its first stdout line, trimmed, which must
// come within d.
func startScript(t *testing.T, ctx context.Context, dir string, d time.Duration, args ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.CommandContext(ctx, mpstarBin, args...)
	cmd.Dir = dir
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	type result struct {
		line string
		err  error
	}
	first := make(chan result, 1)
	go func() {
		l, err := bufio.NewReader(out).ReadString('\n')
		first <- result{l, err}
	}()
	select {
	case r := <-first:
		if r.err == nil {
			return cmd, strings.TrimSpace(r.line)
		}
		err = r.err
	case <-time.After(d):
		err = fmt.Errorf("nothing printed within %v", d)
	}
	cmd.Process.Kill()
	cmd.Wait()
	t.Fatalf("%v: no first line: %v", args, err)
	return nil, ""
}

// startManagerServer runs args, a script of testdata/managers that serves
// a manager on a TCP port of 127.0.0.1 and prints "serving PORT", and
// returns its process and port. The server is killed when the test ends.
func startManagerServer(t *testing.T, ctx context.Context, args ...string) (*exec.Cmd, int) {
	t.Helper()
	server, line := startScript(t, ctx, managersDir, time.Minute, args...)
	t.Cleanup(func() {
		server.Process.Kill()
		server.Wait()
	})
	port, err := strconv.Atoi(strings.TrimPrefix(line, "serving "))
	if err != nil {
		t.Fatalf("server said %q", line)
	}
	return server, port
}

// managerScript returns the command that runs mpstar on args (a script
// of testdata/managers and its arguments).
func managerScript(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, mpstarBin, args...)
	cmd.Dir = managersDir
	return cmd
}

// TestRemoteManager is the tutorial's 5.4.4 across independent mpstar
// invocations: one serves a queue on a TCP port, a producer and a consumer
// connect with the authkey and move 10,000 items through it; a client
// with the wrong key fails with AuthenticationError.
func TestRemoteManager(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, port := startManagerServer(t, ctx, "server.star", "0")
	client := func(role, n, key string) *exec.Cmd {
		return managerScript(ctx, "client.star", strconv.Itoa(port), role, n, key)
	}
	producer, consumer := client("producer", "10000", "abracadabra"), client("consumer", "10000", "abracadabra")
	var pout, cout bytes.Buffer
	producer.Stdout, consumer.Stdout = &pout, &cout
	producer.Stderr, consumer.Stderr = os.Stderr, os.Stderr
	if err := consumer.Start(); err != nil {
		t.Fatal(err)
	}
	if err := producer.Run(); err != nil {
		t.Errorf("producer: %v", err)
	}
	if err := consumer.Wait(); err != nil {
		t.Errorf("consumer: %v", err)
	}
	if got, want := pout.String(), "producer put 10000 items\n"; got != want {
		t.Errorf("producer printed %q, want %q", got, want)
	}
	if got, want := cout.String(), "consumer got \"local hello\" then 10000 items, sum 49995000\n"; got != want {
		t.Errorf("consumer printed %q, want %q", got, want)
	}

	wrong := client("producer", "1", "wrong-key")
	out, err := wrong.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(string(out), "AuthenticationError: digest sent was rejected") {
		t.Errorf("wrong key: %v\n%s", err, out)
	}
}

// TestManagerDiesWithKilledParent: SIGKILL of the process that started a
// Manager leaves no server process and no socket behind.
func TestManagerDiesWithKilledParent(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	parent, line := startScript(t, ctx, managersDir, time.Minute, "killed.star")
	fields := strings.Fields(line)
	if len(fields) != 3 || fields[2] != "True" {
		parent.Process.Kill()
		parent.Wait()
		t.Fatalf("parent said %q", line)
	}
	pid, err := strconv.Atoi(fields[0])
	if err != nil {
		t.Fatal(err)
	}
	pidfd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		t.Fatalf("server process %d: %v", pid, err)
	}
	defer unix.Close(pidfd)
	// The address prints as b"\x00mpstar-manager-…"; /proc/net/unix shows
	// the abstract name with "@".
	name := "@" + strings.TrimSuffix(strings.TrimPrefix(fields[1], `b"\x00`), `"`)
	if !boundSocket(t, name) {
		t.Errorf("the manager's socket %s is not bound while it serves", name)
	}
	parent.Process.Signal(unix.SIGKILL)
	parent.Wait()
	fds := []unix.PollFd{{Fd: int32(pidfd), Events: unix.POLLIN}}
	if n, err := unix.Poll(fds, 10_000); err != nil || n != 1 {
		unix.Kill(pid, unix.SIGKILL)
		t.Fatalf("server process %d still runs 10 s after its parent was killed", pid)
	}
	if boundSocket(t, name) {
		t.Errorf("socket %s left behind", name)
	}
	leftovers, _ := filepath.Glob(filepath.Join(os.TempDir(), "mpstar-manager-*"))
	if len(leftovers) > 0 {
		t.Errorf("socket files left behind: %v", leftovers)
	}
}

// boundSocket reports whether an abstract AF_UNIX name ("@name") is
// bound on this machine, from /proc/net/unix.
func boundSocket(t *testing.T, name string) bool {
	t.Helper()
	data, err := os.ReadFile("/proc/net/unix")
	if err != nil {
		t.Skipf("cannot read /proc/net/unix: %v", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasSuffix(line, " "+name) {
			return true
		}
	}
	return false
}

// TestManagerServesManyIdleConnections: a remote manager keeps serving
// with 20,000 idle authenticated connections open (as many as the
// descriptor limit lets one process hold, if that is less), on a handful
// of OS threads (a thread per connection ran into Go's limit of 10,000
// and killed the server, losing its objects).
func TestManagerServesManyIdleConnections(t *testing.T) {
	idle := int(raiseFileLimit(t, 20000+200)) - 200 // the server inherits it
	if idle < 12000 {
		t.Skipf("RLIMIT_NOFILE allows only %d connections", idle)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	server, port := startManagerServer(t, ctx, "server.star", "0")
	addr, key := conn.InetAddress("127.0.0.1", port), []byte("abracadabra")
	hello := manager.AppendRequest(nil, manager.OpHello, nil, 0, "", nil)
	conns := make([]*conn.Conn, idle)
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}()
	const dialers = 8
	errs := make(chan error, dialers)
	for d := 0; d < dialers; d++ {
		go func() {
			for i := d; i < idle; i += dialers {
				c, err := conn.Dial(addr, key)
				if err == nil {
					conns[i], err = c, c.SendBytes(hello)
				}
				if err != nil {
					errs <- fmt.Errorf("connection %d: %w", i, err)
					return
				}
			}
			errs <- nil
		}()
	}
	var dialErr error // reported once every dialer is done with conns
	for d := 0; d < dialers; d++ {
		dialErr = cmp.Or(dialErr, <-errs)
	}
	if dialErr != nil {
		t.Fatal(dialErr)
	}
	producer := managerScript(ctx, "client.star", strconv.Itoa(port), "producer", "100", "abracadabra")
	if out, err := producer.CombinedOutput(); err != nil || string(out) != "producer put 100 items\n" {
		t.Fatalf("a client of the server with %d idle connections: %v\n%s", idle, err, out)
	}
	threads := threadCount(t, server.Process.Pid)
	t.Logf("the server runs %d idle connections on %d OS threads", idle, threads)
	if threads > 100 {
		t.Errorf("the server runs %d OS threads for %d idle connections", threads, idle)
	}
}

// raiseFileLimit lets this process and its children open n descriptors,
// or as many as the hard limit allows when it cannot be raised (without
// CAP_SYS_RESOURCE), and returns the new limit.
func raiseFileLimit(t *testing.T, n uint64) uint64 {
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &old); err != nil {
		t.Fatal(err)
	}
	if old.Cur >= n {
		return old.Cur
	}
	lim := syscall.Rlimit{Cur: n, Max: max(n, old.Max)}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		lim = syscall.Rlimit{Cur: old.Max, Max: old.Max}
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old) })
	return lim.Cur
}

// threadCount returns the number of OS threads of process pid.
func threadCount(t *testing.T, pid int) int { return procStatus(t, pid, "Threads") }

// TestManagerMemoryIsBounded: sixteen clients storing 30 MiB each in a
// remote manager's dict at once take the server to at most twice the
// payload (it was 2.5 times, and 3 to 6 times for calls that do not keep
// their values).
func TestManagerMemoryIsBounded(t *testing.T) {
	const clients, size = 16, 30 << 20
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	server, port := startManagerServer(t, ctx, "store.star")
	errs := make(chan error, clients)
	for i := 0; i < clients; i++ {
		go func() {
			out, err := managerScript(ctx, "store.star", strconv.Itoa(port), fmt.Sprint("k", i), fmt.Sprint(size)).CombinedOutput()
			if err != nil {
				err = fmt.Errorf("client %d: %v\n%s", i, err, out)
			}
			errs <- err
		}()
	}
	for i := 0; i < clients; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	peak := peakRSS(t, server.Process.Pid)
	t.Logf("peak RSS of the server: %d MiB for %d MiB of values", peak>>20, clients*size>>20)
	if peak > 2*clients*size {
		t.Errorf("peak RSS %d MiB, more than twice the %d MiB stored", peak>>20, clients*size>>20)
	}
}

// peakRSS returns the peak resident set size of process pid, in bytes.
func peakRSS(t *testing.T, pid int) int {
	return procStatus(t, pid, "VmHWM") << 10 // in kB
}

// procStatus returns the number in the field of /proc/PID/status.
func procStatus(t *testing.T, pid int, field string) int {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// TestManagerStalledSendersHoldLittleMemory: 100 clients that announce a
// 60 MiB request, send 1 MiB of it and stall hold little of the server's
// memory (a megabyte each, and more in other runs, before): all but the
// budget's worth wait with their payload unread.
func TestManagerStalledSendersHoldLittleMemory(t *testing.T) {
	const stalled, size = 100, 60 << 20
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	server, port := startManagerServer(t, ctx, "store.star")
	addr, key := conn.InetAddress("127.0.0.1", port), []byte("store")
	hello := manager.AppendRequest(nil, manager.OpHello, nil, 0, "", nil)
	head := append(conn.AppendHeader(nil, size), make([]byte, 1<<20)...) // the header and 1 MiB
	for i := 0; i < stalled; i++ {
		c, err := conn.Dial(addr, key)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fd, _ := c.Fileno()
		if err := c.SendBytes(hello); err != nil {
			t.Fatal(err)
		}
		for p := head; len(p) > 0; { // raw: the frame is never finished
			n, err := unix.Write(fd, p)
			if err != nil {
				t.Fatal(err)
			}
			p = p[n:]
		}
	}
	// A client with an ordinary call is served all the same.
	if out, err := managerScript(ctx, "store.star", strconv.Itoa(port), "k", "10").CombinedOutput(); err != nil {
		t.Fatalf("a client behind %d stalled senders: %v\n%s", stalled, err, out)
	}
	peak := peakRSS(t, server.Process.Pid)
	t.Logf("peak RSS of the server with %d stalled 60 MiB requests: %d MiB", stalled, peak>>20)
	if peak > 64<<20 {
		t.Errorf("peak RSS %d MiB with %d stalled senders", peak>>20, stalled)
	}
}
