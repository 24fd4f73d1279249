package interp

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// output is a writer the tests can read while a session writes to it.
type output struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	wrote chan struct{}
}

func newOutput() *output { return &output{wrote: make(chan struct{}, 1)} }

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	select {
	case o.wrote <- struct{}{}:
	default:
	}
	return o.buf.Write(p)
}

// take returns what was written since the last take.
func (o *output) take() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	s := o.buf.String()
	o.buf.Reset()
	return s
}

type testSession struct {
	*Session
	t              *testing.T
	stdout, stderr *output
}

func newTestSession(t *testing.T) *testSession {
	stdout, stderr := newOutput(), newOutput()
	s := NewSession(Options{Stdout: stdout, Stderr: stderr})
	t.Cleanup(s.Close)
	return &testSession{Session: s, t: t, stdout: stdout, stderr: stderr}
}

// echo runs a chunk that must succeed and returns what it printed.
func (ts *testSession) echo(src string) string {
	ts.t.Helper()
	if err := ts.Exec(src); err != nil {
		ts.t.Fatalf("%q failed: %v\n%s", src, err, ts.stderr.take())
	}
	return ts.stdout.take()
}

// failure runs a chunk that must fail, and returns its error report.
func (ts *testSession) failure(src string) (*ExitError, string) {
	ts.t.Helper()
	err := ts.Exec(src)
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Err == nil || ee.Code != 1 {
		ts.t.Fatalf("%q returned %#v, want an *ExitError for an uncaught error", src, err)
	}
	return ee, ts.stderr.take()
}

func TestSessionEchoesASoleExpression(t *testing.T) {
	s := newTestSession(t)
	for _, c := range []struct{ src, want string }{
		{"1 + 2", "3\n"},
		{"_ + 1", "4\n"},      // _ is the last echoed value
		{"None", ""},          // None is not echoed...
		{"_", "4\n"},          // ...and leaves _ alone
		{"'s'", "\"s\"\n"},    // the repr
		{"print('x')", "x\n"}, // print's None isn't echoed
		{"y = 5", ""},         // statements aren't echoed
		{"[y, _]", "[5, \"s\"]\n"},
	} {
		if got := s.echo(c.src); got != c.want {
			t.Errorf("%q printed %q, want %q", c.src, got, c.want)
		}
	}
}

// Functions see what later chunks assign to the globals they use, and
// rebinding a global may read its previous value, as in Python.
func TestSessionGlobalsAreLive(t *testing.T) {
	s := newTestSession(t)
	s.echo("n = 1")
	s.echo("def get():\n    return n\n")
	s.echo("n = n + 1")
	s.echo("n += 1")
	if got := s.echo("get()"); got != "3\n" {
		t.Errorf("get() printed %q, want 3 (the current n)", got)
	}
	s.echo("def outer():\n    return get()\n")
	s.echo("def get():\n    return 'redefined'\n")
	if got := s.echo("outer()"); got != "\"redefined\"\n" {
		t.Errorf("outer() printed %q, want the redefined get's result", got)
	}
	s.echo("load('multiprocessing', 'Pipe')")
	if got := s.echo("type(Pipe)"); got != "\"builtin_function_or_method\"\n" {
		t.Errorf("a name loaded by an earlier chunk is %q", got)
	}
}

func TestSessionReportsErrorsAndGoesOn(t *testing.T) {
	s := newTestSession(t)
	_, report := s.failure("fail('boom')")
	want := "Traceback (most recent call last):\n  File \"<stdin>\", line 1, in <module>\n"
	if !strings.HasPrefix(report, want) || !strings.Contains(report, "boom") {
		t.Errorf("report %q, want it to start with %q and name the error", report, want)
	}
	if _, report = s.failure("nope"); !strings.Contains(report, "NameError: name 'nope' is not defined") {
		t.Errorf("an undefined name reported %q", report)
	}
	if _, report = s.failure("def (:"); !strings.Contains(report, "SyntaxError") {
		t.Errorf("bad syntax reported %q", report)
	}
	// Assignments made before the failure stick, as in Python.
	s.failure("a = 1; fail('after a')")
	if got := s.echo("a"); got != "1\n" {
		t.Errorf("a = %q after the failed chunk, want 1", got)
	}
}

func TestSessionSysExit(t *testing.T) {
	s := newTestSession(t)
	err := s.Exec("sys.exit(4)")
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Code != 4 || ee.Err != nil {
		t.Fatalf("sys.exit(4) returned %#v, want ExitError{Code: 4}", err)
	}
}

// Chunks that succeeded become the main module's source, from which fork
// children define the session's functions; the module's globals are
// recorded without the predeclared names.
func TestSessionRecordsSourceAndGlobals(t *testing.T) {
	s := newTestSession(t)
	s.echo("def f():\n    return 1\n")
	s.failure("fail('not recorded')")
	s.echo("k = 2")
	s.echo("k += 1")
	if got, want := string(s.rt.Config().Source), "def f():\n    return 1\nk = 2\nk += 1\n"; got != want {
		t.Errorf("recorded source %q, want %q", got, want)
	}
	v, err := s.rt.Resolver(nil)(SessionFile, "f")
	if err != nil || v.String() != "<function f>" {
		t.Errorf("resolving f in %s: %v, %v", SessionFile, v, err)
	}
	for _, name := range []string{"multiprocessing", "sys", prevName, echoName} {
		if _, err := s.rt.Resolver(nil)(SessionFile, name); err == nil {
			t.Errorf("the recorded globals hold %q", name)
		}
	}
}

