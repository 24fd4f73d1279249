package subprocess

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/proctest"
	"github.com/mpstar/mpstar/lib/file"
	"github.com/mpstar/mpstar/lib/internal/startest"
)

var predeclared = starlark.StringDict{"subprocess": Module, "open": file.Open}

func TestRun(t *testing.T) {
	out, err := startest.Exec(t, t.TempDir(), `
print(subprocess.run(["true"]))
print(subprocess.run(["echo", "hi"], capture_output=True))
print(subprocess.run("echo $((1+2)); echo err >&2", shell=True, capture_output=True, text=True))
print(subprocess.run(["sh", "-c", "echo out; echo err >&2"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT))
print(repr(subprocess.run(["cat"], input=b"fed\n", stdout=subprocess.PIPE).stdout))
print(subprocess.run(["false"]).returncode)
print(repr(subprocess.check_output(["printf", "a\r\nb"], text=True)))
print(subprocess.call(["true"]), subprocess.check_call(["true"]))
print(subprocess.run(["ls", "/nonexistent"], stderr=subprocess.DEVNULL).returncode)
print(subprocess.run(["pwd"], cwd="/", capture_output=True, text=True).stdout.strip())
print(subprocess.run(["sh", "-c", "echo $X"], env={"X": "from env"}, capture_output=True, text=True).stdout.strip())
f = open("out.txt", "w")
subprocess.run(["echo", "to a file"], stdout=f)
f.close()
print(open("out.txt").read().strip())
print(repr(subprocess.run(["cat"], stdin=open("out.txt"), capture_output=True).stdout))
print(repr(subprocess.run(["cat"], stdin=subprocess.PIPE, capture_output=True).stdout))
`, predeclared)
	if err != nil {
		t.Fatal(err)
	}
	want := `CompletedProcess(args=['true'], returncode=0)
CompletedProcess(args=['echo', 'hi'], returncode=0, stdout=b'hi\n', stderr=b'')
CompletedProcess(args='echo $((1+2)); echo err >&2', returncode=0, stdout='3\n', stderr='err\n')
CompletedProcess(args=['sh', '-c', 'echo out; echo err >&2'], returncode=0, stdout=b'out\nerr\n')
b"fed\n"
1
"a\nb"
0 0
2
/
from env
to a file
b"to a file\n"
b""
`
	if out != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
}

func TestRunErrors(t *testing.T) {
	startest.Fails(t, t.TempDir(), predeclared, [][3]string{
		{`subprocess.run(["false"], check=True)`, "subprocess.CalledProcessError", "Command '['false']' returned non-zero exit status 1."},
		{`subprocess.run(["sh", "-c", "kill -9 $$"], check=True)`, "subprocess.CalledProcessError", "Command '['sh', '-c', 'kill -9 $$']' died with <Signals.SIGKILL: 9>."},
		{`subprocess.run(["sleep", "5"], timeout=0.2)`, "subprocess.TimeoutExpired", "Command '['sleep', '5']' timed out after 0.2 seconds"},
		{`subprocess.run(["no-such-cmd-x"])`, "FileNotFoundError", "[Errno 2] No such file or directory: 'no-such-cmd-x'"},
		{`subprocess.run("echo hi there")`, "FileNotFoundError", "[Errno 2] No such file or directory: 'echo hi there'"},
		{`subprocess.run(["true"], cwd="/nonexistent")`, "FileNotFoundError", "[Errno 2] No such file or directory: '/nonexistent'"},
		{`subprocess.run(["cat"], input="s")`, "TypeError", "a bytes-like object is required, not 'str'"},
		{`subprocess.run([1])`, "TypeError", "expected str, bytes or os.PathLike object, not int"},
		{`subprocess.run(["true"], capture_output=True, stdout=subprocess.PIPE)`, "ValueError", "stdout and stderr arguments may not be used with capture_output."},
		{`subprocess.check_output(["sh", "-c", "exit 3"])`, "subprocess.CalledProcessError", "Command '['sh', '-c', 'exit 3']' returned non-zero exit status 3."},
		{`subprocess.run(["true"]).check_returncode() or subprocess.run(["false"]).check_returncode()`, "subprocess.CalledProcessError", "Command '['false']' returned non-zero exit status 1."},
	})
}

// TestTimeoutKillsGroup checks that a timed-out command takes down what it
// started: the shell's background child would otherwise live on.
func TestTimeoutKillsGroup(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "pid")
	_, err := startest.Exec(t, dir, `subprocess.run(["sh", "-c", "sleep 60 & echo $! > pid; wait"], timeout=0.5)`, predeclared)
	if err == nil || !strings.Contains(err.Error(), "timed out") {
		t.Fatalf("got %v, want a timeout", err)
	}
	text, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(text)))
	if err != nil {
		t.Fatal(err)
	}
	// SIGKILL takes effect asynchronously: wait for the exit, with a
	// deadline far beyond it (an uncaught sleep would last a minute).
	if !proctest.Exits(pid, 10*time.Second) {
		t.Errorf("the background sleep (pid %d) outlived the timeout", pid)
	}
}
