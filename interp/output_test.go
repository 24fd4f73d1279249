package interp_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/mpstar/mpstar/interp"
	"github.com/mpstar/mpstar/mpcore/sandbox"
)

// linesScript starts 8 children that each print lines of the given width
// (a child's number, a line number, padding), the main process printing
// too, so that every line can be checked to arrive exactly once and whole.
func linesScript(lines, width int) string {
	return fmt.Sprintf(`
load("multiprocessing", "Process")

def talk(who):
    for i in range(%[1]d):
        line = "%%s %%d " %% (who, i)
        print(line + "x" * (%[2]d - len(line)))

if __name__ == "__main__":
    ps = [Process(target=talk, args=("child-%%d" %% n,)) for n in range(8)]
    for p in ps:
        p.start()
    talk("main")
    for p in ps:
        p.join()
`, lines, width)
}

// checkLines checks that out holds every line linesScript prints, each
// exactly once and whole.
func checkLines(t *testing.T, out string, lines, width int) {
	t.Helper()
	seen := map[string]int{}
	for _, line := range strings.SplitAfter(out, "\n") {
		if line == "" {
			continue
		}
		var who string
		var i int
		if _, err := fmt.Sscanf(line, "%s %d ", &who, &i); err != nil || len(line) != width+1 || strings.TrimRight(line, "x\n") != fmt.Sprintf("%s %d ", who, i) {
			t.Fatalf("torn line (%d bytes): %.120q", len(line), line)
		}
		seen[line]++
	}
	for n := -1; n < 8; n++ {
		who := "main"
		if n >= 0 {
			who = fmt.Sprintf("child-%d", n)
		}
		for i := range lines {
			prefix := fmt.Sprintf("%s %d ", who, i)
			line := prefix + strings.Repeat("x", width-len(prefix)) + "\n"
			if seen[line] != 1 {
				t.Fatalf("line %q arrived %d times", prefix, seen[line])
			}
		}
	}
}

// Children's output reaches any io.Writer, even one that is not safe for
// concurrent use: every line exactly once and whole.
func TestChildrenLinesReachABytesBuffer(t *testing.T) {
	var stdout, stderr bytes.Buffer
	opts := testOptions
	opts.Stdout, opts.Stderr = &stdout, &stderr
	if err := interp.RunString("lines.star", linesScript(1000, 40), opts); err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	checkLines(t, stdout.String(), 1000, 40)
}

// Lines far longer than a pipe's atomic write (4 KiB) printed by several
// processes at once arrive whole when stdout is a pipe.
func TestLongLinesThroughAPipeArriveWhole(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	read := make(chan string, 1)
	go func() {
		b, _ := io.ReadAll(r)
		read <- string(b)
	}()
	var stderr bytes.Buffer
	opts := testOptions
	opts.Stdout, opts.Stderr = w, &stderr
	err = interp.RunString("long.star", linesScript(20, 100_000), opts)
	w.Close()
	out := <-read
	r.Close()
	if err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	checkLines(t, out, 20, 100_000)
}

// A child that leaves a program running in the background, holding its
// stdout, is joined when it exits, as in CPython: joining does not wait
// for the end of that output.
func TestJoinDoesNotWaitForABackgroundProgram(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	var stdout, stderr bytes.Buffer
	opts := testOptions
	opts.Stdout, opts.Stderr = &stdout, &stderr
	opts.Permissions.Run = sandbox.Access{List: []string{"sh"}}
	err := interp.RunString("bg.star", fmt.Sprintf(`
load("multiprocessing", "Process")

def leave_behind():
    subprocess.run(["sh", "-c", "sleep 600 & echo $! > %s"])

if __name__ == "__main__":
    p = Process(target=leave_behind)
    p.start()
    p.join()
    print("joined", p.exitcode)
`, pidFile), opts)
	pid, _ := os.ReadFile(pidFile)
	if n, perr := strconv.Atoi(strings.TrimSpace(string(pid))); perr == nil {
		defer syscall.Kill(n, syscall.SIGKILL)
		if syscall.Kill(n, 0) != nil {
			t.Errorf("the background program (pid %d) is gone: the join waited for it", n)
		}
	}
	if err != nil || stdout.String() != "joined 0\n" {
		t.Errorf("run: %v, printed %q\n%s", err, &stdout, &stderr)
	}
}
