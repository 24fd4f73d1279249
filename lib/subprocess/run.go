package subprocess

// run and its wrappers: one command, started, fed and waited for.

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"sort"
	"syscall"
	"time"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/pytypes"
	"github.com/mpstar/mpstar/internal/builtins/value"
	"github.com/mpstar/mpstar/lib/file"
	"github.com/mpstar/mpstar/lib/internal/gate"
	"github.com/mpstar/mpstar/lib/internal/oserror"
	"github.com/mpstar/mpstar/lib/internal/pyrepr"
)

// waitAfterKill bounds how long a timed-out command's output pipes are read
// after its process group was killed: a descendant that left the group
// (setsid) may hold them open for ever.
const waitAfterKill = time.Second

// request is run's arguments, and the thread whose run's grants decide
// whether the command may start.
type request struct {
	thread                 *starlark.Thread
	args                   starlark.Value
	stdin, stdout, stderr  starlark.Value
	input                  starlark.Value
	captureOutput, shell   bool
	check                  bool
	cwd, env               starlark.Value
	timeout                value.Timeout
	encoding, errors, text starlark.Value
	universalNewlines      starlark.Value
}

// unpack reads run's arguments; wrappers pass their own defaults in r.
func (r *request) unpack(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) error {
	return starlark.UnpackArgs(b.Name(), args, kwargs, "args", &r.args,
		"stdin?", &r.stdin, "input?", &r.input, "stdout?", &r.stdout, "stderr?", &r.stderr,
		"capture_output?", &r.captureOutput, "shell?", &r.shell, "cwd?", &r.cwd,
		"timeout?", &r.timeout, "check?", &r.check, "encoding?", &r.encoding,
		"errors?", &r.errors, "text?", &r.text, "env?", &r.env,
		"universal_newlines?", &r.universalNewlines)
}

func newRequest(thread *starlark.Thread) *request {
	none := starlark.None
	return &request{thread: thread, stdin: none, stdout: none, stderr: none, input: none, cwd: none, env: none,
		encoding: none, errors: none, text: none, universalNewlines: none}
}

// textMode says whether input and output are str rather than bytes.
func (r *request) textMode() bool {
	return bool(r.text.Truth() || r.universalNewlines.Truth()) || r.encoding != starlark.None || r.errors != starlark.None
}

// def run(args, ...) -> CompletedProcess
func run(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	r := newRequest(thread)
	if err := r.unpack(b, args, kwargs); err != nil {
		return nil, err
	}
	return r.run()
}

// def check_output(args, **kwargs): the output of a command that must
// succeed.
func checkOutput(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	r := newRequest(thread)
	if err := r.unpack(b, args, kwargs); err != nil {
		return nil, err
	}
	if r.stdout != starlark.None {
		return nil, exceptions.ValueError.New("stdout argument not allowed, it will be overridden.")
	}
	r.stdout, r.check = starlark.MakeInt(pipe), true
	cp, err := r.run()
	if err != nil {
		return nil, err
	}
	return cp.stdout, nil
}

// def call(args, **kwargs): the exit status.
func call(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	r := newRequest(thread)
	if err := r.unpack(b, args, kwargs); err != nil {
		return nil, err
	}
	cp, err := r.run()
	if err != nil {
		return nil, err
	}
	return starlark.MakeInt(cp.returncode), nil
}

// def check_call(args, **kwargs): 0, or CalledProcessError.
func checkCall(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	r := newRequest(thread)
	if err := r.unpack(b, args, kwargs); err != nil {
		return nil, err
	}
	r.check = true
	cp, err := r.run()
	if err != nil {
		return nil, err
	}
	return starlark.MakeInt(cp.returncode), nil
}

