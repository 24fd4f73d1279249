package builtins

// multiprocessing.Process (CPython: process.py, popen_spawn_posix.py).

import (
	"encoding/binary"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"go.starlark.net/starlark"
	"golang.org/x/sys/unix"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/value"
	"github.com/mpstar/mpstar/mpcore"
	"github.com/mpstar/mpstar/mpcore/stop"
)

type processKind int

const (
	kindChild  processKind = iota // a Process this process created
	kindMain                      // the main process, as current_process() sees it
	kindSelf                      // this child, as current_process() sees it
	kindParent                    // the parent, as parent_process() sees it
)

// Process is multiprocessing.Process, and the values current_process() and
// parent_process() return.
type Process struct {
	value.Object
	rt       *Runtime
	kind     processKind
	name     string
	identity []int
	daemon   bool
	authkey  []byte
	target   starlark.Value
	args     starlark.Tuple
	kwargs   *starlark.Dict
	parent   int // pid of the creating process
	pid      int
	method   string // start method from a context; "" = the default
	started  bool
	closed   bool
	child    *mpcore.Child
	// sentinelShown: the script has seen the child's pidfd number, so it
	// stays open until close() rather than being released by join().
	sentinelShown bool
}

var (
	_ starlark.HasAttrs    = (*Process)(nil)
	_ starlark.HasSetField = (*Process)(nil)
)

const bootstrapMessage = `
        An attempt has been made to start a new process before the
        current process has finished its bootstrapping phase.

        This probably means that you are not using fork to start your
        child processes and you have forgotten to use the proper idiom
        in the main module:

            if __name__ == '__main__':
                freeze_support()
                ...

        The "freeze_support()" line can be omitted if the program
        is not going to be frozen to produce an executable.

        To fix this issue, refer to the "Safe importing of main module"
        section in https://docs.python.org/3/library/multiprocessing.html
        `

// NewProcess implements Process(group=None, target=None, name=None, args=(), kwargs={}, *, daemon=None)
func NewProcess(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	rt := RuntimeOf(thread)
	var group, target, name, daemon starlark.Value = starlark.None, starlark.None, starlark.None, starlark.None
	var pargs starlark.Value = starlark.Tuple{}
	var pkwargs starlark.Value = starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "group?", &group, "target?", &target, "name?", &name,
		"args?", &pargs, "kwargs?", &pkwargs, "daemon?", &daemon); err != nil {
		return nil, err
	}
	if group != starlark.None {
		return nil, exceptions.AssertionError.New("group argument must be None for now")
	}
	a, err := value.AsTuple(b.Name(), "args", pargs)
	if err != nil {
		return nil, err
	}
	kw, err := value.AsDict(b.Name(), "kwargs", pkwargs)
	if err != nil {
		return nil, err
	}
	p := rt.NewChildProcess("", target, a, rt.self.daemon)
	p.kwargs = kw
	if s, ok := name.(starlark.String); ok {
		p.name = string(s)
	} else if name != starlark.None {
		return nil, exceptions.TypeError.Errorf("%s: name must be a string, not %s", b.Name(), name.Type())
	}
	if daemon != starlark.None {
		p.daemon = bool(daemon.Truth())
	}
	return p, nil
}

// JoinInts joins ints with sep, as a process identity in a name ("1:2").
func JoinInts(xs []int, sep string) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.Itoa(x)
	}
	return strings.Join(parts, sep)
}

// String is repr(p), as CPython's BaseProcess.__repr__.
func (p *Process) String() string {
	cls := "Process"
	switch p.kind {
	case kindMain:
		cls = "_MainProcess"
	case kindParent:
		cls = "_ParentProcess"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "<%s name='%s'", cls, p.name)
	status := "initial"
	switch {
	case p.closed:
		status = "closed"
	case p.kind == kindChild && p.child != nil:
		fmt.Fprintf(&b, " pid=%d", p.pid)
		if code, done := p.child.ExitCode(); done {
			status = "stopped exitcode=" + exitcodeString(code)
			if limit := p.limitExceeded(); limit != "" {
				status += " (" + limit + ")"
			}
		} else {
			status = "started"
		}
	case p.kind != kindChild:
		if p.kind != kindMain {
			fmt.Fprintf(&b, " pid=%d", p.pid)
		}
		status = "started"
	}
	if p.kind == kindMain {
		b.WriteString(" parent=None")
	} else if p.kind == kindChild || p.kind == kindSelf {
		fmt.Fprintf(&b, " parent=%d", p.parent)
	}
	b.WriteString(" " + status)
	if p.daemon {
		b.WriteString(" daemon")
	}
	b.WriteString(">")
	return b.String()
}

