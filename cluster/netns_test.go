package cluster_test

// A worker host in a network namespace of its own, whose only way to the
// server is a relay over a unix socket (which crosses namespaces): taking
// the namespace's loopback down cuts the host off as a pulled cable does,
// its TCP connection open but silent.

import (
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// relayFromNamespace runs in a host process inside its namespace: it
// brings the loopback up, relays connections to 127.0.0.1:port there to
// the unix socket sock, and returns the server URL to use.
func relayFromNamespace(sock string) string {
	if out, err := exec.Command("ip", "link", "set", "lo", "up").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "ip link set lo up: %v: %s\n", err, out)
		os.Exit(1)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	go relay(ln, func() (net.Conn, error) { return net.Dial("unix", sock) })
	return "nats://" + ln.Addr().String()
}

// relay accepts connections on ln and joins each to one dial makes.
func relay(ln net.Listener, dial func() (net.Conn, error)) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		d, err := dial()
		if err != nil {
			c.Close()
			continue
		}
		go join(c, d)
		go join(d, c)
	}
}

func join(dst, src net.Conn) {
	io.Copy(dst, src)
	dst.Close()
}

// startNamespacedHost starts a worker host in a new network namespace,
// reaching the server at addr through a unix socket; it skips the test
// where namespaces cannot be made.
func startNamespacedHost(t *testing.T, addr, name string, slots int) *host {
	t.Helper()
	if out, err := exec.Command("unshare", "-n", "ip", "link", "set", "lo", "up").CombinedOutput(); err != nil {
		t.Skipf("cannot make network namespaces here (unshare -n needs root or user namespaces): %v: %s", err, strings.TrimSpace(string(out)))
	}
	sock := t.TempDir() + "/server.sock"
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go relay(ln, func() (net.Conn, error) { return net.Dial("tcp", addr) })
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// unshare execs the program: the host keeps unshare's pid.
	return startHostCmd(t, exec.Command("unshare", "-n", exe), "relay", name, slots, relayEnv+"="+sock)
}

// cut takes the host's namespace off the network for d.
func (h *host) cut(t *testing.T, d time.Duration) {
	t.Helper()
	link := func(state string) {
		ns := fmt.Sprintf("/proc/%d/ns/net", h.cmd.Process.Pid)
		if out, err := exec.Command("nsenter", "--net="+ns, "ip", "link", "set", "lo", state).CombinedOutput(); err != nil {
			t.Fatalf("ip link set lo %s in the host's namespace: %v: %s", state, err, out)
		}
	}
	link("down")
	time.Sleep(d) // the partition's length, not synchronisation
	link("up")
}

// TestNamespacePartition: a host whose network namespace is cut off for
// 3 seconds mid-map loses nothing; its tasks run again on the other host,
// and the results it sends once the partition heals are dropped as
// duplicates.
func TestNamespacePartition(t *testing.T) {
	ns, url := startServer(t)
	h := startNamespacedHost(t, strings.TrimPrefix(ns.ClientURL(), "nats://"), "cut", 2)
	startHost(t, url, "h2", 2)
	s := newScript(t, roundsScript(url, 2, 100000, 100))
	lines := s.lines(t)
	s.start(t)
	awaitLine(t, s, lines, "start 0")
	h.await(t, "tick") // it holds tasks
	h.cut(t, 3*time.Second)
	awaitLine(t, s, lines, "ok 0 True")
	awaitLine(t, s, lines, "start 1")
	awaitLine(t, s, lines, "ok 1 True")
	s.wait(t, time.Minute)
}
