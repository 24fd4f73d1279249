package cluster_test

// The test binary plays every part: the test itself (with an embedded
// server on 127.0.0.1), a worker host (hostEnv set), a script's parent
// (scriptEnv set) and, through interp.ChildMain, the local worker
// processes a host starts.

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/mpstar/mpstar/cluster"
	"github.com/mpstar/mpstar/internal/proctest"
	"github.com/mpstar/mpstar/interp"
	"github.com/mpstar/mpstar/mpcore/sandbox"
)

const (
	hostEnv   = "MPSTAR_TEST_HOST"     // URL: be a worker host
	slotsEnv  = "MPSTAR_TEST_SLOTS"    // its -j
	fetchEnv  = "MPSTAR_TEST_PREFETCH" // its -prefetch
	trustEnv  = "MPSTAR_TEST_TRUST"    // its -trust
	relayEnv  = "MPSTAR_TEST_RELAY"    // a unix socket to reach the server through (netns.go)
	nameEnv   = "MPSTAR_TEST_NAME"     // its name
	scriptEnv = "MPSTAR_TEST_SCRIPT"   // file: run this script
	// profEnv names a directory where hosts and scripts write CPU
	// profiles (bench_test.go).
	profEnv = "MPSTAR_TEST_CPUPROFILE"
)

func TestMain(m *testing.M) {
	cluster.Install()
	interp.ChildMain(interp.Options{})
	if url := os.Getenv(hostEnv); url != "" {
		if sock := os.Getenv(relayEnv); sock != "" {
			url = relayFromNamespace(sock)
		}
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
		var slots, prefetch int
		fmt.Sscan(os.Getenv(slotsEnv), &slots)
		fmt.Sscan(os.Getenv(fetchEnv), &prefetch)
		endProfile := profile("host")
		err := cluster.Serve(ctx, cluster.HostOptions{Options: cluster.OptionsFromEnv(url), Slots: slots, Prefetch: prefetch, Host: os.Getenv(nameEnv), Trust: os.Getenv(trustEnv)})
		stop()
		endProfile()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	if file := os.Getenv(scriptEnv); file != "" {
		endProfile := profile("script")
		err := interp.RunFile(file, interp.Options{Permissions: sandbox.AllowAll()})
		endProfile()
		os.Exit(interp.ExitCode(err))
	}
	os.Exit(m.Run())
}

// profile starts a CPU profile of this process as role, if profEnv
// asks for one, and returns what ends it.
func profile(role string) func() {
	dir := os.Getenv(profEnv)
	if dir == "" {
		return func() {}
	}
	f, err := os.Create(fmt.Sprintf("%s/%s-%d.prof", dir, role, os.Getpid()))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return func() {}
	}
	pprof.StartCPUProfile(f)
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

// startServer starts an embedded JetStream server on loopback, shut down
// when the test ends.
func startServer(t *testing.T) (*server.Server, string) {
	t.Helper()
	return startServerWith(t, &server.Options{})
}

// startServerWith starts an embedded server with opts on loopback.
func startServerWith(t *testing.T, opts *server.Options) (*server.Server, string) {
	t.Helper()
	opts.Host, opts.Port, opts.JetStream, opts.StoreDir = "127.0.0.1", -1, true, t.TempDir()
	opts.NoSigs, opts.NoLog, opts.MaxPayload = true, true, 8<<20
	ns, err := server.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("the embedded server did not start")
	}
	t.Cleanup(func() {
		ns.Shutdown()
		ns.WaitForShutdown()
	})
	return ns, ns.ClientURL()
}

// host is a worker host process.
type host struct {
	cmd  *exec.Cmd
	out  proctest.Buffer
	logs chan string // its output lines (log and workers' prints), as they come
}

// startHost starts a worker host process serving url with slots local
// workers; it is stopped (SIGTERM, then SIGKILL) when the test ends.
func startHost(t *testing.T, url, name string, slots int, env ...string) *host {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return startHostCmd(t, exec.Command(exe), url, name, slots, env...)
}

