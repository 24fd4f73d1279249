package conn

import (
	"bufio"
	"context"
	"encoding/hex"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// These tests run the real CPython (python3, 3.11 here: the legacy HMAC-MD5
// handshake) against our Listener and Dial.

func needPython(t *testing.T) string {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("SKIPPED: python3 not found on PATH; CPython interop is untested")
	}
	return py
}

// pyClient connects a CPython Client to addr, sends "from python", prints
// what it receives back, and prints the exception's type name on failure.
const pyClient = `
import sys
from multiprocessing.connection import Client
from multiprocessing import AuthenticationError
kind, where, key = sys.argv[1:]
if kind == "inet":
    host, port = where.split(":")
    addr = (host, int(port))
else:
    addr = bytes.fromhex(where).decode()
try:
    c = Client(addr, authkey=key.encode())
except AuthenticationError as e:
    print("AuthenticationError:", e); sys.exit(0)
c.send_bytes(b"from python")
print(c.recv_bytes().decode())
c.send_bytes(b"x" * 100000)
c.close()
`

func runPython(t *testing.T, script string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, needPython(t), append([]string{"-c", script}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python3: %v\n%s", err, out)
	}
	return strings.TrimSpace(string(out))
}

func TestPythonClientToOurListener(t *testing.T) {
	needPython(t)
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		addr Address
	}{
		{"inet", InetAddress("127.0.0.1", 0)},
		{"unix", UnixAddress(dir + "/sock")},
		{"abstract", UnixAddress("\x00mpstar-interop-" + filepath.Base(dir))},
	} {
		addr := tc.addr
		t.Run(tc.name, func(t *testing.T) {
			l := mustListen(t, addr, []byte("shared key"))
			served := make(chan error, 1)
			go func() { served <- serveOnce(l) }()
			if out := runPython(t, pyClient, pyClientArgs(l.Address(), "shared key")...); out != "from go: from python" {
				t.Fatalf("python printed %q", out)
			}
			within(t, 10*time.Second, func() {
				if err := <-served; err != nil {
					t.Error(err)
				}
			})
		})
	}
}

// pyClientArgs returns pyClient's arguments for addr and key.
func pyClientArgs(addr Address, key string) []string {
	if addr.Family == AFInet {
		return []string{"inet", addr.Host + ":" + strconv.Itoa(addr.Port), key}
	}
	return []string{"unix", hex.EncodeToString([]byte(addr.Path)), key}
}

// serveOnce accepts one connection, answers its first message and checks
// that the second is 100000 bytes of 'x'.
func serveOnce(l *Listener) error {
	c, err := l.Accept()
	if err != nil {
		return err
	}
	defer c.Close()
	msg, err := c.RecvBytes(-1)
	if err != nil {
		return err
	}
	if err := c.SendBytes(append([]byte("from go: "), msg...)); err != nil {
		return err
	}
	big, err := c.RecvBytes(-1)
	if err != nil || len(big) != 100000 || strings.Trim(string(big), "x") != "" {
		return fmt.Errorf("large message: %d bytes, %v", len(big), err)
	}
	return nil
}

func TestPythonClientWrongKey(t *testing.T) {
	needPython(t)
	l := mustListen(t, InetAddress("127.0.0.1", 0), []byte("right"))
	served := make(chan error, 1)
	go func() { served <- serveOnce(l) }()
	out := runPython(t, pyClient, pyClientArgs(l.Address(), "wrong")...)
	if out != "AuthenticationError: digest sent was rejected" {
		t.Fatalf("python printed %q", out)
	}
	within(t, 10*time.Second, func() {
		err := <-served
		if e := errorAs[*AuthenticationError](t, err); e.Msg != "digest received was wrong" {
			t.Errorf("our side: %v", err)
		}
	})
}

// pyListener listens with CPython's Listener, prints its port, accepts one
// connection, echoes one message and prints the outcome.
const pyListener = `
import sys
from multiprocessing.connection import Listener
from multiprocessing import AuthenticationError
with Listener(("127.0.0.1", 0), authkey=sys.argv[1].encode()) as l:
    print(l.address[1], flush=True)
    try:
        c = l.accept()
    except AuthenticationError as e:
        print("AuthenticationError:", e); sys.exit(0)
    m = c.recv_bytes()
    c.send_bytes(b"python got " + m)
    print("ok", len(c.recv_bytes()), flush=True)
`

// startPythonListener runs pyListener and returns its port and a reader of
// its remaining output.
func startPythonListener(t *testing.T, key string) (int, *bufio.Reader, *exec.Cmd) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, needPython(t), "-c", pyListener, key)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Wait() })
	r := bufio.NewReader(stdout)
	line, err := r.ReadString('\n')
	port, convErr := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || convErr != nil {
		t.Fatalf("python listener printed %q, %v", line, err)
	}
	return port, r, cmd
}

func TestOurDialToPythonListener(t *testing.T) {
	needPython(t)
	port, out, _ := startPythonListener(t, "shared key")
	c, err := Dial(InetAddress("127.0.0.1", port), []byte("shared key"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	within(t, 20*time.Second, func() {
		c.SendBytes([]byte("hi"))
		if got, err := c.RecvBytes(-1); err != nil || string(got) != "python got hi" {
			t.Errorf("got %q, %v", got, err)
		}
		c.SendBytes(make([]byte, 3<<20))
		if line, _ := out.ReadString('\n'); strings.TrimSpace(line) != fmt.Sprint("ok ", 3<<20) {
			t.Errorf("python printed %q", line)
		}
	})
}

func TestOurDialToPythonListenerWrongKey(t *testing.T) {
	needPython(t)
	port, out, _ := startPythonListener(t, "right")
	_, err := Dial(InetAddress("127.0.0.1", port), []byte("wrong"))
	if e := errorAs[*AuthenticationError](t, err); e.Msg != "digest sent was rejected" {
		t.Fatalf("our side: %v", err)
	}
	within(t, 20*time.Second, func() {
		if line, _ := out.ReadString('\n'); strings.TrimSpace(line) != "AuthenticationError: digest received was wrong" {
			t.Errorf("python printed %q", line)
		}
	})
}
