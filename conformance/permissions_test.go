package conformance

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mpstar/mpstar/mpcore/sandbox"
)

// permScript runs body in the main process and again in a Process child,
// printing what each got: the value, or the error's type and message.
const permScript = `
def attempt(where):
    v, err = catch(work)
    if err:
        print(where, err.type, err.message)
    else:
        print(where, "ok", v)

def work():
    %s

if __name__ == "__main__":
    attempt("main")
    p = multiprocessing.Process(target=attempt, args=("child",))
    p.start()
    p.join()
`

// runMpstar runs the mpstar binary with args in dir and returns its
// stdout and stderr; a run that does not end in 60 s fails the test.
func runMpstar(t *testing.T, dir string, args ...string) (string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, mpstarBin, args...)
	cmd.Dir = dir
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); ctx.Err() != nil {
		t.Fatalf("mpstar %v did not end: %v", args, err)
	}
	return out.String(), errOut.String()
}

// TestPermissionFlags: each flag's grant allows its operation, and its
// absence refuses it with PermissionError naming what was refused and the
// flag, in the main process and in a child alike. No flag allows all.
func TestPermissionFlags(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(data, "secret.txt")
	if err := os.WriteFile(secret, []byte("s3cret"), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go acceptAll(l)
	port := l.Addr().(*net.TCPAddr).Port
	other := filepath.Join(dir, "other")

	for _, c := range []struct {
		name    string
		flags   []string
		body    string
		allowed bool
		refusal string // the end of the PermissionError's message
	}{
		{"read denied", []string{"--allow-read=" + other}, `return open(%q).read()`, false, `read access to "%s", run again with the --allow-read flag`},
		{"read granted", []string{"--allow-read=" + data}, `return open(%q).read()`, true, ""},
		{"write denied", []string{"--allow-read"}, `return open(%q, "a").write("")`, false, `write access to "%s", run again with the --allow-write flag`},
		{"write granted", []string{"--allow-write=" + data}, `return open(%q, "a").write("")`, true, ""},
		{"run denied", []string{"--sandbox"}, `return subprocess.run(["true"]).returncode # %s`, false, `run access to "true", run again with the --allow-run flag`},
		{"run granted", []string{"--allow-run=true"}, `return subprocess.run(["true"]).returncode # %s`, true, ""},
		{"env denied", []string{"--allow-env=PATH"}, `return os.getenv("HOME") # %s`, false, `env access to "HOME", run again with the --allow-env flag`},
		{"env granted", []string{"--allow-env=HOME"}, `return len(os.getenv("HOME")) > 0 # %s`, true, ""},
		{"net denied", []string{fmt.Sprintf("--allow-net=127.0.0.1:%d", port+1)}, `return Client(("127.0.0.1", %d)).close()`, false, `net access to "127.0.0.1:%d", run again with the --allow-net flag`},
		{"net granted", []string{fmt.Sprintf("--allow-net=127.0.0.1:%d", port)}, `return Client(("127.0.0.1", %d)).close()`, true, ""},
		{"no flags allow all", nil, `return open(%q).read()`, true, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			arg := any(secret)
			if strings.Contains(c.body, "Client") {
				arg = port
			}
			script := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".star")
			src := "load(\"multiprocessing.connection\", \"Client\")\n" + fmt.Sprintf(permScript, fmt.Sprintf(c.body, arg))
			if err := os.WriteFile(script, []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			refusal := c.refusal
			if strings.Contains(refusal, "%") {
				refusal = fmt.Sprintf(refusal, arg)
			}
			out, errOut := runMpstar(t, dir, append(c.flags, script)...)
			for _, where := range []string{"main", "child"} {
				line := lineStarting(out, where+" ")
				switch {
				case c.allowed && !strings.HasPrefix(line, where+" ok"):
					t.Errorf("%s: %q, want it allowed (stderr %s)", where, line, errOut)
				case !c.allowed && !(strings.HasPrefix(line, where+" PermissionError Requires ") && strings.Contains(line, refusal)):
					t.Errorf("%s: %q, want PermissionError Requires %s (stderr %s)", where, line, refusal, errOut)
				}
			}
		})
	}
}

// acceptAll accepts connections and closes them, until l is closed.
func acceptAll(l net.Listener) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		c.Close()
	}
}

func lineStarting(out, prefix string) string {
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, prefix) {
			return line
		}
	}
	return ""
}

// kernelScript runs a program in a child process and prints its exit
// status and error output: the builtins never see what the program opens.
const kernelScript = `
def job(argv):
    r = subprocess.run(argv, capture_output=True, text=True)
    print("rc", r.returncode, r.stdout.strip(), r.stderr.strip())

if __name__ == "__main__":
    p = multiprocessing.Process(target=job, args=(%s,))
    p.start()
    p.join()
`

func needLandlock(t *testing.T, abi int) {
	t.Helper()
	if got := sandbox.ABI(); got < abi {
		t.Skipf("the kernel's Landlock ABI is %d, this test needs %d: only the in-process checks hold here", got, abi)
	}
}

// TestKernelHoldsProgramsToTheGrants: a program a child runs is held to
// the run's grants by the kernel, though the builtins never see what it
// does. With --allow-run=cat and no read grant, cat can't read the file.
func TestKernelHoldsProgramsToTheGrants(t *testing.T) {
	needLandlock(t, 1)
	dir, secretDir := t.TempDir(), t.TempDir()
	secret := filepath.Join(secretDir, "secret.txt")
	if err := os.WriteFile(secret, []byte("s3cret\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(dir, "cat.star")
	if err := os.WriteFile(script, []byte(fmt.Sprintf(kernelScript, fmt.Sprintf(`["cat", %q]`, secret))), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut := runMpstar(t, dir, "--allow-run=cat", script)
	if want := fmt.Sprintf("rc 1  cat: %s: Permission denied", secret); strings.TrimSpace(out) != want {
		t.Errorf("got %q (stderr %q), want %q", out, errOut, want)
	}
	out, _ = runMpstar(t, dir, "--allow-run=cat", "--allow-read="+secretDir, script)
	if strings.TrimSpace(out) != "rc 0 s3cret" {
		t.Errorf("with the read grant: %q, want cat to read the file", out)
	}
}

// TestKernelHoldsProgramsToTheNetGrant: with --allow-net=127.0.0.1:PORT, a
// program a child runs connects to PORT and to no other port.
func TestKernelHoldsProgramsToTheNetGrant(t *testing.T) {
	needLandlock(t, 4)
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash is not installed")
	}
	var ports [2]int
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		go acceptAll(l)
		ports[i] = l.Addr().(*net.TCPAddr).Port
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "net.star")
	probe := fmt.Sprintf(`echo >/dev/tcp/127.0.0.1/%d && echo granted; echo >/dev/tcp/127.0.0.1/%d && echo other`, ports[0], ports[1])
	if err := os.WriteFile(script, []byte(fmt.Sprintf(kernelScript, fmt.Sprintf(`[%q, "-c", %q]`, bash, probe))), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut := runMpstar(t, dir, "--allow-run=bash", fmt.Sprintf("--allow-net=127.0.0.1:%d", ports[0]), script)
	if !strings.HasPrefix(out, "rc 1 granted ") || !strings.Contains(out, "Permission denied") {
		t.Errorf("got %q (stderr %q), want the granted port only", out, errOut)
	}
}