// startHostCmd starts a worker host with cmd, which runs this executable.
func startHostCmd(t *testing.T, cmd *exec.Cmd, url, name string, slots int, env ...string) *host {
	t.Helper()
	h := &host{cmd: cmd, logs: make(chan string, 100)}
	h.cmd.Env = append(os.Environ(), hostEnv+"="+url, nameEnv+"="+name, fmt.Sprintf("%s=%d", slotsEnv, slots))
	h.cmd.Env = append(h.cmd.Env, env...)
	h.cmd.Stdout = lineWriter(t, &h.out, h.logs)
	h.cmd.Stderr = lineWriter(t, &h.out, h.logs)
	if err := h.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { h.cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		h.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			h.cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("host %s output:\n%s", name, h.out.String())
		}
	})
	return h
}

// script is a parent process running a script.
type script struct {
	cmd  *exec.Cmd
	out  proctest.Buffer
	errs proctest.Buffer
	done chan struct{}
}

// startScript starts a parent process running src as script.star in a
// directory of its own, with files (name, source pairs) beside it. The
// hosts run elsewhere: they get the script and its loaded files only
// from the object store.
func startScript(t *testing.T, src string, files ...string) *script {
	t.Helper()
	s := newScript(t, src, files...)
	s.start(t)
	return s
}

// newScript prepares a script process without starting it.
func newScript(t *testing.T, src string, files ...string) *script {
	t.Helper()
	dir := t.TempDir()
	files = append(files, "script.star", src)
	for i := 0; i < len(files); i += 2 {
		if err := os.WriteFile(dir+"/"+files[i], []byte(files[i+1]), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	s := &script{cmd: exec.Command(exe), done: make(chan struct{})}
	s.cmd.Dir = dir
	s.cmd.Env = append(os.Environ(), scriptEnv+"=script.star")
	s.cmd.Stdout, s.cmd.Stderr = &s.out, &s.errs
	return s
}

// start starts the script's process, killed when the test ends.
func (s *script) start(t *testing.T) {
	t.Helper()
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.cmd.Wait(); close(s.done) }()
	t.Cleanup(func() {
		s.cmd.Process.Kill()
		<-s.done
	})
}

// wait waits for the script to end and returns its stdout; it fails the
// test if the script fails or runs longer than limit.
func (s *script) wait(t *testing.T, limit time.Duration) string {
	t.Helper()
	select {
	case <-s.done:
		if !s.cmd.ProcessState.Success() {
			t.Fatalf("script failed: %v\nstdout:\n%s\nstderr:\n%s", s.cmd.ProcessState, s.out.String(), s.errs.String())
		}
	case <-time.After(limit):
		t.Fatalf("script still running after %v\nstdout:\n%s\nstderr:\n%s", limit, s.out.String(), s.errs.String())
	}
	return s.out.String()
}

// runScript runs a script to its end and returns its stdout.
func runScript(t *testing.T, limit time.Duration, src string, files ...string) string {
	t.Helper()
	return startScript(t, src, files...).wait(t, limit)
}

// expectLines checks that out is exactly want, line by line.
func expectLines(t *testing.T, out string, want ...string) {
	t.Helper()
	got := strings.TrimSuffix(out, "\n")
	if got != strings.Join(want, "\n") {
		t.Errorf("output:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
}

// workers returns the pids of a host's local worker processes.
func (h *host) workers() []int {
	var pids []int
	tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", h.cmd.Process.Pid))
	for _, task := range tasks {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/children", h.cmd.Process.Pid, task.Name()))
		for _, f := range strings.Fields(string(b)) {
			var pid int
			fmt.Sscan(f, &pid)
			pids = append(pids, pid)
		}
	}
	return pids
}

// lines returns a channel of the script's stdout lines as they come.
func (s *script) lines(t *testing.T) <-chan string {
	ch := make(chan string, 100)
	s.cmd.Stdout = lineWriter(t, &s.out, ch)
	return ch
}

// lineWriter returns a writer that copies to buf and sends each line to
// ch (dropping lines nobody reads once ch is full).
func lineWriter(t *testing.T, buf io.Writer, ch chan<- string) io.Writer {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			select {
			case ch <- sc.Text():
			default:
			}
		}
	}()
	t.Cleanup(func() { w.Close(); r.Close() })
	return io.MultiWriter(buf, w)
}

// await waits for an output line of the host containing want.
func (h *host) await(t *testing.T, want string) {
	t.Helper()
	timeout := time.After(2 * time.Minute)
	for {
		select {
		case l := <-h.logs:
			if strings.Contains(l, want) {
				return
			}
		case <-timeout:
			t.Fatalf("host never logged %q; its output:\n%s", want, h.out.String())
		}
	}
}