// run starts the command, feeds it, waits for it (killing its process group
// at the timeout) and returns what it did.
func (r *request) run() (*CompletedProcess, error) {
	argv, err := r.argv()
	if err != nil {
		return nil, err
	}
	timeout := r.timeLimit()
	ctx := context.Background()
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	var out, errOut *bytes.Buffer
	if out, errOut, err = r.wire(cmd); err != nil {
		return nil, err
	}
	if err := r.configure(cmd, timeout > 0); err != nil {
		return nil, err
	}
	if err := startErr(gate.Start(r.thread, cmd), argv[0]); err != nil {
		return nil, err
	}
	waitErr := cmd.Wait()
	cp := &CompletedProcess{args: r.args, stdout: r.output(out), stderr: r.output(errOut)}
	if ctx.Err() == context.DeadlineExceeded {
		return nil, timeoutExpired(r.args, r.timeout.Value())
	}
	if cmd.ProcessState == nil {
		return nil, oserror.From(waitErr)
	}
	cp.returncode = returncode(cmd.ProcessState)
	if r.check && cp.returncode != 0 {
		return nil, cp.calledProcessError()
	}
	return cp, nil
}

// argv is the command line to execute.
func (r *request) argv() ([]string, error) {
	var argv []string
	switch a := r.args.(type) {
	case starlark.String:
		argv = []string{string(a)}
	case starlark.Bytes:
		argv = []string{string(a)}
	case starlark.Indexable:
		for i := 0; i < a.Len(); i++ {
			s, err := oserror.PathOf(a.Index(i))
			if err != nil {
				return nil, err
			}
			argv = append(argv, s)
		}
	default:
		_, err := oserror.PathOf(r.args)
		return nil, err
	}
	if r.shell {
		return append([]string{"/bin/sh", "-c"}, argv...), nil
	}
	if len(argv) == 0 {
		return nil, exceptions.IndexError.New("list index out of range")
	}
	return argv, nil
}

// timeLimit is how long the command may run, 0 for no limit (None).
func (r *request) timeLimit() time.Duration {
	if r.timeout.IsNone() {
		return 0
	}
	// A timeout that has already passed still runs the command, briefly.
	return max(r.timeout.Duration(), time.Nanosecond)
}

// configure sets the command's directory, environment and process group.
func (r *request) configure(cmd *exec.Cmd, timed bool) error {
	if r.cwd != starlark.None {
		dir, err := oserror.PathOf(r.cwd)
		if err != nil {
			return err
		}
		cmd.Dir = dir
	}
	if r.env != starlark.None {
		env, err := environ(r.env)
		if err != nil {
			return err
		}
		cmd.Env = env
	}
	if timed {
		// The command leads a process group of its own, so the timeout can
		// kill everything it started.
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
		cmd.WaitDelay = waitAfterKill
	}
	return nil
}

// environ converts an env mapping into the command's whole environment.
func environ(v starlark.Value) ([]string, error) {
	m, ok := v.(starlark.IterableMapping)
	if !ok {
		return nil, exceptions.TypeError.Errorf("env must be a mapping, not %s", pytypes.TypeName(v))
	}
	var env []string
	for _, kv := range m.Items() {
		k, err := oserror.PathOf(kv[0])
		if err != nil {
			return nil, err
		}
		val, err := oserror.PathOf(kv[1])
		if err != nil {
			return nil, err
		}
		env = append(env, k+"="+val)
	}
	sort.Strings(env)
	return env, nil
}

// wire connects the command's standard streams; the buffers returned
// collect what stdout=PIPE and stderr=PIPE capture.
func (r *request) wire(cmd *exec.Cmd) (out, errOut *bytes.Buffer, err error) {
	if r.captureOutput {
		if r.stdout != starlark.None || r.stderr != starlark.None {
			return nil, nil, exceptions.ValueError.New("stdout and stderr arguments may not be used with capture_output.")
		}
		r.stdout, r.stderr = starlark.MakeInt(pipe), starlark.MakeInt(pipe)
	}
	if cmd.Stdin, err = r.stdinReader(); err != nil {
		return nil, nil, err
	}
	if cmd.Stdout, out, err = outputWriter(r.stdout, os.Stdout); err != nil {
		return nil, nil, err
	}
	if n, ok := r.stderr.(starlark.Int); ok && n == starlark.MakeInt(stdout) {
		cmd.Stderr = cmd.Stdout
		return out, nil, nil
	}
	if cmd.Stderr, errOut, err = outputWriter(r.stderr, os.Stderr); err != nil {
		return nil, nil, err
	}
	return out, errOut, nil
}

