package sandbox

// The test binary doubles as the confined process: TestMain runs a child
// role when MPSTAR_SANDBOX_TEST_CHILD names one, with its Policy as JSON in
// MPSTAR_SANDBOX_TEST_POLICY. Confinement is for good, so it is only ever
// applied in a child.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/mpstar/mpstar/mpcore/internal/childtest"
)

const (
	envRole   = "MPSTAR_SANDBOX_TEST_CHILD"
	envPolicy = "MPSTAR_SANDBOX_TEST_POLICY"
	envArgs   = "MPSTAR_SANDBOX_TEST_ARGS" // a JSON list
)

func TestMain(m *testing.M) { childtest.Main(m, envRole, runChild) }

// runChild confines itself as its role says, then reports on stdout.
func runChild(role string) int {
	var p Policy
	if err := json.Unmarshal([]byte(os.Getenv(envPolicy)), &p); err != nil {
		fmt.Fprintln(os.Stderr, "child: bad policy:", err)
		return 2
	}
	var args []string
	if err := json.Unmarshal([]byte(os.Getenv(envArgs)), &args); err != nil {
		fmt.Fprintln(os.Stderr, "child: bad args:", err)
		return 2
	}
	var err error
	switch role {
	case "exec": // confine this thread and become args[0]
		err = RestrictExec(&p, args, os.Environ())
	case "restrict": // confine every thread, then try to read args[0]
		if _, err = Restrict(&p); err == nil {
			_, err = os.ReadFile(args[0])
			fmt.Println("read:", errors.Is(err, os.ErrPermission), err)
			return 0
		}
	case "files": // lower the open-file limit to args[0], open until refused
		err = childOpenFiles(args[0])
	default:
		err = fmt.Errorf("unknown role %q", role)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 2
	}
	return 0
}

func childOpenFiles(limit string) error {
	n, err := strconv.ParseUint(limit, 10, 64)
	if err != nil {
		return err
	}
	if err := (Limits{Files: n}).Apply(); err != nil {
		return err
	}
	for opened := 0; ; opened++ {
		f, err := os.Open(os.DevNull)
		if err != nil {
			fmt.Println("opened", opened, "then:", errors.Is(err, unix.EMFILE))
			return nil
		}
		defer f.Close()
	}
}

// runConfined runs role in a child confined by p and returns its stdout
// and stderr.
func runConfined(t *testing.T, bin, role string, p Policy, args ...string) (string, string) {
	t.Helper()
	js, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	jsArgs, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := childtest.Command(ctx, envRole, role, envPolicy+"="+string(js), envArgs+"="+string(jsArgs))
	if bin != "" {
		cmd.Path, cmd.Args[0] = bin, bin
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Logf("child: %v", err) // the outcome is judged by what it printed
	}
	return stdout.String(), stderr.String()
}

func needABI(t *testing.T, abi int) {
	t.Helper()
	if got := ABI(); got < abi {
		t.Skipf("this kernel's Landlock ABI is %d; the test needs %d", got, abi)
	}
}

// programPolicy grants executing prog and reading what a dynamically
// linked program needs to start, and nothing else.
func programPolicy(t *testing.T, prog string) Policy {
	path, err := exec.LookPath(prog)
	if err != nil {
		t.Skipf("%s is not installed", prog)
	}
	// The dynamic loader is executed too, so the library directories need
	// the execute right.
	return Policy{FS: true, Exec: []string{path, "/lib", "/lib64", "/usr/lib"}, Read: []string{"/etc/ld.so.cache"}}
}