func exitcodeString(code int) string {
	if code < 0 {
		if name := unix.SignalName(unix.Signal(-code)); name != "" {
			return "-" + name
		}
	}
	return strconv.Itoa(code)
}

// Type implements starlark.Value.
func (p *Process) Type() string { return "multiprocessing.Process" }

// Hash hashes by identity.
func (p *Process) Hash() (uint32, error) { return value.IdentityHash(p), nil }

var processMethods = value.NewMethods(func() map[string]*starlark.Builtin {
	return map[string]*starlark.Builtin{
		"close":     starlark.NewBuiltin("close", processClose),
		"is_alive":  starlark.NewBuiltin("is_alive", processIsAlive),
		"join":      starlark.NewBuiltin("join", Blocking(processJoin)),
		"kill":      starlark.NewBuiltin("kill", processKill),
		"run":       starlark.NewBuiltin("run", processRun),
		"start":     starlark.NewBuiltin("start", processStart),
		"terminate": starlark.NewBuiltin("terminate", processTerminate),
	}
})

// Attr implements starlark.HasAttrs.
func (p *Process) Attr(name string) (starlark.Value, error) {
	if b, ok := processMethods.Table()[name]; ok {
		return b.BindReceiver(p), nil
	}
	if p.closed && name != "name" && name != "daemon" {
		return nil, exceptions.ValueError.New("process object is closed")
	}
	switch name {
	case "name":
		return starlark.String(p.name), nil
	case "daemon":
		return starlark.Bool(p.daemon), nil
	case "authkey":
		return starlark.Bytes(p.authkey), nil
	case "pid", "ident":
		if p.pid == 0 {
			return starlark.None, nil
		}
		return starlark.MakeInt(p.pid), nil
	case "exitcode":
		if p.kind != kindChild || p.child == nil {
			return starlark.None, nil
		}
		if code, done := p.child.ExitCode(); done {
			return starlark.MakeInt(code), nil
		}
		return starlark.None, nil
	case "sentinel":
		if p.kind == kindChild && p.child == nil {
			return nil, exceptions.ValueError.New("process not started")
		}
		if p.child != nil {
			p.sentinelShown = true
			return starlark.MakeInt(p.child.Sentinel()), nil
		}
		return starlark.None, nil
	case "_identity":
		t := make(starlark.Tuple, len(p.identity))
		for i, x := range p.identity {
			t[i] = starlark.MakeInt(x)
		}
		return t, nil
	}
	return nil, nil
}

// AttrNames implements starlark.HasAttrs.
func (p *Process) AttrNames() []string {
	return value.AttrNames(processMethods, "authkey", "daemon", "exitcode", "ident", "name", "pid", "sentinel")
}

// SetField implements starlark.HasSetField for name, daemon and authkey.
func (p *Process) SetField(name string, v starlark.Value) error {
	switch name {
	case "name":
		s, ok := v.(starlark.String)
		if !ok {
			return exceptions.AssertionError.New("name must be a string")
		}
		p.name = string(s)
		return nil
	case "daemon":
		if p.started {
			return exceptions.AssertionError.New("process has already started")
		}
		p.daemon = bool(v.Truth())
		return nil
	case "authkey":
		s, ok := v.(starlark.Bytes)
		if !ok {
			return exceptions.TypeError.Errorf("authkey must be bytes, not %s", v.Type())
		}
		p.authkey = []byte(s)
		return nil
	}
	return starlark.NoSuchAttrError(fmt.Sprintf("multiprocessing.Process has no writable attribute %q", name))
}

