package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// asMain makes the test binary act as mpstar, so the tests drive the real
// main (and its children re-execute this binary, which acts as mpstar for
// them too, since they inherit the variable).
const asMain = "MPSTAR_TEST_AS_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(asMain) == "1" {
		main()
	}
	os.Exit(m.Run())
}

// deadline bounds every wait on the REPL.
const deadline = 30 * time.Second

// term is an mpstar REPL running on a pseudo-terminal.
type term struct {
	t      *testing.T
	master *os.File
	cmd    *exec.Cmd
	exited chan struct{}

	mu     sync.Mutex
	out    []byte // everything the terminal showed
	seen   int    // how much of out expect has consumed
	closed bool   // the terminal reported end of output
	more   chan struct{}
}

// startREPL runs mpstar on a new pseudo-terminal with env added to this
// process's environment (minus the variables that would change what the
// REPL does).
func startREPL(t *testing.T, env ...string) *term {
	t.Helper()
	master, slave, err := openPTY()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(cleanEnv(), append([]string{asMain + "=1", "TERM=xterm"}, env...)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	tm := &term{t: t, master: master, cmd: cmd, exited: make(chan struct{}), more: make(chan struct{}, 1)}
	go tm.read()
	go func() { cmd.Wait(); close(tm.exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-tm.exited
		master.Close()
	})
	return tm
}

func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "HOME", "XDG_STATE_HOME", "MPSTAR_START_METHOD", "TERM", asMain:
			continue
		}
		env = append(env, kv)
	}
	return env
}

// openPTY opens a pseudo-terminal pair with a window wide enough for
// line editing.
func openPTY() (master, slave *os.File, err error) {
	fd, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, nil, err
	}
	master = os.NewFile(uintptr(fd), "/dev/ptmx")
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		master.Close()
		return nil, nil, err
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		master.Close()
		return nil, nil, err
	}
	name := fmt.Sprintf("/dev/pts/%d", n)
	sfd, err := unix.Open(name, unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		master.Close()
		return nil, nil, err
	}
	if err := unix.IoctlSetWinsize(sfd, unix.TIOCSWINSZ, &unix.Winsize{Row: 40, Col: 160}); err != nil {
		master.Close()
		unix.Close(sfd)
		return nil, nil, err
	}
	return master, os.NewFile(uintptr(sfd), name), nil
}

// read collects the terminal's output until it closes (EIO once no
// process holds the terminal any more).
func (tm *term) read() {
	buf := make([]byte, 4096)
	for {
		n, err := tm.master.Read(buf)
		tm.mu.Lock()
		tm.out = append(tm.out, buf[:n]...)
		tm.closed = err != nil
		tm.mu.Unlock()
		select {
		case tm.more <- struct{}{}:
		default:
		}
		if err != nil {
			return
		}
	}
}

// send types s.
func (tm *term) send(s string) {
	tm.t.Helper()
	if _, err := tm.master.WriteString(s); err != nil {
		tm.t.Fatalf("typing %q: %v", s, err)
	}
}

// expect waits for text to appear after what earlier expects consumed,
// and returns the output before it.
func (tm *term) expect(text string) string {
	tm.t.Helper()
	timeout := time.After(deadline)
	for {
		tm.mu.Lock()
		rest := tm.out[tm.seen:]
		i := bytes.Index(rest, []byte(text))
		closed := tm.closed
		if i >= 0 {
			tm.seen += i + len(text)
		}
		tm.mu.Unlock()
		if i >= 0 {
			return string(rest[:i])
		}
		if closed {
			tm.t.Fatalf("the REPL ended without showing %q; it showed:\n%s", text, tm.output())
		}
		select {
		case <-tm.more:
		case <-timeout:
			tm.t.Fatalf("no %q within %v; the terminal showed:\n%s", text, deadline, tm.output())
		}
	}
}

func (tm *term) output() string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return string(tm.out)
}

