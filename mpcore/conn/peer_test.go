package conn

import (
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// dialAddrEnv carries, hex-encoded, the abstract name dialChild connects to.
const dialAddrEnv = "MPCORE_CONN_TEST_DIAL"

// dialChild connects to the Listener and prints "accepted" if it answers,
// "refused" if it closes the connection or cannot be reached.
func dialChild() int {
	path, _ := hex.DecodeString(os.Getenv(dialAddrEnv))
	c, err := (&Dialer{}).Dial(UnixAddress(string(path)))
	if err != nil {
		fmt.Print("refused")
		return 0
	}
	defer c.Close()
	if msg, err := c.RecvBytes(-1); err == nil && string(msg) == "welcome" {
		fmt.Print("accepted")
	} else {
		fmt.Print("refused")
	}
	return 0
}

// TestArbitraryAddressOwnerOnly: a Listener on an address mpstar picked (an
// abstract name, which has no file permissions) accepts only processes of
// its own user, as a socket file in a private directory would.
func TestArbitraryAddressOwnerOnly(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("running a client as another user needs root")
	}
	l, err := NewListener(Address{}, 4, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if !l.Address().IsAbstract() {
		t.Fatalf("arbitrary AF_UNIX address %s is not abstract", l.Address())
	}
	accepted := make(chan *Conn, 2)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				close(accepted)
				return
			}
			c.SendBytes([]byte("welcome"))
			accepted <- c
		}
	}()
	// The test binary, where user nobody may run it.
	dir, err := os.MkdirTemp("", "mpstar-conn-test-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	os.Chmod(dir, 0o755)
	exe := filepath.Join(dir, "conn.test")
	if err := copyExecutable(os.Args[0], exe); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=dial", dialAddrEnv+"="+hex.EncodeToString([]byte(l.Address().Path)))
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.Output()
	if err != nil || strings.TrimSpace(string(out)) != "refused" {
		t.Fatalf("a client running as nobody: %q, %v; want refused", out, err)
	}
	c, err := (&Dialer{}).Dial(l.Address())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if msg, err := c.RecvBytes(-1); err != nil || string(msg) != "welcome" {
		t.Fatalf("a client of the owner's user: %q, %v", msg, err)
	}
	select {
	case a := <-accepted:
		a.Close()
	case <-time.After(10 * time.Second):
		t.Fatal("Accept did not return the owner's connection")
	}
}

// copyExecutable copies the file at src to dst, executable by everyone.
func copyExecutable(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