// stdinReader is the command's standard input.
func (r *request) stdinReader() (io.Reader, error) {
	if r.input != starlark.None {
		if r.stdin != starlark.None {
			return nil, exceptions.ValueError.New("stdin and input arguments may not both be used.")
		}
		switch in := r.input.(type) {
		case starlark.String:
			if r.textMode() {
				return bytes.NewReader([]byte(in)), nil
			}
		case starlark.Bytes:
			if !r.textMode() {
				return bytes.NewReader([]byte(in)), nil
			}
		}
		if r.textMode() {
			return nil, exceptions.TypeError.Errorf("input must be str in text mode, not %s", pytypes.TypeName(r.input))
		}
		return nil, exceptions.TypeError.Errorf("a bytes-like object is required, not '%s'", pytypes.TypeName(r.input))
	}
	switch r.stdin.(type) {
	case starlark.NoneType:
		return os.Stdin, nil
	}
	if n, ok := r.stdin.(starlark.Int); ok && n == starlark.MakeInt(pipe) {
		return bytes.NewReader(nil), nil // communicate() closes an unused pipe
	}
	f, err := streamFile(r.stdin, "stdin")
	if f == nil {
		return nil, err // nil *os.File must not become a non-nil io.Reader
	}
	return f, err
}

// outputWriter is the destination of stdout or stderr; inherit is this
// process's own stream. PIPE returns the buffer that collects it.
func outputWriter(v starlark.Value, inherit *os.File) (io.Writer, *bytes.Buffer, error) {
	if v == starlark.None {
		return inherit, nil, nil
	}
	if n, ok := v.(starlark.Int); ok && n == starlark.MakeInt(pipe) {
		buf := new(bytes.Buffer)
		return buf, buf, nil
	}
	f, err := streamFile(v, "stdout")
	if f == nil {
		return nil, nil, err
	}
	return f, nil, nil
}

// streamFile is the file a stream argument names: DEVNULL or a file
// object; nil with no error means DEVNULL (exec opens the null device
// itself).
func streamFile(v starlark.Value, name string) (*os.File, error) {
	switch x := v.(type) {
	case *file.File:
		return x.OSFile()
	case starlark.Int:
		if x == starlark.MakeInt(devnull) {
			return nil, nil
		}
	}
	return nil, exceptions.ValueError.Errorf("%s must be None, PIPE, DEVNULL or a file object from open(), not %s (mpstar takes no descriptor numbers)", name, pyrepr.Repr(v))
}

// startErr converts a failure to start into CPython's error, naming the
// program as CPython does.
func startErr(err error, program string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, exec.ErrNotFound) {
		return oserror.Errno(syscall.ENOENT, program)
	}
	var errno syscall.Errno
	var pe *os.PathError
	if errors.As(err, &pe) && pe.Op != "chdir" && errors.As(err, &errno) {
		return oserror.Errno(errno, program)
	}
	return oserror.From(err)
}

// output is what a PIPE collected, as bytes or text; None if not piped.
func (r *request) output(buf *bytes.Buffer) starlark.Value {
	if buf == nil {
		return starlark.None
	}
	if r.textMode() {
		return starlark.String(file.TranslateNewlines(buf.Bytes()))
	}
	return starlark.Bytes(buf.String())
}

// returncode is CPython's: the exit status, or minus the signal number.
func returncode(ps *os.ProcessState) int {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return -int(ws.Signal())
	}
	return ps.ExitCode()
}