// interruptAtPrompt types Ctrl-C once the prompt reads keys: liner shows
// the prompt a moment before it turns the terminal's signal keys off, and a
// Ctrl-C in between would be a SIGINT, which the REPL ignores between
// chunks. The master side of a pseudo-terminal sees the terminal's modes.
func (tm *term) interruptAtPrompt() {
	tm.t.Helper()
	timeout := time.Now().Add(deadline)
	for {
		tio, err := unix.IoctlGetTermios(int(tm.master.Fd()), unix.TCGETS)
		if err != nil {
			tm.t.Fatal(err)
		}
		if tio.Lflag&unix.ISIG == 0 {
			break
		}
		if time.Now().After(timeout) {
			tm.t.Fatalf("the prompt did not start reading keys within %v", deadline)
		}
		time.Sleep(time.Millisecond) // polling a mode: there is nothing to wait on
	}
	tm.send("\x03")
}

// run types a line and waits for the next primary prompt, returning what
// the line printed.
func (tm *term) run(line string) string {
	tm.t.Helper()
	tm.send(line + "\r")
	return tm.expect("\n" + primaryPrompt)
}

// block types the lines of an unfinished block, each answered by the
// continuation prompt; the caller ends the block.
func (tm *term) block(lines ...string) {
	tm.t.Helper()
	for _, line := range lines {
		tm.send(line + "\r")
		tm.expect(continuationPrompt)
	}
}

// wait returns the REPL's exit status once it has exited.
func (tm *term) wait() int {
	tm.t.Helper()
	select {
	case <-tm.exited:
	case <-time.After(deadline):
		tm.t.Fatalf("the REPL did not exit within %v; the terminal showed:\n%s", deadline, tm.output())
	}
	var ee *exec.ExitError
	if err := tm.cmd.Wait(); errors.As(err, &ee) {
		return ee.ExitCode()
	}
	return tm.cmd.ProcessState.ExitCode()
}

// A function defined at the prompt runs in a child started under fork,
// which sees the parent's globals as they were at start().
func TestREPLForkRunsPromptFunction(t *testing.T) {
	tm := startREPL(t, "XDG_STATE_HOME="+t.TempDir())
	tm.expect(primaryPrompt)
	tm.run("greeting = 'hello'")
	tm.block("def f(x):", "    print(greeting, 'from the child', x * 2)")
	tm.run("")
	tm.run(`multiprocessing.set_start_method("fork")`)
	tm.run("greeting = 'hi'")
	tm.run("p = multiprocessing.Process(target=f, args=(21,))")
	// The child prints while the prompt waits for start() or join().
	if out := tm.run("p.start()") + tm.run("p.join()"); !strings.Contains(out, "hi from the child 42") {
		t.Errorf("the child printed %q, want the parent's greeting at start() and its argument", out)
	}
	if out := tm.run("p.exitcode"); !strings.Contains(out, "\n0") {
		t.Errorf("p.exitcode printed %q, want 0", out)
	}
	tm.send("\x04")
	if code := tm.wait(); code != 0 {
		t.Errorf("exit status after Ctrl-D = %d, want 0", code)
	}
}

// Under the default spawn start method, a function defined at the prompt
// is a valid target too, and what else was typed at the prompt does not
// run again in the child: not a top-level side effect, not an earlier
// start() (which would fail there with the bootstrapping RuntimeError).
func TestREPLSpawnRunsPromptFunction(t *testing.T) {
	tm := startREPL(t, "XDG_STATE_HOME="+t.TempDir())
	tm.expect(primaryPrompt)
	tm.block("def g(x):", "    print('spawned child got', x)")
	tm.run("")
	tm.run("print('typed', 'at the prompt')")
	for _, arg := range []string{"abc", "def"} {
		tm.run(fmt.Sprintf("q = multiprocessing.Process(target=g, args=(%q,))", arg))
		out := tm.run("q.start()") + tm.run("q.join()")
		if !strings.Contains(out, "spawned child got "+arg) {
			t.Errorf("the child printed %q, want its argument %q", out, arg)
		}
		if strings.Contains(out, "typed at the prompt") || strings.Contains(out, "RuntimeError") {
			t.Errorf("the child ran what was typed at the prompt: %q", out)
		}
		if out := tm.run("q.exitcode"); !strings.Contains(out, "\n0") {
			t.Errorf("q.exitcode printed %q, want 0", out)
		}
	}
	tm.send("sys.exit(3)\r")
	if code := tm.wait(); code != 3 {
		t.Errorf("exit status after sys.exit(3) = %d, want 3", code)
	}
}

