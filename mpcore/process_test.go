package mpcore

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestMain turns the test binary into the child process when Launch
// started it: the payload names what the child does.
func TestMain(m *testing.M) {
	if IsChild() {
		os.Exit(testChild())
	}
	os.Exit(m.Run())
}

func testChild() int {
	b, err := ReadBootstrap()
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 99
	}
	b.WatchParent(func() { os.Exit(98) })
	cmd, arg, _ := strings.Cut(string(b.Prep.Payload), ":")
	switch cmd {
	case "exit":
		n, _ := strconv.Atoi(arg)
		return n
	case "sleep":
		time.Sleep(time.Hour)
	case "write-fd":
		// Write the prep's name into the first carried descriptor.
		os.NewFile(uintptr(b.FDs[0]), "out").WriteString(b.Prep.Name + "\n")
	case "print-then-signal":
		// Print a line, then tell the parent over the carried socket, and
		// wait for its answer before the next.
		n, _ := strconv.Atoi(arg)
		sock := os.NewFile(uintptr(b.FDs[0]), "sock")
		var ack [1]byte
		for i := range n {
			fmt.Fprintf(os.Stdout, "child %d\n", i)
			sock.Write(ack[:])
			if _, err := sock.Read(ack[:]); err != nil {
				return 96
			}
		}
	case "burn":
		// Touch 64 MiB and use 100 ms of CPU time, then exit with 7.
		mem := make([]byte, 64<<20)
		for i := range mem {
			mem[i] = byte(i)
		}
		var ru unix.Rusage
		for unix.Getrusage(unix.RUSAGE_SELF, &ru) == nil && time.Duration(ru.Utime.Nano()+ru.Stime.Nano()) < 100*time.Millisecond {
		}
		runtime.KeepAlive(mem)
		return 7
	case "godebug":
		// Report the heap profile rate the runtime started with, and the
		// GODEBUG the child's environment holds now.
		g, ok := os.LookupEnv("GODEBUG")
		fmt.Fprintf(os.NewFile(uintptr(b.FDs[0]), "out"), "%d %v %q\n", runtime.MemProfileRate, ok, g)
	case "spawn-grandchild":
		// Launch a sleeping grandchild and report its pid on the carried fd.
		gc, err := Launch(LaunchConfig{Prep: &Prep{Payload: []byte("sleep")}})
		if err != nil {
			return 97
		}
		fmt.Fprintf(os.NewFile(uintptr(b.FDs[0]), "out"), "%d\n", gc.Pid)
		time.Sleep(time.Hour)
	}
	return 0
}

func launch(t *testing.T, payload string, fds ...int) *Child {
	t.Helper()
	c, err := Launch(LaunchConfig{Prep: &Prep{Name: "test-child", Payload: []byte(payload)}, FDs: fds})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Kill(); c.Join(-1); c.Close() })
	return c
}

func TestExitCodes(t *testing.T) {
	for _, code := range []int{0, 1, 3, 42} {
		c := launch(t, fmt.Sprintf("exit:%d", code))
		if !c.Join(10 * time.Second) {
			t.Fatalf("child exiting with %d did not exit within 10s", code)
		}
		if got, ok := c.ExitCode(); !ok || got != code {
			t.Errorf("ExitCode() = %d, %v; want %d, true", got, ok, code)
		}
	}
}

func TestSignalsGiveNegativeExitCodes(t *testing.T) {
	for _, tc := range []struct {
		stop func(*Child) error
		want int
	}{{(*Child).Terminate, -15}, {(*Child).Kill, -9}} {
		c := launch(t, "sleep")
		if _, ok := c.ExitCode(); ok {
			t.Fatal("ExitCode reported a code for a running child")
		}
		if c.Join(0) {
			t.Fatal("Join(0) reported a sleeping child as exited")
		}
		if err := tc.stop(c); err != nil {
			t.Fatal(err)
		}
		if !c.Join(10 * time.Second) {
			t.Fatal("signalled child did not exit within 10s")
		}
		if got, _ := c.ExitCode(); got != tc.want {
			t.Errorf("exit code %d, want %d", got, tc.want)
		}
		if err := c.Terminate(); err != nil {
			t.Errorf("signalling a reaped child: %v", err)
		}
	}
}