func (p *Process) checkNotClosed() error {
	if p.closed {
		return exceptions.ValueError.New("process object is closed")
	}
	return nil
}

func receiverProcess(b *starlark.Builtin) *Process { return b.Receiver().(*Process) }

// def start()
func processStart(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	return starlark.None, receiverProcess(b).Start()
}

// NewChildProcess returns an unstarted Process that runs target(*args) in
// a child, as Process(target=target, args=args, daemon=daemon) does; name
// "" gives the default "Process-N". Engine-backed objects (Pool workers, a
// manager's server) start their processes this way, with a predeclared
// builtin as target.
func (rt *Runtime) NewChildProcess(name string, target starlark.Value, args starlark.Tuple, daemon bool) *Process {
	p := &Process{rt: rt, kind: kindChild, target: target, args: args, kwargs: starlark.NewDict(0), parent: os.Getpid()}
	rt.mu.Lock()
	rt.counter++
	p.identity = append(append([]int(nil), rt.self.identity...), rt.counter)
	rt.mu.Unlock()
	p.name = name
	if name == "" {
		p.name = "Process-" + JoinInts(p.identity, ":")
	}
	p.daemon = daemon
	p.authkey = rt.self.authkey
	return p
}

// Start launches the process, as Process.start().
func (p *Process) Start() error {
	if err := p.checkNotClosed(); err != nil {
		return err
	}
	if p.kind != kindChild || p.started {
		return exceptions.AssertionError.New("cannot start a process twice")
	}
	if p.parent != os.Getpid() {
		return exceptions.AssertionError.New("can only start a process object created by current process")
	}
	rt := p.rt
	if rt.self.daemon {
		return exceptions.AssertionError.New("daemonic processes are not allowed to have children")
	}
	rt.mu.Lock()
	booting, ending, cfg, extra := rt.bootstrapping, rt.ending, rt.cfg, rt.childExtra
	rt.mu.Unlock()
	if booting {
		return exceptions.RuntimeError.Errorf("%s", bootstrapMessage)
	}
	if ending {
		return exceptions.RuntimeError.Errorf("cannot start %s: the run was stopped and is ending its processes", p.name)
	}
	rt.LiveChildren() // CPython's _cleanup(): forget finished children
	var fds mpcore.FDTable
	payload, names, err := encodeTarget(p, &fds)
	if err != nil {
		return err
	}
	cwd, _ := os.Getwd()
	if p.defsOnly() {
		extra = withExtra(extra, defsOnlyKey, []byte{1})
	}
	extra = rt.withChildPrograms(extra, p.defsOnly(), names)
	slot, extra, err := rt.procs.reserve(extra, &fds)
	if err != nil {
		return err
	}
	prep := &mpcore.Prep{
		Name: p.name, Identity: p.identity, Authkey: p.authkey, Daemon: p.daemon,
		ParentPID: os.Getpid(), ParentName: rt.self.name, StartMethod: p.startMethod(),
		Filename: cfg.Filename, Source: cfg.Source, Argv: cfg.Argv, Dir: cwd, Payload: payload,
		Extra: extra,
	}
	var started time.Time
	if rt.cfg.Events != nil {
		started = time.Now()
	}
	child, err := rt.launch(prep, fds.FDs())
	if err != nil {
		rt.procs.started(slot, nil)
		return exceptions.OSError.Errorf("%s", err)
	}
	rt.procs.started(slot, child)
	p.child, p.pid, p.started = child, child.Pid, true
	p.target, p.args, p.kwargs = nil, nil, nil // CPython drops them after start
	rt.addChild(p)
	if rt.cfg.Events != nil {
		rt.reportProcess(p, started)
	}
	return nil
}

// launch starts a child running prep, carrying fds: a waiting one under
// forkserver, a new one otherwise.
func (rt *Runtime) launch(prep *mpcore.Prep, fds []int) (*mpcore.Child, error) {
	if prep.StartMethod != "forkserver" {
		return mpcore.Launch(mpcore.LaunchConfig{Executable: rt.cfg.Executable, FDs: fds,
			Stdout: rt.stdout, Stderr: rt.stderr, Prep: prep})
	}
	child, err := rt.warmPool().Take()
	if err != nil {
		return nil, err
	}
	if err := child.Send(prep, fds); err != nil {
		child.Kill()
		return nil, err
	}
	return child, nil
}