// Echo, errors that don't end the session, Ctrl-C, completion.
func TestREPLInteraction(t *testing.T) {
	tm := startREPL(t, "XDG_STATE_HOME="+t.TempDir())
	tm.expect(primaryPrompt)
	if out := tm.run("20 + 22"); !strings.Contains(out, "\n42") {
		t.Errorf("20 + 22 echoed %q, want 42", out)
	}
	if out := tm.run("_ * 2"); !strings.Contains(out, "\n84") {
		t.Errorf("_ * 2 echoed %q, want 84", out)
	}

	out := tm.run("undefined_name")
	if !strings.Contains(out, "NameError: name 'undefined_name' is not defined") {
		t.Errorf("an undefined name printed %q, want a NameError", out)
	}
	out = tm.run(`fail("boom")`)
	if !strings.Contains(out, "Traceback (most recent call last):") || !strings.Contains(out, "boom") {
		t.Errorf("fail printed %q, want a traceback", out)
	}

	// Ctrl-C at an empty prompt, and in the middle of a block, which it
	// discards.
	tm.interruptAtPrompt()
	tm.expect("KeyboardInterrupt")
	tm.expect(primaryPrompt)
	tm.block("def dropped():")
	tm.interruptAtPrompt()
	tm.expect("KeyboardInterrupt")
	tm.expect(primaryPrompt)
	if out := tm.run("dropped"); !strings.Contains(out, "NameError") {
		t.Errorf("a block cancelled by Ctrl-C was defined: %q", out)
	}

	// Ctrl-D in a block ends the block, as in Python.
	tm.block("def ended():", "    return 'by Ctrl-D'")
	tm.send("\x04")
	tm.expect(primaryPrompt)
	if out := tm.run("ended()"); !strings.Contains(out, `"by Ctrl-D"`) {
		t.Errorf("a block ended by Ctrl-D: ended() printed %q", out)
	}

	// Ctrl-C while code runs interrupts it.
	tm.block("if True:", "    print('spinning')", "    while True: pass")
	tm.send("\r")
	tm.expect("spinning")
	tm.send("\x03")
	tm.expect("KeyboardInterrupt")
	tm.expect(primaryPrompt)

	// Tab completes the attribute; Enter then evaluates the whole name.
	tm.send("multiprocessing.Pro\t")
	tm.expect("multiprocessing.Process")
	if out := tm.run(""); !strings.Contains(out, "Process") || strings.Contains(out, "Error") {
		t.Errorf("the completed name evaluated to %q, want the Process builtin", out)
	}

	tm.send("\x04")
	if code := tm.wait(); code != 0 {
		t.Errorf("exit status after Ctrl-D = %d, want 0", code)
	}
}

// History is kept in ~/.local/state/mpstar/history (or under
// $XDG_STATE_HOME) and the next session recalls it.
func TestREPLHistorySurvivesRestart(t *testing.T) {
	home := t.TempDir()
	tm := startREPL(t, "HOME="+home)
	tm.expect(primaryPrompt)
	tm.run(`"hist" + "ory"`)
	tm.send("\x04")
	if code := tm.wait(); code != 0 {
		t.Fatalf("exit status after Ctrl-D = %d, want 0", code)
	}
	file := filepath.Join(home, ".local", "state", "mpstar", "history")
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("no history file: %v", err)
	}
	if !strings.Contains(string(data), `"hist" + "ory"`) {
		t.Fatalf("history file has %q, want the line typed", data)
	}

	tm = startREPL(t, "HOME="+home)
	tm.expect(primaryPrompt)
	tm.send("\x1b[A") // up: the previous session's line
	tm.expect(`"hist" + "ory"`)
	if out := tm.run(""); !strings.Contains(out, `"history"`) {
		t.Errorf("the recalled line printed %q, want \"history\"", out)
	}
	tm.send("\x04")
	tm.wait()
}