func TestSentinelBecomesReadable(t *testing.T) {
	c := launch(t, "sleep")
	if WaitReadable(c.Sentinel(), 0) {
		t.Fatal("sentinel readable while the child runs")
	}
	c.Kill()
	if !WaitReadable(c.Sentinel(), 10*time.Second) {
		t.Fatal("sentinel not readable 10s after kill")
	}
}

func TestCarriedDescriptor(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	c := launch(t, "write-fd", int(w.Fd()))
	w.Close()
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil || line != "test-child\n" {
		t.Fatalf("read %q, %v from the carried pipe; want the child's name", line, err)
	}
	c.Join(-1)
}

// TestOrphansDie: SIGKILL of a parent takes its children along, through the
// lifeline pipe.
func TestOrphansDie(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	c := launch(t, "spawn-grandchild", int(w.Fd()))
	w.Close()
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the grandchild's pid: %v", err)
	}
	gpid, _ := strconv.Atoi(strings.TrimSpace(line))
	pidfd, err := unix.PidfdOpen(gpid, 0)
	if err != nil {
		t.Fatalf("grandchild %d not running: %v", gpid, err)
	}
	defer unix.Close(pidfd)
	c.Kill()
	if !WaitReadable(pidfd, 10*time.Second) {
		unix.Kill(gpid, syscall.SIGKILL)
		t.Fatal("grandchild still alive 10s after its parent was killed")
	}
}

func TestFDTableDeduplicates(t *testing.T) {
	var tab FDTable
	if a, b := tab.Add(7), tab.Add(9); a != 0 || b != 1 {
		t.Fatalf("indices %d, %d; want 0, 1", a, b)
	}
	if i := tab.Add(7); i != 0 || len(tab.FDs()) != 2 {
		t.Fatalf("re-adding fd 7 gave %d with %d fds; want 0 with 2", i, len(tab.FDs()))
	}
}

func TestWarmPool(t *testing.T) {
	w := NewWarmPool(LaunchConfig{}, 2)
	defer w.Close()
	for i := 0; i < 5; i++ {
		c, err := w.Take()
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Send(&Prep{Payload: []byte(fmt.Sprintf("exit:%d", i))}, nil); err != nil {
			t.Fatal(err)
		}
		if !c.Join(10 * time.Second) {
			t.Fatal("warm child did not exit within 10s")
		}
		if code, _ := c.ExitCode(); code != i {
			t.Errorf("warm child exit code %d, want %d", code, i)
		}
		c.Close()
	}
}

// TestWarmPoolCloseEndsIdleChildren: children that never got work are
// ended by Close, so none outlives the pool.
func TestWarmPoolCloseEndsIdleChildren(t *testing.T) {
	w := NewWarmPool(LaunchConfig{}, 3)
	c, err := w.Take() // a launched child, and a refill under way
	if err != nil {
		t.Fatal(err)
	}
	c.Kill()
	c.Join(-1)
	w.mu.Lock()
	idle := append([]*Child(nil), w.idle...)
	w.mu.Unlock()
	w.Close()
	for _, c := range idle {
		if !c.Exited() {
			t.Errorf("idle child %d still running after Close", c.Pid)
		}
	}
}

// TestExitReportsUsage: OnExit's functions, registered before the exit or
// after it, see how the child ended and what it used, as Exit does.
func TestExitReportsUsage(t *testing.T) {
	c := launch(t, "burn")
	seen := make(chan Exit, 2)
	c.OnExit(func(x Exit) { seen <- x })
	if !c.Join(20 * time.Second) {
		t.Fatal("the child did not exit")
	}
	c.OnExit(func(x Exit) { seen <- x })
	x, ok := c.Exit()
	if !ok || x.Code != 7 || x.CPU < 100*time.Millisecond || x.MaxRSS < 64<<20 || x.Time.IsZero() {
		t.Fatalf("Exit() = %+v, %v; want code 7, CPU >= 100ms, MaxRSS >= 64 MiB", x, ok)
	}
	for range 2 {
		if got := <-seen; got != x {
			t.Errorf("OnExit saw %+v, Exit() says %+v", got, x)
		}
	}
}
