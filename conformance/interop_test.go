package conformance

// multiprocessing.connection's Listener and Client through the mpstar
// binary: against CPython (python3) with the right and a wrong authkey, and
// against misbehaving peers played by the test (wrong key, silence, huge
// length headers, random bytes).

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand"
	"net"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mpstar/mpstar/mpcore/conn"
)

// driverTimeout bounds every process a test here starts.
const driverTimeout = 60 * time.Second

// driverDir holds the scripts these tests drive.
const driverDir = "testdata/drivers"

// peer is a listener or client program of the interop test: mpstar with a
// .star script or python3 with its .py twin.
type peer struct {
	name string // "mpstar" or "cpython"
	argv func(script string, args ...string) []string
}

// interopPeers returns mpstar and, when python3 is installed, CPython.
func interopPeers(t *testing.T) (mpstar, cpython peer) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not found: CPython interoperability of Listener/Client is not tested")
	}
	mpstar = peer{"mpstar", func(script string, args ...string) []string {
		return append([]string{mpstarBin, script + ".star"}, args...)
	}}
	cpython = peer{"cpython", func(script string, args ...string) []string {
		return append([]string{python, script + ".py"}, args...)
	}}
	return mpstar, cpython
}

// started is a driver process whose stdout is read line by line.
type started struct {
	cmd    *exec.Cmd
	cancel context.CancelFunc
	lines  chan string
	stderr *strings.Builder
}

// startDriver runs argv in the drivers directory.
func startDriver(t *testing.T, argv []string) *started {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), driverTimeout)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = driverDir
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &started{cmd: cmd, cancel: cancel, lines: make(chan string, 64), stderr: &strings.Builder{}}
	cmd.Stderr = s.stderr
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			s.lines <- sc.Text()
		}
		close(s.lines)
	}()
	t.Cleanup(func() {
		cancel()
		cmd.Wait()
	})
	return s
}

// line returns the next stdout line, failing the test if none comes in time.
func (s *started) line(t *testing.T) string {
	t.Helper()
	select {
	case l, ok := <-s.lines:
		if !ok {
			t.Fatalf("%s ended without the expected output; stderr:\n%s", s.cmd.Path, s.stderr)
		}
		return l
	case <-time.After(driverTimeout):
		t.Fatalf("%s: no output within %v; stderr:\n%s", s.cmd.Path, driverTimeout, s.stderr)
	}
	return ""
}

// rest waits for the process to exit 0 and returns its remaining lines.
func (s *started) rest(t *testing.T) []string {
	t.Helper()
	var out []string
	for l := range s.lines {
		out = append(out, l)
	}
	if err := s.cmd.Wait(); err != nil {
		t.Fatalf("%s: %v; stderr:\n%s", strings.Join(s.cmd.Args, " "), err, s.stderr)
	}
	return out
}

// exchange runs one listener and one client and returns what each printed
// after the listener's address line.
func exchange(t *testing.T, listener, client peer, family, listenKey, clientKey string) (lout, cout []string) {
	t.Helper()
	l := startDriver(t, listener.argv("interop_listener", family, listenKey))
	address := l.line(t)
	c := startDriver(t, client.argv("interop_client", address, clientKey))
	cout = c.rest(t)
	return l.rest(t), cout
}

// TestInteropCPython runs the Listener/Client exchange for every pairing
// of CPython and mpstar, with the right and a wrong authkey, over AF_INET
// and AF_UNIX, and checks that each side prints what it prints when both
// sides are CPython.
func TestInteropCPython(t *testing.T) {
	mpstar, cpython := interopPeers(t)
	for _, family := range []string{"inet", "unix"} {
		for _, key := range []struct{ name, listen, client string }{
			{"right_key", "interop key", "interop key"},
			{"wrong_key", "interop key", "not the key"},
		} {
			t.Run(family+"/"+key.name, func(t *testing.T) {
				t.Parallel()
				wantL, wantC := exchange(t, cpython, cpython, family, key.listen, key.client)
				for _, pair := range [][2]peer{{mpstar, cpython}, {cpython, mpstar}, {mpstar, mpstar}} {
					gotL, gotC := exchange(t, pair[0], pair[1], family, key.listen, key.client)
					label := fmt.Sprintf("%s Listener, %s Client", pair[0].name, pair[1].name)
					if strings.Join(gotL, "\n") != strings.Join(wantL, "\n") {
						t.Errorf("%s: listener printed\n%s\nCPython's listener printed\n%s", label, strings.Join(gotL, "\n"), strings.Join(wantL, "\n"))
					}
					if strings.Join(gotC, "\n") != strings.Join(wantC, "\n") {
						t.Errorf("%s: client printed\n%s\nCPython's client printed\n%s", label, strings.Join(gotC, "\n"), strings.Join(wantC, "\n"))
					}
				}
			})
		}
	}
}

// faultKey is the authkey of faults_listener.star and faults_client.star.
var faultKey = []byte("fault key")

// header returns a frame header announcing n bytes, in CPython's long form.
func header(n uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte{0xff, 0xff, 0xff, 0xff}, n)
}

// maxRSSMiB returns the peak resident memory of a finished process.
func maxRSSMiB(cmd *exec.Cmd) int64 {
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0
	}
	return ru.Maxrss / 1024 // kilobytes on Linux
}

// maxRSSLimitMiB is far below what any oversized frame in these tests
// would cost if its length were believed.
const maxRSSLimitMiB = 256