// limitExceeded names the run's limit that ended the exited child, or is
// "".
func (p *Process) limitExceeded() string {
	code, _ := p.child.ExitCode()
	return p.rt.cfg.Confine.LimitExceeded(code)
}

// Child returns the engine's handle on a started child, or nil.
func (p *Process) Child() *mpcore.Child { return p.child }

// Name returns the process name.
func (p *Process) Name() string { return p.name }

// SetName renames a process that has not started (a pool worker is
// SpawnPoolWorker-N, a manager's server SyncManager-N).
func (p *Process) SetName(name string) { p.name = name }

// SetMethod sets the start method of a process that has not started.
func (p *Process) SetMethod(method string) { p.method = method }

// Identity returns the process's identity, as CPython's _identity.
func (p *Process) Identity() []int { return p.identity }

// Runtime returns the runtime the process belongs to.
func (p *Process) Runtime() *Runtime { return p.rt }

// Authkey returns the process's authentication key.
func (p *Process) Authkey() []byte { return p.authkey }

// encodeTarget encodes what the child runs: target, args and kwargs, and
// under fork the snapshot of the main module's globals, each a part (see
// appendPart) so errors name what could not be sent. It also returns the
// names of the globals in the snapshot.
func encodeTarget(p *Process, fds *mpcore.FDTable) ([]byte, []string, error) {
	enc := p.rt.Encoder(&ShareContext{FDs: fds})
	var out []byte
	for _, part := range []struct {
		root string
		v    starlark.Value
	}{{"target", p.target}, {"args", p.args}, {"kwargs", p.kwargs}} {
		var err error
		if out, err = AppendEncoded(out, enc, part.root, part.v); err != nil {
			return nil, nil, exceptions.TypeError.Errorf("cannot start %s: %s", p.name, err)
		}
	}
	var snapshot []byte
	var names []string
	if p.defsOnly() {
		snapshot, names = p.rt.forkSnapshot(enc, p.startMethod() == "fork")
	}
	return appendPart(out, snapshot), names, nil
}

// defsOnly reports whether the child executes only the main module's defs
// and loads, receiving the other globals from a snapshot: under fork, and
// for any child of a REPL session, whose typed statements must not run
// again.
func (p *Process) defsOnly() bool {
	return p.startMethod() == "fork" || p.rt.isInteractive()
}

// appendPart appends a 4-byte big-endian length and part.
func appendPart(out, part []byte) []byte {
	return append(binary.BigEndian.AppendUint32(out, uint32(len(part))), part...)
}

// AppendEncoded appends v's payload as a part, encoding it in place.
func AppendEncoded(out []byte, enc *Encoder, root string, v starlark.Value) ([]byte, error) {
	mark := len(out)
	out, err := enc.Append(append(out, 0, 0, 0, 0), root, v)
	if err != nil {
		return out[:mark], err
	}
	binary.BigEndian.PutUint32(out[mark:], uint32(len(out)-mark-4))
	return out, nil
}

// SplitParts is appendPart's inverse.
func SplitParts(p []byte) ([][]byte, error) {
	var parts [][]byte
	for len(p) > 0 {
		if len(p) < 4 || int(binary.BigEndian.Uint32(p)) > len(p)-4 {
			return nil, fmt.Errorf("truncated process payload")
		}
		n := binary.BigEndian.Uint32(p)
		parts = append(parts, p[4:4+n])
		p = p[4+n:]
	}
	return parts, nil
}

// decodeTarget is encodeTarget's inverse, in the child; the snapshot part
// is left to RestoreForkGlobals.
func decodeTarget(payload []byte, dc *DecodeContext) (target starlark.Value, args starlark.Tuple, kwargs *starlark.Dict, err error) {
	parts, err := SplitParts(payload)
	if err != nil || len(parts) != 4 {
		return nil, nil, nil, fmt.Errorf("malformed process payload")
	}
	var vals [3]starlark.Value
	for i := range vals {
		if vals[i], err = Decode(parts[i], dc); err != nil {
			return nil, nil, nil, err
		}
	}
	args, _ = vals[1].(starlark.Tuple)
	kwargs, _ = vals[2].(*starlark.Dict)
	if kwargs == nil {
		kwargs = starlark.NewDict(0)
	}
	return vals[0], args, kwargs, nil
}