func TestHistoryPath(t *testing.T) {
	t.Setenv("HOME", "/home/someone")
	t.Setenv("XDG_STATE_HOME", "/state")
	if got := historyPath(); got != "/state/mpstar/history" {
		t.Errorf("with XDG_STATE_HOME: %q", got)
	}
	t.Setenv("XDG_STATE_HOME", "relative/ignored")
	if got := historyPath(); got != "/home/someone/.local/state/mpstar/history" {
		t.Errorf("with a relative XDG_STATE_HOME: %q", got)
	}
}

// Ctrl-C interrupts a call blocked in a builtin at once, with
// KeyboardInterrupt, and the session goes on.
func TestREPLCtrlCInterruptsBlockingCalls(t *testing.T) {
	tm := startREPL(t, "XDG_STATE_HOME="+t.TempDir())
	tm.expect(primaryPrompt)
	tm.run("q = multiprocessing.Queue()")
	tm.send("print('get' + 'ting'); q.get()\r")
	tm.expect("getting")
	tm.send("\x03")
	tm.expect("KeyboardInterrupt")
	tm.expect(primaryPrompt)

	tm.block("def nap(x):", "    time.sleep(1000)")
	tm.send("\r")
	tm.expect(primaryPrompt)
	tm.run("pool = multiprocessing.Pool(2)")
	tm.send("print('map' + 'ping'); pool.map(nap, range(4))\r")
	tm.expect("mapping")
	tm.send("\x03")
	tm.expect("KeyboardInterrupt")
	tm.expect(primaryPrompt)

	tm.run("q.put(5)")
	if out := tm.run("q.get()"); !strings.Contains(out, "\n5") {
		t.Errorf("after the interruptions, the queue gave %q, want 5; the terminal showed:\n%s", out, tm.output())
	}
	tm.send("\x04")
	if code := tm.wait(); code != 0 {
		t.Errorf("exit status after Ctrl-D = %d, want 0", code)
	}
}

// Ctrl-C stops a script blocked in a builtin at once: its traceback ends
// in KeyboardInterrupt and the exit status is 130, as python3's; its
// children are gone.
func TestCtrlCStopsAScript(t *testing.T) {
	script := filepath.Join(t.TempDir(), "blocked.star")
	src := `
load("multiprocessing", "Process", "Queue", "Event")

def idle():
    Event().wait()

if __name__ == "__main__":
    p = Process(target=idle)
    p.start()
    q = Queue()
    print("ready", p.pid)
    q.get()
`
	if err := os.WriteFile(script, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], script)
	cmd.Env = append(cleanEnv(), asMain+"=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var pid int
	if _, err := fmt.Fscanf(stdout, "ready %d\n", &pid); err != nil {
		t.Fatalf("reading the child's pid: %v\n%s", err, &stderr)
	}
	cmd.Process.Signal(os.Interrupt)
	var ee *exec.ExitError
	if err := cmd.Wait(); !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Errorf("exit %v, want status 130\n%s", err, &stderr)
	}
	if !strings.HasPrefix(stderr.String(), "Traceback (most recent call last):\n") || !strings.HasSuffix(stderr.String(), "\nKeyboardInterrupt\n") {
		t.Errorf("stderr %q, want a traceback ending in KeyboardInterrupt", &stderr)
	}
	if err := unix.Kill(pid, 0); err == nil {
		t.Errorf("the child %d outlived the interrupted script", pid)
	}
}