func TestSessionExecNextReadsOneChunk(t *testing.T) {
	s := newTestSession(t)
	lines := []string{"def double(x):\n", "    return x * 2\n", "\n", "double(4)\n", "\n"}
	readline := func() ([]byte, error) {
		if len(lines) == 0 {
			return nil, io.EOF
		}
		line := lines[0]
		lines = lines[1:]
		return []byte(line), nil
	}
	if err := s.ExecNext(readline); err != nil || len(lines) != 2 {
		t.Fatalf("the def: %v, with %d lines left, want 2", err, len(lines))
	}
	if err := s.ExecNext(readline); err != nil || s.stdout.take() != "8\n" {
		t.Fatalf("the call: %v", err)
	}
	if err := s.ExecNext(readline); err != nil {
		t.Fatalf("a blank line: %v", err)
	}
	if err := s.ExecNext(readline); err != io.EOF {
		t.Fatalf("at the end of input: %v, want io.EOF", err)
	}
	if got := string(s.rt.Config().Source); got != "def double(x):\n    return x * 2\n\ndouble(4)\n" {
		t.Errorf("recorded source %q", got)
	}
}

func TestSessionInterrupt(t *testing.T) {
	s := newTestSession(t)
	done := make(chan error, 1)
	go func() { done <- s.Exec("print('spinning')\nwhile True:\n    pass\n") }()
	select {
	case <-s.stdout.wrote:
	case <-time.After(10 * time.Second):
		t.Fatal("the loop did not start")
	}
	s.Interrupt()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("the interrupted chunk succeeded")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Interrupt did not stop the loop")
	}
	if report := s.stderr.take(); !strings.HasSuffix(report, "\nKeyboardInterrupt\n") || !strings.HasPrefix(report, "Traceback") {
		t.Errorf("the interruption reported %q", report)
	}
	s.stdout.take()
	if got := s.echo("1"); got != "1\n" {
		t.Errorf("after an interruption, 1 printed %q", got)
	}
	s.Interrupt() // between chunks: no effect
	if got := s.echo("2"); got != "2\n" {
		t.Errorf("after an Interrupt between chunks, 2 printed %q", got)
	}
}

func TestSessionComplete(t *testing.T) {
	s := newTestSession(t)
	s.echo("my_value = 1")
	s.echo("calls = []")
	s.echo("def f():\n    calls.append(1)\n    return multiprocessing\n")
	s.echo("n = 1")
	s.echo("n = n + 1") // leaves the session's internal names behind

	for _, c := range []struct {
		line       string
		head, tail string
		want       []string // must be among the completions
		only       bool     // and be all of them
	}{
		{"multiprocessing.Pro", "", "", []string{"multiprocessing.Process", "multiprocessing.ProcessError"}, true},
		{"x = mult", "x = ", "", []string{"multiprocessing"}, true},
		{"my_", "", "", []string{"my_value"}, true},
		{"wh", "", "", []string{"while"}, true},
		{"le", "", "", []string{"len"}, true},
		{"multiprocessing.connection.Lis", "", "", []string{"multiprocessing.connection.Listener"}, true},
		{"    ", "    ", "", []string{indent}, true}, // Tab indents
		{"x = ", "x = ", "", nil, true},
		{"f().Pro", "f()", "", nil, true}, // never calls f
		{"nothing.here", "", "", nil, true},
		{"$", "$", "", nil, true},
	} {
		head, got, tail := s.Complete(c.line, len([]rune(c.line)))
		if head != c.head || tail != c.tail {
			t.Errorf("Complete(%q): head %q tail %q, want %q %q", c.line, head, tail, c.head, c.tail)
		}
		for _, w := range c.want {
			if !slices.Contains(got, w) {
				t.Errorf("Complete(%q) = %q, want %q among them", c.line, got, w)
			}
		}
		if c.only && len(got) != len(c.want) {
			t.Errorf("Complete(%q) = %q, want exactly %q", c.line, got, c.want)
		}
	}
	// Completing in the middle of a line keeps the rest.
	if head, got, tail := s.Complete("print(my_)", 9); head != "print(" || tail != ")" || !slices.Equal(got, []string{"my_value"}) {
		t.Errorf("mid-line completion: %q %q %q", head, got, tail)
	}
	if got := s.echo("calls"); got != "[]\n" {
		t.Errorf("completion called a function: calls = %q", got)
	}
	names := s.names()
	for _, name := range []string{prevName, echoName} {
		if slices.Contains(names, name) {
			t.Errorf("completion offers the internal name %q", name)
		}
	}
}