// TestExecDeniesUngrantedRead proves the kernel layer on its own: a
// program started inside the domain can't read a file outside the grants,
// and reads a granted one. The test never checks a path itself.
func TestExecDeniesUngrantedRead(t *testing.T) {
	needABI(t, 1)
	dir := t.TempDir()
	secret, public := filepath.Join(dir, "secret"), filepath.Join(dir, "public")
	for _, f := range []string{secret, public} {
		if err := os.WriteFile(f, []byte("contents of "+filepath.Base(f)+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cat, _ := exec.LookPath("cat")
	p := programPolicy(t, "cat")
	p.Read = append(p.Read, public)

	out, errOut := runConfined(t, "", "exec", p, cat, public, secret)
	if out != "contents of public\n" {
		t.Errorf("cat printed %q (stderr %q), want the granted file only", out, errOut)
	}
	if !strings.Contains(errOut, secret) || !strings.Contains(errOut, "Permission denied") {
		t.Errorf("cat's stderr is %q, want its permission error for %s", errOut, secret)
	}
}

// TestExecDeniesUngrantedPort: with only one TCP port granted, a program
// run inside the domain connects to it and not to another.
func TestExecDeniesUngrantedPort(t *testing.T) {
	needABI(t, abiNet)
	granted, other := listen(t), listen(t)
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash is not installed")
	}
	p := Policy{Net: true, ConnectPorts: []uint16{granted}}
	script := fmt.Sprintf(`echo >/dev/tcp/127.0.0.1/%d && echo granted ok; echo >/dev/tcp/127.0.0.1/%d && echo other ok`, granted, other)

	out, errOut := runConfined(t, "", "exec", p, bash, "-c", script)
	if out != "granted ok\n" {
		t.Errorf("bash printed %q, want only the granted port to connect", out)
	}
	if !strings.Contains(errOut, "Permission denied") {
		t.Errorf("bash's stderr is %q, want a permission error for port %d", errOut, other)
	}
}

// listen opens a loopback TCP listener for the test and returns its port.
func listen(t *testing.T) uint16 {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return uint16(l.Addr().(*net.TCPAddr).Port)
}

// TestRestrictEveryThread confines a whole running Go process (every
// thread, through AllThreadsSyscall). That needs a binary without cgo, so
// the test builds one: the race detector links cgo into this one.
func TestRestrictEveryThread(t *testing.T) {
	needABI(t, 1)
	if testing.Short() {
		t.Skip("builds a cgo-free test binary")
	}
	bin := filepath.Join(t.TempDir(), "sandbox.test")
	build := exec.Command("go", "test", "-c", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building a cgo-free test binary: %v\n%s", err, out)
	}
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut := runConfined(t, bin, "restrict", Policy{FS: true}, secret)
	if !strings.HasPrefix(out, "read: true") {
		t.Errorf("confined process printed %q (stderr %q), want a permission error", out, errOut)
	}
}

// TestRestrictNeedsAllThreads: where cgo is linked, Restrict says so and
// confines nothing, rather than confining one thread of many.
func TestRestrictNeedsAllThreads(t *testing.T) {
	needABI(t, 1)
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut := runConfined(t, "", "restrict", Policy{FS: true}, secret)
	if cgoLinked() {
		if !strings.Contains(errOut, ErrThreads.Error()) {
			t.Errorf("stderr %q, want %q", errOut, ErrThreads)
		}
		return
	}
	if !strings.HasPrefix(out, "read: true") {
		t.Errorf("confined process printed %q (stderr %q), want a permission error", out, errOut)
	}
}

// cgoLinked says whether this test binary links cgo, as the race detector
// makes it do.
func cgoLinked() bool {
	_, _, errno := syscall.AllThreadsSyscall(unix.SYS_GETPID, 0, 0, 0)
	return errno == syscall.ENOTSUP
}

// TestLimitsOpenFiles: a lowered open-file limit stops a process at the
// cap with EMFILE.
func TestLimitsOpenFiles(t *testing.T) {
	out, errOut := runConfined(t, "", "files", Policy{}, "64")
	var opened int
	var emfile bool
	if _, err := fmt.Sscanf(out, "opened %d then: %t", &opened, &emfile); err != nil {
		t.Fatalf("child printed %q (stderr %q)", out, errOut)
	}
	if !emfile || opened > 64 || opened < 50 {
		t.Errorf("opened %d files, then EMFILE=%v; want about 60 and EMFILE", opened, emfile)
	}
}

func TestLayersString(t *testing.T) {
	for _, c := range []struct {
		l    Layers
		want string
	}{
		{Layers{}, "Landlock unavailable: in-process checks only"},
		{Layers{ABI: 7}, "Landlock ABI 7: nothing to enforce"},
		{Layers{ABI: 6, FS: true, Net: true, Scoping: true}, "Landlock ABI 6: filesystem, TCP ports, socket and signal scoping"},
	} {
		if got := c.l.String(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.l, got, c.want)
		}
	}
}