func (p *Process) startMethod() string {
	if p.method != "" {
		return p.method
	}
	return p.rt.StartMethod()
}

// def run()
func processRun(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	p := receiverProcess(b)
	if p.target == nil || p.target == starlark.None {
		return starlark.None, nil
	}
	_, err := starlark.Call(thread, p.target, p.args, p.kwargs.Items())
	return starlark.None, err
}

// def join(timeout=None)
func processJoin(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	d, err := value.TimeoutArgs(b, args, kwargs, -1)
	if err != nil {
		return nil, err
	}
	p := receiverProcess(b)
	if err := p.checkNotClosed(); err != nil {
		return nil, err
	}
	switch {
	case p.kind == kindSelf || p.kind == kindMain:
		return nil, exceptions.AssertionError.New("can only join a child process")
	case p.kind == kindParent:
		return starlark.None, p.waitParent(d)
	case p.parent != os.Getpid():
		return nil, exceptions.AssertionError.New("can only join a child process")
	case p.child == nil:
		return nil, exceptions.AssertionError.New("can only join a started process")
	}
	ok, err := stop.Wait(p.child.Done(), d)
	if ok {
		p.rt.LiveChildren()
		if !p.sentinelShown {
			// Joined, its exit code kept: the pidfd has no use left.
			p.child.Close()
		}
	}
	return starlark.None, err
}

// waitParent waits for the parent process to exit, for at most d.
func (p *Process) waitParent(d time.Duration) error {
	fd, err := unix.PidfdOpen(p.pid, 0)
	if err != nil {
		return nil
	}
	defer unix.Close(fd)
	return blocked(mpcore.WaitReadable(fd, d), nil)
}

// def is_alive()
func processIsAlive(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	p := receiverProcess(b)
	if err := p.checkNotClosed(); err != nil {
		return nil, err
	}
	switch p.kind {
	case kindMain, kindSelf:
		return starlark.True, nil
	case kindParent:
		return starlark.Bool(unix.Kill(p.pid, 0) == nil && os.Getppid() == p.pid), nil
	}
	if p.parent != os.Getpid() {
		return nil, exceptions.AssertionError.New("can only test a child process")
	}
	if p.child == nil {
		return starlark.False, nil
	}
	return starlark.Bool(!p.child.Exited()), nil
}

// def terminate() / def kill()
func processSignal(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple, sig unix.Signal) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	p := receiverProcess(b)
	if err := p.checkNotClosed(); err != nil {
		return nil, err
	}
	if p.child != nil {
		p.child.Signal(sig)
	}
	return starlark.None, nil
}

func processTerminate(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	return processSignal(b, args, kwargs, unix.SIGTERM)
}

func processKill(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	return processSignal(b, args, kwargs, unix.SIGKILL)
}

// def close()
func processClose(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	p := receiverProcess(b)
	if p.closed {
		return starlark.None, nil
	}
	if p.child != nil {
		if !p.child.Exited() {
			return nil, exceptions.ValueError.New("Cannot close a process while it is still running. You should first call join() or terminate().")
		}
		p.child.Close()
	}
	p.closed = true
	return starlark.None, nil
}

// CurrentProcess implements current_process()
func CurrentProcess(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	return RuntimeOf(thread).self, nil
}

// ParentProcess implements parent_process()
func ParentProcess(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	if p := RuntimeOf(thread).parent; p != nil {
		return p, nil
	}
	return starlark.None, nil
}

// ActiveChildren implements active_children()
func ActiveChildren(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	kids := RuntimeOf(thread).LiveChildren()
	out := make([]starlark.Value, len(kids))
	for i, p := range kids {
		out[i] = p
	}
	return starlark.NewList(out), nil
}