// TestListenerFaults plays misbehaving clients against an authenticated
// mpstar Listener: each must fail with a clear error, within the
// handshake deadline, without a large allocation, and leave the Listener
// serving the next client.
func TestListenerFaults(t *testing.T) {
	const maxFrame = 1 << 20
	random := rand.New(rand.NewSource(1))
	garbage := make([]byte, 100)
	random.Read(garbage)
	cases := []struct {
		name string
		play func(t *testing.T, addr string)
		want string // the script's line for this connection
	}{
		{"wrong key", func(t *testing.T, addr string) {
			_, err := conn.Dial(conn.InetAddress("127.0.0.1", port(t, addr)), []byte("wrong key"))
			if err == nil || !strings.Contains(err.Error(), "digest sent was rejected") {
				t.Errorf("dial with the wrong key: %v, want digest sent was rejected", err)
			}
		}, "accept AuthenticationError: digest received was wrong"},
		{"silent peer", func(t *testing.T, addr string) {
			c := dialRaw(t, addr)
			io.Copy(io.Discard, c) // until the listener gives up and closes
		}, "accept AuthenticationError: authentication handshake did not finish within 300ms"},
		{"2^40 length header in the handshake", func(t *testing.T, addr string) {
			c := dialRaw(t, addr)
			c.Write(header(1 << 40))
			io.Copy(io.Discard, c)
		}, "accept OSError: bad message length: frame of 1099511627776 bytes exceeds the limit of 256 bytes"},
		{"random bytes in the handshake", func(t *testing.T, addr string) {
			c := dialRaw(t, addr)
			c.Write(append([]byte{0, 0, 0, 100}, garbage...))
			io.Copy(io.Discard, c)
		}, "accept AuthenticationError: unsupported message length, missing digest prefix, or unsupported digest: message=b"},
		{"2^40 length header after authenticating", func(t *testing.T, addr string) {
			sendAuthenticated(t, addr, header(1<<40))
		}, fmt.Sprintf("recv OSError: bad message length: frame of 1099511627776 bytes exceeds the limit of %d bytes", maxFrame)},
		{"random bytes after authenticating", func(t *testing.T, addr string) {
			sendAuthenticated(t, addr, append([]byte{0, 0, 0, 100}, garbage...))
		}, "recv OSError: bad message"},
		{"a good client still gets through", func(t *testing.T, addr string) {
			script := fmt.Sprintf(`load("multiprocessing.connection", "Client")
c = Client(("127.0.0.1", %d), authkey=b"fault key")
c.send("ok")
c.close()`, port(t, addr))
			if out, err := exec.Command(mpstarBin, "-c", script).CombinedOutput(); err != nil {
				t.Errorf("mpstar Client: %v\n%s", err, out)
			}
		}, "recv ok ok"},
	}
	s := startDriver(t, []string{mpstarBin, "faults_listener.star", "0.3", fmt.Sprint(maxFrame), fmt.Sprint(len(cases))})
	addr := "127.0.0.1:" + s.line(t)
	for _, tc := range cases {
		start := time.Now()
		tc.play(t, addr)
		got := s.line(t)
		if !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s: listener printed %q, want %q", tc.name, got, tc.want)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("%s: took %v", tc.name, d)
		}
	}
	s.rest(t)
	if rss := maxRSSMiB(s.cmd); rss > maxRSSLimitMiB {
		t.Errorf("listener peaked at %d MiB of memory, want < %d", rss, maxRSSLimitMiB)
	}
}

// port returns the port of a host:port address.
func port(t *testing.T, addr string) int {
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	fmt.Sscan(p, &n)
	return n
}

// dialRaw connects without any handshake.
func dialRaw(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, driverTimeout)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(driverTimeout))
	t.Cleanup(func() { c.Close() })
	return c
}

// sendAuthenticated authenticates with the right key, then writes raw
// bytes and waits for the listener to drop the connection.
func sendAuthenticated(t *testing.T, addr string, raw []byte) {
	t.Helper()
	c, err := conn.Dial(conn.InetAddress("127.0.0.1", port(t, addr)), faultKey)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fd, err := c.Fileno()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := syscall.Write(fd, raw); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RecvBytes(-1); err == nil {
		t.Errorf("the listener answered garbage instead of closing the connection")
	}
}

// TestClientFaults plays misbehaving listeners against an mpstar Client:
// silence, a huge length header and a bogus challenge each fail with a
// clear error within the handshake deadline.
func TestClientFaults(t *testing.T) {
	plays := []struct {
		name string
		play func(c net.Conn)
		want string
	}{
		{"silent listener", func(c net.Conn) { io.Copy(io.Discard, c) },
			"client AuthenticationError: authentication handshake did not finish within 300ms"},
		{"2^40 length header", func(c net.Conn) { c.Write(header(1 << 40)); io.Copy(io.Discard, c) },
			"client OSError: bad message length: frame of 1099511627776 bytes exceeds the limit of 256 bytes"},
		{"not a challenge", func(c net.Conn) { c.Write([]byte("\x00\x00\x00\x05hello")); io.Copy(io.Discard, c) },
			"client AuthenticationError: Protocol error, expected challenge: message=b'hello'"},
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for _, p := range plays {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.SetDeadline(time.Now().Add(driverTimeout))
			p.play(c)
			c.Close()
		}
	}()
	s := startDriver(t, []string{mpstarBin, "faults_client.star", fmt.Sprint(port(t, ln.Addr().String())), "0.3", fmt.Sprint(len(plays))})
	for _, p := range plays {
		if got := s.line(t); got != p.want {
			t.Errorf("%s: client printed %q, want %q", p.name, got, p.want)
		}
	}
	s.rest(t)
}
